// The marks of an SVG line plot read back from its text, for tests: the canvas, the plot area, the
// points of each line (grouped by colour: a path's stroke, a circle's fill, a vertical bar's
// stroke), the tick labels and every text with the room it needs, so a test can check that the
// picture shows its data and that nothing lies outside it.
#pragma once

#include <cmath>
#include <cstddef>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace recur::testing {

struct SvgElement {
  std::string tag;
  std::map<std::string, std::string> attributes;
  std::string text;  // the character data up to the next tag, entities decoded

  bool has(const std::string& name) const { return attributes.count(name) > 0; }
  std::string attribute(const std::string& name) const {
    auto it = attributes.find(name);
    return it == attributes.end() ? "" : it->second;
  }
  // The attribute as a number; NaN when absent or not a number.
  double number(const std::string& name) const {
    const auto s = attribute(name);
    std::size_t used = 0;
    try {
      const double v = std::stod(s, &used);
      return used == s.size() ? v : NAN;
    } catch (...) {
      return NAN;
    }
  }
};

struct SvgPoint {
  double x = 0, y = 0;
};

struct SvgBox {
  double x = 0, y = 0, w = 0, h = 0;
  bool contains(double px, double py) const {
    return px >= x && px <= x + w && py >= y && py <= y + h;
  }
};

// One line of the plot: the marks of one colour.
struct SvgSeries {
  std::string colour;
  std::vector<SvgPoint> path;     // the vertices of its path, in order
  std::vector<SvgPoint> circles;  // the centres of its dots, in document order
  std::vector<SvgElement> bars;   // its vertical interval bars
};

struct SvgText {
  std::string content;
  double x = 0, y = 0, font_size = 0;
  std::string anchor, css_class;
};

inline std::string decode_entities(std::string s) {
  const std::pair<const char*, const char*> entities[] = {
      {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&apos;", "'"}, {"&amp;", "&"}};
  for (const auto& [from, to] : entities)
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + 1))
      s.replace(at, std::string(from).size(), to);
  return s;
}

// Every start tag of `svg`, in order, with its attributes and the text that follows it.
inline std::vector<SvgElement> parse_svg(const std::string& svg) {
  std::vector<SvgElement> out;
  std::size_t at = 0;
  while ((at = svg.find('<', at)) != std::string::npos) {
    const auto end = svg.find('>', at);
    if (end == std::string::npos) break;
    const std::string tag = svg.substr(at + 1, end - at - 1);
    at = end + 1;
    if (tag.empty() || tag[0] == '/' || tag[0] == '?' || tag[0] == '!') continue;
    SvgElement e;
    std::size_t i = 0;
    while (i < tag.size() && !std::isspace(static_cast<unsigned char>(tag[i])) && tag[i] != '/')
      e.tag.push_back(tag[i++]);
    while (i < tag.size()) {
      const auto eq = tag.find('=', i);
      if (eq == std::string::npos) break;
      std::string name = tag.substr(i, eq - i);
      name.erase(0, name.find_first_not_of(" \t\r\n"));
      name.erase(name.find_last_not_of(" \t\r\n") + 1);
      const auto open = tag.find('"', eq);
      const auto close = tag.find('"', open + 1);
      if (open == std::string::npos || close == std::string::npos) break;
      e.attributes[name] = decode_entities(tag.substr(open + 1, close - open - 1));
      i = close + 1;
    }
    const auto next = svg.find('<', at);
    e.text = decode_entities(svg.substr(at, next == std::string::npos ? 0 : next - at));
    out.push_back(std::move(e));
  }
  return out;
}

// The vertices of a path made of M and L commands: "M1 2 L3 4".
inline std::vector<SvgPoint> path_points(const std::string& d) {
  std::string numbers = d;
  for (char& c : numbers)
    if (c == 'M' || c == 'L' || c == ',') c = ' ';
  std::istringstream in(numbers);
  std::vector<SvgPoint> points;
  SvgPoint p;
  while (in >> p.x >> p.y) points.push_back(p);
  return points;
}

struct SvgPlot {
  std::vector<SvgElement> elements;
  double width = NAN, height = NAN;  // the viewBox, else the width and height
  std::optional<SvgBox> plot_area;
  std::optional<SvgBox> legend;
  std::vector<SvgSeries> series;  // in the order their first mark appears
  std::vector<SvgText> texts;

  // The labels of the texts of one class ("tick-x", "tick-y"), in document order.
  std::vector<std::string> labels(const std::string& css_class) const {
    std::vector<std::string> out;
    for (const auto& t : texts)
      if (t.css_class == css_class) out.push_back(t.content);
    return out;
  }
  const SvgSeries* series_of(const std::string& colour) const {
    for (const auto& s : series)
      if (s.colour == colour) return &s;
    return nullptr;
  }
};

inline SvgPlot read_plot(const std::string& svg) {
  SvgPlot plot;
  plot.elements = parse_svg(svg);
  auto series = [&](const std::string& colour) -> SvgSeries& {
    for (auto& s : plot.series)
      if (s.colour == colour) return s;
    plot.series.push_back({colour, {}, {}, {}});
    return plot.series.back();
  };
  double root_font = 16;
  for (const auto& e : plot.elements) {
    if (e.tag == "svg") {
      std::istringstream box(e.attribute("viewBox"));
      double x0 = 0, y0 = 0, w = NAN, h = NAN;
      if (box >> x0 >> y0 >> w >> h)
        plot.width = w, plot.height = h;
      else
        plot.width = e.number("width"), plot.height = e.number("height");
      if (e.has("font-size")) root_font = e.number("font-size");
    } else if (e.tag == "rect" && e.attribute("class") == "plot-area") {
      plot.plot_area = SvgBox{e.number("x"), e.number("y"), e.number("width"), e.number("height")};
    } else if (e.tag == "rect" && e.attribute("class") == "legend") {
      plot.legend = SvgBox{e.number("x"), e.number("y"), e.number("width"), e.number("height")};
    } else if (e.tag == "circle") {
      series(e.attribute("fill")).circles.push_back({e.number("cx"), e.number("cy")});
    } else if (e.tag == "path") {
      series(e.attribute("stroke")).path = path_points(e.attribute("d"));
    } else if (e.tag == "text") {
      plot.texts.push_back({e.text, e.number("x"), e.number("y"),
                            e.has("font-size") ? e.number("font-size") : root_font,
                            e.attribute("text-anchor"), e.attribute("class")});
    }
  }
  // Vertical lines in a line's colour are its interval bars (legend swatches are horizontal).
  for (const auto& e : plot.elements)
    if (e.tag == "line" && e.number("x1") == e.number("x2"))
      for (auto& s : plot.series)
        if (s.colour == e.attribute("stroke")) s.bars.push_back(e);
  return plot;
}

// A width no text of `chars` characters at `font_size` falls short of in a sans-serif face.
inline double estimated_width(const std::string& text, double font_size) {
  std::size_t chars = 0;
  for (unsigned char c : text) chars += (c & 0xC0) != 0x80;
  return 0.6 * font_size * static_cast<double>(chars);
}

// The horizontal extent [left, right] of a text by its anchor.
inline std::pair<double, double> text_extent(const SvgText& t) {
  const double w = estimated_width(t.content, t.font_size);
  if (t.anchor == "middle") return {t.x - w / 2, t.x + w / 2};
  if (t.anchor == "end") return {t.x - w, t.x};
  return {t.x, t.x + w};
}

// Whether `step` is 1, 2, 2.5 or 5 times a power of ten.
inline bool round_step(double step) {
  if (!(step > 0) || !std::isfinite(step)) return false;
  const double mantissa = step / std::pow(10.0, std::floor(std::log10(step) + 1e-9));
  for (double m : {1.0, 2.0, 2.5, 5.0})
    if (std::abs(mantissa - m) < 1e-6) return true;
  return false;
}

// Whether `s` is a decimal written without needless characters: "7", "-12.5", "0.05"; never
// "07", "3.", "0.50" or "+1".
inline bool plain_decimal(const std::string& s) {
  const std::size_t sign = !s.empty() && s[0] == '-' ? 1 : 0;
  const auto point = s.find('.');
  const std::string whole = s.substr(sign, point == std::string::npos ? point : point - sign);
  const std::string fraction = point == std::string::npos ? "" : s.substr(point + 1);
  auto digits = [](const std::string& t) {
    for (char c : t)
      if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return !t.empty();
  };
  if (!digits(whole) || (whole.size() > 1 && whole[0] == '0')) return false;
  return point == std::string::npos || (digits(fraction) && fraction.back() != '0');
}

// Whether a tick label is written without needless digits: "0", "-2.5", "0.1", "1000", "2.5e6",
// "1e-5"; never "-0", "0.100000", "1.0e3", "25e5" or "1e+06".
inline bool plain_label(const std::string& s) {
  if (s == "-0") return false;
  const auto e = s.find('e');
  if (e == std::string::npos) return plain_decimal(s);
  const std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
  const std::size_t sign = !mantissa.empty() && mantissa[0] == '-' ? 1 : 0;
  const auto point = mantissa.find('.');
  const std::size_t whole = (point == std::string::npos ? mantissa.size() : point) - sign;
  return plain_decimal(mantissa) && whole == 1 && mantissa[sign] != '0' &&
         plain_decimal(exponent) && exponent.find('.') == std::string::npos;
}

// How many digits a label has after its point: 2 for "0.25", 0 for "1000" or "2.5e6".
inline std::size_t decimals_of(const std::string& label) {
  if (label.find('e') != std::string::npos) return 0;
  const auto point = label.find('.');
  return point == std::string::npos ? 0 : label.size() - point - 1;
}

}  // namespace recur::testing
