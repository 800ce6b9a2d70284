// Tokens per second of each model worker over a sliding window, for the service's metrics and its
// list of nodes. Workers count the tokens they generate since they started; each reading of the
// runtime's status records those totals, and a worker's rate is the growth from its latest reading
// at or before the window's start (its oldest while none is that old) to the newest. A worker that
// restarted (its restarts went up, or its total down) starts its readings over.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "actors/runtime_status.hpp"

namespace recur::server {

// A worker's rate by (model directory, worker index).
using WorkerRates = std::map<std::pair<std::string, std::size_t>, double>;

class TokenRate {
 public:
  using Clock = std::chrono::steady_clock;

  explicit TokenRate(std::chrono::milliseconds window = std::chrono::seconds(30));

  // Records the generated-token totals of every worker of `status`, read at `at`, and returns
  // each worker's rate in tokens per second (0 until a worker has two readings). Thread-safe.
  WorkerRates read(const actors::RuntimeStatus& status, Clock::time_point at);

 private:
  struct Reading {
    Clock::time_point at;
    std::uint64_t total = 0;
    std::uint32_t restarts = 0;
  };
  double record(std::deque<Reading>& readings, Reading now) const;

  std::chrono::milliseconds window_;
  std::mutex mutex_;
  std::map<std::pair<std::string, std::size_t>, std::deque<Reading>> readings_;
};

}  // namespace recur::server
