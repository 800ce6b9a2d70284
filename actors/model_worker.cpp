#include "actors/model_worker.hpp"

#include <exception>

#include "base/text.hpp"
#include "model/state_shape.hpp"

namespace recur::actors {
namespace {

using Clock = std::chrono::steady_clock;

// The worker as it sees itself: its interface plus
//   (tick_atom)   run one tick (sent to itself while sessions are ready)
using model_worker_impl = model_worker_actor::extend<caf::reacts_to<tick_atom>>;

// How long past a call's deadline the worker waits for its host before answering it itself.
constexpr std::chrono::milliseconds kHostMargin{5000};

struct PendingCall {
  std::string session;
  Clock::time_point sent;
};

struct WorkerState {
  std::unique_ptr<agent::ContinuousBatcher> batcher;
  std::map<std::string, tool_host_actor> tools;
  std::chrono::milliseconds tool_deadline{0};
  session_owner owner;
  std::map<std::string, output_listener> listeners;  // of streaming sessions
  std::map<std::string, PendingCall> calls;          // calls sessions wait for, by call id
  bool tick_scheduled = false;
  WorkerStatus status;
  static inline const char* name = "model_worker";
};

using Self = model_worker_impl::stateful_pointer<WorkerState>;

void schedule_tick(Self self) {
  auto& s = self->state;
  if (s.tick_scheduled || !s.batcher || !s.batcher->has_work()) return;
  s.tick_scheduled = true;
  self->send(self, tick_atom::value);
}

void complete(Self self, const std::string& call_id, const tools::ToolResult& result) {
  auto& s = self->state;
  auto it = s.calls.find(call_id);
  if (it == s.calls.end()) return;
  s.batcher->complete_call(it->second.session, call_id, result, ms_since(it->second.sent));
  s.calls.erase(it);
}

void set_tools(Self self) {
  std::set<std::string> names;
  for (const auto& [name, host] : self->state.tools) names.insert(name);
  self->state.batcher->set_tools(std::move(names));
}

// Sends a tick's calls, one batch per tool host.
void send_calls(Self self, std::vector<agent::RoutedCall>& calls) {
  auto& s = self->state;
  std::map<std::string, ToolBatch> batches;
  const auto now = Clock::now();
  const auto deadline_ms = static_cast<std::uint32_t>(s.tool_deadline.count());
  for (auto& c : calls) {
    if (c.call.wait) s.calls[c.call.call.id] = {c.session, now};
    batches[c.call.call.name].requests.push_back(
        {std::move(c.call.call), std::move(c.session), deadline_ms});
  }
  for (auto& [tool, batch] : batches) {
    std::vector<std::string> ids;
    for (const auto& r : batch.requests) ids.push_back(r.call.id);
    auto host = s.tools.find(tool);
    if (host == s.tools.end()) {
      for (const auto& id : ids)
        complete(self, id, tools::ToolResult::error("tool '" + tool + "' has no host"));
      continue;
    }
    self->request(host->second, s.tool_deadline + kHostMargin, call_atom::value, std::move(batch))
        .then(
            [=](ToolReplies& replies) {
              for (const auto& r : replies.replies) complete(self, r.call_id, r.result);
              schedule_tick(self);
            },
            [=](caf::error& error) {
              for (const auto& id : ids)
                complete(self, id,
                         tools::ToolResult::error("the host of tool '" + tool +
                                                  "' did not answer: " + error_text(error)));
              schedule_tick(self);
            });
  }
}

void run_tick(Self self) {
  auto& s = self->state;
  s.tick_scheduled = false;
  const auto t0 = Clock::now();
  agent::TickReport r = s.batcher->tick();
  WorkerStatus& st = s.status;
  if (r.sequences > 0) {
    ++st.ticks;
    st.step_seconds.observe(r.forward_ms / 1000, kStepSecondsBounds);
    st.batch_size.observe(static_cast<double>(r.sequences), kBatchSizeBounds);
  }
  st.sequences += r.sequences;
  st.tokens += r.tokens;
  st.generated += r.generated;
  st.forward_ms += r.forward_ms;
  st.checkpoint_ms += r.checkpoint_ms;
  st.checkpoints += r.checkpoints;
  st.checkpoint_bytes += r.checkpoint_bytes;
  st.checkpoint_ticks += r.checkpoints > 0 ? 1 : 0;
  st.synced_writes += r.synced_writes;
  // Listeners hear every token of a session before its owner hears that it ended.
  for (auto& chunk : r.output) {
    auto l = s.listeners.find(chunk.session);
    if (l != s.listeners.end()) self->send(l->second, output_atom::value, std::move(chunk));
  }
  for (auto& outcome : r.finished) {
    s.listeners.erase(outcome.result.id);
    self->send(s.owner, done_atom::value, std::move(outcome));
  }
  if (!r.backend_error.empty()) {  // a broken device: die, and let the supervisor move the rest
    self->quit(runtime_error("model worker: " + r.backend_error));
    return;
  }
  send_calls(self, r.calls);
  st.busy_ms += ms_since(t0);
  schedule_tick(self);
}

caf::error describe_exception(caf::scheduled_actor*, std::exception_ptr& ep) {
  try {
    std::rethrow_exception(ep);
  } catch (const std::exception& e) {
    return runtime_error(std::string("model worker: ") + e.what());
  } catch (...) {
    return runtime_error("model worker: an unknown exception");
  }
}

model_worker_impl::behavior_type model_worker(Self self, WorkerSetup setup, session_owner owner) {
  self->set_exception_handler(describe_exception);
  auto& s = self->state;
  s.owner = std::move(owner);
  s.tools = std::move(setup.tools);
  s.tool_deadline = setup.tool_deadline;
  auto backend = setup.make_backend();
  if (!backend) {
    self->quit(runtime_error("model worker: " + backend.error().message));
  } else {
    s.status.device = (*backend)->name();
    s.status.state_bytes = StateShape::of((*backend)->model().config()).bytes();
    s.batcher = std::make_unique<agent::ContinuousBatcher>(setup.model, setup.tokenizer,
                                                           std::move(*backend), setup.batcher);
    set_tools(self);
  }
  return {
      [=](start_atom, SessionOrder& order) {
        auto& s = self->state;
        const bool stream = static_cast<bool>(order.listener);
        if (auto placed = s.batcher->admit(order.spec, order.admission, stream); !placed) {
          self->send(s.owner, done_atom::value,
                     agent::failed_outcome(order.spec.id, placed.error().message));
          return;
        }
        if (stream) s.listeners[order.spec.id] = order.listener;
        schedule_tick(self);
      },
      [=](cancel_atom, const std::string& session) {
        self->state.batcher->cancel(session);
        schedule_tick(self);
      },
      [=](tool_atom, const std::string& name, tool_host_actor host) {
        self->state.tools[name] = std::move(host);
        set_tools(self);
      },
      [=](status_atom) {
        WorkerStatus st = self->state.status;
        st.capacity = self->state.batcher->capacity();
        st.sessions = self->state.batcher->sessions();
        std::set<std::string> waiting;  // sessions with a call they wait for
        for (const auto& [id, call] : self->state.calls) waiting.insert(call.session);
        st.waiting = waiting.size();
        return st;
      },
      [=](crash_atom) { throw std::runtime_error("crashed on request"); },
      [=](tick_atom) { run_tick(self); },
  };
}

}  // namespace

model_worker_actor spawn_model_worker(caf::actor_system& system, WorkerSetup setup,
                                      session_owner owner) {
  return system.spawn<caf::detached>(model_worker, std::move(setup), std::move(owner));
}

}  // namespace recur::actors
