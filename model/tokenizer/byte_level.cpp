#include "model/tokenizer/byte_level.hpp"

#include <array>
#include <cstdint>
#include <optional>

#include "model/tokenizer/unicode.hpp"

namespace recur {
namespace {

// GPT-2's bytes_to_unicode(): printable Latin-1 bytes stand for themselves, the other 68 bytes take
// the code points from U+0100 upwards in byte order.
struct ByteAlphabet {
  std::array<std::string, 256> byte_to_utf8{};
  std::array<std::int16_t, 324> char_to_byte{};  // -1: not in the alphabet

  ByteAlphabet() {
    char_to_byte.fill(-1);
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      const char32_t c = printable ? static_cast<char32_t>(b) : next++;
      unicode::append_utf8(byte_to_utf8[b], c);
      char_to_byte[c] = static_cast<std::int16_t>(b);
    }
  }

  std::optional<unsigned char> byte_of(char32_t c) const {
    if (c >= char_to_byte.size() || char_to_byte[c] < 0) return std::nullopt;
    return static_cast<unsigned char>(char_to_byte[c]);
  }
};

const ByteAlphabet& alphabet() {
  static const ByteAlphabet a;
  return a;
}

}  // namespace

void append_byte_level(std::string& out, std::string_view text) {
  const ByteAlphabet& a = alphabet();
  for (char b : text) out += a.byte_to_utf8[static_cast<unsigned char>(b)];
}

std::string decode_byte_level(const std::vector<std::string_view>& tokens) {
  const ByteAlphabet& a = alphabet();
  std::string bytes;
  std::string token_bytes;
  for (std::string_view token : tokens) {
    token_bytes.clear();
    bool in_alphabet = true;
    for (std::size_t pos = 0; pos < token.size() && in_alphabet;) {
      const auto byte = a.byte_of(unicode::next_code_point(token, pos));
      if (byte) {
        token_bytes.push_back(static_cast<char>(*byte));
      } else {
        in_alphabet = false;
      }
    }
    if (in_alphabet) {
      bytes += token_bytes;
    } else {
      bytes += token;
    }
  }
  return unicode::from_utf8_lossy(bytes);
}

}  // namespace recur
