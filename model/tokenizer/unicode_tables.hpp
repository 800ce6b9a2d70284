// The Unicode data behind model/unicode.hpp, generated into model/tokenizer/unicode_tables.cpp by
// scripts/unicode/make_tables.py. Every table is sorted by code point.
#pragma once

#include <cstdint>
#include <span>

namespace recur::unicode_tables {

// Bits of ClassRange::flags.
inline constexpr std::uint8_t kLetter = 1;      // general category L*
inline constexpr std::uint8_t kNumber = 2;      // general category N*
inline constexpr std::uint8_t kWhiteSpace = 4;  // the White_Space property
inline constexpr std::uint8_t kWord = 8;        // regex \w: Alphabetic, M*, Nd, Pc, Join_Control

struct ClassRange {
  char32_t first;
  char32_t last;
  std::uint8_t flags;
};

struct CombiningClassRange {
  char32_t first;
  char32_t last;
  std::uint8_t combining_class;
};

// The full canonical decomposition of code_point: decomposition_data()[offset, offset + length).
// Hangul syllables are decomposed algorithmically and are not listed.
struct Decomposition {
  char32_t code_point;
  std::uint16_t offset;
  std::uint8_t length;
};

// first + second compose canonically to composite (composition exclusions are left out).
struct Composition {
  char32_t first;
  char32_t second;
  char32_t composite;
};

std::span<const ClassRange> classes();
std::span<const CombiningClassRange> combining_classes();
std::span<const Decomposition> decompositions();
std::span<const char32_t> decomposition_data();
std::span<const Composition> compositions();

}  // namespace recur::unicode_tables
