// When a supervisor restarts a child: exponential backoff from the smallest delay up to the cap,
// scaled by jitter, back to the smallest after a quiet period; and never more often than the
// intensity allows within the period, counting every child.
#include "agent/restart_policy.hpp"

#include <gtest/gtest.h>

namespace recur::agent {
namespace {

using namespace std::chrono_literals;
using Clock = RestartPolicy::Clock;

RestartLimits limits(std::size_t intensity, double jitter) {
  RestartLimits l;
  l.intensity = intensity;
  l.period = 1000ms;
  l.min_backoff = 10ms;
  l.max_backoff = 100ms;
  l.jitter = jitter;
  l.reset_after = 500ms;
  return l;
}

TEST(RestartPolicy, DelaysDoubleFromTheSmallestUpToTheCap) {
  RestartPolicy p(limits(100, 0.0));
  const auto t0 = Clock::now();
  p.started("w", t0);
  std::vector<long> delays;
  for (int i = 0; i < 6; ++i) delays.push_back(p.crashed("w", t0 + i * 1ms)->count());
  EXPECT_EQ(delays, (std::vector<long>{10, 20, 40, 80, 100, 100}));
  EXPECT_EQ(p.streak("w"), 6u);
}

TEST(RestartPolicy, JitterKeepsEachDelayInItsBandAndTheDelaysStillGrow) {
  RestartPolicy p(limits(100, 0.2));
  const auto t0 = Clock::now();
  double before = 0;
  for (int i = 0; i < 4; ++i) {
    const double base = 10.0 * (1 << i);
    const double d = static_cast<double>(p.crashed("w", t0 + i * 1ms)->count());
    EXPECT_GE(d, std::floor(base * 0.8));
    EXPECT_LE(d, std::ceil(base * 1.2));
    EXPECT_GT(d, before);
    before = d;
  }
}

TEST(RestartPolicy, AChildThatStayedUpThroughTheQuietPeriodStartsOverAtTheSmallestDelay) {
  RestartPolicy p(limits(100, 0.0));
  const auto t0 = Clock::now();
  EXPECT_EQ(p.crashed("w", t0)->count(), 10);
  EXPECT_EQ(p.crashed("w", t0 + 1ms)->count(), 20);
  p.started("w", t0 + 2ms);
  EXPECT_EQ(p.crashed("w", t0 + 100ms)->count(), 40);  // up 98 ms: still in a row
  p.started("w", t0 + 200ms);
  EXPECT_EQ(p.crashed("w", t0 + 700ms)->count(), 10);  // up 500 ms: a fresh start
}

TEST(RestartPolicy, MoreRestartsThanTheIntensityWithinThePeriodAreRefused) {
  RestartPolicy p(limits(3, 0.0));
  const auto t0 = Clock::now();
  EXPECT_TRUE(p.crashed("a", t0));
  EXPECT_TRUE(p.crashed("b", t0 + 100ms));  // every child counts
  EXPECT_TRUE(p.crashed("a", t0 + 200ms));
  EXPECT_EQ(p.recent_restarts(t0 + 200ms), 3u);
  EXPECT_FALSE(p.crashed("b", t0 + 300ms));
  // Once the first restart is older than the period, one more is allowed.
  EXPECT_TRUE(p.crashed("b", t0 + 1101ms));
}

}  // namespace
}  // namespace recur::agent
