// How agent/ types that travel in actor messages are serialized (CAF inspect overloads, in the
// types' own namespace so that argument-dependent lookup finds them). JSON fields travel as their
// text and enums as their codes, checked on the way in (wire_fields.hpp).
#pragma once

#include <caf/all.hpp>
#include "actors/wire_fields.hpp"
#include "actors/wire_model.hpp"
#include "agent/agent_run.hpp"
#include "agent/continuous_batcher.hpp"
#include "agent/session_outcome.hpp"

namespace recur::agent {

// The enums with their last enumerators: codes past them are refused.
inline actors::EnumCode<SessionStatus> wire_code(SessionStatus& x) {
  return {x, SessionStatus::failed};
}
inline actors::EnumCode<Admission> wire_code(Admission& x) {
  return {x, Admission::recover};
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Budgets& x) {
  return f(caf::meta::type_name("Budgets"), x.max_tokens, x.max_calls, x.max_wall_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SessionSpec& x) {
  return f(caf::meta::type_name("SessionSpec"), x.id, x.prompt, x.sampling, x.budgets, x.tools);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, CompletedCall& x) {
  actors::JsonText arguments{x.arguments, "CompletedCall.arguments"};
  actors::JsonText result{x.result, "CompletedCall.result"};
  return f(caf::meta::type_name("CompletedCall"), x.id, x.name, arguments, result, x.is_error,
           x.ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SessionResult& x) {
  auto status = wire_code(x.status);
  return f(caf::meta::type_name("SessionResult"), x.id, status, x.error, x.output, x.output_tokens,
           x.generated, x.forced_tokens, x.observations, x.calls, x.wall_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SessionTimings& x) {
  return f(caf::meta::type_name("SessionTimings"), x.prefill_ms, x.decode_ms, x.tool_ms,
           x.checkpoint_ms, x.forward_passes);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SessionOutcome& x) {
  return f(caf::meta::type_name("SessionOutcome"), x.result, x.timings);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OutputChunk& x) {
  return f(caf::meta::type_name("OutputChunk"), x.session, x.offset, x.tokens);
}

}  // namespace recur::agent
