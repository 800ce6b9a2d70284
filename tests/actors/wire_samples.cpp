#include "wire_samples.hpp"

#include <limits>
#include <string>

namespace recur::actors::wire {

using Clock = std::chrono::steady_clock;

Json sample_json(int variant) {
  return {
      {"variant", variant},
      {"text", "grüße, 世界 ✓ 🦀 \"quoted\" tab\there\ncontrol \x01"},
      {"numbers",
       {0, -17, 3.25, 0.1, 1e300, std::numeric_limits<std::uint64_t>::max(),
        std::numeric_limits<std::int64_t>::min()}},
      {"nested", {{"ключ", {{"deeper", {true, false, nullptr, Json::object(), Json::array()}}}}}},
      {"empty", ""},
  };
}

tools::ToolCall sample_call(int variant) {
  return {"call-" + std::to_string(variant),
          "expr",
          {{"expression", "2*pi*r^2"},
           {"variables", {{"r", 1.5 + variant}}},
           {"extra", sample_json(variant)}}};
}

tools::ToolResult sample_result(int variant) {
  tools::ToolResult result;
  result.content = Json::array({{{"type", "text"}, {"text", "résultat " + std::to_string(variant)}},
                                {{"type", "text"}, {"text", "第二"}}});
  result.is_error = true;
  result.structured = sample_json(variant + 100);
  return result;
}

ToolRequest sample_request(int variant) {
  return {sample_call(variant), "scope-ü-" + std::to_string(variant),
          static_cast<std::uint32_t>(1234 + variant)};
}

ToolBatch sample_batch() {
  return {{sample_request(1), sample_request(2), sample_request(3)}};
}

ToolReply sample_reply(int variant) {
  return {"call-" + std::to_string(variant), sample_result(variant), 12.5 + variant};
}

ToolReplies sample_replies() {
  return {{sample_reply(1), sample_reply(2)}};
}

agent::SessionSpec sample_spec() {
  agent::SessionSpec spec;
  spec.id = "session-✓-7";
  spec.prompt = "Compute 2+2 — then explain. ¿Por qué?";
  spec.sampling = {0.75f, 40, 0.875f, 0x123456789abcdefULL};
  spec.budgets = {100, 7, 5000};
  spec.tools = {"expr", "memory", "bigint"};
  return spec;
}

SessionOrder sample_order(output_listener listener) {
  return {sample_spec(), agent::Admission::recover, std::move(listener)};
}

agent::SessionOutcome sample_outcome() {
  agent::SessionOutcome outcome;
  agent::SessionResult& r = outcome.result;
  r.id = "session-✓-7";
  r.status = agent::SessionStatus::failed;
  r.error = "worker lost — 3 times";
  r.output = "the answer is 4 ✓";
  r.output_tokens = {1, 2, 3, std::numeric_limits<TokenId>::max()};
  r.generated = {9, 8, 7, 6, 5, 0, std::numeric_limits<TokenId>::min()};
  r.forced_tokens = 11;
  r.observations = 4;
  for (int i = 0; i < 2; ++i) {
    agent::CompletedCall call;
    call.id = "call-" + std::to_string(i);
    call.name = i == 0 ? "expr" : "memory";
    call.arguments = sample_call(i).arguments;
    call.result = sample_result(i).to_json();
    call.is_error = true;
    call.ms = 3.5 + i;
    r.calls.push_back(std::move(call));
  }
  r.wall_ms = 99.25;
  outcome.timings = {1.5, 2.5, 3.5, 4.5, 17};
  return outcome;
}

agent::OutputChunk sample_chunk() {
  return {"session-✓-7", 17, {5, 6, -1, 1 << 30}};
}

WorkerStatus sample_worker_status() {
  const BucketCounts steps{{0, 5, 900, 90, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 4.875};
  const BucketCounts batches{{100, 0, 50, 850}, 6000.5};
  return {"cuda:1", 64,  12,   1000, 5000, 6000,      70,    8,       9,
          1.25,     2.5, 3.75, 4500, 3,    123456789, steps, batches, 1u << 20};
}

SupervisorStatus sample_supervisor_status() {
  return {{1, 2, 3}, {4, 5}, {6, 7, 8, 9}, {1}, 3, {10.5, 20.25, 40.125}, 5, 6, 7};
}

ToolHostStatus sample_tool_host_status() {
  return {"memory-ü", 40, 7, 2, 3, 11, {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 0}, 17.25}};
}

SupervisorSurvey sample_supervisor_survey() {
  WorkerStatus second = sample_worker_status();
  second.device = "cuda:2";
  second.generated = 17;
  ToolHostStatus other = sample_tool_host_status();
  other.tool = "expr";
  other.call_seconds = {};
  return {sample_supervisor_status(),
          {{ChildState::up, 64, sample_worker_status(), ""},
           {ChildState::silent, 32, second, "node-7 ✓"}},
          {{ChildState::retired, sample_tool_host_status()}, {ChildState::down, other}}};
}

jobs::PipelineOutcome sample_pipeline_outcome() {
  return {jobs::JobStatus::cancelled, "cancelled by the user ✓", 42, 4096, 5};
}

RunnerJob sample_runner_job(Clock::time_point deadline) {
  return {0xfedcba9876543210ULL, sample_request(4), deadline};
}

NodeHello sample_node_hello() {
  return {"node-12 ✓", "recur-wire-9", {"cuda:0", "cuda:3"}, 1024, 7};
}

NodeView sample_node_view(int variant) {
  return {"node-" + std::to_string(variant),
          0xfedcba98ULL + static_cast<std::uint64_t>(variant),
          variant % 2 == 0,
          variant % 2 == 0 ? "" : "exit_reason(remote_link_unreachable) ✓",
          {"cpu", "cuda:" + std::to_string(variant)},
          64u + static_cast<std::uint64_t>(variant),
          1796700000000ULL + static_cast<std::uint64_t>(variant),
          1796700000500ULL + static_cast<std::uint64_t>(variant),
          {"/models/a", "/models/b ✓"}};
}

std::vector<NodeView> sample_node_views() {
  return {sample_node_view(1), sample_node_view(2)};
}

SampleActors::SampleActors(caf::actor_system& system)
    : listener(system.spawn([]() -> output_listener::behavior_type {
        return {[](output_atom, const agent::OutputChunk&) {}};
      })),
      host(system.spawn([]() -> tool_host_actor::behavior_type {
        return {[](call_atom, const ToolBatch&) { return ToolReplies{}; },
                [](status_atom) { return ToolHostStatus{}; }};
      })),
      worker(system.spawn([]() -> model_worker_actor::behavior_type {
        return {[](start_atom, const SessionOrder&) {}, [](cancel_atom, const std::string&) {},
                [](tool_atom, const std::string&, const tool_host_actor&) {},
                [](status_atom) { return WorkerStatus{}; }, [](crash_atom) {}};
      })),
      supervisor(system.spawn([]() -> supervisor_actor::behavior_type {
        return {[](run_atom, const SessionOrder&) { return agent::SessionOutcome{}; },
                [](cancel_atom, const std::string&) {},
                [](crash_atom, std::uint32_t) {},
                [](status_atom) { return SupervisorStatus{}; },
                [](survey_atom, std::uint32_t) { return SupervisorSurvey{}; },
                [](call_atom, const ToolBatch&) { return ToolReplies{}; },
                [](adopt_atom, const model_worker_actor&, std::uint64_t, const std::string&) {}};
      })),
      agent(system.spawn([]() -> node_agent_actor::behavior_type {
        return {[](workers_atom, const std::string&, const supervisor_actor&) {}};
      })),
      cluster(system.spawn([]() -> cluster_actor::behavior_type {
        return {
            [](join_atom, const NodeHello&, const node_agent_actor&) { return std::uint64_t{1}; },
            [](model_atom, const std::string&, const supervisor_actor&) {},
            [](heartbeat_atom, const std::string&, std::uint64_t) {},
            [](nodes_atom) { return std::vector<NodeView>{}; }};
      })) {}

SampleActors::~SampleActors() {
  caf::anon_send_exit(listener, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(host, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(worker, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(agent, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(cluster, caf::exit_reason::user_shutdown);
}

void expect_same(const tools::ToolCall& a, const tools::ToolCall& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.arguments, b.arguments);
}

void expect_same(const tools::ToolResult& a, const tools::ToolResult& b) {
  EXPECT_EQ(a.content, b.content);
  EXPECT_EQ(a.is_error, b.is_error);
  EXPECT_EQ(a.structured, b.structured);
}

void expect_same(const ToolRequest& a, const ToolRequest& b) {
  expect_same(a.call, b.call);
  EXPECT_EQ(a.scope, b.scope);
  EXPECT_EQ(a.deadline_ms, b.deadline_ms);
}

void expect_same(const ToolBatch& a, const ToolBatch& b) {
  ASSERT_EQ(a.requests.size(), b.requests.size());
  for (std::size_t i = 0; i < a.requests.size(); ++i) expect_same(a.requests[i], b.requests[i]);
}

void expect_same(const ToolReply& a, const ToolReply& b) {
  EXPECT_EQ(a.call_id, b.call_id);
  expect_same(a.result, b.result);
  EXPECT_EQ(a.ms, b.ms);
}

void expect_same(const ToolReplies& a, const ToolReplies& b) {
  ASSERT_EQ(a.replies.size(), b.replies.size());
  for (std::size_t i = 0; i < a.replies.size(); ++i) expect_same(a.replies[i], b.replies[i]);
}

void expect_same(const agent::SessionSpec& a, const agent::SessionSpec& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.prompt, b.prompt);
  EXPECT_EQ(a.sampling.temperature, b.sampling.temperature);
  EXPECT_EQ(a.sampling.top_k, b.sampling.top_k);
  EXPECT_EQ(a.sampling.top_p, b.sampling.top_p);
  EXPECT_EQ(a.sampling.seed, b.sampling.seed);
  EXPECT_EQ(a.budgets.max_tokens, b.budgets.max_tokens);
  EXPECT_EQ(a.budgets.max_calls, b.budgets.max_calls);
  EXPECT_EQ(a.budgets.max_wall_ms, b.budgets.max_wall_ms);
  EXPECT_EQ(a.tools, b.tools);
}

void expect_same(const SessionOrder& a, const SessionOrder& b) {
  EXPECT_TRUE(a.listener);
  expect_same(a.spec, b.spec);
  EXPECT_EQ(a.admission, b.admission);
  EXPECT_EQ(caf::to_string(a.listener.address()), caf::to_string(b.listener.address()));
}

void expect_same(const agent::CompletedCall& a, const agent::CompletedCall& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.arguments, b.arguments);
  EXPECT_EQ(a.result, b.result);
  EXPECT_EQ(a.is_error, b.is_error);
  EXPECT_EQ(a.ms, b.ms);
}

void expect_same(const agent::SessionOutcome& a, const agent::SessionOutcome& b) {
  const agent::SessionResult& x = a.result;
  const agent::SessionResult& y = b.result;
  EXPECT_EQ(x.id, y.id);
  EXPECT_EQ(x.status, y.status);
  EXPECT_EQ(x.error, y.error);
  EXPECT_EQ(x.output, y.output);
  EXPECT_EQ(x.output_tokens, y.output_tokens);
  EXPECT_EQ(x.generated, y.generated);
  EXPECT_EQ(x.forced_tokens, y.forced_tokens);
  EXPECT_EQ(x.observations, y.observations);
  EXPECT_EQ(x.wall_ms, y.wall_ms);
  ASSERT_EQ(x.calls.size(), y.calls.size());
  for (std::size_t i = 0; i < x.calls.size(); ++i) expect_same(x.calls[i], y.calls[i]);
  EXPECT_EQ(a.timings.prefill_ms, b.timings.prefill_ms);
  EXPECT_EQ(a.timings.decode_ms, b.timings.decode_ms);
  EXPECT_EQ(a.timings.tool_ms, b.timings.tool_ms);
  EXPECT_EQ(a.timings.checkpoint_ms, b.timings.checkpoint_ms);
  EXPECT_EQ(a.timings.forward_passes, b.timings.forward_passes);
}

void expect_same(const agent::OutputChunk& a, const agent::OutputChunk& b) {
  EXPECT_EQ(a.session, b.session);
  EXPECT_EQ(a.offset, b.offset);
  EXPECT_EQ(a.tokens, b.tokens);
}

void expect_same(const WorkerStatus& a, const WorkerStatus& b) {
  EXPECT_EQ(a.device, b.device);
  EXPECT_EQ(a.capacity, b.capacity);
  EXPECT_EQ(a.sessions, b.sessions);
  EXPECT_EQ(a.ticks, b.ticks);
  EXPECT_EQ(a.sequences, b.sequences);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.checkpoints, b.checkpoints);
  EXPECT_EQ(a.checkpoint_ticks, b.checkpoint_ticks);
  EXPECT_EQ(a.synced_writes, b.synced_writes);
  EXPECT_EQ(a.forward_ms, b.forward_ms);
  EXPECT_EQ(a.checkpoint_ms, b.checkpoint_ms);
  EXPECT_EQ(a.busy_ms, b.busy_ms);
  EXPECT_EQ(a.generated, b.generated);
  EXPECT_EQ(a.waiting, b.waiting);
  EXPECT_EQ(a.checkpoint_bytes, b.checkpoint_bytes);
  EXPECT_EQ(a.step_seconds.counts, b.step_seconds.counts);
  EXPECT_EQ(a.step_seconds.sum, b.step_seconds.sum);
  EXPECT_EQ(a.batch_size.counts, b.batch_size.counts);
  EXPECT_EQ(a.batch_size.sum, b.batch_size.sum);
}

void expect_same(const SupervisorStatus& a, const SupervisorStatus& b) {
  EXPECT_EQ(a.worker_restarts, b.worker_restarts);
  EXPECT_EQ(a.worker_sessions, b.worker_sessions);
  EXPECT_EQ(a.worker_placed, b.worker_placed);
  EXPECT_EQ(a.retired, b.retired);
  EXPECT_EQ(a.tool_host_restarts, b.tool_host_restarts);
  EXPECT_EQ(a.backoff_ms, b.backoff_ms);
  EXPECT_EQ(a.running, b.running);
  EXPECT_EQ(a.queued, b.queued);
  EXPECT_EQ(a.recovered, b.recovered);
}

void expect_same(const ToolHostStatus& a, const ToolHostStatus& b) {
  EXPECT_EQ(a.tool, b.tool);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.errors, b.errors);
  EXPECT_EQ(a.timeouts, b.timeouts);
  EXPECT_EQ(a.running, b.running);
  EXPECT_EQ(a.queued, b.queued);
  EXPECT_EQ(a.call_seconds.counts, b.call_seconds.counts);
  EXPECT_EQ(a.call_seconds.sum, b.call_seconds.sum);
}

void expect_same(const SupervisorSurvey& a, const SupervisorSurvey& b) {
  expect_same(a.supervisor, b.supervisor);
  ASSERT_EQ(a.workers.size(), b.workers.size());
  for (std::size_t i = 0; i < a.workers.size(); ++i) {
    EXPECT_EQ(a.workers[i].state, b.workers[i].state);
    EXPECT_EQ(a.workers[i].slots, b.workers[i].slots);
    EXPECT_EQ(a.workers[i].node, b.workers[i].node);
    expect_same(a.workers[i].status, b.workers[i].status);
  }
  ASSERT_EQ(a.tools.size(), b.tools.size());
  for (std::size_t i = 0; i < a.tools.size(); ++i) {
    EXPECT_EQ(a.tools[i].state, b.tools[i].state);
    expect_same(a.tools[i].status, b.tools[i].status);
  }
}

void expect_same(const jobs::PipelineOutcome& a, const jobs::PipelineOutcome& b) {
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.error, b.error);
  EXPECT_EQ(a.calls, b.calls);
  EXPECT_EQ(a.tokens, b.tokens);
  EXPECT_EQ(a.replayed, b.replayed);
}

void expect_same(const RunnerJob& a, const RunnerJob& b, std::chrono::milliseconds slack) {
  EXPECT_EQ(a.ticket, b.ticket);
  expect_same(a.request, b.request);
  EXPECT_GE(b.deadline, a.deadline);
  EXPECT_LE(b.deadline, a.deadline + slack);
}

void expect_same(const NodeHello& a, const NodeHello& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.wire, b.wire);
  EXPECT_EQ(a.devices, b.devices);
  EXPECT_EQ(a.slots, b.slots);
  EXPECT_EQ(a.threads, b.threads);
}

void expect_same(const NodeView& a, const NodeView& b) {
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.up, b.up);
  EXPECT_EQ(a.lost, b.lost);
  EXPECT_EQ(a.devices, b.devices);
  EXPECT_EQ(a.slots, b.slots);
  EXPECT_EQ(a.joined_ms, b.joined_ms);
  EXPECT_EQ(a.heartbeat_ms, b.heartbeat_ms);
  EXPECT_EQ(a.models, b.models);
}

void expect_same(const std::vector<NodeView>& a, const std::vector<NodeView>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) expect_same(a[i], b[i]);
}

}  // namespace recur::actors::wire
