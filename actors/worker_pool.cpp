#include "actors/worker_pool.hpp"

#include "model/devices.hpp"

namespace recur::actors {

Result<std::vector<std::string>> worker_devices(const DeviceOptions& options) {
  if (!options.devices.empty()) return select_cuda_devices(options.devices);
  const std::string& d = options.device;
  if (d != "cpu" && d != "cuda" && d.rfind("cuda:", 0) != 0)
    return fail(ErrorCode::invalid_argument,
                "device '" + d + "' is not a device name (cpu, cuda or cuda:N)");
  return std::vector<std::string>{d};
}

Result<SupervisorSetup> make_worker_pool(const std::filesystem::path& model_dir,
                                         const DeviceOptions& options, const WorkerSetup& base) {
  auto tokenizer = Tokenizer::load(model_dir / "tokenizer.json");
  if (!tokenizer) return tokenizer.error();
  auto model = Model::load(model_dir);
  if (!model) return model.error();
  return make_worker_pool(*model, std::make_shared<const Tokenizer>(std::move(*tokenizer)), options,
                          base);
}

Result<SupervisorSetup> make_worker_pool(std::shared_ptr<const Model> model,
                                         std::shared_ptr<const Tokenizer> tokenizer,
                                         const DeviceOptions& options, const WorkerSetup& base) {
  if (options.slots == 0)
    return fail(ErrorCode::invalid_argument, "worker pool: a worker needs at least one slot");
  auto devices = worker_devices(options);
  if (!devices) return devices.error();
  SupervisorSetup setup;
  for (const std::string& device : *devices) {
    const BackendOptions backend_options{device, options.threads, options.slots,
                                         options.batch_invariant};
    auto first = make_backend(model, backend_options);
    if (!first) {
      if (devices->size() == 1) return first.error();
      return first.error().context(device);
    }
    // The worker's first start takes the backend made here; a restart makes a fresh one.
    auto made = std::make_shared<std::unique_ptr<Backend>>(std::move(*first));
    WorkerSetup worker = base;
    worker.model = model;
    worker.tokenizer = tokenizer;
    worker.make_backend = [made, model, backend_options]() -> Result<std::unique_ptr<Backend>> {
      if (*made) return std::move(*made);
      return make_backend(model, backend_options);
    };
    worker.slots = options.slots;
    setup.workers.push_back(std::move(worker));
  }
  return setup;
}

}  // namespace recur::actors
