// The addition task with the pointer tool, as recur checks and scores it: the reference trajectory
// of a problem (the same as scripts/train/tasks/addition.py writes; a test compares the two on many
// random problems) and the exact answer. docs/tasks.md describes the format.
#pragma once

#include <string>
#include <vector>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

// The prompt's words: the digits of a, "+", the digits of b, "=".
std::vector<std::string> addition_prompt(const std::string& a, const std::string& b);
// The trajectory that adds the decimal strings a and b.
Trajectory addition_trajectory(const std::string& a, const std::string& b);
// The same with pointer `reader` reading the sum back (3; 2 for the two-pointer ablation).
Trajectory addition_trajectory_read_by(const std::string& a, const std::string& b, int reader);
// a + b in decimal.
std::string add_decimal(const std::string& a, const std::string& b);

}  // namespace recur::tasks
