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

Json local_node(const std::string& name, const actors::RuntimeStatus& status,
                const WorkerRates& rates, std::chrono::system_clock::time_point now,
                std::uint64_t resident_bytes) {
  Json workers = Json::array();
  std::uint64_t used = 0, free = 0, sessions = 0, queued = 0, pool_bytes = 0;
  double tokens_per_s = 0;
  for (const auto& sup : status.supervisors) {
    if (sup.model.empty()) continue;  // pipelines' tool calls: no workers
    queued += sup.queued;
    for (const auto& w : sup.workers) {
      const std::uint64_t slots_free = w.slots > w.slots_used ? w.slots - w.slots_used : 0;
      auto rate = rates.find({sup.model, w.index});
      const double per_s = rate == rates.end() ? 0.0 : rate->second;
      workers.push_back({{"model", model_name(sup.model)},
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
      pool_bytes += w.state_pool_bytes;
      used += w.slots_used;
      free += slots_free;
      sessions += w.sessions;
      tokens_per_s += per_s;
    }
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  return {{"name", name},
          {"workers", workers},
          {"slots_used", used},
          {"slots_free", free},
          {"sessions", sessions},
          {"queued", queued},
          {"tokens_per_s", tokens_per_s},
          {"state_pool_bytes", pool_bytes},
          {"resident_bytes", resident_bytes},
          {"last_heartbeat_ms", ms}};
}

}  // namespace recur::server
