// The tape: the pointer memory of the paper's pointer protocol (reference/paper.md §2.2).
//
// Per session, an append-only sequence of token ids: the input first, then every thought and output
// token the model writes. Named pointers walk it: a new pointer starts at the first input token
// (position 0), moves one token left or right, and reads the token under it. Reads outside the tape
// give boundary values, which a protocol maps to tokens such as `^` and `$`:
//   position < 0        -> kBeforeStart   (a pointer never goes further left than position -1)
//   position >= size()  -> kPastEnd       (a pointer may go any distance right; when the tape grows
//                                           under it, it reads the new tokens)
// Commands and observations are not written to the tape; the protocol appends only thoughts and
// outputs.
//
// The model worker drives a Tape in process (every operation is O(1), a few nanoseconds); a Tape
// is owned by one session and is not safe to use from two threads at once. save_tape/load_tape
// keep it in a Store, writing only what changed since the last save.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"
#include "model/tokenizer/token.hpp"
#include "store/store.hpp"

namespace recur::agent {

// What a read outside the tape gives. Token ids are never negative, so neither is mistaken for one.
inline constexpr TokenId kBeforeStart = -1;
inline constexpr TokenId kPastEnd = -2;

class Tape {
 public:
  using Pointer = std::uint32_t;  // a handle from create_pointer, valid for the tape's lifetime

  Tape() = default;
  // A tape that starts with `input`. Fails on a negative id.
  static Result<Tape> with_input(std::span<const TokenId> input);

  // Appends thought or output tokens. Fails on a negative id, appending nothing.
  Status append(std::span<const TokenId> tokens);
  Status append(TokenId token) { return append(std::span<const TokenId>(&token, 1)); }

  // Creates the pointer `name` at position 0 and returns its handle. If it exists already it is
  // moved back to position 0 and keeps its handle.
  Pointer create_pointer(std::string_view name);
  // The handle of an existing pointer.
  std::optional<Pointer> find_pointer(std::string_view name) const;

  // `p` must be a handle of this tape.
  void move_left(Pointer p) {
    if (positions_[p] >= 0) --positions_[p];
  }
  void move_right(Pointer p) { ++positions_[p]; }
  TokenId read(Pointer p) const { return at(positions_[p]); }
  std::int64_t position(Pointer p) const { return positions_[p]; }
  const std::string& pointer_name(Pointer p) const { return names_[p]; }
  std::size_t pointer_count() const { return names_.size(); }

  // The token at `position`, or a boundary value.
  TokenId at(std::int64_t position) const {
    if (position < 0) return kBeforeStart;
    if (static_cast<std::uint64_t>(position) >= tokens_.size()) return kPastEnd;
    return tokens_[static_cast<std::size_t>(position)];
  }

  std::size_t size() const { return tokens_.size(); }
  std::size_t input_size() const { return input_size_; }
  std::span<const TokenId> tokens() const { return tokens_; }

 private:
  friend Result<Tape> load_tape(const Store& store, std::string_view session);

  std::vector<TokenId> tokens_;
  std::size_t input_size_ = 0;
  std::vector<std::string> names_;       // by handle
  std::vector<std::int64_t> positions_;  // by handle
};

// Writes the tape of `session` into `store`: the tokens appended since the stored copy (all of them
// the first time), its input length and every pointer's position, in one atomic write. Fails,
// writing nothing, when the stored tape has more tokens or another input length (the two have
// diverged).
Status save_tape(const Store& store, std::string_view session, const Tape& tape);
// The same changes added to `batch` (keys relative to `store`), for a checkpoint that writes the
// tape together with other records.
Status add_tape_changes(const Store& store, std::string_view session, const Tape& tape,
                        WriteBatch& batch);
// The tape of `session` as last saved. Fails when none was saved or the stored one is damaged.
Result<Tape> load_tape(const Store& store, std::string_view session);

}  // namespace recur::agent
