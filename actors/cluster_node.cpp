#include "actors/cluster_node.hpp"

#include <caf/openssl/remote_actor.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "actors/cluster.hpp"

namespace recur::actors {
namespace {

// How one membership ended, as the agent reports it.
struct Ending {
  std::mutex mutex;
  std::condition_variable changed;
  std::string why;
  bool ended = false;
};

std::string address(const NodeOptions& o) {
  return o.host + ":" + std::to_string(o.port);
}

// One membership: connect, join, serve until the agent ends or `stop`. Returns why it ended, or an
// error when it could not join at all.
Result<std::string> serve_once(caf::actor_system& system, const NodeOptions& o,
                               const std::atomic<bool>& stop,
                               const std::function<void(const std::string&)>& log) {
  auto cluster = caf::openssl::remote_actor<cluster_actor>(system, o.host, o.port);
  if (!cluster)
    return fail(ErrorCode::unavailable,
                "cannot reach the coordinator at " + address(o) + " (" +
                    error_text(cluster.error()) +
                    "; a refused handshake means the two do not share the cluster CA)");
  auto ending = std::make_shared<Ending>();
  NodeAgentSetup setup;
  setup.name = o.name;
  setup.devices = o.devices;
  setup.base.tool_deadline = o.tool_deadline;
  setup.heartbeat = o.tls.heartbeat;
  setup.log = [log](std::string line) { log(line); };
  setup.on_lost = [ending](std::string why) {
    std::lock_guard lock(ending->mutex);
    ending->why = std::move(why);
    ending->ended = true;
    ending->changed.notify_all();
  };
  auto agent = spawn_node_agent(system, std::move(setup), *cluster);
  // However the agent ends (lost coordinator, refusal, an error of its own), this wakes up.
  caf::actor_cast<caf::abstract_actor*>(agent)->attach_functor([ending](const caf::error& reason) {
    std::lock_guard lock(ending->mutex);
    if (!ending->ended) {
      ending->why = "the node's agent ended: " + error_text(reason);
      ending->ended = true;
    }
    ending->changed.notify_all();
  });
  std::unique_lock lock(ending->mutex);
  while (!ending->ended && !stop) ending->changed.wait_for(lock, std::chrono::milliseconds(200));
  if (!ending->ended) {
    lock.unlock();
    caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
    return std::string("stopped");
  }
  if (ending->why.starts_with("the coordinator refused"))
    return fail(ErrorCode::permission_denied, ending->why);
  return ending->why;
}

}  // namespace

Status run_node(const NodeOptions& o, const std::atomic<bool>& stop,
                const std::function<void(const std::string&)>& log) {
  ClusterConfig config(o.scheduler_threads, o.tls);
  caf::actor_system system(config);
  // The first join: a coordinator that is not listening yet is tried again until join_timeout.
  auto first = serve_once(system, o, stop, log);
  const auto join_deadline = std::chrono::steady_clock::now() + o.join_timeout;
  for (auto wait = std::chrono::milliseconds(250);
       !first && first.error().code == ErrorCode::unavailable && !stop &&
       std::chrono::steady_clock::now() + wait < join_deadline;
       wait = std::min(o.max_backoff, wait * 2)) {
    log(first.error().message + "; trying again in " + std::to_string(wait.count()) + " ms");
    std::this_thread::sleep_for(wait);
    first = serve_once(system, o, stop, log);
  }
  if (!first) return first.error();
  std::string why = *first;
  auto backoff = std::chrono::milliseconds(250);
  while (!stop) {
    log(why + "; joining " + address(o) + " again in " + std::to_string(backoff.count()) + " ms");
    for (auto waited = std::chrono::milliseconds(0); waited < backoff && !stop;
         waited += std::chrono::milliseconds(50))
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (stop) break;
    auto again = serve_once(system, o, stop, log);
    if (again) {
      why = *again;
      backoff = std::chrono::milliseconds(250);
    } else {
      why = again.error().message;
      backoff = std::min(o.max_backoff, backoff * 2);
    }
  }
  return {};
}

}  // namespace recur::actors
