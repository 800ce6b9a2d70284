// The functions a pipeline script sees (docs/pipelines.md lists them with examples): agent.*,
// tool.call, memory.*, params and param(), data.read and data.csv, json.decode and json.encode,
// now(), log(), progress() and report.*. The ones that reach outside the script are in C and go
// through the script's sequence of calls and its record; the rest (memory.*, agent.run,
// agent.await_all, param, data.csv) are Lua written on top of them, in the prelude.
#pragma once

#include "base/result.hpp"

namespace recur::jobs {

class PipelineScript;

struct PipelineApi {
  // Installs the API and runs the prelude in the script's sandbox; seeds math.random.
  static Status install(PipelineScript& script);
  // For a satisfied agent.await_any: picks the first answered handle of the list, and records the
  // choice so that a replay picks the same one.
  static Status choose(PipelineScript& script);
};

// The prelude's Lua source.
extern const char* const kPipelinePrelude;

}  // namespace recur::jobs
