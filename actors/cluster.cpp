#include "actors/cluster.hpp"

#include <chrono>
#include <map>
#include <set>

#include "actors/cluster_tls.hpp"
#include "base/text.hpp"

namespace recur::actors {
namespace {

// The coordinator's record of a node.
struct Member {
  NodeView view;
  node_agent_actor agent;  // invalid once lost
};

struct ClusterState {
  std::map<std::string, Member> members;                // by name
  std::map<std::string, supervisor_actor> supervisors;  // by model dir
  std::uint64_t next_epoch = 1;
  static inline const char* name = "cluster";
};

using ClusterSelf = cluster_actor::stateful_pointer<ClusterState>;

void ask_for_workers(ClusterSelf self, Member& m, const std::string& model,
                     const supervisor_actor& supervisor) {
  self->send(m.agent, workers_atom::value, model, supervisor);
  m.view.models.push_back(model);
}

cluster_actor::behavior_type cluster(ClusterSelf self) {
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    for (auto& [name, m] : s.members)
      if (m.agent && m.agent.address() == dm.source) {
        m.agent = nullptr;
        m.view.up = false;
        m.view.lost = error_text(dm.reason);
      }
    // A model's supervisor that stopped: nodes that join later make no workers for it.
    for (auto it = s.supervisors.begin(); it != s.supervisors.end(); ++it)
      if (it->second.address() == dm.source) {
        s.supervisors.erase(it);
        break;
      }
  });
  return {
      [self](join_atom, NodeHello& hello, node_agent_actor& agent) -> caf::result<std::uint64_t> {
        auto& s = self->state;
        if (hello.wire != kClusterWireVersion)
          return runtime_error("node '" + hello.name + "' speaks " + hello.wire +
                               ", this coordinator " + kClusterWireVersion);
        if (hello.name.empty()) return runtime_error("a node needs a name");
        auto it = s.members.find(hello.name);
        if (it != s.members.end() && it->second.view.up)
          return runtime_error("a node named '" + hello.name + "' is in the cluster already");
        Member& m = s.members[hello.name];
        m.agent = agent;
        m.view = NodeView{};
        m.view.name = hello.name;
        m.view.epoch = s.next_epoch++;
        m.view.up = true;
        m.view.devices = hello.devices;
        m.view.slots = hello.slots;
        m.view.joined_ms = m.view.heartbeat_ms = unix_ms();
        self->monitor(agent);
        for (const auto& [model, supervisor] : s.supervisors)
          ask_for_workers(self, m, model, supervisor);
        return m.view.epoch;
      },
      [self](model_atom, const std::string& model, const supervisor_actor& supervisor) {
        auto& s = self->state;
        s.supervisors[model] = supervisor;
        self->monitor(supervisor);
        for (auto& [name, m] : s.members)
          if (m.agent) ask_for_workers(self, m, model, supervisor);
      },
      [self](heartbeat_atom, const std::string& name, std::uint64_t epoch) {
        auto it = self->state.members.find(name);
        if (it != self->state.members.end() && it->second.view.up && it->second.view.epoch == epoch)
          it->second.view.heartbeat_ms = unix_ms();
      },
      [self](nodes_atom) {
        std::vector<NodeView> out;
        for (const auto& [name, m] : self->state.members) out.push_back(m.view);
        return out;
      },
  };
}

// A node's agent as it sees itself: its interface plus
//   (heartbeat_atom) send the next heartbeat
//   (join_atom, epoch) the coordinator accepted the join
using agent_impl = node_agent_actor::extend<caf::reacts_to<heartbeat_atom>,
                                            caf::reacts_to<join_atom, std::uint64_t>>;

struct AgentState {
  NodeAgentSetup setup;
  cluster_actor cluster;
  std::uint64_t epoch = 0;
  // The workers it runs, with the supervisor each was made for.
  struct Worker {
    model_worker_actor actor;
    caf::actor_addr supervisor;
    std::string model;
  };
  std::vector<Worker> workers;
  static inline const char* name = "node agent";
};

using AgentSelf = agent_impl::stateful_pointer<AgentState>;

// Stops the agent and its workers; tells the node why.
void lose(AgentSelf self, const std::string& why) {
  auto& s = self->state;
  if (s.setup.on_lost) {
    auto on_lost = std::move(s.setup.on_lost);
    s.setup.on_lost = nullptr;
    on_lost(why);
  }
  self->quit(runtime_error(why));
}

void log(AgentSelf self, const std::string& line) {
  if (self->state.setup.log) self->state.setup.log(line);
}

agent_impl::behavior_type node_agent(AgentSelf self, NodeAgentSetup setup, cluster_actor cluster) {
  auto& s = self->state;
  s.setup = std::move(setup);
  s.cluster = cluster;
  self->monitor(cluster);
  self->set_down_handler([self](caf::down_msg& dm) {
    auto& s = self->state;
    if (dm.source == s.cluster.address())
      return lose(self, "lost the coordinator: " + error_text(dm.reason));
    // A supervisor that stopped (its model is no longer run): its workers here go too.
    for (auto it = s.workers.begin(); it != s.workers.end();)
      if (it->supervisor == dm.source) {
        self->send_exit(it->actor, caf::exit_reason::user_shutdown);
        it = s.workers.erase(it);
      } else {
        ++it;
      }
  });
  // Workers are linked, so that the agent's end takes them down with it; a worker's own end (a
  // GPU fault, its supervisor stopping it) is logged and the agent goes on with the others.
  self->set_exit_handler([self](caf::exit_msg& em) {
    auto& s = self->state;
    for (auto it = s.workers.begin(); it != s.workers.end(); ++it)
      if (it->actor.address() == em.source) {
        log(self, "a worker of " + it->model + " ended: " + error_text(em.reason));
        s.workers.erase(it);
        return;
      }
    self->quit(em.reason);
  });
  // Workers are linked: a node whose agent ends takes its workers down with it.
  NodeHello hello;
  hello.name = s.setup.name;
  hello.wire = kClusterWireVersion;
  hello.slots = s.setup.devices.slots;
  hello.threads = s.setup.devices.threads;
  if (auto devices = worker_devices(s.setup.devices)) hello.devices = *devices;
  self->request(cluster, std::chrono::seconds(30), join_atom::value, hello,
                caf::actor_cast<node_agent_actor>(self))
      .then([self](std::uint64_t epoch) { self->send(self, join_atom::value, epoch); },
            [self](caf::error& e) {
              lose(self, "the coordinator refused the node: " + error_text(e));
            });
  return {
      [self](join_atom, std::uint64_t epoch) {
        self->state.epoch = epoch;
        if (self->state.setup.log)
          self->state.setup.log("joined the cluster as '" + self->state.setup.name + "' (epoch " +
                                std::to_string(epoch) + ")");
        self->send(self, heartbeat_atom::value);
      },
      [self](heartbeat_atom) {
        auto& s = self->state;
        self->send(s.cluster, heartbeat_atom::value, s.setup.name, s.epoch);
        self->delayed_send(self, s.setup.heartbeat, heartbeat_atom::value);
      },
      [self](workers_atom, const std::string& model_dir, const supervisor_actor& supervisor) {
        auto& s = self->state;
        self->monitor(supervisor);
        auto pool = make_worker_pool(model_dir, s.setup.devices, s.setup.base);
        if (!pool) {
          // The coordinator's supervisor keeps its other workers; this node serves no such model.
          if (s.setup.log) s.setup.log("model " + model_dir + ": " + pool.error().message);
          return;
        }
        if (s.setup.log)
          s.setup.log("model " + model_dir + ": " + std::to_string(pool->workers.size()) +
                      " worker(s) for the coordinator");
        for (auto& worker : pool->workers) {
          const std::uint64_t slots = worker.slots;
          auto actor = spawn_model_worker(self->system(), std::move(worker),
                                          caf::actor_cast<session_owner>(supervisor));
          self->link_to(actor);
          s.workers.push_back({actor, supervisor.address(), model_dir});
          self->send(supervisor, adopt_atom::value, actor, slots, s.setup.name);
        }
      },
  };
}

}  // namespace

cluster_actor spawn_cluster(caf::actor_system& system) {
  return system.spawn(cluster);
}

node_agent_actor spawn_node_agent(caf::actor_system& system, NodeAgentSetup setup,
                                  cluster_actor cluster) {
  // Detached: loading a model's bundle and making its backends takes seconds, which must not
  // hold a scheduler thread (nor this agent's heartbeats behind other actors).
  return system.spawn<caf::detached>(node_agent, std::move(setup), std::move(cluster));
}

}  // namespace recur::actors
