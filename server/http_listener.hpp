// The service's HTTP/1.1 server on Boost.Beast (docs/service.md says why this library): it accepts
// connections, reads requests and writes responses asynchronously on a few I/O threads, and runs
// the routes' handlers on a pool of threads of their own, so that a handler that waits (a whole
// completion, an event stream) never holds the I/O of other connections. Optional TLS.
//
// Limits a client cannot get past: a request must arrive whole within `read_timeout` of its first
// byte (a client that trickles bytes is cut off, whatever it sends), a kept-alive connection idle
// for `keep_alive` is closed, every write must be read within `write_timeout`, bodies and headers
// have maximum sizes (413, 431), a malformed request is answered 400 and the connection closed, and
// connections beyond `max_connections` are answered 503 and closed.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "base/result.hpp"
#include "server/http_message.hpp"

namespace recur::server {

struct ListenerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                             // 0: any free port
  std::filesystem::path tls_cert, tls_key;  // both set: HTTPS (PEM files)
  std::size_t max_body_bytes = 4u << 20;
  std::size_t max_header_bytes = 16u << 10;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::chrono::milliseconds keep_alive{30'000};
  std::size_t io_threads = 2;
  std::size_t handler_threads = 16;  // handlers (and event streams) running at once
  std::size_t max_connections = 1024;
};

// Answers one request; runs on a handler thread. What it throws becomes a 500.
using RequestHandler = std::function<void(Request&, Response&)>;

// After each response is written whole (or a stream ended): the request, its status and the time
// from the request read to the response written.
using ResponseObserver = std::function<void(const Request&, int status, double seconds)>;

class HttpListener {
 public:
  // Binds and starts serving. unavailable when the address cannot be bound, invalid_argument when
  // the TLS files cannot be used.
  static Result<std::unique_ptr<HttpListener>> start(ListenerOptions options,
                                                     RequestHandler handler,
                                                     ResponseObserver observer = {});
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  int port() const;
  // Stops accepting, closes every connection, and waits for the handlers and I/O threads. Handlers
  // that stream must end when their sink fails (every sink fails once this is called).
  void stop();

  struct State;

 private:
  explicit HttpListener(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace recur::server
