// The skip that keeps multi-GPU tests honest: it needs no CUDA headers, so tests of the layers
// above model/ use it too.
#pragma once

#include <gtest/gtest.h>

#include "model/backend.hpp"

// Skips the current test, saying why, unless at least `n` CUDA devices can be used.
#define RECUR_REQUIRE_GPUS(n)                                                  \
  do {                                                                         \
    const int recur_present = ::recur::cuda_device_count();                    \
    if (recur_present == 0)                                                    \
      GTEST_SKIP() << "no CUDA device (" << ::recur::cuda_unavailable_reason() \
                   << "): GPU test skipped";                                   \
    if (recur_present < (n))                                                   \
      GTEST_SKIP() << "needs " << (n) << " CUDA devices, " << recur_present    \
                   << " present: multi-GPU test skipped";                      \
  } while (0)
