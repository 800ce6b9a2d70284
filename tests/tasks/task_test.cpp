// The task registry finds the tasks recur evaluates by name, and draws their problems.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tasks/task.hpp"

namespace recur::tasks {
namespace {

std::string digits(std::mt19937_64& rng, std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

TEST(TaskRegistry, FindsTheTasksByName) {
  const Task* addition = find_task("addition");
  ASSERT_NE(addition, nullptr);
  EXPECT_EQ(addition->name, "addition");
  EXPECT_EQ(addition->answer("37", "5"), "42");
  EXPECT_EQ(addition->prompt("37", "5"), (std::vector<std::string>{"3", "7", "+", "5", "="}));
  const Task* multiply1 = find_task("multiply1");
  ASSERT_NE(multiply1, nullptr);
  EXPECT_EQ(multiply1->name, "multiply1");
  EXPECT_EQ(multiply1->answer("37", "5"), "185");
  EXPECT_EQ(multiply1->trajectory("37", "5").tokens.size(), 104u);
  EXPECT_EQ(find_task("x"), nullptr);
  const Task* multiply2 = find_task("multiply2");
  ASSERT_NE(multiply2, nullptr);
  EXPECT_EQ(multiply2->answer("37", "25"), "925");
  EXPECT_EQ(multiply2->trajectory("37", "25").tokens.size(), 205u);
  EXPECT_EQ(task_names(), (std::vector<std::string>{
                              "addition", "multiply1", "multiply2", "logical_graph",
                              "logical_graph_eval", "addition_nocot", "addition_nocot_reversed",
                              "addition_notool", "addition_twopointer", "addition_calculator"}));
}

TEST(TaskRegistry, AdditionDrawsTwoOperandsOfTheLengthFromOneStream) {
  std::mt19937_64 rng(7), same(7);
  const auto [a, b] = find_task("addition")->draw(rng, 12, digits);
  EXPECT_EQ(a, digits(same, 12));
  EXPECT_EQ(b, digits(same, 12));
}

TEST(TaskRegistry, Multiply1DrawsADigitFromOneToNineAfterTheFirstOperand) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200; ++i) {
    const auto [a, b] = find_task("multiply1")->draw(rng, 30, digits);
    EXPECT_EQ(a.size(), 30u);
    ASSERT_EQ(b.size(), 1u);
    EXPECT_GE(b[0], '1');
    EXPECT_LE(b[0], '9');
  }
}

TEST(TaskRegistry, Multiply2DrawsANumberFromTenToNinetyNineAfterTheFirstOperand) {
  std::mt19937_64 rng(7);
  std::set<std::string> seconds;
  for (int i = 0; i < 2000; ++i) {
    const auto [a, b] = find_task("multiply2")->draw(rng, 30, digits);
    EXPECT_EQ(a.size(), 30u);
    ASSERT_EQ(b.size(), 2u);
    EXPECT_GE(b, "10");
    EXPECT_LE(b, "99");
    seconds.insert(b);
  }
  EXPECT_EQ(seconds.size(), 90u);
}

TEST(TaskRegistry, TheLogicalGraphDrawsAGraphOfTheLengthAndItsLastNode) {
  const Task* graph = find_task("logical_graph");
  ASSERT_NE(graph, nullptr);
  EXPECT_EQ(graph->max_length, 10000u);
  EXPECT_EQ(find_task("addition")->max_length, 0u);
  std::mt19937_64 rng(9);
  const auto [program, output] = graph->draw(rng, 25, digits);
  EXPECT_EQ(std::count(program.begin(), program.end(), '\n'), 24);
  EXPECT_EQ(program.substr(program.rfind('\n') + 1, 5), output);
  const auto answer = graph->answer(program, output);
  EXPECT_TRUE(answer == "True" || answer == "False") << answer;
  EXPECT_EQ(graph->trajectory(program, output).output(), std::vector<std::string>{answer});
}

TEST(TaskRegistry, Multiply2NeverDrawsAZeroFirstOperand) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 500; ++i) EXPECT_NE(find_task("multiply2")->draw(rng, 1, digits).first, "0");
}

}  // namespace
}  // namespace recur::tasks
