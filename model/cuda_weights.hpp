// A model's weights copied to one GPU, in the model's matrix element type.
#pragma once

#include <vector>

#include "kernels/element_type.hpp"
#include "model/cuda_memory.hpp"
#include "model/model.hpp"

namespace recur {

struct DeviceLayer {
  kernels::MatrixView in_proj, x_proj, dt_proj, out_proj;  // device pointers
  const float* norm = nullptr;
  const float* in_proj_bias = nullptr;  // null without use_bias
  const float* conv_weight = nullptr;
  const float* conv_bias = nullptr;  // null without use_conv_bias
  const float* dt_bias = nullptr;
  const float* A = nullptr;
  const float* D = nullptr;
  const float* out_proj_bias = nullptr;
};

struct DeviceWeights {
  std::vector<DeviceLayer> layers;
  kernels::MatrixView embedding, lm_head;
  const float* norm_f = nullptr;
  std::vector<DeviceBuffer> buffers;  // owns every pointer above

  // Copies every tensor of `model` to the current device.
  static Result<DeviceWeights> upload(const Model& model);
};

}  // namespace recur
