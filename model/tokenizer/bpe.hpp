// The BPE model: a word starts as its characters (or bytes, with byte_fallback) and adjacent pairs
// are merged by the rank of their merge rule, lowest rank first and leftmost among equals, exactly
// as Hugging Face tokenizers merges (without dropout).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/tokenizer/tokenizer_json.hpp"
#include "model/tokenizer/tokenizer_model.hpp"

namespace recur {

class Bpe final : public TokenizerModel {
 public:
  // Reads tokenizer.json's "model" object: vocab, merges (as "left right" strings or [left, right]
  // pairs), unk_token, fuse_unk, byte_fallback, ignore_merges, continuing_subword_prefix and
  // end_of_word_suffix. A dropout other than null or 0 is refused: it makes encoding random.
  static Result<std::unique_ptr<Bpe>> parse(const tokenizer_json::Field& model);

  // Thread-safe; remembers the ids of recent short words.
  Status tokenize(std::string_view word, std::vector<TokenId>& ids) const override;
  const Vocab& vocab() const override { return vocab_; }

 private:
  struct Merge {
    std::uint32_t rank;  // position in the merges list; lower merges first
    TokenId merged;
  };
  struct Options {
    std::optional<std::string> unk_token;
    std::optional<std::string> continuing_subword_prefix;
    std::optional<std::string> end_of_word_suffix;
    bool fuse_unk = false;
    bool byte_fallback = false;
    bool ignore_merges = false;
  };

  Bpe(Vocab vocab, Options options);
  Status parse_merges(const tokenizer_json::Field& merges);
  const Merge* find_merge(TokenId left, TokenId right) const;
  // The word's initial symbols: one per character, with unknown characters handled as configured.
  Status initial_symbols(std::string_view word, std::vector<TokenId>& symbols,
                         std::vector<std::size_t>& lengths) const;
  // Applies the merges to the symbols and returns the final ids.
  std::vector<TokenId> merge(const std::vector<TokenId>& symbols,
                             const std::vector<std::size_t>& lengths) const;

  Vocab vocab_;
  Options options_;
  std::unordered_map<std::uint64_t, Merge> merges_;  // key: left << 32 | right

  mutable std::mutex cache_mutex_;
  mutable StringMap<std::vector<TokenId>> cache_;
};

}  // namespace recur
