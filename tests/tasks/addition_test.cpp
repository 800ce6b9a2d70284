// The C++ twins of the addition format and of its ablations agree with the Python generators the
// models are trained on.
#include <gtest/gtest.h>

#include "python_problems.hpp"
#include "tasks/addition.hpp"
#include "tasks/addition_ablations.hpp"

namespace recur::tasks {
namespace {

TEST(AdditionTask, TheWorkedExampleOfTheDocs) {
  const auto t = addition_trajectory("37", "5");
  // 5 prompt tokens, 85 after them: 59 the model writes and 26 observations.
  EXPECT_EQ(t.tokens.size(), 90u);
  EXPECT_EQ(t.written().size(), 59u);
  EXPECT_EQ(t.output(), (std::vector<std::string>{"4", "2"}));
}

TEST(AdditionTask, TrajectoriesEqualThePythonGeneratorsOnRandomProblems) {
  expect_python_trajectories("addition", 40, addition_trajectory, add_decimal);
}

TEST(AdditionAblations, TheWorkedExamples) {
  EXPECT_EQ(addition_nocot_trajectory("37", "5").written(),
            (std::vector<std::string>{"4", "2", "<eos>"}));
  EXPECT_EQ(addition_nocot_reversed_trajectory("37", "5").written(),
            (std::vector<std::string>{"2", "4", "<eos>"}));
  EXPECT_EQ(reversed_sum("995", "7"), "2001");
  // No tool: the same 90 tokens as addition, the 85 after the prompt all written by the model.
  const auto notool = addition_notool_trajectory("37", "5");
  EXPECT_EQ(notool.tokens, addition_trajectory("37", "5").tokens);
  EXPECT_EQ(notool.written().size(), 85u);
  EXPECT_EQ(addition_notool_answer("37", "5").substr(0, 10), "R1D17R1D1+");
  // Two pointers: pointer 2 walks from "+" over "5 =" to "[ANS]" and reads back down to "=".
  const auto two = addition_twopointer_trajectory("37", "5");
  EXPECT_EQ(two.output(), (std::vector<std::string>{"4", "2"}));
  std::string written;
  for (const auto& w : two.written()) written += w + " ";
  EXPECT_NE(written.find("[ANS] R2 D2 R2 D2 R2 D2 R2 D2"), std::string::npos) << written;
  EXPECT_EQ(written.find("R3"), std::string::npos) << written;
}

TEST(AdditionAblations, TrajectoriesEqualThePythonGeneratorsOnRandomProblems) {
  expect_python_trajectories("addition_nocot", 40, addition_nocot_trajectory, add_decimal);
  expect_python_trajectories("addition_nocot_reversed", 40, addition_nocot_reversed_trajectory,
                             reversed_sum);
  expect_python_trajectories("addition_notool", 40, addition_notool_trajectory,
                             addition_notool_answer);
  expect_python_trajectories("addition_twopointer", 40, addition_twopointer_trajectory,
                             add_decimal);
  expect_python_trajectories("addition_calculator", 40, addition_calculator_trajectory,
                             add_decimal);
}

TEST(AdditionAblations, TheCalculatorCallCopiesBothOperandsAndItsResultIsTheAnswer) {
  const auto t = addition_calculator_trajectory("37", "5");
  std::string written, observed;
  for (std::size_t i = 0; i < t.tokens.size(); ++i) {
    if (t.roles[i] == Role::observation) observed += t.tokens[i] + " ";
    if (t.roles[i] != Role::prompt && t.roles[i] != Role::observation) written += t.tokens[i] + " ";
  }
  EXPECT_EQ(written, "[CALL] 3 7 + 5 [END] [ANS] 4 2 <eos> ");
  EXPECT_EQ(observed, "[OBSERVATION] 4 2 [END] ");
  EXPECT_EQ(t.output(), (std::vector<std::string>{"4", "2"}));
}

}  // namespace
}  // namespace recur::tasks
