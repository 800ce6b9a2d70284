// Products left as two pending terms (cuda::Terms): each kernel that reads them produces the same
// bits as add_terms followed by the same kernel over the summed product, the path it replaces.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cuda/ops.hpp"
#include "kernels/cuda/random_inputs.hpp"
#include "support/device.hpp"

namespace recur::kernels {
namespace {

using recur::kernels::testing::randn;
using recur::kernels::testing::scattered_slots;
using recur::testing::DeviceArray;

template <class T>
std::vector<std::uint32_t> bits(const std::vector<T>& v) {
  std::vector<std::uint32_t> out(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::uint32_t b = 0;
    std::memcpy(&b, &v[i], sizeof(T));
    out[i] = b;
  }
  return out;
}

// Two terms of a product over `rows` rows of `cols` columns, as Blas::linear_terms lays them out.
struct PendingProduct {
  int rows, cols;
  DeviceArray<float> terms, bias;
  PendingProduct(int rows, int cols, std::mt19937& rng)
      : rows(rows),
        cols(cols),
        terms(randn(2 * static_cast<std::size_t>(rows) * cols, rng)),
        bias(randn(cols, rng, 0.5f)) {}
  cuda::Terms view(bool with_bias) const {
    return {terms.get(), static_cast<std::size_t>(rows) * cols, cols,
            with_bias ? bias.get() : nullptr};
  }
  // The summed product, as the path without pending terms writes it.
  void add_into(float* y, bool accumulate, bool with_bias) const {
    ASSERT_EQ(cuda::add_terms(terms.get(), rows, cols, with_bias ? bias.get() : nullptr, accumulate,
                              y, cols, nullptr),
              cudaSuccess);
  }
};

TEST(PendingTerms, NormBringsTheResidualUpToDateAsAddTermsWould) {
  RECUR_REQUIRE_GPU();
  std::mt19937 rng(1);
  const int B = 37, D = 768;
  PendingProduct out_proj(B, D, rng);
  const auto h = randn(static_cast<std::size_t>(B) * D, rng);
  const auto w = randn(D, rng, 0.2f, 1.0f);
  for (bool with_bias : {false, true}) {
    DeviceArray<float> dh_sum(h), dh_pending(h), dw(w), out_sum(h.size()), out_pending(h.size());
    DeviceArray<std::uint16_t> split_sum(2 * h.size()), split_pending(2 * h.size());
    out_proj.add_into(dh_sum.get(), true, with_bias);
    RECUR_CUDA_OK(cuda::rmsnorm(dh_sum.get(), nullptr, B, D, dw.get(), 1e-5f, out_sum.get(),
                                {split_sum.get(), h.size()}, nullptr));
    RECUR_CUDA_OK(cuda::rmsnorm(dh_pending.get(), nullptr, B, D, dw.get(), 1e-5f, out_pending.get(),
                                {split_pending.get(), h.size()}, nullptr,
                                out_proj.view(with_bias)));
    EXPECT_EQ(bits(dh_pending.download()), bits(dh_sum.download())) << "bias " << with_bias;
    EXPECT_EQ(bits(out_pending.download()), bits(out_sum.download()));
    EXPECT_EQ(split_pending.download(), split_sum.download());
  }
}

TEST(PendingTerms, ConvStepReadsInProjTermsAsItsSum) {
  RECUR_REQUIRE_GPU();
  std::mt19937 rng(2);
  const int B = 300, C = 96, K = 4, pool_slots = B + 40;
  const std::size_t per_slot = static_cast<std::size_t>(C) * (K - 1);
  PendingProduct in_proj(B, 2 * C, rng);
  auto slots = scattered_slots(B, pool_slots, 3);
  slots[5] = -1;  // a padding row
  const auto w = randn(static_cast<std::size_t>(C) * K, rng, 0.5f);
  const auto conv_bias = randn(C, rng);
  const auto pool = randn(per_slot * pool_slots, rng);
  DeviceArray<float> dw(w), dcb(conv_bias), xz(static_cast<std::size_t>(B) * 2 * C);
  DeviceArray<int> dslots(slots);
  in_proj.add_into(xz.get(), false, true);
  DeviceArray<float> pool_sum(pool), pool_pending(pool), out_sum(B * C), out_pending(B * C);
  DeviceArray<std::uint16_t> split_sum(2 * B * C), split_pending(2 * B * C);
  RECUR_CUDA_OK(cuda::causal_conv1d_step(
      xz.get(), 2 * C, dslots.get(), B, C, K, dw.get(), dcb.get(), {pool_sum.get(), per_slot},
      out_sum.get(), {split_sum.get(), static_cast<std::size_t>(B) * C}, nullptr));
  RECUR_CUDA_OK(cuda::causal_conv1d_step(nullptr, 2 * C, dslots.get(), B, C, K, dw.get(), dcb.get(),
                                         {pool_pending.get(), per_slot}, out_pending.get(),
                                         {split_pending.get(), static_cast<std::size_t>(B) * C},
                                         nullptr, in_proj.view(true)));
  EXPECT_EQ(bits(out_pending.download()), bits(out_sum.download()));
  EXPECT_EQ(split_pending.download(), split_sum.download());
  EXPECT_EQ(bits(pool_pending.download()), bits(pool_sum.download()));
}

TEST(PendingTerms, CastReadsXProjTermsAsItsSum) {
  RECUR_REQUIRE_GPU();
  std::mt19937 rng(3);
  const int B = 129, R = 48, W = 80;
  PendingProduct x_proj(B, W, rng);
  DeviceArray<float> dbc(static_cast<std::size_t>(B) * W);
  x_proj.add_into(dbc.get(), false, false);
  const std::size_t n = static_cast<std::size_t>(B) * W;
  DeviceArray<std::uint16_t> split_sum(2 * n), split_pending(2 * n);
  RECUR_CUDA_OK(cuda::to_bf16(dbc.get(), B, R, W, {split_sum.get(), n}, W, nullptr));
  RECUR_CUDA_OK(
      cuda::to_bf16(nullptr, B, R, W, {split_pending.get(), n}, W, nullptr, x_proj.view(false)));
  // Only the first R columns of each row are written (the rest stay poisoned in both).
  EXPECT_EQ(split_pending.download(), split_sum.download());
}

// (sessions, dt precomputed): the many-session path (dt, dbc and z pending) and the middle path
// (dt_proj fused into the scan, z pending).
class PendingScan : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(PendingScan, ScanStepReadsPendingInputsAsTheirSums) {
  RECUR_REQUIRE_GPU();
  const auto [B, dt_precomputed] = GetParam();
  std::mt19937 rng(B);
  const int C = 96, N = 16, R = 6, W = R + 2 * N, pool_slots = B + 30;
  const std::size_t per_slot = static_cast<std::size_t>(C) * N;
  PendingProduct in_proj(B, 2 * C, rng), x_proj(B, W, rng), dt_proj_out(B, C, rng);
  auto slots = scattered_slots(B, pool_slots, 4);
  slots[1] = -1;
  const auto u = randn(static_cast<std::size_t>(B) * C, rng);
  const auto wdt = randn(static_cast<std::size_t>(C) * R, rng, 0.4f);
  const auto dt_bias = randn(C, rng, 0.5f, -1.0f);
  std::vector<float> A(static_cast<std::size_t>(C) * N);
  for (auto& a : A) a = -std::exp(std::uniform_real_distribution<float>(-1.0f, 1.5f)(rng));
  const auto D = randn(C, rng);
  const auto pool = randn(per_slot * pool_slots, rng, 0.3f);
  DeviceArray<float> du(u), dwdt(wdt), dbias(dt_bias), dA(A), dD(D);
  DeviceArray<int> dslots(slots);
  DeviceArray<float> xz(static_cast<std::size_t>(B) * 2 * C), dbc(static_cast<std::size_t>(B) * W),
      dt(static_cast<std::size_t>(B) * C);
  in_proj.add_into(xz.get(), false, true);
  x_proj.add_into(dbc.get(), false, false);
  dt_proj_out.add_into(dt.get(), false, false);

  auto args = [&](float* state, float* y, std::uint16_t* y16) {
    cuda::ScanStepArgs a;
    a.slots = dslots.get();
    a.B = B, a.C = C, a.N = N, a.R = R;
    a.u = du.get();
    a.dt_proj = {ElementType::f32, static_cast<std::size_t>(C), static_cast<std::size_t>(R),
                 dwdt.get()};
    a.dt_bias = dbias.get();
    a.A = dA.get();
    a.D = dD.get();
    a.state = {state, per_slot};
    a.y = y;
    a.y_bf16 = {y16, static_cast<std::size_t>(B) * C};
    return a;
  };
  const std::size_t n = static_cast<std::size_t>(B) * C;
  DeviceArray<float> pool_sum(pool), pool_pending(pool), y_sum(n), y_pending(n);
  DeviceArray<std::uint16_t> y16_sum(2 * n), y16_pending(2 * n);

  cuda::ScanStepArgs summed = args(pool_sum.get(), y_sum.get(), y16_sum.get());
  summed.dbc = dbc.get();
  summed.dt = dt_precomputed ? dt.get() : nullptr;
  summed.z = xz.get() + C;
  summed.z_stride = 2 * C;
  RECUR_CUDA_OK(cuda::selective_scan_step(summed, nullptr));

  cuda::ScanStepArgs pending = args(pool_pending.get(), y_pending.get(), y16_pending.get());
  cuda::Terms z = in_proj.view(true);
  z.t += C, z.bias += C;
  pending.z_terms = z;
  if (dt_precomputed) {
    pending.dbc_terms = x_proj.view(false);
    pending.dt_terms = dt_proj_out.view(false);
  } else {
    pending.dbc = dbc.get();  // the middle path's x_proj runs on the GEMV kernel: summed
  }
  RECUR_CUDA_OK(cuda::selective_scan_step(pending, nullptr));

  EXPECT_EQ(bits(y_pending.download()), bits(y_sum.download()));
  EXPECT_EQ(y16_pending.download(), y16_sum.download());
  EXPECT_EQ(bits(pool_pending.download()), bits(pool_sum.download()));
}

INSTANTIATE_TEST_SUITE_P(Paths, PendingScan,
                         ::testing::Values(std::tuple{1, true}, std::tuple{200, true},
                                           std::tuple{256, true}, std::tuple{600, true},
                                           std::tuple{70, false}, std::tuple{128, false}));

}  // namespace
}  // namespace recur::kernels
