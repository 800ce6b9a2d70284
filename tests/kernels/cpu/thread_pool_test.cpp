// The thread pool covers every index exactly once and survives nesting.
#include <gtest/gtest.h>

#include <atomic>
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
