// Requests per token per second, as a token bucket for each key (a token's name): a bucket holds
// at most `burst` requests and refills at `per_second`; a request takes one, or is refused with
// the whole seconds to wait, for the HTTP layer to answer 429 with a Retry-After header.
//
// Memory stays bounded: a bucket left alone long enough to fill up is the same as no bucket, so
// such buckets are dropped, in a sweep run at most once per filling time (burst / per_second).
// Buckets then exist only for keys seen within the last two filling times.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.hpp"

namespace recur::server {

struct RateLimit {
  double per_second = 10;  // requests per second, sustained
  double burst = 20;       // requests at once after a pause: the bucket's size
};

// invalid_argument naming the field when per_second is not a positive finite number or burst is
// not a finite number of at least 1.
Status check_rate_limit(const RateLimit& limit);

// What the limiter says of one request.
struct RateDecision {
  bool allowed = true;
  std::uint32_t retry_after_s = 0;  // when refused: seconds until one request is allowed, >= 1
};

// A token bucket per key. Thread-safe.
class RateLimiter {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;

  // `limit` must pass check_rate_limit. `clock` tells the time (steady_clock::now unless a test
  // drives it).
  explicit RateLimiter(RateLimit limit, Clock clock = &std::chrono::steady_clock::now);

  // Takes one request from `key`'s bucket when it holds one.
  RateDecision admit(std::string_view key);

  // The number of buckets held.
  std::size_t buckets() const;

 private:
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Bucket {
    double requests = 0;  // requests it holds, as of `updated`
    TimePoint updated;
  };

  double refilled(const Bucket& bucket, TimePoint now) const;
  void drop_full_buckets(TimePoint now);

  const RateLimit limit_;
  const Clock clock_;
  const std::chrono::duration<double> fill_time_;
  mutable std::mutex mutex_;
  std::unordered_map<std::string, Bucket> buckets_;
  TimePoint last_sweep_;
};

}  // namespace recur::server
