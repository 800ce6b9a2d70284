#include "bench/serve_load/load_round.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>

#include "bench/serve_load/recur_process.hpp"
#include "server/api_client.hpp"

namespace recur::bench {
namespace {

namespace fs = std::filesystem;

double self_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// Submits one job and follows it to its end, so the service has its model loaded before the load.
void warm_up(const ServeProcess& serve, const std::string& token, nlohmann::json job,
             const fs::path& log) {
  job["seed"] = 0;
  auto api = server::ApiClient::connect(serve.url(), token);
  auto created = api ? api->post("/v1/jobs", job) : Result<Json>(api.error());
  std::string status;
  if (created) {
    const std::string id = (*created)["id"];
    (void)api->follow_events(id, 0, [](const jobs::JobEvent&) { return true; });
    if (auto shown = api->get("/v1/jobs/" + id)) status = (*shown)["status"];
  }
  if (status != "finished") {
    std::fprintf(stderr, "serve_load: the warm-up job did not finish (%s); see %s\n",
                 created ? status.c_str() : created.error().message.c_str(), log.c_str());
    std::exit(1);
  }
}

}  // namespace

RoundResult run_round(const RoundSpec& spec) {
  const fs::path& src = spec.source_dir;
  const fs::path config = src / "configs" / "tools.json";
  const fs::path log = spec.work / "serve.log";
  fs::create_directories(spec.work);
  std::vector<std::string> args = {"serve",
                                   "--store",
                                   (spec.work / "served").string(),
                                   "--listen",
                                   "127.0.0.1:0",
                                   "--auth",
                                   spec.tokens_file.string(),
                                   "--models",
                                   (src / "models").string(),
                                   "--pipelines",
                                   (src / "bench" / "serve_load").string(),
                                   "--config",
                                   config.string(),
                                   "--parallel",
                                   std::to_string(spec.parallel),
                                   "--slots",
                                   std::to_string(spec.slots),
                                   "--json"};
  // Half the clients hold a stream each; the service's default cap (64) serves 128 clients.
  const std::size_t streams = (spec.clients.tokens.size() + 1) / 2;
  if (streams > 64) args.insert(args.end() - 1, {"--max-event-streams", std::to_string(streams)});
  ServeProcess serve = ServeProcess::start(spec.recur, args, src, log, std::chrono::seconds(60));
  ClientSpec clients = spec.clients;
  clients.url = serve.url();
  clients.job = {{"pipeline", "load"},
                 {"model", "addition-pointer"},
                 {"params", {{"agents", spec.agents}, {"digits", spec.digits}}}};
  warm_up(serve, clients.tokens.front(), clients.job, log);

  RoundResult r;
  const double server_cpu0 = process_cpu_seconds(serve.pid());
  const double client_cpu0 = self_cpu_seconds();
  r.served = run_clients(clients);
  r.server_cpu_s = process_cpu_seconds(serve.pid()) - server_cpu0;
  r.client_cpu_s = self_cpu_seconds() - client_cpu0;
  r.serve_exit = serve.stop();

  std::vector<std::uint64_t> seeds;
  std::uint64_t last_end_ms = 0;
  for (const ServedJob& j : r.served.jobs) {
    if (j.status != "finished") {
      ++r.not_finished;
      continue;
    }
    ++r.finished;
    seeds.push_back(j.seed);
    r.served_tokens += j.tokens;
    last_end_ms = std::max(last_end_ms, j.updated_ms);
  }
  r.served_s = last_end_ms > r.served.first_submit_ms
                   ? static_cast<double>(last_end_ms - r.served.first_submit_ms) / 1000
                   : r.served.seconds;

  InProcessSpec alone;
  alone.store_dir = spec.work / "in-process";
  alone.config = config;
  alone.model_dir = src / "models" / "addition-pointer";
  std::ifstream f(src / "bench" / "serve_load" / "load.lua");
  alone.source.assign(std::istreambuf_iterator<char>(f), {});
  alone.params = {{"agents", std::to_string(spec.agents)}, {"digits", std::to_string(spec.digits)}};
  alone.seeds = seeds;
  alone.parallel = spec.parallel;
  alone.outstanding = kJobsPerClient * clients.tokens.size();
  alone.devices.slots = spec.slots;
  r.in_process = run_in_process(alone);
  return r;
}

}  // namespace recur::bench
