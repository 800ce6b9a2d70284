// The events of jobs, kept in the store so that a client that reconnects misses none: a job's
// status changes (`status`), its script's `log` lines, `progress` and report `row`s, and its `end`.
// Each job's events are numbered from 1 in the order they were added; a number is never given to
// two events, across restarts of the process too.
//
// Writers add events from the threads that run jobs; readers wait for events past the last they
// saw (Server-Sent Events with Last-Event-ID).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/json.hpp"
#include "base/result.hpp"
#include "store/store.hpp"

namespace recur::jobs {

struct JobEvent {
  std::uint64_t id = 0;  // 1, 2, ... within the job
  std::string type;      // status | log | progress | row | end
  Json data;

  // {"id", "type", "data"}
  Json to_json() const;
};

class JobEventLog {
 public:
  // Keeps events in `store` (the job store; its handle's sync setting is kept for status and end
  // events, and log, progress and row events, which a resumed job reports again, are written
  // without waiting for the disk).
  explicit JobEventLog(Store store);

  // Adds an event; returns its id.
  Result<std::uint64_t> add(const std::string& job, std::string type, Json data);
  // Up to `limit` events of `job` with ids above `after`, in order.
  Result<std::vector<JobEvent>> read(const std::string& job, std::uint64_t after,
                                     std::size_t limit) const;
  // The id of the job's last event (0: none).
  Result<std::uint64_t> last_id(const std::string& job) const;
  // Waits until the job has an event past `after` or `timeout` passes; true when it has one.
  bool wait(const std::string& job, std::uint64_t after, std::chrono::milliseconds timeout);
  // Wakes every waiter (the service is stopping).
  void wake_all();

 private:
  std::string log_key(const std::string& job) const;
  Store store_, unsynced_;
  // The readers waiting on one job: an event wakes only the readers of its job, not every stream.
  struct Watch {
    std::condition_variable added;
    std::size_t waiters = 0;
  };

  mutable std::mutex mutex_;
  std::map<std::string, std::shared_ptr<Watch>> watches_;  // by job, while it has waiters
  std::map<std::string, std::uint64_t> last_;  // last id by job, as known to this process
  bool woken_ = false;
};

}  // namespace recur::jobs
