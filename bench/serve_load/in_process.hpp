// serve_load's baseline: the same jobs run in this process through the jobs library, a JobRunner
// serving the queue on a Runtime with the options `recur serve` gives its own (the code the service
// runs), with no HTTP, no event log and no clients. Jobs join the queue the way the clients submit
// them: a new one each time one ends, `outstanding` queued or running at a time, so the queue and
// the store grow as they do through the service.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "actors/runtime.hpp"

namespace recur::bench {

struct InProcessSpec {
  std::filesystem::path store_dir;  // a fresh job store
  std::filesystem::path config;     // the tool configuration
  std::filesystem::path model_dir;  // the model bundle of the jobs' agents
  std::string source;               // the pipeline
  std::map<std::string, std::string> params;
  std::vector<std::uint64_t> seeds;  // one job each, queued in this order
  std::size_t parallel = 64;         // jobs running at once
  std::size_t outstanding = 128;     // jobs queued or running at once
  actors::DeviceOptions devices;
};

struct InProcessRun {
  double seconds = 0;        // from the first job's creation to the last one's end
  std::size_t finished = 0;  // jobs that finished
  std::uint64_t tokens = 0;  // their agents' tokens
  double cpu_s = 0;          // this process's CPU time during the run
};

// Opens the store and the runtime, runs one warm-up job (seed 0), then the jobs of `spec`, at most
// `parallel` at once. Exits the bench with a message when the store or the runtime cannot open.
InProcessRun run_in_process(const InProcessSpec& spec);

}  // namespace recur::bench
