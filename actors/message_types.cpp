#include "actors/message_types.hpp"

#include <tuple>

#include <caf/all.hpp>
#include "actors/cluster.hpp"
#include "actors/messages.hpp"
#include "actors/pipeline_host.hpp"
#include "actors/supervisor.hpp"
#include "actors/tool_host.hpp"
#include "actors/tool_runner.hpp"

namespace recur::actors {
namespace {

// A message type and its name.
template <class T>
struct Named {
  using Type = T;
  const char* name;
};

// Every message type, with its name. A type added here needs a round trip in the wire tests.
const auto kMessageTypes = std::make_tuple(
    Named<ToolBatch>{"recur.ToolBatch"}, Named<ToolReplies>{"recur.ToolReplies"},
    Named<ToolReply>{"recur.ToolReply"}, Named<RunnerJob>{"recur.RunnerJob"},
    Named<SessionOrder>{"recur.SessionOrder"}, Named<agent::SessionOutcome>{"recur.SessionOutcome"},
    Named<agent::OutputChunk>{"recur.OutputChunk"}, Named<WorkerStatus>{"recur.WorkerStatus"},
    Named<SupervisorStatus>{"recur.SupervisorStatus"},
    Named<ToolHostStatus>{"recur.ToolHostStatus"},
    Named<SupervisorSurvey>{"recur.SupervisorSurvey"},
    Named<jobs::PipelineOutcome>{"recur.PipelineOutcome"},
    Named<tool_host_actor>{"recur.tool_host_actor"}, Named<NodeHello>{"recur.NodeHello"},
    Named<NodeView>{"recur.NodeView"}, Named<std::vector<NodeView>>{"recur.NodeViews"},
    Named<model_worker_actor>{"recur.model_worker_actor"},
    Named<supervisor_actor>{"recur.supervisor_actor"},
    Named<node_agent_actor>{"recur.node_agent_actor"}, Named<cluster_actor>{"recur.cluster_actor"});

}  // namespace

void register_message_types(caf::actor_system_config& config) {
  std::apply(
      [&config](const auto&... types) {
        (config.add_message_type<typename std::decay_t<decltype(types)>::Type>(types.name), ...);
      },
      kMessageTypes);
}

std::vector<std::string> message_type_names() {
  return std::apply([](const auto&... types) { return std::vector<std::string>{types.name...}; },
                    kMessageTypes);
}

}  // namespace recur::actors
