// Chooses a backend by device name.
#include "model/backend.hpp"
#include "model/cuda_backend.hpp"

namespace recur {

Result<std::unique_ptr<Backend>> make_backend(std::shared_ptr<const Model> model,
                                              const BackendOptions& options) {
  const std::string& d = options.device;
  if (d == "cpu")
    return make_cpu_backend(std::move(model), options.threads,
                            options.capacity ? options.capacity : 4096);
  if (d == "cuda" || d.rfind("cuda:", 0) == 0) {
    int index = 0;
    if (d.size() > 5) {
      try {
        std::size_t used = 0;
        index = std::stoi(d.substr(5), &used);
        if (used != d.size() - 5 || index < 0) throw std::invalid_argument(d);
      } catch (const std::exception&) {
        return fail(ErrorCode::invalid_argument,
                    "device '" + d + "' is not cuda:N with N a device number");
      }
    }
    return make_cuda_backend(std::move(model), index, options.capacity, options.batch_invariant);
  }
  return fail(ErrorCode::invalid_argument,
              "device '" + d + "' is not a device name (cpu, cuda or cuda:N)");
}

}  // namespace recur
