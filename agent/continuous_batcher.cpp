#include "agent/continuous_batcher.hpp"

#include <algorithm>
#include <chrono>

#include "base/text.hpp"
#include "model/snapshot.hpp"

namespace recur::agent {
namespace {

using Clock = std::chrono::steady_clock;

// The record whose synced write makes a tick's unsynced checkpoint writes durable (RocksDB syncs
// its log up to the synced write).
const std::string& sync_key() {
  static const std::string key = key_prefix({"runtime"}) + "checkpoint_sync";
  return key;
}

}  // namespace

struct ContinuousBatcher::Entry {
  std::unique_ptr<AgentRun> run;
  bool stream = false;
  std::uint64_t streamed = 0;     // output tokens reported so far (the next chunk's offset)
  bool first_checkpoint = false;  // a fresh session's state before its prompt is still to be saved
  SessionTimings timings;
};

ContinuousBatcher::ContinuousBatcher(std::shared_ptr<const Model> model,
                                     std::shared_ptr<const Tokenizer> tokenizer,
                                     std::unique_ptr<Backend> backend, BatcherOptions options)
    : model_(std::move(model)),
      tokenizer_(std::move(tokenizer)),
      backend_(std::move(backend)),
      options_(std::move(options)) {
  vocab_limit_ = std::min(model_->config().vocab_size, tokenizer_->vocab_size());
  if (options_.store) {
    unsynced_ = options_.store;
    if (options_.store->options().sync) {
      StoreOptions o = options_.store->options();
      o.sync = false;
      if (auto s = Store::open(options_.store->dir(), o); s) unsynced_ = std::move(*s);
    }
  }
}

ContinuousBatcher::~ContinuousBatcher() = default;

void ContinuousBatcher::set_tools(std::set<std::string> names) {
  tools_ = std::move(names);
}

std::size_t ContinuousBatcher::capacity() const {
  return backend_->capacity();
}

Status ContinuousBatcher::admit(const SessionSpec& spec, Admission admission, bool stream) {
  if (runs_.count(spec.id))
    return fail(ErrorCode::already_exists, "session '" + spec.id + "' is already on this backend");
  switch (admission) {
    case Admission::fresh:
      return admit_fresh(spec, stream);
    case Admission::resume:
      return admit_from_checkpoint(spec, stream);
    case Admission::recover:
      // A checkpoint that cannot be read is as good as none: the run starts over from its spec.
      if (options_.store && admit_from_checkpoint(spec, stream)) return {};
      return admit_fresh(spec, stream);
  }
  return fail(ErrorCode::internal, "session '" + spec.id + "': unknown admission");
}

Status ContinuousBatcher::admit_fresh(const SessionSpec& spec, bool stream) {
  auto slot = backend_->allocate();
  if (!slot) return slot.error().context("session '" + spec.id + "'");
  auto run = AgentRun::start(spec, *model_, *tokenizer_, *slot);
  if (!run) {
    backend_->release(*slot);
    return run.error();
  }
  auto e = std::make_unique<Entry>();
  e->run = std::move(*run);
  e->stream = stream;
  e->first_checkpoint = options_.store.has_value();
  route(*e, e->run->begin(), pending_);
  runs_.emplace(spec.id, std::move(e));
  return {};
}

Status ContinuousBatcher::admit_from_checkpoint(const SessionSpec& spec, bool stream) {
  if (!options_.store)
    return fail(ErrorCode::failed_precondition,
                "session '" + spec.id + "': resuming needs a store");
  auto stored = read_checkpoint(*options_.store, spec.id);
  if (!stored) return stored.error();
  auto slot = backend_->allocate();
  if (!slot) return slot.error().context("session '" + spec.id + "'");
  auto run =
      AgentRun::resume(stored->checkpoint, *model_, *tokenizer_, *slot, std::move(stored->tape));
  if (!run) {
    backend_->release(*slot);
    return run.error();
  }
  if (auto s = restore_session(*backend_, *slot, (*run)->sampler(), stored->checkpoint.snapshot);
      !s) {
    backend_->release(*slot);
    return s.error().context("session '" + spec.id + "'");
  }
  auto e = std::make_unique<Entry>();
  e->run = std::move(*run);
  e->stream = stream;
  // The stream goes on after the output the checkpoint holds.
  const Json& output = stored->checkpoint.meta.at("output");
  e->streamed = output.is_array() ? output.size() : 0;
  route(*e, e->run->begin(), pending_);
  runs_.emplace(spec.id, std::move(e));
  return {};
}

void ContinuousBatcher::route(Entry& e, std::vector<ProtocolCall> calls, TickReport& report) {
  AgentRun& run = *e.run;
  const auto& allowed = run.spec().tools;
  for (auto& c : calls) {
    const std::string& name = c.call.name;
    const bool known = tools_.count(name) > 0;
    const bool permitted =
        allowed.empty() || std::find(allowed.begin(), allowed.end(), name) != allowed.end();
    if (known && permitted) {
      report.calls.push_back({run.spec().id, std::move(c)});
      continue;
    }
    if (!c.wait) continue;
    const std::string why =
        !known ? "unknown tool '" + name + "' (tools: " + joined(tools_, ", ") + ")"
               : "tool '" + name + "' is not available to this session";
    run.complete_call(c.call.id, tools::ToolResult::error(why), 0.0);
  }
}

void ContinuousBatcher::complete_call(const std::string& session, const std::string& call_id,
                                      const tools::ToolResult& result, double ms) {
  auto it = runs_.find(session);
  if (it == runs_.end()) return;
  AgentRun& run = *it->second->run;
  const bool was_waiting = run.waiting();
  run.complete_call(call_id, result, ms);
  if (was_waiting && !run.waiting()) it->second->timings.tool_ms += ms;
}

void ContinuousBatcher::cancel(const std::string& session) {
  auto it = runs_.find(session);
  if (it == runs_.end()) return;
  it->second->run->cancel();
  ended_ = true;
}

bool ContinuousBatcher::has_work() const {
  if (ended_ || !pending_.calls.empty()) return true;
  return std::any_of(runs_.begin(), runs_.end(),
                     [](const auto& r) { return r.second->run->ready(); });
}

void ContinuousBatcher::write_checkpoints(const std::vector<Entry*>& due, TickReport& report,
                                          std::vector<Entry*>& saved) {
  if (due.empty() || !unsynced_) return;
  const auto t0 = Clock::now();
  for (Entry* e : due) {
    AgentRun& run = *e->run;
    auto snapshot = snapshot_session(*backend_, run.slot(), run.sampler());
    const std::size_t bytes = snapshot ? snapshot->size() : 0;
    Status s = snapshot ? write_checkpoint(*unsynced_, run, std::move(*snapshot))
                        : Status(snapshot.error());
    if (!s) {
      run.fail("checkpoint: " + s.error().message);
      continue;
    }
    ++report.checkpoints;
    report.checkpoint_bytes += bytes;
    saved.push_back(e);
  }
  const double ms = ms_since(t0);
  report.checkpoint_ms += ms;
  for (Entry* e : due) e->timings.checkpoint_ms += ms / static_cast<double>(due.size());
}

TickReport ContinuousBatcher::tick() {
  ++ticks_;
  TickReport report = std::move(pending_);
  pending_ = TickReport{};
  ended_ = false;

  // Fresh sessions are saved before their prompt changes the state.
  std::vector<Entry*> due, saved;
  for (auto& [id, e] : runs_)
    if (e->first_checkpoint && !e->run->done()) {
      due.push_back(e.get());
      e->first_checkpoint = false;
    }
  write_checkpoints(due, report, saved);
  due.clear();

  std::vector<Entry*> batch;
  std::vector<SequenceChunk> chunks;
  bool greedy = true;
  const auto vocab = static_cast<TokenId>(model_->config().vocab_size);
  for (auto& [id, e] : runs_) {
    AgentRun& run = *e->run;
    if (!run.ready()) continue;
    const auto input = run.input();
    auto bad = std::find_if(input.begin(), input.end(),
                            [vocab](TokenId t) { return t < 0 || t >= vocab; });
    if (bad != input.end()) {
      run.fail("token " + std::to_string(*bad) + " is outside the model's vocabulary of " +
               std::to_string(vocab));
      continue;
    }
    batch.push_back(e.get());
    chunks.push_back({run.slot(), input});
    greedy = greedy && run.greedy();
    report.tokens += input.size();
  }

  if (!chunks.empty()) {
    report.sequences = chunks.size();
    const auto t0 = Clock::now();
    const Status s = greedy ? backend_->forward_argmax(chunks, vocab_limit_, next_)
                            : backend_->forward(chunks, LogitsFor::last, logits_);
    report.forward_ms = ms_since(t0);
    if (!s) {
      report.backend_error = "forward pass on " + backend_->name() + ": " + s.error().message;
      return report;
    }
    const std::size_t row = model_->config().vocab_size;
    const std::uint64_t every = options_.checkpoint_every;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      Entry& e = *batch[i];
      AgentRun& run = *e.run;
      (chunks[i].tokens.size() > 1 ? e.timings.prefill_ms : e.timings.decode_ms) +=
          report.forward_ms;
      ++e.timings.forward_passes;
      const bool was_waiting = run.waiting();
      const std::size_t generated = run.generated_size();
      auto calls = greedy ? run.advance_with(next_[i])
                          : run.advance(std::span<const float>(logits_).subspan(i * row, row));
      report.generated += run.generated_size() - generated;
      route(e, std::move(calls), report);
      if (!unsynced_ || run.done()) continue;
      if ((run.waiting() && !was_waiting) || (every > 0 && run.tokens_since_checkpoint() >= every))
        due.push_back(&e);
    }
  }
  write_checkpoints(due, report, saved);
  if (!saved.empty() && options_.store->options().sync) {
    const auto t0 = Clock::now();
    if (auto s = options_.store->put(sync_key(), std::to_string(ticks_)); !s)
      for (Entry* e : saved) e->run->fail("checkpoint: " + s.error().message);
    report.synced_writes = 1;
    report.checkpoint_ms += ms_since(t0);
  }

  for (auto it = runs_.begin(); it != runs_.end();) {
    Entry& e = *it->second;
    if (e.stream) {
      auto fresh = e.run->take_new_output();
      if (!fresh.empty()) {
        report.output.push_back({it->first, e.streamed, fresh});
        e.streamed += fresh.size();
      }
    }
    if (!e.run->done()) {
      ++it;
      continue;
    }
    report.finished.push_back({e.run->result(), e.timings});
    backend_->release(e.run->slot());
    it = runs_.erase(it);
  }
  return report;
}

}  // namespace recur::agent
