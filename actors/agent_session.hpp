// An agent session seen from outside the runtime: start it on a supervisor (or continue it from
// its checkpoint), hear its output as it is generated, and wait for its outcome. The command line
// and pipelines use this; the supervisor keeps the session going across worker crashes.
//
//   auto outcome = run_session(system, supervisor, spec, Admission::fresh,
//                              [](std::span<const TokenId> tokens) { ... });
#pragma once

#include <functional>
#include <span>

#include "actors/supervisor.hpp"

namespace recur::actors {

// Called with output tokens in order, each token once, on a thread of the actor system.
using OutputHandler = std::function<void(std::span<const TokenId>)>;

// Spawns a listener that hands `handler` the output of one session. Chunks that overlap what it
// has already passed on (a session continued from a checkpoint sends its output since the
// checkpoint again) are trimmed; a chunk past what it has seen (output from before this process)
// is passed on whole. Besides its interface it answers (flush_atom) -> bool once every earlier
// chunk has been handed on.
output_listener spawn_output_listener(caf::actor_system& system, OutputHandler handler);

// Runs one session on `supervisor` and blocks until it ends. With `on_output`, the output tokens
// are handed to it as they come, all of them before this returns. An error when the supervisor
// refuses the session or stops before it ends; a session that fails is an outcome (status failed).
Result<agent::SessionOutcome> run_session(caf::actor_system& system,
                                          const supervisor_actor& supervisor,
                                          agent::SessionSpec spec, agent::Admission admission,
                                          OutputHandler on_output = {});

}  // namespace recur::actors
