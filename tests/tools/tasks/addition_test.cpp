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
  for (int seed : {1, 2, 3}) {
    const auto problems = python_problems("addition", 300, 40, seed);
    ASSERT_TRUE(problems.is_array() && problems.size() == 300u) << problems.dump().substr(0, 200);
    for (const auto& p : problems) {
      const auto t = addition_trajectory(p["a"], p["b"]);
      ASSERT_EQ(t.tokens, p["tokens"].get<std::vector<std::string>>()) << p["a"] << "+" << p["b"];
      std::vector<std::string> roles;
      for (auto r : t.roles) roles.emplace_back(role_name(r));
      ASSERT_EQ(roles, p["roles"].get<std::vector<std::string>>());
      std::string out;
      for (const auto& d : t.output()) out += d;
      ASSERT_EQ(out, add_decimal(p["a"], p["b"]));
    }
  }
}

}  // namespace
}  // namespace recur::tools::tasks
