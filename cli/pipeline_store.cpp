#include "cli/pipeline_store.hpp"

#include <cstdlib>
#include <fstream>

namespace recur::cli {
namespace {

std::filesystem::path cancel_file(const std::filesystem::path& store_dir, const std::string& job) {
  return store_dir / "cancel" / job;
}

}  // namespace

std::filesystem::path job_store_dir(const std::string& dir) {
  if (!dir.empty()) return dir;
  if (const char* env = std::getenv("RECUR_STORE"); env && *env) return env;
  return "var/store";
}

Result<Store> open_job_store(const std::string& dir, bool read_only_when_busy) {
  const auto path = job_store_dir(dir);
  if (!read_only_when_busy) return Store::open(path);
  if (!std::filesystem::exists(path / "CURRENT"))
    return fail("--store: no job store in " + path.string());
  auto store = Store::open(path, {true, false, false});
  if (store) return store;
  StoreOptions read;
  read.create_if_missing = false;
  read.read_only = true;
  return Store::open(path, read);
}

void request_cancel(const std::filesystem::path& store_dir, const std::string& job) {
  std::error_code ec;
  std::filesystem::create_directories(store_dir / "cancel", ec);
  std::ofstream(cancel_file(store_dir, job)) << "cancel\n";
}

bool cancel_requested(const std::filesystem::path& store_dir, const std::string& job) {
  std::error_code ec;
  return std::filesystem::exists(cancel_file(store_dir, job), ec);
}

void clear_cancel_request(const std::filesystem::path& store_dir, const std::string& job) {
  std::error_code ec;
  std::filesystem::remove(cancel_file(store_dir, job), ec);
}

}  // namespace recur::cli
