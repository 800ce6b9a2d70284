// How to check: tests/kernels/cpu/selective_scan_test.cpp; how to time: bench/cpu_engine_bench.cpp.
#include "kernels/cpu/selective_scan.hpp"

#include <algorithm>

#include "kernels/cpu/vector_math.hpp"

namespace recur::kernels::cpu {
namespace {

// One channel of one sequence over its tokens; the states move eight at a time.
__attribute__((target_clones("avx2", "default"))) void scan_channel(const SelectiveScanArgs& a,
                                                                    const SequenceSpan& seq,
                                                                    std::size_t c) {
  const std::size_t N = a.d_state;
  float* s = seq.state + c * N;
  const float* A = a.A + c * N;
  for (std::size_t t = seq.first; t < seq.first + seq.count; ++t) {
    const float u = a.u.data[t * a.u.stride + c];
    const float delta = softplus(a.dt.data[t * a.dt.stride + c]);
    const float* B = a.B.data + t * a.B.stride;
    const float* C = a.C.data + t * a.C.stride;
    v8f acc{};
    for (std::size_t n0 = 0; n0 < N; n0 += 8) {
      const std::size_t w = std::min<std::size_t>(8, N - n0);
      v8f va{}, vb{}, vc{}, vs{};
      if (w == 8) {
        load8(va, A + n0), load8(vb, B + n0), load8(vc, C + n0), load8(vs, s + n0);
      } else {
        for (std::size_t i = 0; i < w; ++i)
          va[i] = A[n0 + i], vb[i] = B[n0 + i], vc[i] = C[n0 + i], vs[i] = s[n0 + i];
      }
      v8f decay;
      exp_nonpositive(decay, delta * va);
      vs = decay * vs + (delta * vb) * u;
      acc += vs * vc;  // padding lanes have C = 0
      if (w == 8) {
        store8(s + n0, vs);
      } else {
        for (std::size_t i = 0; i < w; ++i) s[n0 + i] = vs[i];
      }
    }
    const float sum =
        ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    const float z = a.z.data[t * a.z.stride + c];
    const float gate = z / (1.0f + std::exp(-z));
    a.y.data[t * a.y.stride + c] = (sum + a.D[c] * u) * gate;
  }
}

}  // namespace

void selective_scan(const SelectiveScanArgs& a, ThreadPool& pool) {
  const std::size_t Ch = a.channels;
  pool.parallel_for(a.sequences.size() * Ch, 64, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) scan_channel(a, a.sequences[i / Ch], i % Ch);
  });
}

}  // namespace recur::kernels::cpu
