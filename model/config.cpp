#include "model/config.hpp"

#include <fstream>
#include <optional>
#include <sstream>

namespace recur {
namespace {

// Reads one field, trying each alias in turn; `fallback` when all are absent, or an error when the
// field is required.
struct FieldReader {
  const nlohmann::json& json;
  const std::string& source;

  const nlohmann::json* find(std::initializer_list<const char*> names, std::string* used) const {
    for (const char* n : names) {
      auto it = json.find(n);
      if (it != json.end() && !it->is_null()) {
        *used = n;
        return &*it;
      }
    }
    return nullptr;
  }

  Error bad(const std::string& field, const std::string& what, const nlohmann::json& v) const {
    return fail(ErrorCode::invalid_argument,
                source + ": field '" + field + "' " + what + " (got " + v.dump() + ")");
  }

  Result<std::size_t> size(std::initializer_list<const char*> names,
                           std::optional<std::size_t> fallback) const {
    std::string used;
    const auto* v = find(names, &used);
    if (!v) {
      if (fallback) return *fallback;
      return fail(ErrorCode::invalid_argument,
                  source + ": required field '" + std::string(*names.begin()) + "' is missing");
    }
    if (!v->is_number_integer() || v->get<long long>() <= 0)
      return bad(used, "must be a positive integer", *v);
    if (v->get<long long>() > (1LL << 31)) return bad(used, "is implausibly large", *v);
    return static_cast<std::size_t>(v->get<long long>());
  }

  Result<bool> flag(const char* name, bool fallback) const {
    std::string used;
    const auto* v = find({name}, &used);
    if (!v) return fallback;
    if (!v->is_boolean()) return bad(used, "must be true or false", *v);
    return v->get<bool>();
  }

  Result<int> token_id(const char* name) const {
    std::string used;
    const auto* v = find({name}, &used);
    if (!v) return -1;
    if (v->is_array() && !v->empty()) v = &(*v)[0];  // some configs list several ids
    if (!v->is_number_integer() || v->get<long long>() < 0)
      return bad(used, "must be a token id", *v);
    return static_cast<int>(v->get<long long>());
  }
};

}  // namespace

Result<MambaConfig> parse_config(const nlohmann::json& j, const std::string& source) {
  if (!j.is_object()) return fail(ErrorCode::invalid_argument, source + ": not a JSON object");
  FieldReader r{j, source};
  MambaConfig c;

  if (auto it = j.find("model_type"); it != j.end()) {
    if (!it->is_string() || it->get<std::string>() != "mamba")
      return fail(ErrorCode::invalid_argument, source + ": field 'model_type' is " + it->dump() +
                                                   "; recur runs Mamba-1 models (\"mamba\")");
  } else if (!j.contains("d_model") && !j.contains("hidden_size")) {
    return fail(ErrorCode::invalid_argument,
                source + ": neither 'model_type' nor 'hidden_size' is present; not a Mamba config");
  }
  if (auto it = j.find("hidden_act"); it != j.end() && !it->is_null()) {
    if (!it->is_string() || it->get<std::string>() != "silu")
      return r.bad("hidden_act", "must be \"silu\"", *it);
  }
  if (auto it = j.find("rms_norm"); it != j.end() && !(it->is_boolean() && it->get<bool>()))
    return r.bad("rms_norm", "must be true (only RMSNorm Mamba models exist)", *it);

  // mamba_ssm's own configs nest the mixer settings in ssm_cfg.
  const nlohmann::json ssm =
      j.contains("ssm_cfg") && j["ssm_cfg"].is_object() ? j["ssm_cfg"] : nlohmann::json::object();
  FieldReader rs{ssm, source};

  auto hidden = r.size({"hidden_size", "d_model"}, std::nullopt);
  if (!hidden) return hidden.error();
  c.hidden_size = *hidden;

  auto layers = r.size({"num_hidden_layers", "n_layer"}, std::nullopt);
  if (!layers) return layers.error();
  c.num_layers = *layers;

  auto vocab = r.size({"vocab_size"}, std::nullopt);
  if (!vocab) return vocab.error();
  c.vocab_size = *vocab;
  if (!j.contains("model_type")) {
    // mamba_ssm pads the vocabulary to a multiple of pad_vocab_size_multiple (default 8).
    auto multiple = r.size({"pad_vocab_size_multiple"}, 8);
    if (!multiple) return multiple.error();
    c.vocab_size = (c.vocab_size + *multiple - 1) / *multiple * *multiple;
  }

  auto expand = j.contains("expand") ? r.size({"expand"}, std::nullopt) : rs.size({"expand"}, 2);
  if (!expand) return expand.error();
  auto inner = r.size({"intermediate_size", "d_inner"}, *expand * c.hidden_size);
  if (!inner) return inner.error();
  c.intermediate_size = *inner;

  auto state =
      j.contains("state_size") ? r.size({"state_size"}, std::nullopt) : rs.size({"d_state"}, 16);
  if (!state) return state.error();
  c.state_size = *state;

  auto conv =
      j.contains("conv_kernel") ? r.size({"conv_kernel"}, std::nullopt) : rs.size({"d_conv"}, 4);
  if (!conv) return conv.error();
  c.conv_kernel = *conv;
  if (c.conv_kernel > 16)
    return fail(ErrorCode::invalid_argument, source + ": field 'conv_kernel' is " +
                                                 std::to_string(c.conv_kernel) +
                                                 "; recur supports at most 16 taps");
  if (c.state_size > 256)
    return fail(ErrorCode::invalid_argument, source + ": field 'state_size' is " +
                                                 std::to_string(c.state_size) +
                                                 "; recur supports at most 256");

  const std::size_t auto_rank = (c.hidden_size + 15) / 16;
  const nlohmann::json* rank_json = nullptr;
  std::string rank_field = "time_step_rank";
  if (j.contains("time_step_rank") && !j["time_step_rank"].is_null())
    rank_json = &j["time_step_rank"];
  else if (ssm.contains("dt_rank"))
    rank_json = &ssm["dt_rank"], rank_field = "ssm_cfg.dt_rank";
  if (!rank_json || (rank_json->is_string() && rank_json->get<std::string>() == "auto")) {
    c.time_step_rank = auto_rank;
  } else if (rank_json->is_number_integer() && rank_json->get<long long>() > 0 &&
             rank_json->get<long long>() <= (1LL << 31)) {
    c.time_step_rank = static_cast<std::size_t>(rank_json->get<long long>());
  } else {
    return r.bad(rank_field, "must be a positive integer or \"auto\"", *rank_json);
  }

  if (auto it = j.find("layer_norm_epsilon"); it != j.end() && !it->is_null()) {
    if (!it->is_number() || !(it->get<double>() > 0) || it->get<double>() >= 1)
      return r.bad("layer_norm_epsilon", "must be a number in (0, 1)", *it);
    c.layer_norm_epsilon = static_cast<float>(it->get<double>());
  }

  auto use_bias = r.flag("use_bias", false);
  if (!use_bias) return use_bias.error();
  c.use_bias = *use_bias;
  if (ssm.contains("bias")) {
    auto b = rs.flag("bias", false);
    if (!b) return b.error();
    c.use_bias = *b;
  }
  auto conv_bias = r.flag("use_conv_bias", true);
  if (!conv_bias) return conv_bias.error();
  c.use_conv_bias = *conv_bias;
  if (ssm.contains("conv_bias")) {
    auto b = rs.flag("conv_bias", true);
    if (!b) return b.error();
    c.use_conv_bias = *b;
  }
  auto tie = r.flag(j.contains("tie_embeddings") ? "tie_embeddings" : "tie_word_embeddings", true);
  if (!tie) return tie.error();
  c.tie_word_embeddings = *tie;
  auto fp32 = r.flag("residual_in_fp32", true);
  if (!fp32) return fp32.error();
  c.residual_in_fp32 = *fp32;

  for (auto [name, field] :
       {std::pair{"bos_token_id", &c.bos_token_id}, std::pair{"eos_token_id", &c.eos_token_id},
        std::pair{"pad_token_id", &c.pad_token_id}}) {
    auto id = r.token_id(name);
    if (!id) return id.error();
    *field = *id;
  }

  if (auto it = j.find("recur"); it != j.end()) {
    if (!it->is_object()) return r.bad("recur", "must be an object", *it);
    c.recur = *it;
  }
  return c;
}

Result<MambaConfig> load_config(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) {
    std::error_code ec;
    return fail(std::filesystem::exists(path, ec) ? ErrorCode::io : ErrorCode::not_found,
                path.string() + ": cannot open");
  }
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text.str());
  } catch (const nlohmann::json::parse_error& e) {
    return fail(ErrorCode::invalid_argument, path.string() + ": not valid JSON at byte " +
                                                 std::to_string(e.byte) + ": " + e.what());
  }
  return parse_config(j, path.string());
}

}  // namespace recur
