// The load client of http_library_bench, the same for both servers: raw non-blocking sockets on one
// epoll thread, keep-alive HTTP/1.1 connections, and Server-Sent Event streams held open while the
// API load runs.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace recur::bench {

enum class RequestMix {
  kGet,    // GET /v1/jobs/{id} of a random seeded job
  kPost,   // POST /v1/jobs with a ~1 KB body
  kMixed,  // one POST in five, the rest GETs
};

struct LoadSpec {
  int port = 0;
  int api_clients = 1;  // keep-alive connections, each with one request in flight
  RequestMix mix = RequestMix::kGet;
  // Each client's interval between requests; zero sends the next request as soon as the answer
  // arrives (closed loop). Paced latencies count from when the request was due, not sent.
  std::chrono::microseconds period{0};
  int streams = 0;  // event streams opened, and all answered, before the API clients connect
  std::chrono::milliseconds warmup{1000};
  std::chrono::milliseconds measure{3000};
  std::size_t seeded_jobs = 1000;
  std::chrono::milliseconds event_period{100};  // the server's event interval
  // Called when the measured window opens and closes, to sample the server's counters.
  std::function<void()> on_window_open;
  std::function<void()> on_window_close;
};

struct LoadResult {
  double seconds = 0;                       // length of the measured window
  std::uint64_t requests = 0;               // answers completed in the window
  std::uint64_t errors = 0;                 // non-2xx answers, broken connections
  std::uint64_t reconnects = 0;             // connections the server closed (Connection: close)
  int clients_served = 0;                   // API clients with at least one answer in the window
  std::vector<std::uint32_t> latency_us;    // one per answer in the window, sorted
  int streams_open = 0;                     // streams whose response header arrived
  double streams_open_ms = 0;               // from the first connect to the last stream header
  int streams_complete = 0;                 // streams that got every event of the window, in order
  std::uint64_t events = 0;                 // events received in the window, over all streams
  std::vector<std::uint32_t> event_lag_us;  // publish to receipt, one per event, sorted
};

// Runs one load against 127.0.0.1:spec.port. Exits the process on a socket error it cannot
// attribute to the server.
LoadResult run_load(const LoadSpec& spec);

// The q-quantile of sorted samples, in milliseconds; 0 when empty.
double quantile_ms(const std::vector<std::uint32_t>& sorted_us, double q);

}  // namespace recur::bench
