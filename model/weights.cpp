#include "model/weights.hpp"

#include <cmath>
#include <cstring>
#include <set>
#include <string>

namespace recur {
namespace {

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  std::uint32_t exp = (h >> 10) & 0x1fu;
  std::uint32_t mant = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);
  } else if (exp == 0) {
    if (mant == 0) {
      bits = sign;
    } else {  // subnormal: renormalise
      int e = -1;
      do {
        ++e;
        mant <<= 1;
      } while ((mant & 0x400u) == 0);
      bits = sign | (static_cast<std::uint32_t>(127 - 15 - e) << 23) | ((mant & 0x3ffu) << 13);
    }
  } else {
    bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

class Loader {
 public:
  Loader(const SafetensorsFile& file, kernels::ElementType matrix_type, MambaWeights& out)
      : file_(file), want_(matrix_type), out_(out) {}

  std::set<std::string> used;

  Result<const TensorView*> tensor(const std::string& name, std::vector<std::int64_t> shape) {
    const TensorView* t = file_.find(name);
    if (!t)
      return fail(ErrorCode::invalid_argument, file_.source() + ": missing tensor '" + name + "'");
    used.insert(name);
    if (t->dtype != DType::f32 && t->dtype != DType::f16 && t->dtype != DType::bf16 &&
        t->dtype != DType::f64)
      return fail(ErrorCode::invalid_argument, file_.source() + ": tensor '" + name +
                                                   "' has dtype " + t->dtype_text +
                                                   "; expected F32, F16 or BF16");
    // Conv weights are stored [Di, 1, K]; a [Di, K] tensor is accepted as the same thing.
    auto squeeze = [](std::vector<std::int64_t> s) {
      std::erase(s, 1);
      return s;
    };
    if (t->shape != shape && squeeze(t->shape) != squeeze(shape))
      return fail(ErrorCode::invalid_argument, file_.source() + ": tensor '" + name +
                                                   "' has shape " + shape_text(t->shape) +
                                                   "; the config implies " + shape_text(shape));
    return t;
  }

  Result<std::vector<float>> vector(const std::string& name, std::vector<std::int64_t> shape) {
    auto t = tensor(name, shape);
    if (!t) return t.error();
    return widen(**t);
  }

  Result<kernels::MatrixView> matrix(const std::string& name, std::int64_t rows,
                                     std::int64_t cols) {
    auto t = tensor(name, {rows, cols});
    if (!t) return t.error();
    return matrix_from(**t);
  }

  Result<kernels::MatrixView> matrix_from(const TensorView& t) {
    const auto rows = static_cast<std::size_t>(t.shape[0]);
    const auto cols = static_cast<std::size_t>(t.numel()) / std::max<std::size_t>(rows, 1);
    const kernels::ElementType want = want_;
    const auto* data = t.bytes.data();
    const bool aligned = reinterpret_cast<std::uintptr_t>(data) % kernels::element_size(want) == 0;
    if (aligned && ((want == kernels::ElementType::f32 && t.dtype == DType::f32) ||
                    (want == kernels::ElementType::bf16 && t.dtype == DType::bf16)))
      return kernels::MatrixView{want, rows, cols, data};
    const auto floats = widen(t);
    const std::size_t n = floats.size();
    auto buf = std::make_unique<std::uint8_t[]>(n * kernels::element_size(want));
    if (want == kernels::ElementType::f32) {
      std::memcpy(buf.get(), floats.data(), n * sizeof(float));
    } else {
      auto* dst = reinterpret_cast<std::uint16_t*>(buf.get());
      for (std::size_t i = 0; i < n; ++i) dst[i] = kernels::float_to_bf16(floats[i]);
    }
    kernels::MatrixView view{want, rows, cols, buf.get()};
    out_.storage.push_back(std::move(buf));
    return view;
  }

  static std::vector<float> widen(const TensorView& t) {
    const auto n = static_cast<std::size_t>(t.numel());
    std::vector<float> v(n);
    const auto* p = t.bytes.data();
    for (std::size_t i = 0; i < n; ++i) {
      switch (t.dtype) {
        case DType::f32:
          std::memcpy(&v[i], p + 4 * i, 4);
          break;
        case DType::f64: {
          double d;
          std::memcpy(&d, p + 8 * i, 8);
          v[i] = static_cast<float>(d);
          break;
        }
        case DType::f16: {
          std::uint16_t h;
          std::memcpy(&h, p + 2 * i, 2);
          v[i] = half_to_float(h);
          break;
        }
        default: {
          std::uint16_t h;
          std::memcpy(&h, p + 2 * i, 2);
          v[i] = kernels::bf16_to_float(h);
        }
      }
    }
    return v;
  }

 private:
  const SafetensorsFile& file_;
  kernels::ElementType want_;
  MambaWeights& out_;
};

std::uint64_t matrix_bytes(const kernels::MatrixView& m) {
  return m.rows * m.cols * kernels::element_size(m.type);
}

}  // namespace

Result<MambaWeights> load_weights(std::shared_ptr<const SafetensorsFile> file, const MambaConfig& c,
                                  WeightFormat format) {
  MambaWeights w;
  std::string embed_name = "backbone.embeddings.weight";
  if (!file->find(embed_name) && file->find("backbone.embedding.weight"))
    embed_name = "backbone.embedding.weight";
  // One compute type for every matrix: bf16 when asked, or when as_stored finds a bf16 checkpoint.
  const TensorView* embed_tensor = file->find(embed_name);
  w.matrix_type =
      format == WeightFormat::bf16 || (format == WeightFormat::as_stored && embed_tensor &&
                                       embed_tensor->dtype == DType::bf16)
          ? kernels::ElementType::bf16
          : kernels::ElementType::f32;
  Loader load(*file, w.matrix_type, w);
  const auto D = static_cast<std::int64_t>(c.hidden_size);
  const auto Di = static_cast<std::int64_t>(c.intermediate_size);
  const auto N = static_cast<std::int64_t>(c.state_size);
  const auto K = static_cast<std::int64_t>(c.conv_kernel);
  const auto R = static_cast<std::int64_t>(c.time_step_rank);
  const auto V = static_cast<std::int64_t>(c.vocab_size);

  auto embed = load.matrix(embed_name, V, D);
  if (!embed) return embed.error();
  w.embedding = *embed;

  for (std::size_t l = 0; l < c.num_layers; ++l) {
    const std::string p = "backbone.layers." + std::to_string(l) + ".";
    LayerWeights lw;
    std::vector<Error> errors;
    auto vec = [&](std::vector<float>& dst, const std::string& name, std::vector<std::int64_t> s) {
      auto r = load.vector(p + name, std::move(s));
      if (!r)
        errors.push_back(r.error());
      else
        dst = std::move(*r);
    };
    auto mat = [&](kernels::MatrixView& dst, const std::string& name, std::int64_t rows,
                   std::int64_t cols) {
      auto r = load.matrix(p + name, rows, cols);
      if (!r)
        errors.push_back(r.error());
      else
        dst = *r;
    };
    vec(lw.norm, "norm.weight", {D});
    mat(lw.in_proj, "mixer.in_proj.weight", 2 * Di, D);
    if (c.use_bias) vec(lw.in_proj_bias, "mixer.in_proj.bias", {2 * Di});
    vec(lw.conv_weight, "mixer.conv1d.weight", {Di, 1, K});
    if (c.use_conv_bias) vec(lw.conv_bias, "mixer.conv1d.bias", {Di});
    mat(lw.x_proj, "mixer.x_proj.weight", R + 2 * N, Di);
    mat(lw.dt_proj, "mixer.dt_proj.weight", Di, R);
    vec(lw.dt_bias, "mixer.dt_proj.bias", {Di});
    std::vector<float> a_log;
    vec(a_log, "mixer.A_log", {Di, N});
    vec(lw.D, "mixer.D", {Di});
    mat(lw.out_proj, "mixer.out_proj.weight", D, Di);
    if (c.use_bias) vec(lw.out_proj_bias, "mixer.out_proj.bias", {D});
    if (!errors.empty()) return errors.front();
    lw.A.resize(a_log.size());
    for (std::size_t i = 0; i < a_log.size(); ++i) lw.A[i] = -std::exp(a_log[i]);
    w.layers.push_back(std::move(lw));
  }

  auto norm_f = load.vector("backbone.norm_f.weight", {D});
  if (!norm_f) return norm_f.error();
  w.norm_f = std::move(*norm_f);

  const TensorView* head = file->find("lm_head.weight");
  if (c.tie_word_embeddings || !head) {
    if (!c.tie_word_embeddings)
      return fail(
          ErrorCode::invalid_argument,
          file->source() + ": missing tensor 'lm_head.weight' (tie_word_embeddings is false)");
    if (head) load.used.insert("lm_head.weight");  // tied: the embedding is the head
    w.lm_head = w.embedding;
  } else {
    auto h = load.matrix("lm_head.weight", V, D);
    if (!h) return h.error();
    w.lm_head = *h;
  }

  for (const auto& [name, t] : file->tensors()) {
    (void)t;
    if (!load.used.count(name))
      return fail(ErrorCode::invalid_argument, file->source() + ": unexpected tensor '" + name +
                                                   "' for a " + std::to_string(c.num_layers) +
                                                   "-layer Mamba model");
  }

  for (const auto& lw : w.layers)
    w.matrix_bytes += matrix_bytes(lw.in_proj) + matrix_bytes(lw.x_proj) +
                      matrix_bytes(lw.dt_proj) + matrix_bytes(lw.out_proj);
  w.matrix_bytes += matrix_bytes(w.lm_head);
  w.file = std::move(file);
  return w;
}

}  // namespace recur
