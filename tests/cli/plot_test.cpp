// recur plot as the results are drawn with it: reports in the shape `recur eval --out` writes (rows
// that carry their "failures") and of the baseline harness, one line each, read back from the SVG
// it writes.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/svg_marks.hpp"
#include "support/temp_dir.hpp"

namespace recur {
namespace {

struct Run {
  int status = -1;
  std::string out, err;
};

// Runs `recur ARGS`, capturing stdout and stderr.
Run recur(const std::string& args) {
  recur::testing::TempDir dir;
  const std::string cmd = std::string(RECUR_CLI) + " " + args + " >" + (dir / "out").string() +
                          " 2>" + (dir / "err").string();
  Run r;
  const int raw = std::system(cmd.c_str());
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = recur::testing::read_file(dir / "out");
  r.err = recur::testing::read_file(dir / "err");
  return r;
}

// A row as `recur eval` writes it: counts, its interval, and where wrong trajectories went wrong.
nlohmann::json eval_row(int length, int n, int exact, double low, double high) {
  const nlohmann::json failure = {{"problem", 0},      {"at", 17},
                                  {"of", 209},         {"expected", "C1"},
                                  {"generated", "C0"}, {"before", {"R1", "3", "R2", "4"}}};
  return {{"length", length},
          {"n", n},
          {"accuracy", static_cast<double>(exact) / n},
          {"wilson_low", low},
          {"wilson_high", high},
          {"trajectory_accuracy", static_cast<double>(exact) / n},
          {"tokens_per_problem", 36.0 * length},
          {"tool_calls_per_problem", 11.0 * length},
          {"wall_s", 0.5},
          {"failures", exact == n ? nlohmann::json::array() : nlohmann::json::array({failure})}};
}

TEST(CliPlot, DrawsEveryRowOfEvalReportsWithFailuresAsALineEach) {
  recur::testing::TempDir dir;
  // Unlabelled: the line is named by the model's folder and the task.
  const nlohmann::json run = {
      {"model", "models/addition-pointer/"},
      {"task", "addition"},
      {"seed", 1},
      {"device", "cpu"},
      {"rows", {eval_row(3, 2, 2, 0.342, 1), eval_row(6, 2, 1, 0.095, 0.905)}}};
  dir.write("run.json", run.dump(1));
  const nlohmann::json mamba = {
      {"model", "models/addition-pointer-seed1"},
      {"task", "addition"},
      {"label", "Mamba 237K, pointer tool, seed 1 (recur)"},
      {"rows",
       {eval_row(5, 200, 200, 0.981, 1), eval_row(100, 200, 199, 0.972, 0.999),
        eval_row(1000, 200, 186, 0.886, 0.958), eval_row(10000, 50, 36, 0.583, 0.825)}}};
  dir.write("mamba.json", mamba.dump(1));
  // A baseline's report as the training harness writes it: accuracy and n, no interval.
  const nlohmann::json transformer = {{"label", "Transformer 402K rotary, pointer tool (PyTorch)"},
                                      {"task", "addition"},
                                      {"rows",
                                       {{{"length", 5}, {"n", 200}, {"accuracy", 1.0}},
                                        {{"length", 10}, {"n", 200}, {"accuracy", 0.005}},
                                        {{"length", 100}, {"n", 200}, {"accuracy", 0.0}}}}};
  dir.write("transformer.json", transformer.dump());
  const auto r =
      recur("plot " + (dir / "run.json").string() + " " + (dir / "mamba.json").string() + " " +
            (dir / "transformer.json").string() + " --out " + (dir / "p.svg").string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, (dir / "p.svg").string() + ": 3 lines, 9 points\n");
  const auto plot = recur::testing::read_plot(recur::testing::read_file(dir / "p.svg"));

  // A line per report, a dot and a Wilson bar per row, in the order of length.
  ASSERT_EQ(plot.series.size(), 3u);
  const std::vector<std::size_t> rows = {2, 4, 3};
  for (std::size_t i = 0; i < 3; ++i) {
    const auto& s = plot.series[i];
    EXPECT_EQ(s.circles.size(), rows[i]) << s.colour;
    EXPECT_EQ(s.path.size(), rows[i]) << s.colour;
    EXPECT_EQ(s.bars.size(), rows[i]) << s.colour;
    for (std::size_t k = 1; k < s.circles.size(); ++k)
      EXPECT_GT(s.circles[k].x, s.circles[k - 1].x) << s.colour;
  }
  // Lengths 5 to 10,000 on a log axis: a tick at each power of ten from 1.
  EXPECT_EQ(plot.labels("tick-x"), (std::vector<std::string>{"1", "10", "100", "1000", "10000"}));
  EXPECT_EQ(plot.labels("tick-y"),
            (std::vector<std::string>{"0", "0.2", "0.4", "0.6", "0.8", "1"}));

  // Everything inside the picture: every text in the canvas, the points in the plot area, the
  // legend's names in its frame.
  for (const auto& t : plot.texts) {
    const auto [left, right] = recur::testing::text_extent(t);
    EXPECT_GE(left, 0) << t.content;
    EXPECT_LE(right, plot.width) << t.content;
  }
  ASSERT_TRUE(plot.plot_area.has_value());
  for (const auto& s : plot.series)
    for (const auto& p : s.circles) EXPECT_TRUE(plot.plot_area->contains(p.x, p.y));
  ASSERT_TRUE(plot.legend.has_value());
  const auto& box = *plot.legend;
  EXPECT_LE(box.x + box.w, plot.width);
  EXPECT_LE(box.y + box.h, plot.height);
  std::vector<std::string> names;
  for (const auto& t : plot.texts) {
    if (!box.contains(t.x, t.y)) continue;
    EXPECT_LE(recur::testing::text_extent(t).second, box.x + box.w) << t.content;
    names.push_back(t.content);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"addition-pointer (addition)",
                                             "Mamba 237K, pointer tool, seed 1 (recur)",
                                             "Transformer 402K rotary, pointer tool (PyTorch)"}));
}

TEST(CliPlot, PlotsTrajectoryAccuracyWithIntervalsFromTheCounts) {
  recur::testing::TempDir dir;
  nlohmann::json report = {
      {"label", "seed 2"},
      {"rows", {eval_row(10, 200, 200, 0.981, 1), eval_row(100, 200, 0, 0, 0.019)}}};
  report["rows"][1]["trajectory_accuracy"] = 0.5;
  dir.write("r.json", report.dump());
  const auto r = recur("plot " + (dir / "r.json").string() + " --y trajectory_accuracy --out " +
                       (dir / "t.svg").string());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto plot = recur::testing::read_plot(recur::testing::read_file(dir / "t.svg"));
  ASSERT_EQ(plot.series.size(), 1u);
  const auto& s = plot.series[0];
  ASSERT_EQ(s.circles.size(), 2u);
  ASSERT_EQ(s.bars.size(), 2u);
  ASSERT_TRUE(plot.plot_area.has_value());
  // 100 of 200 trajectories exact: the point halfway between those at 1 and at 0 would be, with
  // a Wilson interval of 100 of 200 (0.431 to 0.569) around it.
  const double one = s.circles[0].y;
  const double zero = plot.plot_area->y + plot.plot_area->h - (one - plot.plot_area->y);
  const double per_unit = zero - one;
  EXPECT_NEAR(s.circles[1].y, zero - 0.5 * per_unit, 0.02);
  const auto& bar = s.bars[1];
  EXPECT_NEAR(std::abs(bar.number("y1") - bar.number("y2")), (0.5688 - 0.4312) * per_unit, 0.3);
}

}  // namespace
}  // namespace recur
