#include "model/cuda_weights.hpp"

namespace recur {
namespace {

class Uploader {
 public:
  explicit Uploader(DeviceWeights& w) : w_(w) {}
  Status status;

  const float* vector(const std::vector<float>& v, const std::string& what) {
    if (v.empty() || !status) return nullptr;
    DeviceBuffer b;
    status = b.upload(v.data(), v.size() * sizeof(float), what);
    const float* p = b.get<float>();
    w_.buffers.push_back(std::move(b));
    return p;
  }

  kernels::MatrixView matrix(const kernels::MatrixView& m, const std::string& what) {
    if (!status) return {};
    DeviceBuffer b;
    status = b.upload(m.data, m.rows * m.cols * kernels::element_size(m.type), what);
    kernels::MatrixView out{m.type, m.rows, m.cols, b.get()};
    w_.buffers.push_back(std::move(b));
    return out;
  }

 private:
  DeviceWeights& w_;
};

}  // namespace

Result<DeviceWeights> DeviceWeights::upload(const Model& model) {
  DeviceWeights w;
  Uploader up(w);
  const MambaWeights& h = model.weights();
  w.embedding = up.matrix(h.embedding, "the embedding");
  w.lm_head = h.lm_head.data == h.embedding.data ? w.embedding : up.matrix(h.lm_head, "lm_head");
  w.norm_f = up.vector(h.norm_f, "norm_f");
  for (std::size_t l = 0; l < h.layers.size(); ++l) {
    const LayerWeights& s = h.layers[l];
    const std::string p = "layer " + std::to_string(l) + " ";
    DeviceLayer d;
    d.in_proj = up.matrix(s.in_proj, p + "in_proj");
    d.x_proj = up.matrix(s.x_proj, p + "x_proj");
    d.dt_proj = up.matrix(s.dt_proj, p + "dt_proj");
    d.out_proj = up.matrix(s.out_proj, p + "out_proj");
    d.norm = up.vector(s.norm, p + "norm");
    d.in_proj_bias = up.vector(s.in_proj_bias, p + "in_proj bias");
    d.conv_weight = up.vector(s.conv_weight, p + "conv1d");
    d.conv_bias = up.vector(s.conv_bias, p + "conv1d bias");
    d.dt_bias = up.vector(s.dt_bias, p + "dt_proj bias");
    d.A = up.vector(s.A, p + "A");
    d.D = up.vector(s.D, p + "D");
    d.out_proj_bias = up.vector(s.out_proj_bias, p + "out_proj bias");
    w.layers.push_back(d);
  }
  if (!up.status) return up.status.error();
  return w;
}

}  // namespace recur
