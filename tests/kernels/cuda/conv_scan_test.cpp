// CUDA conv and scan kernels against their CPU twins: sequences of lengths that do not divide the
// segment count, batches beyond 1,024 sessions, slots scattered across a pool, nonzero start
// states.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "kernels/cpu/conv1d.hpp"
#include "kernels/cpu/linear.hpp"
#include "kernels/cpu/selective_scan.hpp"
#include "kernels/cuda/ops.hpp"
#include "kernels/cuda/random_inputs.hpp"
#include "support/device.hpp"

namespace recur::kernels {
namespace {

using recur::kernels::testing::randn;
using recur::kernels::testing::scattered_slots;
using recur::testing::DeviceArray;
using recur::testing::max_relative_difference;

// A pool of `slots` slots of `per_slot` floats whose layer part starts at `offset`.
struct Pool {
  std::size_t per_slot, offset;
  std::vector<float> host;
};

// Sequences with the given lengths on scattered slots of a pool.
struct Batch {
  std::vector<cuda::SequenceDesc> seqs;
  std::vector<int> token_seq;
  int T = 0;
  Batch(const std::vector<int>& lengths, const std::vector<int>& slots) {
    for (std::size_t i = 0; i < lengths.size(); ++i) {
      seqs.push_back({T, lengths[i], slots[i]});
      for (int k = 0; k < lengths[i]; ++k) token_seq.push_back(static_cast<int>(i));
      T += lengths[i];
    }
  }
};

struct ConvCase {
  std::vector<int> lengths;
  int C, K;
};

class ConvParity : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvParity, MatchesTheCpuKernelOutputsAndStates) {
  RECUR_REQUIRE_GPU();
  const auto& p = GetParam();
  std::mt19937 rng(p.C * 13 + p.K);
  const int n = static_cast<int>(p.lengths.size());
  const int pool_slots = n + 5, hist = p.K - 1;
  const std::size_t per_slot =
      static_cast<std::size_t>(p.C) * hist + 3;  // a layer offset of 3 floats
  Batch batch(p.lengths, scattered_slots(n, pool_slots, 1));
  const int x_stride = 2 * p.C;
  auto x = randn(static_cast<std::size_t>(batch.T) * x_stride, rng);
  auto w = randn(static_cast<std::size_t>(p.C) * p.K, rng, 0.5f);
  auto bias = randn(p.C, rng, 0.2f);
  auto pool = randn(per_slot * pool_slots, rng);

  // CPU: each sequence against its own copy of the state.
  auto cpu_pool = pool;
  std::vector<float> cpu_out(static_cast<std::size_t>(batch.T) * p.C);
  cpu::ThreadPool threads(2);
  std::vector<cpu::SequenceSpan> spans;
  for (const auto& s : batch.seqs)
    spans.push_back({static_cast<std::size_t>(s.first), static_cast<std::size_t>(s.count),
                     cpu_pool.data() + s.slot * per_slot + 3});
  cpu::causal_conv1d_silu({spans,
                           {x.data(), static_cast<std::size_t>(x_stride)},
                           static_cast<std::size_t>(p.C),
                           static_cast<std::size_t>(p.K),
                           w.data(),
                           bias.data(),
                           {cpu_out.data(), static_cast<std::size_t>(p.C)}},
                          threads);

  DeviceArray<float> dx(x), dw(w), db(bias), dpool(pool), dout(cpu_out.size());
  DeviceArray<cuda::SequenceDesc> dseqs(batch.seqs);
  DeviceArray<int> dtok(batch.token_seq);
  RECUR_CUDA_OK(cuda::causal_conv1d(dx.get(), x_stride, dseqs.get(), n, dtok.get(), batch.T, p.C,
                                    p.K, dw.get(), db.get(), {dpool.get() + 3, per_slot},
                                    dout.get(), {}, nullptr));
  EXPECT_LE(max_relative_difference(dout.download(), cpu_out), 1e-5);
  EXPECT_LE(max_relative_difference(dpool.download(), cpu_pool), 0.0)
      << "states must be copied exactly";
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConvParity,
                         ::testing::Values(ConvCase{{1}, 8, 4}, ConvCase{{1, 2, 3, 7, 1}, 33, 4},
                                           ConvCase{{100, 1, 17}, 64, 4}, ConvCase{{5, 2}, 16, 1},
                                           ConvCase{{2, 9}, 40, 2}, ConvCase{{3, 30}, 12, 7}));

// Kernel widths on both sides of the register window (4), with and without a bias.
class ConvStep : public ::testing::TestWithParam<int> {};

TEST_P(ConvStep, ABatchOfOverAThousandScatteredSessionsMatchesTheCpu) {
  RECUR_REQUIRE_GPU();
  std::mt19937 rng(5);
  const int B = 1100, C = 48, K = GetParam(), hist = K - 1, pool_slots = 1500;
  const std::size_t per_slot = static_cast<std::size_t>(C) * hist;
  auto slots = scattered_slots(B, pool_slots, 2);
  slots[7] = -1;  // a padding row
  auto x = randn(static_cast<std::size_t>(B) * C, rng);
  auto w = randn(static_cast<std::size_t>(C) * K, rng, 0.5f);
  auto pool = randn(per_slot * pool_slots, rng);
  const auto bias = randn(C, rng);
  const float* cpu_bias = K % 2 ? bias.data() : nullptr;
  auto cpu_pool = pool;
  std::vector<float> cpu_out(static_cast<std::size_t>(B) * C);
  cpu::ThreadPool threads(2);
  std::vector<float> zero_state(per_slot, 0.0f);
  for (int b = 0; b < B; ++b) {
    float* st = slots[b] >= 0 ? cpu_pool.data() + slots[b] * per_slot : zero_state.data();
    const cpu::SequenceSpan span{static_cast<std::size_t>(b), 1, st};
    cpu::causal_conv1d_silu({{&span, 1},
                             {x.data(), static_cast<std::size_t>(C)},
                             static_cast<std::size_t>(C),
                             static_cast<std::size_t>(K),
                             w.data(),
                             cpu_bias,
                             {cpu_out.data(), static_cast<std::size_t>(C)}},
                            threads);
  }
  DeviceArray<float> dx(x), dw(w), dbias(bias), dpool(pool), dout(cpu_out.size());
  DeviceArray<int> dslots(slots);
  RECUR_CUDA_OK(cuda::causal_conv1d_step(dx.get(), C, dslots.get(), B, C, K, dw.get(),
                                         cpu_bias ? dbias.get() : nullptr, {dpool.get(), per_slot},
                                         dout.get(), {}, nullptr));
  EXPECT_LE(max_relative_difference(dout.download(), cpu_out), 1e-5);
  EXPECT_EQ(dpool.download(), cpu_pool);
}

INSTANTIATE_TEST_SUITE_P(Widths, ConvStep, ::testing::Values(1, 2, 3, 4, 6));

struct ScanCase {
  std::vector<int> lengths;
  int C, N;
};

class ScanParity : public ::testing::TestWithParam<ScanCase> {};

TEST_P(ScanParity, PrefillMatchesTheCpuKernelFromSavedStates) {
  RECUR_REQUIRE_GPU();
  const auto& p = GetParam();
  std::mt19937 rng(p.C * 7 + p.N);
  const int n = static_cast<int>(p.lengths.size()), pool_slots = n + 3;
  const int R = 3, W = R + 2 * p.N;
  const std::size_t per_slot = static_cast<std::size_t>(p.C) * p.N;
  Batch batch(p.lengths, scattered_slots(n, pool_slots, 3));
  const auto T = static_cast<std::size_t>(batch.T);
  auto u = randn(T * p.C, rng);
  auto dt = randn(T * p.C, rng, 1.0f, -1.0f);
  auto dt_bias = randn(p.C, rng, 0.5f);
  std::vector<float> A(static_cast<std::size_t>(p.C) * p.N);
  for (auto& a : A) a = -std::exp(std::uniform_real_distribution<float>(-1.0f, 1.5f)(rng));
  auto dbc = randn(T * W, rng);
  auto D = randn(p.C, rng);
  auto z = randn(T * 2 * p.C, rng);
  auto pool = randn(per_slot * pool_slots, rng, 0.3f);

  // The CPU kernel takes dt with its bias added.
  std::vector<float> dt_full(dt.size());
  for (std::size_t t = 0; t < T; ++t)
    for (int c = 0; c < p.C; ++c) dt_full[t * p.C + c] = dt[t * p.C + c] + dt_bias[c];
  auto cpu_pool = pool;
  std::vector<float> cpu_y(T * p.C);
  std::vector<cpu::SequenceSpan> spans;
  for (const auto& s : batch.seqs)
    spans.push_back({static_cast<std::size_t>(s.first), static_cast<std::size_t>(s.count),
                     cpu_pool.data() + s.slot * per_slot});
  cpu::ThreadPool threads(2);
  const auto Cz = static_cast<std::size_t>(p.C);
  cpu::selective_scan({.sequences = spans,
                       .channels = Cz,
                       .d_state = static_cast<std::size_t>(p.N),
                       .u = {u.data(), Cz},
                       .dt = {dt_full.data(), Cz},
                       .A = A.data(),
                       .B = {dbc.data() + R, static_cast<std::size_t>(W)},
                       .C = {dbc.data() + R + p.N, static_cast<std::size_t>(W)},
                       .D = D.data(),
                       .z = {z.data() + p.C, 2 * Cz},
                       .y = {cpu_y.data(), Cz}},
                      threads);

  DeviceArray<float> du(u), ddt(dt), dbias(dt_bias), dA(A), ddbc(dbc), dD(D), dz(z), dpool(pool),
      dy(cpu_y.size());
  DeviceArray<cuda::SequenceDesc> dseqs(batch.seqs);
  cuda::ScanArgs a;
  a.seqs = dseqs.get();
  a.n_seqs = n;
  a.C = p.C;
  a.N = p.N;
  a.u = du.get();
  a.dt = ddt.get();
  a.dt_bias = dbias.get();
  a.A = dA.get();
  a.dbc = ddbc.get();
  a.dbc_stride = W;
  a.b_offset = R;
  a.c_offset = R + p.N;
  a.D = dD.get();
  a.z = dz.get() + p.C;
  a.z_stride = 2 * p.C;
  a.state = {dpool.get(), per_slot};
  a.y = dy.get();
  RECUR_CUDA_OK(cuda::selective_scan(a, nullptr));
  // The segmented scan reassociates the recurrence: agreement to fp32 rounding, not bits.
  EXPECT_LE(max_relative_difference(dy.download(), cpu_y), 2e-5);
  EXPECT_LE(max_relative_difference(dpool.download(), cpu_pool), 2e-5);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ScanParity,
                         ::testing::Values(ScanCase{{1}, 4, 16}, ScanCase{{7, 1, 13}, 9, 16},
                                           ScanCase{{333, 2}, 5, 16}, ScanCase{{100, 64, 1}, 3, 4},
                                           ScanCase{{129}, 6, 2}, ScanCase{{40, 3}, 4, 64},
                                           ScanCase{{17}, 2, 200}, ScanCase{{1000}, 2, 8}));

// (sessions, state size, bf16 weights, dt rank): ranks of the fixtures (6), mamba-130m (48), the
// 2.8B shape (160: 16-byte weight loads) and past what a lane keeps in registers (400).
class ScanStepParity : public ::testing::TestWithParam<std::tuple<int, int, bool, int>> {};

TEST_P(ScanStepParity, FusedDtProjAndUpdateMatchTheCpu) {
  RECUR_REQUIRE_GPU();
  const auto [B, N, bf16, R] = GetParam();
  std::mt19937 rng(B + N + R);
  const int C = 24, W = R + 2 * N, pool_slots = B + 200;
  const std::size_t per_slot = static_cast<std::size_t>(C) * N;
  auto slots = scattered_slots(B, pool_slots, 9);
  auto u = randn(static_cast<std::size_t>(B) * C, rng);
  auto dbc = randn(static_cast<std::size_t>(B) * W, rng);
  auto wdt = randn(static_cast<std::size_t>(C) * R, rng, 0.4f);
  std::vector<std::uint16_t> wdt16(wdt.size());
  for (std::size_t i = 0; i < wdt.size(); ++i)
    wdt16[i] = float_to_bf16(wdt[i]), wdt[i] = bf16 ? bf16_to_float(wdt16[i]) : wdt[i];
  auto dt_bias = randn(C, rng, 0.5f, -1.0f);
  std::vector<float> A(static_cast<std::size_t>(C) * N);
  for (auto& a : A) a = -std::exp(std::uniform_real_distribution<float>(-1.0f, 1.5f)(rng));
  auto D = randn(C, rng);
  auto z = randn(static_cast<std::size_t>(B) * 2 * C, rng);
  auto pool = randn(per_slot * pool_slots, rng, 0.3f);

  auto cpu_pool = pool;
  std::vector<float> cpu_y(static_cast<std::size_t>(B) * C), dt(static_cast<std::size_t>(B) * C);
  cpu::ThreadPool threads(2);
  cpu::linear(
      {ElementType::f32, static_cast<std::size_t>(C), static_cast<std::size_t>(R), wdt.data()},
      {dbc.data(), static_cast<std::size_t>(W)}, B, dt_bias.data(),
      {dt.data(), static_cast<std::size_t>(C)}, threads);
  std::vector<cpu::SequenceSpan> spans;
  for (int b = 0; b < B; ++b)
    spans.push_back({static_cast<std::size_t>(b), 1, cpu_pool.data() + slots[b] * per_slot});
  const auto Cz = static_cast<std::size_t>(C);
  cpu::selective_scan({.sequences = spans,
                       .channels = Cz,
                       .d_state = static_cast<std::size_t>(N),
                       .u = {u.data(), Cz},
                       .dt = {dt.data(), Cz},
                       .A = A.data(),
                       .B = {dbc.data() + R, static_cast<std::size_t>(W)},
                       .C = {dbc.data() + R + N, static_cast<std::size_t>(W)},
                       .D = D.data(),
                       .z = {z.data() + C, 2 * Cz},
                       .y = {cpu_y.data(), Cz}},
                      threads);

  DeviceArray<float> du(u), ddbc(dbc), dwdt(wdt), dbias(dt_bias), dA(A), dD(D), dz(z), dpool(pool),
      dy(cpu_y.size());
  DeviceArray<std::uint16_t> dwdt16(wdt16);
  DeviceArray<int> dslots(slots);
  cuda::ScanStepArgs a;
  a.slots = dslots.get();
  a.B = B;
  a.C = C;
  a.N = N;
  a.R = R;
  a.u = du.get();
  a.dt_proj = bf16 ? MatrixView{ElementType::bf16, static_cast<std::size_t>(C),
                                static_cast<std::size_t>(R), dwdt16.get()}
                   : MatrixView{ElementType::f32, static_cast<std::size_t>(C),
                                static_cast<std::size_t>(R), dwdt.get()};
  a.dt_bias = dbias.get();
  a.A = dA.get();
  a.dbc = ddbc.get();
  a.D = dD.get();
  a.z = dz.get() + C;
  a.z_stride = 2 * C;
  a.state = {dpool.get(), per_slot};
  a.y = dy.get();
  RECUR_CUDA_OK(cuda::selective_scan_step(a, nullptr));
  EXPECT_LE(max_relative_difference(dy.download(), cpu_y), 2e-5);
  EXPECT_LE(max_relative_difference(dpool.download(), cpu_pool), 2e-5);
}

INSTANTIATE_TEST_SUITE_P(Batches, ScanStepParity,
                         ::testing::Combine(::testing::Values(1, 3, 1100),
                                            ::testing::Values(2, 16, 64, 200), ::testing::Bool(),
                                            ::testing::Values(6, 48, 160, 400)));

}  // namespace
}  // namespace recur::kernels
