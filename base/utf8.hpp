// UTF-8: validation, decoding and encoding of code points, and the lossy conversion of bytes to
// text. The tokenizer builds on it (model/tokenizer/unicode.hpp); tools use it to keep the text
// they return valid.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace recur::unicode {

inline constexpr char32_t kReplacementCharacter = 0xFFFD;

// Byte offset of the first ill-formed UTF-8 sequence in text (overlong forms, surrogates and code
// points above U+10FFFF are ill-formed), or nullopt when text is valid UTF-8.
std::optional<std::size_t> find_invalid_utf8(std::string_view text);

// Decodes the code point starting at text[pos] and advances pos past it. An ill-formed sequence
// decodes as U+FFFD and advances by its maximal valid prefix (at least one byte). pos <
// text.size().
char32_t next_code_point(std::string_view text, std::size_t& pos);

// Decodes the code point that ends at text[pos - 1] and moves pos to its first byte. Text must be
// valid UTF-8 and pos > 0.
char32_t previous_code_point(std::string_view text, std::size_t& pos);

void append_utf8(std::string& out, char32_t code_point);

// Bytes to text the way Rust's String::from_utf8_lossy does: each maximal prefix of an ill-formed
// sequence becomes one U+FFFD.
std::string from_utf8_lossy(std::string_view bytes);

}  // namespace recur::unicode
