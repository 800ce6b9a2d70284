// How a forward call is cut into passes over the weights: at most max_tokens tokens per pass, a
// slot at most once per pass, chunks in order. A chunk that does not fit in the room left starts
// the next pass; only a chunk longer than max_tokens is cut, every max_tokens tokens from its
// start. So how a chunk is cut depends on the chunk alone, never on the chunks before it.
#pragma once

#include <algorithm>
#include <span>
#include <vector>

#include "model/backend.hpp"

namespace recur {

struct Piece {
  SlotId slot;
  const TokenId* tokens;
  std::size_t count;
  bool ends_chunk;  // its last token is the chunk's last
};

inline std::vector<std::vector<Piece>> plan_passes(std::span<const SequenceChunk> chunks,
                                                   std::size_t max_tokens) {
  std::vector<std::vector<Piece>> passes(1);
  std::size_t used = 0;
  for (const auto& chunk : chunks) {
    if (used > 0 && used + chunk.tokens.size() > max_tokens) passes.emplace_back(), used = 0;
    std::size_t done = 0;
    while (done < chunk.tokens.size()) {
      if (used == max_tokens) passes.emplace_back(), used = 0;
      const std::size_t take = std::min(chunk.tokens.size() - done, max_tokens - used);
      const bool last = done + take == chunk.tokens.size();
      passes.back().push_back({chunk.slot, chunk.tokens.data() + done, take, last});
      used += take;
      done += take;
      if (!last) passes.emplace_back(), used = 0;
    }
  }
  if (passes.back().empty()) passes.pop_back();
  return passes;
}

}  // namespace recur
