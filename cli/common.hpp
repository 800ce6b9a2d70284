// Pieces shared by the commands: printing JSON and errors, parsing id lists, loading a bundle onto
// a device, plots of accuracy.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/json.hpp"
#include "base/result.hpp"
#include "jobs/report.hpp"
#include "model/backend.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace recur::cli {

// Prints "recur <command>: <message>" on one line to stderr and returns 1.
int report_error(const std::string& command, const std::string& message);

// Prints `value` as one line of compact JSON on stdout (invalid UTF-8 replaced).
void print_json(const Json& value);

// "1,2,3" -> ids; an error names the first element that is not an integer.
Result<std::vector<TokenId>> parse_ids(const std::string& text, const std::string& option);

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
