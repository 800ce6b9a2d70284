// recur plot: accuracy against length of several evaluation reports in one SVG, a line each (the
// tool-using model beside its ablations and baselines). A report is what `recur eval --out` writes,
// or any JSON of the same shape: {"label"?, "model"?, "task"?, "rows": [{"length", "accuracy",
// "n" | "wilson_low" and "wilson_high", ...}]}. A row's other fields, such as the "failures" that
// eval lists, are not plotted and may hold anything. A line is named by the report's "label", else
// by its model's folder and its task.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <tuple>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "jobs/report.hpp"
#include "tasks/scoring.hpp"

namespace recur::cli {
namespace {

struct PlotOptions {
  std::vector<std::string> reports;
  std::string out;
  std::string title;
  std::string y = "accuracy";
  bool json = false;
};

std::string label_of(const nlohmann::json& report) {
  if (auto it = report.find("label"); it != report.end() && it->is_string())
    return it->get<std::string>();
  std::string label;
  if (auto it = report.find("model"); it != report.end() && it->is_string()) {
    auto path = std::filesystem::path(it->get<std::string>()).lexically_normal();
    if (!path.has_filename()) path = path.parent_path();
    label = path.filename().string();
  }
  if (auto it = report.find("task"); it != report.end() && it->is_string())
    label += (label.empty() ? "(" : " (") + it->get<std::string>() + ")";
  return label;
}

// Adds the report's rows to `table` as points of one line.
Status add_report(jobs::Report& table, const std::string& file, const std::string& y) {
  std::ifstream in(file);
  if (!in) return fail(ErrorCode::not_found, file + ": cannot read");
  std::stringstream text;
  text << in.rdbuf();
  const auto report = nlohmann::json::parse(text.str(), nullptr, false);
  if (report.is_discarded() || !report.is_object())
    return fail(ErrorCode::invalid_argument, file + ": not a JSON object");
  auto rows = report.find("rows");
  if (rows == report.end() || !rows->is_array() || rows->empty())
    return fail(ErrorCode::invalid_argument, file + ": needs a non-empty array \"rows\"");
  std::string label = label_of(report);
  if (label.empty()) label = file;
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const auto& row = (*rows)[i];
    const std::string where = file + ": rows[" + std::to_string(i) + "]";
    auto number = [&](const char* key) -> const nlohmann::json* {
      auto it = row.find(key);
      return it != row.end() && it->is_number() ? &*it : nullptr;
    };
    if (!row.is_object()) return fail(ErrorCode::invalid_argument, where + ": not an object");
    const auto* length = number("length");
    const auto* value = number(y.c_str());
    if (!length || length->get<double>() <= 0)
      return fail(ErrorCode::invalid_argument, where + ": needs a positive number \"length\"");
    if (!value || value->get<double>() < 0 || value->get<double>() > 1)
      return fail(ErrorCode::invalid_argument,
                  where + ": needs \"" + y + "\", a number from 0 to 1");
    double low = 0, high = 0;
    if (y == "accuracy" && number("wilson_low") && number("wilson_high")) {
      low = number("wilson_low")->get<double>(), high = number("wilson_high")->get<double>();
    } else if (const auto* n = number("n"); n && n->is_number_integer() && n->get<long>() > 0) {
      const auto trials = static_cast<std::size_t>(n->get<long>());
      const auto k = static_cast<std::size_t>(std::llround(value->get<double>() * trials));
      std::tie(low, high) = tasks::wilson_interval(k, trials);
    } else {
      return fail(
          ErrorCode::invalid_argument,
          where + ": needs a positive integer \"n\" (or \"wilson_low\" and \"wilson_high\")");
    }
    auto s = table.add_row({{"length", length->get<double>()},
                            {"accuracy", value->get<double>()},
                            {"wilson_low", low},
                            {"wilson_high", high},
                            {"series", label}});
    if (!s) return s.error();
  }
  return {};
}

int run_plot(const PlotOptions& o) {
  if (o.y != "accuracy" && o.y != "trajectory_accuracy")
    return report_error("plot", "--y: '" + o.y + "' is neither accuracy nor trajectory_accuracy");
  jobs::Report table;
  for (const auto& file : o.reports)
    if (auto s = add_report(table, file, o.y); !s) return report_error("plot", s.error().message);
  const std::string title = !o.title.empty() ? o.title
                            : o.y == "accuracy"
                                ? "exact answers against length (95% Wilson interval)"
                                : "exact trajectories against length (95% Wilson interval)";
  if (auto s = write_accuracy_plot(table, title, true, o.out); !s)
    return report_error("plot", "--out: " + s.error().message);
  if (o.json)
    print_json({{"out", o.out}, {"lines", o.reports.size()}, {"points", table.rows().size()}});
  else
    std::cout << o.out << ": " << o.reports.size() << " lines, " << table.rows().size() << " points"
              << std::endl;
  return 0;
}

}  // namespace

void add_plot_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<PlotOptions>();
  auto* c =
      app.add_subcommand("plot", "Plot accuracy against length of several eval reports in one SVG");
  c->add_option("reports", o->reports, "Reports written by recur eval --out (or of that shape)")
      ->required();
  c->add_option("--out", o->out, "The SVG file to write")->required();
  c->add_option("--title", o->title, "Title of the plot");
  c->add_option("--y", o->y, "accuracy (default) or trajectory_accuracy");
  c->add_flag("--json", o->json, "Print what was written as JSON");
  c->callback([o, &exit_code] { exit_code = run_plot(*o); });
}

}  // namespace recur::cli
