// What `recur run` runs pipelines on: an actor system, a supervisor for their tool calls (the
// configured tools, with the memory tool in the job store), and a supervisor per model that an
// agent call names, started at its first use and shared by every pipeline of the process.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "actors/pipeline_host.hpp"
#include "cli/worker_pool.hpp"
#include "tools/registry/registry.hpp"

namespace recur::cli {

struct RuntimeOptions {
  std::string default_model;  // for agent calls that name none
  DeviceOptions devices;      // where each model's workers run (one per GPU with --devices)
  std::chrono::milliseconds tool_deadline{30000};
};

class PipelineRuntime {
 public:
  PipelineRuntime(caf::actor_system& system, std::shared_ptr<const tools::Registry> registry,
                  RuntimeOptions options);
  ~PipelineRuntime();  // stops every supervisor

  const actors::supervisor_actor& tools() const { return tools_; }
  // The supervisor of `model` ("" is the default model), started at the first call.
  Result<actors::supervisor_actor> agents(const std::string& model);
  actors::AgentPool pool() {
    return [this](const std::string& model) { return agents(model); };
  }

 private:
  caf::actor_system& system_;
  RuntimeOptions options_;
  std::shared_ptr<const tools::Registry> registry_;
  actors::supervisor_actor tools_;
  std::mutex mutex_;
  std::map<std::string, actors::supervisor_actor> by_model_;
};

}  // namespace recur::cli
