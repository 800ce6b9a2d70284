// GEMV (small decode batches, with its fusions) and the cuBLAS path against the CPU kernels.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/cpu/conv1d.hpp"
#include "kernels/cpu/linear.hpp"
#include "kernels/cpu/rmsnorm.hpp"
#include "kernels/cuda/dense_inputs.hpp"
#include "kernels/cuda/gemm.hpp"
#include "kernels/cuda/ops.hpp"
#include "support/device.hpp"

namespace recur::kernels {
namespace {

using recur::testing::DeviceArray;
using recur::testing::max_relative_difference;
using testing::cpu_conv_steps;
using testing::randn;
using testing::Weights;

class GemvParity : public ::testing::TestWithParam<std::tuple<int, int, int, bool>> {};

TEST_P(GemvParity, MatchesTheCpuLinearWithNormBiasAndAccumulate) {
  RECUR_REQUIRE_GPU();
  const auto [B, rows, cols, b16] = GetParam();
  std::mt19937 rng(B * 100 + rows + cols);
  Weights w(rows, cols, rng);
  auto x = randn(static_cast<std::size_t>(B) * cols, rng);
  auto norm_w = randn(cols, rng, 0.3f);
  for (auto& v : norm_w) v += 1.0f;
  auto bias = randn(rows, rng);
  auto y0 = randn(static_cast<std::size_t>(B) * rows, rng);

  // CPU: normalise, then linear with bias, then add the previous y.
  cpu::ThreadPool threads(2);
  std::vector<float> normed(x.size()), cpu_y(y0.size());
  cpu::rmsnorm({x.data(), static_cast<std::size_t>(cols)}, B, cols, norm_w.data(), 1e-5f,
               {normed.data(), static_cast<std::size_t>(cols)});
  const auto wide = w.widened(b16);
  cpu::linear({ElementType::f32, w.rows, w.cols, wide.data()},
              {normed.data(), static_cast<std::size_t>(cols)}, B, bias.data(),
              {cpu_y.data(), static_cast<std::size_t>(rows)}, threads);
  const std::vector<float> cpu_product = cpu_y;
  for (std::size_t i = 0; i < cpu_y.size(); ++i) cpu_y[i] += y0[i];

  DeviceArray<float> dwf(w.f32), dx(x), dn(norm_w), db(bias), dy(y0);
  DeviceArray<std::uint16_t> dwb(w.bf16);
  cuda::GemvArgs a;
  a.W = b16 ? MatrixView{ElementType::bf16, w.rows, w.cols, dwb.get()}
            : MatrixView{ElementType::f32, w.rows, w.cols, dwf.get()};
  a.x = dx.get();
  a.x_stride = cols;
  a.B = B;
  a.norm_w = dn.get();
  a.eps = 1e-5f;
  a.bias = db.get();
  a.accumulate = true;
  a.y = dy.get();
  a.y_stride = rows;
  RECUR_CUDA_OK(cuda::gemv(a, nullptr));
  EXPECT_LE(max_relative_difference(dy.download(), cpu_y), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Shapes, GemvParity,
                         ::testing::Combine(::testing::Values(1, 3, 8, 21, 300),
                                            ::testing::Values(1, 80, 3072),
                                            ::testing::Values(5, 64, 768), ::testing::Bool()));

TEST(Gemv, TheConvEpilogueMatchesTheCpuConvStep) {
  RECUR_REQUIRE_GPU();
  std::mt19937 rng(11);
  const int B = 4, C = 40, K = 4, rows = 2 * C, cols = 32, hist = K - 1;
  Weights w(rows, cols, rng);
  auto x = randn(static_cast<std::size_t>(B) * cols, rng);
  auto conv_w = randn(static_cast<std::size_t>(C) * K, rng, 0.5f);
  auto conv_b = randn(C, rng, 0.1f);
  const std::vector<int> slots = {5, 0, -1, 2};
  const std::size_t per_slot = static_cast<std::size_t>(C) * hist;
  auto pool = randn(per_slot * 6, rng);

  std::vector<float> xz, cpu_out, cpu_pool = pool;
  cpu_conv_steps(w.f32, w.rows, w.cols, x, B, C, K, conv_w, conv_b, slots, cpu_pool, xz, cpu_out);
  DeviceArray<float> dw(w.f32), dx(x), dcw(conv_w), dcb(conv_b), dpool(pool), dy(xz.size()),
      dout(cpu_out.size());
  DeviceArray<int> dslots(slots);
  cuda::ConvStepFusion conv{
      C, K, dslots.get(), dcw.get(), dcb.get(), {dpool.get(), per_slot}, dout.get()};
  cuda::GemvArgs a;
  a.W = {ElementType::f32, w.rows, w.cols, dw.get()};
  a.x = dx.get();
  a.x_stride = cols;
  a.B = B;
  a.conv = &conv;
  a.y = dy.get();
  a.y_stride = rows;
  RECUR_CUDA_OK(cuda::gemv(a, nullptr));
  EXPECT_LE(max_relative_difference(dy.download(), xz), 1e-5);
  auto out = dout.download();
  EXPECT_LE(max_relative_difference(out, cpu_out), 1e-5);
  EXPECT_LE(max_relative_difference(dpool.download(), cpu_pool), 1e-5);
}

TEST(Gemv, EachSessionGetsTheSameBitsWhateverTheBatch) {
  RECUR_REQUIRE_GPU();
  // Few rows (the columns split over a block's warps) and many; the norm fused.
  for (const int rows : {80, 3072}) {
    std::mt19937 rng(12 + rows);
    const int cols = 768, n = 1030;
    Weights w(rows, cols, rng);
    auto x = randn(static_cast<std::size_t>(n) * cols, rng);
    auto norm_w = randn(cols, rng, 0.3f);
    DeviceArray<std::uint16_t> dw(w.bf16);
    DeviceArray<float> dx(x), dn(norm_w), all(static_cast<std::size_t>(n) * rows), some(9 * rows);
    cuda::GemvArgs a;
    a.W = {ElementType::bf16, w.rows, w.cols, dw.get()};
    a.x = dx.get();
    a.x_stride = cols;
    a.B = n;
    a.norm_w = dn.get();
    a.eps = 1e-5f;
    a.y = all.get();
    a.y_stride = rows;
    RECUR_CUDA_OK(cuda::gemv(a, nullptr));
    const auto reference = all.download();
    // Session 1021 alone, then as the last of 9 (a group of 8, then one of 1), then first of 9.
    for (const auto& [first, count] :
         std::vector<std::pair<int, int>>{{1021, 1}, {1013, 9}, {1021, 9}}) {
      a.B = count;
      a.x = dx.get() + static_cast<std::size_t>(first) * cols;
      a.y = some.get();
      RECUR_CUDA_OK(cuda::gemv(a, nullptr));
      const auto got = some.download();
      const int at = 1021 - first;
      for (int r = 0; r < rows; ++r)
        ASSERT_EQ(got[at * rows + r], reference[1021 * rows + r])
            << rows << " rows, batch of " << a.B << ", row " << r;
    }
  }
}

class BlasParity : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(BlasParity, Fp32IsExactToRoundingAndBf16WithinItsPrecision) {
  RECUR_REQUIRE_GPU();
  const auto [T, b16] = GetParam();
  std::mt19937 rng(T);
  const int rows = 300, cols = 200;
  Weights w(rows, cols, rng);
  auto x = randn(static_cast<std::size_t>(T) * cols, rng);
  // The split bf16 copy of x: hi terms for all tokens, then lo terms.
  std::vector<std::uint16_t> x16(2 * x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    x16[i] = float_to_bf16(x[i]);
    x16[x.size() + i] = float_to_bf16(x[i] - bf16_to_float(x16[i]));
  }
  cpu::ThreadPool threads(2);
  const auto wide = w.widened(b16);
  auto y0 = randn(static_cast<std::size_t>(T) * rows, rng);
  std::vector<float> cpu_y(y0.size());
  cpu::linear({ElementType::f32, w.rows, w.cols, wide.data()},
              {x.data(), static_cast<std::size_t>(cols)}, T, nullptr,
              {cpu_y.data(), static_cast<std::size_t>(rows)}, threads);
  const std::vector<float> cpu_product = cpu_y;
  for (std::size_t i = 0; i < cpu_y.size(); ++i) cpu_y[i] += y0[i];

  cudaStream_t stream;
  RECUR_CUDA_OK(cudaStreamCreate(&stream));
  cuda::Blas blas;
  ASSERT_EQ(blas.init(stream), "");
  DeviceArray<float> dwf(w.f32), dx(x), dy(y0);
  DeviceArray<std::uint16_t> dwb(w.bf16), dx16(x16);
  const MatrixView W = b16 ? MatrixView{ElementType::bf16, w.rows, w.cols, dwb.get()}
                           : MatrixView{ElementType::f32, w.rows, w.cols, dwf.get()};
  ASSERT_EQ(blas.linear(W, dx.get(), {dx16.get(), x.size()}, cols, T, dy.get(), rows, 1.0f),
            CUBLAS_STATUS_SUCCESS);
  RECUR_CUDA_OK(cudaStreamSynchronize(stream));
  EXPECT_LE(max_relative_difference(dy.download(), cpu_y), 1e-5);
  if (b16) {
    // Both terms in one batched GEMM, then summed into y (accumulating, with a bias) and into a
    // fresh output (without).
    auto bias = randn(rows, rng);
    std::vector<float> cpu_acc(cpu_y.size());
    for (std::size_t i = 0; i < cpu_y.size(); ++i) cpu_acc[i] = cpu_y[i] + bias[i % rows];
    DeviceArray<float> dterms(2 * cpu_y.size()), dbias(bias), dacc(y0), dfresh(cpu_y.size());
    ASSERT_EQ(blas.linear_terms(W, {dx16.get(), x.size()}, cols, T, dterms.get()),
              CUBLAS_STATUS_SUCCESS);
    RECUR_CUDA_OK(
        cuda::add_terms(dterms.get(), T, rows, dbias.get(), true, dacc.get(), rows, stream));
    RECUR_CUDA_OK(
        cuda::add_terms(dterms.get(), T, rows, nullptr, false, dfresh.get(), rows, stream));
    RECUR_CUDA_OK(cudaStreamSynchronize(stream));
    EXPECT_LE(max_relative_difference(dacc.download(), cpu_acc), 1e-5);
    EXPECT_LE(max_relative_difference(dfresh.download(), cpu_product), 1e-5);
  }
  cudaStreamDestroy(stream);
}

INSTANTIATE_TEST_SUITE_P(Tokens, BlasParity,
                         ::testing::Combine(::testing::Values(1, 9, 2048), ::testing::Bool()));

TEST(Elementwise, EmbedRmsnormArgmaxAndBf16CastMatchTheCpu) {
  RECUR_REQUIRE_GPU();
  std::mt19937 rng(21);
  const int V = 50, D = 37;
  Weights E(V, D, rng);
  const std::vector<std::int32_t> tokens = {3, 0, 49, 3};
  DeviceArray<std::uint16_t> dE(E.bf16);
  DeviceArray<std::int32_t> dtok(tokens);
  DeviceArray<float> dh(tokens.size() * D);
  RECUR_CUDA_OK(cuda::embed(
      {ElementType::bf16, static_cast<std::size_t>(V), static_cast<std::size_t>(D), dE.get()},
      dtok.get(), 4, dh.get(), nullptr));
  const auto h = dh.download();
  for (int t = 0; t < 4; ++t)
    for (int j = 0; j < D; ++j) ASSERT_EQ(h[t * D + j], bf16_to_float(E.bf16[tokens[t] * D + j]));

  auto w = randn(D, rng);
  const std::vector<int> rows = {2, 0};
  std::vector<float> cpu_n(2 * D);
  std::vector<float> picked;
  for (int r : rows) picked.insert(picked.end(), h.begin() + r * D, h.begin() + (r + 1) * D);
  cpu::rmsnorm({picked.data(), static_cast<std::size_t>(D)}, 2, D, w.data(), 1e-5f,
               {cpu_n.data(), static_cast<std::size_t>(D)});
  DeviceArray<float> dw(w), dn(2 * D);
  DeviceArray<int> drows(rows);
  DeviceArray<std::uint16_t> dn16(4 * D);
  RECUR_CUDA_OK(cuda::rmsnorm(dh.get(), drows.get(), 2, D, dw.get(), 1e-5f, dn.get(),
                              {dn16.get(), 2u * D}, nullptr));
  const auto n = dn.download();
  EXPECT_LE(max_relative_difference(n, cpu_n), 1e-6);
  // The two bf16 terms: hi is the rounding of the value, hi + lo is within 2^-16 of it.
  const auto n16 = dn16.download();
  for (int i = 0; i < 2 * D; ++i) {
    ASSERT_EQ(n16[i], float_to_bf16(n[i]));
    const float sum = bf16_to_float(n16[i]) + bf16_to_float(n16[2 * D + i]);
    ASSERT_LE(std::abs(sum - n[i]), std::abs(n[i]) * 0x1.0p-15f) << i;
  }

  std::vector<float> logits = {1, 5, 5, 2, NAN, 9, 9, 0, -INFINITY, NAN, NAN, NAN};
  DeviceArray<float> dl(logits);
  DeviceArray<std::int32_t> dids(3);
  RECUR_CUDA_OK(cuda::argmax_rows(dl.get(), 3, 4, 4, dids.get(), nullptr));
  EXPECT_EQ(dids.download(), (std::vector<std::int32_t>{1, 1, 0}));
  RECUR_CUDA_OK(cuda::argmax_rows(dl.get(), 1, 4, 1, dids.get(), nullptr));
  EXPECT_EQ(dids.download()[0], 0);
}

// Vocabulary-sized rows: 16-byte loads where a row is aligned (even V), one at a time where not
// (odd V), a limit below V, ties won by the lowest index, NaN never.
TEST(CudaDense, ArgmaxOfVocabularyRowsMatchesTheHost) {
  RECUR_REQUIRE_GPU();
  std::mt19937 rng(5);
  for (const int V : {50280, 50281}) {
    const int rows = 4, limit = V - 3;
    auto logits = randn(static_cast<std::size_t>(rows) * V, rng);
    auto at = [&](int r, int j) -> float& { return logits[static_cast<std::size_t>(r) * V + j]; };
    at(0, 40000) = 9.0f, at(0, 7) = 9.0f, at(0, 45000) = NAN;  // a tie: 7 wins
    at(1, V - 1) = 50.0f, at(1, limit - 1) = 8.0f;             // past the limit: ignored
    at(2, 0) = 8.5f;
    for (int j = 0; j < V; ++j) at(3, j) = j % 1000 == 999 ? NAN : -1.0f;  // all equal: 0 wins
    std::vector<std::int32_t> expected(rows);
    for (int r = 0; r < rows; ++r) {
      int best = 0;
      for (int j = 1; j < limit; ++j)
        if (!std::isnan(at(r, j)) && (std::isnan(at(r, best)) || at(r, j) > at(r, best))) best = j;
      expected[r] = best;
    }
    ASSERT_EQ(expected[0], 7);
    ASSERT_EQ(expected[1], limit - 1);
    DeviceArray<float> dl(logits);
    DeviceArray<std::int32_t> dids(rows);
    RECUR_CUDA_OK(cuda::argmax_rows(dl.get(), rows, V, limit, dids.get(), nullptr));
    EXPECT_EQ(dids.download(), expected) << "V = " << V;
  }
}

}  // namespace
}  // namespace recur::kernels
