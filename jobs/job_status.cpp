#include "jobs/job_status.hpp"

#include <array>

namespace recur::jobs {
namespace {

// By enumerator, in the order of JobStatus.
constexpr std::array<const char*, 6> kNames = {"queued", "running",     "finished",
                                               "failed", "over_budget", "cancelled"};
static_assert(static_cast<std::size_t>(JobStatus::cancelled) + 1 == kNames.size());

}  // namespace

const char* job_status_name(JobStatus s) {
  const auto i = static_cast<std::size_t>(s);
  return i < kNames.size() ? kNames[i] : "unknown";
}

std::optional<JobStatus> parse_job_status(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i)
    if (name == kNames[i]) return static_cast<JobStatus>(i);
  return std::nullopt;
}

bool job_ended(JobStatus s) {
  return s != JobStatus::queued && s != JobStatus::running;
}

}  // namespace recur::jobs
