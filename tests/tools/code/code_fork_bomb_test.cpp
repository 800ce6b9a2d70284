// Fork bombs given to the code tool (reference/sandbox.md §1.3). They fill every process slot they
// can and keep both cores busy, so this binary's tests run alone (RUN_SERIAL): beside them, another
// test's program would start late and miss its own deadline.
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "code_test_support.hpp"

namespace recur::tools {
namespace {

using testing::processes_with;
using testing::run_code;
using Clock = std::chrono::steady_clock;

// A bomb whose processes hold their slots: each one forks for as long as it lives and ignores the
// failures, so the run's process limit stays full until the deadline kills them all.
constexpr const char* kPersistentBomb =
    "import os\n"
    "print(os.getcwd(), flush=True)\n"
    "while True:\n"
    "    try:\n"
    "        os.fork()\n"
    "    except OSError:\n"
    "        pass\n";

using ForkBomb = testing::AttackTest;

TEST_F(ForkBomb, AShellBombIsContained) {
  auto start = Clock::now();
  // The main shell forks only before the bomb starts: the sleep, then a subshell that sets the bomb
  // off. A shell whose fork fails exits, so a fork of the main shell racing the bomb for the last
  // process slots (the bomb's pipeline forks twice) could end the run early instead of at the
  // deadline; the subshell may lose that race and exit, the main shell still waits for the sleep.
  auto run = run_code(*tool_, "sh", "pwd; sleep 10 & (bomb() { bomb | bomb & }; bomb); wait", 1.5);
  EXPECT_EQ(run.result["timed_out"], true) << run.text << run.result["protections"].dump();
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(4));
  std::string work_dir = run.result["stdout"].get<std::string>();
  ASSERT_FALSE(work_dir.empty());
  work_dir.pop_back();
  EXPECT_EQ(processes_with(work_dir), 0);
}

// The process limit is each run's own: a session's fork bomb leaves other sessions' runs free to
// fork. That holds where the program has a user namespace of its own; without one (a root runner
// where user namespaces are forbidden) every run counts against nobody's processes together.
TEST_F(ForkBomb, AFullProcessLimitLeavesAConcurrentRunFreeToFork) {
  testing::Run bomb;
  std::thread bomber([&] { bomb = run_code(*tool_, "python", kPersistentBomb, 4); });
  // The second run starts once the bomb holds most of its 64 slots (or after 3 s at most).
  auto deadline = Clock::now() + std::chrono::seconds(3);
  int held = 0;
  while (Clock::now() < deadline && (held = processes_with("main.py")) < 48)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto run = run_code(
      *tool_, "sh", "i=0; while [ $i -lt 48 ]; do sleep 0.5 & i=$((i+1)); done; wait; echo forked");
  bomber.join();
  EXPECT_EQ(bomb.result["timed_out"], true) << bomb.text;
  std::string work_dir = bomb.result["stdout"].get<std::string>();
  ASSERT_FALSE(work_dir.empty());
  work_dir.pop_back();
  EXPECT_EQ(processes_with(work_dir), 0);
  EXPECT_EQ(processes_with("main.py"), 0);
  if (bomb.result["protections"]["user_namespace"] != true)
    GTEST_SKIP() << "no user namespace for the program here: all runs share one process count";
  EXPECT_GE(held, 48) << "the bomb never held its slots";
  EXPECT_EQ(run.result["stdout"], "forked\n") << run.text;
  EXPECT_EQ(run.result["exit_code"], 0) << run.text;
}

}  // namespace
}  // namespace recur::tools
