#include "jobs/job_status.hpp"

namespace recur::jobs {

const char* job_status_name(JobStatus s) {
  switch (s) {
    case JobStatus::queued:
      return "queued";
    case JobStatus::running:
      return "running";
    case JobStatus::finished:
      return "finished";
    case JobStatus::failed:
      return "failed";
    case JobStatus::over_budget:
      return "over_budget";
    case JobStatus::cancelled:
      return "cancelled";
  }
  return "unknown";
}

std::optional<JobStatus> parse_job_status(std::string_view name) {
  for (JobStatus s : {JobStatus::queued, JobStatus::running, JobStatus::finished, JobStatus::failed,
                      JobStatus::over_budget, JobStatus::cancelled})
    if (name == job_status_name(s)) return s;
  return std::nullopt;
}

bool job_ended(JobStatus s) {
  return s != JobStatus::queued && s != JobStatus::running;
}

}  // namespace recur::jobs
