#include "actors/pipeline_host.hpp"

#include <deque>
#include <map>

namespace recur::actors {
namespace {

using jobs::JobStatus;
using jobs::PipelineCall;
using jobs::PipelineOutcome;

using pipeline_host_impl = pipeline_host_actor::extend<caf::reacts_to<deadline_atom>>;

struct RunningAgent {
  supervisor_actor supervisor;
  std::string session;
};

struct HostState {
  PipelineHostSetup setup;
  caf::typed_response_promise<PipelineOutcome> promise;
  std::deque<PipelineCall> waiting_agents;
  std::map<std::uint64_t, RunningAgent> running;
  bool started = false, delivered = false;
  static inline const char* name = "pipeline host";
};

using Self = pipeline_host_impl::stateful_pointer<HostState>;

agent::SessionSpec session_spec(const HostState& s, const PipelineCall& call) {
  const auto& r = call.request;
  agent::SessionSpec spec;
  spec.id = s.setup.session_prefix + std::to_string(call.seq);
  spec.prompt = r.value("prompt", "");
  spec.sampling.temperature = r.value("temperature", 0.0f);
  spec.sampling.top_k = r.value("top_k", std::uint32_t{0});
  spec.sampling.top_p = r.value("top_p", 1.0f);
  spec.sampling.seed = r.value("seed", std::uint64_t{0});
  spec.budgets.max_tokens = r.value("max_tokens", spec.budgets.max_tokens);
  spec.budgets.max_calls = r.value("max_calls", spec.budgets.max_calls);
  spec.budgets.max_wall_ms = r.value("max_wall_ms", spec.budgets.max_wall_ms);
  spec.tools = r.value("tools", std::vector<std::string>{});
  return spec;
}

void finish(Self self) {
  auto& s = self->state;
  if (s.delivered) return;
  s.delivered = true;
  for (auto& [seq, a] : s.running) self->send(a.supervisor, cancel_atom::value, a.session);
  s.running.clear();
  s.promise.deliver(s.setup.script->outcome());
  self->quit();
}

void pump(Self self);

void complete(Self self, std::uint64_t seq, Json outcome) {
  self->state.setup.script->complete(seq, std::move(outcome));
  pump(self);
}

void send_tool_call(Self self, const PipelineCall& call) {
  auto& s = self->state;
  ToolRequest request;
  request.call.id = std::to_string(call.seq);
  request.call.name = call.request.value("name", "");
  request.call.arguments = call.request.value("arguments", Json::object());
  request.scope = s.setup.scope;
  request.deadline_ms = static_cast<std::uint32_t>(s.setup.tool_deadline.count());
  const std::uint64_t seq = call.seq;
  self->request(s.setup.tools, caf::infinite, call_atom::value, ToolBatch{{request}})
      .then(
          [=](ToolReplies& replies) {
            if (replies.replies.empty())
              return complete(self, seq, {{"error", "tool call: the host sent no reply"}});
            complete(self, seq, tool_outcome(replies.replies.front().result));
          },
          [=](caf::error& e) {
            complete(self, seq, {{"error", "tool call: " + error_text(e)}});
          });
}

void start_agent(Self self, const PipelineCall& call) {
  auto& s = self->state;
  const std::uint64_t seq = call.seq;
  auto supervisor = s.setup.agents(call.request.value("model", ""));
  if (!supervisor) return complete(self, seq, {{"error", supervisor.error().message}});
  SessionOrder order{session_spec(s, call), agent::Admission::fresh, {}};
  s.running[seq] = {*supervisor, order.spec.id};
  self->request(*supervisor, caf::infinite, run_atom::value, std::move(order))
      .then(
          [=](agent::SessionOutcome& outcome) {
            self->state.running.erase(seq);
            complete(self, seq, agent_outcome(outcome));
          },
          [=](caf::error& e) {
            self->state.running.erase(seq);
            complete(self, seq, {{"error", "agent: " + error_text(e)}});
          });
}

// Sends what the script asked for, starts waiting agents while there is room, and ends the run
// when the script has ended.
void pump(Self self) {
  auto& s = self->state;
  if (s.delivered) return;
  auto& script = *s.setup.script;
  for (;;) {
    bool progressed = false;
    for (auto& call : script.take_calls()) {
      progressed = true;
      if (call.kind == PipelineCall::Kind::tool)
        send_tool_call(self, call);
      else
        s.waiting_agents.push_back(std::move(call));
    }
    while (!script.ended() && !s.waiting_agents.empty() &&
           s.running.size() < std::max<std::size_t>(1, s.setup.concurrency)) {
      PipelineCall call = std::move(s.waiting_agents.front());
      s.waiting_agents.pop_front();
      start_agent(self, call);  // may complete at once (no such model) and resume the script
      progressed = true;
      if (s.delivered) return;
    }
    if (!progressed) break;
  }
  if (script.ended()) finish(self);
}

pipeline_host_impl::behavior_type pipeline_host(Self self, PipelineHostSetup setup) {
  self->state.setup = std::move(setup);
  return {
      [=](run_atom) -> caf::result<PipelineOutcome> {
        auto& s = self->state;
        if (s.started) return runtime_error("pipeline host: the pipeline already runs");
        s.started = true;
        s.promise = self->make_response_promise<PipelineOutcome>();
        auto promise = s.promise;
        // The script's own deadline ends it while it computes (this thread cannot take messages
        // then); the timer ends it while it waits for calls.
        auto& script = *s.setup.script;
        script.limit_wall(s.setup.max_wall);
        const std::chrono::milliseconds max_wall(script.budgets().max_wall_ms);
        if (max_wall.count() > 0) self->delayed_send(self, max_wall, deadline_atom::value);
        script.start();
        pump(self);  // delivers the outcome when the script already ended, by itself or stopped
        return promise;
      },
      [=](cancel_atom) {
        self->state.setup.script->stop(JobStatus::cancelled, "cancelled");
        if (self->state.started) finish(self);
      },
      [=](deadline_atom) {
        self->state.setup.script->stop_past_time_budget();
        finish(self);
      },
  };
}

}  // namespace

Json agent_outcome(const agent::SessionOutcome& outcome) {
  const auto& r = outcome.result;
  Json ok = {{"id", r.id},
             {"status", agent::status_name(r.status)},
             {"output", r.output},
             {"tokens", r.generated.size()},
             {"calls", r.calls.size()}};
  if (!r.error.empty()) ok["error"] = r.error;
  return {{"ok", ok}};
}

Json tool_outcome(const tools::ToolResult& result) {
  if (result.is_error) return {{"error", result.joined_text()}};
  if (!result.structured.is_null()) return {{"ok", result.structured}};
  return {{"ok", result.joined_text()}};
}

pipeline_host_actor spawn_pipeline_host(caf::actor_system& system, PipelineHostSetup setup) {
  return system.spawn<caf::detached>(pipeline_host, std::move(setup));
}

}  // namespace recur::actors
