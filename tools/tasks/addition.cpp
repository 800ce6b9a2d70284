#include "tools/tasks/addition.hpp"

#include <algorithm>
#include <map>

namespace recur::tools::tasks {
namespace {

bool is_digit(const std::string& t) {
  return t.size() == 1 && t[0] >= '0' && t[0] <= '9';
}

// "R1", "D3", "C0": a letter and a digit.
std::string word(char letter, int digit) {
  std::string w(1, letter);
  w.push_back(static_cast<char>('0' + digit));
  return w;
}

// The pointer memory of the task: the prompt, then every thought and output.
class Tape {
 public:
  explicit Tape(std::vector<std::string> cells) : cells_(std::move(cells)) {}
  std::string read(int k) const {
    const long p = pos_.at(k);
    if (p < 0) return "^";
    if (p >= static_cast<long>(cells_.size())) return "$";
    return cells_[static_cast<std::size_t>(p)];
  }
  void left(int k) {
    if (pos_[k] >= 0) --pos_[k];
  }
  void right(int k) { ++pos_[k]; }
  void write(const std::string& t) { cells_.push_back(t); }

 private:
  std::vector<std::string> cells_;
  std::map<int, long> pos_ = {{1, 0}, {2, 0}, {3, 0}};
};

}  // namespace

const char* role_name(Role r) {
  switch (r) {
    case Role::prompt:
      return "prompt";
    case Role::command:
      return "command";
    case Role::observation:
      return "observation";
    case Role::thought:
      return "thought";
    case Role::output:
      return "output";
    case Role::stop:
      return "stop";
  }
  return "?";
}

std::vector<std::string> Trajectory::written() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (roles[i] != Role::prompt && roles[i] != Role::observation) out.push_back(tokens[i]);
  return out;
}

std::vector<std::string> Trajectory::output() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < tokens.size(); ++i)
    if (roles[i] == Role::output) out.push_back(tokens[i]);
  return out;
}

std::vector<std::string> addition_prompt(const std::string& a, const std::string& b) {
  std::vector<std::string> p;
  for (char c : a) p.emplace_back(1, c);
  p.emplace_back("+");
  for (char c : b) p.emplace_back(1, c);
  p.emplace_back("=");
  return p;
}

Trajectory addition_trajectory(const std::string& a, const std::string& b) {
  Trajectory t;
  const auto prompt = addition_prompt(a, b);
  for (const auto& w : prompt) t.tokens.push_back(w), t.roles.push_back(Role::prompt);
  Tape tape(prompt);
  auto add = [&](Role role, const std::string& w) {
    t.tokens.push_back(w);
    t.roles.push_back(role);
  };
  auto move = [&](int k, int direction) {
    add(Role::command, word(direction > 0 ? 'R' : 'L', k));
    if (direction > 0)
      tape.right(k);
    else
      tape.left(k);
  };
  auto read = [&](int k) {
    add(Role::command, word('D', k));
    const std::string v = tape.read(k);
    add(Role::observation, v);
    return v;
  };
  auto write = [&](Role role, const std::string& w) {
    add(role, w);
    tape.write(w);
  };
  // 1-2. Pointers 1 and 2 walk right to "+" and "=", then step back onto the last digits.
  do move(1, +1);
  while (read(1) != "+");
  move(1, -1);
  do move(2, +1);
  while (read(2) != "=");
  move(2, -1);
  // 3. Columns: a non-digit counts 0 and its pointer stays.
  int carry = 0;
  for (;;) {
    const std::string x = read(1), y = read(2);
    if (!is_digit(x) && !is_digit(y)) break;
    const int s = (is_digit(x) ? x[0] - '0' : 0) + (is_digit(y) ? y[0] - '0' : 0) + carry;
    carry = s / 10;
    write(Role::thought, std::string(1, static_cast<char>('0' + s % 10)));
    write(Role::thought, word('C', carry));
    if (is_digit(x)) move(1, -1);
    if (is_digit(y)) move(2, -1);
  }
  if (carry) write(Role::thought, "1"), write(Role::thought, "C0");
  write(Role::thought, "[ANS]");
  // 4. Pointer 3 walks right to [ANS], then back left writing the digits until "=".
  do move(3, +1);
  while (read(3) != "[ANS]");
  for (;;) {
    move(3, -1);
    const std::string v = read(3);
    if (v == "=") break;
    if (is_digit(v)) write(Role::output, v);
  }
  add(Role::stop, "<eos>");
  return t;
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

}  // namespace recur::tools::tasks
