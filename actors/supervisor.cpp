#include "actors/supervisor.hpp"

#include <algorithm>
#include <deque>
#include <set>

namespace recur::actors {
namespace {

using Clock = std::chrono::steady_clock;

// Times a session is placed again after the node it ran on was lost.
constexpr std::uint32_t kMaxNodeRecoveries = 3;

// The supervisor as it sees itself: its interface plus
//   (done_atom, SessionOutcome)   a worker's session ended
//   (restart_atom, index)         restart the worker `index` (its backoff delay ended)
//   (restart_atom, tool)          restart the host of `tool`
using supervisor_impl = supervisor_actor::extend<caf::reacts_to<done_atom, agent::SessionOutcome>,
                                                 caf::reacts_to<restart_atom, std::uint32_t>,
                                                 caf::reacts_to<restart_atom, std::string>>;

struct WorkerChild {
  WorkerSetup setup;
  model_worker_actor actor;  // invalid while down
  std::set<std::string> sessions;
  std::uint64_t placed = 0;
  bool retired = false;  // down for good
  WorkerStatus last{};   // what it last reported to a survey
  std::string node;      // the cluster node that runs it (adopted); empty: spawned here
};

struct HostChild {
  tool_host_actor actor;  // invalid while down
  ToolHostStatus last{};  // what it last reported to a survey
};

// A survey being gathered: the answers so far and how many children have yet to answer.
struct PendingSurvey {
  SupervisorSurvey survey;
  std::size_t missing = 0;
  caf::typed_response_promise<SupervisorSurvey> promise;
};

struct SessionEntry {
  SessionOrder order;
  caf::typed_response_promise<agent::SessionOutcome> promise;
  std::optional<std::size_t> worker;  // where it runs; none while queued
  std::uint32_t node_losses = 0;      // times the node it ran on was lost
};

struct SupervisorState {
  std::shared_ptr<const tools::Registry> registry;
  ToolHostOptions host_options;
  std::vector<WorkerChild> workers;
  std::map<std::string, HostChild> hosts;
  std::map<std::string, SessionEntry> sessions;
  std::deque<std::string> queue;  // sessions waiting for a slot
  agent::RestartPolicy policy;
  SupervisorStatus status;
  bool stopping = false;
  static inline const char* name = "supervisor";
};

using Self = supervisor_impl::stateful_pointer<SupervisorState>;

std::string worker_name(std::size_t i) {
  return "model worker " + std::to_string(i);
}
std::string host_name(const std::string& tool) {
  return "the host of tool '" + tool + "'";
}

std::map<std::string, tool_host_actor> live_hosts(Self self) {
  std::map<std::string, tool_host_actor> out;
  for (const auto& [name, h] : self->state.hosts)
    if (h.actor) out[name] = h.actor;
  return out;
}

// Places queued sessions on the workers with the most free slots.
void place(Self self) {
  auto& s = self->state;
  while (!s.queue.empty()) {
    std::optional<std::size_t> best;
    std::size_t best_free = 0;
    for (std::size_t i = 0; i < s.workers.size(); ++i) {
      const WorkerChild& w = s.workers[i];
      if (!w.actor || w.sessions.size() >= w.setup.slots) continue;
      const std::size_t free = w.setup.slots - w.sessions.size();
      if (free > best_free) best = i, best_free = free;
    }
    if (!best) return;
    const std::string id = s.queue.front();
    s.queue.pop_front();
    SessionEntry& e = s.sessions.at(id);
    e.worker = *best;
    s.workers[*best].sessions.insert(id);
    ++s.workers[*best].placed;
    self->send(s.workers[*best].actor, start_atom::value, e.order);
  }
}

void start_worker(Self self, std::size_t i) {
  auto& s = self->state;
  WorkerChild& w = s.workers[i];
  WorkerSetup setup = w.setup;
  setup.tools = live_hosts(self);
  w.actor = spawn_model_worker(self->system(), std::move(setup), session_owner{self});
  w.last = {};
  self->monitor(w.actor);
  s.policy.started(worker_name(i), Clock::now());
}

void start_host(Self self, const std::string& tool) {
  auto& s = self->state;
  auto host = spawn_tool_host(self->system(), s.registry, tool, s.host_options);
  self->monitor(host);
  s.hosts[tool].actor = host;
  s.hosts[tool].last = ToolHostStatus{};
  s.hosts[tool].last.tool = tool;
  s.policy.started(host_name(tool), Clock::now());
  for (const auto& w : s.workers)
    if (w.actor) self->send(w.actor, tool_atom::value, tool, host);
}

// Stops everything: clients get `reason`, children an exit message.
void stop(Self self, const caf::error& reason) {
  auto& s = self->state;
  if (s.stopping) return;
  s.stopping = true;
  for (auto& [id, e] : s.sessions) e.promise.deliver(reason);
  s.sessions.clear();
  for (auto& w : s.workers)
    if (w.actor) self->send_exit(w.actor, caf::exit_reason::user_shutdown);
  for (auto& [name, h] : s.hosts)
    if (h.actor) self->send_exit(h.actor, caf::exit_reason::user_shutdown);
  self->quit(reason);
}

// The delay before restarting `child`, or none when a restart would exceed the intensity.
std::optional<std::chrono::milliseconds> restart_delay(Self self, const std::string& child) {
  auto& s = self->state;
  auto delay = s.policy.crashed(child, Clock::now());
  if (delay) s.status.backoff_ms.push_back(static_cast<double>(delay->count()));
  return delay;
}

// Stops the supervisor because `child` died once too often.
void give_up(Self self, const std::string& child, const caf::error& reason) {
  const auto& l = self->state.policy.limits();
  stop(self, runtime_error("supervisor: " + child + " died again (" + error_text(reason) +
                           "): more than " + std::to_string(l.intensity) + " restarts within " +
                           std::to_string(l.period.count()) + " ms; stopping"));
}

// Grants a restart of `child` after its backoff, or stops the supervisor.
std::optional<std::chrono::milliseconds> grant_restart(Self self, const std::string& child,
                                                       const caf::error& reason) {
  auto delay = restart_delay(self, child);
  if (!delay) give_up(self, child, reason);
  return delay;
}

// Puts the sessions of worker `i`, which died of `reason`, first in the queue, to continue from
// their last checkpoints. A session of a lost node goes on at most kMaxNodeRecoveries times (one
// that brings down every node it lands on ends, as failed).
void requeue_sessions(Self self, std::size_t i, const caf::error& reason) {
  auto& s = self->state;
  WorkerChild& w = s.workers[i];
  std::vector<std::string> lost(w.sessions.begin(), w.sessions.end());
  w.sessions.clear();
  for (auto it = lost.rbegin(); it != lost.rend(); ++it) {
    SessionEntry& e = s.sessions.at(*it);
    e.worker.reset();
    if (!w.node.empty() && ++e.node_losses > kMaxNodeRecoveries) {
      agent::SessionOutcome failed;
      failed.result.id = *it;
      failed.result.status = agent::SessionStatus::failed;
      failed.result.error = "session '" + *it + "': its node was lost " +
                            std::to_string(e.node_losses) + " times (last: " + w.node + ", " +
                            error_text(reason) + "); at most " +
                            std::to_string(kMaxNodeRecoveries) + " recoveries";
      e.promise.deliver(std::move(failed));
      s.sessions.erase(*it);
      continue;
    }
    if (e.order.admission == agent::Admission::fresh) e.order.admission = agent::Admission::recover;
    s.queue.push_front(*it);
    ++s.status.recovered;
  }
}

void worker_down(Self self, std::size_t i, const caf::error& reason) {
  auto& s = self->state;
  WorkerChild& w = s.workers[i];
  w.actor = nullptr;
  requeue_sessions(self, i, reason);
  if (!w.node.empty()) {
    // Another node's worker: its node restarts nothing for it; the sessions go on elsewhere.
    w.retired = true;
    s.status.retired.push_back(static_cast<std::uint32_t>(i));
    return place(self);
  }
  auto delay = restart_delay(self, worker_name(i));
  if (!delay) {
    const bool others = std::any_of(s.workers.begin(), s.workers.end(),
                                    [&](const WorkerChild& o) { return &o != &w && !o.retired; });
    if (!others) return give_up(self, worker_name(i), reason);
    w.retired = true;
    s.status.retired.push_back(static_cast<std::uint32_t>(i));
  } else {
    self->delayed_send(self, *delay, restart_atom::value, static_cast<std::uint32_t>(i));
  }
  place(self);
}

void host_down(Self self, const std::string& tool, const caf::error& reason) {
  self->state.hosts[tool].actor = nullptr;
  auto delay = grant_restart(self, host_name(tool), reason);
  if (delay) self->delayed_send(self, *delay, restart_atom::value, tool);
}

SupervisorStatus current_status(Self self) {
  auto& s = self->state;
  SupervisorStatus st = s.status;
  for (const auto& w : s.workers) {
    st.worker_sessions.push_back(w.sessions.size());
    st.worker_placed.push_back(w.placed);
  }
  st.queued = s.queue.size();
  st.running = s.sessions.size() - s.queue.size();
  return st;
}

void survey_answered(PendingSurvey& p) {
  if (--p.missing == 0) p.promise.deliver(std::move(p.survey));
}

// Asks every child that is up for its counters at once; answers when the last has answered or
// its request has timed out after `wait`.
caf::result<SupervisorSurvey> survey(Self self, std::chrono::milliseconds wait) {
  auto& s = self->state;
  auto p = std::make_shared<PendingSurvey>();
  p->survey.supervisor = current_status(self);
  for (const auto& w : s.workers) {
    const ChildState state =
        w.retired ? ChildState::retired : (w.actor ? ChildState::up : ChildState::down);
    p->survey.workers.push_back({state, w.setup.slots, w.last, w.node});
    p->missing += w.actor ? 1 : 0;
  }
  for (const auto& [tool, h] : s.hosts) {
    p->survey.tools.push_back({h.actor ? ChildState::up : ChildState::down, h.last});
    p->missing += h.actor ? 1 : 0;
  }
  if (p->missing == 0) return std::move(p->survey);
  p->promise = self->make_response_promise<SupervisorSurvey>();
  for (std::size_t i = 0; i < s.workers.size(); ++i) {
    const model_worker_actor actor = s.workers[i].actor;
    if (!actor) continue;
    self->request(actor, wait, status_atom::value)
        .then(
            [self, p, i, actor](WorkerStatus& st) {
              WorkerChild& w = self->state.workers[i];
              if (w.actor && w.actor.address() == actor.address()) w.last = st;
              p->survey.workers[i].status = std::move(st);
              survey_answered(*p);
            },
            [p, i](caf::error&) {
              p->survey.workers[i].state = ChildState::silent;
              survey_answered(*p);
            });
  }
  std::size_t j = 0;
  for (const auto& [tool, h] : s.hosts) {
    const tool_host_actor actor = h.actor;
    const std::size_t index = j++;
    if (!actor) continue;
    self->request(actor, wait, status_atom::value)
        .then(
            [self, p, index, actor, tool = tool](ToolHostStatus& st) {
              HostChild& host = self->state.hosts[tool];
              if (host.actor && host.actor.address() == actor.address()) host.last = st;
              p->survey.tools[index].status = std::move(st);
              survey_answered(*p);
            },
            [p, index](caf::error&) {
              p->survey.tools[index].state = ChildState::silent;
              survey_answered(*p);
            });
  }
  return p->promise;
}

supervisor_impl::behavior_type supervisor(Self self, SupervisorSetup setup) {
  auto& s = self->state;
  s.registry = std::move(setup.registry);
  s.host_options = setup.tool_hosts;
  s.policy = agent::RestartPolicy(setup.restart);
  for (auto& w : setup.workers) {
    WorkerChild child;
    child.setup = std::move(w);
    s.workers.push_back(std::move(child));
  }
  s.status.worker_restarts.assign(s.workers.size(), 0);
  if (s.registry)
    for (const auto& d : s.registry->list()) start_host(self, d.name);
  for (std::size_t i = 0; i < s.workers.size(); ++i) start_worker(self, i);

  self->set_down_handler([=](caf::down_msg& dm) {
    auto& s = self->state;
    if (s.stopping) return;
    for (std::size_t i = 0; i < s.workers.size(); ++i)
      if (s.workers[i].actor && s.workers[i].actor.address() == dm.source)
        return worker_down(self, i, dm.reason);
    for (auto& [tool, h] : s.hosts)
      if (h.actor && h.actor.address() == dm.source) return host_down(self, tool, dm.reason);
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    stop(self, em.reason ? em.reason : caf::error(caf::exit_reason::user_shutdown));
  });

  return {
      [=](run_atom, SessionOrder& order) -> caf::result<agent::SessionOutcome> {
        auto& s = self->state;
        const std::string id = order.spec.id;
        if (id.empty()) return runtime_error("session: an id is required");
        if (s.sessions.count(id)) return runtime_error("session '" + id + "' is already running");
        SessionEntry& e = s.sessions[id];
        e.order = std::move(order);
        e.promise = self->make_response_promise<agent::SessionOutcome>();
        s.queue.push_back(id);
        auto promise = e.promise;
        place(self);
        return promise;
      },
      [=](done_atom, agent::SessionOutcome& outcome) {
        auto& s = self->state;
        auto it = s.sessions.find(outcome.result.id);
        if (it == s.sessions.end() || !it->second.worker) return;
        WorkerChild& w = s.workers[*it->second.worker];
        if (!w.actor || w.actor.address() != self->current_sender()) return;
        w.sessions.erase(it->first);
        it->second.promise.deliver(std::move(outcome));
        s.sessions.erase(it);
        place(self);
      },
      [=](cancel_atom, const std::string& id) {
        auto& s = self->state;
        auto it = s.sessions.find(id);
        if (it == s.sessions.end()) return;
        if (it->second.worker) {
          self->send(s.workers[*it->second.worker].actor, cancel_atom::value, id);
          return;
        }
        s.queue.erase(std::find(s.queue.begin(), s.queue.end(), id));
        agent::SessionOutcome cancelled;
        cancelled.result.id = id;
        cancelled.result.status = agent::SessionStatus::cancelled;
        it->second.promise.deliver(std::move(cancelled));
        s.sessions.erase(it);
      },
      [=](crash_atom, std::uint32_t i) {
        auto& s = self->state;
        if (i < s.workers.size() && s.workers[i].actor)
          self->send(s.workers[i].actor, crash_atom::value);
      },
      [=](status_atom) { return current_status(self); },
      [=](survey_atom, std::uint32_t wait_ms) {
        return survey(self, std::chrono::milliseconds(wait_ms));
      },
      [=](call_atom, ToolBatch& batch) -> caf::result<ToolReplies> {
        auto& s = self->state;
        std::string tool = batch.requests.empty() ? "" : batch.requests.front().call.name;
        auto it = s.hosts.find(tool);
        if (it != s.hosts.end() && it->second.actor)
          return self->delegate(it->second.actor, call_atom::value, std::move(batch));
        ToolReplies replies;
        for (const auto& r : batch.requests)
          replies.replies.push_back(
              {r.call.id,
               tools::ToolResult::error(it == s.hosts.end()
                                            ? "no tool '" + r.call.name + "' is configured"
                                            : "the host of tool '" + r.call.name + "' is down"),
               0});
        return replies;
      },
      [=](adopt_atom, model_worker_actor& worker, std::uint64_t slots, const std::string& node) {
        auto& s = self->state;
        if (!worker) return;
        if (s.stopping) return self->send_exit(worker, caf::exit_reason::user_shutdown);
        WorkerChild w;
        w.setup.slots = slots;
        w.actor = worker;
        w.node = node.empty() ? "?" : node;
        s.workers.push_back(std::move(w));
        s.status.worker_restarts.push_back(0);
        self->monitor(worker);
        for (const auto& [tool, host] : live_hosts(self))
          self->send(worker, tool_atom::value, tool, host);
        place(self);
      },
      [=](restart_atom, std::uint32_t i) {
        auto& s = self->state;
        if (s.stopping || i >= s.workers.size() || s.workers[i].actor || s.workers[i].retired)
          return;
        ++s.status.worker_restarts[i];
        start_worker(self, i);
        place(self);
      },
      [=](restart_atom, const std::string& tool) {
        auto& s = self->state;
        if (s.stopping || s.hosts[tool].actor) return;
        ++s.status.tool_host_restarts;
        start_host(self, tool);
      },
  };
}

}  // namespace

supervisor_actor spawn_supervisor(caf::actor_system& system, SupervisorSetup setup) {
  return system.spawn(supervisor, std::move(setup));
}

}  // namespace recur::actors
