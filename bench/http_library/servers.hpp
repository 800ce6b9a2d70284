// The two candidate servers of recur's HTTP API, each set up the way its library is meant to be
// used, serving the same JobTable and EventHub:
//   GET  /v1/jobs/{id}         the job's JSON
//   POST /v1/jobs              a submission, at most kMaxRequestBody bytes
//   GET  /v1/jobs/{id}/events  a Server-Sent Event stream, held open, one chunk per hub event
// Each call binds 127.0.0.1 on a free port, reports the port through `on_listening`, then serves on
// the calling thread (and the threads it starts) until the process ends.
#pragma once

#include <cstddef>
#include <functional>

#include "bench/http_library/jobs_app.hpp"

namespace recur::bench {

struct ServerConfig {
  // cpp-httplib: the thread pool's size; a keep-alive connection or a held stream holds one thread
  // for its whole life. Beast: the threads that run the io_context.
  std::size_t threads = 2;
  // cpp-httplib only: keep the library's defaults (a pool of max(8, cores - 1), 5 requests per
  // connection, Nagle on, a listen backlog of 5) instead of the sized pool, unbounded keep-alive,
  // TCP_NODELAY and the system's largest backlog.
  bool library_defaults = false;
};

using OnListening = std::function<void(int port)>;

// cpp-httplib 0.11 (Debian's build): blocking, one pool thread per connection.
void serve_with_httplib(const ServerConfig& config, JobTable& jobs, EventHub& hub,
                        const OnListening& on_listening);

// Boost.Beast on Asio: an io_context run by `threads` threads, a session per connection.
void serve_with_beast(const ServerConfig& config, JobTable& jobs, EventHub& hub,
                      const OnListening& on_listening);

}  // namespace recur::bench
