// The clients of serve_load: N threads against a running `recur serve`, each with its own bearer
// token and keep-alive connection. For `duration`, each client keeps two jobs submitted
// (POST /v1/jobs), follows the older to its end, then submits the next: even-numbered clients
// follow the job's event stream, odd ones poll GET /v1/jobs/{id} and now and then call a
// tool (POST /v1/tools/expr/call) between polls; every client reads the report of a finished job.
// With N clients and N jobs running at once the service's queue never runs dry. Jobs still running
// `drain` after the window are cancelled.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/serve_load/route_latencies.hpp"

namespace recur::bench {

// Jobs a client keeps submitted: the one it follows and one queued behind it, so the service always
// has a job to start when one ends.
inline constexpr std::size_t kJobsPerClient = 2;

struct ClientSpec {
  std::string url;                  // http://127.0.0.1:PORT
  std::vector<std::string> tokens;  // one per client; the number of clients
  nlohmann::json job;               // the POST /v1/jobs body, less its seed
  std::chrono::seconds duration{20};
  std::chrono::seconds drain{60};
  std::chrono::milliseconds poll{50};  // a polling client's pause between polls
  std::size_t tool_every = 10;         // a polling client calls the tool every this many polls
};

// One job as the service recorded it at its end.
struct ServedJob {
  std::uint64_t seed = 0;
  std::string status;  // finished, failed, cancelled, ... ("" when it was never read back)
  std::uint64_t tokens = 0;
  std::uint64_t updated_ms = 0;  // its end on the service's clock, ms since the epoch
};

struct ServedRun {
  std::map<std::string, RouteSamples> routes;
  std::vector<ServedJob> jobs;        // in the order they were submitted
  std::uint64_t first_submit_ms = 0;  // the first POST /v1/jobs, ms since the epoch
  double seconds = 0;                 // from the first request to the last client's end
  std::uint64_t events = 0;           // events received on all streams
};

// Runs the clients; returns when every client is done: within duration + drain, plus a grace for
// the jobs it cancelled and a request's timeout.
ServedRun run_clients(const ClientSpec& spec);

}  // namespace recur::bench
