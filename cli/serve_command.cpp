// recur serve: the service. It owns the job store, runs queued jobs N at a time (their agents share
// the model workers), and answers the HTTP API (docs/service.md). Started again after kill -9, it
// resumes every job that was running and keeps the queue. SIGTERM or SIGINT drains it: it stops
// taking jobs, stops the running ones where they are (they resume at the next start) and exits.
//
// Exit status: 0 after a drain; 1 when it cannot start (one line on stderr says why); 2 for usage
// errors.
#include <signal.h>

#include <iostream>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/device_options.hpp"
#include "cli/host_port.hpp"
#include "cli/job_store_dir.hpp"
#include "cli/stop_signals.hpp"
#include "server/cluster_certificates.hpp"
#include "server/http_server.hpp"
#include "server/service.hpp"

namespace recur::cli {
namespace {

struct ServeOptions {
  std::string store;
  std::string listen = "127.0.0.1:8080";
  std::string auth;
  std::string models;
  std::string pipelines;
  std::size_t parallel = 2;
  actors::DeviceOptions devices;
  std::string config;
  std::string tls_cert, tls_key;
  std::size_t max_event_streams = 64;
  std::string cluster_listen;  // coordinate a cluster on HOST:PORT
  std::string cluster_tls;     // its directory (recur cluster init)
  bool local_workers = false;  // --device/--devices given: workers here too
  std::size_t heartbeat_ms = 1000, timeout_ms = 5000;
  bool json = false;
};

int run_serve(const ServeOptions& o) {
  const std::string cmd = "serve";
  auto listen = parse_host_port("--listen", o.listen);
  if (!listen) return report_error(cmd, listen.error().message);
  if (auto devices = actors::worker_devices(o.devices); !devices)
    return report_error(cmd, device_error(o.devices, devices.error()).message);
  // Every thread started from here on inherits the mask: the signals wait for sigwait below.
  sigset_t signals = block_stop_signals();

  server::ServiceOptions options;
  options.store_dir = job_store_dir(o.store);
  options.parallel = o.parallel;
  options.runtime.devices = o.devices;
  options.runtime.tools = actors::ToolSetup{o.config, {}};
  options.models_dir = o.models;
  options.pipelines_dir = o.pipelines;
  if (!o.cluster_listen.empty() || !o.cluster_tls.empty()) {
    if (o.cluster_listen.empty() || o.cluster_tls.empty())
      return report_error(cmd, "--cluster-listen and --tls go together");
    auto at = parse_host_port("--cluster-listen", o.cluster_listen);
    if (!at) return report_error(cmd, at.error().message);
    auto identity = server::check_member_identity(o.cluster_tls, "coordinator");
    if (!identity) return report_error(cmd, "--tls: " + identity.error().message);
    actors::ClusterOptions cluster;
    cluster.host = at->first;
    cluster.port = static_cast<std::uint16_t>(at->second);
    cluster.tls.ca = identity->ca.string();
    cluster.tls.certificate = identity->certificate.string();
    cluster.tls.key = identity->key.string();
    cluster.local_workers = o.local_workers;
    if (o.heartbeat_ms == 0 || o.timeout_ms <= o.heartbeat_ms)
      return report_error(cmd,
                          "--timeout-ms must be longer than --heartbeat-ms (and both above 0)");
    cluster.tls.heartbeat = std::chrono::milliseconds(o.heartbeat_ms);
    cluster.tls.timeout = std::chrono::milliseconds(o.timeout_ms);
    options.runtime.cluster = cluster;
  }
  auto service = server::Service::open(options);
  if (!service) return report_error(cmd, "--store: " + service.error().message);
  server::HttpOptions http;
  http.host = listen->first;
  http.port = listen->second;
  if (!o.auth.empty()) http.auth = o.auth;
  http.tls_cert = o.tls_cert;
  http.tls_key = o.tls_key;
  http.max_event_streams = o.max_event_streams;
  auto server = server::HttpServer::start(**service, http);
  if (!server) return report_error(cmd, server.error().message);
  const std::string url =
      std::string(o.tls_cert.empty() ? "http" : "https") + "://" +
      (http.host.find(':') != std::string::npos ? "[" + http.host + "]" : http.host) + ":" +
      std::to_string((*server)->port());
  const std::uint16_t cluster_port = (*service)->runtime().cluster_port();
  if (o.json) {
    Json out = {{"url", url}, {"store", options.store_dir.string()}};
    if (cluster_port) out["cluster_port"] = cluster_port;
    print_json(out);
  }
  if (cluster_port)
    std::cerr << "recur serve: coordinating a cluster on port " << cluster_port
              << (o.local_workers ? " (and running model workers here)" : " (workers on its nodes)")
              << std::endl;
  std::cerr << "recur serve: listening on " << url << " (store " << options.store_dir.string()
            << (o.auth.empty() ? "; no token file: loopback only" : "; bearer tokens required")
            << ")" << std::endl;
  int signal = 0;
  sigwait(&signals, &signal);
  std::cerr << "recur serve: " << (signal == SIGTERM ? "SIGTERM" : "SIGINT") << ": draining"
            << std::endl;
  (*server)->stop();
  (*service)->drain();
  std::cerr << "recur serve: stopped" << std::endl;
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<ServeOptions>();
  auto* c = app.add_subcommand("serve", "Run the service: the job queue and the HTTP API");
  c->add_option("--store", o->store, "Job store directory (default: $RECUR_STORE, else var/store)");
  c->add_option("--listen", o->listen, "HOST:PORT to serve (default 127.0.0.1:8080; port 0: any)");
  c->add_option("--auth", o->auth, "Token file (recur token add); required off loopback");
  c->add_option("--models", o->models, "Folder of the model bundles clients may name");
  c->add_option("--pipelines", o->pipelines, "Folder of the pipelines clients may name");
  c->add_option("--parallel", o->parallel, "Jobs running at once (default 2)");
  add_device_options(*c, o->devices);
  c->add_option("--slots", o->devices.slots, "Sessions a model worker runs at once");
  c->add_option("--config", o->config,
                "Tool configuration (default: $RECUR_CONFIG, else configs/tools.json)");
  c->add_option("--tls-cert", o->tls_cert, "Certificate (PEM) to serve HTTPS");
  c->add_option("--tls-key", o->tls_key, "Private key (PEM) of the certificate");
  c->add_option("--max-event-streams", o->max_event_streams,
                "Event streams open at once (default 64; more are refused with 503)");
  c->add_option("--cluster-listen", o->cluster_listen,
                "HOST:PORT where cluster nodes join (mutual TLS; with --tls)");
  c->add_option("--tls", o->cluster_tls,
                "Cluster directory of recur cluster init: ca.pem, coordinator.pem|key");
  c->add_option("--heartbeat-ms", o->heartbeat_ms, "Cluster heartbeat interval (default 1000)");
  c->add_option("--timeout-ms", o->timeout_ms,
                "Silence after which a cluster node is lost (default 5000)");
  c->add_flag("--json", o->json,
              "Print {\"url\", \"store\"[, \"cluster_port\"]} on stdout once listening");
  c->callback([o, c, &exit_code] {
    o->local_workers = c->count("--device") + c->count("--devices") > 0;
    exit_code = run_serve(*o);
  });
}

}  // namespace recur::cli
