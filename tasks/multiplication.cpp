#include "tasks/multiplication.hpp"

#include <algorithm>

#include "tasks/addition.hpp"
#include "tasks/pointer_tape.hpp"

namespace recur::tasks {
namespace {

std::string digit(int d) {
  return std::string(1, static_cast<char>('0' + d));
}

// The digit under pointer 2 times a, pointer k starting on a's last digit: multiply1's columns
// (x * y + carry = 10 * carry' + digit, carry' at most 8) until pointer k reads "^", then a
// remaining carry as its digit and C0.
void partial_product(PointerRecorder& r, int k) {
  int carry = 0;
  for (;;) {
    const std::string x = r.read(k), y = r.read(2);
    if (!is_digit(x)) break;
    const int s = (x[0] - '0') * (y[0] - '0') + carry;
    carry = s / 10;
    r.write(Role::thought, digit(s % 10));
    r.write(Role::thought, word('C', carry));
    r.move(k, -1);
  }
  if (carry) {
    r.write(Role::thought, digit(carry));
    r.write(Role::thought, "C0");
  }
}

}  // namespace

std::vector<std::string> multiply1_prompt(const std::string& a, const std::string& b) {
  return operation_prompt(a, "*", b);
}

Trajectory multiply1_trajectory(const std::string& a, const std::string& b) {
  PointerRecorder r(multiply1_prompt(a, b));
  // 1-2. Pointer 1 walks right to "*" and steps back onto the last digit of a; pointer 2 walks
  //      right to "=" and steps back onto b.
  r.walk_right_before(1, "*");
  r.walk_right_before(2, "=");
  // 3. Columns, right to left, until pointer 1 reads "^".
  partial_product(r, 1);
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

std::vector<std::string> multiply2_prompt(const std::string& a, const std::string& b) {
  return operation_prompt(a, "*", b);
}

Trajectory multiply2_trajectory(const std::string& a, const std::string& b) {
  PointerRecorder r(multiply2_prompt(a, b));
  // Each pointer's walks stop at tokens the others do not (pointer 1 at "*"; pointer 2 at "=";
  // pointer 3 at "*", "+" or "[ANS]"), so what a walk is for is always in its last few tokens.
  // 1. Pointers 1 and 3 onto the last digit of a, pointer 2 onto the last digit of b.
  r.walk_right_before(1, "*");
  r.walk_right_before(3, "*");
  r.walk_right_before(2, "=");
  // 2. Pointer 1 runs over a times b's last digit; then "+" and the shift of the second partial
  //    product, "0 C0".
  partial_product(r, 1);
  for (const char* t : {"+", "0", "C0"}) r.write(Role::thought, t);
  // 3. Pointer 2 steps onto b's first digit; pointer 3 runs over a times it; then "+".
  r.move(2, -1);
  partial_product(r, 3);
  r.write(Role::thought, "+");
  // 4. Pointers 1 and 3 walk right together, pointer 1 reading, to "=" and step onto the first
  //    partial product; pointer 3 walks on to "+" and steps onto the second.
  do {
    r.move(1, +1);
    r.move(3, +1);
  } while (r.read(1) != "=");
  r.move(1, +1);
  r.move(3, +1);
  r.walk_right_to(3, "+");
  r.move(3, +1);
  // 5. Addition columns, both pointers moving right over digit and carry, until pointer 3 reads
  //    the second "+" (a non-digit under pointer 1 counts 0 and it stays).
  int carry = 0;
  for (;;) {
    const std::string x = r.read(1), y = r.read(3);
    if (!is_digit(y)) break;
    const int s = (is_digit(x) ? x[0] - '0' : 0) + (y[0] - '0') + carry;
    carry = s / 10;
    r.write(Role::thought, digit(s % 10));
    r.write(Role::thought, word('C', carry));
    if (is_digit(x)) {
      r.move(1, +1);
      r.move(1, +1);
    }
    r.move(3, +1);
    r.move(3, +1);
  }
  if (carry) {
    r.write(Role::thought, digit(carry));
    r.write(Role::thought, "C0");
  }
  r.write(Role::thought, "[ANS]");
  // 6. Pointer 3 reads the product back, most significant digit first, down to the "+".
  r.write_answer(3, "+");
  return r.trajectory();
}

std::string multiply_decimal(const std::string& a, const std::string& b) {
  std::string product = "0";
  for (char d : b) product = add_decimal(product + "0", multiply_by_digit(a, std::string(1, d)));
  const auto first = product.find_first_not_of('0');
  return first == std::string::npos ? "0" : product.substr(first);
}

}  // namespace recur::tasks
