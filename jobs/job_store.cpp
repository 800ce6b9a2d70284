#include "jobs/job_store.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "base/text.hpp"

namespace recur::jobs {
namespace {

std::string job_key(const std::string& id) {
  return key_prefix({"jobs", "meta"}) + id;
}

}  // namespace

Result<Store> open_job_store(const std::filesystem::path& dir, JobStoreAccess access) {
  if (access == JobStoreAccess::write) return Store::open(dir);
  std::error_code ec;
  if (!std::filesystem::exists(dir / "CURRENT", ec))
    return fail(ErrorCode::not_found, "no job store in " + dir.string());
  StoreOptions existing;
  existing.create_if_missing = false;
  auto store = Store::open(dir, existing);
  if (store) return store;
  StoreOptions read = existing;
  read.read_only = true;
  return Store::open(dir, read);
}

JobStore::JobStore(Store store) : store_(std::move(store)) {}

Result<std::string> JobStore::create(Job job) {
  // Ids come from an append-only log of created ids, so two jobs never share one. The record and
  // its log entry are one atomic write: a process killed at any point leaves the job whole or
  // absent. Creations within this process take turns.
  static std::mutex creating;
  std::lock_guard lock(creating);
  const std::string log = key_prefix({"jobs", "created"});
  auto size = store_.log_size(log);
  if (!size) return size.error();
  char id[32];
  std::snprintf(id, sizeof id, "job-%06llu", static_cast<unsigned long long>(*size + 1));
  job.id = id;
  job.status = JobStatus::queued;
  job.created_ms = job.updated_ms = unix_ms();
  WriteBatch batch;
  batch.put(job_key(job.id), job.to_json(true).dump());
  batch.put(log + ordered_key(*size), job.id);
  if (auto s = store_.write(batch); !s) return s.error();
  return job.id;
}

Result<Job> JobStore::get(const std::string& id) const {
  auto raw = store_.get(job_key(id));
  if (!raw) return raw.error();
  if (!*raw) return fail(ErrorCode::not_found, "no job '" + id + "' in " + store_.dir().string());
  auto j = Json::parse(**raw, nullptr, false);
  if (j.is_discarded())
    return fail(ErrorCode::data_loss, "job " + id + ": its record is not valid JSON");
  return Job::from_json(j);
}

Status JobStore::update(Job job) {
  auto old = store_.get(job_key(job.id));
  if (!old) return old.error();
  if (!*old)
    return fail(ErrorCode::not_found, "no job '" + job.id + "' in " + store_.dir().string());
  job.updated_ms = unix_ms();
  return store_.put(job_key(job.id), job.to_json(true).dump());
}

Result<std::vector<Job>> JobStore::list() const {
  std::vector<Job> jobs;
  Status failed;
  auto s = store_.for_each(key_prefix({"jobs", "meta"}), [&](std::string_view, std::string_view v) {
    auto j = Json::parse(v, nullptr, false);
    auto job = j.is_discarded()
                   ? Result<Job>(fail(ErrorCode::data_loss, "a job record is not valid JSON"))
                   : Job::from_json(j);
    if (!job) {
      failed = job.error();
      return false;
    }
    jobs.push_back(std::move(*job));
    return true;
  });
  if (!s) return s.error();
  if (!failed) return failed.error();
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.id < b.id; });
  return jobs;
}

Result<std::vector<Job>> JobStore::next_queued(std::size_t n) const {
  auto jobs = list();
  if (!jobs) return jobs.error();
  std::vector<Job> queued;
  for (auto& j : *jobs)
    if (j.status == JobStatus::queued) queued.push_back(std::move(j));
  // list() is in creation order; a stable sort keeps the oldest first among equal priorities.
  std::stable_sort(queued.begin(), queued.end(),
                   [](const Job& a, const Job& b) { return a.priority > b.priority; });
  if (queued.size() > n) queued.resize(n);
  return queued;
}

Store JobStore::job_scope(const std::string& id) const {
  return store_.within(key_prefix({"jobs", "record", id}));
}

}  // namespace recur::jobs
