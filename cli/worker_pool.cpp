#include "cli/worker_pool.hpp"

#include <CLI/CLI.hpp>

#include "model/devices.hpp"

namespace recur::cli {

void add_device_options(CLI::App& command, DeviceOptions& options) {
  auto* device = command.add_option("--device", options.device, "cpu, cuda or cuda:N");
  command.add_option("--devices", options.devices, "GPUs, one model worker each: 0,1,... or all")
      ->excludes(device);
  command.add_option("--threads", options.threads, "CPU threads of the backend (0: all cores)");
  command.add_flag("--batch-invariant", options.batch_invariant,
                   "GPU: a session's tokens never depend on the sessions batched with it (kernels "
                   "with a fixed order of sums for every batch; 1.3-2.6x slower per step)");
}

Result<std::vector<std::string>> worker_devices(const DeviceOptions& options) {
  if (!options.devices.empty()) return select_cuda_devices(options.devices);
  const std::string& d = options.device;
  if (d != "cpu" && d != "cuda" && d.rfind("cuda:", 0) != 0)
    return fail("--device: '" + d + "' is not a device (cpu, cuda or cuda:N)");
  return std::vector<std::string>{d};
}

Result<actors::SupervisorSetup> make_worker_pool(const std::filesystem::path& model_dir,
                                                 const DeviceOptions& options,
                                                 const actors::WorkerSetup& base) {
  auto tokenizer = Tokenizer::load(model_dir / "tokenizer.json");
  if (!tokenizer) return tokenizer.error();
  auto model = Model::load(model_dir);
  if (!model) return model.error();
  return make_worker_pool(*model, std::make_shared<const Tokenizer>(std::move(*tokenizer)), options,
                          base);
}

Result<actors::SupervisorSetup> make_worker_pool(std::shared_ptr<const Model> model,
                                                 std::shared_ptr<const Tokenizer> tokenizer,
                                                 const DeviceOptions& options,
                                                 const actors::WorkerSetup& base) {
  if (options.slots == 0) return fail("worker pool: a worker needs at least one slot");
  auto devices = worker_devices(options);
  if (!devices) return devices.error();
  actors::SupervisorSetup setup;
  for (const std::string& device : *devices) {
    const BackendOptions backend_options{device, options.threads, options.slots,
                                         options.batch_invariant};
    auto first = make_backend(model, backend_options);
    if (!first) {
      if (devices->size() == 1) return first.error();
      return fail("--devices: " + device + ": " + first.error().message);
    }
    // The worker's first start takes the backend made here; a restart makes a fresh one.
    auto made = std::make_shared<std::unique_ptr<Backend>>(std::move(*first));
    actors::WorkerSetup worker = base;
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

}  // namespace recur::cli
