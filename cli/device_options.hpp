// The device flags of the commands that run model workers.
#pragma once

#include <CLI/CLI.hpp>

#include "actors/worker_pool.hpp"

namespace recur::cli {

// Adds --device, --devices (which excludes --device), --threads and --batch-invariant to
// `command`, read into `options`, which must outlive the parse.
void add_device_options(CLI::App& command, actors::DeviceOptions& options);

// `error` of the devices of `options`, with the flag that gave them: "--devices: GPU 3 ...".
Error device_error(const actors::DeviceOptions& options, const Error& error);

}  // namespace recur::cli
