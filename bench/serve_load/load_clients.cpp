#include "bench/serve_load/load_clients.hpp"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <thread>

#include "server/api_client.hpp"

namespace recur::bench {
namespace {

using Clock = std::chrono::steady_clock;
using Json = nlohmann::json;

// How long a job cancelled at the give-up time may take to end before its client stops waiting.
constexpr std::chrono::seconds kCancelGrace{10};

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

std::uint64_t epoch_ms() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

bool ended(const std::string& status) {
  return !status.empty() && status != "queued" && status != "running";
}

// What every client shares: the spec, the latencies, the jobs' ends.
struct Shared {
  const ClientSpec& spec;
  Clock::time_point stop_submitting, give_up;
  RouteLatencies latencies;
  std::mutex mutex;
  std::vector<std::pair<std::string, ServedJob>> jobs;  // by id
  std::atomic<std::uint64_t> first_submit_ms{0};
  std::atomic<std::uint64_t> events{0};
};

// One client: its connection, its token, its jobs one after another.
class Client {
 public:
  Client(Shared& shared, std::size_t index)
      : shared_(shared), index_(index), http_(shared.spec.url) {
    http_.set_bearer_token_auth(shared.spec.tokens[index]);
    http_.set_keep_alive(true);
    http_.set_tcp_nodelay(true);
    http_.set_connection_timeout(std::chrono::seconds(5));
    http_.set_read_timeout(std::chrono::seconds(30));
  }

  void run() {
    std::deque<std::pair<std::string, std::uint64_t>> outstanding;  // id, seed
    for (std::uint64_t k = 0;;) {
      const bool open = Clock::now() < shared_.stop_submitting;
      while (open && outstanding.size() < kJobsPerClient) {
        const std::uint64_t seed = 1 + index_ + k++ * shared_.spec.tokens.size();
        std::string id = submit(seed);
        if (id.empty()) {
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          break;
        }
        outstanding.emplace_back(std::move(id), seed);
      }
      if (outstanding.empty()) {
        if (!open) return;
        continue;
      }
      const auto [id, seed] = outstanding.front();
      outstanding.pop_front();
      follow_to_end(id, seed);
    }
  }

 private:
  // Sends one request, records its time under `route`, returns the answer.
  template <class Call>
  httplib::Result timed(const std::string& route, Call&& call) {
    const auto t = Clock::now();
    httplib::Result r = call();
    shared_.latencies.add(route, ms_since(t), r && r->status / 100 == 2);
    return r;
  }

  std::string submit(std::uint64_t seed) {
    Json body = shared_.spec.job;
    body["seed"] = seed;
    std::uint64_t none = 0;
    shared_.first_submit_ms.compare_exchange_strong(none, epoch_ms());
    auto r = timed("POST /v1/jobs",
                   [&] { return http_.Post("/v1/jobs", body.dump(), "application/json"); });
    if (!r || r->status != 201) return "";
    return Json::parse(r->body).value("id", "");
  }

  // Follows the job to its end (by its event stream or by polling), reads its record and, when it
  // finished, its report.
  void follow_to_end(const std::string& id, std::uint64_t seed) {
    const std::uint64_t streamed_end_ms = index_ % 2 == 0 ? follow(id) : 0;
    ServedJob job = poll(id);
    job.seed = seed;
    if (streamed_end_ms != 0 && ended(job.status))
      shared_.latencies.add(
          "GET /v1/jobs/{id}/events (end event lag)",
          static_cast<double>(streamed_end_ms) - static_cast<double>(job.updated_ms), true);
    if (job.status == "finished")
      (void)timed("GET /v1/jobs/{id}/report",
                  [&] { return http_.Get("/v1/jobs/" + id + "/report"); });
    std::lock_guard lock(shared_.mutex);
    shared_.jobs.emplace_back(id, std::move(job));
  }

  // Follows the job's event stream to its end event (or past the give-up time); returns when the
  // end event came (ms since the epoch), 0 when it did not.
  std::uint64_t follow(const std::string& id) {
    auto api = server::ApiClient::connect(shared_.spec.url, shared_.spec.tokens[index_]);
    std::uint64_t end_ms = 0;
    Status s = api ? api->follow_events(id, 0,
                                        [&](const jobs::JobEvent& e) {
                                          ++shared_.events;
                                          if (e.type == "end") end_ms = epoch_ms();
                                          return Clock::now() < shared_.give_up;
                                        })
                   : Status(api.error());
    if (!s) shared_.latencies.add("GET /v1/jobs/{id}/events (end event lag)", 0, false);
    return end_ms;
  }

  // Polls the job until it has ended, calling a tool every tool_every polls; cancels it past the
  // give-up time and stops waiting kCancelGrace later. Returns the job's last record.
  ServedJob poll(const std::string& id) {
    ServedJob job;
    bool cancelled = false;
    std::size_t polls = 0;
    for (;;) {
      auto r = timed("GET /v1/jobs/{id}", [&] { return http_.Get("/v1/jobs/" + id); });
      if (r && r->status == 200) {
        const Json j = Json::parse(r->body, nullptr, false);
        if (!j.is_discarded()) {
          job.status = j.value("status", "");
          job.updated_ms = j.value("updated_ms", std::uint64_t{0});
          if (j.contains("summary")) job.tokens = j["summary"].value("tokens", std::uint64_t{0});
        }
      }
      if (ended(job.status)) return job;
      const auto now = Clock::now();
      if (now > shared_.give_up + kCancelGrace) return job;
      if (now > shared_.give_up && !cancelled) {
        (void)timed("POST /v1/jobs/{id}/cancel", [&] {
          return http_.Post("/v1/jobs/" + id + "/cancel", "", "application/json");
        });
        cancelled = true;
      }
      if (++polls % shared_.spec.tool_every == 0)
        (void)timed("POST /v1/tools/expr/call", [&] {
          return http_.Post("/v1/tools/expr/call", R"({"expression": "2 * 21"})",
                            "application/json");
        });
      std::this_thread::sleep_for(shared_.spec.poll);
    }
  }

  Shared& shared_;
  std::size_t index_;
  httplib::Client http_;
};

}  // namespace

ServedRun run_clients(const ClientSpec& spec) {
  Shared shared{spec, {}, {}, {}, {}, {}, {}, {}};
  const auto start = Clock::now();
  shared.stop_submitting = start + spec.duration;
  shared.give_up = shared.stop_submitting + spec.drain;
  std::vector<std::thread> threads;
  for (std::size_t c = 0; c < spec.tokens.size(); ++c)
    threads.emplace_back([&shared, c] { Client(shared, c).run(); });
  for (auto& t : threads) t.join();

  ServedRun run;
  run.seconds = ms_since(start) / 1000;
  run.routes = shared.latencies.snapshot();
  run.first_submit_ms = shared.first_submit_ms;
  run.events = shared.events;
  std::sort(shared.jobs.begin(), shared.jobs.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [id, job] : shared.jobs) run.jobs.push_back(std::move(job));
  return run;
}

}  // namespace recur::bench
