// Inside a tool host: the messages between the host and its runners, and the runner itself, a
// detached actor that runs one call at a time on its own thread and reports back to its host.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "actors/tool_host.hpp"
#include "actors/wire_fields.hpp"

namespace recur::actors {

// A call handed to a runner; `ticket` names it in the runner's answer. Runners live in their
// host's process, but a RunnerJob is serializable like every message: its deadline travels as the
// time left until it (wire_fields.hpp).
struct RunnerJob {
  std::uint64_t ticket = 0;
  ToolRequest request;
  std::chrono::steady_clock::time_point deadline;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, RunnerJob& x) {
  RemainingTime deadline{x.deadline};
  return f(caf::meta::type_name("RunnerJob"), x.ticket, x.request, deadline);
}

// The host as its runners and timers see it: its interface plus
//   (ran_atom, ticket, ToolReply)   a runner finished the call of `ticket` and is free again
//   (deadline_atom, ticket)         the deadline of `ticket` passed
using tool_host_impl = tool_host_actor::extend<caf::reacts_to<ran_atom, std::uint64_t, ToolReply>,
                                               caf::reacts_to<deadline_atom, std::uint64_t>>;

// Spawns a runner for `host`: it takes RunnerJob messages, one at a time, answers each with
// (ran_atom, ticket, ToolReply), and stops when the host goes down.
caf::actor spawn_tool_runner(caf::actor_system& system,
                             std::shared_ptr<const tools::Registry> registry, tool_host_impl host);

}  // namespace recur::actors
