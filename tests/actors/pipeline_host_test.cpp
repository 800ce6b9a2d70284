// Pipeline hosts on the actor runtime: several pipelines share one supervisor's worker, each keeps
// to its bound of concurrent agents, their tool calls reach the supervisor's tool hosts, a
// cancelled pipeline ends as cancelled with its agents cancelled, and a script that computes
// without end is stopped by its time budget or an interrupt.
#include "actors/pipeline_host.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <thread>

#include "support/plain_loop.hpp"
#include "support/session_scripts.hpp"

namespace recur::actors {
namespace {

using namespace std::chrono_literals;

const char* kScript = R"(
local hs = {}
for i = 1, 8 do
  hs[i] = agent.start{prompt = i .. " + " .. (i + 1) .. " =", max_tokens = 200}
end
for i, r in ipairs(agent.await_all(hs)) do
  local check = tool.call("expr", {expression = i .. " + " .. (i + 1)})
  report.row{i = i, ok = r.output:gsub(" ", "") == tostring(math.tointeger(check.value))}
end
)";

class PipelineHostTest : public ::testing::Test {
 protected:
  PipelineHostTest()
      : bundle(testing::load_bundle(std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer")) {
    SupervisorSetup s;
    WorkerSetup w;
    w.model = bundle.model;
    w.tokenizer = bundle.tokenizer;
    auto model = bundle.model;
    w.make_backend = [model]() -> Result<std::unique_ptr<Backend>> {
      return make_cpu_backend(model, 1, 64);
    };
    w.slots = 64;
    s.workers.push_back(std::move(w));
    s.registry = testing::lua_registry();
    supervisor = spawn_supervisor(system, std::move(s));
  }
  ~PipelineHostTest() override { caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown); }

  std::shared_ptr<jobs::PipelineScript> script(const std::string& source) {
    auto s = jobs::PipelineScript::open(source, "host.lua", {}, {});
    EXPECT_TRUE(s.ok()) << s.error().message;
    return std::move(*s);
  }

  // Runs `host` and returns its outcome, or fails the test when none comes within 30 s (then
  // interrupts `s`, so that the host ends).
  std::optional<jobs::PipelineOutcome> outcome_within_watchdog(
      pipeline_host_actor host, const std::shared_ptr<jobs::PipelineScript>& s) {
    std::optional<jobs::PipelineOutcome> outcome;
    caf::scoped_actor self{system};
    self->request(host, 30s, run_atom::value)
        .receive([&](jobs::PipelineOutcome& o) { outcome = o; },
                 [&](caf::error& e) {
                   ADD_FAILURE() << "no outcome within 30 s: " << system.render(e);
                 });
    if (!outcome) s->interrupt(jobs::JobStatus::cancelled, "the test gave up");
    return outcome;
  }

  pipeline_host_actor host(std::shared_ptr<jobs::PipelineScript> s, std::size_t concurrency,
                           const std::string& name) {
    PipelineHostSetup setup;
    setup.script = std::move(s);
    auto sup = supervisor;
    setup.agents = [sup](const std::string&) -> Result<supervisor_actor> { return sup; };
    setup.tools = supervisor;
    setup.scope = "pipeline/" + name;
    setup.session_prefix = name + "/agent";
    setup.concurrency = concurrency;
    setup.max_wall = max_wall;
    return spawn_pipeline_host(system, std::move(setup));
  }

  std::chrono::milliseconds max_wall{0};

  testing::LoadedBundle bundle;
  RuntimeConfig config{2};
  caf::actor_system system{config};
  supervisor_actor supervisor;
};

TEST_F(PipelineHostTest, PipelinesShareOneWorkerAndKeepToTheirConcurrency) {
  auto a = script(kScript), b = script(kScript);
  auto ha = host(a, 2, "a"), hb = host(b, 3, "b");
  // Watch the supervisor while both run: never more sessions than the two bounds allow.
  std::atomic<bool> done{false};
  std::atomic<std::uint64_t> most{0};
  std::thread watcher([&] {
    caf::scoped_actor self{system};
    while (!done) {
      self->request(supervisor, caf::infinite, status_atom::value)
          .receive([&](SupervisorStatus& st) { most = std::max<std::uint64_t>(most, st.running); },
                   [](caf::error&) {});
      std::this_thread::sleep_for(1ms);
    }
  });
  caf::scoped_actor self{system};
  std::vector<jobs::PipelineOutcome> outcomes;
  for (auto h : {ha, hb})
    self->request(h, caf::infinite, run_atom::value)
        .receive([&](jobs::PipelineOutcome& o) { outcomes.push_back(o); },
                 [&](caf::error& e) { ADD_FAILURE() << system.render(e); });
  done = true;
  watcher.join();
  ASSERT_EQ(outcomes.size(), 2u);
  for (const auto& o : outcomes) {
    EXPECT_EQ(o.status, jobs::JobStatus::finished) << o.error;
    EXPECT_EQ(o.calls, 16u);
  }
  for (auto* s : {a.get(), b.get()}) {
    ASSERT_EQ(s->report().rows().size(), 8u);
    for (const auto& row : s->report().rows()) EXPECT_EQ(row["ok"], true) << row.dump();
  }
  EXPECT_GE(most.load(), 2u);
  EXPECT_LE(most.load(), 5u);
}

TEST_F(PipelineHostTest, ACancelledPipelineEndsAsCancelled) {
  auto s = script("for i = 1, 1000 do agent.run{prompt = '9 9 9 + 1 =', max_tokens = 400} end");
  auto h = host(s, 1, "c");
  caf::scoped_actor self{system};
  auto pending = self->request(h, caf::infinite, run_atom::value);
  std::this_thread::sleep_for(50ms);
  caf::anon_send(h, cancel_atom::value);
  pending.receive(
      [&](jobs::PipelineOutcome& o) {
        EXPECT_EQ(o.status, jobs::JobStatus::cancelled);
        EXPECT_LT(o.calls, 1000u);
      },
      [&](caf::error& e) { ADD_FAILURE() << system.render(e); });
}

TEST_F(PipelineHostTest, AnAgentPoolErrorIsAFailedCallTheScriptHandles) {
  auto s = script(
      "local r, err = agent.run{prompt = '1 + 1 =', model = 'nowhere'}\n"
      "report.row{err = err}");
  PipelineHostSetup setup;
  setup.script = s;
  setup.agents = [](const std::string& model) -> Result<supervisor_actor> {
    return fail(ErrorCode::not_found, "no bundle in " + model);
  };
  setup.tools = supervisor;
  auto h = spawn_pipeline_host(system, std::move(setup));
  caf::scoped_actor self{system};
  self->request(h, caf::infinite, run_atom::value)
      .receive(
          [&](jobs::PipelineOutcome& o) {
            EXPECT_EQ(o.status, jobs::JobStatus::finished) << o.error;
          },
          [&](caf::error& e) { ADD_FAILURE() << system.render(e); });
  EXPECT_EQ(s->report().rows()[0]["err"], "no bundle in nowhere");
}

TEST_F(PipelineHostTest, AScriptComputingWithoutEndIsStoppedByItsTimeBudget) {
  auto s = script("while true do end");
  max_wall = 500ms;
  auto outcome = outcome_within_watchdog(host(s, 1, "w"), s);
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status, jobs::JobStatus::over_budget);
  EXPECT_EQ(outcome->error,
            "budget: the pipeline ran past its time budget of 500 ms (max_wall_ms)");
}

TEST_F(PipelineHostTest, AnInterruptStopsAScriptComputingWithoutEnd) {
  auto s = script("while true do pcall(function() while true do end end) end");
  auto h = host(s, 1, "i");
  std::thread canceller([s, h] {
    std::this_thread::sleep_for(200ms);
    // What a cancel does: the interrupt ends the computation, the message a wait for calls.
    s->interrupt(jobs::JobStatus::cancelled, "cancelled");
    caf::anon_send(h, cancel_atom::value);
  });
  auto outcome = outcome_within_watchdog(h, s);
  canceller.join();
  ASSERT_TRUE(outcome.has_value());
  EXPECT_EQ(outcome->status, jobs::JobStatus::cancelled);
  EXPECT_EQ(outcome->error, "cancelled");
}

}  // namespace
}  // namespace recur::actors
