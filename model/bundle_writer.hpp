// Writes a model as a Hugging Face bundle: config.json (transformers' MambaConfig fields and
// recur's section) and model.safetensors (transformers' tensor names, F32 or BF16), plus a
// tokenizer.json when one is given. What recur writes loads unchanged in transformers'
// MambaForCausalLM and in recur.
#pragma once

#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "model/model.hpp"

namespace recur {

Status save_bundle(const Model& model, const std::filesystem::path& dir,
                   const nlohmann::json& tokenizer_json = nullptr);

// The model's config as transformers writes it (model_type "mamba" and every field that changes the
// math), with the "recur" section.
nlohmann::json config_json(const MambaConfig& config);

}  // namespace recur
