// Where the job commands find the job store.
#pragma once

#include <filesystem>
#include <string>

namespace recur::cli {

// `dir`, else $RECUR_STORE, else var/store.
std::filesystem::path job_store_dir(const std::string& dir);

}  // namespace recur::cli
