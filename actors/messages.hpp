// The atoms and message types that recur's actors exchange, and the configuration every actor
// system that runs them uses. The interfaces themselves are in each actor's header: tool_host.hpp,
// model_worker.hpp, supervisor.hpp, agent_session.hpp.
//
// Every message type can cross a network: each has an inspect() overload (those of the types of
// lower layers are in wire_agent.hpp, wire_tools.hpp, wire_jobs.hpp and wire_model.hpp; JSON, enum
// and deadline fields as wire_fields.hpp describes) and a type name registered by
// register_message_types() (message_types.hpp).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include "actors/bucket_counts.hpp"
#include "actors/wire_agent.hpp"
#include "actors/wire_jobs.hpp"
#include "actors/wire_tools.hpp"
#include "agent/continuous_batcher.hpp"
#include "agent/session_outcome.hpp"
#include "tools/tool.hpp"

namespace recur::actors {

using call_atom = caf::atom_constant<caf::atom("call")>;          // a batch of tool calls
using ran_atom = caf::atom_constant<caf::atom("ran")>;            // a runner finished a call
using deadline_atom = caf::atom_constant<caf::atom("deadline")>;  // a call's deadline passed
using start_atom = caf::atom_constant<caf::atom("start")>;        // place a session
using run_atom = caf::atom_constant<caf::atom("run")>;            // run a session to its end
using done_atom = caf::atom_constant<caf::atom("done")>;          // a session's outcome
using output_atom = caf::atom_constant<caf::atom("output")>;      // streamed output tokens
using flush_atom = caf::atom_constant<caf::atom("flush")>;        // every earlier message handled?
using cancel_atom = caf::atom_constant<caf::atom("cancel")>;      // end a session
using status_atom = caf::atom_constant<caf::atom("status")>;      // counters
using crash_atom = caf::atom_constant<caf::atom("crash")>;        // simulated failure: throw
using tool_atom = caf::atom_constant<caf::atom("tool")>;          // a tool's current host
using tick_atom = caf::atom_constant<caf::atom("tick")>;          // a worker's next forward pass
using restart_atom = caf::atom_constant<caf::atom("restart")>;    // a backoff delay ended
using survey_atom = caf::atom_constant<caf::atom("survey")>;      // counters of actor and children
using adopt_atom = caf::atom_constant<caf::atom("adopt")>;        // a worker of another node

// One call for a tool host. `scope` keeps the data of sessions apart (tools::CallContext) and
// orders calls: a host runs the calls of one scope one after another, in the order they came.
struct ToolRequest {
  tools::ToolCall call;
  std::string scope;
  std::uint32_t deadline_ms = 0;  // 0: the host's default
};
struct ToolBatch {
  std::vector<ToolRequest> requests;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolRequest& x) {
  return f(caf::meta::type_name("ToolRequest"), x.call, x.scope, x.deadline_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolBatch& x) {
  return f(caf::meta::type_name("ToolBatch"), x.requests);
}

// The answer to one call: the tool's result, an error result for a protocol error (unknown tool,
// bad arguments), or an error result when the deadline passed first. `ms`: from the batch's
// arrival at the host to the answer.
struct ToolReply {
  std::string call_id;
  tools::ToolResult result;
  double ms = 0;
};
struct ToolReplies {
  std::vector<ToolReply> replies;  // in the order of the batch's requests
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolReply& x) {
  return f(caf::meta::type_name("ToolReply"), x.call_id, x.result, x.ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolReplies& x) {
  return f(caf::meta::type_name("ToolReplies"), x.replies);
}

// Receives a session's output as it is generated: (output_atom, OutputChunk) messages.
using output_listener = caf::typed_actor<caf::reacts_to<output_atom, agent::OutputChunk>>;

// A session for a worker or a supervisor: its spec (only the id for Admission::resume), how it
// joins, and who hears its output (an invalid handle: nobody).
struct SessionOrder {
  agent::SessionSpec spec;
  agent::Admission admission = agent::Admission::fresh;
  output_listener listener;
};

// The listener travels as an actor handle: on another node it arrives as a proxy of the listener.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SessionOrder& x) {
  auto admission = agent::wire_code(x.admission);
  return f(caf::meta::type_name("SessionOrder"), x.spec, admission, x.listener);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BucketCounts& x) {
  return f(caf::meta::type_name("BucketCounts"), x.counts, x.sum);
}

// Bucket bounds of a model worker's histograms: the time of a forward pass in seconds, and the
// sessions in one pass.
inline constexpr std::array<double, 14> kStepSecondsBounds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
inline constexpr std::array<double, 12> kBatchSizeBounds{1,  2,   4,   8,   16,   32,
                                                         64, 128, 256, 512, 1024, 4096};

// A model worker's counters since it started.
struct WorkerStatus {
  std::string device;
  std::uint64_t capacity = 0;
  std::uint64_t sessions = 0;
  std::uint64_t ticks = 0;             // forward passes
  std::uint64_t sequences = 0;         // session steps over all passes
  std::uint64_t tokens = 0;            // tokens fed
  std::uint64_t checkpoints = 0;       // sessions checkpointed
  std::uint64_t checkpoint_ticks = 0;  // ticks that wrote checkpoints
  std::uint64_t synced_writes = 0;
  double forward_ms = 0;
  double checkpoint_ms = 0;
  double busy_ms = 0;  // in ticks: forward passes, checkpoints and the bookkeeping around them
  std::uint64_t generated = 0;         // tokens sampled
  std::uint64_t waiting = 0;           // sessions waiting for a tool's answer now
  std::uint64_t checkpoint_bytes = 0;  // state snapshot bytes checkpointed
  BucketCounts step_seconds;           // forward pass times (kStepSecondsBounds)
  BucketCounts batch_size;             // sessions per forward pass (kBatchSizeBounds)
  std::uint64_t state_bytes = 0;       // one session's recurrent state (the pool: capacity times)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, WorkerStatus& x) {
  return f(caf::meta::type_name("WorkerStatus"), x.device, x.capacity, x.sessions, x.ticks,
           x.sequences, x.tokens, x.checkpoints, x.checkpoint_ticks, x.synced_writes, x.forward_ms,
           x.checkpoint_ms, x.busy_ms, x.generated, x.waiting, x.checkpoint_bytes, x.step_seconds,
           x.batch_size, x.state_bytes);
}

// The text of an error: the message it carries when it has one, else CAF's rendering.
std::string error_text(const caf::error& error);

// An error of category "system" (sec::runtime_error) whose context is `text`.
caf::error runtime_error(std::string text);

// Whether an actor system reaches other actor systems: `network` loads CAF's middleman
// (caf::io), so that its actors can be published on a port and actors of other systems reached.
enum class Transport { in_process, network };

// The actor system configuration for recur's actors: message types registered
// (register_message_types), the logger quiet, the work-sharing scheduler with `threads` threads
// (0: CAF's default, one per core), and the middleman loaded for Transport::network.
class RuntimeConfig : public caf::actor_system_config {
 public:
  explicit RuntimeConfig(unsigned threads = 0, Transport transport = Transport::in_process);
};

}  // namespace recur::actors
