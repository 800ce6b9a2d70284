// The C++ twin of the multiply1 format agrees with the Python generator the models are trained on.
#include <gtest/gtest.h>

#include "python_problems.hpp"
#include "tools/tasks/multiplication.hpp"

namespace recur::tools::tasks {
namespace {

TEST(Multiply1Task, TheWorkedExampleOfTheDocs) {
  const auto t = multiply1_trajectory("37", "5");
  // 5 prompt tokens, 99 after them: 69 the model writes and 30 observations.
  EXPECT_EQ(t.tokens.size(), 104u);
  EXPECT_EQ(t.written().size(), 69u);
  EXPECT_EQ(t.output(), (std::vector<std::string>{"1", "8", "5"}));
  EXPECT_EQ(multiply1_prompt("37", "5"), (std::vector<std::string>{"3", "7", "*", "5", "="}));
}

TEST(Multiply1Task, TheProductOfALongNumberAndADigit) {
  EXPECT_EQ(multiply_by_digit("37", "5"), "185");
  EXPECT_EQ(multiply_by_digit("0", "7"), "0");
  EXPECT_EQ(multiply_by_digit("123", "0"), "0");
  EXPECT_EQ(multiply_by_digit("9", "9"), "81");
  EXPECT_EQ(multiply_by_digit(std::string(3000, '9'), "9"),
            std::string("8") + std::string(2999, '9') + "1");  // (10^3000 - 1) * 9
  const std::string power = std::string("1") + std::string(4000, '0');
  EXPECT_EQ(multiply_by_digit(power, "1"), power);
  EXPECT_EQ(multiply_by_digit(power, "7"), std::string("7") + std::string(4000, '0'));
}

TEST(Multiply1Task, TrajectoriesEqualThePythonGeneratorsOnRandomProblems) {
  for (int seed : {1, 2, 3}) {
    const auto problems = python_problems("multiply1", 300, 40, seed);
    ASSERT_TRUE(problems.is_array() && problems.size() == 300u) << problems.dump().substr(0, 200);
    for (const auto& p : problems) {
      const auto t = multiply1_trajectory(p["a"], p["b"]);
      ASSERT_EQ(t.tokens, p["tokens"].get<std::vector<std::string>>()) << p["a"] << "*" << p["b"];
      std::vector<std::string> roles;
      for (auto r : t.roles) roles.emplace_back(role_name(r));
      ASSERT_EQ(roles, p["roles"].get<std::vector<std::string>>());
      std::string out;
      for (const auto& d : t.output()) out += d;
      ASSERT_EQ(out, multiply_by_digit(p["a"], p["b"]));
    }
  }
}

}  // namespace
}  // namespace recur::tools::tasks
