#include "actors/tool_runner.hpp"

#include <exception>

namespace recur::actors {
namespace {

tools::ToolResult run_call(const tools::Registry& registry, const RunnerJob& job) {
  tools::CallContext context;
  context.scope = job.request.scope;
  context.deadline = job.deadline;
  try {
    auto result = registry.call(job.request.call, context);
    if (!result) return tools::ToolResult::error(result.error().message);
    return std::move(*result);
  } catch (const std::exception& e) {
    return tools::ToolResult::error("tool '" + job.request.call.name + "' threw: " + e.what());
  }
}

void tool_runner(caf::blocking_actor* self, std::shared_ptr<const tools::Registry> registry,
                 tool_host_impl host) {
  self->monitor(host);
  bool running = true;
  self->receive_while(running)(
      [&](RunnerJob& job) {
        ToolReply reply{job.request.call.id, run_call(*registry, job), 0.0};
        self->send(host, ran_atom::value, job.ticket, std::move(reply));
      },
      [&](caf::down_msg&) { running = false; });
}

}  // namespace

caf::actor spawn_tool_runner(caf::actor_system& system,
                             std::shared_ptr<const tools::Registry> registry, tool_host_impl host) {
  return system.spawn(tool_runner, std::move(registry), std::move(host));
}

}  // namespace recur::actors
