// Element types and matrix views shared by the CPU and CUDA kernels. Kernels know nothing of
// models: they see row-major matrices of fp32 or bf16 elements and fp32 activations.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace recur::kernels {

enum class ElementType : std::uint8_t { f32, bf16 };

inline std::size_t element_size(ElementType t) {
  return t == ElementType::f32 ? 4 : 2;
}

// A row-major [rows, cols] matrix whose storage is owned elsewhere (a memory map or a buffer).
struct MatrixView {
  ElementType type = ElementType::f32;
  std::size_t rows = 0;
  std::size_t cols = 0;
  const void* data = nullptr;
};

// bf16 is the upper half of an IEEE fp32; widening is exact.
inline float bf16_to_float(std::uint16_t v) {
  std::uint32_t bits = static_cast<std::uint32_t>(v) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

// Round-to-nearest-even narrowing, NaN kept quiet.
inline std::uint16_t float_to_bf16(float f) {
  std::uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0)
    return static_cast<std::uint16_t>((bits >> 16) | 0x0040u);
  bits += 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<std::uint16_t>(bits >> 16);
}

}  // namespace recur::kernels
