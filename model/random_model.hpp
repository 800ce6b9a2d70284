// Models of a given shape with random, well-scaled weights built in memory: benchmarks and tests of
// real model shapes need no multi-gigabyte bundle.
#pragma once

#include <cmath>
#include <memory>
#include <string>

#include "kernels/element_type.hpp"
#include "model/model.hpp"

namespace recur {

struct ModelShape {
  std::string name;
  std::size_t layers, hidden, inner, state, conv, vocab;
};

inline const ModelShape kMamba130m{"mamba-130m", 24, 768, 1536, 16, 4, 50280};
inline const ModelShape kTaskModel{"task-4x256", 4, 256, 512, 16, 4, 32};
inline const ModelShape kMamba2p8b{"mamba-2.8b", 64, 2560, 5120, 16, 4, 50280};

// A model of `shape` whose matrices are `type` and whose values are random but well-scaled (the
// activations stay finite over long runs).
inline std::shared_ptr<const Model> random_model(const ModelShape& shape, kernels::ElementType type,
                                                 unsigned seed = 1) {
  MambaConfig c;
  c.hidden_size = shape.hidden;
  c.intermediate_size = shape.inner;
  c.state_size = shape.state;
  c.conv_kernel = shape.conv;
  c.time_step_rank = (shape.hidden + 15) / 16;
  c.num_layers = shape.layers;
  c.vocab_size = shape.vocab;
  MambaWeights w;
  w.matrix_type = type;
  // A counter-based generator (splitmix64 of the element index): fast enough for billions of
  // values.
  std::uint64_t counter = static_cast<std::uint64_t>(seed) << 40;
  auto uniform = [&counter]() {
    std::uint64_t z = (counter += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return static_cast<float>(z >> 40) * 0x1.0p-23f - 1.0f;  // [-1, 1)
  };
  auto matrix = [&](std::size_t rows, std::size_t cols) {
    const float scale = 1.0f / std::sqrt(static_cast<float>(cols));
    const std::size_t n = rows * cols;
    auto buf = std::make_unique<std::uint8_t[]>(n * kernels::element_size(type));
    if (type == kernels::ElementType::f32) {
      auto* out = reinterpret_cast<float*>(buf.get());
      for (std::size_t i = 0; i < n; ++i) out[i] = uniform() * scale;
    } else {
      auto* out = reinterpret_cast<std::uint16_t*>(buf.get());
      for (std::size_t i = 0; i < n; ++i) out[i] = kernels::float_to_bf16(uniform() * scale);
    }
    kernels::MatrixView view{type, rows, cols, buf.get()};
    w.storage.push_back(std::move(buf));
    w.matrix_bytes += n * kernels::element_size(type);
    return view;
  };
  auto vec = [&](std::size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (auto& x : v) x = lo + (uniform() + 1.0f) * 0.5f * (hi - lo);
    return v;
  };
  const std::size_t D = shape.hidden, Di = shape.inner, N = shape.state, R = c.time_step_rank;
  w.embedding = matrix(shape.vocab, D);
  w.matrix_bytes -= shape.vocab * D * kernels::element_size(type);  // gathered, not streamed
  for (std::size_t l = 0; l < shape.layers; ++l) {
    LayerWeights lw;
    lw.norm = vec(D, 0.8f, 1.2f);
    lw.in_proj = matrix(2 * Di, D);
    lw.conv_weight = vec(Di * shape.conv, -0.5f, 0.5f);
    lw.conv_bias = vec(Di, -0.1f, 0.1f);
    lw.x_proj = matrix(R + 2 * N, Di);
    lw.dt_proj = matrix(Di, R);
    lw.dt_bias = vec(Di, -4.0f, -1.0f);
    lw.A = vec(Di * N, -4.0f, -0.5f);
    lw.D = vec(Di, 0.5f, 1.5f);
    lw.out_proj = matrix(D, Di);
    w.layers.push_back(std::move(lw));
  }
  w.norm_f = vec(D, 0.8f, 1.2f);
  w.lm_head = w.embedding;
  w.matrix_bytes += shape.vocab * D * kernels::element_size(type);
  return Model::from_parts(c, std::move(w));
}

}  // namespace recur
