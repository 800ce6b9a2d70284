#include "jobs/job_store.hpp"

#include "base/text.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace recur::jobs {
namespace {

std::string job_key(const std::string& id) {
  return key_prefix({"jobs", "meta"}) + id;
}

}  // namespace

nlohmann::json Job::to_json(bool with_source) const {
  nlohmann::json j = {{"id", id},
                      {"script", script},
                      {"params", params},
                      {"options", options},
                      {"priority", priority},
                      {"seed", seed},
                      {"status", job_status_name(status)},
                      {"runs", runs},
                      {"created_ms", created_ms},
                      {"updated_ms", updated_ms},
                      {"summary", summary}};
  if (!error.empty()) j["error"] = error;
  if (with_source) j["source"] = source;
  return j;
}

Result<Job> Job::from_json(const nlohmann::json& j) {
  try {
    Job job;
    job.id = j.at("id").get<std::string>();
    job.script = j.at("script").get<std::string>();
    job.source = j.value("source", "");
    job.params = j.at("params").get<std::map<std::string, std::string>>();
    job.options = j.value("options", nlohmann::json::object());
    job.priority = j.at("priority").get<std::int64_t>();
    job.seed = j.at("seed").get<std::uint64_t>();
    auto status = parse_job_status(j.at("status").get<std::string>());
    if (!status) return fail("job " + job.id + ": unknown status " + j.at("status").dump());
    job.status = *status;
    job.error = j.value("error", "");
    job.runs = j.value("runs", std::uint64_t{0});
    job.created_ms = j.value("created_ms", std::uint64_t{0});
    job.updated_ms = j.value("updated_ms", std::uint64_t{0});
    job.summary = j.value("summary", nlohmann::json::object());
    return job;
  } catch (const std::exception& e) {
    return fail(std::string("job record: ") + e.what());
  }
}

JobStore::JobStore(Store store) : store_(std::move(store)) {}

Result<std::string> JobStore::create(Job job) {
  // The id comes from an append-only log of created ids, so two jobs never share one.
  auto size = store_.log_size(key_prefix({"jobs", "created"}));
  if (!size) return size.error();
  char id[32];
  std::snprintf(id, sizeof id, "job-%06llu", static_cast<unsigned long long>(*size + 1));
  job.id = id;
  job.status = JobStatus::queued;
  job.created_ms = job.updated_ms = unix_ms();
  WriteBatch batch;
  batch.put(job_key(job.id), job.to_json(true).dump());
  if (auto s = store_.write(batch); !s) return s.error();
  auto appended = store_.append(key_prefix({"jobs", "created"}), std::vector<std::string>{job.id});
  if (!appended) return appended.error();
  return job.id;
}

Result<Job> JobStore::get(const std::string& id) const {
  auto raw = store_.get(job_key(id));
  if (!raw) return raw.error();
  if (!*raw) return fail("no job '" + id + "' in " + store_.dir().string());
  auto j = nlohmann::json::parse(**raw, nullptr, false);
  if (j.is_discarded()) return fail("job " + id + ": its record is not valid JSON");
  return Job::from_json(j);
}

Status JobStore::update(Job job) {
  auto old = store_.get(job_key(job.id));
  if (!old) return old.error();
  if (!*old) return fail("no job '" + job.id + "' in " + store_.dir().string());
  job.updated_ms = unix_ms();
  return store_.put(job_key(job.id), job.to_json(true).dump());
}

Result<std::vector<Job>> JobStore::list() const {
  std::vector<Job> jobs;
  Status failed;
  auto s = store_.for_each(key_prefix({"jobs", "meta"}), [&](std::string_view, std::string_view v) {
    auto j = nlohmann::json::parse(v, nullptr, false);
    auto job =
        j.is_discarded() ? Result<Job>(fail("a job record is not valid JSON")) : Job::from_json(j);
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

Result<std::optional<Job>> JobStore::next_queued() const {
  auto jobs = list();
  if (!jobs) return jobs.error();
  std::optional<Job> best;
  for (auto& j : *jobs)
    if (j.status == JobStatus::queued && (!best || j.priority > best->priority)) best = j;
  return best;
}

Store JobStore::job_scope(const std::string& id) const {
  return store_.within(key_prefix({"jobs", "record", id}));
}

}  // namespace recur::jobs
