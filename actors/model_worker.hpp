// A model worker: the actor that owns one backend (the CPU, or one GPU), its state pool and the
// sessions placed on it, and runs their token loop by continuous batching (continuous_batcher.hpp).
//
// The worker ticks while any session is ready: one forward pass per tick over every ready session,
// then the calls of the tick go out, one (call_atom, ToolBatch) request per tool host, and the
// worker goes on with the other sessions; a reply completes the calls it answers, whose sessions
// rejoin at the next tick. New sessions, replies and other messages are handled between ticks. The
// worker runs on a thread of its own (detached), so its forward passes never hold up CAF's
// scheduler.
//
// Interface:
//   (start_atom, SessionOrder)       place a session; its outcome goes to the owner as
//                                    (done_atom, SessionOutcome), failures to place it included;
//                                    its output goes to the order's listener as it comes
//   (cancel_atom, session)           end a session as cancelled
//   (tool_atom, name, tool_host)     the host of a tool (new or restarted)
//   (status_atom) -> WorkerStatus    counters
//   (crash_atom)                     throws: the worker dies with its sessions (a simulated crash)
// A forward pass that fails (a GPU fault) ends the worker with that error as its exit reason: its
// sessions are not failed but left to its owner, which places them again from their checkpoints.
// A tool host that fails to answer (it died, or the request outlived its deadline by a margin)
// answers its calls with error results; the sessions go on.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "actors/messages.hpp"
#include "actors/tool_host.hpp"
#include "agent/continuous_batcher.hpp"

namespace recur::actors {

// Who hears of finished sessions.
using session_owner = caf::typed_actor<caf::reacts_to<done_atom, agent::SessionOutcome>>;

using model_worker_actor =
    caf::typed_actor<caf::reacts_to<start_atom, SessionOrder>,
                     caf::reacts_to<cancel_atom, std::string>,
                     caf::reacts_to<tool_atom, std::string, tool_host_actor>,
                     caf::replies_to<status_atom>::with<WorkerStatus>, caf::reacts_to<crash_atom>>;

// What a worker is made of. The backend is made by `make_backend` when the worker starts, so a
// restarted worker gets a fresh state pool.
struct WorkerSetup {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
  std::function<Result<std::unique_ptr<Backend>>()> make_backend;
  agent::BatcherOptions batcher;
  std::map<std::string, tool_host_actor> tools;
  std::chrono::milliseconds tool_deadline{30000};  // of each call
  // Sessions a supervisor places on the worker at once (at most the backend's capacity).
  std::size_t slots = 64;
};

// Spawns a worker reporting to `owner`. When make_backend fails the worker stops at once with the
// error as its exit reason.
model_worker_actor spawn_model_worker(caf::actor_system& system, WorkerSetup setup,
                                      session_owner owner);

}  // namespace recur::actors
