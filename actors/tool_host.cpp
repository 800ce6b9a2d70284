#include "actors/tool_host.hpp"

#include <deque>
#include <map>
#include <set>

#include "actors/tool_runner.hpp"
#include "base/text.hpp"

namespace recur::actors {
namespace {

using Clock = std::chrono::steady_clock;

struct Ticket {
  std::uint64_t batch = 0;
  std::size_t index = 0;
  ToolRequest request;  // moved to the runner when it starts
  std::string scope;
  Clock::time_point arrived, deadline;
  bool answered = false;
  bool running = false;
  caf::actor runner;
};

struct OpenBatch {
  caf::typed_response_promise<ToolReplies> promise;
  ToolReplies replies;
  std::size_t remaining = 0;
};

struct ToolHostState {
  std::shared_ptr<const tools::Registry> registry;
  std::string tool;
  ToolHostOptions options;
  std::uint64_t next_ticket = 0, next_batch = 0;
  std::map<std::uint64_t, Ticket> tickets;
  std::map<std::uint64_t, OpenBatch> batches;
  std::map<std::string, std::deque<std::uint64_t>> queued;  // by scope, waiting for a runner
  std::deque<std::string> ready;  // scopes with queued calls and none running
  std::set<std::string> busy;     // scopes with a call running
  std::vector<caf::actor> idle;
  std::size_t runners = 0;
  ToolHostStatus status;
  static inline const char* name = "tool_host";
};

using Self = tool_host_impl::stateful_pointer<ToolHostState>;

// Fills the reply of a call in its batch; delivers the batch when it was the last one missing.
void answer(Self self, Ticket& t, tools::ToolResult result) {
  if (t.answered) return;
  t.answered = true;
  auto& s = self->state;
  auto b = s.batches.find(t.batch);
  if (b == s.batches.end()) return;
  ToolReply& r = b->second.replies.replies[t.index];
  r.result = std::move(result);
  r.ms = ms_since(t.arrived);
  ++s.status.calls;
  s.status.errors += r.result.is_error ? 1 : 0;
  s.status.call_seconds.observe(r.ms / 1000, kToolCallSecondsBounds);
  if (--b->second.remaining == 0) {
    b->second.promise.deliver(std::move(b->second.replies));
    s.batches.erase(b);
  }
}

// Starts queued calls while runners are free or may be added.
void pump(Self self) {
  auto& s = self->state;
  while (!s.ready.empty()) {
    if (s.idle.empty()) {
      if (s.runners >= s.options.max_parallel) return;
      s.idle.push_back(spawn_tool_runner(self->system(), s.registry, tool_host_impl{self}));
      ++s.runners;
    }
    const std::string scope = s.ready.front();
    s.ready.pop_front();
    auto& queue = s.queued[scope];
    const std::uint64_t id = queue.front();
    queue.pop_front();
    Ticket& t = s.tickets.at(id);
    if (t.answered) {  // its deadline passed while it waited: it never runs
      s.tickets.erase(id);
      if (!queue.empty())
        s.ready.push_back(scope);
      else
        s.queued.erase(scope);
      continue;
    }
    if (queue.empty()) s.queued.erase(scope);
    t.running = true;
    t.runner = s.idle.back();
    s.idle.pop_back();
    s.busy.insert(scope);
    caf::anon_send(t.runner, RunnerJob{id, std::move(t.request), t.deadline});
  }
}

void enqueue(Self self, std::uint64_t id, const std::string& scope) {
  auto& s = self->state;
  auto& queue = s.queued[scope];
  queue.push_back(id);
  if (queue.size() == 1 && !s.busy.count(scope)) s.ready.push_back(scope);
}

tool_host_impl::behavior_type tool_host(Self self, std::shared_ptr<const tools::Registry> registry,
                                        std::string tool, ToolHostOptions options) {
  self->state.registry = std::move(registry);
  self->state.tool = std::move(tool);
  self->state.options = options;
  self->state.status.tool = self->state.tool;
  return {
      [=](call_atom, ToolBatch& batch) -> caf::result<ToolReplies> {
        auto& s = self->state;
        const auto now = Clock::now();
        const std::uint64_t batch_id = s.next_batch++;
        OpenBatch open;
        open.promise = self->make_response_promise<ToolReplies>();
        open.replies.replies.resize(batch.requests.size());
        auto& b = s.batches.emplace(batch_id, std::move(open)).first->second;
        for (std::size_t i = 0; i < batch.requests.size(); ++i) {
          ToolRequest& req = batch.requests[i];
          b.replies.replies[i].call_id = req.call.id;
          if (req.call.name != s.tool) {
            b.replies.replies[i].result = tools::ToolResult::error(
                "unknown tool '" + req.call.name + "' (this host runs '" + s.tool + "')");
            ++s.status.calls;
            ++s.status.errors;
            s.status.call_seconds.observe(0, kToolCallSecondsBounds);
            continue;
          }
          ++b.remaining;
          const std::uint64_t id = s.next_ticket++;
          const auto limit =
              req.deadline_ms ? std::chrono::milliseconds(req.deadline_ms) : s.options.deadline;
          Ticket t;
          t.batch = batch_id;
          t.index = i;
          t.scope = req.scope;
          t.arrived = now;
          t.deadline = now + limit;
          t.request = std::move(req);
          s.tickets.emplace(id, std::move(t));
          enqueue(self, id, s.tickets.at(id).scope);
          self->delayed_send(self, limit, deadline_atom::value, id);
        }
        auto promise = b.promise;
        if (b.remaining == 0) {
          b.promise.deliver(std::move(b.replies));
          s.batches.erase(batch_id);
        }
        pump(self);
        return promise;
      },
      [=](ran_atom, std::uint64_t id, ToolReply& reply) {
        auto& s = self->state;
        auto it = s.tickets.find(id);
        if (it == s.tickets.end()) return;
        Ticket& t = it->second;
        answer(self, t, std::move(reply.result));
        s.idle.push_back(t.runner);
        s.busy.erase(t.scope);
        if (s.queued.count(t.scope)) s.ready.push_back(t.scope);
        s.tickets.erase(it);
        pump(self);
      },
      [=](status_atom) {
        auto& s = self->state;
        ToolHostStatus st = s.status;
        st.running = s.busy.size();  // a scope runs one call at a time
        for (const auto& [scope, queue] : s.queued) st.queued += queue.size();
        return st;
      },
      [=](deadline_atom, std::uint64_t id) {
        auto& s = self->state;
        auto it = s.tickets.find(id);
        if (it == s.tickets.end() || it->second.answered) return;
        const auto limit = std::chrono::duration_cast<std::chrono::milliseconds>(
            it->second.deadline - it->second.arrived);
        answer(self, it->second,
               tools::ToolResult::error("tool '" + s.tool + "': no answer within its deadline of " +
                                        std::to_string(limit.count()) + " ms"));
        ++s.status.timeouts;
        // A call still queued is dropped when its turn comes; a running one keeps its scope busy
        // until the tool returns, so the scope's later calls still run after it.
      },
  };
}

}  // namespace

tool_host_actor spawn_tool_host(caf::actor_system& system,
                                std::shared_ptr<const tools::Registry> registry, std::string tool,
                                ToolHostOptions options) {
  if (options.max_parallel == 0) options.max_parallel = 1;
  return system.spawn(tool_host, std::move(registry), std::move(tool), options);
}

}  // namespace recur::actors
