// Cancel requests for jobs that run in another process. The running process holds the store's
// database locked, so a request is a file beside the database (DIR/cancel/JOB), which the job's
// runner watches; it removes the file when the job ends or starts again.
#pragma once

#include <filesystem>
#include <string>

#include "base/result.hpp"

namespace recur::jobs {

Status request_cancel(const std::filesystem::path& store_dir, const std::string& job);
bool cancel_requested(const std::filesystem::path& store_dir, const std::string& job);
void clear_cancel_request(const std::filesystem::path& store_dir, const std::string& job);

}  // namespace recur::jobs
