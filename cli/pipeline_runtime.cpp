#include "cli/pipeline_runtime.hpp"

namespace recur::cli {

PipelineRuntime::PipelineRuntime(caf::actor_system& system,
                                 std::shared_ptr<const tools::Registry> registry,
                                 RuntimeOptions options)
    : system_(system), options_(std::move(options)), registry_(std::move(registry)) {
  actors::SupervisorSetup setup;
  setup.registry = registry_;
  setup.tool_hosts.deadline = options_.tool_deadline;
  tools_ = actors::spawn_supervisor(system_, std::move(setup));
}

PipelineRuntime::~PipelineRuntime() {
  caf::anon_send_exit(tools_, caf::exit_reason::user_shutdown);
  for (auto& [model, supervisor] : by_model_)
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
}

Result<actors::supervisor_actor> PipelineRuntime::agents(const std::string& requested) {
  const std::string model = requested.empty() ? options_.default_model : requested;
  if (model.empty())
    return fail("agent.start: no model: name one in the call (model = DIR) or run with --model");
  std::lock_guard lock(mutex_);
  if (auto it = by_model_.find(model); it != by_model_.end()) return it->second;
  actors::WorkerSetup base;
  base.tool_deadline = options_.tool_deadline;
  auto setup = make_worker_pool(model, options_.devices, base);
  if (!setup) return setup.error();
  setup->registry = registry_;
  setup->tool_hosts.deadline = options_.tool_deadline;
  auto supervisor = actors::spawn_supervisor(system_, std::move(*setup));
  by_model_[model] = supervisor;
  return supervisor;
}

}  // namespace recur::cli
