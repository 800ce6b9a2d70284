// Unicode for the tokenizer: UTF-8 decoding and encoding, the character classes its splitters ask
// about, and NFC, from the tables in model/tokenizer/unicode_tables.hpp. Classes follow Unicode 14.0 (code
// points assigned later are unassigned here, where Hugging Face's regex engines know some of them);
// NFC follows the Unicode 9.0 data of Hugging Face's normalizer.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/utf8.hpp"

namespace recur::unicode {

// Character classes: general category L*, general category N*, the White_Space property, and
// regex \w (Alphabetic, marks, decimal digits, connector punctuation, joiners).
bool is_letter(char32_t c);
bool is_number(char32_t c);
bool is_white_space(char32_t c);
bool is_word(char32_t c);

// Canonical composition (NFC) of valid UTF-8 text.
std::string nfc(std::string_view text);

}  // namespace recur::unicode
