// The thread pool covers every index exactly once, also with more threads than cores and workers
// late for a job, and survives nesting.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "kernels/cpu/thread_pool.hpp"

namespace recur::kernels::cpu {
namespace {

TEST(ThreadPool, CoversEveryIndexExactlyOnce) {
  ThreadPool pool(4);
  for (std::size_t n : {0u, 1u, 5u, 1000u, 12345u}) {
    std::vector<std::atomic<int>> hits(n);
    for (int round = 0; round < 3; ++round)
      pool.parallel_for(n, 7, [&](std::size_t b, std::size_t e) {
        for (std::size_t i = b; i < e; ++i) hits[i]++;
      });
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(hits[i].load(), 3) << i;
  }
}

// Short jobs back to back from several pools at once, more threads than this machine has cores:
// workers wake late for a job, after it ended or while the next one runs. A late worker must never
// run a chunk of a job that is over (each job's function lives only during its call) nor twice.
TEST(ThreadPool, WorkersLateForAJobNeverRunItsChunksOrTheNextOnesTwice) {
  const unsigned callers = 2 * std::max(2u, std::thread::hardware_concurrency());
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (unsigned t = 0; t < callers; ++t)
    threads.emplace_back([&wrong, t] {
      ThreadPool pool(3);
      for (int job = 0; job < 3000; ++job) {
        const std::size_t n = 1 + static_cast<std::size_t>((job * 7 + t) % 40);
        auto hits = std::make_unique<std::vector<int>>(n, 0);
        std::function<void(std::size_t, std::size_t)> fn = [&hits, job](std::size_t b,
                                                                        std::size_t e) {
          for (std::size_t i = b; i < e; ++i) (*hits)[i] += job + 1;
        };
        pool.parallel_for(n, 1, fn);
        for (std::size_t i = 0; i < n; ++i)
          if ((*hits)[i] != job + 1) ++wrong;
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST(ThreadPool, ANestedCallRunsSeriallyInsteadOfDeadlocking) {
  ThreadPool pool(2);
  std::atomic<std::size_t> total{0};
  pool.parallel_for(8, 1, [&](std::size_t b, std::size_t e) {
    for (std::size_t i = b; i < e; ++i)
      pool.parallel_for(10, 1, [&](std::size_t bb, std::size_t ee) { total += ee - bb; });
  });
  EXPECT_EQ(total.load(), 80u);
}

}  // namespace
}  // namespace recur::kernels::cpu
