// The C++ twin of the addition format agrees with the Python generator the models are trained on.
#include <gtest/gtest.h>

#include "python_problems.hpp"
#include "tools/tasks/addition.hpp"

namespace recur::tools::tasks {
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

}  // namespace
}  // namespace recur::tools::tasks
