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
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "tools/registry/registry.hpp"

namespace recur::actors {

using tool_host_actor = caf::typed_actor<caf::replies_to<call_atom, ToolBatch>::with<ToolReplies>>;

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
