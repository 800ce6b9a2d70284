// How to check: tests/kernels/cpu/linear_test.cpp; how to time: bench/cpu_engine_bench.cpp.
#include "kernels/cpu/linear.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace recur::kernels::cpu {
namespace {

typedef float v8f __attribute__((vector_size(32)));
typedef std::uint16_t v8u16 __attribute__((vector_size(16)));
typedef std::uint32_t v8u32 __attribute__((vector_size(32)));

// Vectors pass by reference: the default (SSE) clone must not pass 32-byte vectors by value.
[[gnu::always_inline]] inline void load8(v8f& v, const float* p) {
  std::memcpy(&v, p, sizeof v);
}

[[gnu::always_inline]] inline void load8(v8f& v, const std::uint16_t* p) {
  v8u16 h;
  std::memcpy(&h, p, sizeof h);
  const v8u32 w = __builtin_convertvector(h, v8u32) << 16;
  std::memcpy(&v, &w, sizeof v);
}

[[gnu::always_inline]] inline float widen(float v) {
  return v;
}
[[gnu::always_inline]] inline float widen(std::uint16_t v) {
  return bf16_to_float(v);
}

// The canonical reduction of the 16 partial sums.
[[gnu::always_inline]] inline float reduce16(const v8f& a, const v8f& b) {
  v8f s = a + b;
  float p0 = (s[0] + s[1]) + (s[2] + s[3]);
  float p1 = (s[4] + s[5]) + (s[6] + s[7]);
  return p0 + p1;
}

// NT tokens against one weight row: the row is loaded once per 16 columns for all NT tokens.
template <int NT, class W>
[[gnu::always_inline]] inline void dot_tokens(const W* w, const float* const* x, std::size_t n,
                                              float* out) {
  v8f lo[NT], hi[NT];
  for (int t = 0; t < NT; ++t) lo[t] = hi[t] = v8f{};
  std::size_t k = 0;
  for (; k + 16 <= n; k += 16) {
    v8f w0, w1;
    load8(w0, w + k);
    load8(w1, w + k + 8);
    for (int t = 0; t < NT; ++t) {
      v8f x0, x1;
      load8(x0, x[t] + k);
      load8(x1, x[t] + k + 8);
      lo[t] += w0 * x0;
      hi[t] += w1 * x1;
    }
  }
  for (int t = 0; t < NT; ++t) {
    float s = reduce16(lo[t], hi[t]);
    for (std::size_t j = k; j < n; ++j) s += widen(w[j]) * x[t][j];
    out[t] = s;
  }
}

// Tokens outer, rows inner: a group of kGroup tokens' activations stays in L1 while the block's
// rows of weights stream past it from L2.
template <class W>
[[gnu::always_inline]] inline void rows_block(const W* w, std::size_t cols, std::size_t r0,
                                              std::size_t r1, Rows x, std::size_t n_tokens,
                                              const float* bias, MutableRows y) {
  constexpr std::size_t kGroup = 4;
  std::size_t t = 0;
  for (; t + kGroup <= n_tokens; t += kGroup) {
    const float* xs[kGroup];
    for (std::size_t i = 0; i < kGroup; ++i) xs[i] = x.data + (t + i) * x.stride;
    for (std::size_t r = r0; r < r1; ++r) {
      const float b = bias ? bias[r] : 0.0f;
      float out[kGroup];
      dot_tokens<kGroup>(w + r * cols, xs, cols, out);
      for (std::size_t i = 0; i < kGroup; ++i) y.data[(t + i) * y.stride + r] = out[i] + b;
    }
  }
  for (; t < n_tokens; ++t) {
    const float* xs[1] = {x.data + t * x.stride};
    for (std::size_t r = r0; r < r1; ++r) {
      float out[1];
      dot_tokens<1>(w + r * cols, xs, cols, out);
      y.data[t * y.stride + r] = out[0] + (bias ? bias[r] : 0.0f);
    }
  }
}

__attribute__((target_clones("avx2", "default"))) void rows_block_f32(
    const float* w, std::size_t cols, std::size_t r0, std::size_t r1, Rows x, std::size_t n_tokens,
    const float* bias, MutableRows y) {
  rows_block(w, cols, r0, r1, x, n_tokens, bias, y);
}

__attribute__((target_clones("avx2", "default"))) void rows_block_bf16(
    const std::uint16_t* w, std::size_t cols, std::size_t r0, std::size_t r1, Rows x,
    std::size_t n_tokens, const float* bias, MutableRows y) {
  rows_block(w, cols, r0, r1, x, n_tokens, bias, y);
}

}  // namespace

void linear(const MatrixView& w, Rows x, std::size_t n_tokens, const float* bias, MutableRows y,
            ThreadPool& pool) {
  if (n_tokens == 0 || w.rows == 0) return;
  // Blocks of rows small enough that a block of weights stays in L2 while every token passes over
  // it; with many tokens the tokens are walked in tiles so their activations stay in cache too.
  constexpr std::size_t kTokenTile = 64;
  const std::size_t row_bytes = w.cols * element_size(w.type);
  const std::size_t grain =
      std::max<std::size_t>(1, (64 * 1024) / std::max<std::size_t>(row_bytes, 1));
  // A matrix this small is done before another thread could start on it.
  const bool small =
      w.rows * row_bytes * std::max<std::size_t>(1, n_tokens / 8) < (std::size_t{256} << 10);
  pool.parallel_for(w.rows, small ? w.rows : grain, [&](std::size_t r0, std::size_t r1) {
    for (std::size_t r = r0; r < r1; r += grain) {
      const std::size_t re = std::min(r1, r + grain);
      for (std::size_t t0 = 0; t0 < n_tokens; t0 += kTokenTile) {
        const std::size_t nt = std::min(kTokenTile, n_tokens - t0);
        Rows xt{x.data + t0 * x.stride, x.stride};
        MutableRows yt{y.data + t0 * y.stride, y.stride};
        if (w.type == ElementType::f32)
          rows_block_f32(static_cast<const float*>(w.data), w.cols, r, re, xt, nt, bias, yt);
        else
          rows_block_bf16(static_cast<const std::uint16_t*>(w.data), w.cols, r, re, xt, nt, bias,
                          yt);
      }
    }
  });
}

float dot(ElementType type, const void* w, const float* x, std::size_t n) {
  float out = 0;
  const Rows xs{x, n};
  const MutableRows ys{&out, 1};
  if (type == ElementType::f32)
    rows_block_f32(static_cast<const float*>(w), n, 0, 1, xs, 1, nullptr, ys);
  else
    rows_block_bf16(static_cast<const std::uint16_t*>(w), n, 0, 1, xs, 1, nullptr, ys);
  return out;
}

}  // namespace recur::kernels::cpu
