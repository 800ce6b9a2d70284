#include "tasks/addition_ablations.hpp"

#include <algorithm>

#include "tasks/addition.hpp"

namespace recur::tasks {
namespace {

Trajectory direct(const std::string& a, const std::string& b, const std::string& digits) {
  Trajectory t;
  for (const auto& w : addition_prompt(a, b)) t.add(Role::prompt, w);
  t.add_chars(Role::output, digits);
  t.add(Role::stop, "<eos>");
  return t;
}

}  // namespace

Trajectory addition_nocot_trajectory(const std::string& a, const std::string& b) {
  return direct(a, b, add_decimal(a, b));
}

std::string reversed_sum(const std::string& a, const std::string& b) {
  std::string s = add_decimal(a, b);
  std::reverse(s.begin(), s.end());
  return s;
}

Trajectory addition_nocot_reversed_trajectory(const std::string& a, const std::string& b) {
  return direct(a, b, reversed_sum(a, b));
}

Trajectory addition_notool_trajectory(const std::string& a, const std::string& b) {
  const Trajectory reference = addition_trajectory(a, b);
  Trajectory t;
  for (std::size_t i = 0; i < reference.tokens.size(); ++i) {
    const Role r = reference.roles[i];
    t.add(r == Role::prompt || r == Role::stop ? r : Role::output, reference.tokens[i]);
  }
  return t;
}

std::string addition_notool_answer(const std::string& a, const std::string& b) {
  std::string s;
  for (const auto& w : addition_notool_trajectory(a, b).output()) s += w;
  return s;
}

Trajectory addition_calculator_trajectory(const std::string& a, const std::string& b) {
  Trajectory t;
  for (const auto& w : addition_prompt(a, b)) t.add(Role::prompt, w);
  t.add(Role::command, "[CALL]");
  t.add_chars(Role::command, a);
  t.add(Role::command, "+");
  t.add_chars(Role::command, b);
  t.add(Role::command, "[END]");
  const std::string sum = add_decimal(a, b);
  t.add(Role::observation, "[OBSERVATION]");
  t.add_chars(Role::observation, sum);
  t.add(Role::observation, "[END]");
  t.add(Role::thought, "[ANS]");
  t.add_chars(Role::output, sum);
  t.add(Role::stop, "<eos>");
  return t;
}

Trajectory addition_twopointer_trajectory(const std::string& a, const std::string& b) {
  return addition_trajectory_read_by(a, b, 2);
}

}  // namespace recur::tasks
