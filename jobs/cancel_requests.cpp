#include "jobs/cancel_requests.hpp"

#include <fstream>

namespace recur::jobs {
namespace {

std::filesystem::path cancel_file(const std::filesystem::path& store_dir, const std::string& job) {
  return store_dir / "cancel" / job;
}

}  // namespace

Status request_cancel(const std::filesystem::path& store_dir, const std::string& job) {
  std::error_code ec;
  std::filesystem::create_directories(store_dir / "cancel", ec);
  std::ofstream f(cancel_file(store_dir, job));
  f << "cancel\n";
  if (!f)
    return fail(ErrorCode::io,
                "cannot write the cancel request " + cancel_file(store_dir, job).string());
  return {};
}

bool cancel_requested(const std::filesystem::path& store_dir, const std::string& job) {
  std::error_code ec;
  return std::filesystem::exists(cancel_file(store_dir, job), ec);
}

void clear_cancel_request(const std::filesystem::path& store_dir, const std::string& job) {
  std::error_code ec;
  std::filesystem::remove(cancel_file(store_dir, job), ec);
}

}  // namespace recur::jobs
