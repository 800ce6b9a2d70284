#include "server/nodes.hpp"

#include <unistd.h>

#include <climits>
#include <filesystem>
#include <fstream>

namespace recur::server {

std::string model_name(const std::string& dir) {
  std::filesystem::path p(dir);
  if (p.filename().empty()) p = p.parent_path();
  return p.filename().string();
}

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "localhost";
  return name;
}

std::uint64_t process_resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t pages = 0, resident = 0;
  if (!(statm >> pages >> resident)) return 0;
  const long page = ::sysconf(_SC_PAGESIZE);
  return page > 0 ? resident * static_cast<std::uint64_t>(page) : 0;
}

namespace {

// The workers of `status` that node `node` runs ("": this process), and their totals.
struct NodeWorkers {
  Json workers = Json::array();
  std::uint64_t used = 0, free = 0, sessions = 0, queued = 0, pool_bytes = 0;
  double tokens_per_s = 0;
};

NodeWorkers workers_of(const std::string& node, const actors::RuntimeStatus& status,
                       const WorkerRates& rates) {
  NodeWorkers out;
  for (const auto& sup : status.supervisors) {
    if (sup.model.empty()) continue;  // pipelines' tool calls: no workers
    bool any = false;
    for (const auto& w : sup.workers) {
      if (w.node != node) continue;
      any = true;
      const std::uint64_t slots_free =
          w.state == actors::ChildState::up && w.slots > w.slots_used ? w.slots - w.slots_used : 0;
      auto rate = rates.find({sup.model, w.index});
      const double per_s = rate == rates.end() ? 0.0 : rate->second;
      out.workers.push_back({{"model", model_name(sup.model)},
                             {"worker", w.index},
                             {"device", w.device},
                             {"state", std::string(actors::child_state_name(w.state))},
                             {"slots_used", w.slots_used},
                             {"slots_free", slots_free},
                             {"sessions", w.sessions},
                             {"queued", sup.queued},
                             {"tokens_per_s", per_s},
                             {"state_bytes", w.state_bytes},
                             {"state_pool_bytes", w.state_pool_bytes}});
      out.pool_bytes += w.state_pool_bytes;
      out.used += w.slots_used;
      out.free += slots_free;
      out.sessions += w.sessions;
      out.tokens_per_s += per_s;
    }
    if (any || node.empty()) out.queued += sup.queued;
  }
  return out;
}

Json node_json(const std::string& name, const NodeWorkers& w, std::uint64_t resident_bytes,
               std::uint64_t heartbeat_ms) {
  return {{"name", name},
          {"workers", w.workers},
          {"slots_used", w.used},
          {"slots_free", w.free},
          {"sessions", w.sessions},
          {"queued", w.queued},
          {"tokens_per_s", w.tokens_per_s},
          {"state_pool_bytes", w.pool_bytes},
          {"resident_bytes", resident_bytes},
          {"last_heartbeat_ms", heartbeat_ms}};
}

}  // namespace

Json local_node(const std::string& name, const actors::RuntimeStatus& status,
                const WorkerRates& rates, std::chrono::system_clock::time_point now,
                std::uint64_t resident_bytes) {
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  Json out = node_json(name, workers_of("", status, rates), resident_bytes,
                       static_cast<std::uint64_t>(ms));
  if (!status.nodes.empty()) out["role"] = "coordinator";
  return out;
}

Json cluster_nodes(const actors::RuntimeStatus& status, const WorkerRates& rates) {
  Json out = Json::array();
  for (const auto& n : status.nodes) {
    Json j = node_json(n.name, workers_of(n.name, status, rates), 0, n.heartbeat_ms);
    j["role"] = "node";
    j["up"] = n.up;
    j["epoch"] = n.epoch;
    j["devices"] = n.devices;
    j["joined_ms"] = n.joined_ms;
    if (!n.up) j["lost"] = n.lost;
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace recur::server
