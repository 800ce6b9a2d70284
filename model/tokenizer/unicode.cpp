#include "model/tokenizer/unicode.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <tuple>
#include <vector>

#include "model/tokenizer/unicode_tables.hpp"

namespace recur::unicode {
namespace {

namespace tables = unicode_tables;

std::uint8_t class_flags(char32_t c) {
  const auto classes = tables::classes();
  auto it = std::upper_bound(classes.begin(), classes.end(), c,
                             [](char32_t v, const tables::ClassRange& r) { return v < r.first; });
  if (it == classes.begin()) return 0;
  --it;
  return c <= it->last ? it->flags : 0;
}

// Flags of the ASCII characters, looked up once: most text is ASCII.
const std::array<std::uint8_t, 128>& ascii_flags() {
  static const auto flags = [] {
    std::array<std::uint8_t, 128> f{};
    for (char32_t c = 0; c < 128; ++c) f[c] = class_flags(c);
    return f;
  }();
  return flags;
}

std::uint8_t flags_of(char32_t c) {
  return c < 128 ? ascii_flags()[c] : class_flags(c);
}

std::uint8_t combining_class(char32_t c) {
  if (c < 0x300) return 0;
  const auto ranges = tables::combining_classes();
  auto it = std::upper_bound(
      ranges.begin(), ranges.end(), c,
      [](char32_t v, const tables::CombiningClassRange& r) { return v < r.first; });
  if (it == ranges.begin()) return 0;
  --it;
  return c <= it->last ? it->combining_class : 0;
}

// Hangul syllables compose and decompose arithmetically (Unicode chapter 3.12).
constexpr char32_t kSyllableBase = 0xAC00, kLeadBase = 0x1100, kVowelBase = 0x1161,
                   kTrailBase = 0x11A7;
constexpr char32_t kLeadCount = 19, kVowelCount = 21, kTrailCount = 28;
constexpr char32_t kSyllableCount = kLeadCount * kVowelCount * kTrailCount;

void decompose(char32_t c, std::u32string& out) {
  if (c >= kSyllableBase && c < kSyllableBase + kSyllableCount) {
    const char32_t index = c - kSyllableBase;
    out.push_back(kLeadBase + index / (kVowelCount * kTrailCount));
    out.push_back(kVowelBase + (index % (kVowelCount * kTrailCount)) / kTrailCount);
    if (index % kTrailCount != 0) out.push_back(kTrailBase + index % kTrailCount);
    return;
  }
  const auto entries = tables::decompositions();
  auto it =
      std::lower_bound(entries.begin(), entries.end(), c,
                       [](const tables::Decomposition& d, char32_t v) { return d.code_point < v; });
  if (it == entries.end() || it->code_point != c) {
    out.push_back(c);
    return;
  }
  const auto data = tables::decomposition_data().subspan(it->offset, it->length);
  out.append(data.begin(), data.end());
}

// The primary composite of first + second, or 0 when they do not compose.
char32_t compose(char32_t first, char32_t second) {
  if (first >= kLeadBase && first < kLeadBase + kLeadCount && second >= kVowelBase &&
      second < kVowelBase + kVowelCount) {
    return kSyllableBase +
           ((first - kLeadBase) * kVowelCount + (second - kVowelBase)) * kTrailCount;
  }
  if (first >= kSyllableBase && first < kSyllableBase + kSyllableCount &&
      (first - kSyllableBase) % kTrailCount == 0 && second > kTrailBase &&
      second < kTrailBase + kTrailCount) {
    return first + (second - kTrailBase);
  }
  const auto pairs = tables::compositions();
  auto it = std::lower_bound(pairs.begin(), pairs.end(), std::pair{first, second},
                             [](const tables::Composition& p, std::pair<char32_t, char32_t> v) {
                               return std::tie(p.first, p.second) < std::tie(v.first, v.second);
                             });
  if (it == pairs.end() || it->first != first || it->second != second) return 0;
  return it->composite;
}

// Sorts each run of non-starters by combining class, keeping the order of equal classes.
void reorder(std::u32string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    if (combining_class(s[i]) == 0) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < s.size() && combining_class(s[end]) != 0) ++end;
    if (end - i > 1) {
      std::stable_sort(
          s.begin() + static_cast<std::ptrdiff_t>(i), s.begin() + static_cast<std::ptrdiff_t>(end),
          [](char32_t a, char32_t b) { return combining_class(a) < combining_class(b); });
    }
    i = end;
  }
}

// Canonical composition of a canonically ordered, fully decomposed string (UAX #15).
void compose_all(std::u32string& s) {
  if (s.empty()) return;
  std::size_t starter = 0;
  int last_class = combining_class(s[0]) == 0 ? 0 : 256;  // a leading non-starter blocks
  std::size_t out = 1;
  for (std::size_t i = 1; i < s.size(); ++i) {
    const char32_t c = s[i];
    const int c_class = combining_class(c);
    const char32_t composite = compose(s[starter], c);
    if (composite != 0 && (last_class < c_class || last_class == 0)) {
      s[starter] = composite;
      continue;
    }
    if (c_class == 0) starter = out;
    last_class = c_class;
    s[out++] = c;
  }
  s.resize(out);
}

}  // namespace

bool is_letter(char32_t c) {
  return flags_of(c) & tables::kLetter;
}
bool is_number(char32_t c) {
  return flags_of(c) & tables::kNumber;
}
bool is_white_space(char32_t c) {
  return flags_of(c) & tables::kWhiteSpace;
}
bool is_word(char32_t c) {
  return flags_of(c) & tables::kWord;
}

std::string nfc(std::string_view text) {
  // Below U+0300 nothing decomposes or combines; such text encodes with bytes below 0xCC only.
  if (std::all_of(text.begin(), text.end(),
                  [](char b) { return static_cast<unsigned char>(b) < 0xCC; })) {
    return std::string(text);
  }
  std::u32string s;
  s.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) decompose(next_code_point(text, pos), s);
  reorder(s);
  compose_all(s);
  std::string out;
  out.reserve(text.size());
  for (char32_t c : s) append_utf8(out, c);
  return out;
}

}  // namespace recur::unicode
