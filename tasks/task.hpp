// The tasks recur evaluates, by name: how to state a problem, its reference trajectory, its exact
// answer, and how an evaluation problem is drawn (the same as each task's draw() in
// scripts/train/tasks). A problem is two strings: the operands a and b of the arithmetic tasks, the
// program and its output node of the logical graph.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

// A random decimal operand of exactly `digits` digits, drawn from rng.
using OperandDraw = std::string (*)(std::mt19937_64& rng, std::size_t digits);

struct Task {
  std::string name;
  // The prompt's words for the operands a and b.
  std::vector<std::string> (*prompt)(const std::string& a, const std::string& b);
  // The reference trajectory that solves a, b.
  Trajectory (*trajectory)(const std::string& a, const std::string& b);
  // The exact answer in decimal.
  std::string (*answer)(const std::string& a, const std::string& b);
  // An evaluation problem of length `length`: the first operand is operand(rng, length), drawn
  // first; the second follows from the same rng (addition: operand(rng, length) again; multiply1:
  // one digit 1-9; multiply2: a first operand other than 0, then a number 10-99). The logical
  // graph draws a graph of `length` nodes and takes no operands.
  std::pair<std::string, std::string> (*draw)(std::mt19937_64& rng, std::size_t length,
                                              OperandDraw operand);
  // The longest problem it can draw; 0: no limit.
  std::size_t max_length = 0;
};

// The task of that name, or nullptr.
const Task* find_task(std::string_view name);
// The names of all tasks: "addition", "multiply1", "multiply2", "logical_graph", and the
// ablations of addition "addition_nocot", "addition_nocot_reversed", "addition_notool",
// "addition_twopointer".
std::vector<std::string> task_names();

}  // namespace recur::tasks
