// How to check: tests/kernels/cpu/selective_scan_test.cpp; how to time: bench/cpu_engine_bench.cpp.
#include "kernels/cpu/selective_scan.hpp"

#include <algorithm>

#include "kernels/cpu/vector_math.hpp"

namespace recur::kernels::cpu {
namespace {

// Eight channels c0.. of one sequence over its tokens (fewer at the end of the channels): their
// softplus and gate go as one vector per token, then each channel's states move eight at a time.
__attribute__((target_clones("avx2", "default"))) void scan_channels(const SelectiveScanArgs& a,
                                                                     const SequenceSpan& seq,
                                                                     std::size_t c0) {
  const std::size_t N = a.d_state;
  const std::size_t width = std::min<std::size_t>(8, a.channels - c0);
  for (std::size_t t = seq.first; t < seq.first + seq.count; ++t) {
    v8f dt{}, z{}, delta, gate;
    for (std::size_t j = 0; j < width; ++j)
      dt[j] = a.dt.data[t * a.dt.stride + c0 + j], z[j] = a.z.data[t * a.z.stride + c0 + j];
    softplus(delta, dt);
    silu(gate, z);
    const float* B = a.B.data + t * a.B.stride;
    const float* C = a.C.data + t * a.C.stride;
    for (std::size_t j = 0; j < width; ++j) {
      const std::size_t c = c0 + j;
      float* s = seq.state + c * N;
      const float* A = a.A + c * N;
      const float u = a.u.data[t * a.u.stride + c];
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
        exp_nonpositive(decay, delta[j] * va);
        vs = decay * vs + (delta[j] * vb) * u;
        acc += vs * vc;  // padding lanes have C = 0
        if (w == 8) {
          store8(s + n0, vs);
        } else {
          for (std::size_t i = 0; i < w; ++i) s[n0 + i] = vs[i];
        }
      }
      const float sum =
          ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
      a.y.data[t * a.y.stride + c] = (sum + a.D[c] * u) * gate[j];
    }
  }
}

}  // namespace

void selective_scan(const SelectiveScanArgs& a, ThreadPool& pool) {
  const std::size_t groups = (a.channels + 7) / 8;
  pool.parallel_for(a.sequences.size() * groups, 8, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) scan_channels(a, a.sequences[i / groups], i % groups * 8);
  });
}

}  // namespace recur::kernels::cpu
