// `GET /v1/nodes`: the members of the service's cluster as operators see them. A process that
// runs its own model workers is one node; the shape is a list so that remote nodes can join it.
//
//   {"nodes": [{"name", "workers": [{"model", "worker", "device", "state", "slots_used",
//               "slots_free", "sessions", "queued", "tokens_per_s"}],
//               "slots_used", "slots_free", "sessions", "queued", "tokens_per_s",
//               "last_heartbeat_ms"}]}
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

// The node `name` running what `status` shows, with each worker's rate from `rates`; a worker's
// `queued` is the sessions its model's supervisor holds waiting for a slot (shared by the model's
// workers: placement takes any free slot), the node's the sum over models. Its heartbeat is `now`
// (milliseconds since the Unix epoch): a local node is always current.
Json local_node(const std::string& name, const actors::RuntimeStatus& status,
                const WorkerRates& rates, std::chrono::system_clock::time_point now);

}  // namespace recur::server
