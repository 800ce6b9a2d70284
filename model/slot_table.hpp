// Which slots of a state pool are in use. Allocation returns the lowest free id so pools grow
// densely.
#pragma once

#include <cstddef>
#include <set>
#include <vector>

#include "model/backend.hpp"

namespace recur {

class SlotTable {
 public:
  explicit SlotTable(std::size_t capacity) : capacity_(capacity) {}

  std::size_t capacity() const { return capacity_; }
  std::size_t in_use() const { return in_use_; }
  // Highest id ever handed out plus one: how far the pool's storage must reach.
  std::size_t high_water() const { return used_.size(); }
  bool is_allocated(SlotId slot) const { return slot < used_.size() && used_[slot]; }

  // The lowest free id, or an error when all `capacity` slots are taken.
  Result<SlotId> allocate();
  // Frees a slot; false when it was not allocated.
  bool release(SlotId slot);

 private:
  std::size_t capacity_;
  std::size_t in_use_ = 0;
  std::vector<bool> used_;
  std::set<SlotId> free_;  // freed ids below high_water()
};

}  // namespace recur

namespace recur {

// The checks of read_state and write_state: the slot is allocated (`call` names the operation), and
// a state written has the shape's size.
Status check_slot(const SlotTable& slots, SlotId slot, const char* call);
Status check_state_size(std::size_t values, std::size_t expected);

// The checks every backend makes before a forward pass: each slot allocated and named once, every
// token inside the vocabulary, no empty chunk.
Status check_chunks(std::span<const SequenceChunk> chunks, const SlotTable& slots,
                    std::size_t vocab_size);

}  // namespace recur
