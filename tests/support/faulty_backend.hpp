// A real backend whose forward passes fail from a given pass on, as a GPU's do after a device
// fault: the way to test that a worker on a broken device hands its sessions over.
#pragma once

#include <atomic>
#include <memory>

#include "model/backend.hpp"

namespace recur::testing {

class FaultyBackend : public Backend {
 public:
  // Fails every forward pass once `passes_left` (shared, so that a test can arm one instance)
  // has counted down to zero.
  FaultyBackend(std::unique_ptr<Backend> inner, std::shared_ptr<std::atomic<int>> passes_left)
      : inner_(std::move(inner)), passes_left_(std::move(passes_left)) {}

  const Model& model() const override { return inner_->model(); }
  std::string name() const override { return inner_->name(); }
  std::size_t capacity() const override { return inner_->capacity(); }
  std::size_t slots_in_use() const override { return inner_->slots_in_use(); }
  Result<SlotId> allocate() override { return inner_->allocate(); }
  void release(SlotId slot) override { inner_->release(slot); }
  Status forward(std::span<const SequenceChunk> chunks, LogitsFor which,
                 std::vector<float>& logits) override {
    if (faulted())
      return fail(ErrorCode::unavailable, "an illegal memory access was encountered (simulated)");
    return inner_->forward(chunks, which, logits);
  }
  Status forward_argmax(std::span<const SequenceChunk> chunks, std::size_t vocab_limit,
                        std::vector<TokenId>& next) override {
    if (faulted())
      return fail(ErrorCode::unavailable, "an illegal memory access was encountered (simulated)");
    return inner_->forward_argmax(chunks, vocab_limit, next);
  }
  Result<std::vector<float>> read_state(SlotId slot) const override {
    return inner_->read_state(slot);
  }
  Status write_state(SlotId slot, std::span<const float> state) override {
    return inner_->write_state(slot, state);
  }

 private:
  bool faulted() { return passes_left_->fetch_sub(1) <= 0; }

  std::unique_ptr<Backend> inner_;
  std::shared_ptr<std::atomic<int>> passes_left_;
};

}  // namespace recur::testing
