// The SVG line plots of a report (jobs/plot_svg.hpp): every row with x and y is a point inside the
// plot area, in the order of x; interval bars span low to high; ticks sit at round values with
// plain labels; a legend of long names and every text stay inside the picture; and rows that leave
// nothing to scale by (none, one, equal values) still give a valid picture.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <ostream>
#include <string>
#include <vector>

#include "jobs/report.hpp"
#include "jobs/svg_marks.hpp"

namespace recur::jobs {
namespace {

using nlohmann::json;
using recur::testing::SvgPlot;

constexpr double kPixel = 0.01;  // coordinates are written with two decimals

Report report_of(const std::vector<json>& rows) {
  Report r;
  for (const auto& row : rows) EXPECT_TRUE(r.add_row(row).ok()) << row.dump();
  return r;
}

PlotSpec spec(const std::string& x, const std::string& y, bool xlog = false) {
  PlotSpec p;
  p.x = x, p.y = y, p.xlog = xlog, p.file = "p.svg";
  return p;
}

std::vector<double> values(const std::vector<std::string>& labels) {
  std::vector<double> out;
  for (const auto& l : labels) out.push_back(std::stod(l));
  return out;
}

// Ticks of a linear axis: at least two, evenly spaced by a round step, each a multiple of it,
// labelled with no more decimals than the step needs, all in one style.
void expect_round_linear_ticks(const std::vector<std::string>& labels, const std::string& axis) {
  ASSERT_GE(labels.size(), 2u) << axis;
  const auto v = values(labels);
  const double step = v[1] - v[0];
  EXPECT_TRUE(recur::testing::round_step(step)) << axis << ": step " << step;
  const double power = std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  const bool half = std::abs(step / power - 2.5) < 1e-6;
  const std::size_t decimals = static_cast<std::size_t>(std::max(0.0, -std::log10(power))) + half;
  const bool scientific = std::any_of(labels.begin(), labels.end(), [](const std::string& l) {
    return l.find('e') != std::string::npos;
  });
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_TRUE(recur::testing::plain_label(labels[i])) << axis << ": '" << labels[i] << "'";
    EXPECT_NEAR(v[i] / step, std::round(v[i] / step), 1e-6) << axis << ": " << labels[i];
    if (i) {
      EXPECT_NEAR(v[i] - v[i - 1], step, std::abs(step) * 1e-6) << axis << ": " << labels[i];
    }
    if (!scientific) {
      EXPECT_LE(recur::testing::decimals_of(labels[i]), decimals) << labels[i];
    }
    if (labels[i] != "0") {
      EXPECT_EQ(labels[i].find('e') != std::string::npos, scientific) << axis << ": " << labels[i];
    }
  }
}

// Ticks of a log axis: 1, 2 or 5 times a power of ten, ascending, with plain labels.
void expect_round_log_ticks(const std::vector<std::string>& labels) {
  ASSERT_GE(labels.size(), 2u);
  const auto v = values(labels);
  for (std::size_t i = 0; i < v.size(); ++i) {
    EXPECT_TRUE(recur::testing::plain_label(labels[i])) << "'" << labels[i] << "'";
    const double mantissa = v[i] / std::pow(10.0, std::floor(std::log10(v[i]) + 1e-9));
    EXPECT_TRUE(std::abs(mantissa - 1) < 1e-6 || std::abs(mantissa - 2) < 1e-6 ||
                std::abs(mantissa - 5) < 1e-6)
        << labels[i];
    if (i) {
      EXPECT_GT(v[i], v[i - 1]);
    }
  }
}

// What every picture must be: a finite canvas holding the plot area, every number finite, every
// text and mark inside the canvas, every point inside the plot area, and round ticks.
SvgPlot expect_valid(const std::string& svg, bool xlog) {
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_EQ(svg.find("nan"), std::string::npos);
  EXPECT_EQ(svg.find("inf"), std::string::npos);
  auto plot = recur::testing::read_plot(svg);
  EXPECT_TRUE(std::isfinite(plot.width) && plot.width > 0);
  EXPECT_TRUE(std::isfinite(plot.height) && plot.height > 0);
  for (const auto& e : plot.elements)
    for (const char* name : {"x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "width", "height"})
      if (e.has(name) && e.attribute(name).find('%') == std::string::npos) {
        EXPECT_TRUE(std::isfinite(e.number(name)))
            << e.tag << " " << name << "=" << e.attribute(name);
      }
  for (const auto& t : plot.texts) {
    const auto [left, right] = recur::testing::text_extent(t);
    EXPECT_GE(left, 0) << "'" << t.content << "' starts left of the canvas";
    EXPECT_LE(right, plot.width) << "'" << t.content << "' ends right of the canvas";
    EXPECT_GE(t.y - t.font_size, 0) << "'" << t.content << "' above the canvas";
    EXPECT_LE(t.y, plot.height) << "'" << t.content << "' below the canvas";
  }
  EXPECT_TRUE(plot.plot_area.has_value()) << "no rect.plot-area";
  if (!plot.plot_area) return plot;
  const auto& area = *plot.plot_area;
  EXPECT_TRUE(area.w > 0 && area.h > 0);
  EXPECT_TRUE(area.x >= 0 && area.y >= 0 && area.x + area.w <= plot.width &&
              area.y + area.h <= plot.height);
  for (const auto& s : plot.series) {
    for (const auto& p : s.circles) EXPECT_TRUE(area.contains(p.x, p.y)) << p.x << ", " << p.y;
    for (const auto& p : s.path) EXPECT_TRUE(area.contains(p.x, p.y)) << p.x << ", " << p.y;
    for (const auto& bar : s.bars) {
      EXPECT_TRUE(area.contains(bar.number("x1"), bar.number("y1")));
      EXPECT_TRUE(area.contains(bar.number("x2"), bar.number("y2")));
    }
  }
  if (xlog)
    expect_round_log_ticks(plot.labels("tick-x"));
  else
    expect_round_linear_ticks(plot.labels("tick-x"), "x");
  expect_round_linear_ticks(plot.labels("tick-y"), "y");
  return plot;
}

// The points of one line: as many as `expected` (x, y), the path through the circles, in the order
// of x, placed linearly (x by log10 on a log axis) between the first and the last.
void expect_points(const recur::testing::SvgSeries& s,
                   std::vector<std::pair<double, double>> expected, bool xlog) {
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  ASSERT_EQ(s.circles.size(), expected.size()) << s.colour;
  ASSERT_EQ(s.path.size(), expected.size()) << s.colour;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(s.path[i].x, s.circles[i].x, kPixel);
    EXPECT_NEAR(s.path[i].y, s.circles[i].y, kPixel);
    if (i) {
      EXPECT_GE(s.circles[i].x, s.circles[i - 1].x) << "not in the order of x";
    }
  }
  const auto xs = [&](double x) { return xlog ? std::log10(x) : x; };
  const auto& first = expected.front();
  const auto& last = expected.back();
  if (expected.size() < 3 || xs(last.first) == xs(first.first)) return;
  const double x_scale =
      (s.circles.back().x - s.circles.front().x) / (xs(last.first) - xs(first.first));
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(s.circles[i].x - s.circles.front().x,
                x_scale * (xs(expected[i].first) - xs(first.first)), 2 * kPixel);
}

TEST(PlotSvg, DrawsEachRowWithXAndYInsideThePlotAreaInTheOrderOfX) {
  const auto r = report_of({{{"x", 3}, {"y", 0.5}},
                            {{"x", 1}, {"y", 0.25}},
                            {{"x", 2}},
                            {{"y", 1}},
                            {{"x", "a"}, {"y", 1}},
                            {{"x", 4}, {"y", -0.5}},
                            {{"x", 2.5}, {"y", 0.75}, {"note", "kept"}}});
  const auto plot = expect_valid(r.plot_svg(spec("x", "y")), false);
  ASSERT_EQ(plot.series.size(), 1u);
  const auto& s = plot.series[0];
  expect_points(s, {{3, 0.5}, {1, 0.25}, {4, -0.5}, {2.5, 0.75}}, false);
  ASSERT_EQ(s.circles.size(), 4u);
  // y grows upwards (pixels downwards): 0.75 highest, -0.5 lowest, and y is linear as x is.
  const double y_scale = (s.circles[3].y - s.circles[0].y) / (0.25 - -0.5);
  EXPECT_GT(y_scale, 0);
  EXPECT_NEAR(s.circles[1].y - s.circles[3].y, y_scale * (-0.5 - 0.75), 2 * kPixel);
  EXPECT_NEAR(s.circles[2].y - s.circles[3].y, y_scale * (-0.5 - 0.5), 2 * kPixel);
  EXPECT_TRUE(s.bars.empty());
}

TEST(PlotSvg, IntervalBarsSpanLowToHighAtEachPointThatHasThem) {
  const auto r = report_of({{{"n", 10}, {"acc", 1.0}, {"lo", 0.7}, {"hi", 1.0}},
                            {{"n", 100}, {"acc", 0.5}, {"lo", 0.4}, {"hi", 0.6}},
                            {{"n", 1000}, {"acc", 0.0}, {"lo", 0.0}, {"hi", 0.02}},
                            {{"n", 30}, {"acc", 0.8}}});
  auto p = spec("n", "acc", true);
  EXPECT_TRUE(expect_valid(r.plot_svg(p), true).series.at(0).bars.empty());
  p.low = "lo", p.high = "hi";
  const auto plot = expect_valid(r.plot_svg(p), true);
  ASSERT_EQ(plot.series.size(), 1u);
  const auto& s = plot.series[0];
  expect_points(s, {{10, 1.0}, {100, 0.5}, {1000, 0.0}, {30, 0.8}}, true);
  ASSERT_EQ(s.bars.size(), 3u);
  ASSERT_EQ(s.circles.size(), 4u);
  // Points in x order: 10, 30 (no interval), 100, 1000; bars in that order, at their points.
  const double y_scale = s.circles[3].y - s.circles[0].y;  // pixels from accuracy 1 down to 0
  const std::vector<std::size_t> at = {0, 2, 3};
  const std::vector<std::pair<double, double>> span = {{0.7, 1.0}, {0.4, 0.6}, {0.0, 0.02}};
  for (std::size_t b = 0; b < 3; ++b) {
    const auto& bar = s.bars[b];
    const auto& c = s.circles[at[b]];
    EXPECT_NEAR(bar.number("x1"), c.x, kPixel);
    EXPECT_NEAR(bar.number("x2"), c.x, kPixel);
    const double top = std::min(bar.number("y1"), bar.number("y2"));
    const double bottom = std::max(bar.number("y1"), bar.number("y2"));
    EXPECT_LE(top, c.y + kPixel);
    EXPECT_GE(bottom, c.y - kPixel);
    EXPECT_NEAR(bottom - top, y_scale * (span[b].second - span[b].first), 2 * kPixel) << b;
  }
}

TEST(PlotSvg, SplitsSeriesIntoLinesInTheOrderTheyFirstAppearWithALegend) {
  const auto r = report_of({{{"x", 2}, {"y", 1}, {"model", "mamba"}},
                            {{"x", 1}, {"y", 2}, {"model", "lstm"}},
                            {{"x", 1}, {"y", 3}, {"model", "mamba"}},
                            {{"x", 3}, {"y", 0}, {"model", "lstm"}},
                            {{"x", 3}, {"model", "transformer"}},
                            {{"x", 4}, {"y", 1}, {"model", "lstm"}}});
  auto p = spec("x", "y");
  p.series = "model";
  const auto plot = expect_valid(r.plot_svg(p), false);
  ASSERT_EQ(plot.series.size(), 2u);
  EXPECT_EQ(plot.series[0].colour, "#1f77b4");
  EXPECT_EQ(plot.series[1].colour, "#d62728");
  expect_points(plot.series[0], {{2, 1}, {1, 3}}, false);
  expect_points(plot.series[1], {{1, 2}, {3, 0}, {4, 1}}, false);
  ASSERT_TRUE(plot.legend.has_value());
  std::vector<std::string> names;
  for (const auto& t : plot.texts)
    if (plot.legend->contains(t.x, t.y)) names.push_back(t.content);
  EXPECT_EQ(names, (std::vector<std::string>{"mamba", "lstm"}));
}

TEST(PlotSvg, ALegendOfLongNamesLiesInsideThePictureBesideThePlot) {
  const std::vector<std::string> names = {
      "Mamba, pointer tool",
      "LSTM 271K, pointer tool (PyTorch)",
      "Transformer 402K rotary, pointer tool (PyTorch)",
      "Mamba, two pointers",
      "Mamba, no tool (writes observations)",
      "Mamba, no CoT, reversed",
      "Mamba, no chain of thought",
      "A condition whose name alone is wider than the plot area of the picture, so it must wrap or "
      "widen"};
  std::vector<json> rows;
  for (std::size_t i = 0; i < names.size(); ++i)
    for (int length : {5, 10, 100, 1000})
      rows.push_back({{"length", length},
                      {"accuracy", i < 3 ? 1.0 : 0.0},
                      {"wilson_low", i < 3 ? 0.98 : 0.0},
                      {"wilson_high", i < 3 ? 1.0 : 0.019},
                      {"series", names[i]}});
  for (std::size_t shown : {3u, 7u, 8u}) {
    auto p = spec("length", "accuracy", true);
    p.low = "wilson_low", p.high = "wilson_high", p.series = "series";
    p.title = "Addition trained on 1-5 digits: exact answers against length (seed 0)";
    const auto kept = report_of({rows.begin(), rows.begin() + static_cast<long>(4 * shown)});
    const auto plot = expect_valid(kept.plot_svg(p), true);
    ASSERT_EQ(plot.series.size(), shown);
    for (const auto& s : plot.series) {
      EXPECT_EQ(s.circles.size(), 4u) << s.colour;
      EXPECT_EQ(s.bars.size(), 4u) << s.colour;
    }
    ASSERT_TRUE(plot.legend.has_value()) << shown;
    const auto& box = *plot.legend;
    EXPECT_TRUE(box.x >= 0 && box.y >= 0 && box.x + box.w <= plot.width &&
                box.y + box.h <= plot.height)
        << shown;
    ASSERT_TRUE(plot.plot_area.has_value());
    const auto& area = *plot.plot_area;
    EXPECT_TRUE(box.x >= area.x + area.w || box.y >= area.y + area.h) << "over the plot area";
    std::size_t inside = 0;
    for (const auto& t : plot.texts) {
      if (!box.contains(t.x, t.y)) continue;
      const auto [left, right] = recur::testing::text_extent(t);
      EXPECT_GE(left, box.x) << t.content;
      EXPECT_LE(right, box.x + box.w) << t.content;
      EXPECT_EQ(t.content, names[inside]);
      ++inside;
    }
    EXPECT_EQ(inside, shown);
  }
}

TEST(PlotSvg, ALegendOfManyLinesLiesInsideThePicture) {
  std::vector<json> rows;
  for (int i = 0; i < 30; ++i)
    for (int x : {1, 2})
      rows.push_back({{"x", x}, {"y", i}, {"line", "line " + std::to_string(i)}});
  auto p = spec("x", "y");
  p.series = "line";
  const auto plot = expect_valid(report_of(rows).plot_svg(p), false);
  ASSERT_EQ(plot.series.size(), 10u);  // ten colours, each shared by three lines
  for (const auto& s : plot.series) EXPECT_EQ(s.circles.size(), 6u) << s.colour;
  ASSERT_TRUE(plot.legend.has_value());
  const auto& box = *plot.legend;
  EXPECT_TRUE(box.x >= 0 && box.y >= 0 && box.x + box.w <= plot.width &&
              box.y + box.h <= plot.height);
  std::size_t names = 0;
  for (const auto& t : plot.texts) names += box.contains(t.x, t.y);
  EXPECT_EQ(names, 30u);
}

TEST(PlotSvg, ALongTitleAndLongColumnNamesWidenThePicture) {
  const std::string x(90, 'x'), y(70, 'y');
  auto p = spec(x, y, true);
  p.title = std::string(120, 'T');
  for (const auto& rows : {std::vector<json>{}, std::vector<json>{{{x, 3}, {y, 1}}}}) {
    const auto plot = expect_valid(report_of(rows).plot_svg(p), true);
    EXPECT_GT(plot.width, 0.6 * 14 * 120) << rows.size();
    bool named = false;
    for (const auto& t : plot.texts) named |= t.content == x + " (log scale)";
    EXPECT_TRUE(named);
  }
}

struct TickCase {
  double low, high;
};

void PrintTo(const TickCase& c, std::ostream* os) {
  *os << c.low << " to " << c.high;
}

class PlotTicks : public ::testing::TestWithParam<TickCase> {};

TEST_P(PlotTicks, LinearAxesTickRoundValuesThatCoverTheData) {
  const auto [low, high] = GetParam();
  const auto r = report_of({{{"x", high}, {"y", low}}, {{"x", low}, {"y", high}}});
  const auto plot = expect_valid(r.plot_svg(spec("x", "y")), false);
  const auto x = values(plot.labels("tick-x")), y = values(plot.labels("tick-y"));
  ASSERT_GE(x.size(), 2u);
  ASSERT_GE(y.size(), 2u);
  EXPECT_LE(x.front(), low);
  EXPECT_GE(x.back(), high);
  EXPECT_LE(x.size(), 9u);
  EXPECT_LE(y.front(), std::min(0.0, low));
  EXPECT_GE(y.back(), std::max(0.0, high));
  EXPECT_NE(std::find(y.begin(), y.end(), 0.0), y.end()) << "the y axis shows 0";
}

INSTANTIATE_TEST_SUITE_P(Ranges, PlotTicks,
                         ::testing::Values(TickCase{-0.155166, 9.25}, TickCase{0, 1},
                                           TickCase{0, 0.9}, TickCase{3, 12.5},
                                           TickCase{1234, 98765}, TickCase{0, 3e6},
                                           TickCase{1e-5, 4e-5}, TickCase{-50, -3},
                                           TickCase{0.001, 0.0037}, TickCase{-1e7, 2e7},
                                           TickCase{-2.96, -0.021}));

struct LogCase {
  double low, high;
  std::vector<std::string> labels;
};

void PrintTo(const LogCase& c, std::ostream* os) {
  *os << c.low << " to " << c.high;
}

class PlotLogTicks : public ::testing::TestWithParam<LogCase> {};

TEST_P(PlotLogTicks, ALogAxisTicksPowersOfTenAndTwoAndFiveWhenFewDecades) {
  const auto& c = GetParam();
  const auto r = report_of({{{"x", c.low}, {"y", 0.5}}, {{"x", c.high}, {"y", 1}}});
  const auto plot = expect_valid(r.plot_svg(spec("x", "y", true)), true);
  EXPECT_EQ(plot.labels("tick-x"), c.labels);
}

INSTANTIATE_TEST_SUITE_P(
    Ranges, PlotLogTicks,
    ::testing::Values(
        LogCase{5, 1000, {"1", "10", "100", "1000"}},
        LogCase{5, 10000, {"1", "10", "100", "1000", "10000"}},
        LogCase{10, 100, {"10", "20", "50", "100"}}, LogCase{2, 8, {"1", "2", "5", "10"}},
        LogCase{0.01, 0.5, {"0.01", "0.02", "0.05", "0.1", "0.2", "0.5", "1"}},
        LogCase{
            3, 2e9, {"1e0", "1e1", "1e2", "1e3", "1e4", "1e5", "1e6", "1e7", "1e8", "1e9", "1e10"}},
        LogCase{
            1,
            1e30,
            {"1e0", "1e3", "1e6", "1e9", "1e12", "1e15", "1e18", "1e21", "1e24", "1e27", "1e30"}}));

struct DegenerateCase {
  std::string name;
  std::vector<json> rows;
  bool xlog;
  std::size_t points;
};

void PrintTo(const DegenerateCase& c, std::ostream* os) {
  *os << c.name;
}

class PlotDegenerate : public ::testing::TestWithParam<DegenerateCase> {};

TEST_P(PlotDegenerate, GivesAValidPictureOfTheRowsItCanDraw) {
  const auto& c = GetParam();
  auto p = spec("x", "y", c.xlog);
  p.low = "lo", p.high = "hi";
  const auto plot = expect_valid(report_of(c.rows).plot_svg(p), c.xlog);
  std::size_t points = 0;
  for (const auto& s : plot.series) {
    EXPECT_EQ(s.path.size(), s.circles.size());
    points += s.circles.size();
  }
  EXPECT_EQ(points, c.points);
}

INSTANTIATE_TEST_SUITE_P(
    Rows, PlotDegenerate,
    ::testing::Values(
        DegenerateCase{"empty", {}, false, 0}, DegenerateCase{"empty_log", {}, true, 0},
        DegenerateCase{"single_row", {{{"x", 3}, {"y", 0.5}}}, false, 1},
        DegenerateCase{"single_row_log", {{{"x", 7}, {"y", 0.5}}}, true, 1},
        DegenerateCase{"identical_x",
                       {{{"x", 5}, {"y", 0.1}}, {{"x", 5}, {"y", 0.9}}, {{"x", 5}, {"y", 0.4}}},
                       false,
                       3},
        DegenerateCase{"all_equal_y",
                       {{{"x", 1}, {"y", 0.7}}, {{"x", 2}, {"y", 0.7}}, {{"x", 3}, {"y", 0.7}}},
                       false,
                       3},
        DegenerateCase{"all_zero_y", {{{"x", 1}, {"y", 0}}, {{"x", 2}, {"y", 0}}}, false, 2},
        DegenerateCase{"negative",
                       {{{"x", -5}, {"y", -3}, {"lo", -3.5}, {"hi", -2.5}},
                        {{"x", -1}, {"y", -0.5}, {"lo", -0.75}, {"hi", -0.25}}},
                       false,
                       2},
        DegenerateCase{"log_one_decade",
                       {{{"x", 10}, {"y", 0.5}, {"lo", 0.4}, {"hi", 0.6}},
                        {{"x", 100}, {"y", 0.25}, {"lo", 0.2}, {"hi", 0.3}}},
                       true,
                       2},
        DegenerateCase{
            "log_one_power_of_ten", {{{"x", 100}, {"y", 1}}, {{"x", 100}, {"y", 0}}}, true, 2},
        DegenerateCase{
            "log_without_positive_x", {{{"x", 0}, {"y", 1}}, {{"x", -10}, {"y", 0.5}}}, true, 0},
        DegenerateCase{
            "interval_of_no_width", {{{"x", 1}, {"y", 0.5}, {"lo", 0.5}, {"hi", 0.5}}}, false, 1}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace recur::jobs
