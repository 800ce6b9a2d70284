// Pieces shared by the commands: loading a bundle onto a device, parsing id lists, reporting
// errors.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/result.hpp"
#include "jobs/report.hpp"
#include "model/backend.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace recur::cli {

// Prints "recur <command>: <message>" on one line to stderr and returns 1.
int report_error(const std::string& command, const std::string& message);

// "1,2,3" -> ids; an error names the first element that is not an integer.
Result<std::vector<TokenId>> parse_ids(const std::string& text, const std::string& option);

// The 95% Wilson score interval of k successes in n trials.
std::pair<double, double> wilson_interval(std::size_t k, std::size_t n);

// Writes `table`'s accuracy (rows: length, accuracy, wilson_low, wilson_high) against length on a
// log axis as SVG into `file`, one line per value of the "series" column when `series` is set.
Status write_accuracy_plot(const jobs::Report& table, const std::string& title, bool series,
                           const std::string& file);

// Loads dir/tokenizer.json.
Result<Tokenizer> load_tokenizer(const std::filesystem::path& dir);

// Loads the bundle in `dir` onto `device` ("cpu", "cuda" or "cuda:N").
Result<std::unique_ptr<Backend>> load_backend(const std::filesystem::path& dir,
                                              const std::string& device, unsigned threads);

}  // namespace recur::cli
