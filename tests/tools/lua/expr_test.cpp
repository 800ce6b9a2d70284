// expr: values against the C++ standard library, precedence and associativity, variables, and
// errors that name the position.
#include <cmath>
#include <string>

#include <gtest/gtest.h>

#include "lua_test_support.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

class Expr : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tool_ = testing::shipped_tool("expr").release(); }
  static void TearDownTestSuite() { delete tool_; }

  static double value(const std::string& expression, const Json& variables = nullptr) {
    Json args = {{"expression", expression}};
    if (!variables.is_null()) args["variables"] = variables;
    ToolResult result = tool_->call(args, {});
    EXPECT_FALSE(result.is_error) << expression << " -> " << result.joined_text();
    return result.is_error ? std::nan("") : result.structured["value"].get<double>();
  }
  static std::string error(const std::string& expression, const Json& variables = nullptr) {
    Json args = {{"expression", expression}};
    if (!variables.is_null()) args["variables"] = variables;
    ToolResult result = tool_->call(args, {});
    EXPECT_TRUE(result.is_error) << expression;
    return result.joined_text();
  }

  static LuaTool* tool_;
};

LuaTool* Expr::tool_ = nullptr;

TEST_F(Expr, ArithmeticFollowsPrecedenceAndAssociativity) {
  EXPECT_EQ(value("1 + 2 * 3"), 7.0);
  EXPECT_EQ(value("(1 + 2) * 3"), 9.0);
  EXPECT_EQ(value("-2^2"), -4.0);
  EXPECT_EQ(value("2^3^2"), 512.0);
  EXPECT_EQ(value("2^-1"), 0.5);
  EXPECT_EQ(value("10 - 4 - 3"), 3.0);
  EXPECT_EQ(value("64 / 4 / 2"), 8.0);
  EXPECT_EQ(value("7 % 3"), 1.0);
  EXPECT_EQ(value("-7 % 3"), 2.0);
  EXPECT_EQ(value("7.5 % -2"), -0.5);
  EXPECT_EQ(value("--3"), 3.0);
  EXPECT_EQ(value("+.5e1 * 2E-1"), 1.0);
  EXPECT_EQ(value("  1\t+\n2 "), 3.0);
}

TEST_F(Expr, FunctionsAndConstantsMatchTheStandardLibrary) {
  EXPECT_DOUBLE_EQ(value("sin(1.2) + cos(0.3) * tan(0.7)"),
                   std::sin(1.2) + std::cos(0.3) * std::tan(0.7));
  EXPECT_DOUBLE_EQ(value("asin(0.5) + acos(0.25) + atan(3)"),
                   std::asin(0.5) + std::acos(0.25) + std::atan(3.0));
  EXPECT_DOUBLE_EQ(value("atan(1, -1)"), std::atan2(1.0, -1.0));
  EXPECT_DOUBLE_EQ(value("exp(2) * log(10)"), std::exp(2.0) * std::log(10.0));
  EXPECT_EQ(value("log10(1000)"), 3.0);
  EXPECT_DOUBLE_EQ(value("sqrt(2)"), std::sqrt(2.0));
  EXPECT_EQ(value("abs(-3.5) + floor(2.7) + ceil(2.1)"), 8.5);
  EXPECT_EQ(value("min(3, 1, 2) + max(4, 9)"), 10.0);
  EXPECT_EQ(value("pow(2, 10)"), 1024.0);
  EXPECT_DOUBLE_EQ(value("pi"), M_PI);
  EXPECT_DOUBLE_EQ(value("e"), std::exp(1.0));
}

TEST_F(Expr, VariablesAreSubstituted) {
  EXPECT_DOUBLE_EQ(value("2*pi*r^2", {{"r", 1.5}}), 2 * M_PI * 2.25);
  EXPECT_EQ(value("x*y + z_1", {{"x", 3}, {"y", -2}, {"z_1", 0.5}}), -5.5);
  EXPECT_EQ(value("e + 1", {{"e", 2}}), 3.0);
}

TEST_F(Expr, ErrorsNameThePosition) {
  EXPECT_EQ(error("1 + * 2"), "expr: unexpected character '*' at position 5");
  EXPECT_EQ(error("foo(1)"), "expr: unknown function 'foo' at position 1");
  EXPECT_EQ(error("2 * x"), "expr: unknown variable 'x' at position 5");
  EXPECT_EQ(error("1 / (2 - 2)"), "expr: division by zero at position 3");
  EXPECT_EQ(error("5 % 0"), "expr: modulo by zero at position 3");
  EXPECT_EQ(error("0 ^ -1"), "expr: division by zero at position 3");
  EXPECT_EQ(error("sqrt(-1)"), "expr: argument of 'sqrt' is out of its domain at position 1");
  EXPECT_EQ(error("1 + log(0)"), "expr: result of 'log' is not a finite number at position 5");
  EXPECT_EQ(error("exp(1000)"), "expr: result of 'exp' is not a finite number at position 1");
  EXPECT_EQ(error("1e999"), "expr: number is not a finite number at position 1");
  EXPECT_EQ(error("(1 + 2"), "expr: expected ')' but found the end at position 7");
  EXPECT_EQ(error("1 2"), "expr: unexpected '2' at position 3");
  EXPECT_EQ(error(""), "expr: unexpected end of expression at position 1");
  EXPECT_EQ(error("pow(1)"), "expr: function 'pow' takes 2 arguments, not 1 at position 1");
  EXPECT_EQ(error("sin()"), "expr: function 'sin' takes 1 argument, not 0 at position 1");
  EXPECT_EQ(error("min()"), "expr: function 'min' takes at least 1 argument, not 0 at position 1");
  EXPECT_EQ(error(std::string(300, '(') + "1" + std::string(300, ')')),
            "expr: expression nested too deeply at position 201");
  EXPECT_EQ(error("x", {{"x", "text"}}), "expr: variables: 'x' must be a finite number");
  EXPECT_EQ(error("1", {{"no good", 1}}), "expr: variables: 'no good' is not a name");
}

TEST_F(Expr, TheExpressionIsNeverRunAsLua) {
  EXPECT_EQ(error("os.exit()"), "expr: unknown variable 'os' at position 1");
  EXPECT_EQ(error("(function() end)()"), "expr: unknown function 'function' at position 2");
  EXPECT_EQ(error("1 .. 2"), "expr: unexpected '.' at position 3");
}

}  // namespace
}  // namespace recur::tools
