// The supervisor: starts the model workers and a host per configured tool, monitors them, restarts
// them, and runs sessions on the workers for its clients.
//
// Supervision is one_for_one: a child that dies is restarted alone, after an exponential backoff
// with jitter (restart_policy.hpp); more restarts within the period than the intensity allows stop
// the supervisor, its children with it, with an error naming the child and the count. A worker that
// would exceed the intensity while other workers serve is retired instead (a GPU that keeps
// failing): it is not restarted, and the others take its sessions; the supervisor stops when its
// last worker goes that way.
//
// Placement: a session goes to the worker with the most free slots (the lowest index on a tie),
// and waits in the supervisor while every slot is taken. A session stays on its worker while that
// worker lives; it moves only when the worker dies. A client's request for a session's outcome is
// held by the supervisor, not by a worker: when a worker dies, its sessions are placed again on
// the workers that are up, continued from their last checkpoints (with a store; without one, from
// their specs), and their clients get the outcome when they end.
//
// Interface:
//   (run_atom, SessionOrder) -> SessionOutcome   run a session to its end; its output goes to the
//                                                order's listener; an error only when the
//                                                supervisor stops first (or the id is already
//                                                running)
//   (cancel_atom, session)                       end a session as cancelled
//   (crash_atom, worker index)                   make a worker crash (tests of recovery)
//   (status_atom) -> SupervisorStatus            restarts, backoff delays, sessions
//   (survey_atom, wait_ms) -> SupervisorSurvey   its status and every child's counters, asked of
//                                                the children at once and answered within about
//                                                wait_ms: a child that has not answered by then
//                                                is `silent` and shows what it last reported
//   (adopt_atom, worker, slots, node)            a model worker that another node runs for this
//                                                supervisor (cluster.hpp): sessions are placed on
//                                                it as on the supervisor's own; it is never
//                                                restarted here, and when it goes its sessions
//                                                are placed again on the workers left (or wait
//                                                for the next one), whatever their number; a
//                                                session whose node is lost a 4th time ends as
//                                                failed, naming the node
//   (call_atom, ToolBatch) -> ToolReplies        calls of one tool, passed on to its current host;
//                                                error replies when no host runs it (unknown
//                                                tool, host down); a supervisor without workers
//                                                serves pipelines' tool calls this way
// Stop it with an exit message (caf::exit_reason::user_shutdown); its children stop with it.
#pragma once

#include <memory>
#include <vector>

#include "actors/messages.hpp"
#include "actors/model_worker.hpp"
#include "actors/runtime_status.hpp"
#include "actors/tool_host.hpp"
#include "agent/restart_policy.hpp"

namespace recur::actors {

struct SupervisorStatus {
  std::vector<std::uint32_t> worker_restarts;  // by worker index
  std::vector<std::uint64_t> worker_sessions;  // sessions on each worker now
  std::vector<std::uint64_t> worker_placed;    // sessions placed on each worker so far
  std::vector<std::uint32_t> retired;          // workers given up on, in the order they went
  std::uint32_t tool_host_restarts = 0;
  std::vector<double> backoff_ms;  // every restart delay chosen, in order
  std::uint64_t running = 0;       // sessions placed on workers
  std::uint64_t queued = 0;        // sessions waiting for a slot or a worker
  std::uint64_t recovered = 0;     // sessions placed again after their worker died
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SupervisorStatus& x) {
  return f(caf::meta::type_name("SupervisorStatus"), x.worker_restarts, x.worker_sessions,
           x.worker_placed, x.retired, x.tool_host_restarts, x.backoff_ms, x.running, x.queued,
           x.recovered);
}

// A model worker in a survey: how it stood, the slots the supervisor gives it, and its counters
// (the last it reported when it is not up; none before its first report).
struct WorkerSurvey {
  ChildState state = ChildState::up;
  std::uint64_t slots = 0;
  WorkerStatus status;
  std::string node;  // the cluster node that runs it; empty: this process
};

// A tool host in a survey, the same way.
struct ToolHostSurvey {
  ChildState state = ChildState::up;
  ToolHostStatus status;
};

struct SupervisorSurvey {
  SupervisorStatus supervisor;
  std::vector<WorkerSurvey> workers;  // by worker index
  std::vector<ToolHostSurvey> tools;  // by tool name
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WorkerSurvey& x) {
  auto state = EnumCode{x.state, ChildState::silent};
  return f(caf::meta::type_name("WorkerSurvey"), state, x.slots, x.status, x.node);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolHostSurvey& x) {
  auto state = EnumCode{x.state, ChildState::silent};
  return f(caf::meta::type_name("ToolHostSurvey"), state, x.status);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SupervisorSurvey& x) {
  return f(caf::meta::type_name("SupervisorSurvey"), x.supervisor, x.workers, x.tools);
}

// The survey of the supervisor of `model` as the Runtime shows it (runtime_status.hpp).
SupervisorSnapshot snapshot_of(std::string model, const SupervisorSurvey& survey);

using supervisor_actor =
    caf::typed_actor<caf::replies_to<run_atom, SessionOrder>::with<agent::SessionOutcome>,
                     caf::reacts_to<cancel_atom, std::string>,
                     caf::reacts_to<crash_atom, std::uint32_t>,
                     caf::replies_to<status_atom>::with<SupervisorStatus>,
                     caf::replies_to<survey_atom, std::uint32_t>::with<SupervisorSurvey>,
                     caf::replies_to<call_atom, ToolBatch>::with<ToolReplies>,
                     caf::reacts_to<adopt_atom, model_worker_actor, std::uint64_t, std::string>>;

struct SupervisorSetup {
  // One per worker (each with its own backend: the CPU, or one GPU each). Their `tools` are filled
  // by the supervisor.
  std::vector<WorkerSetup> workers;
  // A host for each tool of the registry (none without one).
  std::shared_ptr<const tools::Registry> registry;
  ToolHostOptions tool_hosts;
  agent::RestartLimits restart;
};

supervisor_actor spawn_supervisor(caf::actor_system& system, SupervisorSetup setup);

}  // namespace recur::actors
