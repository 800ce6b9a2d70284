#include "agent/session_outcome.hpp"

namespace recur::agent {

Json SessionOutcome::to_json() const {
  Json j = result.to_json();
  Json& t = j["timings"];
  t["prefill_ms"] = timings.prefill_ms;
  t["decode_ms"] = timings.decode_ms;
  t["tool_ms"] = timings.tool_ms;
  t["checkpoint_ms"] = timings.checkpoint_ms;
  t["forward_passes"] = timings.forward_passes;
  return j;
}

SessionOutcome failed_outcome(const std::string& session, std::string error) {
  SessionOutcome o;
  o.result.id = session;
  o.result.status = SessionStatus::failed;
  o.result.error = std::move(error);
  return o;
}

}  // namespace recur::agent
