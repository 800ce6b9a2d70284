#include "model/bundle_writer.hpp"

#include "model/safetensors.hpp"

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>

namespace recur {
namespace {

using Entry = TensorBytes;

Entry from_matrix(const kernels::MatrixView& m, std::vector<std::int64_t> shape = {}) {
  const std::size_t n = m.rows * m.cols * kernels::element_size(m.type);
  if (shape.empty()) shape = {static_cast<std::int64_t>(m.rows), static_cast<std::int64_t>(m.cols)};
  return {m.type == kernels::ElementType::f32 ? "F32" : "BF16", std::move(shape),
          std::string(static_cast<const char*>(m.data), n)};
}

Entry from_vector(const std::vector<float>& v, std::vector<std::int64_t> shape) {
  return {"F32", std::move(shape),
          std::string(reinterpret_cast<const char*>(v.data()), v.size() * 4)};
}

Status write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return fail(ErrorCode::io, path.string() + ": cannot write");
  return {};
}

}  // namespace

nlohmann::json config_json(const MambaConfig& c) {
  nlohmann::json j = {{"architectures", {"MambaForCausalLM"}},
                      {"model_type", "mamba"},
                      {"hidden_size", c.hidden_size},
                      {"intermediate_size", c.intermediate_size},
                      {"expand", c.intermediate_size / c.hidden_size},
                      {"state_size", c.state_size},
                      {"conv_kernel", c.conv_kernel},
                      {"time_step_rank", c.time_step_rank},
                      {"num_hidden_layers", c.num_layers},
                      {"vocab_size", c.vocab_size},
                      {"layer_norm_epsilon", c.layer_norm_epsilon},
                      {"use_bias", c.use_bias},
                      {"use_conv_bias", c.use_conv_bias},
                      {"tie_word_embeddings", c.tie_word_embeddings},
                      {"residual_in_fp32", c.residual_in_fp32},
                      {"hidden_act", "silu"},
                      {"rms_norm", true}};
  if (c.bos_token_id >= 0) j["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_id >= 0) j["eos_token_id"] = c.eos_token_id;
  if (c.pad_token_id >= 0) j["pad_token_id"] = c.pad_token_id;
  if (!c.recur.empty()) j["recur"] = c.recur;
  return j;
}

Status save_bundle(const Model& model, const std::filesystem::path& dir,
                   const nlohmann::json& tokenizer_json) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::io, dir.string() + ": cannot create: " + ec.message());
  const MambaConfig& c = model.config();
  const MambaWeights& w = model.weights();
  const auto Di = static_cast<std::int64_t>(c.intermediate_size),
             N = static_cast<std::int64_t>(c.state_size);
  const auto K = static_cast<std::int64_t>(c.conv_kernel);
  std::map<std::string, Entry> tensors;
  tensors["backbone.embeddings.weight"] = from_matrix(w.embedding);
  tensors["backbone.norm_f.weight"] =
      from_vector(w.norm_f, {static_cast<std::int64_t>(c.hidden_size)});
  if (!c.tie_word_embeddings) tensors["lm_head.weight"] = from_matrix(w.lm_head);
  for (std::size_t l = 0; l < w.layers.size(); ++l) {
    const LayerWeights& lw = w.layers[l];
    const std::string p = "backbone.layers." + std::to_string(l) + ".";
    tensors[p + "norm.weight"] = from_vector(lw.norm, {static_cast<std::int64_t>(c.hidden_size)});
    tensors[p + "mixer.in_proj.weight"] = from_matrix(lw.in_proj);
    if (!lw.in_proj_bias.empty())
      tensors[p + "mixer.in_proj.bias"] = from_vector(lw.in_proj_bias, {2 * Di});
    tensors[p + "mixer.conv1d.weight"] = from_vector(lw.conv_weight, {Di, 1, K});
    if (!lw.conv_bias.empty()) tensors[p + "mixer.conv1d.bias"] = from_vector(lw.conv_bias, {Di});
    tensors[p + "mixer.x_proj.weight"] = from_matrix(lw.x_proj);
    tensors[p + "mixer.dt_proj.weight"] = from_matrix(lw.dt_proj);
    tensors[p + "mixer.dt_proj.bias"] = from_vector(lw.dt_bias, {Di});
    // A = -exp(A_log) is stored as A_log.
    std::vector<float> a_log(lw.A.size());
    for (std::size_t i = 0; i < a_log.size(); ++i) a_log[i] = std::log(-lw.A[i]);
    tensors[p + "mixer.A_log"] = from_vector(a_log, {Di, N});
    tensors[p + "mixer.D"] = from_vector(lw.D, {Di});
    tensors[p + "mixer.out_proj.weight"] = from_matrix(lw.out_proj);
    if (!lw.out_proj_bias.empty())
      tensors[p + "mixer.out_proj.bias"] =
          from_vector(lw.out_proj_bias, {static_cast<std::int64_t>(c.hidden_size)});
  }
  if (auto s =
          write_file(dir / "model.safetensors", encode_safetensors(tensors, {{"format", "pt"}}));
      !s)
    return s;
  if (auto s = write_file(dir / "config.json", config_json(c).dump(2) + "\n"); !s) return s;
  if (!tokenizer_json.is_null())
    if (auto s = write_file(dir / "tokenizer.json", tokenizer_json.dump(2) + "\n"); !s) return s;
  return {};
}

}  // namespace recur
