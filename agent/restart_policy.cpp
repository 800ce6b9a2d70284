#include "agent/restart_policy.hpp"

#include <algorithm>
#include <cmath>

namespace recur::agent {

RestartPolicy::RestartPolicy(RestartLimits limits) : limits_(limits), rng_(limits.seed) {}

void RestartPolicy::started(const std::string& child, Clock::time_point now) {
  children_[child].started = now;
}

std::optional<std::chrono::milliseconds> RestartPolicy::crashed(const std::string& child,
                                                                Clock::time_point now) {
  while (!restarts_.empty() && now - restarts_.front() > limits_.period) restarts_.pop_front();
  if (restarts_.size() + 1 > limits_.intensity) return std::nullopt;
  restarts_.push_back(now);

  Child& c = children_[child];
  if (c.started != Clock::time_point{} && now - c.started >= limits_.reset_after) c.streak = 0;
  const double base = static_cast<double>(limits_.min_backoff.count()) *
                      std::pow(2.0, static_cast<double>(std::min<std::uint32_t>(c.streak, 62)));
  const double capped = std::min(base, static_cast<double>(limits_.max_backoff.count()));
  std::uniform_real_distribution<double> factor(1.0 - limits_.jitter, 1.0 + limits_.jitter);
  ++c.streak;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(capped * factor(rng_))));
}

std::uint32_t RestartPolicy::streak(const std::string& child) const {
  auto it = children_.find(child);
  return it == children_.end() ? 0 : it->second.streak;
}

std::size_t RestartPolicy::recent_restarts(Clock::time_point now) const {
  return static_cast<std::size_t>(std::count_if(restarts_.begin(), restarts_.end(),
                                                [&](auto t) { return now - t <= limits_.period; }));
}

}  // namespace recur::agent
