#include "server/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <sstream>

#include "server/nodes.hpp"

namespace recur::server {
namespace {

using prometheus::Counter;
using prometheus::Family;
using prometheus::Gauge;
using prometheus::Labels;
using prometheus::Registry;

Family<Counter>& counter(Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(r);
}
Family<Gauge>& gauge(Registry& r, const std::string& name, const std::string& help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(r);
}
Family<prometheus::Histogram>& histogram(Registry& r, const std::string& name,
                                         const std::string& help) {
  return prometheus::BuildHistogram().Name(name).Help(help).Register(r);
}

// Adds counts gathered elsewhere to the histogram of `labels` (bounds and counts as
// runtime_status.hpp keeps them).
void observe(Family<prometheus::Histogram>& family, const Labels& labels,
             const actors::Histogram& h) {
  const std::vector<double> counts(h.counts.begin(), h.counts.end());
  family.Add(labels, h.bounds).ObserveMultiple(counts, h.sum);
}

// The families of model workers, labelled by model, worker and device.
struct WorkerFamilies {
  explicit WorkerFamilies(Registry& r)
      : generated(counter(r, "recur_tokens_generated_total", "Tokens the model generated")),
        fed(counter(r, "recur_tokens_fed_total",
                    "Tokens fed to the model: prompts, observations and generated tokens")),
        passes(counter(r, "recur_forward_passes_total", "Forward passes (ticks)")),
        checkpoints(counter(r, "recur_checkpoints_total", "Sessions checkpointed")),
        checkpoint_bytes(counter(r, "recur_checkpoint_bytes_total",
                                 "Bytes of session state written to checkpoints")),
        checkpoint_seconds(
            counter(r, "recur_checkpoint_seconds_total", "Time spent writing checkpoints")),
        busy_seconds(counter(r, "recur_worker_busy_seconds_total",
                             "Time in ticks: forward passes, checkpoints, bookkeeping")),
        restarts(counter(r, "recur_worker_restarts_total", "Restarts of the worker")),
        rate(gauge(r, "recur_tokens_per_second",
                   "Tokens generated per second over the last 30 seconds")),
        resident(gauge(r, "recur_sessions_resident", "Sessions held in the worker's state pool")),
        waiting(gauge(r, "recur_sessions_waiting", "Resident sessions waiting for a tool")),
        slots(gauge(r, "recur_worker_slots", "Sessions the worker holds at most")),
        slots_used(gauge(r, "recur_worker_slots_used", "Sessions placed on the worker")),
        state_pool(gauge(r, "recur_worker_state_pool_bytes",
                         "Bytes of the worker's state pool: slots times one session's state")),
        up(gauge(r, "recur_worker_up", "1 when the worker answered the last reading")),
        step(histogram(r, "recur_step_duration_seconds", "Time of each forward pass")),
        batch(histogram(r, "recur_batch_size", "Sessions in each forward pass")) {}

  void add(const Labels& l, const actors::WorkerSnapshot& w, double per_s) {
    generated.Add(l).Increment(static_cast<double>(w.tokens_generated));
    fed.Add(l).Increment(static_cast<double>(w.tokens_fed));
    passes.Add(l).Increment(static_cast<double>(w.ticks));
    checkpoints.Add(l).Increment(static_cast<double>(w.checkpoints));
    checkpoint_bytes.Add(l).Increment(static_cast<double>(w.checkpoint_bytes));
    checkpoint_seconds.Add(l).Increment(w.checkpoint_seconds);
    busy_seconds.Add(l).Increment(w.busy_seconds);
    restarts.Add(l).Increment(w.restarts);
    rate.Add(l).Set(per_s);
    resident.Add(l).Set(static_cast<double>(w.sessions));
    waiting.Add(l).Set(static_cast<double>(w.waiting));
    slots.Add(l).Set(static_cast<double>(w.slots));
    slots_used.Add(l).Set(static_cast<double>(w.slots_used));
    state_pool.Add(l).Set(static_cast<double>(w.state_pool_bytes));
    up.Add(l).Set(w.state == actors::ChildState::up ? 1 : 0);
    observe(step, l, w.step_seconds);
    observe(batch, l, w.batch_size);
  }

  Family<Counter>&generated, &fed, &passes, &checkpoints, &checkpoint_bytes, &checkpoint_seconds,
      &busy_seconds, &restarts;
  Family<Gauge>&rate, &resident, &waiting, &slots, &slots_used, &state_pool, &up;
  Family<prometheus::Histogram>&step, &batch;
};

// The families of tool hosts, labelled by tool; the hosts of every supervisor add up.
struct ToolFamilies {
  explicit ToolFamilies(Registry& r)
      : calls(counter(r, "recur_tool_calls_total", "Tool calls answered, errors included")),
        errors(counter(r, "recur_tool_errors_total", "Tool calls answered with an error")),
        timeouts(counter(r, "recur_tool_timeouts_total", "Tool calls past their deadline")),
        running(gauge(r, "recur_tool_calls_running", "Tool calls running now")),
        queued(gauge(r, "recur_tool_calls_queued", "Tool calls waiting to run")),
        duration(histogram(r, "recur_tool_call_duration_seconds",
                           "Time from a call's arrival at its tool's host to its answer")) {}

  void add(const actors::ToolHostSnapshot& t) {
    const Labels l{{"tool", t.tool}};
    calls.Add(l).Increment(static_cast<double>(t.calls));
    errors.Add(l).Increment(static_cast<double>(t.errors));
    timeouts.Add(l).Increment(static_cast<double>(t.timeouts));
    running.Add(l).Increment(static_cast<double>(t.running));
    queued.Add(l).Increment(static_cast<double>(t.queued));
    observe(duration, l, t.call_seconds);
  }

  Family<Counter>&calls, &errors, &timeouts;
  Family<Gauge>&running, &queued;
  Family<prometheus::Histogram>& duration;
};

void add_runtime(Registry& r, const actors::RuntimeStatus& status, const WorkerRates& rates) {
  WorkerFamilies workers(r);
  ToolFamilies tools(r);
  auto& queued = gauge(r, "recur_sessions_queued", "Sessions waiting for a free slot");
  auto& recovered =
      counter(r, "recur_sessions_recovered_total", "Sessions placed again after their worker died");
  auto& up = gauge(r, "recur_supervisor_up", "1 when the model's supervisor answered");
  for (const auto& sup : status.supervisors) {
    const bool model = !sup.model.empty();  // else the supervisor of pipelines' tool calls
    const Labels model_labels{{"model", model_name(sup.model)}};
    if (model) up.Add(model_labels).Set(sup.answered ? 1 : 0);
    if (!sup.answered) continue;
    if (model) {
      queued.Add(model_labels).Set(static_cast<double>(sup.queued));
      recovered.Add(model_labels).Increment(static_cast<double>(sup.recovered));
    }
    for (const auto& w : sup.workers) {
      auto rate = rates.find({sup.model, w.index});
      workers.add({{"model", model_name(sup.model)},
                   {"worker", std::to_string(w.index)},
                   {"device", w.device}},
                  w, rate == rates.end() ? 0.0 : rate->second);
    }
    for (const auto& t : sup.tools) tools.add(t);
  }
}

}  // namespace

struct Metrics::Requests {
  Registry registry;
  Family<Counter>& count = counter(registry, "recur_http_requests_total",
                                   "HTTP requests answered, by route pattern and status code");
  Family<prometheus::Histogram>& duration =
      histogram(registry, "recur_http_request_duration_seconds",
                "Time from routing a request to its response written");
};

Metrics::Metrics() : requests_(std::make_unique<Requests>()) {}
Metrics::~Metrics() = default;

void Metrics::count_request(const std::string& method, const std::string& route, int status,
                            double seconds) {
  static const prometheus::Histogram::BucketBoundaries bounds{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60};
  requests_->count.Add({{"method", method}, {"route", route}, {"code", std::to_string(status)}})
      .Increment();
  if (seconds >= 0)
    requests_->duration.Add({{"method", method}, {"route", route}}, bounds).Observe(seconds);
}

std::string Metrics::render(const actors::RuntimeStatus& status, const WorkerRates& rates,
                            const JobCounts& jobs) const {
  // The runtime's counters are totals already: a registry of this reading carries them.
  Registry now;
  add_runtime(now, status, rates);
  auto& job_family = gauge(now, "recur_jobs", "Jobs in the store, by status");
  for (const auto& [name, n] : jobs) job_family.Add({{"status", name}}).Set(static_cast<double>(n));
  gauge(now, "process_resident_memory_bytes", "Resident memory of the recur serve process")
      .Add({})
      .Set(static_cast<double>(process_resident_bytes()));
  auto families = now.Collect();
  auto requests = requests_->registry.Collect();
  families.insert(families.end(), requests.begin(), requests.end());
  std::ostringstream out;
  prometheus::TextSerializer().Serialize(out, families);
  return out.str();
}

}  // namespace recur::server
