// The C++ twins of the multiply1 and multiply2 formats agree with the Python generators the models
// are trained on.
#include <gtest/gtest.h>

#include "python_problems.hpp"
#include "tasks/multiplication.hpp"

namespace recur::tasks {
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
  expect_python_trajectories("multiply1", 40, multiply1_trajectory, multiply_by_digit);
}

TEST(Multiply2Task, TheWorkedExampleOfTheDocs) {
  const auto t = multiply2_trajectory("37", "25");
  // 6 prompt tokens, 199 after them: 144 the model writes and 55 observations.
  EXPECT_EQ(t.tokens.size(), 205u);
  EXPECT_EQ(t.written().size(), 144u);
  EXPECT_EQ(t.output(), (std::vector<std::string>{"9", "2", "5"}));
  EXPECT_EQ(multiply2_prompt("37", "25"), (std::vector<std::string>{"3", "7", "*", "2", "5", "="}));
}

TEST(Multiply2Task, TheProductOfTwoNumbers) {
  EXPECT_EQ(multiply_decimal("37", "25"), "925");
  EXPECT_EQ(multiply_decimal("0", "25"), "0");
  EXPECT_EQ(multiply_decimal("123", "0"), "0");
  EXPECT_EQ(multiply_decimal("99", "99"), "9801");
  EXPECT_EQ(multiply_decimal("12345678901234567890", "98765432109876543210"),
            "1219326311370217952237463801111263526900");
  // (10^3000 - 1) * 99 = 99 * 10^3000 - 99
  EXPECT_EQ(multiply_decimal(std::string(3000, '9'), "99"), "98" + std::string(2998, '9') + "01");
}

TEST(Multiply2Task, TheTrajectoryWritesTheProductForEverySecondOperand) {
  for (const std::string a : {"1", "9", "10", "99", "12345", "90909", "99999"}) {
    for (int b = 10; b < 100; ++b) {
      std::string out;
      for (const auto& d : multiply2_trajectory(a, std::to_string(b)).output()) out += d;
      ASSERT_EQ(out, multiply_decimal(a, std::to_string(b))) << a << "*" << b;
    }
  }
}

TEST(Multiply2Task, TrajectoriesEqualThePythonGeneratorsOnRandomProblems) {
  expect_python_trajectories("multiply2", 40, multiply2_trajectory, multiply_decimal);
}

}  // namespace
}  // namespace recur::tasks
