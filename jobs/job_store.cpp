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

// The queue index: one key per queued job, `jobs/queued/<id>` holding its priority, written in the
// same batch as the record, so choosing the next jobs reads the queued ones and not every record.
// Stores made before the index have no `jobs/queue-index` marker; the first pass builds it.
std::string queued_key(const std::string& id) {
  return key_prefix({"jobs", "queued"}) + id;
}

const std::string& queue_index_marker() {
  static const std::string key = key_prefix({"jobs", "queue-index"});
  return key;
}

// Adds to `batch` what keeps the index true for `job` as it is written.
void index_job(WriteBatch& batch, const Job& job) {
  if (job.status == JobStatus::queued)
    batch.put(queued_key(job.id), std::to_string(job.priority));
  else
    batch.erase(queued_key(job.id));
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
  index_job(batch, job);
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
  WriteBatch batch;
  batch.put(job_key(job.id), job.to_json(true).dump());
  index_job(batch, job);
  return store_.write(batch);
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

Status JobStore::build_queue_index() const {
  auto present = store_.get(queue_index_marker());
  if (!present) return present.error();
  if (*present) return {};
  auto jobs = list();
  if (!jobs) return jobs.error();
  WriteBatch batch;
  for (const auto& j : *jobs) index_job(batch, j);
  batch.put(queue_index_marker(), "1");
  return store_.write(batch);
}

Result<std::vector<Job>> JobStore::next_queued(std::size_t n) const {
  if (auto s = build_queue_index(); !s) return s.error();
  struct Entry {
    std::string id;
    std::int64_t priority;
  };
  std::vector<Entry> entries;
  const std::string prefix = key_prefix({"jobs", "queued"});
  auto s = store_.for_each(prefix, [&](std::string_view key, std::string_view value) {
    std::int64_t priority = 0;
    try {
      priority = std::stoll(std::string(value));
    } catch (const std::exception&) {
      priority = 0;  // the record decides; an unreadable entry only loses its place in line
    }
    entries.push_back({std::string(key.substr(prefix.size())), priority});
    return true;
  });
  if (!s) return s.error();
  // Ids grow in creation order within a width; a longer id is a later one.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    if (a.priority != b.priority) return a.priority > b.priority;
    if (a.id.size() != b.id.size()) return a.id.size() < b.id.size();
    return a.id < b.id;
  });
  std::vector<Job> queued;
  for (const auto& e : entries) {
    if (queued.size() == n) break;
    auto job = get(e.id);
    if (!job && job.error().code != ErrorCode::not_found) return job.error();
    if (job && job->status == JobStatus::queued) {
      queued.push_back(std::move(*job));
      continue;
    }
    // An entry whose record is gone or no longer queued (an index built while a job started):
    // drop it so the next pass does not read it again.
    if (auto erased = store_.erase(queued_key(e.id)); !erased) return erased.error();
  }
  return queued;
}

Store JobStore::job_scope(const std::string& id) const {
  return store_.within(key_prefix({"jobs", "record", id}));
}

}  // namespace recur::jobs
