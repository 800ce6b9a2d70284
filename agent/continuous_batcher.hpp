// Continuous batching: the token loop of one backend, shared by every session placed on it. A model
// worker owns one and calls tick() whenever something is ready; tests drive it without actors.
//
// Each tick gathers the input of every ready session (a prompt or an observation as one prefill
// chunk, a single token when decoding), runs ONE forward pass over all of them (forward_argmax when
// every session of the tick is greedy, so only ids leave the backend), and advances each session's
// run. Calls the runs make come back in the tick's report for the worker to send; a run that waits
// for an answer keeps feeding the token that closed its call and then sits out until
// complete_call(); new sessions join between ticks.
//
// Checkpoints (with a store): a fresh session's first state, then every `checkpoint_every`
// generated tokens and whenever a run starts waiting for a call. A tick writes its checkpoints
// through an unsynced handle and then, when the store syncs, makes one synced write, so a tick
// costs at most one fsync whatever the number of sessions it checkpoints.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/agent_run.hpp"
#include "agent/session_outcome.hpp"
#include "store/store.hpp"

namespace recur::agent {

// How a session joins a backend.
enum class Admission : std::uint8_t {
  fresh,    // from its spec: a new slot, the prompt as the first input
  resume,   // from its last checkpoint in the store (only the spec's id is read)
  recover,  // from its last checkpoint when there is one, else from its spec (after a crash)
};

struct BatcherOptions {
  std::uint64_t checkpoint_every = 256;  // generated tokens between two checkpoints of a session
  std::optional<Store> store;            // a root handle; no store: no checkpoints, no resume
};

// A call a session made, for the worker to send to the tool's host.
struct RoutedCall {
  std::string session;
  ProtocolCall call;
};

// What one tick did and what the worker must pass on.
struct TickReport {
  std::vector<RoutedCall> calls;         // in session order, then call order
  std::vector<SessionOutcome> finished;  // sessions that ended (their slots are free again)
  std::vector<OutputChunk> output;       // new output of streaming sessions
  std::size_t sequences = 0;             // sessions in the forward pass
  std::size_t tokens = 0;                // tokens fed
  std::size_t generated = 0;             // tokens the sessions generated (sampled)
  double forward_ms = 0;                 // the forward pass
  double checkpoint_ms = 0;              // snapshots and store writes
  std::size_t checkpoints = 0;           // sessions checkpointed
  std::size_t checkpoint_bytes = 0;      // their state snapshots
  std::size_t synced_writes = 0;         // 0 or 1
  // Set when the forward pass failed: the backend (its device) can no longer be trusted, and the
  // tick's sessions are left as they were; the worker dies so that they continue elsewhere from
  // their checkpoints.
  std::string backend_error;
};

class ContinuousBatcher {
 public:
  // `tokenizer` and `model` are those of `backend`.
  ContinuousBatcher(std::shared_ptr<const Model> model, std::shared_ptr<const Tokenizer> tokenizer,
                    std::unique_ptr<Backend> backend, BatcherOptions options);
  ~ContinuousBatcher();

  // Names of the tools that can be called. A waiting call of any other tool, or of a tool outside
  // its session's spec.tools, is answered at once with an error result; such a non-waiting call is
  // dropped.
  void set_tools(std::set<std::string> names);

  // Places a session (see Admission); with `stream`, its output comes back in tick reports. Fails,
  // placing nothing, when the id is taken, no slot is free, the spec or the checkpoint is bad. The
  // calls its protocol makes before the first token come with the next tick's report.
  Status admit(const SessionSpec& spec, Admission admission, bool stream);
  // The answer to a call the session waits for; ignored when the session or call is unknown.
  void complete_call(const std::string& session, const std::string& call_id,
                     const tools::ToolResult& result, double ms);
  // Ends a session as cancelled; its outcome comes with the next report.
  void cancel(const std::string& session);

  // True when a tick would do something: a session is ready, ended or has calls to report.
  bool has_work() const;
  TickReport tick();

  std::size_t capacity() const;
  std::size_t sessions() const { return runs_.size(); }
  const Backend& backend() const { return *backend_; }

 private:
  struct Entry;
  void route(Entry& entry, std::vector<ProtocolCall> calls, TickReport& report);
  void write_checkpoints(const std::vector<Entry*>& due, TickReport& report,
                         std::vector<Entry*>& saved);
  Status admit_from_checkpoint(const SessionSpec& spec, bool stream);
  Status admit_fresh(const SessionSpec& spec, bool stream);

  std::shared_ptr<const Model> model_;
  std::shared_ptr<const Tokenizer> tokenizer_;
  std::unique_ptr<Backend> backend_;
  BatcherOptions options_;
  std::optional<Store> unsynced_;  // the store's database, writes not fsynced
  std::size_t vocab_limit_ = 0;
  std::set<std::string> tools_;
  std::map<std::string, std::unique_ptr<Entry>> runs_;
  TickReport pending_;  // what happened between ticks (calls of admitted sessions)
  bool ended_ = false;  // a session ended between ticks
  std::uint64_t ticks_ = 0;
  // Reused across ticks.
  std::vector<float> logits_;
  std::vector<TokenId> next_;
};

}  // namespace recur::agent
