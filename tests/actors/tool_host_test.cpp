// A tool host answers a batch with one reply per call, in order; runs blocking calls on threads of
// their own, one scope's calls in order and different scopes' calls side by side; answers a call
// that outlives its deadline with an error on time; and turns tool errors, refused arguments and
// unknown tools into error results.
#include "actors/tool_host.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "gate.hpp"

namespace recur::actors {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

using testing::Gate;

// Test tools: echo {text}; sleep {ms?, hold?} (ignores its deadline, as a stuck tool would);
// broken (always fails); log {op: append|read, text?, ms?, meet?} keeps one text per scope. "hold"
// waits for the gate to open and "meet" for another meeting call, before the rest of the call.
class TestTool : public tools::Tool {
 public:
  TestTool(std::string name, Json schema, std::shared_ptr<Gate> gate)
      : d_{std::move(name), "test tool", std::move(schema)}, gate_(std::move(gate)) {}
  const tools::ToolDescription& description() const override { return d_; }
  tools::ToolResult call(const Json& args, const tools::CallContext& context) override {
    if (d_.name == "echo") return tools::ToolResult::text(args.at("text").get<std::string>());
    if (d_.name == "broken") return tools::ToolResult::error("disk on fire");
    if (args.contains("ms")) std::this_thread::sleep_for(std::chrono::milliseconds(args["ms"]));
    if (args.contains("hold") && !gate_->hold()) return tools::ToolResult::error("gate shut");
    if (args.contains("meet") && !gate_->meet()) return tools::ToolResult::error("met nobody");
    if (d_.name == "sleep") return tools::ToolResult::text("slept");
    std::lock_guard<std::mutex> lock(mutex_);
    if (args.at("op") == "append") logs_[context.scope] += args.at("text").get<std::string>();
    return tools::ToolResult::text(logs_[context.scope]);
  }

 private:
  tools::ToolDescription d_;
  std::shared_ptr<Gate> gate_;
  std::mutex mutex_;
  std::map<std::string, std::string> logs_;
};

std::shared_ptr<const tools::Registry> test_registry(const std::shared_ptr<Gate>& gate) {
  auto r = std::make_shared<tools::Registry>();
  const Json object = {{"type", "object"}};
  EXPECT_TRUE(
      r->add(std::make_unique<TestTool>("echo",
                                        Json{{"type", "object"},
                                             {"properties", {{"text", {{"type", "string"}}}}},
                                             {"required", {"text"}}},
                                        gate))
          .ok());
  EXPECT_TRUE(r->add(std::make_unique<TestTool>("sleep", object, gate)).ok());
  EXPECT_TRUE(r->add(std::make_unique<TestTool>("broken", object, gate)).ok());
  EXPECT_TRUE(r->add(std::make_unique<TestTool>("log", object, gate)).ok());
  return r;
}

std::string numbered(std::string prefix, int i) {
  prefix.append(std::to_string(i));
  return prefix;
}

ToolRequest request(std::string id, std::string name, Json args, std::string scope,
                    std::uint32_t deadline_ms = 0) {
  return {{std::move(id), std::move(name), std::move(args)}, std::move(scope), deadline_ms};
}

class ToolHostTest : public ::testing::Test {
 protected:
  // Sends one batch and waits for its replies, with the time it took.
  ToolReplies call(const tool_host_actor& host, ToolBatch batch, double* ms = nullptr) {
    caf::scoped_actor self{system_};
    ToolReplies out;
    const auto t0 = Clock::now();
    self->request(host, 10s, call_atom::value, std::move(batch))
        .receive([&](ToolReplies& r) { out = std::move(r); },
                 [&](caf::error& e) { ADD_FAILURE() << error_text(e); });
    if (ms) *ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    return out;
  }
  tool_host_actor host(const std::string& tool, std::size_t parallel = 4) {
    auto h = spawn_tool_host(system_, registry_, tool, {10s, parallel});
    hosts_.push_back(h);
    return h;
  }
  void TearDown() override {
    gate_->open();
    for (auto& h : hosts_) caf::anon_send_exit(h, caf::exit_reason::user_shutdown);
  }

  RuntimeConfig config_{2};
  caf::actor_system system_{config_};
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::shared_ptr<const tools::Registry> registry_ = test_registry(gate_);
  std::vector<tool_host_actor> hosts_;
};

TEST_F(ToolHostTest, ABatchGetsOneReplyPerCallInOrder) {
  auto echo = host("echo");
  ToolBatch batch;
  for (int i = 0; i < 6; ++i)
    batch.requests.push_back(request(numbered("c", i), "echo", {{"text", numbered("hello ", i)}},
                                     numbered("session", i % 3)));
  auto replies = call(echo, batch);
  ASSERT_EQ(replies.replies.size(), 6u);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(replies.replies[i].call_id, numbered("c", i));
    EXPECT_FALSE(replies.replies[i].result.is_error);
    EXPECT_EQ(replies.replies[i].result.joined_text(), numbered("hello ", i));
  }
  EXPECT_TRUE(call(echo, {}).replies.empty());
}

TEST_F(ToolHostTest, ACallPastItsDeadlineIsAnsweredWithAnErrorWhenTheDeadlinePasses) {
  auto sleep = host("sleep");
  ToolBatch batch;
  // The slow call holds until the gate opens, which happens only after the replies came back.
  batch.requests.push_back(request("slow", "sleep", {{"hold", true}}, "a", 100));
  batch.requests.push_back(request("quick", "sleep", {{"ms", 10}}, "b", 2000));
  double ms = 0;
  auto replies = call(sleep, batch, &ms);
  gate_->open();
  ASSERT_EQ(replies.replies.size(), 2u);
  EXPECT_TRUE(replies.replies[0].result.is_error);
  EXPECT_NE(replies.replies[0].result.joined_text().find("deadline of 100 ms"), std::string::npos)
      << replies.replies[0].result.joined_text();
  EXPECT_FALSE(replies.replies[1].result.is_error);
  EXPECT_EQ(replies.replies[1].result.joined_text(), "slept");
  EXPECT_GE(ms, 95.0);
}

TEST_F(ToolHostTest, ToolErrorsAndRefusedArgumentsAreErrorResults) {
  auto broken = host("broken");
  auto echo = host("echo");
  auto r = call(broken, {{request("b", "broken", Json::object(), "s")}});
  ASSERT_EQ(r.replies.size(), 1u);
  EXPECT_TRUE(r.replies[0].result.is_error);
  EXPECT_EQ(r.replies[0].result.joined_text(), "disk on fire");
  auto refused = call(echo, {{request("e", "echo", {{"text", 5}}, "s")}});
  ASSERT_EQ(refused.replies.size(), 1u);
  EXPECT_TRUE(refused.replies[0].result.is_error);
  EXPECT_NE(refused.replies[0].result.joined_text().find("text"), std::string::npos);
}

TEST_F(ToolHostTest, ACallOfAnotherToolIsAnErrorResult) {
  auto echo = host("echo");
  auto r = call(echo, {{request("x", "nosuch", Json::object(), "s"),
                        request("y", "echo", {{"text", "still here"}}, "s")}});
  ASSERT_EQ(r.replies.size(), 2u);
  EXPECT_TRUE(r.replies[0].result.is_error);
  EXPECT_NE(r.replies[0].result.joined_text().find("unknown tool 'nosuch'"), std::string::npos);
  EXPECT_EQ(r.replies[1].result.joined_text(), "still here");
}

TEST_F(ToolHostTest, OneScopesCallsRunInOrderOtherScopesSideBySide) {
  auto log = host("log");
  // The two scopes' appends meet, so they must run at the same time; in scope a the read waits for
  // the append before it, which itself waits for the meeting.
  auto r =
      call(log, {{request("1", "log", {{"op", "append"}, {"text", "x"}, {"meet", true}}, "a"),
                  request("2", "log", {{"op", "read"}}, "a"),
                  request("3", "log", {{"op", "append"}, {"text", "y"}, {"meet", true}}, "b")}});
  ASSERT_EQ(r.replies.size(), 3u);
  EXPECT_EQ(r.replies[0].result.joined_text(), "x");
  EXPECT_EQ(r.replies[1].result.joined_text(), "x");
  EXPECT_EQ(r.replies[2].result.joined_text(), "y");
  double ms = 0;
  auto sequential =
      call(log,
           {{request("4", "log", {{"op", "append"}, {"text", "z"}, {"ms", 300}}, "c"),
             request("5", "log", {{"op", "append"}, {"text", "z"}, {"ms", 300}}, "c")}},
           &ms);
  EXPECT_EQ(sequential.replies[1].result.joined_text(), "zz");
  EXPECT_GE(ms, 595.0);
}

TEST_F(ToolHostTest, ABlockingCallHoldsUpNeitherTheHostNorOtherHosts) {
  auto sleep = host("sleep", 2);
  auto echo = host("echo");
  caf::scoped_actor self{system_};
  // The slow call holds until the quick ones have answered: were the host blocked, they could not.
  auto slow = self->request(sleep, 30s, call_atom::value,
                            ToolBatch{{request("s", "sleep", {{"hold", true}}, "a")}});
  auto quick = call(sleep, {{request("q", "sleep", {{"ms", 1}}, "b")}});
  EXPECT_EQ(quick.replies.at(0).result.joined_text(), "slept");
  auto other = call(echo, {{request("e", "echo", {{"text", "ok"}}, "b")}});
  EXPECT_EQ(other.replies.at(0).result.joined_text(), "ok");
  gate_->open();
  slow.receive([](ToolReplies& r) { EXPECT_EQ(r.replies.at(0).result.joined_text(), "slept"); },
               [](caf::error& e) { ADD_FAILURE() << error_text(e); });
}

TEST_F(ToolHostTest, ItsStatusCountsCallsErrorsTimeoutsAndTheCallsRunningAndQueued) {
  // One sender for the calls and the readings: CAF keeps the order of one sender's messages.
  caf::scoped_actor self{system_};
  auto status = [&](const tool_host_actor& h) {
    ToolHostStatus st;
    self->request(h, 10s, status_atom::value)
        .receive([&](ToolHostStatus& s) { st = std::move(s); },
                 [&](caf::error& e) { ADD_FAILURE() << error_text(e); });
    return st;
  };
  auto echo = host("echo");
  call(echo, {{request("1", "echo", {{"text", "a"}}, "s"), request("2", "echo", {{"text", 5}}, "s"),
               request("3", "nosuch", Json::object(), "s")}});
  ToolHostStatus st = status(echo);
  EXPECT_EQ(st.tool, "echo");
  EXPECT_EQ(st.calls, 3u);
  EXPECT_EQ(st.errors, 2u);  // refused arguments, another tool's call
  EXPECT_EQ(st.timeouts, 0u);
  EXPECT_EQ(st.running, 0u);
  EXPECT_EQ(st.queued, 0u);
  ASSERT_EQ(st.call_seconds.counts.size(), kToolCallSecondsBounds.size() + 1);
  EXPECT_EQ(st.call_seconds.count(), 3u);

  // A call held past its deadline is answered as a timeout and keeps running; the next call of its
  // scope waits behind it.
  auto sleep = host("sleep");
  call(sleep, {{request("held", "sleep", {{"hold", true}}, "a", 100)}});
  auto behind = self->request(sleep, 30s, call_atom::value,
                              ToolBatch{{request("behind", "sleep", Json::object(), "a")}});
  st = status(sleep);
  EXPECT_EQ(st.calls, 1u);
  EXPECT_EQ(st.errors, 1u);
  EXPECT_EQ(st.timeouts, 1u);
  EXPECT_EQ(st.running, 1u);
  EXPECT_EQ(st.queued, 1u);
  gate_->open();
  behind.receive([](ToolReplies& r) { EXPECT_EQ(r.replies.at(0).result.joined_text(), "slept"); },
                 [](caf::error& e) { ADD_FAILURE() << error_text(e); });
  st = status(sleep);
  EXPECT_EQ(st.calls, 2u);
  EXPECT_EQ(st.errors, 1u);
  EXPECT_EQ(st.running, 0u);
  EXPECT_EQ(st.queued, 0u);
}

}  // namespace
}  // namespace recur::actors
