// How jobs/ types that travel in actor messages are serialized (CAF inspect overloads, in the
// types' own namespace so that argument-dependent lookup finds them). JobStatus travels as its
// code, checked on the way in (wire_fields.hpp).
#pragma once

#include <caf/all.hpp>
#include "actors/wire_fields.hpp"
#include "jobs/job_status.hpp"

namespace recur::jobs {

// JobStatus with its last enumerator: codes past it are refused.
inline actors::EnumCode<JobStatus> wire_code(JobStatus& x) {
  return {x, JobStatus::cancelled};
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, PipelineOutcome& x) {
  auto status = wire_code(x.status);
  return f(caf::meta::type_name("PipelineOutcome"), status, x.error, x.calls, x.tokens, x.replayed);
}

}  // namespace recur::jobs
