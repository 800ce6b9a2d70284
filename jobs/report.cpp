#include "jobs/report.hpp"

#include <algorithm>
#include <cstdio>
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

}  // namespace

Status Report::add_row(nlohmann::json row) {
  if (!row.is_object())
    return fail(ErrorCode::invalid_argument, "report.row: expects a table of column = value");
  for (const auto& [key, value] : row.items())
    if (value.is_object() || value.is_array())
      return fail(ErrorCode::invalid_argument,
                  "report.row: column '" + key + "': values must be numbers, strings or booleans");
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

}  // namespace recur::jobs
