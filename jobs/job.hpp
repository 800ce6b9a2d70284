// A pipeline job: a script with its parameters, seed and run options, as the job queue keeps it, so
// that a job resumed after a crash runs exactly as it started. Jobs are numbered in the order they
// were created ("job-000001", ...).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/json.hpp"
#include "base/result.hpp"
#include "jobs/job_status.hpp"

namespace recur::jobs {

// How a job runs. Kept in the job's record under "options" (the budgets as flat fields).
struct JobOptions {
  std::string model;                   // the bundle of agent calls that name none ("": none)
  std::size_t concurrency = 64;        // agents of the job running at once
  std::uint64_t max_wall_ms = 0;       // wall time of one run; 0: none
  std::uint64_t max_calls = 0;         // agent and tool calls; 0: none
  std::uint64_t max_tokens = 0;        // tokens of finished agents; 0: none
  std::uint64_t max_instructions = 0;  // the script's own Lua instructions; 0: the default
  std::uint64_t max_memory_mb = 0;     // the script's Lua memory; 0: the default
  std::string data_dir;                // data.read and data.csv read files under it

  Json to_json() const;
  // Missing fields keep their defaults (records written before a field existed load); a field of
  // the wrong type is an error naming it.
  static Result<JobOptions> from_json(const Json& j);
};

// What a job's last run did.
struct JobSummary {
  std::uint64_t calls = 0;         // agent and tool calls, the replayed ones included
  std::uint64_t tokens = 0;        // tokens of finished agents
  std::uint64_t replayed = 0;      // calls answered from the journal
  std::uint64_t rows = 0;          // rows of the report
  std::vector<std::string> files;  // report files written

  Json to_json() const;
  static Result<JobSummary> from_json(const Json& j);
};

struct Job {
  std::string id;
  std::string script;  // the script's path or name as given
  std::string source;  // its text when the job was created
  std::map<std::string, std::string> params;
  JobOptions options;
  std::int64_t priority = 0;
  std::uint64_t seed = 0;
  JobStatus status = JobStatus::queued;
  std::string error;             // why it failed, went over budget or was cancelled
  std::uint64_t runs = 0;        // times it was started (1 + resumes)
  std::uint64_t created_ms = 0;  // since the epoch
  std::uint64_t updated_ms = 0;
  JobSummary summary;

  // {"id", "script", "params", "options", "priority", "seed", "status", "error"?, "runs",
  //  "created_ms", "updated_ms", "summary", "source"? (with_source)}
  Json to_json(bool with_source = false) const;
  static Result<Job> from_json(const Json& j);
};

}  // namespace recur::jobs
