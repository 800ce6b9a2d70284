// Tokens per second of each worker over a sliding window, from readings at given times (never the
// clock): zero until a second reading, the growth from the latest reading at or before the
// window's start, and a restarted worker's readings started over.
#include "server/token_rate.hpp"

#include <gtest/gtest.h>

namespace recur::server {
namespace {

using namespace std::chrono_literals;
using Clock = TokenRate::Clock;

// A runtime with one model, models/m, whose workers generated `totals` tokens so far.
actors::RuntimeStatus status_of(std::vector<std::uint64_t> totals, std::uint32_t restarts = 0) {
  actors::SupervisorSnapshot sup;
  sup.model = "models/m";
  sup.answered = true;
  for (std::size_t i = 0; i < totals.size(); ++i) {
    actors::WorkerSnapshot w;
    w.index = i;
    w.tokens_generated = totals[i];
    w.restarts = restarts;
    sup.workers.push_back(w);
  }
  return {{sup}, {}};
}

double rate_of(const WorkerRates& rates, std::size_t worker) {
  return rates.at({"models/m", worker});
}

class TokenRates : public ::testing::Test {
 protected:
  double read(std::uint64_t total, Clock::duration at, std::uint32_t restarts = 0) {
    return rate_of(rates_.read(status_of({total}, restarts), t0_ + at), 0);
  }
  Clock::time_point t0_{};
  TokenRate rates_{30s};
};

TEST_F(TokenRates, AWorkerHasNoRateUntilItsSecondReading) {
  EXPECT_EQ(read(100, 0s), 0);
  EXPECT_EQ(read(120, 2s), 10);
  EXPECT_EQ(read(160, 4s), 15);  // from the first reading: it is within the window
}

TEST_F(TokenRates, TheRateSpansFromTheLatestReadingAtOrBeforeTheWindowsStart) {
  read(0, 0s);
  read(100, 10s);
  read(200, 20s);
  // At 40 s the window starts at 10 s: the reading then is the start.
  EXPECT_EQ(read(700, 40s), 20);
  // At 55 s it starts at 25 s: the latest reading before it, at 20 s, is the start.
  EXPECT_EQ(read(1075, 55s), 25);
  // Readings further apart than the window: the previous one is the start.
  EXPECT_EQ(read(2075, 155s), 10);
}

TEST_F(TokenRates, ATotalThatWentDownOrMoreRestartsStartTheReadingsOver) {
  read(500, 0s);
  EXPECT_EQ(read(600, 10s), 10);
  EXPECT_EQ(read(50, 20s), 0);  // the worker restarted: counts from zero again
  EXPECT_EQ(read(250, 30s), 20);
  // Restarted and already past its old total by the next reading: its restarts tell.
  EXPECT_EQ(read(900, 40s, 1), 0);
  EXPECT_EQ(read(1000, 50s, 1), 10);
}

TEST_F(TokenRates, WorkersAreReadApartAndUnansweredSupervisorsAreLeftOut) {
  rates_.read(status_of({0, 1000}), t0_);
  const WorkerRates rates = rates_.read(status_of({30, 1600}), t0_ + 3s);
  EXPECT_EQ(rate_of(rates, 0), 10);
  EXPECT_EQ(rate_of(rates, 1), 200);

  actors::RuntimeStatus silent = status_of({9000, 9000});
  silent.supervisors[0].answered = false;
  silent.supervisors[0].workers.clear();
  EXPECT_TRUE(rates_.read(silent, t0_ + 4s).empty());
  // Their readings are kept for when they answer again.
  EXPECT_EQ(rate_of(rates_.read(status_of({60, 2200}), t0_ + 6s), 1), 200);
}

}  // namespace
}  // namespace recur::server
