// A cluster: one coordinator (the process that owns the store, the supervisors and the job queue)
// and nodes that run model workers for it. Members talk through CAF's middleman over mutual TLS
// (cluster_tls.hpp); nothing else crosses between them.
//
// The coordinator publishes a `cluster_actor` on its cluster port. A node connects to it, spawns a
// `node_agent_actor` and joins with its name, its devices and slots. From then on, for every model
// the coordinator runs (now or later), the coordinator asks each node's agent for workers; the
// agent loads the bundle from the path the coordinator names (a filesystem the members share),
// spawns one model worker per device, and hands each to that model's supervisor with
// (adopt_atom, worker, slots, node). The supervisor places sessions on adopted workers as on its
// own; when a node goes (killed, stopped, partitioned: CAF's heartbeat and connection timeout
// notice it), its workers go down and their sessions are placed again on the workers left.
//
// Interfaces:
//   cluster_actor (the coordinator's):
//     (join_atom, NodeHello, node_agent_actor) -> std::uint64_t   the node's epoch; an error when a
//                                                 node of that name is up or the wire differs
//     (model_atom, model dir, supervisor_actor)   a model's supervisor: workers of every node
//     (heartbeat_atom, name, std::uint64_t epoch) a node is alive
//     (nodes_atom) -> std::vector<NodeView>       the members as they stand
//   node_agent_actor (a node's):
//     (workers_atom, model dir, supervisor_actor) start workers of the model for that supervisor
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "actors/supervisor.hpp"
#include "actors/worker_pool.hpp"

namespace recur::actors {

using join_atom = caf::atom_constant<caf::atom("join")>;
using model_atom = caf::atom_constant<caf::atom("model")>;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using nodes_atom = caf::atom_constant<caf::atom("nodes")>;
using workers_atom = caf::atom_constant<caf::atom("workers")>;

// What a node says of itself when it joins.
struct NodeHello {
  std::string name;
  std::string wire;                  // kClusterWireVersion of its build
  std::vector<std::string> devices;  // one model worker per device, for each model
  std::uint64_t slots = 0;           // sessions per worker
  std::uint64_t threads = 0;         // CPU threads of its backends (0: every core)
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeHello& x) {
  return f(caf::meta::type_name("NodeHello"), x.name, x.wire, x.devices, x.slots, x.threads);
}

// A member as the coordinator sees it.
struct NodeView {
  std::string name;
  std::uint64_t epoch = 0;  // its join: a node that joins again gets a new one
  bool up = false;
  std::string lost;  // why it went, once it has
  std::vector<std::string> devices;
  std::uint64_t slots = 0;
  std::uint64_t joined_ms = 0;      // Unix ms
  std::uint64_t heartbeat_ms = 0;   // Unix ms of its last heartbeat
  std::vector<std::string> models;  // the models it runs workers of
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NodeView& x) {
  return f(caf::meta::type_name("NodeView"), x.name, x.epoch, x.up, x.lost, x.devices, x.slots,
           x.joined_ms, x.heartbeat_ms, x.models);
}

using node_agent_actor =
    caf::typed_actor<caf::reacts_to<workers_atom, std::string, supervisor_actor>>;

using cluster_actor =
    caf::typed_actor<caf::replies_to<join_atom, NodeHello, node_agent_actor>::with<std::uint64_t>,
                     caf::reacts_to<model_atom, std::string, supervisor_actor>,
                     caf::reacts_to<heartbeat_atom, std::string, std::uint64_t>,
                     caf::replies_to<nodes_atom>::with<std::vector<NodeView>>>;

// The coordinator's side: spawned by the runtime that serves a cluster.
cluster_actor spawn_cluster(caf::actor_system& system);

// A node's agent: runs model workers on `devices` for the coordinator's supervisors, and sends a
// heartbeat to `cluster` every `heartbeat`. It ends (and with it its workers) when the coordinator
// is lost; `on_lost` is called then with the reason, on an actor thread.
struct NodeAgentSetup {
  std::string name;
  DeviceOptions devices;
  WorkerSetup base;  // batcher options and tool deadline of its workers
  std::chrono::milliseconds heartbeat{1000};
  std::function<void(std::string)> on_lost;
  std::function<void(std::string)> log;  // what it did, a line at a time (may be empty)
};
node_agent_actor spawn_node_agent(caf::actor_system& system, NodeAgentSetup setup,
                                  cluster_actor cluster);

}  // namespace recur::actors
