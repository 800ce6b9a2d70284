// A job as a client submits it: `POST /v1/jobs` {"pipeline": NAME | "source": LUA, "params": {...},
// "seed": S, "priority": P, "model": NAME, "budgets": {"max_wall_ms", "max_calls", "max_tokens",
// "max_instructions", "max_memory_mb"}}. Clients name shipped pipelines and models; they never
// pass paths of the server.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "base/json.hpp"
#include "base/result.hpp"

namespace recur::server {

struct JobRequest {
  std::string pipeline;  // a name in the server's pipelines folder, or ""
  std::string source;    // a script's text, or ""
  std::map<std::string, std::string> params;
  std::optional<std::uint64_t> seed;
  std::int64_t priority = 0;
  std::string model;  // a name in the server's models folder, or ""
  std::uint64_t max_wall_ms = 0, max_calls = 0, max_tokens = 0, max_instructions = 0,
                max_memory_mb = 0;

  // Reads a request body; an error (invalid_argument) names the field that is wrong. Parameter
  // values may be strings or numbers; a pipeline sees each as `--param NAME=VALUE` gives it.
  static Result<JobRequest> from_json(const Json& body);
};

// True for a name of a shipped pipeline or model: letters, digits, '-', '_' and '.', not starting
// with '.', at most 100 characters (so it never leaves its folder).
bool is_plain_name(const std::string& name);

}  // namespace recur::server
