// bigint: exact against __int128 on random small operands, against a plain C++ reference and known
// constants on large ones (100!, 2^4423-1, Fermat tests of Mersenne numbers), floor-division
// signs, 10,000-digit multiplication and division within the default budget, and input errors.
#include <chrono>
#include <iostream>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "lua_test_support.hpp"
#include "reference_bignum.hpp"

namespace recur::tools {
namespace {

using testing::ReferenceBig;
using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

class Bigint : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tool_ = testing::shipped_tool("bigint").release(); }
  static void TearDownTestSuite() { delete tool_; }

  static Json call(const Json& args) {
    ToolResult result = tool_->call(args, {});
    EXPECT_FALSE(result.is_error) << args.dump() << " -> " << result.joined_text();
    return result.structured;
  }
  static std::string error(const Json& args) {
    ToolResult result = tool_->call(args, {});
    EXPECT_TRUE(result.is_error) << args.dump();
    return result.joined_text();
  }
  static std::string op(const std::string& name, const std::string& a, const std::string& b) {
    return call({{"op", name}, {"a", a}, {"b", b}})["result"].get<std::string>();
  }

  static LuaTool* tool_;
};

LuaTool* Bigint::tool_ = nullptr;

std::string to_string(__int128 v) {
  if (v == 0) return "0";
  bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string s;
  while (u > 0) {
    s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  return negative ? "-" + s : s;
}

__int128 floor_div(__int128 a, __int128 b) {
  __int128 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

std::string random_digits(std::mt19937_64& rng, int digits) {
  std::string s(1, static_cast<char>('1' + rng() % 9));
  for (int i = 1; i < digits; ++i) s += static_cast<char>('0' + rng() % 10);
  return s;
}

TEST_F(Bigint, SmallOperandsMatchInt128) {
  std::mt19937_64 rng(42);
  for (int i = 0; i < 300; ++i) {
    auto pick = [&] {
      int digits = 1 + static_cast<int>(rng() % 18);
      __int128 v = std::stoll(random_digits(rng, digits));
      return rng() % 2 ? -v : v;
    };
    __int128 a = pick(), b = pick();
    std::string sa = to_string(a), sb = to_string(b);
    EXPECT_EQ(op("add", sa, sb), to_string(a + b));
    EXPECT_EQ(op("sub", sa, sb), to_string(a - b));
    EXPECT_EQ(op("mul", sa, sb), to_string(a * b));
    Json qr = call({{"op", "divmod"}, {"a", sa}, {"b", sb}});
    EXPECT_EQ(qr["quotient"], to_string(floor_div(a, b))) << sa << " / " << sb;
    EXPECT_EQ(qr["remainder"], to_string(a - floor_div(a, b) * b)) << sa << " % " << sb;
    EXPECT_EQ(call({{"op", "cmp"}, {"a", sa}, {"b", sb}})["result"], a < b ? -1 : a > b ? 1 : 0);
  }
}

TEST_F(Bigint, PowmodMatchesInt128) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100; ++i) {
    __int128 base = static_cast<__int128>(rng() % 1'000'000'000'000ull) - 500'000'000'000;
    unsigned exponent = static_cast<unsigned>(rng() % 100'000);
    __int128 modulus = 1 + static_cast<__int128>(rng() % 1'000'000'000'000ull);
    __int128 result = 1 % modulus, square = ((base % modulus) + modulus) % modulus;
    for (unsigned e = exponent; e > 0; e >>= 1) {
      if (e & 1) result = result * square % modulus;
      square = square * square % modulus;
    }
    Json args = {{"op", "powmod"},
                 {"a", to_string(base)},
                 {"b", std::to_string(exponent)},
                 {"m", to_string(modulus)}};
    EXPECT_EQ(call(args)["result"], to_string(result)) << args.dump();
  }
}

TEST_F(Bigint, FloorDivisionTakesTheDivisorsSign) {
  struct Case {
    const char *a, *b, *q, *r;
  } cases[] = {{"7", "2", "3", "1"},
               {"-7", "2", "-4", "1"},
               {"7", "-2", "-4", "-1"},
               {"-7", "-2", "3", "-1"},
               {"6", "-3", "-2", "0"},
               {"0", "-5", "0", "0"},
               {"-1", "10000000", "-1", "9999999"}};
  for (const auto& c : cases) {
    Json qr = call({{"op", "divmod"}, {"a", c.a}, {"b", c.b}});
    EXPECT_EQ(qr, Json({{"quotient", c.q}, {"remainder", c.r}})) << c.a << " divmod " << c.b;
  }
  EXPECT_EQ(op("add", "-0", "+000"), "0");
  EXPECT_EQ(op("sub", "00012", "12"), "0");
}

TEST_F(Bigint, HundredFactorialIsExact) {
  std::string factorial = "1";
  for (int k = 2; k <= 100; ++k) factorial = op("mul", factorial, std::to_string(k));
  EXPECT_EQ(factorial,
            "93326215443944152681699238856266700490715968264381621468592963895217599993229915608941"
            "463976156518286253697920827223758251185210916864000000000000000000000000");
}

TEST_F(Bigint, MersenneNumbersMatchTheReference) {
  std::string big_modulus = std::string(1401, '0');
  big_modulus[0] = '1';
  std::string power =
      call({{"op", "powmod"}, {"a", "2"}, {"b", "4423"}, {"m", big_modulus}})["result"];
  std::string m4423 = op("sub", power, "1");
  EXPECT_EQ(m4423.size(), 1332u);
  ReferenceBig doubled = ReferenceBig::parse("1");
  for (int i = 0; i < 4423; ++i) doubled = doubled + doubled;
  EXPECT_EQ(m4423, (doubled + ReferenceBig::parse("-1")).str());

  // 2^521-1 is prime: Fermat's little theorem holds; 2^523-1 is composite and fails base 3.
  std::string m521 = op(
      "sub", call({{"op", "powmod"}, {"a", "2"}, {"b", "521"}, {"m", big_modulus}})["result"], "1");
  std::string m523 = op(
      "sub", call({{"op", "powmod"}, {"a", "2"}, {"b", "523"}, {"m", big_modulus}})["result"], "1");
  EXPECT_EQ(
      call({{"op", "powmod"}, {"a", "3"}, {"b", op("sub", m521, "1")}, {"m", m521}})["result"],
      "1");
  EXPECT_NE(
      call({{"op", "powmod"}, {"a", "3"}, {"b", op("sub", m523, "1")}, {"m", m523}})["result"],
      "1");
}

// The default budget is the tool's instruction limit and its wall timeout: a call past either is an
// error result, which call() reports. The times are printed, not asserted (bench/ measures speed).
TEST_F(Bigint, TenThousandDigitMultiplyAndDivideWithinTheDefaultBudget) {
  std::mt19937_64 rng(10000);
  std::string a = random_digits(rng, 10000), b = random_digits(rng, 10000);
  std::string r = random_digits(rng, 9000);
  auto start = Clock::now();
  std::string product = op("mul", a, "-" + b);
  double mul_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  EXPECT_EQ(product, (ReferenceBig::parse(a) * ReferenceBig::parse("-" + b)).str());
  EXPECT_EQ(product[0], '-');

  std::string dividend = op("add", op("mul", a, b), r);
  start = Clock::now();
  Json qr = call({{"op", "divmod"}, {"a", dividend}, {"b", b}});
  double divmod_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  EXPECT_EQ(qr, Json({{"quotient", a}, {"remainder", r}}));

  start = Clock::now();
  std::string sum = op("add", a, b);
  double add_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
  EXPECT_EQ(sum, (ReferenceBig::parse(a) + ReferenceBig::parse(b)).str());

  // 10,000-digit by 10,000-digit division: q*b + r == a with 0 <= r < b, checked by the reference.
  qr = call({{"op", "divmod"}, {"a", a}, {"b", b}});
  ReferenceBig q = ReferenceBig::parse(qr["quotient"]), rem = ReferenceBig::parse(qr["remainder"]);
  EXPECT_EQ((q * ReferenceBig::parse(b) + rem).str(), a);
  EXPECT_TRUE(!rem.negative() && less_magnitude(rem, ReferenceBig::parse(b)));

  std::cout << "bigint 10,000 digits: add " << add_ms << " ms, mul " << mul_ms
            << " ms, divmod (20,000 / 10,000 digits) " << divmod_ms << " ms\n";
}

TEST_F(Bigint, BadInputsAreToolErrors) {
  EXPECT_EQ(error({{"op", "add"}, {"a", "12a4"}, {"b", "1"}}),
            "bigint: a: bad digit \"a\" at position 3");
  EXPECT_EQ(error({{"op", "add"}, {"a", "1"}, {"b", ""}}), "bigint: b: has no digits");
  EXPECT_EQ(error({{"op", "add"}, {"a", "-"}, {"b", "1"}}), "bigint: a: has no digits");
  EXPECT_EQ(error({{"op", "add"}, {"a", "1 2"}, {"b", "1"}}),
            "bigint: a: bad digit \" \" at position 2");
  EXPECT_EQ(error({{"op", "mul"}, {"a", 12}, {"b", "1"}}),
            "bigint: a: must be a string of decimal digits");
  EXPECT_EQ(error({{"op", "divmod"}, {"a", "1"}, {"b", "-0"}}), "bigint: division by zero");
  EXPECT_EQ(error({{"op", "powmod"}, {"a", "2"}, {"b", "-1"}, {"m", "7"}}),
            "bigint: b: negative exponents are not supported");
  EXPECT_EQ(error({{"op", "powmod"}, {"a", "2"}, {"b", "1"}, {"m", "0"}}),
            "bigint: division by zero");
  EXPECT_EQ(error({{"op", "powmod"}, {"a", "2"}, {"b", "1"}, {"m", "-7"}}),
            "bigint: m: modulus must be positive");
  EXPECT_EQ(error({{"op", "powmod"}, {"a", "2"}, {"b", "1"}}),
            "bigint: m: must be a string of decimal digits");
  EXPECT_EQ(error({{"op", "sqrt"}, {"a", "2"}, {"b", "1"}}),
            "bigint: op: must be one of add, sub, mul, divmod, powmod, cmp");
  EXPECT_EQ(error({{"op", "add"}, {"a", std::string(100001, '7')}, {"b", "1"}}),
            "bigint: a: more than 100000 digits");
}

}  // namespace
}  // namespace recur::tools
