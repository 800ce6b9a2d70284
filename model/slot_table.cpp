#include "model/slot_table.hpp"

namespace recur {

Result<SlotId> SlotTable::allocate() {
  SlotId slot;
  if (!free_.empty()) {
    slot = *free_.begin();
    free_.erase(free_.begin());
  } else if (used_.size() < capacity_) {
    slot = static_cast<SlotId>(used_.size());
    used_.push_back(false);
  } else {
    return fail(ErrorCode::resource_exhausted,
                "state pool is full: all " + std::to_string(capacity_) + " slots are in use");
  }
  used_[slot] = true;
  ++in_use_;
  return slot;
}

bool SlotTable::release(SlotId slot) {
  if (!is_allocated(slot)) return false;
  used_[slot] = false;
  free_.insert(slot);
  --in_use_;
  return true;
}

}  // namespace recur

namespace recur {

Status check_slot(const SlotTable& slots, SlotId slot, const char* call) {
  if (!slots.is_allocated(slot))
    return fail(ErrorCode::invalid_argument,
                std::string(call) + ": slot " + std::to_string(slot) + " is not allocated");
  return {};
}

Status check_state_size(std::size_t values, std::size_t expected) {
  if (values != expected)
    return fail(ErrorCode::invalid_argument, "write_state: " + std::to_string(values) +
                                                 " values for a state of " +
                                                 std::to_string(expected));
  return {};
}

Status check_chunks(std::span<const SequenceChunk> chunks, const SlotTable& slots,
                    std::size_t vocab_size) {
  std::set<SlotId> seen;
  for (std::size_t i = 0; i < chunks.size(); ++i) {
    const auto& c = chunks[i];
    const std::string where =
        "forward: chunk " + std::to_string(i) + " (slot " + std::to_string(c.slot) + ")";
    if (!slots.is_allocated(c.slot))
      return fail(ErrorCode::invalid_argument, where + ": slot is not allocated");
    if (!seen.insert(c.slot).second)
      return fail(ErrorCode::invalid_argument, where + ": slot appears twice in one pass");
    if (c.tokens.empty()) return fail(ErrorCode::invalid_argument, where + ": no tokens");
    for (std::size_t t = 0; t < c.tokens.size(); ++t)
      if (c.tokens[t] < 0 || static_cast<std::size_t>(c.tokens[t]) >= vocab_size)
        return fail(ErrorCode::invalid_argument, where + ": token " + std::to_string(c.tokens[t]) +
                                                     " at position " + std::to_string(t) +
                                                     " is outside the vocabulary of " +
                                                     std::to_string(vocab_size));
  }
  return {};
}

}  // namespace recur
