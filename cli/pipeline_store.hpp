// The job store of `recur run` and `recur jobs`: where it is, how it is opened, and how a cancel
// request reaches a job that runs in another process (the store is locked by that process, so the
// request is a file beside the database, which the running job watches).
#pragma once

#include <filesystem>
#include <string>

#include "store/store.hpp"

namespace recur::cli {

// `dir`, else $RECUR_STORE, else var/store.
std::filesystem::path job_store_dir(const std::string& dir);

// Opens the store. With `read_only_when_busy`, a store another process holds open is opened to
// read instead (what `recur jobs list` and `show` need while a job runs).
Result<Store> open_job_store(const std::string& dir, bool read_only_when_busy);

void request_cancel(const std::filesystem::path& store_dir, const std::string& job);
bool cancel_requested(const std::filesystem::path& store_dir, const std::string& job);
void clear_cancel_request(const std::filesystem::path& store_dir, const std::string& job);

}  // namespace recur::cli
