// The model workers of a node as a supervisor's setup: one worker on the CPU, on one GPU
// ("cuda:N"), or one per GPU of a device list, each with its own backend (on a GPU: its own stream,
// state pool and CUDA graphs). The supervisor spreads sessions over the workers by free slots.
//
//   DeviceOptions devices;                      // device "cpu", or devices "0,1" / "all"
//   devices.slots = 1000;
//   auto setup = make_worker_pool(model_dir, devices, base);   // base: batcher, tool deadline
//   if (!setup) return setup.error();
//   setup->registry = registry;                 // tool hosts and restart limits: the caller's
//   auto supervisor = spawn_supervisor(system, std::move(*setup));
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "actors/supervisor.hpp"
#include "base/result.hpp"

namespace recur::actors {

// Where a node's model workers run.
struct DeviceOptions {
  std::string device = "cpu";  // one worker: cpu, cuda or cuda:N
  std::string devices;         // one worker per GPU: GPU numbers "0,1" or "all" (wins over device)
  unsigned threads = 0;        // threads of a CPU backend (0: every core)
  std::size_t slots = 64;      // sessions each worker holds at once (its state pool's capacity)
  bool batch_invariant = false;  // BackendOptions::batch_invariant
};

// The backend device names of the workers, one per worker: {"cpu"}, {"cuda"}, {"cuda:N"}, or
// "cuda:N" for each GPU of the device list. An error names a bad device or device list, a GPU that
// is not present, or why no GPU can be used.
Result<std::vector<std::string>> worker_devices(const DeviceOptions& options);

// One model worker per device of `options` running the bundle in `model_dir`. Each worker is a
// copy of `base` (its batcher options and tool deadline) with the model, tokenizer, backend
// factory and slots filled in; the setup's registry, tool hosts and restart limits are left as
// they are for the caller. Every device's backend is made here, so a missing device or a state
// pool that does not fit is an error now, naming the device; a worker restarted later makes a
// fresh backend on its device.
Result<SupervisorSetup> make_worker_pool(const std::filesystem::path& model_dir,
                                         const DeviceOptions& options,
                                         const WorkerSetup& base = {});

// The same for a model and its tokenizer already loaded.
Result<SupervisorSetup> make_worker_pool(std::shared_ptr<const Model> model,
                                         std::shared_ptr<const Tokenizer> tokenizer,
                                         const DeviceOptions& options,
                                         const WorkerSetup& base = {});

}  // namespace recur::actors
