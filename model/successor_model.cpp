#include "model/successor_model.hpp"

#include <cstring>

namespace recur {

std::shared_ptr<const Model> successor_model(const std::vector<int>& next, MambaConfig c) {
  const std::size_t V = next.size();
  c.vocab_size = V;
  c.hidden_size = (V + 7) / 8 * 8;  // one-hot embeddings need a dimension per token
  c.intermediate_size = 2 * c.hidden_size;
  c.state_size = 4;
  c.conv_kernel = 4;
  c.time_step_rank = (c.hidden_size + 15) / 16;
  c.num_layers = 1;
  c.tie_word_embeddings = false;
  c.use_bias = false;
  c.use_conv_bias = true;
  const std::size_t D = c.hidden_size, Di = c.intermediate_size, N = c.state_size,
                    R = c.time_step_rank;

  MambaWeights w;
  w.matrix_type = kernels::ElementType::f32;
  auto matrix = [&](std::size_t rows, std::size_t cols, auto fill) {
    auto buf = std::make_unique<std::uint8_t[]>(rows * cols * 4);
    auto* f = reinterpret_cast<float*>(buf.get());
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t k = 0; k < cols; ++k) f[r * cols + k] = fill(r, k);
    kernels::MatrixView view{kernels::ElementType::f32, rows, cols, buf.get()};
    w.storage.push_back(std::move(buf));
    w.matrix_bytes += rows * cols * 4;
    return view;
  };
  const auto zero = [](std::size_t, std::size_t) { return 0.0f; };
  w.embedding = matrix(V, D, [](std::size_t t, std::size_t k) { return t == k ? 1.0f : 0.0f; });
  w.matrix_bytes -= V * D * 4;
  w.lm_head = matrix(V, D, [&](std::size_t v, std::size_t k) {
    return k < V && next[k] == static_cast<int>(v) ? 1.0f : 0.0f;
  });
  LayerWeights lw;
  lw.norm.assign(D, 1.0f);
  lw.in_proj = matrix(2 * Di, D, zero);
  lw.conv_weight.assign(Di * c.conv_kernel, 0.25f);
  lw.conv_bias.assign(Di, 0.0f);
  lw.x_proj = matrix(R + 2 * N, Di, zero);
  lw.dt_proj = matrix(Di, R, zero);
  lw.dt_bias.assign(Di, -2.0f);
  lw.A.assign(Di * N, -1.0f);
  lw.D.assign(Di, 1.0f);
  lw.out_proj = matrix(D, Di, zero);
  w.layers.push_back(std::move(lw));
  w.norm_f.assign(D, 1.0f);
  return Model::from_parts(std::move(c), std::move(w));
}

}  // namespace recur
