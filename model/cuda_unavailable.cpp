// Builds without nvcc: the CUDA backend is absent and says so.
#include "model/cuda_backend.hpp"

namespace recur {

Result<std::unique_ptr<Backend>> make_cuda_backend(std::shared_ptr<const Model>, int, std::size_t,
                                                   bool) {
  return fail(ErrorCode::unavailable,
              "cuda: this build of recur has no CUDA backend (built without nvcc)");
}

int cuda_device_count() {
  return 0;
}

std::string cuda_unavailable_reason() {
  return "this build of recur has no CUDA backend";
}

}  // namespace recur
