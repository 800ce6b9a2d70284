// The routes of what the service measures of itself: GET /metrics, the exposition Prometheus
// scrapes (server/metrics.hpp), and GET /v1/nodes, the cluster's members (server/nodes.hpp). Both
// read the runtime's status at once; each reading also feeds the workers' tokens per second.
#include <limits>

#include "server/http_route.hpp"
#include "server/metrics.hpp"
#include "server/nodes.hpp"

namespace recur::server {
namespace {

// How long a reading waits for the runtime's supervisors (their children half of it): a stuck
// actor shows as unanswered or silent instead of holding the scrape.
constexpr std::chrono::milliseconds kStatusWait{1000};

// Prometheus's text exposition format, version 0.0.4.
constexpr const char* kExpositionType = "text/plain; version=0.0.4; charset=utf-8";

// Jobs in the store by status, every status listed (zeros included).
Result<JobCounts> job_counts(const Service& service) {
  auto all = service.jobs(std::nullopt, std::numeric_limits<std::size_t>::max(), "");
  if (!all) return all.error();
  JobCounts counts;
  for (int s = 0; s <= static_cast<int>(jobs::JobStatus::cancelled); ++s)
    counts[jobs::job_status_name(static_cast<jobs::JobStatus>(s))] = 0;
  for (const auto& job : all->jobs) ++counts[jobs::job_status_name(job.status)];
  return counts;
}

// The runtime's status now, with each worker's rate (this reading counts towards later rates).
struct RuntimeReading {
  actors::RuntimeStatus status;
  WorkerRates rates;
};
RuntimeReading read_runtime(HttpServer::Impl& impl) {
  RuntimeReading r{impl.service.runtime().status(kStatusWait), {}};
  r.rates = impl.rates.read(r.status, TokenRate::Clock::now());
  return r;
}

}  // namespace

void add_metrics_routes(HttpServer::Impl& impl, Router& http) {
  Service& service = impl.service;
  http.Get("/metrics", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
             auto jobs = job_counts(service);
             if (!jobs) return jobs.error();
             const RuntimeReading now = read_runtime(impl);
             res.status = 200;
             res.set_content(impl.metrics.render(now.status, now.rates, *jobs), kExpositionType);
             return {};
           }));
  http.Get(
      "/v1/nodes", route(impl, Role::read, [&](const Request&, Response& res) -> Status {
        const RuntimeReading now = read_runtime(impl);
        Json nodes = Json::array();
        nodes.push_back(local_node(host_name(), now.status, now.rates,
                                   std::chrono::system_clock::now(), process_resident_bytes()));
        for (auto& n : cluster_nodes(now.status, now.rates)) nodes.push_back(std::move(n));
        send_json(res, 200, {{"nodes", nodes}});
        return {};
      }));
}

}  // namespace recur::server
