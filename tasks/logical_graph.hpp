// The logical graph task with the search tool ("logical_graph"), as recur checks and scores it: a
// random circuit written as lines ("v0412 = True" for the three inputs, "v7701 = not v0412 and
// v5555" for each other node, over one or two earlier nodes), the reference trajectory that
// evaluates its last node by depth-first search keeping its stack in the memory (the same as
// scripts/train/tasks/logical_graph.py writes; a test compares the two on many random problems),
// and the exact answer. A problem is (program, output): the lines joined by "\n", and the name of
// the last node. docs/tasks.md describes the format.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "tasks/trajectory.hpp"

namespace recur::tasks {

// Labels are "v" and four digits, so a graph has at most this many nodes.
inline constexpr std::size_t kGraphMaxNodes = 10000;

// A random graph of `nodes` nodes (at least 4; at most kGraphMaxNodes): three inputs, then nodes
// over one or two distinct earlier nodes, each negated or not, joined by "and" or "or".
std::pair<std::string, std::string> draw_logical_graph(std::mt19937_64& rng, std::size_t nodes);
// The prompt's words: each line's tokens (every label split into "v" and its digits) and "[NL]",
// then "? " and the output's label and "[NL]".
std::vector<std::string> logical_graph_prompt(const std::string& program,
                                              const std::string& output);
// The trajectory that evaluates `output`.
Trajectory logical_graph_trajectory(const std::string& program, const std::string& output);
// The same search ("logical_graph_eval"), where each node's value line "v7701 = False" is preceded
// by the gate's evaluation written out, "True and not True = False", so that the value is decided
// by the few tokens just written rather than by the definition and operands read many tokens back.
Trajectory logical_graph_eval_trajectory(const std::string& program, const std::string& output);
// "True" or "False".
std::string logical_graph_answer(const std::string& program, const std::string& output);

}  // namespace recur::tasks
