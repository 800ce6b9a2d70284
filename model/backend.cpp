#include "model/backend.hpp"

namespace recur {

Result<std::vector<float>> Backend::prefill(SlotId slot, std::span<const TokenId> tokens) {
  if (tokens.empty()) return fail("prefill: no tokens");
  const SequenceChunk chunk{slot, tokens};
  std::vector<float> logits;
  if (auto s = forward({&chunk, 1}, LogitsFor::Last, logits); !s) return s.error();
  return logits;
}

Result<std::vector<float>> Backend::decode(std::span<const SlotId> slots,
                                           std::span<const TokenId> tokens) {
  if (slots.size() != tokens.size())
    return fail("decode: " + std::to_string(slots.size()) + " slots but " +
                std::to_string(tokens.size()) + " tokens");
  std::vector<SequenceChunk> chunks(slots.size());
  for (std::size_t i = 0; i < slots.size(); ++i) chunks[i] = {slots[i], tokens.subspan(i, 1)};
  std::vector<float> logits;
  if (auto s = forward(chunks, LogitsFor::Last, logits); !s) return s.error();
  return logits;
}

}  // namespace recur
