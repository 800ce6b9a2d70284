#include "jobs/job_events.hpp"

namespace recur::jobs {

Json JobEvent::to_json() const {
  return {{"id", id}, {"type", type}, {"data", data}};
}

JobEventLog::JobEventLog(Store store) : store_(std::move(store)), unsynced_(store_) {
  StoreOptions quick = store_.options();
  quick.sync = false;
  if (auto opened = Store::open(store_.dir(), quick)) unsynced_ = std::move(*opened);
}

std::string JobEventLog::log_key(const std::string& job) const {
  return key_prefix({"jobs", "events", job});
}

Result<std::uint64_t> JobEventLog::add(const std::string& job, std::string type, Json data) {
  const bool durable = type == "status" || type == "end";
  const std::string value = Json{{"type", std::move(type)}, {"data", std::move(data)}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  auto index = (durable ? store_ : unsynced_).append(log_key(job), std::vector<std::string>{value});
  if (!index) return index.error();
  const std::uint64_t id = *index + 1;
  last_[job] = id;
  if (auto it = watches_.find(job); it != watches_.end()) it->second->added.notify_all();
  return id;
}

Result<std::vector<JobEvent>> JobEventLog::read(const std::string& job, std::uint64_t after,
                                                std::size_t limit) const {
  const std::string log = log_key(job);
  // Event `id` is the log's entry id - 1: start after the entry of event `after`.
  auto page = store_.scan(log, after == 0 ? std::string() : log + ordered_key(after - 1), limit);
  if (!page) return page.error();
  std::vector<JobEvent> events;
  for (const auto& [key, value] : page->entries) {
    auto index = parse_ordered_key(std::string_view(key).substr(log.size()));
    const Json j = Json::parse(value, nullptr, false);
    if (!index || j.is_discarded() || !j.is_object())
      return fail(ErrorCode::data_loss, "job " + job + ": a damaged event record");
    if (*index + 1 <= after) continue;
    events.push_back({*index + 1, j.value("type", ""), j.value("data", Json())});
  }
  return events;
}

Result<std::uint64_t> JobEventLog::last_id(const std::string& job) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = last_.find(job); it != last_.end()) return it->second;
  }
  return store_.log_size(log_key(job));
}

bool JobEventLog::wait(const std::string& job, std::uint64_t after,
                       std::chrono::milliseconds timeout) {
  auto last = last_id(job);
  if (last && *last > after) return true;
  std::unique_lock lock(mutex_);
  auto& slot = watches_[job];
  if (!slot) slot = std::make_shared<Watch>();
  const std::shared_ptr<Watch> watch = slot;
  ++watch->waiters;
  watch->added.wait_for(lock, timeout, [&] {
    auto it = last_.find(job);
    return woken_ || (it != last_.end() && it->second > after);
  });
  if (--watch->waiters == 0) watches_.erase(job);
  auto it = last_.find(job);
  return it != last_.end() && it->second > after;
}

void JobEventLog::wake_all() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  for (auto& [job, watch] : watches_) watch->added.notify_all();
}

}  // namespace recur::jobs
