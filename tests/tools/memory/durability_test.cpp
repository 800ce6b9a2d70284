// Acknowledged writes survive kill -9. A child process writes keys through the memory tool and
// reports each one on a pipe once the call has returned; the parent SIGKILLs it at a random moment,
// reopens the store and looks for every reported key. Many rounds, one store, fixed seed.
//
// The child is this test binary run again (fork, then exec with RECUR_DURABILITY_CHILD set), so it
// starts with none of the parent's RocksDB threads.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <random>
#include <thread>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "tools/memory/memory_tool.hpp"

namespace recur::tools {
namespace {

using recur::testing::TempDir;

constexpr int kAckFd = 3;  // the pipe's write end in the child

Json memory_entry(const std::string& store, const std::string& sync) {
  return {{"type", "memory"}, {"store", store}, {"sync", sync}};
}

// The child: writes k<first>, k<first+1>, ... until killed, acknowledging each on kAckFd.
TEST(DurabilityChild, WritesUntilKilled) {
  const char* spec = std::getenv("RECUR_DURABILITY_CHILD");
  if (!spec) GTEST_SKIP() << "runs only as the child of Durability tests";
  Json args = Json::parse(spec);
  auto tool = make_memory_tool(memory_entry(args["store"], args["sync"]), "/");
  if (!tool) _exit(2);
  for (std::uint64_t i = args["first"];; ++i) {
    ToolResult r = (*tool)->call(
        {{"op", "put"}, {"key", std::string("k").append(std::to_string(i))}, {"value", i}}, {});
    if (r.is_error) _exit(3);
    if (write(kAckFd, &i, sizeof i) != sizeof i) _exit(4);
  }
}

struct Round {
  std::vector<std::uint64_t> acknowledged;
  int status = 0;
};

// Starts a child writing from `first`, lets it acknowledge `wait_acks` writes, sleeps `extra_us`,
// kills it, and collects every acknowledgement it managed to send.
Round run_child(const std::string& store, const std::string& sync, std::uint64_t first,
                std::size_t wait_acks, int extra_us) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  // Everything the child needs is prepared here: between fork and exec it may only make system
  // calls, since another thread of this process may have held a lock at the fork.
  std::string spec =
      "RECUR_DURABILITY_CHILD=" + Json{{"store", store}, {"sync", sync}, {"first", first}}.dump();
  std::vector<char*> env;
  for (char** e = environ; *e; ++e) env.push_back(*e);
  env.push_back(spec.data());
  env.push_back(nullptr);
  char name[] = "durability_child";
  char filter[] = "--gtest_filter=DurabilityChild.WritesUntilKilled";
  char* argv[] = {name, filter, nullptr};
  pid_t pid = fork();
  if (pid == 0) {
    if (fds[1] != kAckFd) {
      dup2(fds[1], kAckFd);
      close(fds[1]);
    }
    if (fds[0] != kAckFd) close(fds[0]);
    int quiet = open("/dev/null", O_WRONLY);  // the child's test banner is noise here
    if (quiet >= 0) dup2(quiet, STDOUT_FILENO);
    execve("/proc/self/exe", argv, env.data());
    _exit(5);
  }
  close(fds[1]);
  Round round;
  std::uint64_t id = 0;
  while (round.acknowledged.size() < wait_acks && read(fds[0], &id, sizeof id) == sizeof id)
    round.acknowledged.push_back(id);
  std::this_thread::sleep_for(std::chrono::microseconds(extra_us));
  kill(pid, SIGKILL);
  waitpid(pid, &round.status, 0);
  while (read(fds[0], &id, sizeof id) == sizeof id) round.acknowledged.push_back(id);
  close(fds[0]);
  return round;
}

void check_rounds(const std::string& sync, int rounds) {
  TempDir dir;
  std::string store = (dir / "store").string();
  std::mt19937 rng(20261129);
  std::vector<std::uint64_t> all;
  for (int r = 0; r < rounds; ++r) {
    std::size_t wait_acks = std::uniform_int_distribution<std::size_t>(1, 40)(rng);
    int extra_us = std::uniform_int_distribution<int>(0, 5000)(rng);
    Round round = run_child(store, sync, 1000000ull * r, wait_acks, extra_us);
    ASSERT_TRUE(WIFSIGNALED(round.status) && WTERMSIG(round.status) == SIGKILL)
        << "round " << r << ": the child ended by itself, status " << round.status;
    ASSERT_GE(round.acknowledged.size(), wait_acks) << "round " << r;
    all.insert(all.end(), round.acknowledged.begin(), round.acknowledged.end());

    auto tool = make_memory_tool(memory_entry(store, sync), "/");
    ASSERT_TRUE(tool);
    for (std::uint64_t i : all) {
      ToolResult got =
          (*tool)->call({{"op", "get"}, {"key", std::string("k").append(std::to_string(i))}}, {});
      ASSERT_FALSE(got.is_error) << got.joined_text();
      ASSERT_EQ(got.structured["found"], true)
          << "round " << r << ": acknowledged k" << i << " is lost";
      ASSERT_EQ(got.structured["value"], i);
    }
  }
  EXPECT_GT(all.size(), static_cast<std::size_t>(rounds));
}

TEST(Durability, AcknowledgedSyncedWritesSurviveKill9) {
  check_rounds("safe", 20);
}

TEST(Durability, AcknowledgedUnsyncedWritesSurviveKill9) {
  check_rounds("fast", 20);
}

}  // namespace
}  // namespace recur::tools
