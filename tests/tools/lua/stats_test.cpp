// stats: summaries against closed forms in long double, simple regression against the Sxy/Sxx
// formula, multiple regression against NIST's certified Longley results (an ill-conditioned
// design), exact fits, and the errors for singular systems and mismatched lengths.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "lua_test_support.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

class Stats : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { tool_ = testing::shipped_tool("stats").release(); }
  static void TearDownTestSuite() { delete tool_; }

  static Json call(const Json& args) {
    ToolResult result = tool_->call(args, {});
    EXPECT_FALSE(result.is_error) << result.joined_text();
    return result.structured;
  }
  static std::string error(const Json& args) {
    ToolResult result = tool_->call(args, {});
    EXPECT_TRUE(result.is_error) << args.dump();
    return result.joined_text();
  }

  static LuaTool* tool_;
};

LuaTool* Stats::tool_ = nullptr;

TEST_F(Stats, SummaryOfAKnownSample) {
  Json s = call({{"op", "summary"}, {"values", {2, 4, 4, 4, 5, 5, 7, 9}}});
  EXPECT_EQ(s["count"], 8);
  EXPECT_EQ(s["mean"], 5.0);
  EXPECT_EQ(s["min"], 2.0);
  EXPECT_EQ(s["max"], 9.0);
  EXPECT_EQ(s["population_variance"], 4.0);
  EXPECT_EQ(s["population_stddev"], 2.0);
  EXPECT_DOUBLE_EQ(s["sample_variance"].get<double>(), 32.0 / 7.0);
  EXPECT_DOUBLE_EQ(s["sample_stddev"].get<double>(), std::sqrt(32.0 / 7.0));
}

TEST_F(Stats, SummaryMatchesLongDoubleOnShiftedData) {
  // A large offset defeats the one-pass formula; two passes keep the variance.
  std::mt19937_64 rng(3);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> values;
  for (int i = 0; i < 1000; ++i) values.push_back(1e9 + noise(rng));
  long double mean = 0;
  for (double v : values) mean += v;
  mean /= values.size();
  long double ss = 0;
  for (double v : values) ss += (v - mean) * (v - mean);
  Json s = call({{"op", "summary"}, {"values", values}});
  EXPECT_NEAR(s["mean"].get<double>(), static_cast<double>(mean), 1e-6);
  EXPECT_NEAR(s["sample_variance"].get<double>(), static_cast<double>(ss / 999), 1e-6);
  EXPECT_NEAR(s["population_variance"].get<double>(), static_cast<double>(ss / 1000), 1e-6);
}

TEST_F(Stats, SingleValueHasNoSampleVariance) {
  Json s = call({{"op", "summary"}, {"values", {3.5}}});
  EXPECT_EQ(s["population_variance"], 0.0);
  EXPECT_TRUE(s["sample_variance"].is_null());
  EXPECT_TRUE(s["sample_stddev"].is_null());
}

TEST_F(Stats, ExactLineIsRecovered) {
  Json fit = call({{"op", "fit"}, {"x", {0, 1, 2, 3, 4}}, {"y", {2, 5, 8, 11, 14}}});
  EXPECT_EQ(fit["terms"], Json({"intercept", "x"}));
  EXPECT_NEAR(fit["coefficients"][0].get<double>(), 2.0, 1e-12);
  EXPECT_NEAR(fit["coefficients"][1].get<double>(), 3.0, 1e-12);
  EXPECT_NEAR(fit["r_squared"].get<double>(), 1.0, 1e-12);
  ASSERT_EQ(fit["residuals"].size(), 5u);
  for (const auto& r : fit["residuals"]) EXPECT_NEAR(r.get<double>(), 0.0, 1e-12);
}

TEST_F(Stats, SimpleRegressionMatchesTheClosedForm) {
  std::mt19937_64 rng(11);
  std::uniform_real_distribution<double> u(-10, 10);
  std::vector<double> x, y;
  for (int i = 0; i < 200; ++i) {
    x.push_back(u(rng));
    y.push_back(1.5 - 0.7 * x.back() + u(rng));
  }
  long double mx = 0, my = 0;
  for (int i = 0; i < 200; ++i) mx += x[i], my += y[i];
  mx /= 200, my /= 200;
  long double sxy = 0, sxx = 0, syy = 0;
  for (int i = 0; i < 200; ++i) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) * (x[i] - mx);
    syy += (y[i] - my) * (y[i] - my);
  }
  long double slope = sxy / sxx, intercept = my - slope * mx;
  Json fit = call({{"op", "fit"}, {"x", x}, {"y", y}});
  EXPECT_NEAR(fit["coefficients"][0].get<double>(), static_cast<double>(intercept), 1e-12);
  EXPECT_NEAR(fit["coefficients"][1].get<double>(), static_cast<double>(slope), 1e-12);
  EXPECT_NEAR(fit["r_squared"].get<double>(), static_cast<double>(sxy * sxy / (sxx * syy)), 1e-12);
  EXPECT_NEAR(fit["residuals"][7].get<double>(),
              static_cast<double>(y[7] - intercept - slope * x[7]), 1e-10);
}

TEST_F(Stats, LongleyMatchesNistCertifiedValues) {
  // NIST StRD "Longley": y = employment; x1..x6 as columns. Certified to 15 digits.
  const double rows[16][7] = {{60323, 83.0, 234289, 2356, 1590, 107608, 1947},
                              {61122, 88.5, 259426, 2325, 1456, 108632, 1948},
                              {60171, 88.2, 258054, 3682, 1616, 109773, 1949},
                              {61187, 89.5, 284599, 3351, 1650, 110929, 1950},
                              {63221, 96.2, 328975, 2099, 3099, 112075, 1951},
                              {63639, 98.1, 346999, 1932, 3594, 113270, 1952},
                              {64989, 99.0, 365385, 1870, 3547, 115094, 1953},
                              {63761, 100.0, 363112, 3578, 3350, 116219, 1954},
                              {66019, 101.2, 397469, 2904, 3048, 117388, 1955},
                              {67857, 104.6, 419180, 2822, 2857, 118734, 1956},
                              {68169, 108.4, 442769, 2936, 2798, 120445, 1957},
                              {66513, 110.8, 444546, 4681, 2637, 121950, 1958},
                              {68655, 112.6, 482704, 3813, 2552, 123366, 1959},
                              {69564, 114.2, 502601, 3931, 2514, 125368, 1960},
                              {69331, 115.7, 518173, 4806, 2572, 127852, 1961},
                              {70551, 116.9, 554894, 4007, 2827, 130081, 1962}};
  Json y = Json::array(), x = Json::array();
  for (int k = 1; k <= 6; ++k) {
    Json column = Json::array();
    for (const auto& row : rows) column.push_back(row[k]);
    x.push_back(column);
  }
  for (const auto& row : rows) y.push_back(row[0]);
  Json fit = call({{"op", "fit"}, {"x", x}, {"y", y}});
  const double certified[7] = {-3482258.63459582, 15.0618722713733,  -0.358191792925910e-01,
                               -2.02022980381683, -1.03322686717359, -0.511041056535807e-01,
                               1829.15146461355};
  for (int k = 0; k < 7; ++k)
    EXPECT_NEAR(fit["coefficients"][k].get<double>() / certified[k], 1.0, 1e-8) << "b" << k;
  EXPECT_NEAR(fit["r_squared"].get<double>(), 0.995479004577296, 1e-10);
  EXPECT_EQ(fit["terms"], Json({"intercept", "x[0]", "x[1]", "x[2]", "x[3]", "x[4]", "x[5]"}));
  EXPECT_EQ(fit["parameters"], 7);
}

TEST_F(Stats, FitWithoutInterceptUsesUncenteredRSquared) {
  Json fit = call({{"op", "fit"}, {"x", {1, 2, 3}}, {"y", {2, 4, 7}}, {"intercept", false}});
  // b = sum(xy)/sum(x^2) = 31/14; R^2 = 1 - SSres/sum(y^2).
  double b = 31.0 / 14.0;
  double ss_res = std::pow(2 - b, 2) + std::pow(4 - 2 * b, 2) + std::pow(7 - 3 * b, 2);
  EXPECT_EQ(fit["terms"], Json({"x"}));
  EXPECT_NEAR(fit["coefficients"][0].get<double>(), b, 1e-14);
  EXPECT_NEAR(fit["r_squared"].get<double>(), 1 - ss_res / 69.0, 1e-14);
}

TEST_F(Stats, ErrorsForSingularSystemsAndBadShapes) {
  EXPECT_EQ(
      error({{"op", "fit"}, {"x", {{1, 2, 3, 4}, {2, 4, 6, 8}}}, {"y", {1, 2, 3, 5}}}),
      "stats: singular system: x[1] is (nearly) a linear combination of the columns before it");
  EXPECT_EQ(error({{"op", "fit"}, {"x", {5, 5, 5}}, {"y", {1, 2, 3}}}),
            "stats: singular system: x is (nearly) a linear combination of the columns before it");
  EXPECT_EQ(error({{"op", "fit"}, {"x", {{1, 2, 3}}}, {"y", {1, 2}}}),
            "stats: x[0]: has 3 values but y has 2");
  EXPECT_EQ(error({{"op", "fit"}, {"x", {1, 2}}, {"y", {1, 2, 3}}}),
            "stats: x: has 2 values but y has 3");
  EXPECT_EQ(error({{"op", "fit"}, {"x", {{1}, {2}}}, {"y", {1}}}),
            "stats: needs at least 3 observations for 3 parameters, has 1");
  EXPECT_EQ(error({{"op", "fit"}, {"x", {1, "two"}}, {"y", {1, 2}}}),
            "stats: x[1]: must be a finite number");
  EXPECT_EQ(error({{"op", "summary"}, {"values", Json::array()}}),
            "stats: values: needs at least 1 value, has 0");
  EXPECT_EQ(error({{"op", "median"}}), "stats: op: must be summary or fit");
}

}  // namespace
}  // namespace recur::tools
