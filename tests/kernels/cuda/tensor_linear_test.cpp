// The tensor-core product (split_rows, tensor_linear) against the CPU kernels, and its batch
// invariance: a row's outputs are the same bits in every batch it can run in.
#include <gtest/gtest.h>

#include <random>

#include "kernels/cpu/conv1d.hpp"
#include "kernels/cpu/linear.hpp"
#include "kernels/cpu/rmsnorm.hpp"
#include "kernels/cuda/dense_inputs.hpp"
#include "kernels/cuda/ops.hpp"
#include "support/device.hpp"

namespace recur::kernels {
namespace {

using recur::testing::DeviceArray;
using recur::testing::max_relative_difference;
using testing::cpu_conv_steps;
using testing::randn;
using testing::Weights;

// Splits the B rows of x on the device (normalised with norm_w when given) and runs the product.
cudaError_t run_product(const DeviceArray<std::uint16_t>& w, std::size_t rows, std::size_t cols,
                        const DeviceArray<float>& x, int B, const float* norm_w, const float* bias,
                        bool accumulate, const cuda::ConvStepFusion* conv, float* y) {
  const int ld = cuda::split_width(static_cast<int>(cols));
  DeviceArray<std::uint16_t> split(2 * static_cast<std::size_t>(B) * ld);
  DeviceArray<float> rstd(B);
  const cuda::Bf16Split in{split.get(), static_cast<std::size_t>(B) * ld};
  if (auto e = cuda::split_rows(x.get(), static_cast<int>(cols), nullptr, B, static_cast<int>(cols),
                                norm_w, 1e-5f, in, norm_w ? rstd.get() : nullptr, nullptr);
      e != cudaSuccess)
    return e;
  cuda::TensorLinearArgs a;
  a.W = {ElementType::bf16, rows, cols, w.get()};
  a.x = in;
  a.x_ld = ld;
  a.B = B;
  a.rstd = norm_w ? rstd.get() : nullptr;
  a.bias = bias;
  a.accumulate = accumulate;
  a.conv = conv;
  a.y = y;
  a.y_stride = static_cast<int>(rows);
  if (auto e = cuda::tensor_linear(a, nullptr); e != cudaSuccess) return e;
  return cudaDeviceSynchronize();
}

class TensorLinearParity : public ::testing::TestWithParam<std::tuple<int, int, int, bool>> {};

TEST_P(TensorLinearParity, MatchesTheCpuLinearWithNormBiasAndAccumulate) {
  RECUR_REQUIRE_GPU();
  const auto [B, rows, cols, norm] = GetParam();
  std::mt19937 rng(B * 1000 + rows + cols);
  Weights w(rows, cols, rng);
  auto x = randn(static_cast<std::size_t>(B) * cols, rng);
  auto norm_w = randn(cols, rng, 0.3f);
  for (auto& v : norm_w) v += 1.0f;
  auto bias = randn(rows, rng);
  auto y0 = randn(static_cast<std::size_t>(B) * rows, rng);

  cpu::ThreadPool threads(2);
  std::vector<float> in = x, cpu_y(y0.size());
  if (norm)
    cpu::rmsnorm({x.data(), static_cast<std::size_t>(cols)}, B, cols, norm_w.data(), 1e-5f,
                 {in.data(), static_cast<std::size_t>(cols)});
  const auto wide = w.widened(true);
  cpu::linear({ElementType::f32, w.rows, w.cols, wide.data()},
              {in.data(), static_cast<std::size_t>(cols)}, B, bias.data(),
              {cpu_y.data(), static_cast<std::size_t>(rows)}, threads);
  for (std::size_t i = 0; i < cpu_y.size(); ++i) cpu_y[i] += y0[i];

  DeviceArray<std::uint16_t> dw(w.bf16);
  DeviceArray<float> dx(x), dn(norm_w), db(bias), dy(y0);
  RECUR_CUDA_OK(run_product(dw, w.rows, w.cols, dx, B, norm ? dn.get() : nullptr, db.get(), true,
                            nullptr, dy.get()));
  // The activations' two bf16 terms keep about 16 bits: 1e-5 of the outputs' scale.
  EXPECT_LE(max_relative_difference(dy.download(), cpu_y), 1e-5);
}

// Sessions: one m-tile, several, a partial last tile. Rows: few (k split over 8 warps), many (no
// split), odd. Columns: below a chunk, several chunks, not a multiple of 8 (scalar loads).
INSTANTIATE_TEST_SUITE_P(Shapes, TensorLinearParity,
                         ::testing::Combine(::testing::Values(1, 5, 17, 300),
                                            ::testing::Values(80, 4099, 37),
                                            ::testing::Values(64, 768, 1000, 101),
                                            ::testing::Bool()));

TEST(TensorLinear, TheConvEpilogueMatchesTheCpuConvStep) {
  RECUR_REQUIRE_GPU();
  for (const int B : {3, 40}) {
    std::mt19937 rng(31 + B);
    const int C = 40, K = 4, rows = 2 * C, cols = 96, hist = K - 1;
    Weights w(rows, cols, rng);
    auto x = randn(static_cast<std::size_t>(B) * cols, rng);
    auto conv_w = randn(static_cast<std::size_t>(C) * K, rng, 0.5f);
    auto conv_b = randn(C, rng, 0.1f);
    std::vector<int> slots;
    for (int b = 0; b < B; ++b) slots.push_back(b % 7 == 2 ? -1 : (b * 7) % B);  // distinct slots
    const std::size_t per_slot = static_cast<std::size_t>(C) * hist;
    auto pool = randn(per_slot * B, rng);

    std::vector<float> xz, cpu_out, cpu_pool = pool;
    cpu_conv_steps(w.widened(true), w.rows, w.cols, x, B, C, K, conv_w, conv_b, slots, cpu_pool, xz,
                   cpu_out);
    DeviceArray<std::uint16_t> dw(w.bf16);
    DeviceArray<float> dx(x), dcw(conv_w), dcb(conv_b), dpool(pool), dy(xz.size()),
        dout(cpu_out.size());
    DeviceArray<int> dslots(slots);
    cuda::ConvStepFusion conv{
        C, K, dslots.get(), dcw.get(), dcb.get(), {dpool.get(), per_slot}, dout.get()};
    RECUR_CUDA_OK(run_product(dw, w.rows, w.cols, dx, B, nullptr, nullptr, false, &conv, dy.get()));
    EXPECT_LE(max_relative_difference(dy.download(), xz), 1e-5) << B;
    EXPECT_LE(max_relative_difference(dout.download(), cpu_out), 1e-5) << B;
    EXPECT_LE(max_relative_difference(dpool.download(), cpu_pool), 1e-5) << B;
  }
}

// Runs the product (RMSNorm fused, bias) for the sessions `pick` of x and returns their outputs.
std::vector<float> outputs(const DeviceArray<std::uint16_t>& dw, std::size_t rows, std::size_t cols,
                           const std::vector<float>& x, const std::vector<int>& pick,
                           const DeviceArray<float>& norm_w, const DeviceArray<float>& bias) {
  std::vector<float> rows_x;
  for (int i : pick) rows_x.insert(rows_x.end(), x.begin() + i * cols, x.begin() + (i + 1) * cols);
  DeviceArray<float> dx(rows_x), dy(pick.size() * rows);
  if (run_product(dw, rows, cols, dx, static_cast<int>(pick.size()), norm_w.get(), bias.get(),
                  false, nullptr, dy.get()) != cudaSuccess)
    return {};
  return dy.download();
}

TEST(TensorLinear, EachSessionGetsTheSameBitsWhateverTheBatch) {
  RECUR_REQUIRE_GPU();
  // A wide matrix (no k split), a narrow one (k split over 8 warps), a ragged one.
  for (const auto& [rows, cols] :
       std::vector<std::pair<int, int>>{{3072, 768}, {80, 1536}, {50, 99}}) {
    std::mt19937 rng(rows + cols);
    Weights w(rows, cols, rng);
    const int n = 1030;
    auto x = randn(static_cast<std::size_t>(n) * cols, rng);
    auto norm_w = randn(cols, rng, 0.3f);
    for (auto& v : norm_w) v += 1.0f;
    DeviceArray<std::uint16_t> dw(w.bf16);
    DeviceArray<float> dn(norm_w), db(randn(rows, rng));
    std::vector<int> all(n);
    for (int i = 0; i < n; ++i) all[i] = i;
    const auto reference = outputs(dw, rows, cols, x, all, dn, db);
    ASSERT_EQ(reference.size(), static_cast<std::size_t>(n) * rows);
    // Session 517 alone, at the end of a small batch, inside a partial tile, in reversed order.
    std::vector<std::vector<int>> batches = {{517}, {3, 9, 517}, {}, {}};
    for (int i = 0; i < 40; ++i) batches[2].push_back(i == 21 ? 517 : 600 + i);
    for (int i = n - 1; i >= 0; --i) batches[3].push_back(i);
    for (const auto& pick : batches) {
      const auto got = outputs(dw, rows, cols, x, pick, dn, db);
      ASSERT_EQ(got.size(), pick.size() * rows);
      for (std::size_t p = 0; p < pick.size(); ++p)
        for (int r = 0; r < rows; ++r)
          ASSERT_EQ(got[p * rows + r], reference[static_cast<std::size_t>(pick[p]) * rows + r])
              << rows << "x" << cols << ": session " << pick[p] << " of a batch of " << pick.size()
              << ", row " << r;
    }
  }
}

}  // namespace
}  // namespace recur::kernels
