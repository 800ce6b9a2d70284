// pipelines/frontier.lua with the trained addition model: the lengths it tries, their scores and
// the frontier it reports, read from report.json.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

namespace recur {
namespace {

struct Frontier {
  int status = -1;
  std::string err;
  std::vector<nlohmann::json> rows;
};

Frontier frontier(const std::string& params) {
  recur::testing::TempDir dir;
  const std::string source = RECUR_SOURCE_DIR;
  const std::string cmd =
      std::string(RECUR_CLI) + " run " + source + "/pipelines/frontier.lua --model " + source +
      "/models/addition-pointer --seed 5 --quiet --store " + (dir / "store").string() + " --out " +
      (dir / "out").string() + params + " >/dev/null 2>" + (dir / "err").string();
  Frontier f;
  const int raw = std::system(cmd.c_str());
  f.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  f.err = recur::testing::read_file(dir / "err");
  const std::string text = recur::testing::read_file(dir / "out" / "report.json");
  if (!text.empty()) {
    const nlohmann::json report = nlohmann::json::parse(text);
    for (const auto& row : report.at("rows")) f.rows.push_back(row);
  }
  EXPECT_FALSE(recur::testing::read_file(dir / "out" / "frontier.svg").empty());
  return f;
}

TEST(Frontier, DoublesWhileTheModelIsExactAndStopsAtTheLongestLength) {
  const auto f = frontier(" --param n=6 --param start=3 --param max_length=24");
  ASSERT_EQ(f.status, 0) << f.err;
  ASSERT_EQ(f.rows.size(), 5u);  // 3, 6, 12, 24 and the frontier
  const std::vector<int> lengths = {3, 6, 12, 24};
  for (std::size_t i = 0; i < lengths.size(); ++i) {
    EXPECT_EQ(f.rows[i]["phase"], "double");
    EXPECT_EQ(f.rows[i]["length"], lengths[i]);
    EXPECT_EQ(f.rows[i]["correct"], 6) << f.rows[i].dump();
    EXPECT_NEAR(f.rows[i]["low"].get<double>(), 0.6097, 1e-3);  // Wilson, 6 of 6
  }
  EXPECT_EQ(f.rows.back()["phase"], "frontier");
  EXPECT_EQ(f.rows.back()["length"], 24);
}

// With a token budget too small for long problems the accuracy falls, and bisection finds where.
TEST(Frontier, BisectsBetweenTheLastLengthThatHeldAndTheFirstThatFell) {
  const auto f = frontier(
      " --param n=4 --param start=2 --param max_length=64 --param tokens_per_digit=20 "
      "--param resolution=0.01");
  ASSERT_EQ(f.status, 0) << f.err;
  ASSERT_FALSE(f.rows.empty());
  const auto& last = f.rows.back();
  ASSERT_EQ(last["phase"], "frontier");
  const int found = last["length"];
  int held = 0, fell = 1 << 30, bisections = 0;
  for (const auto& r : f.rows) {
    if (r["phase"] == "frontier") continue;
    bisections += r["phase"] == "bisect";
    const int length = r["length"];
    if (r["accuracy"].get<double>() >= 0.95)
      held = std::max(held, length);
    else
      fell = std::min(fell, length);
  }
  EXPECT_GE(bisections, 1);
  EXPECT_EQ(found, held);
  EXPECT_EQ(fell, found + 1);  // resolution 1%: bisected down to neighbours
  EXPECT_GE(found, 2);
}

}  // namespace
}  // namespace recur
