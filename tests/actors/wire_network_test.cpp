// Messages cross CAF's middleman between two actor systems: one publishes an actor on 127.0.0.1
// (an ephemeral port), the other reaches it with remote_actor. A value of every registered type
// comes back from an echo as it went; a tool host answers a batch from the other system. Every
// request gives up after a few seconds.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <type_traits>

#include <caf/io/all.hpp>
#include "actors/tool_host.hpp"
#include "tools/registry/registry.hpp"
#include "wire_samples.hpp"

namespace recur::actors::wire {
namespace {

using namespace std::chrono_literals;

// Answers a value of every message type with the value.
caf::behavior echo() {
  return {
      [](ToolBatch& x) { return std::move(x); },
      [](ToolReplies& x) { return std::move(x); },
      [](ToolReply& x) { return std::move(x); },
      [](RunnerJob& x) { return std::move(x); },
      [](SessionOrder& x) { return std::move(x); },
      [](agent::SessionOutcome& x) { return std::move(x); },
      [](agent::OutputChunk& x) { return std::move(x); },
      [](WorkerStatus& x) { return std::move(x); },
      [](SupervisorStatus& x) { return std::move(x); },
      [](ToolHostStatus& x) { return std::move(x); },
      [](SupervisorSurvey& x) { return std::move(x); },
      [](jobs::PipelineOutcome& x) { return std::move(x); },
      [](tool_host_actor& x) { return std::move(x); },
      [](NodeHello& x) { return std::move(x); },
      [](NodeView& x) { return std::move(x); },
      [](std::vector<NodeView>& x) { return std::move(x); },
      [](model_worker_actor& x) { return std::move(x); },
      [](supervisor_actor& x) { return std::move(x); },
      [](node_agent_actor& x) { return std::move(x); },
      [](cluster_actor& x) { return std::move(x); },
  };
}

class WireNetwork : public ::testing::Test {
 protected:
  // Publishes `actor` on the server at an ephemeral port of 127.0.0.1 and reaches it from the
  // client.
  template <class Handle>
  Handle reach(const Handle& actor) {
    auto port = server_.middleman().publish(actor, 0, "127.0.0.1");
    EXPECT_TRUE(port) << caf::to_string(port.error());
    if (!port) return {};
    auto remote = client_.middleman().template remote_actor<Handle>("127.0.0.1", *port);
    EXPECT_TRUE(remote) << caf::to_string(remote.error());
    return remote ? *remote : Handle{};
  }

  RuntimeConfig server_config_{2, Transport::network};
  caf::actor_system server_{server_config_};
  RuntimeConfig client_config_{2, Transport::network};
  caf::actor_system client_{client_config_};
};

TEST_F(WireNetwork, AValueOfEveryTypeComesBackFromAnEchoAsItWent) {
  auto local_echo = server_.spawn(echo);
  auto remote_echo = reach(local_echo);
  ASSERT_TRUE(remote_echo);
  EXPECT_NE(remote_echo.node(), client_.node());

  SampleActors actors(client_);
  int echoed = 0;
  caf::scoped_actor self{client_};
  for_each_sample(actors, 5s, [&](const std::string& name, const auto& value, const auto& compare) {
    using T = std::decay_t<decltype(value)>;
    SCOPED_TRACE(name);
    self->request(remote_echo, 5s, value)
        .receive(
            [&](T& back) {
              compare(value, back);
              ++echoed;
            },
            [&](caf::error& error) { ADD_FAILURE() << name << ": " << error_text(error); });
  });
  EXPECT_EQ(echoed, 20);
  caf::anon_send_exit(local_echo, caf::exit_reason::user_shutdown);
}

TEST_F(WireNetwork, AToolHostAnswersABatchFromAnotherSystem) {
  auto registry = tools::Registry::from_json(
      {{"tools", {{{"type", "lua"}, {"dir", "tools/lua/tools"}}}}}, RECUR_SOURCE_DIR);
  ASSERT_TRUE(registry) << registry.error().message;
  auto shared = std::make_shared<const tools::Registry>(std::move(*registry));
  auto local_host = spawn_tool_host(server_, shared, "expr", {5s, 2});
  auto remote_host = reach(local_host);
  ASSERT_TRUE(remote_host);

  ToolBatch batch;
  batch.requests = {
      {{"c1", "expr", {{"expression", "6 * 7"}}}, "session-1", 0},
      {{"c2", "expr", {{"expression", "2 * r ^ 2"}, {"variables", {{"r", 3}}}}}, "session-2", 0},
      {{"c3", "expr", {{"expression", "1 +"}}}, "session-1", 0},
      {{"c4", "bigint", {{"op", "add"}}}, "session-1", 0},
  };
  ToolReplies replies;
  caf::scoped_actor self{client_};
  self->request(remote_host, 5s, call_atom::value, batch)
      .receive([&](ToolReplies& r) { replies = std::move(r); },
               [&](caf::error& error) { ADD_FAILURE() << error_text(error); });
  ASSERT_EQ(replies.replies.size(), 4u);
  EXPECT_EQ(replies.replies[0].call_id, "c1");
  EXPECT_FALSE(replies.replies[0].result.is_error) << replies.replies[0].result.joined_text();
  EXPECT_EQ(replies.replies[0].result.structured, (Json{{"value", 42}}));
  EXPECT_EQ(replies.replies[1].call_id, "c2");
  EXPECT_EQ(replies.replies[1].result.structured, (Json{{"value", 18}}));
  EXPECT_EQ(replies.replies[2].call_id, "c3");
  EXPECT_TRUE(replies.replies[2].result.is_error);
  EXPECT_NE(replies.replies[2].result.joined_text().find("position"), std::string::npos)
      << replies.replies[2].result.joined_text();
  EXPECT_EQ(replies.replies[3].call_id, "c4");
  EXPECT_TRUE(replies.replies[3].result.is_error);
  for (const auto& reply : replies.replies) EXPECT_GE(reply.ms, 0.0);
  caf::anon_send_exit(local_host, caf::exit_reason::user_shutdown);
}

}  // namespace
}  // namespace recur::actors::wire
