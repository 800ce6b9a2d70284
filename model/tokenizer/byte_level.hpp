// GPT-2's byte-level alphabet: every byte is written as a printable character, so that BPE runs
// over text that has no spaces or control characters, and the ByteLevel decoder maps it back to
// bytes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace recur {

// Appends each byte of text as its character of the byte-level alphabet (' ' becomes "Ġ").
void append_byte_level(std::string& out, std::string_view text);

// The ByteLevel decoder: tokens whose characters all belong to the alphabet turn back into their
// bytes, any other token is taken as it is; the bytes are then read as UTF-8, with U+FFFD for each
// ill-formed sequence.
std::string decode_byte_level(const std::vector<std::string_view>& tokens);

}  // namespace recur
