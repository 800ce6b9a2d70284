#include "model/tokenizer/pre_tokenizer.hpp"

#include <cstdint>

#include "model/tokenizer/byte_level.hpp"
#include "model/tokenizer/unicode.hpp"

namespace recur {
namespace {

constexpr const char* kSupported = "ByteLevel, Whitespace, WhitespaceSplit, Sequence";
constexpr int kMaxNesting = 16;

// The classes GPT-2's pattern tells apart; every character is in exactly one.
enum class Gpt2Class : std::uint8_t { letter, number, space, other };

Gpt2Class gpt2_class(char32_t c) {
  if (unicode::is_white_space(c)) return Gpt2Class::space;
  if (unicode::is_letter(c)) return Gpt2Class::letter;
  if (unicode::is_number(c)) return Gpt2Class::number;
  return Gpt2Class::other;
}

// One regex match at code point i, as Oniguruma finds it: the first alternative that matches, each
// quantifier greedy. Returns the end of the match; the pattern matches at every position.
std::size_t match_gpt2(const std::vector<char32_t>& text, const std::vector<Gpt2Class>& classes,
                       std::size_t i) {
  const std::size_t n = text.size();
  auto run_end = [&](std::size_t j, Gpt2Class c) {
    while (j < n && classes[j] == c) ++j;
    return j;
  };
  if (text[i] == '\'' && i + 1 < n) {  // 's|'t|'re|'ve|'m|'ll|'d
    const char32_t c1 = text[i + 1];
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return i + 2;
    if (i + 2 < n) {
      const char32_t c2 = text[i + 2];
      if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
        return i + 3;
      }
    }
  }
  // ' ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+': an optional ' ' then a run of one class.
  const std::size_t start =
      (text[i] == ' ' && i + 1 < n && classes[i + 1] != Gpt2Class::space) ? i + 1 : i;
  if (classes[start] != Gpt2Class::space) return run_end(start, classes[start]);
  // '\s+(?!\S)|\s+': the run of white space, less its last character when text goes on after it
  // (that one joins the next match), unless the run is a single character.
  const std::size_t end = run_end(i, Gpt2Class::space);
  if (end == n || end - i == 1) return end;
  return end - 1;
}

}  // namespace

std::vector<std::string_view> split_gpt2(std::string_view text) {
  std::vector<char32_t> chars;
  std::vector<Gpt2Class> classes;
  std::vector<std::size_t> offsets;
  for (std::size_t pos = 0; pos < text.size();) {
    offsets.push_back(pos);
    chars.push_back(unicode::next_code_point(text, pos));
    classes.push_back(gpt2_class(chars.back()));
  }
  offsets.push_back(text.size());
  std::vector<std::string_view> matches;
  for (std::size_t i = 0; i < chars.size();) {
    const std::size_t end = match_gpt2(chars, classes, i);
    matches.push_back(text.substr(offsets[i], offsets[end] - offsets[i]));
    i = end;
  }
  return matches;
}

std::vector<std::string_view> split_words_and_punctuation(std::string_view text) {
  enum class Kind { word, space, punctuation };
  auto kind_of = [](char32_t c) {
    if (unicode::is_word(c)) return Kind::word;
    return unicode::is_white_space(c) ? Kind::space : Kind::punctuation;
  };
  std::vector<std::string_view> words;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    const Kind kind = kind_of(unicode::next_code_point(text, pos));
    std::size_t end = pos;
    while (pos < text.size()) {
      std::size_t next = pos;
      if (kind_of(unicode::next_code_point(text, next)) != kind) break;
      pos = end = next;
    }
    if (kind != Kind::space) words.push_back(text.substr(start, end - start));
  }
  return words;
}

std::vector<std::string_view> split_on_white_space(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t word_start = 0;
  for (std::size_t pos = 0; pos < text.size();) {
    const std::size_t start = pos;
    if (unicode::is_white_space(unicode::next_code_point(text, pos))) {
      if (start > word_start) words.push_back(text.substr(word_start, start - word_start));
      word_start = pos;
    }
  }
  if (text.size() > word_start) words.push_back(text.substr(word_start));
  return words;
}

Result<PreTokenizer> PreTokenizer::parse(const tokenizer_json::Field& field) {
  PreTokenizer pre_tokenizer;
  if (field.missing()) return pre_tokenizer;
  if (Status s = parse_step(field, 0, pre_tokenizer.steps_); !s) return s.error();
  return pre_tokenizer;
}

Status PreTokenizer::parse_step(const tokenizer_json::Field& field, int depth,
                                std::vector<Step>& steps) {
  if (depth > kMaxNesting) return field.error("nests Sequences too deeply");
  auto type = field.type();
  if (!type) return type.error();
  if (*type == "ByteLevel") {
    Step step{Kind::byte_level};
    auto add_prefix_space = field["add_prefix_space"].boolean(true);
    if (!add_prefix_space) return add_prefix_space.error();
    auto use_regex = field["use_regex"].boolean(true);
    if (!use_regex) return use_regex.error();
    step.add_prefix_space = *add_prefix_space;
    step.use_regex = *use_regex;
    steps.push_back(step);
  } else if (*type == "Whitespace") {
    steps.push_back(Step{Kind::whitespace});
  } else if (*type == "WhitespaceSplit") {
    steps.push_back(Step{Kind::whitespace_split});
  } else if (*type == "Sequence") {
    const auto list = field["pretokenizers"];
    if (list.missing() || !list.json().is_array()) return list.error("must be a list");
    for (std::size_t i = 0; i < list.json().size(); ++i) {
      if (Status s = parse_step(list[i], depth + 1, steps); !s) return s;
    }
  } else {
    return field["type"].unsupported(kSupported);
  }
  return Status::success();
}

void PreTokenizer::apply(const Step& step, std::string_view text, std::vector<std::string>& words) {
  switch (step.kind) {
    case Kind::byte_level: {
      std::string prefixed;
      if (step.add_prefix_space && !text.starts_with(' ')) {
        prefixed.reserve(text.size() + 1);
        prefixed.push_back(' ');
        prefixed.append(text);
        text = prefixed;
      }
      const std::vector<std::string_view> pieces =
          step.use_regex ? split_gpt2(text) : std::vector<std::string_view>{text};
      for (std::string_view piece : pieces) {
        append_byte_level(words.emplace_back(), piece);
      }
      return;
    }
    case Kind::whitespace:
      for (std::string_view w : split_words_and_punctuation(text)) words.emplace_back(w);
      return;
    case Kind::whitespace_split:
      for (std::string_view w : split_on_white_space(text)) words.emplace_back(w);
      return;
  }
}

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  std::vector<std::string> words;
  if (text.empty()) return words;
  words.emplace_back(text);
  for (const Step& step : steps_) {
    std::vector<std::string> next;
    for (const std::string& word : words) apply(step, word, next);
    words = std::move(next);
  }
  return words;
}

}  // namespace recur
