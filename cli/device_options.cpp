#include "cli/device_options.hpp"

namespace recur::cli {

void add_device_options(CLI::App& command, actors::DeviceOptions& options) {
  auto* device = command.add_option("--device", options.device, "cpu, cuda or cuda:N");
  command.add_option("--devices", options.devices, "GPUs, one model worker each: 0,1,... or all")
      ->excludes(device);
  command.add_option("--threads", options.threads, "CPU threads of the backend (0: all cores)");
  command.add_flag("--batch-invariant", options.batch_invariant,
                   "GPU: a session's tokens never depend on the sessions batched with it (kernels "
                   "with a fixed order of sums for every batch; 1.3-2.6x slower per step)");
}

}  // namespace recur::cli

namespace recur::cli {

Error device_error(const actors::DeviceOptions& options, const Error& error) {
  return error.context(options.devices.empty() ? "--device" : "--devices");
}

}  // namespace recur::cli
