// The private directory of one code run: created under a root directory with mode 0700, filled with
// the run's input files, and removed with everything in it when the WorkDir goes away.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace recur::tools {

class WorkDir {
 public:
  // A fresh directory root/recur-code-XXXXXX.
  static Result<WorkDir> create(const std::filesystem::path& root);
  WorkDir(WorkDir&& other) noexcept;
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir();

  const std::filesystem::path& path() const { return path_; }

  // Writes `content` at the relative path `name`, creating its directories. Names are checked:
  // components of 1-255 bytes, no "." or "..", no NUL, not absolute; at most 16 levels deep.
  Status write(std::string_view name, std::string_view content);

  // What write() created, as relative paths in creation order (directories end in '/').
  const std::vector<std::string>& entries() const { return entries_; }

 private:
  explicit WorkDir(std::filesystem::path path) : path_(std::move(path)) {}

  std::filesystem::path path_;
  std::vector<std::string> entries_;
};

// Why `name` cannot be an input file name, or "" when it can.
std::string check_work_file_name(std::string_view name);

}  // namespace recur::tools
