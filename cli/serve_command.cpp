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
#include "cli/job_store_dir.hpp"
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
  bool json = false;
};

Result<std::pair<std::string, int>> parse_listen(const std::string& text) {
  const auto colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == text.size())
    return fail(ErrorCode::invalid_argument, "--listen: '" + text + "' is not HOST:PORT");
  std::string host = text.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    std::size_t used = 0;
    port = std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = -1;
  } catch (const std::exception&) {
    port = -1;
  }
  if (port < 0 || port > 65535)
    return fail(ErrorCode::invalid_argument,
                "--listen: '" + text + "' has no port from 0 to 65535");
  return std::make_pair(host, port);
}

int run_serve(const ServeOptions& o) {
  const std::string cmd = "serve";
  auto listen = parse_listen(o.listen);
  if (!listen) return report_error(cmd, listen.error().message);
  if (auto devices = actors::worker_devices(o.devices); !devices)
    return report_error(cmd, device_error(o.devices, devices.error()).message);
  // Every thread started from here on inherits the mask: the signals wait for sigwait below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  server::ServiceOptions options;
  options.store_dir = job_store_dir(o.store);
  options.parallel = o.parallel;
  options.runtime.devices = o.devices;
  options.runtime.tools = actors::ToolSetup{o.config, {}};
  options.models_dir = o.models;
  options.pipelines_dir = o.pipelines;
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
  if (o.json) print_json({{"url", url}, {"store", options.store_dir.string()}});
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
  c->add_flag("--json", o->json, "Print {\"url\", \"store\"} on stdout once listening");
  c->callback([o, &exit_code] { exit_code = run_serve(*o); });
}

}  // namespace recur::cli
