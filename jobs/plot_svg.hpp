// Line plots of report columns as SVG: what report.plot{...} asks for (PlotSpec) and the picture
// drawn from a report's rows.
//
// The picture is a function of the rows and the spec alone, so a resumed job redraws it byte for
// byte. Its parts carry classes a reader (or a test) can find them by: the plot area
// (rect.plot-area), each line (g.series: a path through its points, a circle at each point and a
// line.interval bar per point when low or high is named), the ticks (text.tick-x, text.tick-y)
// and the legend (g.legend, framed by rect.legend). Nothing is drawn outside the viewBox: the
// canvas widens for a long title, and the legend goes to the right of the plot, or below it in as
// many columns as fit when its names are long, with widths estimated from the font size.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace recur::jobs {

// report.plot{x = "length", y = "accuracy", low = "low", high = "high", xlog = true,
//             title = "...", file = "frontier.svg"}: y against x, one point per row that has both
// (as finite numbers; x positive on a log axis), in the order of x, with an interval bar from
// `low` to `high` when they are named. The y axis always shows 0. With `series` named, the rows
// are split by that column's value into lines of their own colour, in the order each value first
// appears, with a legend.
struct PlotSpec {
  std::string x, y, low, high, title, file, series;
  bool xlog = false;

  nlohmann::json to_json() const;
  // Reads the table given to report.plot; errors name the field ("report.plot: x: ...").
  static Result<PlotSpec> from_json(const nlohmann::json& j);
};

// The SVG document of `plot` drawn from `rows` (JSON objects; other values are skipped). Any rows
// give a valid picture: none, one, all at one x or one y, negative values.
std::string plot_svg(const std::vector<nlohmann::json>& rows, const PlotSpec& plot);

}  // namespace recur::jobs
