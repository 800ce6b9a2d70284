// A cluster node's life (`recur node`): join the coordinator over mutual TLS, run model workers
// for its supervisors, and join again with backoff when the coordinator is lost (a node keeps
// nothing durable, so each join starts afresh under a new epoch).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "actors/cluster_tls.hpp"
#include "actors/worker_pool.hpp"
#include "base/result.hpp"

namespace recur::actors {

struct NodeOptions {
  std::string host;  // the coordinator's cluster address
  std::uint16_t port = 0;
  ClusterTls tls;
  std::string name;
  DeviceOptions devices;
  std::chrono::milliseconds tool_deadline{30000};
  unsigned scheduler_threads = 0;
  std::chrono::milliseconds max_backoff{8000};  // between attempts to join again
  // How long the first join tries a coordinator that does not answer (0: once).
  std::chrono::milliseconds join_timeout{0};
};

// Joins and serves until `stop` is set. The first join must succeed within `join_timeout`: a
// coordinator that cannot be reached (not listening yet, or refusing this node's certificate) is
// tried again until then; another wire version or a name already in the cluster is an error at
// once naming the cause. After that, a lost coordinator
// is joined again, with backoff, until `stop`. `log` gets a line for each thing that happens.
Status run_node(const NodeOptions& options, const std::atomic<bool>& stop,
                const std::function<void(const std::string&)>& log);

}  // namespace recur::actors
