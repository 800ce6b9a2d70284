// The pre-tokenizer stage (tokenizer.json's "pre_tokenizer"): splits normalized text into the words
// that the model encodes one by one. Supported: ByteLevel (GPT-2's split, then the byte alphabet),
// Whitespace, WhitespaceSplit, and a Sequence of those.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/tokenizer_json.hpp"

namespace recur {

class PreTokenizer {
 public:
  // Reads the "pre_tokenizer" field; null means the whole text is one word.
  static Result<PreTokenizer> parse(const tokenizer_json::Field& field);

  // The words of valid UTF-8 text, in order; after ByteLevel they are written in the byte alphabet.
  std::vector<std::string> split(std::string_view text) const;

 private:
  enum class Kind { byte_level, whitespace, whitespace_split };
  struct Step {
    Kind kind;
    bool add_prefix_space = false;  // ByteLevel: prepend ' ' to text that does not start with one
    bool use_regex = true;          // ByteLevel: split with GPT-2's pattern
  };
  static Status parse_step(const tokenizer_json::Field& field, int depth, std::vector<Step>& steps);
  static void apply(const Step& step, std::string_view text, std::vector<std::string>& words);

  std::vector<Step> steps_;
};

// The matches of GPT-2's pattern, which together cover text:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
std::vector<std::string_view> split_gpt2(std::string_view text);
// The matches of \w+|[^\w\s]+ (the Whitespace pre-tokenizer); white space is dropped.
std::vector<std::string_view> split_words_and_punctuation(std::string_view text);
// The runs of characters between white space (the WhitespaceSplit pre-tokenizer).
std::vector<std::string_view> split_on_white_space(std::string_view text);

}  // namespace recur
