#include "cli/eval_plot.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace recur::cli {

std::string accuracy_plot_svg(const nlohmann::json& report) {
  const double width = 640, height = 400, left = 70, right = 30, top = 40, bottom = 60;
  const auto& rows = report.at("rows");
  double lo = 1, hi = 10;
  for (const auto& r : rows) {
    const double x = std::log10(std::max(1.0, r.at("length").get<double>()));
    lo = std::min(lo, std::floor(x)), hi = std::max(hi, std::ceil(x));
  }
  if (hi <= lo) hi = lo + 1;
  auto px = [&](double length) {
    return left + (std::log10(std::max(1.0, length)) - lo) / (hi - lo) * (width - left - right);
  };
  auto py = [&](double accuracy) { return top + (1 - accuracy) * (height - top - bottom); };
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" font-family=\"sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    << "<text x=\"" << width / 2 << "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">"
    << report.value("model", std::string()) << ": " << report.value("task", std::string())
    << ", exact answers (95% Wilson interval)</text>\n";
  for (int k = 0; k <= 4; ++k) {  // accuracy grid
    const double a = k / 4.0;
    s << "<line x1=\"" << left << "\" x2=\"" << width - right << "\" y1=\"" << py(a) << "\" y2=\""
      << py(a) << "\" stroke=\"#ddd\"/><text x=\"" << left - 8 << "\" y=\"" << py(a) + 4
      << "\" text-anchor=\"end\">" << a << "</text>\n";
  }
  for (double e = lo; e <= hi; ++e) {  // length decades
    const double x = px(std::pow(10, e));
    s << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << top << "\" y2=\"" << height - bottom
      << "\" stroke=\"#eee\"/><text x=\"" << x << "\" y=\"" << height - bottom + 18
      << "\" text-anchor=\"middle\">" << std::pow(10, e) << "</text>\n";
  }
  s << "<text x=\"" << width / 2 << "\" y=\"" << height - 15
    << "\" text-anchor=\"middle\">problem length (digits)</text>\n";
  std::string path;
  for (const auto& r : rows) {
    const double x = px(r.at("length").get<double>()), y = py(r.at("accuracy").get<double>());
    path += (path.empty() ? "M" : " L") + std::to_string(x) + " " + std::to_string(y);
    s << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << py(r.at("wilson_low").get<double>())
      << "\" y2=\"" << py(r.at("wilson_high").get<double>()) << "\" stroke=\"#1f77b4\"/>\n"
      << "<circle cx=\"" << x << "\" cy=\"" << y << "\" r=\"4\" fill=\"#1f77b4\"/>\n";
  }
  s << "<path d=\"" << path << "\" fill=\"none\" stroke=\"#1f77b4\" stroke-width=\"2\"/>\n</svg>\n";
  return s.str();
}

}  // namespace recur::cli
