// The HTTP API of the service (docs/service.md): routes of contract version 1 on a Service, with
// authentication, limits and Server-Sent Event streams, on the server of server/http_listener.hpp.
//
//   auto http = HttpServer::start(service, options);   // binds, serves on threads of its own
//   (*http)->port();                                    // the bound port (options.port 0: any)
//   (*http)->stop();                                    // also done by the destructor
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/result.hpp"
#include "server/service.hpp"

namespace recur::server {

struct HttpOptions {
  std::string host = "127.0.0.1";
  int port = 0;                                     // 0: any free port
  std::optional<std::filesystem::path> auth;        // the token file; none: no authentication
  std::filesystem::path tls_cert, tls_key;          // both set: HTTPS
  std::size_t max_body_bytes = 4u << 20;            // a longer request body is refused (413)
  std::size_t max_event_streams = 64;               // open event streams at once; more: 503
  std::size_t max_connections = 1024;               // open connections at once; more: 503, closed
  std::chrono::milliseconds read_timeout{10'000};   // a request must arrive whole within this
  std::chrono::milliseconds write_timeout{10'000};  // each write must be read within this
  std::chrono::milliseconds keep_alive{30'000};     // an idle kept-alive connection is closed
  std::chrono::seconds heartbeat{15};               // a comment line on an idle event stream
  double requests_per_second = 100;                 // per token (per client address without auth)
  double request_burst = 200;
  std::size_t threads = 0;  // handler threads; 0: max_event_streams + 16
};

class HttpServer {
 public:
  // Binds and starts serving. Without a token file the server binds loopback addresses only: any
  // other host is refused (failed_precondition) rather than served without authentication.
  static Result<std::unique_ptr<HttpServer>> start(Service& service, HttpOptions options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  int port() const;
  // Stops accepting, ends event streams, and waits for the request threads.
  void stop();

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// True for a host that only this machine reaches: 127.0.0.0/8, ::1, localhost.
bool is_loopback(const std::string& host);

}  // namespace recur::server
