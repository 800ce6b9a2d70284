// linear(): against a float64 reference, and the same bits whatever the batch or thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/linear.hpp"

namespace recur::kernels::cpu {
namespace {

std::vector<float> random_vector(std::size_t n, std::mt19937& rng, float scale = 1.0f) {
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(n);
  for (auto& x : v) x = d(rng);
  return v;
}

struct Shape {
  std::size_t rows, cols, tokens;
};

class LinearShapes : public ::testing::TestWithParam<Shape> {};

TEST_P(LinearShapes, MatchesAFloat64ReferenceForFp32AndBf16Weights) {
  const auto [rows, cols, tokens] = GetParam();
  std::mt19937 rng(rows * 31 + cols * 7 + tokens);
  const auto w = random_vector(rows * cols, rng);
  const auto x = random_vector(tokens * cols, rng);
  const auto bias = random_vector(rows, rng);
  std::vector<std::uint16_t> w16(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) w16[i] = float_to_bf16(w[i]);
  ThreadPool pool(2);
  for (auto type : {ElementType::f32, ElementType::bf16}) {
    const void* data = type == ElementType::f32 ? static_cast<const void*>(w.data()) : w16.data();
    std::vector<float> y(tokens * rows, NAN);
    linear({type, rows, cols, data}, {x.data(), cols}, tokens, bias.data(), {y.data(), rows}, pool);
    for (std::size_t t = 0; t < tokens; ++t)
      for (std::size_t r = 0; r < rows; ++r) {
        double ref = bias[r], mag = std::abs(bias[r]);
        for (std::size_t k = 0; k < cols; ++k) {
          const double wk =
              type == ElementType::f32 ? w[r * cols + k] : bf16_to_float(w16[r * cols + k]);
          ref += wk * x[t * cols + k];
          mag += std::abs(wk * x[t * cols + k]);
        }
        ASSERT_NEAR(y[t * rows + r], ref, 1e-6 * mag + 1e-7) << "t " << t << " r " << r;
      }
  }
}

TEST_P(LinearShapes, EachTokenGetsTheSameBitsAloneOrInABatch) {
  const auto [rows, cols, tokens] = GetParam();
  std::mt19937 rng(99 + rows);
  const auto w = random_vector(rows * cols, rng);
  const auto x = random_vector(tokens * cols, rng);
  std::vector<std::uint16_t> w16(w.size());
  for (std::size_t i = 0; i < w.size(); ++i) w16[i] = float_to_bf16(w[i]);
  ThreadPool one(1), three(3);
  for (auto type : {ElementType::f32, ElementType::bf16}) {
    const void* data = type == ElementType::f32 ? static_cast<const void*>(w.data()) : w16.data();
    const MatrixView view{type, rows, cols, data};
    std::vector<float> batch(tokens * rows);
    linear(view, {x.data(), cols}, tokens, nullptr, {batch.data(), rows}, three);
    for (std::size_t t = 0; t < tokens; ++t) {
      std::vector<float> alone(rows);
      linear(view, {x.data() + t * cols, cols}, 1, nullptr, {alone.data(), rows}, one);
      for (std::size_t r = 0; r < rows; ++r) ASSERT_EQ(alone[r], batch[t * rows + r]);
      ASSERT_EQ(alone[0], dot(type, data, x.data() + t * cols, cols));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearShapes,
                         ::testing::Values(Shape{1, 1, 1}, Shape{3, 7, 2}, Shape{17, 16, 5},
                                           Shape{64, 33, 9}, Shape{130, 257, 70}, Shape{8, 1536, 4},
                                           Shape{6, 45, 8}));

TEST(Linear, ReadsStridedInputsAndWritesStridedOutputs) {
  ThreadPool pool(2);
  const float w[] = {1, 2, 3, 4, 5, 6};          // 2 x 3
  const float x[] = {1, 1, 1, 99, 2, 0, 1, 99};  // 2 tokens, stride 4
  float y[6] = {-1, -1, -1, -1, -1, -1};         // stride 3
  linear({ElementType::f32, 2, 3, w}, {x, 4}, 2, nullptr, {y, 3}, pool);
  EXPECT_EQ(y[0], 6);
  EXPECT_EQ(y[1], 15);
  EXPECT_EQ(y[2], -1);
  EXPECT_EQ(y[3], 5);
  EXPECT_EQ(y[4], 14);
}

TEST(Bf16, RoundsToNearestEvenAndWidensExactly) {
  EXPECT_EQ(float_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(bf16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(float_to_bf16(1.00390625f), 0x3f80);  // halfway, even stays
  EXPECT_EQ(float_to_bf16(1.01171875f), 0x3f82);  // halfway, odd rounds up
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(NAN))));
}

}  // namespace
}  // namespace recur::kernels::cpu
