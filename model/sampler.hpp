// Token sampling: greedy, temperature, top-k and top-p, seeded per session. The random generator's
// state is part of a session snapshot, so a restored session draws the same tokens.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "model/backend.hpp"

namespace recur {

struct SamplingParams {
  float temperature = 0.0f;  // 0: greedy (argmax, lowest id on ties)
  std::uint32_t top_k = 0;   // 0: no limit
  float top_p = 1.0f;        // nucleus mass in (0, 1]
  std::uint64_t seed = 0;
};

// xoshiro256**, seeded through splitmix64: small, fast, and the same on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);
  std::uint64_t next();
  // Uniform in [0, 1) with 53 random bits.
  double uniform();
  std::array<std::uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<std::uint64_t, 4>& s) { s_ = s; }

 private:
  std::array<std::uint64_t, 4> s_{};
};

class Sampler {
 public:
  explicit Sampler(SamplingParams params = {});

  // Picks a token from one row of logits, considering only ids below `vocab_limit` (the tokenizer's
  // size when the model's vocabulary is padded). NaN logits never win. Greedy sampling does not
  // advance the generator.
  TokenId sample(std::span<const float> logits, std::size_t vocab_limit = SIZE_MAX);

  const SamplingParams& params() const { return params_; }
  Rng& rng() { return rng_; }
  const Rng& rng() const { return rng_; }

 private:
  SamplingParams params_;
  Rng rng_;
};

}  // namespace recur
