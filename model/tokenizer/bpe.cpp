#include "model/tokenizer/bpe.hpp"

#include <cstdio>
#include <queue>

#include "model/tokenizer/unicode.hpp"

namespace recur {
namespace {

// The cache keeps words shorter than this many bytes, up to this many words (as Hugging Face does).
constexpr std::size_t kCacheMaxWordBytes = 256;
constexpr std::size_t kCacheCapacity = 10000;

std::uint64_t pair_key(TokenId left, TokenId right) {
  return (static_cast<std::uint64_t>(static_cast<std::uint32_t>(left)) << 32) |
         static_cast<std::uint32_t>(right);
}

}  // namespace

Bpe::Bpe(Vocab vocab, Options options) : vocab_(std::move(vocab)), options_(std::move(options)) {}

Result<std::unique_ptr<Bpe>> Bpe::parse(const tokenizer_json::Field& model) {
  const auto dropout = model["dropout"];
  if (!dropout.missing() && !(dropout.json().is_number() && dropout.json().get<double>() == 0.0)) {
    return dropout.error("is " + dropout.shown() +
                         "; BPE dropout makes encoding random and is not supported (use null)");
  }
  Options options;
  auto unk_token = model["unk_token"].optional_string();
  if (!unk_token) return unk_token.error();
  options.unk_token = *unk_token;
  auto prefix = model["continuing_subword_prefix"].optional_string();
  if (!prefix) return prefix.error();
  options.continuing_subword_prefix = *prefix;
  auto suffix = model["end_of_word_suffix"].optional_string();
  if (!suffix) return suffix.error();
  options.end_of_word_suffix = *suffix;
  for (auto [name, flag] : {std::pair{"fuse_unk", &options.fuse_unk},
                            std::pair{"byte_fallback", &options.byte_fallback},
                            std::pair{"ignore_merges", &options.ignore_merges}}) {
    auto value = model[name].boolean(false);
    if (!value) return value.error();
    *flag = *value;
  }

  auto vocab = Vocab::parse(model["vocab"]);
  if (!vocab) return vocab.error();
  std::unique_ptr<Bpe> bpe(new Bpe(std::move(*vocab), std::move(options)));
  if (Status s = bpe->parse_merges(model["merges"]); !s) return s.error();
  return bpe;
}

Status Bpe::parse_merges(const tokenizer_json::Field& merges) {
  if (merges.missing()) return merges.error("is missing");
  if (!merges.json().is_array()) return merges.error("must be a list of merges");
  const std::size_t prefix_length =
      options_.continuing_subword_prefix ? options_.continuing_subword_prefix->size() : 0;
  merges_.reserve(merges.json().size());
  for (std::size_t i = 0; i < merges.json().size(); ++i) {
    const auto field = merges[i];
    const auto& m = field.json();
    std::string left, right;
    if (m.is_string()) {
      const auto& line = m.get_ref<const std::string&>();
      const auto space = line.find(' ');
      if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos) {
        return field.error("must be two tokens separated by one space (got " + field.shown() + ")");
      }
      left = line.substr(0, space);
      right = line.substr(space + 1);
    } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
      left = m[0].get<std::string>();
      right = m[1].get<std::string>();
    } else {
      return field.error("must be \"left right\" or [\"left\", \"right\"] (got " + field.shown() +
                         ")");
    }
    const auto left_id = vocab_.id(left);
    if (!left_id) return field.error("names \"" + left + "\", which is not in model.vocab");
    const auto right_id = vocab_.id(right);
    if (!right_id) return field.error("names \"" + right + "\", which is not in model.vocab");
    if (right.size() < prefix_length) {
      return field.error("has a right token shorter than continuing_subword_prefix");
    }
    const std::string merged = left + right.substr(prefix_length);
    const auto merged_id = vocab_.id(merged);
    if (!merged_id) return field.error("makes \"" + merged + "\", which is not in model.vocab");
    // A repeated pair takes its last rank, as in Hugging Face tokenizers.
    merges_.insert_or_assign(pair_key(*left_id, *right_id),
                             Merge{static_cast<std::uint32_t>(i), *merged_id});
  }
  return Status::success();
}

const Bpe::Merge* Bpe::find_merge(TokenId left, TokenId right) const {
  auto it = merges_.find(pair_key(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

Status Bpe::tokenize(std::string_view word, std::vector<TokenId>& ids) const {
  if (word.empty()) return Status::success();
  if (options_.ignore_merges) {
    if (auto id = vocab_.id(word)) {
      ids.push_back(*id);
      return Status::success();
    }
  }
  const bool cacheable = word.size() < kCacheMaxWordBytes;
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (auto it = cache_.find(word); it != cache_.end()) {
      ids.insert(ids.end(), it->second.begin(), it->second.end());
      return Status::success();
    }
  }
  std::vector<TokenId> symbols;
  std::vector<std::size_t> lengths;
  if (Status s = initial_symbols(word, symbols, lengths); !s) return s;
  std::vector<TokenId> word_ids = merge(symbols, lengths);
  ids.insert(ids.end(), word_ids.begin(), word_ids.end());
  if (cacheable) {
    std::lock_guard lock(cache_mutex_);
    if (cache_.size() < kCacheCapacity) cache_.emplace(std::string(word), std::move(word_ids));
  }
  return Status::success();
}

Status Bpe::initial_symbols(std::string_view word, std::vector<TokenId>& symbols,
                            std::vector<std::size_t>& lengths) const {
  // A pending unknown: unknown characters in a row fuse into one when fuse_unk is set.
  bool unk_pending = false;
  TokenId unk_id = 0;
  std::size_t unk_length = 0;
  auto add = [&](TokenId id, std::size_t length) {
    symbols.push_back(id);
    lengths.push_back(length);
  };
  std::string piece;
  for (std::size_t pos = 0; pos < word.size();) {
    const std::size_t start = pos;
    unicode::next_code_point(word, pos);
    const std::size_t length = pos - start;
    piece.clear();
    if (start > 0 && options_.continuing_subword_prefix)
      piece += *options_.continuing_subword_prefix;
    piece += word.substr(start, length);
    if (pos == word.size() && options_.end_of_word_suffix) piece += *options_.end_of_word_suffix;

    if (auto id = vocab_.id(piece)) {
      if (unk_pending) add(unk_id, unk_length);
      unk_pending = false;
      add(*id, length);
      continue;
    }
    if (options_.byte_fallback) {
      std::vector<TokenId> bytes;
      for (char b : piece) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", static_cast<unsigned char>(b));
        auto id = vocab_.id(name);
        if (!id) break;
        bytes.push_back(*id);
      }
      if (bytes.size() == piece.size()) {
        for (TokenId id : bytes) add(id, 1);
        continue;
      }
    }
    if (!options_.unk_token) continue;  // no unk_token: the character is dropped
    if (unk_pending && options_.fuse_unk) {
      unk_length += length;
      continue;
    }
    if (unk_pending) add(unk_id, unk_length);
    auto id = vocab_.id(*options_.unk_token);
    if (!id)
      return fail(ErrorCode::invalid_argument,
                  "BPE: unk_token \"" + *options_.unk_token + "\" is not in the vocabulary");
    unk_pending = true;
    unk_id = *id;
    unk_length = length;
  }
  if (unk_pending) add(unk_id, unk_length);
  return Status::success();
}

std::vector<TokenId> Bpe::merge(const std::vector<TokenId>& ids,
                                const std::vector<std::size_t>& lengths) const {
  struct Symbol {
    TokenId id;
    std::ptrdiff_t prev;
    std::ptrdiff_t next;
    std::size_t length;  // 0 once merged into its left neighbour
  };
  struct Candidate {
    std::uint32_t rank;
    std::size_t pos;
    TokenId merged;
  };
  auto later = [](const Candidate& a, const Candidate& b) {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  };
  const auto n = static_cast<std::ptrdiff_t>(ids.size());
  std::vector<Symbol> symbols(ids.size());
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(later)> queue(later);
  for (std::ptrdiff_t i = 0; i < n; ++i) {
    symbols[i] = {ids[i], i - 1, i + 1 < n ? i + 1 : -1, lengths[i]};
    if (i + 1 < n) {
      if (const Merge* m = find_merge(ids[i], ids[i + 1])) {
        queue.push({m->rank, static_cast<std::size_t>(i), m->merged});
      }
    }
  }
  while (!queue.empty()) {
    const Candidate top = queue.top();
    queue.pop();
    Symbol& left = symbols[top.pos];
    if (left.length == 0 || left.next < 0) continue;
    const Symbol right = symbols[left.next];
    // Entries go stale when a neighbour merged first; only the pair as it stands now counts.
    const Merge* current = find_merge(left.id, right.id);
    if (current == nullptr || current->merged != top.merged) continue;
    symbols[left.next].length = 0;
    left.id = top.merged;
    left.length += right.length;
    left.next = right.next;
    if (right.next >= 0) symbols[right.next].prev = static_cast<std::ptrdiff_t>(top.pos);
    if (left.prev >= 0) {
      if (const Merge* m = find_merge(symbols[left.prev].id, left.id)) {
        queue.push({m->rank, static_cast<std::size_t>(left.prev), m->merged});
      }
    }
    if (left.next >= 0) {
      if (const Merge* m = find_merge(left.id, symbols[left.next].id)) {
        queue.push({m->rank, top.pos, m->merged});
      }
    }
  }
  std::vector<TokenId> out;
  for (const Symbol& s : symbols) {
    if (s.length != 0) out.push_back(s.id);
  }
  return out;
}

}  // namespace recur
