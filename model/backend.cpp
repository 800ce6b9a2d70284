#include "model/backend.hpp"

#include <algorithm>
#include <cmath>

namespace recur {

Result<std::vector<float>> Backend::prefill(SlotId slot, std::span<const TokenId> tokens) {
  if (tokens.empty()) return fail(ErrorCode::invalid_argument, "prefill: no tokens");
  const SequenceChunk chunk{slot, tokens};
  std::vector<float> logits;
  if (auto s = forward({&chunk, 1}, LogitsFor::last, logits); !s) return s.error();
  return logits;
}

Status Backend::forward_argmax(std::span<const SequenceChunk> chunks, std::size_t vocab_limit,
                               std::vector<TokenId>& next) {
  std::vector<float> logits;
  if (auto s = forward(chunks, LogitsFor::last, logits); !s) return s;
  const std::size_t V = model().config().vocab_size;
  const std::size_t limit = std::min(V, vocab_limit);
  next.assign(chunks.size(), 0);
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const float* row = logits.data() + i * V;
    std::size_t best = 0;
    bool found = false;
    for (std::size_t v = 0; v < limit; ++v) {
      if (std::isnan(row[v])) continue;
      if (!found || row[v] > row[best]) best = v, found = true;
    }
    next[i] = static_cast<TokenId>(best);
  }
  return {};
}

Result<std::vector<float>> Backend::decode(std::span<const SlotId> slots,
                                           std::span<const TokenId> tokens) {
  if (slots.size() != tokens.size())
    return fail(ErrorCode::invalid_argument, "decode: " + std::to_string(slots.size()) +
                                                 " slots but " + std::to_string(tokens.size()) +
                                                 " tokens");
  std::vector<SequenceChunk> chunks(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) chunks[i] = {slots[i], tokens.subspan(i, 1)};
  std::vector<float> logits;
  if (auto s = forward(chunks, LogitsFor::last, logits); !s) return s.error();
  return logits;
}

}  // namespace recur
