#include "tasks/task.hpp"

#include "tasks/addition.hpp"
#include "tasks/addition_ablations.hpp"
#include "tasks/logical_graph.hpp"
#include "tasks/multiplication.hpp"

namespace recur::tasks {
namespace {

std::pair<std::string, std::string> two_of_length(std::mt19937_64& rng, std::size_t length,
                                                  OperandDraw operand) {
  std::string a = operand(rng, length);
  return {std::move(a), operand(rng, length)};
}

// A zero second operand would make the product's leading zeros part of the answer.
std::pair<std::string, std::string> one_digit_second(std::mt19937_64& rng, std::size_t length,
                                                     OperandDraw operand) {
  std::string a = operand(rng, length);
  return {std::move(a), std::string(1, static_cast<char>('1' + rng() % 9))};
}

// The first operand is not 0: 0 times b would be written "00".
std::pair<std::string, std::string> two_digit_second(std::mt19937_64& rng, std::size_t length,
                                                     OperandDraw operand) {
  std::string a;
  do a = operand(rng, length);
  while (a == "0");
  return {std::move(a), std::to_string(10 + rng() % 90)};
}

std::pair<std::string, std::string> graph_of_size(std::mt19937_64& rng, std::size_t length,
                                                  OperandDraw) {
  return draw_logical_graph(rng, length);
}

const std::vector<Task>& tasks() {
  static const std::vector<Task> all = {
      {"addition", addition_prompt, addition_trajectory, add_decimal, two_of_length},
      {"multiply1", multiply1_prompt, multiply1_trajectory, multiply_by_digit, one_digit_second},
      {"multiply2", multiply2_prompt, multiply2_trajectory, multiply_decimal, two_digit_second},
      {"logical_graph", logical_graph_prompt, logical_graph_trajectory, logical_graph_answer,
       graph_of_size, kGraphMaxNodes},
      {"logical_graph_eval", logical_graph_prompt, logical_graph_eval_trajectory,
       logical_graph_answer, graph_of_size, kGraphMaxNodes},
      {"addition_nocot", addition_prompt, addition_nocot_trajectory, add_decimal, two_of_length},
      {"addition_nocot_reversed", addition_prompt, addition_nocot_reversed_trajectory, reversed_sum,
       two_of_length},
      {"addition_notool", addition_prompt, addition_notool_trajectory, addition_notool_answer,
       two_of_length},
      {"addition_twopointer", addition_prompt, addition_twopointer_trajectory, add_decimal,
       two_of_length},
      {"addition_calculator", addition_prompt, addition_calculator_trajectory, add_decimal,
       two_of_length},
  };
  return all;
}

}  // namespace

const Task* find_task(std::string_view name) {
  for (const auto& t : tasks())
    if (t.name == name) return &t;
  return nullptr;
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const auto& t : tasks()) names.push_back(t.name);
  return names;
}

}  // namespace recur::tasks
