// The application both servers of http_library_bench serve: a table of jobs behind
// GET /v1/jobs/{id} and POST /v1/jobs (nlohmann/json both ways), and a hub that hands one job event
// to every open event stream every 100 ms. Both servers call this same code, so the bench compares
// the HTTP libraries, not the handlers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

namespace recur::bench {

// The largest request body either server accepts; larger ones are refused with 413.
inline constexpr std::size_t kMaxRequestBody = 64 * 1024;

// A handler's answer: the HTTP status and a JSON body.
struct ApiResponse {
  int status = 200;
  std::string body;
};

// "job-000042": the id of the i-th seeded job.
std::string job_id(std::size_t i);

// A POST /v1/jobs body of about 1 KB; `i` varies the seed inside it.
std::string submit_body(std::size_t i);

// The jobs the API serves: `seeded` jobs exist from the start; submitted jobs are kept up to a
// bound, oldest dropped first. Safe to call from many threads.
class JobTable {
 public:
  explicit JobTable(std::size_t seeded);

  // 200 with the job's JSON (about 300 bytes), or 404 when no job has that id.
  ApiResponse get(std::string_view id) const;

  // Parses a submission; 201 with {"id", "state"} when it names a pipeline, 400 otherwise.
  ApiResponse submit(std::string_view body);

 private:
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, nlohmann::json> jobs_;
  std::deque<std::string> submitted_;
  std::uint64_t next_submitted_ = 0;
};

// Fans events out to subscribers. A subscriber is called on the publishing thread and returns
// false once its stream is gone, which drops it.
class EventHub {
 public:
  using Event = std::shared_ptr<const std::string>;
  using Subscriber = std::function<bool(const Event& event)>;

  void subscribe(Subscriber subscriber);
  void publish(const Event& event);

 private:
  std::mutex mutex_;
  std::vector<Subscriber> subscribers_;
};

// Publishes one Server-Sent Event every `period` from a thread of its own, for the life of the
// process: "id: N\nevent: job\ndata: {"seq":N,"published_ns":T,...}\n\n", T on the steady clock.
void start_event_ticker(EventHub& hub, std::chrono::milliseconds period);

}  // namespace recur::bench
