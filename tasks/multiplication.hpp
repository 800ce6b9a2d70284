// The multiplication tasks with the pointer tool, as recur checks and scores them: the reference
// trajectory of a problem (the same as scripts/train/tasks/multiplication.py and multiplication2.py
// write; tests compare them on many random problems) and the exact answer. The first operand has
// any length; the second is one digit ("multiply1") or two ("multiply2"). docs/tasks.md describes
// both formats.
#pragma once

#include <string>
#include <vector>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

// The prompt's words: the digits of a, "*", the digit b, "=".
std::vector<std::string> multiply1_prompt(const std::string& a, const std::string& b);
// The trajectory that multiplies the decimal string a by the one-digit string b.
Trajectory multiply1_trajectory(const std::string& a, const std::string& b);
// a * b in decimal without leading zeros, b one digit "0".."9".
std::string multiply_by_digit(const std::string& a, const std::string& b);

// The prompt's words: the digits of a, "*", the two digits of b, "=".
std::vector<std::string> multiply2_prompt(const std::string& a, const std::string& b);
// The trajectory that multiplies the decimal string a (not "0") by the two-digit string b.
Trajectory multiply2_trajectory(const std::string& a, const std::string& b);
// a * b in decimal without leading zeros, b of any length.
std::string multiply_decimal(const std::string& a, const std::string& b);

}  // namespace recur::tasks
