// The selective scan against a float64 transcription of the recurrence, over several sequences.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/cpu/selective_scan.hpp"

namespace recur::kernels::cpu {
namespace {

struct Inputs {
  std::size_t T, C, N;
  std::vector<float> u, dt, A, bc, D, z;
  Inputs(std::size_t t, std::size_t c, std::size_t n, unsigned seed) : T(t), C(c), N(n) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d;
    std::uniform_real_distribution<float> a(-3.0f, 0.5f);
    u.resize(T * C);
    dt.resize(T * C);
    A.resize(C * N);
    bc.resize(T * 2 * N);
    D.resize(C);
    z.resize(T * C);
    for (auto* v : {&u, &bc, &D, &z})
      for (auto& e : *v) e = d(rng);
    for (auto& e : dt) e = d(rng) * 2.0f - 1.0f;
    for (auto& e : A) e = -std::exp(a(rng));
  }
  SelectiveScanArgs args(std::span<const SequenceSpan> seqs, float* y, std::size_t offset) const {
    return {.sequences = seqs,
            .channels = C,
            .d_state = N,
            .u = {u.data() + offset * C, C},
            .dt = {dt.data() + offset * C, C},
            .A = A.data(),
            .B = {bc.data() + offset * 2 * N, 2 * N},
            .C = {bc.data() + offset * 2 * N + N, 2 * N},
            .D = D.data(),
            .z = {z.data() + offset * C, C},
            .y = {y, C}};
  }
};

TEST(SelectiveScan, MatchesTheRecurrenceInFloat64) {
  for (std::size_t N : {1u, 4u, 16u}) {
    Inputs in(13, 7, N, 10 + N);
    std::vector<float> state(in.C * N, 0.0f), y(in.T * in.C);
    ThreadPool pool(2);
    const SequenceSpan seq{0, in.T, state.data()};
    selective_scan(in.args({&seq, 1}, y.data(), 0), pool);
    std::vector<double> s(in.C * N, 0.0);
    for (std::size_t t = 0; t < in.T; ++t)
      for (std::size_t c = 0; c < in.C; ++c) {
        const double x = in.dt[t * in.C + c];
        const double delta = x > 20 ? x : std::log1p(std::exp(x));
        const double u = in.u[t * in.C + c];
        double acc = 0;
        for (std::size_t n = 0; n < N; ++n) {
          double& sv = s[c * N + n];
          sv = std::exp(delta * in.A[c * N + n]) * sv + delta * in.bc[t * 2 * N + n] * u;
          acc += sv * in.bc[t * 2 * N + N + n];
        }
        const double z = in.z[t * in.C + c];
        const double ref = (acc + in.D[c] * u) * z / (1 + std::exp(-z));
        ASSERT_NEAR(y[t * in.C + c], ref, 1e-5 * (1 + std::abs(ref))) << "N " << N << " t " << t;
      }
  }
}

TEST(SelectiveScan, SeveralSequencesInOneCallEqualSeparateCallsBitForBit) {
  Inputs in(10, 5, 4, 77);
  ThreadPool pool(3);
  // Sequences own tokens [0,3), [3,4), [4,10), each with its own nonzero starting state.
  std::vector<float> states(3 * in.C * in.N);
  for (std::size_t i = 0; i < states.size(); ++i) states[i] = std::sin(static_cast<float>(i));
  auto separate = states;
  std::vector<float> y(in.T * in.C), y_sep(in.T * in.C);
  const SequenceSpan seqs[] = {{0, 3, states.data()},
                               {3, 1, states.data() + in.C * in.N},
                               {4, 6, states.data() + 2 * in.C * in.N}};
  selective_scan(in.args(seqs, y.data(), 0), pool);
  for (std::size_t i = 0; i < 3; ++i) {
    // The same sequence, token by token.
    for (std::size_t t = seqs[i].first; t < seqs[i].first + seqs[i].count; ++t) {
      const SequenceSpan one{0, 1, separate.data() + i * in.C * in.N};
      selective_scan(in.args({&one, 1}, y_sep.data() + t * in.C, t), pool);
    }
  }
  EXPECT_EQ(y, y_sep);
  EXPECT_EQ(states, separate);
}

}  // namespace
}  // namespace recur::kernels::cpu
