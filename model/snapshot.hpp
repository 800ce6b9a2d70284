// A session snapshot: its recurrent state and sampler, as portable bytes. The same bytes come from
// and restore into every backend (a CPU snapshot restores on a GPU and back).
//
// Format, version 1, little-endian:
//   0   8 bytes  magic "RECURSNP"
//   8   u32      format version
//   12  u32 x 6  model shape: num_layers, hidden_size, d_inner, d_conv, d_state, vocab_size
//   36  f32      temperature     40 u32 top_k     44 f32 top_p     48 u32 reserved (0)
//   52  u64      seed            60 u64 x 4 generator state
//   92  u64      number of state floats
//   100 f32 x n  the state in StateShape's canonical layout
//   end u32      CRC-32 of every byte before it
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "base/result.hpp"
#include "model/sampler.hpp"
#include "model/state_shape.hpp"

namespace recur {

struct Snapshot {
  StateShape shape;
  SamplingParams sampling;
  std::array<std::uint64_t, 4> rng{};
  std::vector<float> state;
};

inline constexpr std::uint32_t kSnapshotVersion = 1;

std::vector<std::uint8_t> encode_snapshot(const Snapshot& snapshot);

// Decodes and checks bytes: the magic, the version, the length, the checksum, and that the shape
// equals `expected`. Errors: data_loss for damaged bytes (short, bad magic, wrong length, checksum
// mismatch), failed_precondition for another format version, invalid_argument for a model of
// another shape (the message names both shapes).
Result<Snapshot> decode_snapshot(std::span<const std::uint8_t> bytes, const StateShape& expected);

// Captures a slot and its sampler; restores them into a slot of any backend running the same shape.
Result<std::vector<std::uint8_t>> snapshot_session(const Backend& backend, SlotId slot,
                                                   const Sampler& sampler);
Status restore_session(Backend& backend, SlotId slot, Sampler& sampler,
                       std::span<const std::uint8_t> bytes);

std::uint32_t crc32(std::span<const std::uint8_t> bytes);

}  // namespace recur
