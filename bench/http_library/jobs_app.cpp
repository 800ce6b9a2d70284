#include "bench/http_library/jobs_app.hpp"

#include <cstdio>
#include <thread>

namespace recur::bench {

namespace {

constexpr std::size_t kMaxSubmitted = 4096;

nlohmann::json seeded_job(std::size_t i) {
  const std::string id = job_id(i);
  return {{"id", id},
          {"pipeline", "addition"},
          {"state", "running"},
          {"created_at", "2025-01-15T10:42:07Z"},
          {"updated_at", "2025-01-15T10:42:09Z"},
          {"model", "mamba-130m"},
          {"progress", {{"step", i % 64}, {"steps", 64}}},
          {"tokens", {{"prompt", 812}, {"generated", 2048 + i}}},
          {"result", nullptr},
          {"error", nullptr},
          {"events", "/v1/jobs/" + id + "/events"}};
}

}  // namespace

std::string job_id(std::size_t i) {
  char id[32];
  std::snprintf(id, sizeof id, "job-%06zu", i);
  return id;
}

std::string submit_body(std::size_t i) {
  std::string prompt;
  while (prompt.size() < 820) prompt += "add the two numbers and show every carry: 48213 + 99174; ";
  const nlohmann::json body = {{"pipeline", "addition"},
                               {"model", "mamba-130m"},
                               {"input", {{"prompt", prompt}}},
                               {"params", {{"max_tokens", 256}, {"temperature", 0.0}, {"seed", i}}},
                               {"tags", {"bench", "http"}}};
  return body.dump();
}

JobTable::JobTable(std::size_t seeded) {
  for (std::size_t i = 0; i < seeded; ++i) jobs_.emplace(job_id(i), seeded_job(i));
}

ApiResponse JobTable::get(std::string_view id) const {
  std::shared_lock lock(mutex_);
  const auto it = jobs_.find(std::string(id));
  if (it == jobs_.end()) return {404, R"({"error":"no such job"})"};
  return {200, it->second.dump()};
}

ApiResponse JobTable::submit(std::string_view body) {
  nlohmann::json request = nlohmann::json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("pipeline") ||
      !request["pipeline"].is_string()) {
    return {400, R"({"error":"a submission names a pipeline"})"};
  }
  std::unique_lock lock(mutex_);
  const std::string id = "sub-" + std::to_string(next_submitted_++);
  request["id"] = id;
  request["state"] = "queued";
  jobs_.emplace(id, std::move(request));
  submitted_.push_back(id);
  if (submitted_.size() > kMaxSubmitted) {
    jobs_.erase(submitted_.front());
    submitted_.pop_front();
  }
  lock.unlock();
  return {201, nlohmann::json{{"id", id}, {"state", "queued"}}.dump()};
}

void EventHub::subscribe(Subscriber subscriber) {
  std::lock_guard lock(mutex_);
  subscribers_.push_back(std::move(subscriber));
}

void EventHub::publish(const Event& event) {
  std::lock_guard lock(mutex_);
  std::erase_if(subscribers_, [&](const Subscriber& s) { return !s(event); });
}

void start_event_ticker(EventHub& hub, std::chrono::milliseconds period) {
  std::thread([&hub, period] {
    auto next = std::chrono::steady_clock::now();
    for (std::uint64_t seq = 0;; ++seq) {
      next += period;
      std::this_thread::sleep_until(next);
      const auto now = std::chrono::steady_clock::now().time_since_epoch();
      const nlohmann::json data = {
          {"seq", seq},
          {"published_ns", std::chrono::duration_cast<std::chrono::nanoseconds>(now).count()},
          {"job", "job-000000"},
          {"state", "running"},
          {"step", seq % 64}};
      hub.publish(std::make_shared<const std::string>(
          "id: " + std::to_string(seq) + "\nevent: job\ndata: " + data.dump() + "\n\n"));
    }
  }).detach();
}

}  // namespace recur::bench
