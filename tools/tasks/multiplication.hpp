// The n x 1 multiplication task with the pointer tool ("multiply1"), as recur checks and scores it:
// the reference trajectory of a problem (the same as scripts/train/tasks/multiplication.py writes;
// a test compares the two on many random problems) and the exact answer. The first operand has any
// length, the second is one digit. docs/tasks.md describes the format.
#pragma once

#include <string>
#include <vector>

#include "tools/tasks/trajectory.hpp"

namespace recur::tools::tasks {

// The prompt's words: the digits of a, "*", the digit b, "=".
std::vector<std::string> multiply1_prompt(const std::string& a, const std::string& b);
// The trajectory that multiplies the decimal string a by the one-digit string b.
Trajectory multiply1_trajectory(const std::string& a, const std::string& b);
// a * b in decimal without leading zeros, b one digit "0".."9".
std::string multiply_by_digit(const std::string& a, const std::string& b);

}  // namespace recur::tools::tasks
