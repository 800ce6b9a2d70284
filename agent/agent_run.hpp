// One tool-using agent session as a plain state machine: the token loop that a model worker runs
// for each of its sessions (sampling, the token protocol, stop conditions, budgets), with no actors
// in it.
//
// The worker owns the backend and the slot; each tick it feeds every ready run its input() in one
// batched forward pass and hands back the logits row after the last input token through advance().
// A run that makes a call waits; the worker sends the call to the tool's host and, when the result
// comes back, calls complete_call(), which queues the observation as input.
//
//   auto run = AgentRun::start(spec, model, tokenizer, slot);   // input() = the prompt
//   while (!run->done()) {
//     if (run->ready()) { logits = backend.forward(slot, run->input()); calls =
//     run->advance(logits); } for (call : calls) dispatch(call) ...; run->complete_call(id, result,
//     ms);
//   }
//   run->result();
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "agent/protocol.hpp"
#include "model/backend.hpp"
#include "model/sampler.hpp"
#include "model/tokenizer/tokenizer.hpp"

namespace recur::agent {

struct Budgets {
  std::uint64_t max_tokens = 4096;  // tokens the model generates (forced observations not counted)
  std::uint64_t max_calls = 1024;   // tool calls that wait for an answer
  std::uint64_t max_wall_ms = 0;    // 0: no limit; counted across restarts
};

struct SessionSpec {
  std::string id;
  std::string prompt;
  SamplingParams sampling;
  Budgets budgets;
  std::vector<std::string> tools;  // tools the session may call; empty: every configured tool

  Json to_json() const;
  static Result<SessionSpec> from_json(const Json& j);
};

enum class SessionStatus { running, finished, max_tokens, max_calls, deadline, cancelled, failed };
const char* status_name(SessionStatus s);

struct CompletedCall {
  std::string id;
  std::string name;
  Json arguments;
  Json result;  // the ToolResult as JSON
  bool is_error = false;
  double ms = 0;
};

struct SessionResult {
  std::string id;
  SessionStatus status = SessionStatus::running;
  std::string error;   // why, for failed
  std::string output;  // the output stream as text
  std::vector<TokenId> output_tokens;
  std::vector<TokenId> generated;    // every generated token: commands, thoughts, outputs
  std::uint64_t forced_tokens = 0;   // observation tokens fed to the model
  std::uint64_t observations = 0;    // commands answered: pointer reads, finds, tool results
  std::vector<CompletedCall> calls;  // calls that waited for an answer, in order
  double wall_ms = 0;

  // {"id", "status", "error"?, "output", "output_tokens", "tokens", "forced_tokens",
  // "observations", "calls":
  // [...],
  //  "timings": {"wall_ms"}}
  Json to_json() const;
};

// What a checkpoint holds besides the tape (saved with tools::add_tape_changes in the same batch):
// the spec, counters, protocol state, outputs, call log and pending input as JSON, and the backend
// state with the sampler as snapshot bytes (model/snapshot.hpp).
struct Checkpoint {
  Json meta;
  std::vector<std::uint8_t> snapshot;
};

class AgentRun {
 public:
  // A new session in `slot` (zeroed): tokenizes the prompt and builds the bundle's protocol.
  // input() is then the prompt.
  static Result<std::unique_ptr<AgentRun>> start(SessionSpec spec, const Model& model,
                                                 const Tokenizer& tokenizer, SlotId slot);
  // A session continued from a checkpoint. The caller restores the checkpoint's snapshot into
  // `slot` (restore_session, which also sets sampler()) and, for a pointer protocol, passes the
  // tape loaded from the store.
  static Result<std::unique_ptr<AgentRun>> resume(const Checkpoint& checkpoint, const Model& model,
                                                  const Tokenizer& tokenizer, SlotId slot,
                                                  std::optional<Tape> tape);

  const SessionSpec& spec() const { return spec_; }
  SlotId slot() const { return slot_; }
  Sampler& sampler() { return sampler_; }
  const Sampler& sampler() const { return sampler_; }
  const Protocol& protocol() const { return *protocol_; }
  Protocol& protocol() { return *protocol_; }

  // Call once before the first forward pass. After start: the calls the protocol makes before any
  // token. After resume: the call that was out when the checkpoint was taken, made again.
  std::vector<ProtocolCall> begin();

  // Tokens to feed the model now; empty after the end. While a call is out the last token of the
  // call is still fed (the step overlaps with the tool's work); then input is empty until the
  // result's observation arrives.
  std::span<const TokenId> input() const { return input_; }
  bool ready() const { return !done() && !input_.empty(); }
  bool waiting() const { return waiting_.has_value(); }
  bool done() const { return status_ != SessionStatus::running; }
  SessionStatus status() const { return status_; }
  // True when every token is chosen by argmax (the worker may take it on the device).
  bool greedy() const { return spec_.sampling.temperature <= 0.0f; }

  // The worker fed input(); `logits` is the row after its last token. Samples the next token, runs
  // the protocol, checks the budgets, and returns the calls to dispatch now (at most one that
  // waits). While a call is out, the logits are not sampled (the observation comes next): input
  // empties.
  std::vector<ProtocolCall> advance(std::span<const float> logits);
  // The same with the next token already chosen (a greedy argmax taken where the logits are).
  std::vector<ProtocolCall> advance_with(TokenId next);
  // The result of the call the run waits for; its observation becomes input. A result for another
  // id is ignored (a late answer to a call from before a restart).
  void complete_call(const std::string& call_id, const tools::ToolResult& result, double ms);

  void cancel();
  void fail(std::string error);

  // Generated tokens since the checkpoint before, for the every-N-tokens policy.
  std::uint64_t tokens_since_checkpoint() const { return since_checkpoint_; }
  // The checkpoint of everything but the backend state; `snapshot` comes from snapshot_session on
  // the run's slot and sampler. Resets tokens_since_checkpoint().
  Checkpoint checkpoint(std::vector<std::uint8_t> snapshot);

  SessionResult result() const;
  // Tokens the model has generated so far (forced observations not counted).
  std::size_t generated_size() const { return generated_.size(); }
  // Output tokens so far (a stream continued after a restart starts there).
  std::size_t output_size() const { return output_.size(); }
  // Output tokens produced since the previous call (for streaming).
  std::vector<TokenId> take_new_output();

 private:
  AgentRun() = default;
  std::vector<ProtocolCall> after_token(TokenId next);
  void finish(SessionStatus status);

  SessionSpec spec_;
  SlotId slot_ = 0;
  const Tokenizer* tokenizer_ = nullptr;
  std::size_t vocab_limit_ = 0;
  Sampler sampler_;
  std::unique_ptr<Protocol> protocol_;
  std::vector<TokenId> prompt_;
  std::vector<TokenId> input_;
  bool resumed_ = false;
  std::optional<ProtocolCall> waiting_;
  std::chrono::steady_clock::time_point waiting_since_;
  SessionStatus status_ = SessionStatus::running;
  std::string error_;
  std::vector<TokenId> generated_, output_;
  std::size_t streamed_ = 0;
  std::uint64_t forced_ = 0, observations_ = 0, since_checkpoint_ = 0;
  std::vector<CompletedCall> calls_;
  double wall_before_ms_ = 0;  // wall time of earlier lives of this session
  std::chrono::steady_clock::time_point started_;
};

// Writes a checkpoint (and, with a pointer protocol, the tape's changes) for session `id` in one
// atomic batch of `store`. Keys: "session/<id>/checkpoint", "session/<id>/snapshot", the tape's.
Status write_checkpoint(const Store& store, AgentRun& run, std::vector<std::uint8_t> snapshot);
// The last checkpoint of session `id`, and its tape when it has one.
struct StoredSession {
  Checkpoint checkpoint;
  std::optional<Tape> tape;
};
Result<StoredSession> read_checkpoint(const Store& store, const std::string& id);

}  // namespace recur::agent
