// How far a job has come, and how a pipeline run ended: one vocabulary for the job queue, the
// script runtime and the outcome of a run.
//
//   queued -> running -> finished | failed | over_budget | cancelled
// A resumed job goes from running to running again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace recur::jobs {

enum class JobStatus : std::uint8_t { queued, running, finished, failed, over_budget, cancelled };

// "queued", "running", ...; parse_job_status is its inverse.
const char* job_status_name(JobStatus s);
std::optional<JobStatus> parse_job_status(std::string_view name);
// finished, failed, over_budget and cancelled: the job will not run again.
bool job_ended(JobStatus s);

// How one run of a pipeline ended, and what it used.
struct PipelineOutcome {
  JobStatus status = JobStatus::failed;  // an ended status
  std::string error;                     // why, unless finished
  std::uint64_t calls = 0;               // agent and tool calls, the replayed ones included
  std::uint64_t tokens = 0;              // tokens of the finished agents
  std::uint64_t replayed = 0;            // calls answered from the journal
};

}  // namespace recur::jobs
