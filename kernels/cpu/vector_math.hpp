// Eight-lane float vectors (GCC vector extensions; SSE or AVX2 code, chosen by the caller's target)
// and an exp that runs on them. Used where a kernel would otherwise call libm once per element.
#pragma once

#include <cstdint>
#include <cstring>

namespace recur::kernels::cpu {

typedef float v8f __attribute__((vector_size(32)));
typedef std::int32_t v8i __attribute__((vector_size(32)));

// Vectors travel by reference: a default-target clone must not pass 32-byte vectors by value.
[[gnu::always_inline]] inline void load8(v8f& v, const float* p) {
  std::memcpy(&v, p, sizeof v);
}
[[gnu::always_inline]] inline void store8(float* p, const v8f& v) {
  std::memcpy(p, &v, sizeof v);
}

// exp(x) for x <= 0 (the decay of a selective scan), relative error below 2e-7 on [-87, 0]; 0
// below. x = k ln2 + r with |r| <= ln2 / 2; exp(r) by a degree-6 polynomial; 2^k through the
// exponent bits.
[[gnu::always_inline]] inline void exp_nonpositive(v8f& out, const v8f& x) {
  const v8f low = v8f{} - 87.0f;
  const v8f xc = x < low ? low : x;
  const v8f kf =
      __builtin_convertvector(__builtin_convertvector(xc * 1.44269504088896341f - 0.5f, v8i), v8f);
  const v8f r = (xc - kf * 0.693145751953125f) - kf * 1.428606765330187045e-06f;
  v8f p = r * 1.9875691500e-4f + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * (r * r) + r + 1.0f;
  const v8i bits = (__builtin_convertvector(kf, v8i) + 127) << 23;
  v8f scale;
  std::memcpy(&scale, &bits, sizeof scale);
  out = x < low ? v8f{} : p * scale;
}

// -|x|, the argument of exp_nonpositive for functions of either sign.
[[gnu::always_inline]] inline void negative_magnitude(v8f& out, const v8f& x) {
  out = x > v8f{} ? -x : x;
}

// PyTorch's softplus (beta 1, threshold 20): x past 20, else log(1 + exp(x)), computed as
// max(x, 0) + log1p(exp(-|x|)). With y = exp(-|x|) in (0, 1], log1p(y) = 2 atanh(s) for
// s = y / (2 + y) in (0, 1/3], by its odd series to s^15: within a few ulp, small y included.
[[gnu::always_inline]] inline void softplus(v8f& out, const v8f& x) {
  const v8f zero{};
  v8f m, y;
  negative_magnitude(m, x);
  exp_nonpositive(y, m);
  const v8f s = y / (2.0f + y);
  const v8f s2 = s * s;
  v8f p = s2 * (1.0f / 15.0f) + (1.0f / 13.0f);
  p = p * s2 + (1.0f / 11.0f);
  p = p * s2 + (1.0f / 9.0f);
  p = p * s2 + (1.0f / 7.0f);
  p = p * s2 + (1.0f / 5.0f);
  p = p * s2 + (1.0f / 3.0f);
  const v8f log1p_y = 2.0f * s + (2.0f * s) * (s2 * p);
  const v8f positive = x > zero ? x : zero;
  out = x > zero + 20.0f ? x : positive + log1p_y;
}

// SiLU, x / (1 + exp(-x)), from e = exp(-|x|) <= 1: x / (1 + e) for x >= 0, x e / (1 + e) below.
[[gnu::always_inline]] inline void silu(v8f& out, const v8f& x) {
  v8f m, e;
  negative_magnitude(m, x);
  exp_nonpositive(e, m);
  out = (x >= v8f{} ? x : x * e) / (1.0f + e);
}

// One value through the vector functions above: the same bits as in a vector.
inline float softplus(float x) {
  v8f v{x}, out;
  softplus(out, v);
  return out[0];
}
inline float silu(float x) {
  v8f v{x}, out;
  silu(out, v);
  return out[0];
}

}  // namespace recur::kernels::cpu
