#include "tasks/addition.hpp"

#include <algorithm>

#include "tasks/pointer_tape.hpp"

namespace recur::tasks {

std::vector<std::string> addition_prompt(const std::string& a, const std::string& b) {
  return operation_prompt(a, "+", b);
}

Trajectory addition_trajectory_read_by(const std::string& a, const std::string& b, int reader) {
  PointerRecorder r(addition_prompt(a, b));
  // 1-2. Pointers 1 and 2 walk right to "+" and "=", then step back onto the last digits.
  r.walk_right_before(1, "+");
  r.walk_right_before(2, "=");
  // 3. Columns: a non-digit counts 0 and its pointer stays.
  int carry = 0;
  for (;;) {
    const std::string x = r.read(1), y = r.read(2);
    if (!is_digit(x) && !is_digit(y)) break;
    const int s = (is_digit(x) ? x[0] - '0' : 0) + (is_digit(y) ? y[0] - '0' : 0) + carry;
    carry = s / 10;
    r.write(Role::thought, std::string(1, static_cast<char>('0' + s % 10)));
    r.write(Role::thought, word('C', carry));
    if (is_digit(x)) r.move(1, -1);
    if (is_digit(y)) r.move(2, -1);
  }
  if (carry) r.write(Role::thought, "1"), r.write(Role::thought, "C0");
  r.write(Role::thought, "[ANS]");
  // 4. The sum's digits, most significant first.
  r.write_answer(reader);
  return r.trajectory();
}

Trajectory addition_trajectory(const std::string& a, const std::string& b) {
  return addition_trajectory_read_by(a, b, 3);
}

std::string add_decimal(const std::string& a, const std::string& b) {
  std::string r;
  int carry = 0;
  for (long i = static_cast<long>(a.size()) - 1, j = static_cast<long>(b.size()) - 1;
       i >= 0 || j >= 0 || carry; --i, --j) {
    const int s = carry + (i >= 0 ? a[static_cast<std::size_t>(i)] - '0' : 0) +
                  (j >= 0 ? b[static_cast<std::size_t>(j)] - '0' : 0);
    r.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  std::reverse(r.begin(), r.end());
  return r;
}

}  // namespace recur::tasks
