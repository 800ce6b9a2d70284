// `GET /v1/nodes`: the members of the service's cluster as operators see them: this process first
// (with a cluster, "role": "coordinator", and only the workers it runs itself), then each node
// that has joined it ("role": "node", "up", "epoch", "devices", "joined_ms", and "lost" once it
// went; its heartbeat is the last the coordinator received; its resident_bytes are not reported
// and show 0).
//
//   {"nodes": [{"name", "workers": [{"model", "worker", "device", "state", "slots_used",
//               "slots_free", "sessions", "queued", "tokens_per_s", "state_bytes",
//               "state_pool_bytes"}],
//               "slots_used", "slots_free", "sessions", "queued", "tokens_per_s",
//               "state_pool_bytes", "resident_bytes", "last_heartbeat_ms"}]}
#pragma once

#include <chrono>
#include <string>

#include "actors/runtime_status.hpp"
#include "base/json.hpp"
#include "server/token_rate.hpp"

namespace recur::server {

// The name of a model as clients name it: its bundle directory's name.
std::string model_name(const std::string& dir);

// This machine's host name ("localhost" when it has none).
std::string host_name();

// The resident memory of this process in bytes (0 when the system does not say).
std::uint64_t process_resident_bytes();

// The node `name` running what `status` shows, with each worker's rate from `rates`; a worker's
// `queued` is the sessions its model's supervisor holds waiting for a slot (shared by the model's
// workers: placement takes any free slot), the node's the sum over models. Its heartbeat is `now`
// (milliseconds since the Unix epoch): a local node is always current.
// `resident_bytes` is the node's process memory; each worker shows its state pool's bytes.
Json local_node(const std::string& name, const actors::RuntimeStatus& status,
                const WorkerRates& rates, std::chrono::system_clock::time_point now,
                std::uint64_t resident_bytes = 0);

// The cluster's nodes of `status`, each with the workers it runs for this process's supervisors.
Json cluster_nodes(const actors::RuntimeStatus& status, const WorkerRates& rates);

}  // namespace recur::server
