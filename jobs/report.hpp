// A pipeline's report: the rows it adds with report.row{...}, printed by recur as an aligned table
// and written as CSV and JSON, with line plots (SVG, jobs/plot_svg.hpp) of columns against a
// column when asked.
//
// Everything here is a function of the rows alone (no times, no paths), so a job resumed after a
// crash writes byte for byte the report of an uninterrupted run.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "jobs/plot_svg.hpp"

namespace recur::jobs {

class Report {
 public:
  // A row: an object whose values are numbers, strings, booleans or null.
  Status add_row(nlohmann::json row);
  // The order of the columns; by default every key seen, sorted.
  void set_columns(std::vector<std::string> columns) { columns_ = std::move(columns); }
  void add_plot(PlotSpec plot) { plots_.push_back(std::move(plot)); }

  std::vector<std::string> columns() const;
  const std::vector<nlohmann::json>& rows() const { return rows_; }
  const std::vector<PlotSpec>& plots() const { return plots_; }
  bool empty() const { return rows_.empty(); }

  // {"columns": [...], "rows": [{...}], "plots": [{...}]}
  nlohmann::json to_json() const;
  // A header line and a line per row; strings quoted when they hold a comma, a quote or a line
  // break; numbers in full precision.
  std::string csv() const;
  // Columns aligned for a terminal; numbers with 6 significant digits.
  std::string table() const;
  // The SVG picture of `plot` drawn from the rows (jobs::plot_svg).
  std::string plot_svg(const PlotSpec& plot) const { return jobs::plot_svg(rows_, plot); }

 private:
  std::vector<std::string> columns_;
  std::vector<nlohmann::json> rows_;
  std::vector<PlotSpec> plots_;
};

}  // namespace recur::jobs
