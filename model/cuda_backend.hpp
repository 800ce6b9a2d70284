// The CUDA backend: weights, the state pool and every kernel on one GPU (kernels/cuda + cuBLAS),
// CUDA graphs for decode steps at bucketed batch sizes. Snapshots are byte-identical to the CPU
// backend's.
#pragma once

#include <memory>

#include "model/backend.hpp"

namespace recur {

// A backend on CUDA device `device`. capacity 0 sizes the state pool from free device memory;
// batch_invariant as in BackendOptions. An error says why when the build has no CUDA, the machine
// no driver or device, or memory is short.
Result<std::unique_ptr<Backend>> make_cuda_backend(std::shared_ptr<const Model> model, int device,
                                                   std::size_t capacity = 0,
                                                   bool batch_invariant = false);

}  // namespace recur
