#include "cli/pipeline_runtime.hpp"

#include "cli/common.hpp"

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
  auto tokenizer = load_tokenizer(model);
  if (!tokenizer) return tokenizer.error();
  auto loaded = Model::load(model);
  if (!loaded) return loaded.error();
  std::shared_ptr<const Model> shared = *loaded;
  BackendOptions backend{options_.device, options_.threads, options_.slots};
  auto first = make_backend(shared, backend);
  if (!first) return first.error();
  auto made = std::make_shared<std::unique_ptr<Backend>>(std::move(*first));
  actors::WorkerSetup worker;
  worker.model = shared;
  worker.tokenizer = std::make_shared<const Tokenizer>(std::move(*tokenizer));
  worker.make_backend = [made, shared, backend]() -> Result<std::unique_ptr<Backend>> {
    if (*made) return std::move(*made);
    return make_backend(shared, backend);
  };
  worker.slots = options_.slots;
  worker.tool_deadline = options_.tool_deadline;
  actors::SupervisorSetup setup;
  setup.registry = registry_;
  setup.tool_hosts.deadline = options_.tool_deadline;
  setup.workers.push_back(std::move(worker));
  auto supervisor = actors::spawn_supervisor(system_, std::move(setup));
  by_model_[model] = supervisor;
  return supervisor;
}

}  // namespace recur::cli
