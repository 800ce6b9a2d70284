// The ablations of addition with the pointer tool, as recur scores them (the same as
// scripts/train/tasks/addition_ablations.py writes; tests compare the two): the problems and
// prompts of addition in formats without the interactive tool, run with the plain protocol (every
// token the model writes is output, until "<eos>"), with a single calculator call, and with two
// pointers instead of three.
// docs/tasks.md describes them.
#pragma once

#include <string>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

// "addition_nocot": the sum right after the prompt, most significant digit first.
Trajectory addition_nocot_trajectory(const std::string& a, const std::string& b);
// "addition_nocot_reversed": the sum right after the prompt, least significant digit first; its
// answer is the reversed sum.
Trajectory addition_nocot_reversed_trajectory(const std::string& a, const std::string& b);
std::string reversed_sum(const std::string& a, const std::string& b);
// "addition_notool": addition's pointer trajectory with every token after the prompt written by
// the model, observations included. Its answer is all of them but the stop token, joined.
Trajectory addition_notool_trajectory(const std::string& a, const std::string& b);
std::string addition_notool_answer(const std::string& a, const std::string& b);
// "addition_calculator": single-turn tool use with the calculator protocol: one call of the bigint
// tool with both operands copied into it ("[CALL] 3 7 + 5 [END]"), its result observed
// ("[OBSERVATION] 4 2 [END]"), then "[ANS]" and the result copied as the output.
Trajectory addition_calculator_trajectory(const std::string& a, const std::string& b);
// "addition_twopointer": addition with the pointer tool, but pointer 2, parked on "+" after the
// columns, reads the sum back instead of a third pointer; its walk right passes the "=" where its
// first walk stopped.
Trajectory addition_twopointer_trajectory(const std::string& a, const std::string& b);

}  // namespace recur::tasks
