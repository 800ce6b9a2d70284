#include "kernels/cpu/rmsnorm.hpp"

#include <cmath>

namespace recur::kernels::cpu {

void rmsnorm(Rows x, std::size_t n_tokens, std::size_t dim, const float* weight, float eps,
             MutableRows out) {
  for (std::size_t t = 0; t < n_tokens; ++t) {
    const float* xr = x.data + t * x.stride;
    float* yr = out.data + t * out.stride;
    double sum = 0;
    for (std::size_t i = 0; i < dim; ++i) sum += static_cast<double>(xr[i]) * xr[i];
    const float scale = static_cast<float>(
        1.0 / std::sqrt(sum / static_cast<double>(dim) + static_cast<double>(eps)));
    for (std::size_t i = 0; i < dim; ++i) yr[i] = weight[i] * (xr[i] * scale);
  }
}

}  // namespace recur::kernels::cpu
