// A tool host: the actor in front of one configured tool. Model workers send it the calls of a
// tick in one batch and get one batch of replies back.
//
// Calls run on detached runner actors (threads of their own), so a blocking tool (a subprocess, a
// long script, an fsync) never stalls CAF's scheduler; up to `max_parallel` run at once. The calls
// of one scope (session) run one after another in the order they came, so a session reads what it
// wrote; calls of different scopes run in parallel. Every call has a deadline, counted from the
// batch's arrival: the tool sees it in its CallContext and should stop by then, and if it has not
// answered when the deadline passes the host answers for it with an error result (the late result
// is dropped). A call of another tool, or with arguments the tool refuses, is answered with an
// error result too: a batch's reply always holds one reply per request, in order.
//
// Interface:
//   (call_atom, ToolBatch) -> ToolReplies
//   (status_atom) -> ToolHostStatus    counters
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "tools/registry/registry.hpp"

namespace recur::actors {

// Bucket bounds of a tool host's call times, in seconds.
inline constexpr std::array<double, 13> kToolCallSecondsBounds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30};

// A tool host's counters since it started. Every call answered counts, those the host answers
// itself (another tool's, a deadline that passed) included.
struct ToolHostStatus {
  std::string tool;
  std::uint64_t calls = 0;     // answered
  std::uint64_t errors = 0;    // answered with an error result
  std::uint64_t timeouts = 0;  // answered by the host when the deadline passed
  std::uint64_t running = 0;   // calls on runners now
  std::uint64_t queued = 0;    // calls waiting for a runner or for their scope's earlier calls
  BucketCounts call_seconds;   // from arrival to answer (kToolCallSecondsBounds)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolHostStatus& x) {
  return f(caf::meta::type_name("ToolHostStatus"), x.tool, x.calls, x.errors, x.timeouts, x.running,
           x.queued, x.call_seconds);
}

using tool_host_actor = caf::typed_actor<caf::replies_to<call_atom, ToolBatch>::with<ToolReplies>,
                                         caf::replies_to<status_atom>::with<ToolHostStatus>>;

struct ToolHostOptions {
  std::chrono::milliseconds deadline{30000};  // for requests that name none
  std::size_t max_parallel = 4;               // runner threads, started as calls need them
};

// Spawns the host of `tool` (a name in `registry`). The registry outlives every call through the
// shared pointer.
tool_host_actor spawn_tool_host(caf::actor_system& system,
                                std::shared_ptr<const tools::Registry> registry, std::string tool,
                                ToolHostOptions options = {});

}  // namespace recur::actors
