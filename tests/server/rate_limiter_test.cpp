// The per-token rate limiter: burst, refill, Retry-After, independence of keys, eviction of idle
// buckets and thread safety, on a clock the test moves.
#include "server/rate_limiter.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <limits>
#include <thread>
#include <vector>

namespace recur::server {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A clock that moves only when the test says.
struct FakeClock {
  std::chrono::steady_clock::time_point now{};
  RateLimiter::Clock clock() {
    return [this] { return now; };
  }
};

// Admits `n` requests of `key` and returns how many were allowed.
int allowed_of(RateLimiter& limiter, const std::string& key, int n) {
  int allowed = 0;
  for (int i = 0; i < n; ++i) allowed += limiter.admit(key).allowed ? 1 : 0;
  return allowed;
}

TEST(RateLimiter, AllowsABurstThenRefuses) {
  FakeClock t;
  RateLimiter limiter({.per_second = 1, .burst = 5}, t.clock());
  EXPECT_EQ(allowed_of(limiter, "ci", 5), 5);
  const RateDecision refused = limiter.admit("ci");
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_s, 1u);
  const RateDecision allowed = RateLimiter({.per_second = 1, .burst = 5}, t.clock()).admit("ci");
  EXPECT_TRUE(allowed.allowed);
  EXPECT_EQ(allowed.retry_after_s, 0u);
}

TEST(RateLimiter, RefillsAtTheRateUpToTheBurst) {
  FakeClock t;
  RateLimiter limiter({.per_second = 4, .burst = 2}, t.clock());
  EXPECT_EQ(allowed_of(limiter, "ci", 3), 2);
  t.now += milliseconds(250);  // one request's worth
  EXPECT_EQ(allowed_of(limiter, "ci", 3), 1);
  t.now += milliseconds(500);  // two
  EXPECT_EQ(allowed_of(limiter, "ci", 3), 2);
  t.now += seconds(60);  // far more than fits: the bucket holds the burst, no more
  EXPECT_EQ(allowed_of(limiter, "ci", 10), 2);
  // Sustained: one request per 250 ms is always allowed.
  for (int i = 0; i < 20; ++i) {
    t.now += milliseconds(250);
    EXPECT_TRUE(limiter.admit("ci").allowed) << i;
  }
}

TEST(RateLimiter, RetryAfterIsTheWholeSecondsUntilOneRequestRefills) {
  FakeClock t;
  RateLimiter limiter({.per_second = 0.25, .burst = 1}, t.clock());  // one per 4 s
  EXPECT_TRUE(limiter.admit("ci").allowed);
  EXPECT_EQ(limiter.admit("ci").retry_after_s, 4u);
  t.now += seconds(1);
  EXPECT_EQ(limiter.admit("ci").retry_after_s, 3u);
  t.now += milliseconds(500);  // 2.5 s left: rounds up
  EXPECT_EQ(limiter.admit("ci").retry_after_s, 3u);
  t.now += milliseconds(2000);  // 0.5 s left: rounds up
  EXPECT_EQ(limiter.admit("ci").retry_after_s, 1u);
  t.now += milliseconds(499);
  EXPECT_EQ(limiter.admit("ci").retry_after_s, 1u);
  t.now += milliseconds(1);
  EXPECT_TRUE(limiter.admit("ci").allowed);
}

TEST(RateLimiter, ABucketNeverHoldsMoreThanItsBurst) {
  FakeClock t;
  RateLimiter limiter({.per_second = 1, .burst = 4}, t.clock());  // fills in 4 s
  t.now += seconds(1);
  EXPECT_EQ(allowed_of(limiter, "ci", 4), 4);
  t.now += seconds(3);
  limiter.admit("other");       // a sweep at 4 s keeps ci's bucket: it holds 3
  t.now += milliseconds(3900);  // no sweep before 8 s; ci would hold 6.9 without the bound
  EXPECT_EQ(allowed_of(limiter, "ci", 10), 4);
}

TEST(RateLimiter, RefusedRequestsDoNotPostponeTheNext) {
  FakeClock t;
  RateLimiter limiter({.per_second = 1, .burst = 1}, t.clock());
  EXPECT_TRUE(limiter.admit("ci").allowed);
  for (int i = 0; i < 9; ++i) {
    t.now += milliseconds(100);
    EXPECT_FALSE(limiter.admit("ci").allowed);
  }
  t.now += milliseconds(100);
  EXPECT_TRUE(limiter.admit("ci").allowed);
}

TEST(RateLimiter, KeysHaveBucketsOfTheirOwn) {
  FakeClock t;
  RateLimiter limiter({.per_second = 1, .burst = 3}, t.clock());
  EXPECT_EQ(allowed_of(limiter, "ci", 5), 3);
  EXPECT_EQ(allowed_of(limiter, "ops", 5), 3);
  EXPECT_FALSE(limiter.admit("ci").allowed);
  EXPECT_EQ(limiter.buckets(), 2u);
}

TEST(RateLimiter, BucketsOfIdleKeysAreDropped) {
  FakeClock t;
  RateLimiter limiter({.per_second = 10, .burst = 10}, t.clock());  // fills in 1 s
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.admit("key-" + std::to_string(i)).allowed);
  EXPECT_EQ(limiter.buckets(), 1000u);
  t.now += milliseconds(999);
  EXPECT_TRUE(limiter.admit("active").allowed);
  EXPECT_EQ(limiter.buckets(), 1001u);  // not full yet: kept
  t.now += milliseconds(1);
  EXPECT_TRUE(limiter.admit("active").allowed);
  EXPECT_EQ(limiter.buckets(), 1u);  // full again: the same as no bucket
}

TEST(RateLimiter, DroppingNeverForgetsASpentBucket) {
  FakeClock t;
  RateLimiter limiter({.per_second = 1, .burst = 4}, t.clock());  // fills in 4 s
  EXPECT_EQ(allowed_of(limiter, "greedy", 4), 4);
  for (int i = 0; i < 3; ++i) {
    t.now += seconds(3);  // sweeps run; the bucket is not yet full
    limiter.admit("other-" + std::to_string(i));
    EXPECT_EQ(allowed_of(limiter, "greedy", 10), 3) << i;
  }
}

TEST(RateLimiter, ConcurrentRequestsShareOneBucketExactly) {
  FakeClock t;  // frozen: no refill while the threads run
  RateLimiter limiter({.per_second = 1, .burst = 100000}, t.clock());
  std::atomic<int> allowed = 0;
  std::latch start(8);
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int j = 0; j < 25000; ++j) allowed += limiter.admit("ci").allowed ? 1 : 0;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(allowed.load(), 100000);
}

TEST(RateLimiter, LimitsMustBePositive) {
  EXPECT_TRUE(check_rate_limit({.per_second = 0.5, .burst = 1}).ok());
  for (const RateLimit bad : {RateLimit{0, 5}, RateLimit{-1, 5}, RateLimit{1, 0.5},
                              RateLimit{std::numeric_limits<double>::infinity(), 5},
                              RateLimit{1, std::numeric_limits<double>::quiet_NaN()}}) {
    auto s = check_rate_limit(bad);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, ErrorCode::invalid_argument);
  }
  EXPECT_NE(check_rate_limit({0, 5}).error().message.find("per_second"), std::string::npos);
  EXPECT_NE(check_rate_limit({1, 0}).error().message.find("burst"), std::string::npos);
}

}  // namespace
}  // namespace recur::server
