// recur node --join HOST:PORT --tls DIR --name NAME: a cluster node. It runs model workers for the
// coordinator (`recur serve --cluster-listen`), keeps nothing durable, and joins again when the
// coordinator comes back. Its identity is DIR/NAME.pem and DIR/NAME.key, trusted through
// DIR/ca.pem (recur cluster init). SIGTERM or SIGINT stops it; its sessions go on elsewhere.
//
// Exit status: 0 when stopped by a signal; 1 when it cannot join (one line on stderr says why); 2
// for usage errors.
#include <signal.h>

#include <atomic>
#include <iostream>
#include <thread>

#include "actors/cluster_node.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/device_options.hpp"
#include "cli/host_port.hpp"
#include "cli/stop_signals.hpp"
#include "server/cluster_certificates.hpp"

namespace recur::cli {
namespace {

struct NodeCommandOptions {
  std::string join;
  std::string tls;
  std::string name;
  actors::DeviceOptions devices;
  std::size_t heartbeat_ms = 1000;
  std::size_t timeout_ms = 5000;
  std::size_t join_timeout_s = 0;
};

int run_node_command(const NodeCommandOptions& o) {
  const std::string cmd = "node";
  auto join = parse_host_port("--join", o.join);
  if (!join) return report_error(cmd, join.error().message);
  if (auto devices = actors::worker_devices(o.devices); !devices)
    return report_error(cmd, device_error(o.devices, devices.error()).message);
  auto identity = server::check_member_identity(o.tls, o.name);
  if (!identity) return report_error(cmd, "--tls: " + identity.error().message);
  if (o.heartbeat_ms == 0 || o.timeout_ms <= o.heartbeat_ms)
    return report_error(cmd, "--timeout-ms must be longer than --heartbeat-ms (and both above 0)");

  sigset_t signals = block_stop_signals();
  std::atomic<bool> stop{false};
  std::thread waiter([&signals, &stop] {
    int signal = 0;
    sigwait(&signals, &signal);
    stop = true;
  });

  actors::NodeOptions options;
  options.host = join->first;
  options.port = static_cast<std::uint16_t>(join->second);
  options.tls = {identity->ca.string(), identity->certificate.string(), identity->key.string(),
                 std::chrono::milliseconds(o.heartbeat_ms),
                 std::chrono::milliseconds(o.timeout_ms)};
  options.name = o.name;
  options.devices = o.devices;
  options.join_timeout = std::chrono::seconds(o.join_timeout_s);
  auto ran = actors::run_node(options, stop, [&o](const std::string& line) {
    std::cerr << "recur node " << o.name << ": " << line << std::endl;
  });
  if (!ran) {
    // The waiter is blocked in sigwait: wake it so the thread can be joined.
    stop = true;
    ::kill(::getpid(), SIGTERM);
    waiter.join();
    return report_error(cmd, ran.error().message);
  }
  waiter.join();
  std::cerr << "recur node " << o.name << ": stopped" << std::endl;
  return 0;
}

}  // namespace

void add_node_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<NodeCommandOptions>();
  auto* c = app.add_subcommand("node", "Run model workers for a cluster's coordinator");
  c->add_option("--join", o->join, "HOST:PORT of the coordinator's --cluster-listen")->required();
  c->add_option("--tls", o->tls, "Cluster directory of recur cluster init (ca.pem, NAME.pem|key)")
      ->required();
  c->add_option("--name", o->name, "This node's name: its certificate's (node-K)")->required();
  add_device_options(*c, o->devices);
  c->add_option("--slots", o->devices.slots, "Sessions a model worker runs at once");
  c->add_option("--heartbeat-ms", o->heartbeat_ms, "Heartbeat interval (default 1000)");
  c->add_option("--timeout-ms", o->timeout_ms, "Silence after which a peer is lost (default 5000)");
  c->callback([o, &exit_code] { exit_code = run_node_command(*o); });
}

}  // namespace recur::cli
