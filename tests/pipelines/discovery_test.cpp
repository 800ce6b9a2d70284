// pipelines/discovery.lua on the shipped planets' data: the law it finds, read from report.json.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

namespace recur {
namespace {

struct Discovery {
  int status = -1;
  std::string err;
  nlohmann::json report;
};

// Runs discovery.lua with `params` (" --param k=v ...") in a fresh store; reads its report.json.
Discovery discover(const std::string& params) {
  recur::testing::TempDir dir;
  const std::string source = RECUR_SOURCE_DIR;
  const std::string cmd =
      std::string(RECUR_CLI) + " run " + source + "/pipelines/discovery.lua --config " + source +
      "/configs/tools.json --seed 1 --quiet --store " + (dir / "store").string() + " --out " +
      (dir / "out").string() + params + " >/dev/null 2>" + (dir / "err").string();
  Discovery d;
  const int raw = std::system(cmd.c_str());
  d.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  d.err = recur::testing::read_file(dir / "err");
  const std::string text = recur::testing::read_file(dir / "out" / "report.json");
  if (!text.empty()) d.report = nlohmann::json::parse(text);
  return d;
}

// The report's rows whose step is `step`.
std::vector<nlohmann::json> rows(const Discovery& d, const std::string& step) {
  std::vector<nlohmann::json> out;
  for (const auto& row : d.report.at("rows"))
    if (row.value("step", "") == step) out.push_back(row);
  return out;
}

TEST(Discovery, FindsKeplersThirdLawOnHeldOutPlanets) {
  const double tolerance = 0.01;
  const auto d = discover(" --param tolerance=0.01 --param holdout=Earth,Saturn,Pluto");
  ASSERT_EQ(d.status, 0) << d.err;
  const auto found = rows(d, "law found");
  ASSERT_EQ(found.size(), 1u);
  const auto& law = found[0];
  EXPECT_EQ(law.at("law").get<std::string>(), "T = A*a^(3/2)");
  EXPECT_NEAR(law.at("exponent").get<double>(), 1.5, 0.01);
  EXPECT_TRUE(law.at("accepted").get<bool>());
  EXPECT_LT(law.at("heldout_residual").get<double>(), tolerance);
  EXPECT_GT(law.at("heldout_residual").get<double>(), 0.0);
  // The prefactor, in days per (10^6 km)^(3/2), is 2*pi/sqrt(GM) of the Sun: 0.19962.
  const std::string parameters = law.at("parameters").get<std::string>();
  ASSERT_EQ(parameters.rfind("A=", 0), 0u) << parameters;
  EXPECT_NEAR(std::stod(parameters.substr(2)), 0.19962, 0.002) << parameters;
}

TEST(Discovery, EveryHypothesisIsScoredAndTheSimpleFormsFail) {
  const auto d = discover("");
  ASSERT_EQ(d.status, 0) << d.err;
  const auto tried = rows(d, "hypothesis");
  ASSERT_GE(tried.size(), 8u);
  int accepted = 0;
  for (const auto& h : tried) {
    ASSERT_TRUE(h.contains("heldout_residual")) << h.dump();
    ASSERT_TRUE(h.contains("train_residual")) << h.dump();
    const bool ok = h.at("accepted").get<bool>();
    EXPECT_EQ(ok, h.at("heldout_residual").get<double>() <= 0.01) << h.dump();
    if (h.at("round") == 1) {
      EXPECT_FALSE(ok) << h.dump();
    }
    accepted += ok;
  }
  EXPECT_GE(accepted, 2);
  // The free exponent fitted in log-log space on the training rows.
  bool free_exponent = false;
  for (const auto& h : tried)
    if (h.at("law") == "T = A*a^k") {
      free_exponent = true;
      EXPECT_NEAR(h.at("exponent").get<double>(), 1.5, 0.01);
    }
  EXPECT_TRUE(free_exponent);
}

TEST(Discovery, AToleranceThatNoLawMeetsIsReportedAsNotAccepted) {
  const auto d = discover(" --param tolerance=0.001");
  ASSERT_EQ(d.status, 0) << d.err;
  const auto found = rows(d, "law found");
  ASSERT_EQ(found.size(), 1u);
  EXPECT_FALSE(found[0].at("accepted").get<bool>());
  EXPECT_GE(found[0].at("heldout_residual").get<double>(), 0.001);
  for (const auto& h : rows(d, "hypothesis")) EXPECT_FALSE(h.at("accepted").get<bool>());
}

}  // namespace
}  // namespace recur
