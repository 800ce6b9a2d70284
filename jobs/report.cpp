#include "jobs/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <set>
#include <sstream>

namespace recur::jobs {
namespace {

std::string cell(const nlohmann::json& v, bool full) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float() && !full) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v.get<double>());
    return buf;
  }
  return v.dump();
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

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

}  // namespace

nlohmann::json PlotSpec::to_json() const {
  nlohmann::json j = {{"x", x},         {"y", y},       {"low", low},  {"high", high},
                      {"title", title}, {"file", file}, {"xlog", xlog}};
  if (!series.empty()) j["series"] = series;
  return j;
}

Result<PlotSpec> PlotSpec::from_json(const nlohmann::json& j) {
  if (!j.is_object()) return fail("report.plot: expects a table {x = ..., y = ..., file = ...}");
  PlotSpec p;
  for (const auto& [key, value] : j.items()) {
    if (key == "xlog") {
      if (!value.is_boolean()) return fail("report.plot: xlog: must be a boolean");
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
    if (!field) return fail("report.plot: unknown field '" + key + "'");
    if (!value.is_string()) return fail("report.plot: " + key + ": must be a string");
    *field = value.get<std::string>();
  }
  if (p.x.empty() || p.y.empty()) return fail("report.plot: x and y name columns and are required");
  if (p.file.empty()) return fail("report.plot: file: a file name (.svg) is required");
  if (p.file.find('/') != std::string::npos || p.file.find("..") != std::string::npos)
    return fail("report.plot: file: '" + p.file + "' must be a plain file name");
  return p;
}

Status Report::add_row(nlohmann::json row) {
  if (!row.is_object()) return fail("report.row: expects a table of column = value");
  for (const auto& [key, value] : row.items())
    if (value.is_object() || value.is_array())
      return fail("report.row: column '" + key + "': values must be numbers, strings or booleans");
  rows_.push_back(std::move(row));
  return {};
}

std::vector<std::string> Report::columns() const {
  if (!columns_.empty()) return columns_;
  std::set<std::string> keys;
  for (const auto& r : rows_)
    for (const auto& [key, value] : r.items()) keys.insert(key);
  return {keys.begin(), keys.end()};
}

nlohmann::json Report::to_json() const {
  nlohmann::json plots = nlohmann::json::array();
  for (const auto& p : plots_) plots.push_back(p.to_json());
  return {{"columns", columns()}, {"rows", rows_}, {"plots", plots}};
}

std::string Report::csv() const {
  const auto cols = columns();
  std::string out;
  for (std::size_t i = 0; i < cols.size(); ++i) {
    if (i) out.push_back(',');
    out += csv_field(cols[i]);
  }
  out += "\n";
  for (const auto& r : rows_) {
    for (std::size_t i = 0; i < cols.size(); ++i) {
      if (i) out.push_back(',');
      out += csv_field(cell(r.value(cols[i], nlohmann::json()), true));
    }
    out += "\n";
  }
  return out;
}

std::string Report::table() const {
  const auto cols = columns();
  std::vector<std::size_t> width(cols.size());
  std::vector<std::vector<std::string>> cells;
  for (std::size_t i = 0; i < cols.size(); ++i) width[i] = cols[i].size();
  for (const auto& r : rows_) {
    auto& line = cells.emplace_back();
    for (std::size_t i = 0; i < cols.size(); ++i) {
      line.push_back(cell(r.value(cols[i], nlohmann::json()), false));
      width[i] = std::max(width[i], line.back().size());
    }
  }
  std::ostringstream s;
  auto put = [&](const std::vector<std::string>& line) {
    for (std::size_t i = 0; i < line.size(); ++i) {
      s << line[i];
      if (i + 1 < line.size()) s << std::string(width[i] - line[i].size() + 2, ' ');
    }
    s << "\n";
  };
  put(cols);
  for (const auto& line : cells) put(line);
  return s.str();
}

std::string Report::plot_svg(const PlotSpec& p) const {
  struct Point {
    double x, y, low, high;
  };
  struct Series {
    std::string name;
    std::vector<Point> points;
  };
  std::vector<Series> lines;
  auto number = [](const nlohmann::json& r, const std::string& key, double fallback) {
    auto it = r.find(key);
    return it != r.end() && it->is_number() ? it->get<double>() : fallback;
  };
  for (const auto& r : rows_) {
    const double x = number(r, p.x, NAN), y = number(r, p.y, NAN);
    if (std::isnan(x) || std::isnan(y) || (p.xlog && x <= 0)) continue;
    std::string name;
    if (!p.series.empty()) {
      auto it = r.find(p.series);
      name = it == r.end() ? "" : it->is_string() ? it->get<std::string>() : it->dump();
    }
    auto line =
        std::find_if(lines.begin(), lines.end(), [&](const Series& l) { return l.name == name; });
    if (line == lines.end()) line = lines.insert(lines.end(), Series{name, {}});
    line->points.push_back({p.xlog ? std::log10(x) : x, y, p.low.empty() ? y : number(r, p.low, y),
                            p.high.empty() ? y : number(r, p.high, y)});
  }
  double x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  bool first = true;
  for (auto& line : lines) {
    std::sort(line.points.begin(), line.points.end(),
              [](const Point& a, const Point& b) { return a.x < b.x; });
    for (const auto& q : line.points) {
      if (first) x0 = x1 = q.x, y0 = std::min(0.0, q.y), y1 = q.y, first = false;
      x0 = std::min(x0, q.x), x1 = std::max(x1, q.x);
      y0 = std::min({y0, q.y, q.low}), y1 = std::max({y1, q.y, q.high});
    }
  }
  if (p.xlog) x0 = std::floor(x0), x1 = std::ceil(x1);
  if (x1 <= x0) x1 = x0 + 1;
  if (y1 <= y0) y1 = y0 + 1;
  const bool legend = !p.series.empty();
  const double width = legend ? 860 : 640, height = 400, left = 70, right = legend ? 250 : 30,
               top = 40, bottom = 60;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (width - left - right); };
  auto py = [&](double y) { return top + (y1 - y) / (y1 - y0) * (height - top - bottom); };
  const double middle = legend ? (width - right + left) / 2 : width / 2;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << middle << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">"
    << xml_text(p.title.empty() ? p.y + " against " + p.x : p.title) << "</text>\n";
  for (int k = 0; k <= 4; ++k) {
    const double y = y0 + (y1 - y0) * k / 4;
    s << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << py(y) << "\" y2=\""
      << py(y) << "\" stroke=\"#ddd\"/><text x=\"" << left - 8 << "\" y=\"" << py(y) + 4
      << "\" text-anchor=\"end\">" << cell(y, false) << "</text>\n";
  }
  // x ticks: every power of ten on a log axis of up to 12 decades (its bounds are whole decades),
  // else quarters.
  const int x_ticks = p.xlog && x1 - x0 <= 12 ? static_cast<int>(x1 - x0) : 4;
  for (int k = 0; k <= x_ticks; ++k) {
    const double x = x0 + (x1 - x0) * k / x_ticks;
    s << "<text x=\"" << px(x) << "\" y=\"" << height - bottom + 18 << "\" text-anchor=\"middle\">"
      << cell(p.xlog ? std::pow(10, x) : x, false) << "</text>\n";
  }
  s << "<text x=\"" << middle << "\" y=\"" << height - 15 << "\" text-anchor=\"middle\">"
    << xml_text(p.x) << (p.xlog ? " (log scale)" : "") << "</text>\n";
  static const char* const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const char* colour = palette[i % std::size(palette)];
    // Lines that share points are set a few pixels apart, so each one's bars stay visible.
    const double shift = (static_cast<double>(i) - (lines.size() - 1) / 2.0) * 3;
    std::string path;
    for (const auto& q : lines[i].points) {
      const double x = px(q.x) + shift;
      path += path.empty() ? "M" : " L";
      path += std::to_string(x);
      path.push_back(' ');
      path += std::to_string(py(q.y));
      if (q.low != q.high)
        s << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << py(q.low) << "\" y2=\""
          << py(q.high) << "\" stroke=\"" << colour << "\"/>\n";
      s << "<circle cx=\"" << x << "\" cy=\"" << py(q.y) << "\" r=\"4\" fill=\"" << colour
        << "\"/>\n";
    }
    s << "<path d=\"" << path << "\" fill=\"none\" stroke=\"" << colour
      << "\" stroke-width=\"2\"/>\n";
    if (legend) {
      const double ly = top + 10 + 18 * static_cast<double>(i);
      s << "<line x1=\"" << width - right + 15 << "\" x2=\"" << width - right + 35 << "\" y1=\""
        << ly << "\" y2=\"" << ly << "\" stroke=\"" << colour << "\" stroke-width=\"3\"/><text x=\""
        << width - right + 40 << "\" y=\"" << ly + 4 << "\">" << xml_text(lines[i].name)
        << "</text>\n";
    }
  }
  s << "</svg>\n";
  return s.str();
}

}  // namespace recur::jobs
