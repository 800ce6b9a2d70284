// One round of serve_load: a fresh `recur serve` loaded by the clients for a while, then the jobs
// that finished run again, with the same seeds, in process. Both runs' wall time, agent tokens and
// CPU time, measured back to back so that the load of a shared machine hits both alike.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "bench/serve_load/in_process.hpp"
#include "bench/serve_load/load_clients.hpp"

namespace recur::bench {

struct RoundSpec {
  std::filesystem::path recur;        // the `recur` executable
  std::filesystem::path source_dir;   // the source tree: models/, configs/, bench/serve_load/
  std::filesystem::path work;         // this round's folder (stores, the service's log)
  std::filesystem::path tokens_file;  // the service's token file, one token per client
  ClientSpec clients;                 // url and job filled in by the round
  std::size_t parallel = 64, slots = 128, agents = 2, digits = 5;
};

struct RoundResult {
  ServedRun served;
  double served_s = 0;  // from the first POST /v1/jobs to the last job's end (the service's record)
  std::uint64_t served_tokens = 0;
  std::size_t finished = 0, not_finished = 0;  // jobs through the service, by how they ended
  double server_cpu_s = 0, client_cpu_s = 0;   // while the clients ran
  int serve_exit = 0;                          // recur serve's exit status after SIGTERM
  InProcessRun in_process;
};

// Runs the round; exits the bench with a message when the service does not start or its warm-up
// job does not finish.
RoundResult run_round(const RoundSpec& spec);

}  // namespace recur::bench
