// The Mamba-1 configuration read from a bundle's config.json, in Hugging Face's field names (with
// mamba_ssm's original names accepted too), plus recur's own section under the key "recur".
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace recur {

struct MambaConfig {
  std::size_t hidden_size = 0;        // D
  std::size_t intermediate_size = 0;  // Di = expand * D
  std::size_t state_size = 0;         // N
  std::size_t conv_kernel = 0;        // K
  std::size_t time_step_rank = 0;     // R ("auto" = ceil(D / 16))
  std::size_t num_layers = 0;         // L
  std::size_t vocab_size = 0;         // V (rows of the embedding)
  float layer_norm_epsilon = 1e-5f;
  bool use_bias = false;  // in_proj and out_proj biases
  bool use_conv_bias = true;
  bool tie_word_embeddings = true;
  bool residual_in_fp32 = true;
  int bos_token_id = -1;
  int eos_token_id = -1;
  int pad_token_id = -1;
  nlohmann::json recur = nlohmann::json::object();  // recur's settings (protocol, task ...)
};

// Reads and checks config.json. Errors name the file and the field: a missing or mistyped size, a
// non-positive dimension, an unsupported model_type or activation.
Result<MambaConfig> load_config(const std::filesystem::path& path);
Result<MambaConfig> parse_config(const nlohmann::json& json, const std::string& source);

}  // namespace recur
