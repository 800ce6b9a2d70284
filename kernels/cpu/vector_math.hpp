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
  v8f xc;
  for (int i = 0; i < 8; ++i) xc[i] = x[i] < -87.0f ? -87.0f : x[i];
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
  out = p * scale;
  for (int i = 0; i < 8; ++i)
    if (x[i] < -87.0f) out[i] = 0.0f;
}

}  // namespace recur::kernels::cpu
