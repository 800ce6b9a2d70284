// Measures the machine's sustained memory read bandwidth, the denominator of CPU roofline ratios.
#pragma once

#include <cstddef>

#include "kernels/cpu/thread_pool.hpp"

namespace recur::kernels::cpu {

// Bytes per second read by summing a buffer of `bytes` (far larger than the caches) with every
// thread of the pool; the best of `repeats` passes.
double measure_read_bandwidth(ThreadPool& pool, std::size_t bytes = std::size_t{1} << 30,
                              int repeats = 5);

}  // namespace recur::kernels::cpu
