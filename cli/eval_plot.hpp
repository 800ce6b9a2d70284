// An SVG chart of accuracy against problem length (log scale) from the report of recur eval, with
// the 95% Wilson interval of each point.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace recur::cli {

std::string accuracy_plot_svg(const nlohmann::json& report);

}  // namespace recur::cli
