#include "server/token_rate.hpp"

namespace recur::server {
namespace {

// Readings kept per worker at most, however often the status is read.
constexpr std::size_t kMaxReadings = 1024;

}  // namespace

TokenRate::TokenRate(std::chrono::milliseconds window) : window_(window) {}

double TokenRate::record(std::deque<Reading>& readings, Reading now) const {
  if (!readings.empty() &&
      (now.total < readings.back().total || now.restarts != readings.back().restarts))
    readings.clear();
  readings.push_back(now);
  // Drop what the window no longer needs: every reading older than the window but the newest of
  // those, which stays as the start when nothing newer precedes the last reading.
  while (readings.size() > 2 && readings[1].at <= now.at - window_) readings.pop_front();
  while (readings.size() > kMaxReadings) readings.pop_front();
  const Reading& first = readings.front();
  const double seconds = std::chrono::duration<double>(now.at - first.at).count();
  if (readings.size() < 2 || seconds <= 0) return 0;
  return static_cast<double>(now.total - first.total) / seconds;
}

WorkerRates TokenRate::read(const actors::RuntimeStatus& status, Clock::time_point at) {
  WorkerRates rates;
  std::lock_guard lock(mutex_);
  for (const auto& sup : status.supervisors) {
    if (!sup.answered) continue;
    for (const auto& w : sup.workers) {
      const auto key = std::make_pair(sup.model, w.index);
      rates[key] = record(readings_[key], {at, w.tokens_generated, w.restarts});
    }
  }
  return rates;
}

}  // namespace recur::server
