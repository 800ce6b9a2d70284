// A loaded model bundle: config and weights, immutable and shared by every session on a backend.
//
// A bundle is a Hugging Face folder: config.json (model_type "mamba"), model.safetensors (F32, F16
// or BF16) and, for text, tokenizer.json. Bundles that load in transformers' MambaForCausalLM load
// here.
#pragma once

#include <filesystem>
#include <memory>

#include "base/result.hpp"
#include "model/config.hpp"
#include "model/state_shape.hpp"
#include "model/weights.hpp"

namespace recur {

class Model {
 public:
  // Loads dir/config.json and dir/model.safetensors. Errors name the file and what is wrong in it:
  // not_found for a missing directory or file, invalid_argument for malformed content (safetensors
  // from anywhere, so damage is not data_loss), io when a file cannot be read.
  static Result<std::shared_ptr<const Model>> load(const std::filesystem::path& dir,
                                                   WeightFormat format = WeightFormat::as_stored);
  // Builds a model from a config and weights already in memory (benchmarks, tests).
  static std::shared_ptr<const Model> from_parts(MambaConfig config, MambaWeights weights,
                                                 std::filesystem::path dir = {});

  const MambaConfig& config() const { return config_; }
  const MambaWeights& weights() const { return weights_; }
  StateShape state_shape() const { return StateShape::of(config_); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  Model(MambaConfig config, MambaWeights weights, std::filesystem::path dir)
      : config_(std::move(config)), weights_(std::move(weights)), dir_(std::move(dir)) {}

  MambaConfig config_;
  MambaWeights weights_;
  std::filesystem::path dir_;
};

}  // namespace recur
