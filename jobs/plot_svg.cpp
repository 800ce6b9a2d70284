#include "jobs/plot_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <optional>
#include <ostream>
#include <sstream>

#include "jobs/plot_axis.hpp"

namespace recur::jobs {
namespace {

constexpr double kFont = 12, kTitleFont = 14;
// Width of a character as a fraction of the font size: above the average advance of sans-serif
// faces (DejaVu Sans: 0.64 for digits, 0.55 for lower case), so estimated text is never short.
constexpr double kCharWidth = 0.65;
// The plot area, and the margin inside it that keeps points (and lines set apart, up to kSpread
// pixels each way) off its frame.
constexpr double kPlotWidth = 540, kPlotHeight = 300, kInset = 12, kSpread = 6;
constexpr double kTop = 40, kBottom = 55, kMargin = 10;
// Legend entries: a colour swatch, a gap and the name; rows of kRow pixels, kPadding inside the
// frame. A legend wider than kRightLegend goes below the plot.
constexpr double kSwatch = 20, kGap = 8, kRow = 18, kPadding = 8, kColumnGap = 16;
constexpr double kRightLegend = 320;

const char* const kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

struct Point {
  double x, y, low, high;
  bool interval;
};

struct Line {
  std::string name;
  std::vector<Point> points;
};

struct Box {
  double x = 0, y = 0, w = 0, h = 0;
  double right() const { return x + w; }
  double bottom() const { return y + h; }
};

std::string xml_text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else if (c == '&')
      out += "&amp;";
    else if (c == '"')
      out += "&quot;";
    else
      out.push_back(c);
  }
  return out;
}

// Pixels with at most two decimals: "70", "123.45".
std::string coordinate(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s == "-0" ? "0" : s;
}

// A conservative width of `text` (UTF-8) at `font_size`.
double text_width(const std::string& text, double font_size) {
  const auto chars = std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  return static_cast<double>(chars) * kCharWidth * font_size;
}

std::optional<double> finite_number(const nlohmann::json& row, const std::string& key) {
  auto it = row.find(key);
  if (it == row.end() || !it->is_number()) return std::nullopt;
  const double v = it->get<double>();
  return std::isfinite(v) ? std::optional<double>(v) : std::nullopt;
}

// The points of each line, in the order of x; a line per value of the series column.
std::vector<Line> lines_of(const std::vector<nlohmann::json>& rows, const PlotSpec& p) {
  std::vector<Line> lines;
  for (const auto& r : rows) {
    if (!r.is_object()) continue;
    const auto x = finite_number(r, p.x), y = finite_number(r, p.y);
    if (!x || !y || (p.xlog && *x <= 0)) continue;
    std::string name;
    if (!p.series.empty()) {
      auto it = r.find(p.series);
      name = it == r.end() ? "" : it->is_string() ? it->get<std::string>() : it->dump();
    }
    auto line =
        std::find_if(lines.begin(), lines.end(), [&](const Line& l) { return l.name == name; });
    if (line == lines.end()) line = lines.insert(lines.end(), Line{name, {}});
    const auto low = p.low.empty() ? std::nullopt : finite_number(r, p.low);
    const auto high = p.high.empty() ? std::nullopt : finite_number(r, p.high);
    line->points.push_back({*x, *y, low.value_or(*y), high.value_or(*y), low || high});
  }
  for (auto& line : lines)
    std::stable_sort(line.points.begin(), line.points.end(),
                     [](const Point& a, const Point& b) { return a.x < b.x; });
  return lines;
}

PlotAxis x_axis(const std::vector<Line>& lines, bool log) {
  bool any = false;
  double low = 0, high = 0;
  for (const auto& line : lines)
    for (const auto& q : line.points) {
      low = any ? std::min(low, q.x) : q.x, high = any ? std::max(high, q.x) : q.x;
      any = true;
    }
  if (!any) return log ? log_axis(1, 10) : linear_axis(0, 1);
  return log ? log_axis(low, high) : linear_axis(low, high);
}

PlotAxis y_axis(const std::vector<Line>& lines) {
  double low = 0, high = 0;
  for (const auto& line : lines)
    for (const auto& q : line.points) {
      low = std::min({low, q.y, q.low});
      high = std::max({high, q.y, q.high});
    }
  if (low == high) high = 1;
  return linear_axis(low, high);
}

// Where everything goes: the canvas, the plot area and the legend's frame (empty without one).
// The canvas is at least as wide as `centred`, the widest text centred under or over the plot.
struct Layout {
  double width = 0, height = 0;
  Box plot, legend;
  std::size_t legend_columns = 1;
  double legend_entry = 0;  // width of a legend column
};

Layout layout(const PlotAxis& x, const PlotAxis& y, double centred, const std::vector<Line>& lines,
              bool legend) {
  Layout l;
  double y_labels = 0;
  for (const auto& s : y.labels) y_labels = std::max(y_labels, text_width(s, kFont));
  const double x_first = text_width(x.labels.front(), kFont) / 2 - kInset;
  const double x_last = text_width(x.labels.back(), kFont) / 2 - kInset;
  l.plot = {std::max(kMargin + y_labels + 8, kMargin + x_first), kTop, kPlotWidth, kPlotHeight};
  l.width = l.plot.right() + std::max(2 * kMargin, kMargin + x_last);
  l.height = l.plot.bottom() + kBottom;
  if (legend && !lines.empty()) {
    for (const auto& line : lines)
      l.legend_entry = std::max(l.legend_entry, kSwatch + kGap + text_width(line.name, kFont));
    if (l.legend_entry + 2 * kPadding <= kRightLegend) {
      l.legend = {l.width + kMargin, l.plot.y, l.legend_entry + 2 * kPadding,
                  static_cast<double>(lines.size()) * kRow + 2 * kPadding};
      l.width = l.legend.right() + kMargin;
      l.height = std::max(l.height, l.legend.bottom() + kMargin);
    } else {
      const double room = std::max(l.width - l.plot.x - kMargin, l.legend_entry + 2 * kPadding);
      l.legend_columns =
          std::clamp<std::size_t>(static_cast<std::size_t>((room - 2 * kPadding + kColumnGap) /
                                                           (l.legend_entry + kColumnGap)),
                                  1, lines.size());
      const auto rows = (lines.size() + l.legend_columns - 1) / l.legend_columns;
      const auto columns = static_cast<double>(l.legend_columns);
      l.legend = {l.plot.x, l.height,
                  columns * l.legend_entry + (columns - 1) * kColumnGap + 2 * kPadding,
                  static_cast<double>(rows) * kRow + 2 * kPadding};
      l.width = std::max(l.width, l.legend.right() + kMargin);
      l.height = l.legend.bottom() + kMargin;
    }
  }
  l.width = std::ceil(std::max(l.width, centred + 2 * kMargin));
  l.height = std::ceil(l.height);
  return l;
}

// Pixels of data values: inside the plot area, kInset from its frame.
struct Scale {
  const PlotAxis& x;
  const PlotAxis& y;
  Box area;

  double px(double v) const { return area.x + kInset + x.fraction(v) * (area.w - 2 * kInset); }
  double py(double v) const {
    return area.bottom() - kInset - y.fraction(v) * (area.h - 2 * kInset);
  }
};

// The plot area's frame, a grid line and a label at each tick.
void put_axes(std::ostream& s, const Scale& c) {
  const Box& a = c.area;
  s << "<rect class=\"plot-area\" x=\"" << coordinate(a.x) << "\" y=\"" << coordinate(a.y)
    << "\" width=\"" << coordinate(a.w) << "\" height=\"" << coordinate(a.h)
    << "\" fill=\"none\" stroke=\"#bbb\"/>\n";
  for (std::size_t k = 0; k < c.y.ticks.size(); ++k) {
    const std::string at = coordinate(c.py(c.y.ticks[k]));
    s << "<line x1=\"" << coordinate(a.x) << "\" x2=\"" << coordinate(a.right()) << "\" y1=\"" << at
      << "\" y2=\"" << at << "\" stroke=\"#e5e5e5\"/><text class=\"tick-y\" x=\""
      << coordinate(a.x - 8) << "\" y=\"" << coordinate(c.py(c.y.ticks[k]) + 4)
      << "\" text-anchor=\"end\">" << xml_text(c.y.labels[k]) << "</text>\n";
  }
  for (std::size_t k = 0; k < c.x.ticks.size(); ++k) {
    const std::string at = coordinate(c.px(c.x.ticks[k]));
    s << "<line x1=\"" << at << "\" x2=\"" << at << "\" y1=\"" << coordinate(a.y) << "\" y2=\""
      << coordinate(a.bottom()) << "\" stroke=\"#e5e5e5\"/><text class=\"tick-x\" x=\"" << at
      << "\" y=\"" << coordinate(a.bottom() + 18) << "\" text-anchor=\"middle\">"
      << xml_text(c.x.labels[k]) << "</text>\n";
  }
}

// Each line in its colour: a path through its points, a dot at each and its interval bars.
void put_lines(std::ostream& s, const Scale& c, const std::vector<Line>& lines) {
  // Lines that share points are set a few pixels apart, so each one's bars stay visible.
  const double apart =
      lines.size() > 1 ? std::min(3.0, 2 * kSpread / static_cast<double>(lines.size() - 1)) : 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const char* colour = kPalette[i % std::size(kPalette)];
    const double shift =
        (static_cast<double>(i) - static_cast<double>(lines.size() - 1) / 2) * apart;
    std::string path;
    for (const auto& q : lines[i].points)
      path +=
          (path.empty() ? "M" : " L") + coordinate(c.px(q.x) + shift) + " " + coordinate(c.py(q.y));
    s << "<g class=\"series\">\n<path d=\"" << path << "\" fill=\"none\" stroke=\"" << colour
      << "\" stroke-width=\"2\"/>\n";
    for (const auto& q : lines[i].points) {
      const std::string cx = coordinate(c.px(q.x) + shift);
      if (q.interval)
        s << "<line class=\"interval\" x1=\"" << cx << "\" x2=\"" << cx << "\" y1=\""
          << coordinate(c.py(q.low)) << "\" y2=\"" << coordinate(c.py(q.high)) << "\" stroke=\""
          << colour << "\"/>\n";
      s << "<circle cx=\"" << cx << "\" cy=\"" << coordinate(c.py(q.y)) << "\" r=\"4\" fill=\""
        << colour << "\"/>\n";
    }
    s << "</g>\n";
  }
}

// A framed legend: each line's colour and name, in the layout's columns.
void put_legend(std::ostream& s, const Layout& l, const std::vector<Line>& lines) {
  const Box& b = l.legend;
  s << "<g class=\"legend\">\n<rect class=\"legend\" x=\"" << coordinate(b.x) << "\" y=\""
    << coordinate(b.y) << "\" width=\"" << coordinate(b.w) << "\" height=\"" << coordinate(b.h)
    << "\" fill=\"white\" stroke=\"#ccc\"/>\n";
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const double column = static_cast<double>(i % l.legend_columns);
    const double ex = b.x + kPadding + column * (l.legend_entry + kColumnGap);
    const double ey = b.y + kPadding + kRow / 2 + static_cast<double>(i / l.legend_columns) * kRow;
    s << "<line x1=\"" << coordinate(ex) << "\" x2=\"" << coordinate(ex + kSwatch) << "\" y1=\""
      << coordinate(ey) << "\" y2=\"" << coordinate(ey) << "\" stroke=\""
      << kPalette[i % std::size(kPalette)] << "\" stroke-width=\"3\"/><text x=\""
      << coordinate(ex + kSwatch + kGap) << "\" y=\"" << coordinate(ey + 4) << "\">"
      << xml_text(lines[i].name) << "</text>\n";
  }
  s << "</g>\n";
}

}  // namespace

nlohmann::json PlotSpec::to_json() const {
  nlohmann::json j = {{"x", x},         {"y", y},       {"low", low},  {"high", high},
                      {"title", title}, {"file", file}, {"xlog", xlog}};
  if (!series.empty()) j["series"] = series;
  return j;
}

Result<PlotSpec> PlotSpec::from_json(const nlohmann::json& j) {
  if (!j.is_object())
    return fail(ErrorCode::invalid_argument,
                "report.plot: expects a table {x = ..., y = ..., file = ...}");
  PlotSpec p;
  for (const auto& [key, value] : j.items()) {
    if (key == "xlog") {
      if (!value.is_boolean())
        return fail(ErrorCode::invalid_argument, "report.plot: xlog: must be a boolean");
      p.xlog = value.get<bool>();
      continue;
    }
    std::string* field = key == "x"        ? &p.x
                         : key == "y"      ? &p.y
                         : key == "low"    ? &p.low
                         : key == "high"   ? &p.high
                         : key == "title"  ? &p.title
                         : key == "file"   ? &p.file
                         : key == "series" ? &p.series
                                           : nullptr;
    if (!field)
      return fail(ErrorCode::invalid_argument, "report.plot: unknown field '" + key + "'");
    if (!value.is_string())
      return fail(ErrorCode::invalid_argument, "report.plot: " + key + ": must be a string");
    *field = value.get<std::string>();
  }
  if (p.x.empty() || p.y.empty())
    return fail(ErrorCode::invalid_argument, "report.plot: x and y name columns and are required");
  if (p.file.empty())
    return fail(ErrorCode::invalid_argument, "report.plot: file: a file name (.svg) is required");
  if (p.file.find('/') != std::string::npos || p.file.find("..") != std::string::npos)
    return fail(ErrorCode::invalid_argument,
                "report.plot: file: '" + p.file + "' must be a plain file name");
  return p;
}

std::string plot_svg(const std::vector<nlohmann::json>& rows, const PlotSpec& p) {
  const auto lines = lines_of(rows, p);
  const PlotAxis x = x_axis(lines, p.xlog), y = y_axis(lines);
  const std::string title = p.title.empty() ? p.y + " against " + p.x : p.title;
  const std::string axis_name = p.x + (p.xlog ? " (log scale)" : "");
  const std::string no_data = "no rows with both " + p.x + " and " + p.y;
  const double centred = std::max({text_width(title, kTitleFont), text_width(axis_name, kFont),
                                   lines.empty() ? text_width(no_data, kFont) : 0});
  const Layout l = layout(x, y, centred, lines, !p.series.empty());
  const Scale scale{x, y, l.plot};
  // Where a text `width` pixels wide is centred: over the middle of the plot if it fits there, else
  // as near as the canvas allows.
  auto centre = [&](double width) {
    return coordinate(
        std::clamp(l.plot.x + l.plot.w / 2, width / 2 + kMargin, l.width - width / 2 - kMargin));
  };

  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << l.width << "\" height=\"" << l.height
    << "\" viewBox=\"0 0 " << l.width << " " << l.height
    << "\" font-family=\"sans-serif\" font-size=\"" << kFont << "\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text class=\"title\" x=\"" << centre(text_width(title, kTitleFont))
    << "\" y=\"22\" text-anchor=\"middle\" font-size=\"" << kTitleFont << "\">" << xml_text(title)
    << "</text>\n";
  put_axes(s, scale);
  s << "<text class=\"axis-x\" x=\"" << centre(text_width(axis_name, kFont)) << "\" y=\""
    << coordinate(l.plot.bottom() + 40) << "\" text-anchor=\"middle\">" << xml_text(axis_name)
    << "</text>\n";
  if (lines.empty())
    s << "<text class=\"no-data\" x=\"" << centre(text_width(no_data, kFont)) << "\" y=\""
      << coordinate(l.plot.y + l.plot.h / 2) << "\" text-anchor=\"middle\" fill=\"#777\">"
      << xml_text(no_data) << "</text>\n";
  put_lines(s, scale, lines);
  if (!p.series.empty() && !lines.empty()) put_legend(s, l, lines);
  s << "</svg>\n";
  return s.str();
}

}  // namespace recur::jobs
