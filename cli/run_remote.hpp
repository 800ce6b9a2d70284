// recur run --server URL: a pipeline submitted to a running service as a job, and followed there
// as `recur run` follows a local one: its log and progress on stderr, its report on stdout.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "jobs/job.hpp"

namespace recur::cli {

struct RemoteRun {
  std::string server, token;
  std::string script;    // a local script file whose text is sent, or ""
  std::string pipeline;  // a pipeline of the server, by name, or ""
  std::string model;     // a model of the server, by name
  std::map<std::string, std::string> params;
  std::optional<std::uint64_t> seed;
  std::int64_t priority = 0;
  jobs::JobOptions budgets;  // its max_* fields
  bool enqueue = false, json = false, quiet = false;
};

// Submits and follows; returns the exit status (0 when the job finished).
int run_on_server(const RemoteRun& run);

}  // namespace recur::cli
