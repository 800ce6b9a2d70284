// When a supervisor restarts a crashed child, and when it gives up: Erlang/OTP's restart intensity
// (more than `intensity` restarts within `period` stop the supervisor) with Akka's exponential
// backoff (each crash in a row doubles the child's delay, up to a cap, scaled by random jitter; a
// child that stayed up for `reset_after` starts again from the smallest delay).
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <string>

namespace recur::agent {

struct RestartLimits {
  std::size_t intensity = 3;               // restarts allowed within `period`, all children
  std::chrono::milliseconds period{5000};  // together (OTP counts per supervisor)
  std::chrono::milliseconds min_backoff{10};
  std::chrono::milliseconds max_backoff{5000};
  double jitter = 0.2;  // a delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]
  std::chrono::milliseconds reset_after{10000};
  std::uint64_t seed = 0x5eed;  // of the jitter
};

class RestartPolicy {
 public:
  using Clock = std::chrono::steady_clock;

  explicit RestartPolicy(RestartLimits limits = {});

  // The child was (re)started at `now`.
  void started(const std::string& child, Clock::time_point now);
  // The child crashed at `now`: the delay before restarting it, or nullopt when this restart would
  // exceed the intensity (the supervisor must stop).
  std::optional<std::chrono::milliseconds> crashed(const std::string& child, Clock::time_point now);

  // Crashes in a row of a child (0 after a quiet period).
  std::uint32_t streak(const std::string& child) const;
  // Restarts granted within the period that ends at `now`.
  std::size_t recent_restarts(Clock::time_point now) const;
  const RestartLimits& limits() const { return limits_; }

 private:
  struct Child {
    std::uint32_t streak = 0;
    Clock::time_point started{};
  };
  RestartLimits limits_;
  std::map<std::string, Child> children_;
  std::deque<Clock::time_point> restarts_;  // within the period
  std::mt19937_64 rng_;
};

}  // namespace recur::agent
