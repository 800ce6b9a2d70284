// A session survives kill -9 of its process: `recur agent` is killed with SIGKILL at random points
// of a long greedy session, continued each time with --resume --session ID --store DIR, and its
// final result is bit-identical to an uninterrupted run's.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "support/session_scripts.hpp"
#include "support/subprocess.hpp"
#include "support/temp_dir.hpp"

namespace recur::agent {
namespace {

using Clock = std::chrono::steady_clock;
using testing::Json;

using recur::testing::Exit;

// Runs `recur ARGS` in `dir`; with `kill_after`, sends SIGKILL after that long unless it ended.
Exit run_recur(const std::vector<std::string>& args, const std::filesystem::path& dir,
               std::optional<std::chrono::milliseconds> kill_after = {}) {
  return recur::testing::run_program(RECUR_CLI, args, dir, kill_after);
}

// The result line of a finished run, without timings.
Json result_of(const Exit& e) {
  EXPECT_EQ(e.status, 0) << e.err;
  Json j = Json::parse(e.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << e.out;
  j.erase("timings");
  return j;
}

TEST(AgentResume, ASessionKilledAtRandomPointsAndResumedEndsBitIdentical) {
  recur::testing::TempDir dir;
  // Random weights: every token depends on the whole state, the tape and the protocol state, so
  // anything a checkpoint lost or restored wrong changes the tokens that follow.
  const auto bundle = write_random_bundle(testing::pointer_copy_script(), dir / "bundle", 7, true);
  const std::vector<std::string> session = {
      "agent",        "--model", bundle.dir.string(),  "--session", "long", "--threads", "1",
      "--max-tokens", "600",     "--checkpoint-every", "40"};
  auto with = [&](std::vector<std::string> more, const std::filesystem::path& store) {
    std::vector<std::string> args = session;
    args.insert(args.end(), more.begin(), more.end());
    args.insert(args.end(), {"--store", store.string()});
    return args;
  };
  const std::vector<std::string> fresh = {"--prompt", testing::copy_prompt(30)};

  const auto t0 = Clock::now();
  const Json expected = result_of(run_recur(with(fresh, dir / "clean"), dir.path()));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0);
  ASSERT_EQ(expected["status"], "max_tokens");
  ASSERT_EQ(expected["generated_tokens"], 600);

  // Every round passes --resume with the prompt: a session with a checkpoint goes on from it, and
  // one killed before its first checkpoint (or never started) starts afresh, so a kill may land
  // anywhere, even before anything was written.
  const auto args = with({"--resume", "--prompt", testing::copy_prompt(30)}, dir / "store");
  std::mt19937 rng(20261129);
  long longest = std::max<long>(took.count() / 3, 10);  // kill delays are drawn from [0, longest]
  int kills = 0;
  std::optional<Json> got;
  for (int round = 0; round < 60 && !got; ++round) {
    const long delay = std::uniform_int_distribution<long>(0, longest)(rng);
    const Exit e = run_recur(args, dir.path(), std::chrono::milliseconds(delay));
    if (e.killed) {
      ++kills;
      continue;
    }
    got = result_of(e);
    if (kills < 3 && longest > 10) {
      // Done before three kills (the clean run met more load than these): start over, killing
      // sooner. What it got must be right all the same.
      EXPECT_EQ(*got, expected);
      got.reset();
      kills = 0;
      longest /= 2;
      std::filesystem::remove_all(dir / "store");
    }
  }
  if (!got) got = result_of(run_recur(args, dir.path()));
  EXPECT_GE(kills, 3);
  EXPECT_EQ(*got, expected);
}

TEST(AgentResume, ASessionWithoutACheckpointStartsAfreshWhenItsPromptIsGivenAgain) {
  recur::testing::TempDir dir;
  const auto bundle = write_bundle(testing::pointer_copy_script(), dir / "bundle");
  const std::vector<std::string> session = {
      "agent", "--model", bundle.dir.string(), "--session", "s1", "--store", "store", "--resume"};
  auto with = [&](std::vector<std::string> more) {
    std::vector<std::string> args = session;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  // Nothing to resume and no prompt: an error that says how to start it.
  const Exit bare = run_recur(session, dir.path());
  EXPECT_EQ(bare.status, 1);
  EXPECT_NE(bare.err.find("no checkpoint"), std::string::npos) << bare.err;
  EXPECT_NE(bare.err.find("give --prompt to start it afresh"), std::string::npos) << bare.err;
  EXPECT_TRUE(bare.out.empty()) << bare.out;
  // With its prompt it starts afresh, and says so on stderr.
  const Exit fresh = run_recur(with({"--prompt", testing::copy_prompt(6)}), dir.path());
  const Json outcome = result_of(fresh);
  EXPECT_EQ(outcome["status"], "finished");
  EXPECT_NE(fresh.err.find("session s1 has no checkpoint yet; starting it afresh"),
            std::string::npos)
      << fresh.err;
  // Now it has checkpoints: the same prompt resumes it, another prompt is refused.
  EXPECT_EQ(result_of(run_recur(with({"--prompt", testing::copy_prompt(6)}), dir.path()))["status"],
            "finished");
  const Exit other = run_recur(with({"--prompt", testing::copy_prompt(7)}), dir.path());
  EXPECT_EQ(other.status, 1);
  EXPECT_NE(other.err.find("was started with another prompt"), std::string::npos) << other.err;
}

}  // namespace
}  // namespace recur::agent
