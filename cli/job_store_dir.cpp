#include "cli/job_store_dir.hpp"

#include <cstdlib>

namespace recur::cli {

std::filesystem::path job_store_dir(const std::string& dir) {
  if (!dir.empty()) return dir;
  if (const char* env = std::getenv("RECUR_STORE"); env && *env) return env;
  return "var/store";
}

}  // namespace recur::cli
