#include "tools/tasks/multiplication.hpp"

#include <algorithm>

#include "tools/tasks/pointer_tape.hpp"

namespace recur::tools::tasks {

std::vector<std::string> multiply1_prompt(const std::string& a, const std::string& b) {
  return operation_prompt(a, "*", b);
}

Trajectory multiply1_trajectory(const std::string& a, const std::string& b) {
  PointerRecorder r(multiply1_prompt(a, b));
  // 1-2. Pointer 1 walks right to "*" and steps back onto the last digit of a; pointer 2 walks
  //      right to "=" and steps back onto b.
  r.walk_right_to(1, "*");
  r.move(1, -1);
  r.walk_right_to(2, "=");
  r.move(2, -1);
  // 3. Columns, right to left: x * b + carry = 10 * carry' + digit (carry' at most 8); pointer 1
  //    moves left until it reads "^", and a remaining carry is written as its digit and C0.
  int carry = 0;
  for (;;) {
    const std::string x = r.read(1), y = r.read(2);
    if (!is_digit(x)) break;
    const int s = (x[0] - '0') * (y[0] - '0') + carry;
    carry = s / 10;
    r.write(Role::thought, std::string(1, static_cast<char>('0' + s % 10)));
    r.write(Role::thought, word('C', carry));
    r.move(1, -1);
  }
  if (carry) {
    r.write(Role::thought, std::string(1, static_cast<char>('0' + carry)));
    r.write(Role::thought, "C0");
  }
  r.write(Role::thought, "[ANS]");
  // 4. The product's digits, most significant first.
  r.write_answer();
  return r.trajectory();
}

std::string multiply_by_digit(const std::string& a, const std::string& b) {
  const int d = b[0] - '0';
  std::string r;
  if (a.empty()) return "0";
  int carry = 0;
  for (auto i = a.rbegin(); i != a.rend(); ++i) {
    const int s = (*i - '0') * d + carry;
    r.push_back(static_cast<char>('0' + s % 10));
    carry = s / 10;
  }
  if (carry) r.push_back(static_cast<char>('0' + carry));
  while (r.size() > 1 && r.back() == '0') r.pop_back();
  std::reverse(r.begin(), r.end());
  return r;
}

}  // namespace recur::tools::tasks
