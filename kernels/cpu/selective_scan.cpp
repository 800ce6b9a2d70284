#include "kernels/cpu/selective_scan.hpp"

namespace recur::kernels::cpu {

void selective_scan(const SelectiveScanArgs& a, ThreadPool& pool) {
  const std::size_t N = a.d_state;
  const std::size_t Ch = a.channels;
  pool.parallel_for(a.sequences.size() * Ch, 64, [&](std::size_t i0, std::size_t i1) {
    for (std::size_t i = i0; i < i1; ++i) {
      const SequenceSpan& seq = a.sequences[i / Ch];
      const std::size_t c = i % Ch;
      float* s = seq.state + c * N;
      const float* A = a.A + c * N;
      for (std::size_t t = seq.first; t < seq.first + seq.count; ++t) {
        const float u = a.u.data[t * a.u.stride + c];
        const float delta = softplus(a.dt.data[t * a.dt.stride + c]);
        const float* B = a.B.data + t * a.B.stride;
        const float* C = a.C.data + t * a.C.stride;
        float acc = 0.0f;
        for (std::size_t n = 0; n < N; ++n) {
          s[n] = std::exp(delta * A[n]) * s[n] + (delta * B[n]) * u;
          acc += s[n] * C[n];
        }
        const float z = a.z.data[t * a.z.stride + c];
        const float gate = z / (1.0f + std::exp(-z));
        a.y.data[t * a.y.stride + c] = (acc + a.D[c] * u) * gate;
      }
    }
  });
}

}  // namespace recur::kernels::cpu
