// A backend runs a model for many sessions. Each session's recurrent state lives in a slot of the
// backend's state pool; a forward pass continues any set of slots by any number of tokens each.
//
// Backends are not thread-safe: one owner (a model worker) drives each.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "model/model.hpp"
#include "model/tokenizer/token.hpp"

namespace recur {

using SlotId = std::uint32_t;

// One sequence's share of a forward pass: tokens continuing the state in `slot`.
struct SequenceChunk {
  SlotId slot = 0;
  std::span<const TokenId> tokens;
};

enum class LogitsFor {
  none,  // only advance the states
  last,  // one row per chunk: after its last token
  all,   // one row per token, chunk after chunk
};

class Backend {
 public:
  virtual ~Backend() = default;

  virtual const Model& model() const = 0;
  virtual std::string name() const = 0;  // "cpu", "cuda:0"

  // Slots: capacity is the most sessions the pool can hold at once.
  virtual std::size_t capacity() const = 0;
  virtual std::size_t slots_in_use() const = 0;
  // Takes a free slot with a zeroed state (the state before any token); an error when full.
  virtual Result<SlotId> allocate() = 0;
  // Returns a slot to the pool. Unknown or free slots are ignored.
  virtual void release(SlotId slot) = 0;

  // Continues each chunk's slot by its tokens, in one pass over the weights where possible. Logits
  // (fp32, vocab_size per row) replace the contents of `logits`. A chunk's result does not depend
  // on the other chunks, nor on how its tokens are split across calls. Invalid input (an
  // unallocated slot, a slot twice, a token outside the vocabulary) is refused before any state
  // changes.
  virtual Status forward(std::span<const SequenceChunk> chunks, LogitsFor which,
                         std::vector<float>& logits) = 0;

  // The slot's state in the canonical layout of StateShape.
  virtual Result<std::vector<float>> read_state(SlotId slot) const = 0;
  // Replaces the slot's state; `state` must hold state_shape().floats() values.
  virtual Status write_state(SlotId slot, std::span<const float> state) = 0;

  // Greedy decoding: like forward(chunks, LogitsFor::last, ...) followed, for each chunk, by the id
  // of the largest logit among ids below vocab_limit (lowest id on ties, NaN never wins). Backends
  // may take the argmax where the logits are, so only the ids travel.
  virtual Status forward_argmax(std::span<const SequenceChunk> chunks, std::size_t vocab_limit,
                                std::vector<TokenId>& next);

  // Prompt processing: continues one slot by `tokens`, returning the logits after the last one.
  Result<std::vector<float>> prefill(SlotId slot, std::span<const TokenId> tokens);
  // One step for many sessions: slot i takes tokens[i]; returns one logits row per slot.
  Result<std::vector<float>> decode(std::span<const SlotId> slots, std::span<const TokenId> tokens);
};

// The reference backend: portable C++ on the CPU, fp32 arithmetic in a fixed order. `threads` = 0
// uses every core; `capacity` bounds the number of slots.
std::unique_ptr<Backend> make_cpu_backend(std::shared_ptr<const Model> model, unsigned threads = 0,
                                          std::size_t capacity = 4096);

struct BackendOptions {
  std::string device = "cpu";  // "cpu", "cuda" (device 0) or "cuda:N"
  unsigned threads = 0;        // CPU threads (0: every core)
  std::size_t capacity = 0;    // slots; 0: 4096 on the CPU, as many as device memory holds on a GPU
  // GPU: a sequence's results never depend on the sequences it is batched with (the CPU backend
  // always holds to this). Off (the default on a GPU), passes and larger decode batches take cuBLAS
  // tensor-core GEMMs: much faster with many sessions, but a token's sums then vary with the batch
  // around it, so a near-tie between two tokens can go either way.
  bool batch_invariant = false;
};

// The backend named by options.device; an error names a device this build or machine lacks.
Result<std::unique_ptr<Backend>> make_backend(std::shared_ptr<const Model> model,
                                              const BackendOptions& options);

// Number of usable CUDA devices: 0 when this build has no CUDA backend, or no driver or GPU is
// present.
int cuda_device_count();
// Why there is no usable CUDA device ("" when there is one).
std::string cuda_unavailable_reason();

}  // namespace recur
