#include "server/rate_limiter.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

namespace recur::server {

Status check_rate_limit(const RateLimit& limit) {
  if (!std::isfinite(limit.per_second) || limit.per_second <= 0)
    return fail(ErrorCode::invalid_argument, "rate limit: per_second must be a positive number");
  if (!std::isfinite(limit.burst) || limit.burst < 1)
    return fail(ErrorCode::invalid_argument, "rate limit: burst must be at least 1");
  return {};
}

RateLimiter::RateLimiter(RateLimit limit, Clock clock)
    : limit_(limit),
      clock_(std::move(clock)),
      fill_time_(limit.burst / limit.per_second),
      last_sweep_(clock_()) {}

double RateLimiter::refilled(const Bucket& bucket, TimePoint now) const {
  const double elapsed = std::max(0.0, std::chrono::duration<double>(now - bucket.updated).count());
  return std::min(limit_.burst, bucket.requests + elapsed * limit_.per_second);
}

void RateLimiter::drop_full_buckets(TimePoint now) {
  if (now - last_sweep_ < fill_time_) return;
  last_sweep_ = now;
  std::erase_if(buckets_,
                [&](const auto& entry) { return refilled(entry.second, now) >= limit_.burst; });
}

RateDecision RateLimiter::admit(std::string_view key) {
  std::lock_guard lock(mutex_);
  const TimePoint now = clock_();  // under the lock: a bucket's time never goes back
  drop_full_buckets(now);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end())
    it = buckets_.emplace(std::string(key), Bucket{limit_.burst, now}).first;
  Bucket& bucket = it->second;
  bucket.requests = refilled(bucket, now);
  bucket.updated = now;
  if (bucket.requests + 1e-9 >= 1) {  // a whole request, up to rounding of the refill
    bucket.requests -= 1;
    return {};
  }
  const double wait_s = (1 - bucket.requests) / limit_.per_second;
  const double whole = std::max(1.0, std::ceil(wait_s));
  const double most = std::numeric_limits<std::uint32_t>::max();
  return {false, static_cast<std::uint32_t>(std::min(whole, most))};
}

std::size_t RateLimiter::buckets() const {
  std::lock_guard lock(mutex_);
  return buckets_.size();
}

}  // namespace recur::server
