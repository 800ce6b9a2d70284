// The vector exp, softplus and SiLU of the CPU kernels against float64, and their lanes against
// single values.
#include "kernels/cpu/vector_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace recur::kernels::cpu {
namespace {

double relative_error(float got, double want) {
  return std::fabs(got - want) / std::max(std::fabs(want), 1e-30);
}

// Inputs from `from` to `to` at steps of 1e-4 relative (1e-6 near zero): 170,779 over [-87, 30].
template <class F>
void sweep(float from, float to, F check) {
  for (float x = from; x <= to; x += std::fabs(x) * 1e-4f + 1e-6f) check(x);
}

TEST(VectorMath, SoftplusIsWithinThreeTenMillionthsOfFloat64) {
  double worst = 0;
  float at = 0;
  sweep(-87.0f, 30.0f, [&](float x) {
    const double want = x > 20.0f ? x : std::log1p(std::exp(static_cast<double>(x)));
    if (const double e = relative_error(softplus(x), want); e > worst) worst = e, at = x;
  });
  EXPECT_LE(worst, 3e-7) << "at x = " << at;
}

TEST(VectorMath, SoftplusFollowsPyTorchsThresholdAndLimits) {
  EXPECT_EQ(softplus(20.5f), 20.5f);
  EXPECT_EQ(softplus(1e30f), 1e30f);
  EXPECT_NEAR(softplus(0.0f), std::log(2.0f), 1e-7);
  EXPECT_NEAR(softplus(-30.0f), std::exp(-30.0f), 1e-20);
  EXPECT_EQ(softplus(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_TRUE(std::isnan(softplus(std::numeric_limits<float>::quiet_NaN())));
}

TEST(VectorMath, SiluIsWithinThreeTenMillionthsOfFloat64) {
  double worst = 0;
  float at = 0;
  sweep(-87.0f, 87.0f, [&](float x) {
    const double want = x / (1.0 + std::exp(-static_cast<double>(x)));
    if (const double e = relative_error(silu(x), want); e > worst) worst = e, at = x;
  });
  EXPECT_LE(worst, 3e-7) << "at x = " << at;
  EXPECT_EQ(silu(0.0f), 0.0f);
  EXPECT_EQ(silu(std::numeric_limits<float>::infinity()), std::numeric_limits<float>::infinity());
  EXPECT_LE(std::fabs(silu(-200.0f)), 1e-30f);
}

TEST(VectorMath, EachLaneGetsTheBitsOfItsValueAlone) {
  std::mt19937 rng(7);
  std::normal_distribution<float> d(0.0f, 12.0f);
  for (int round = 0; round < 1000; ++round) {
    v8f x, sp, si, ex;
    for (int i = 0; i < 8; ++i) x[i] = d(rng);
    softplus(sp, x);
    silu(si, x);
    v8f neg;
    for (int i = 0; i < 8; ++i) neg[i] = -std::fabs(x[i]);
    exp_nonpositive(ex, neg);
    for (int i = 0; i < 8; ++i) {
      ASSERT_EQ(sp[i], softplus(x[i])) << x[i];
      ASSERT_EQ(si[i], silu(x[i])) << x[i];
      v8f one{neg[i]}, alone;
      exp_nonpositive(alone, one);
      ASSERT_EQ(ex[i], alone[0]) << neg[i];
    }
  }
}

}  // namespace
}  // namespace recur::kernels::cpu
