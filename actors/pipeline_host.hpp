// The pipeline host: the actor that runs one Lua pipeline (jobs/pipeline_script.hpp).
// The script's agent calls become sessions on supervisors, its tool calls go to a supervisor's tool
// hosts, all as asynchronous requests: while they are out the script's coroutine is suspended and
// the host handles other replies, so many pipelines and their agents share one pool of workers.
// At most `concurrency` agents of a pipeline run at once; the others wait in the host, in the order
// the script started them.
//
// Interface:
//   (run_atom) -> jobs::PipelineOutcome   runs the script to its end (once)
//   (cancel_atom)                   ends it as cancelled; agents still running are cancelled
// The host stops after delivering the outcome. It runs on a thread of its own (detached), so a
// script that computes for long never holds up CAF's scheduler.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "actors/supervisor.hpp"
#include "jobs/pipeline_script.hpp"

namespace recur::actors {

using pipeline_host_actor = caf::typed_actor<caf::replies_to<run_atom>::with<jobs::PipelineOutcome>,
                                             caf::reacts_to<cancel_atom>>;

// The supervisor whose workers run a model ("" names the run's default model). Called on the
// host's thread; an error fails the agent call that asked.
using AgentPool = std::function<Result<supervisor_actor>(const std::string& model)>;

struct PipelineHostSetup {
  std::shared_ptr<jobs::PipelineScript> script;
  AgentPool agents;
  supervisor_actor tools;      // answers (call_atom, ToolBatch)
  std::string scope;           // the scope of the script's tool calls (its memory)
  std::string session_prefix;  // agent sessions are named session_prefix + call number
  std::size_t concurrency = 8;
  // The run's time budget (0: none); the script's own max_wall_ms applies too, and the shorter
  // one wins. The script's deadline stops it while it computes, the host's timer while it waits.
  std::chrono::milliseconds max_wall{0};
  std::chrono::milliseconds tool_deadline{30000};
};

pipeline_host_actor spawn_pipeline_host(caf::actor_system& system, PipelineHostSetup setup);

// The outcome of a session as the script sees it: {"ok": {"id", "status", "output", "tokens",
// "calls", "error"?}}.
Json agent_outcome(const agent::SessionOutcome& outcome);
// The outcome of a tool call: {"ok": structuredContent or text} or {"error": text}.
Json tool_outcome(const tools::ToolResult& result);

}  // namespace recur::actors
