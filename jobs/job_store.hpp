// The job queue of pipelines, in a store (store/store.hpp): every `recur run` is a job with
// an id, a priority and a status, and keeps its script, parameters and seed so that it can be
// resumed exactly as it started.
//
// Jobs are numbered in the order they were created ("job-000001", ...). The queue order is
// priority first (higher first), then age. A job's status moves
//   queued -> running -> finished | failed | over_budget | cancelled
// and `running` goes back to running when a killed job is resumed.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "jobs/job_status.hpp"
#include "store/store.hpp"

namespace recur::jobs {

struct Job {
  std::string id;
  std::string script;  // the script's path as given
  std::string source;  // its text when the job was created
  std::map<std::string, std::string> params;
  nlohmann::json options = nlohmann::json::object();  // run options (model, budgets, concurrency)
  std::int64_t priority = 0;
  std::uint64_t seed = 0;
  JobStatus status = JobStatus::queued;
  std::string error;             // why it failed, went over budget or was cancelled
  std::uint64_t runs = 0;        // times it was started (1 + resumes)
  std::uint64_t created_ms = 0;  // since the epoch
  std::uint64_t updated_ms = 0;
  nlohmann::json summary = nlohmann::json::object();  // calls, tokens, report rows, outputs

  nlohmann::json to_json(bool with_source = false) const;
  static Result<Job> from_json(const nlohmann::json& j);
};

class JobStore {
 public:
  explicit JobStore(Store store);

  // Adds `job` with a new id (its `id` is ignored) and status queued; returns the id.
  Result<std::string> create(Job job);
  // The job, or an error naming the id when there is none.
  Result<Job> get(const std::string& id) const;
  // Writes `job` back (its id must exist); stamps updated_ms.
  Status update(Job job);
  // Every job, in creation order.
  Result<std::vector<Job>> list() const;
  // The queued job that runs next: highest priority, then oldest.
  Result<std::optional<Job>> next_queued() const;

  // The store under the job's own prefix, for its record of calls.
  Store job_scope(const std::string& id) const;

 private:
  Store store_;
};

}  // namespace recur::jobs
