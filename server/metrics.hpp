// The service's metrics in Prometheus's text format (version 0.0.4), made with prometheus-cpp:
// what the runtime's actors count (Runtime::status: tokens, sessions, forward passes, checkpoints,
// tool calls), jobs by status, and the HTTP requests the server answered, counted here as they
// end. The service's own HTTP server answers `GET /metrics` with render(); nothing else listens.
//
// Names follow Prometheus's conventions (the recur_ prefix, base units, _total for counters):
//   recur_tokens_generated_total, recur_tokens_fed_total, recur_forward_passes_total,
//   recur_checkpoints_total, recur_checkpoint_bytes_total, recur_checkpoint_seconds_total,
//   recur_worker_busy_seconds_total, recur_worker_restarts_total   counters {model, worker, device}
//   recur_tokens_per_second, recur_sessions_resident, recur_sessions_waiting, recur_worker_slots,
//   recur_worker_slots_used, recur_worker_state_pool_bytes, recur_worker_up
//                                                                  gauges {model, worker, device}
//   recur_step_duration_seconds, recur_batch_size                  histograms {model, worker,
//   device} recur_sessions_queued, recur_supervisor_up                     gauges {model}
//   recur_sessions_recovered_total                                 counter {model}
//   recur_tool_calls_total, recur_tool_errors_total, recur_tool_timeouts_total   counters {tool}
//   recur_tool_calls_running, recur_tool_calls_queued              gauges {tool}
//   recur_tool_call_duration_seconds                               histogram {tool}
//   recur_jobs                                                     gauge {status}
//   process_resident_memory_bytes                                  gauge
//   recur_http_requests_total                                      counter {method, route, code}
//   recur_http_request_duration_seconds                            histogram {method, route}
// `model` is the bundle's directory name; a tool's series add up its hosts of every supervisor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "actors/runtime_status.hpp"
#include "server/token_rate.hpp"

namespace recur::server {

// Jobs by status name ("queued", "running", ...).
using JobCounts = std::map<std::string, std::uint64_t>;

class Metrics {
 public:
  Metrics();
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Counts one request the HTTP server answered. `route` is the pattern of the route that
  // answered ("/v1/jobs/{}"), never the raw path, so that ids do not each make a series;
  // `seconds` is the time from routing to the response written, negative when unknown (not
  // observed then). Thread-safe.
  void count_request(const std::string& method, const std::string& route, int status,
                     double seconds);

  // The exposition: the runtime as `status` shows it with the workers' rates `rates`, the jobs
  // `jobs` (every status listed, zeros included; none: no jobs family), and every request counted
  // so far. Thread-safe.
  std::string render(const actors::RuntimeStatus& status, const WorkerRates& rates,
                     const JobCounts& jobs) const;

 private:
  struct Requests;
  std::unique_ptr<Requests> requests_;
};

}  // namespace recur::server
