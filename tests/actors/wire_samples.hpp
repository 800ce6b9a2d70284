// Message values for the wire tests, each with every field set to something other than its
// default (nested vectors, JSON with nested objects and non-ASCII text, enums at their last
// enumerator), and field-by-field comparisons that report each field that differs.
#pragma once

#include <chrono>
#include <vector>

#include <gtest/gtest.h>

#include <caf/all.hpp>
#include "actors/cluster.hpp"
#include "actors/messages.hpp"
#include "actors/pipeline_host.hpp"
#include "actors/supervisor.hpp"
#include "actors/tool_host.hpp"
#include "actors/tool_runner.hpp"

namespace recur::actors::wire {

// JSON with nested objects and arrays, non-ASCII keys and text, escapes and numbers of each kind.
Json sample_json(int variant);

tools::ToolCall sample_call(int variant);
tools::ToolResult sample_result(int variant);
ToolRequest sample_request(int variant);
ToolBatch sample_batch();
ToolReply sample_reply(int variant);
ToolReplies sample_replies();
agent::SessionSpec sample_spec();
// `listener` should be a live actor, so that the handle is not the default.
SessionOrder sample_order(output_listener listener);
agent::SessionOutcome sample_outcome();
agent::OutputChunk sample_chunk();
WorkerStatus sample_worker_status();
SupervisorStatus sample_supervisor_status();
ToolHostStatus sample_tool_host_status();
SupervisorSurvey sample_supervisor_survey();
jobs::PipelineOutcome sample_pipeline_outcome();
NodeHello sample_node_hello();
NodeView sample_node_view(int variant);
std::vector<NodeView> sample_node_views();
// Its deadline is `deadline`.
RunnerJob sample_runner_job(std::chrono::steady_clock::time_point deadline);

// Actors of the two handle types that messages carry (they answer with empty values), stopped
// when this goes.
class SampleActors {
 public:
  explicit SampleActors(caf::actor_system& system);
  ~SampleActors();
  SampleActors(const SampleActors&) = delete;
  SampleActors& operator=(const SampleActors&) = delete;

  output_listener listener;
  tool_host_actor host;
  model_worker_actor worker;
  supervisor_actor supervisor;
  node_agent_actor agent;
  cluster_actor cluster;
};

void expect_same(const tools::ToolCall& a, const tools::ToolCall& b);
void expect_same(const tools::ToolResult& a, const tools::ToolResult& b);
void expect_same(const ToolRequest& a, const ToolRequest& b);
void expect_same(const ToolBatch& a, const ToolBatch& b);
void expect_same(const ToolReply& a, const ToolReply& b);
void expect_same(const ToolReplies& a, const ToolReplies& b);
void expect_same(const agent::SessionSpec& a, const agent::SessionSpec& b);
void expect_same(const SessionOrder& a, const SessionOrder& b);
void expect_same(const agent::CompletedCall& a, const agent::CompletedCall& b);
void expect_same(const agent::SessionOutcome& a, const agent::SessionOutcome& b);
void expect_same(const agent::OutputChunk& a, const agent::OutputChunk& b);
void expect_same(const WorkerStatus& a, const WorkerStatus& b);
void expect_same(const SupervisorStatus& a, const SupervisorStatus& b);
void expect_same(const ToolHostStatus& a, const ToolHostStatus& b);
void expect_same(const SupervisorSurvey& a, const SupervisorSurvey& b);
void expect_same(const jobs::PipelineOutcome& a, const jobs::PipelineOutcome& b);
// The deadline of `b` may be later than that of `a` by up to `slack` (the time in transit, which
// the wire does not count), never earlier.
void expect_same(const RunnerJob& a, const RunnerJob& b, std::chrono::milliseconds slack);
void expect_same(const NodeHello& a, const NodeHello& b);
void expect_same(const NodeView& a, const NodeView& b);
void expect_same(const std::vector<NodeView>& a, const std::vector<NodeView>& b);
// Actor handles: the same actor (its address) on both sides.
template <class Handle>
void expect_same(const Handle& a, const Handle& b) requires requires {
  a.address();
}
{
  EXPECT_TRUE(a);
  EXPECT_EQ(caf::to_string(a.address()), caf::to_string(b.address()));
}

// Calls `check(name, value, compare)` with a sample of every registered message type, `name`
// being the name it is registered under; `compare(sent, arrived)` compares the two field by
// field. A deadline may arrive later than it was sent by up to `slack`.
template <class Check>
void for_each_sample(const SampleActors& actors, std::chrono::milliseconds slack, Check&& check) {
  auto same = [](const auto& sent, const auto& arrived) { expect_same(sent, arrived); };
  check("recur.ToolBatch", sample_batch(), same);
  check("recur.ToolReplies", sample_replies(), same);
  check("recur.ToolReply", sample_reply(5), same);
  check("recur.RunnerJob", sample_runner_job(std::chrono::steady_clock::now() + slack * 10),
        [slack](const RunnerJob& sent, const RunnerJob& arrived) {
          expect_same(sent, arrived, slack);
        });
  check("recur.SessionOrder", sample_order(actors.listener), same);
  check("recur.SessionOutcome", sample_outcome(), same);
  check("recur.OutputChunk", sample_chunk(), same);
  check("recur.WorkerStatus", sample_worker_status(), same);
  check("recur.SupervisorStatus", sample_supervisor_status(), same);
  check("recur.ToolHostStatus", sample_tool_host_status(), same);
  check("recur.SupervisorSurvey", sample_supervisor_survey(), same);
  check("recur.PipelineOutcome", sample_pipeline_outcome(), same);
  check("recur.tool_host_actor", actors.host, same);
  check("recur.NodeHello", sample_node_hello(), same);
  check("recur.NodeView", sample_node_view(3), same);
  check("recur.NodeViews", sample_node_views(), same);
  check("recur.model_worker_actor", actors.worker, same);
  check("recur.supervisor_actor", actors.supervisor, same);
  check("recur.node_agent_actor", actors.agent, same);
  check("recur.cluster_actor", actors.cluster, same);
}

// Serializes `value` with caf::binary_serializer.
template <class T>
std::vector<char> to_bytes(caf::actor_system& system, const T& value) {
  std::vector<char> bytes;
  caf::binary_serializer sink{system, bytes};
  T copy = value;
  if (auto error = sink(copy)) ADD_FAILURE() << "serializing: " << caf::to_string(error);
  return bytes;
}

// Deserializes a T from `bytes` with caf::binary_deserializer; the error when that fails or bytes
// are left over.
template <class T>
caf::expected<T> from_bytes(caf::actor_system& system, const std::vector<char>& bytes) {
  T value;
  caf::binary_deserializer source{system, bytes};
  if (auto error = source(value)) return error;
  if (source.remaining() != 0) return caf::make_error(caf::sec::invalid_argument, "bytes left");
  return value;
}

}  // namespace recur::actors::wire
