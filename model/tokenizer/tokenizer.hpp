// Text to token ids and back, exactly as Hugging Face tokenizers does it for a bundle's
// tokenizer.json.
//
// Supported: the WordLevel and BPE models (byte-level BPE of the GPT-2 / GPT-NeoX family, with
// unk_token, fuse_unk, byte_fallback, ignore_merges and subword prefix/suffix), added and special
// tokens split out of the text before the model sees it, the NFC normalizer, the ByteLevel,
// Whitespace and WhitespaceSplit pre-tokenizers, Sequences of those, the ByteLevel decoder and the
// ByteLevel post-processor. A tokenizer.json that needs anything else (another model, normalizer,
// pre-tokenizer or decoder, a post-processor that adds tokens, BPE dropout, truncation, padding) is
// refused with an error naming the field.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "model/tokenizer/token.hpp"

namespace recur {

// Immutable once loaded; encode and decode may run on several threads at once.
class Tokenizer {
 public:
  // Reads tokenizer.json; errors name the file and the field that is missing or unsupported.
  static Result<Tokenizer> load(const std::filesystem::path& path);
  static Result<Tokenizer> parse(const nlohmann::json& json, const std::string& source);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // encode(text).ids of Hugging Face tokenizers. Text must be valid UTF-8; otherwise the error
  // names the byte offset of the first invalid sequence.
  Result<std::vector<TokenId>> encode(std::string_view text) const;
  // decode(ids, skip_special_tokens). An id outside the vocabulary is an error naming it (Hugging
  // Face skips such ids silently).
  Result<std::string> decode(std::span<const TokenId> ids, bool skip_special_tokens = false) const;

  // Number of ids, added tokens included (Hugging Face's get_vocab_size(with_added_tokens=True)).
  std::size_t vocab_size() const;
  std::optional<TokenId> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(TokenId id) const;
  bool is_special(TokenId id) const;

  struct Impl;

 private:
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace recur
