// The pipeline script runtime without actors: the test plays the host. Tool calls are answered by
// the real registry (Lua tools, the memory tool in a temporary store); agent calls by the test.
#include "jobs/pipeline_script.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <thread>

#include "jobs/job_store.hpp"
#include "support/temp_dir.hpp"
#include "tools/registry/registry.hpp"

namespace recur::jobs {
namespace {

using nlohmann::json;

// How long a script that must stop may run before the test gives up on it.
constexpr auto kWatchdog = std::chrono::seconds(30);

// Runs s->start() on a thread of its own; true when it returned within kWatchdog. Otherwise the
// script cannot be stopped: its thread is left behind, keeping the script alive, and the test
// fails instead of hanging.
bool start_within_watchdog(std::shared_ptr<PipelineScript> s) {
  auto returned = std::make_shared<std::promise<void>>();
  auto done = returned->get_future();
  std::thread([s, returned] {
    s->start();
    returned->set_value();
  }).detach();
  return done.wait_for(kWatchdog) == std::future_status::ready;
}

class PipelineScriptTest : public ::testing::Test {
 protected:
  PipelineScriptTest() {
    tools::RegistryOptions options;
    options.store_dir = dir / "store";
    auto r = tools::Registry::load(tools::default_config_path(), options);
    EXPECT_TRUE(r.ok()) << r.error().message;
    registry = std::move(*r);
  }

  std::unique_ptr<PipelineScript> open(const std::string& source, CallJournal record = {},
                                       PipelineOptions options = {}) {
    options.events.log = [this](const std::string& line) { logs.push_back(line); };
    auto s = PipelineScript::open(source, "t.lua", std::move(options), std::move(record));
    EXPECT_TRUE(s.ok()) << s.error().message;
    return s.ok() ? std::move(*s) : nullptr;
  }

  json answer_tool(const PipelineCall& call) {
    tools::ToolCall c{std::to_string(call.seq), call.request["name"], call.request["arguments"]};
    tools::CallContext context;
    context.scope = "pipeline/test";
    auto r = registry.call(c, context);
    if (!r) return {{"error", r.error().message}};
    if (r->is_error) return {{"error", r->joined_text()}};
    return {{"ok", r->structured.is_null() ? json(r->joined_text()) : r->structured}};
  }

  // Answers calls until the script ends: tools by the registry, agents by `agent` (or an echo).
  // Agents are answered last first, to exercise out-of-order completion.
  void drive(PipelineScript& s, std::function<json(const PipelineCall&)> agent = {}) {
    s.start();
    std::vector<PipelineCall> agents;
    while (!s.ended()) {
      auto calls = s.take_calls();
      for (auto& c : calls) {
        ++made;
        if (c.kind == PipelineCall::Kind::tool)
          s.complete(c.seq, answer_tool(c));
        else
          agents.push_back(c);
      }
      if (calls.empty()) {
        if (agents.empty()) break;
        PipelineCall c = agents.back();
        agents.pop_back();
        s.complete(c.seq, agent ? agent(c)
                                : json{{"ok",
                                        {{"id", "a"},
                                         {"status", "finished"},
                                         {"output", c.request["prompt"]},
                                         {"tokens", 3},
                                         {"calls", 0}}}});
      }
    }
  }

  recur::testing::TempDir dir;
  tools::Registry registry;
  std::vector<std::string> logs;
  int made = 0;
};

TEST_F(PipelineScriptTest, ToolCallsSuspendTheScriptAndReturnTheirResults) {
  auto s = open(R"(
    local r = tool.call("expr", {expression = "6 * 7"})
    report.row{answer = r.value}
    local bad, err = tool.call("expr", {expression = "6 *"})
    report.row{answer = bad == nil and "error" or "?", message = err ~= nil}
  )");
  drive(*s);
  ASSERT_EQ(s->status(), JobStatus::finished) << s->error();
  EXPECT_EQ(s->report().rows()[0]["answer"], 42.0);
  EXPECT_EQ(s->report().rows()[1]["answer"], "error");
  EXPECT_EQ(s->report().rows()[1]["message"], true);
  EXPECT_EQ(s->calls_used(), 2u);
}

TEST_F(PipelineScriptTest, MemoryIsScopedAndRoundTrips) {
  auto s = open(R"(
    memory.put("h/1", {law = "a^1.5", score = 0.01})
    memory.put("h/2", {law = "a^2", score = 0.5})
    local v = memory.get("h/1")
    local all = memory.scan("h/")
    memory.append("first line\nsecond line")
    local lines = memory.find("second")
    report.row{law = v.law, n = #all, found = lines[1].text, missing = memory.get("nope") == nil}
  )");
  drive(*s);
  ASSERT_EQ(s->status(), JobStatus::finished) << s->error();
  const auto& row = s->report().rows()[0];
  EXPECT_EQ(row["law"], "a^1.5");
  EXPECT_EQ(row["n"], 2);
  EXPECT_EQ(row["found"], "second line");
  EXPECT_EQ(row["missing"], true);
}

TEST_F(PipelineScriptTest, AgentsRunConcurrentlyAndAwaitAllKeepsTheirOrder) {
  auto s = open(R"(
    local hs = {}
    for i = 1, 5 do hs[i] = agent.start{prompt = "p" .. i, max_tokens = 10} end
    for i, r in ipairs(agent.await_all(hs)) do report.row{i = i, output = r.output} end
    local r, err = agent.run{prompt = "fail"}
    report.row{i = 6, output = err}
  )");
  int outstanding_max = 0, outstanding = 0;
  s->start();
  // All five starts arrive before the script waits.
  auto calls = s->take_calls();
  outstanding = static_cast<int>(calls.size());
  outstanding_max = outstanding;
  EXPECT_EQ(outstanding_max, 5);
  for (auto it = calls.rbegin(); it != calls.rend(); ++it)
    s->complete(it->seq, {{"ok",
                           {{"id", "a"},
                            {"status", "finished"},
                            {"output", it->request["prompt"]},
                            {"tokens", 2},
                            {"calls", 0}}}});
  auto last = s->take_calls();
  ASSERT_EQ(last.size(), 1u);
  s->complete(last[0].seq, {{"ok",
                             {{"id", "x"},
                              {"status", "failed"},
                              {"error", "no free slot"},
                              {"tokens", 0},
                              {"calls", 0}}}});
  ASSERT_EQ(s->status(), JobStatus::finished) << s->error();
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(s->report().rows()[i]["output"], "p" + std::to_string(i + 1));
  EXPECT_EQ(s->report().rows()[5]["output"], "agent x failed: no free slot");
  EXPECT_EQ(s->tokens_used(), 10u);
}

TEST_F(PipelineScriptTest, AResumedScriptReplaysTheRecordWithoutMakingItsCallsAgain) {
  const std::string source = R"(
    local hs = {}
    for i = 1, 4 do hs[i] = agent.start{prompt = "p" .. i} end
    local i, r = agent.await_any(hs)
    report.row{first = i, output = r.output, t = now() > 0, x = math.random(1000000)}
    for j = 1, 3 do
      local v = tool.call("expr", {expression = j .. " + 0.5"})
      report.row{j = j, v = v.value}
      log("step", j)
    end
  )";
  auto store = Store::open(dir / "record");
  ASSERT_TRUE(store.ok());
  JobStore jobs(*store);
  PipelineOptions options;
  options.seed = 99;
  // An uninterrupted run.
  auto clean = open(source, *CallJournal::load(jobs.job_scope("clean")), options);
  drive(*clean);
  ASSERT_EQ(clean->status(), JobStatus::finished) << clean->error();
  const std::string expected = clean->report().to_json().dump();
  const int clean_calls = made;

  // A run stopped after its first tool call, as if killed, then resumed on its record.
  auto first = open(source, *CallJournal::load(jobs.job_scope("job")), options);
  first->start();
  int answered = 0;
  while (!first->ended() && answered < 6) {
    auto calls = first->take_calls();
    for (auto it = calls.rbegin(); it != calls.rend(); ++it, ++answered)
      first->complete(
          it->seq,
          it->kind == PipelineCall::Kind::tool
              ? answer_tool(*it)
              : json{{"ok",
                      {{"status", "finished"}, {"output", it->request["prompt"]}, {"tokens", 1}}}});
  }
  ASSERT_FALSE(first->ended());
  first.reset();
  logs.clear();
  made = 0;
  auto resumed = open(source, *CallJournal::load(jobs.job_scope("job")), options);
  drive(*resumed, [](const PipelineCall&) -> json {
    ADD_FAILURE() << "an agent ran again";
    return {{"error", "ran again"}};
  });
  ASSERT_EQ(resumed->status(), JobStatus::finished) << resumed->error();
  EXPECT_EQ(resumed->report().to_json().dump(), expected);
  EXPECT_EQ(made, clean_calls - 6);
  EXPECT_EQ(resumed->replayed(), 8u);  // 4 agents, the choice, the clock, 2 tool calls
  // Log lines of the replayed part are not printed again.
  EXPECT_EQ(logs.size(), 2u);
}

TEST_F(PipelineScriptTest, AScriptThatTakesAnotherPathOnReplayFailsNamingTheCall) {
  auto store = Store::open(dir / "record");
  ASSERT_TRUE(store.ok());
  JobStore jobs(*store);
  auto first =
      open("tool.call('expr', {expression = '1'})", *CallJournal::load(jobs.job_scope("j")));
  drive(*first);
  auto changed =
      open("tool.call('expr', {expression = '2'})", *CallJournal::load(jobs.job_scope("j")));
  drive(*changed);
  EXPECT_EQ(changed->status(), JobStatus::failed);
  EXPECT_NE(changed->error().find("replay: call 0"), std::string::npos) << changed->error();
}

TEST_F(PipelineScriptTest, LuaErrorsNameTheScriptAndLine) {
  auto s = open("local x = 1\nlocal y = nil\nreturn y.field\n");
  drive(*s);
  EXPECT_EQ(s->status(), JobStatus::failed);
  EXPECT_EQ(s->error().rfind("t.lua:3:", 0), 0u) << s->error();

  auto bad = PipelineScript::open("local = 1", "broken.lua", {}, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message.rfind("broken.lua:1:", 0), 0u) << bad.error().message;

  auto wrong = open("agent.start{prompt = 'x', colour = 'red'}");
  drive(*wrong);
  EXPECT_NE(wrong->error().find("unknown field 'colour'"), std::string::npos) << wrong->error();
}

TEST_F(PipelineScriptTest, ACallBudgetStopsTheScriptAndAPcallCannotCatchIt) {
  PipelineOptions options;
  options.budgets.max_calls = 3;
  auto s = open(R"(
    for i = 1, 10 do
      pcall(tool.call, "expr", {expression = "1"})
      report.row{i = i}
    end
  )",
                {}, options);
  drive(*s);
  EXPECT_EQ(s->status(), JobStatus::over_budget);
  EXPECT_NE(s->error().find("made its 3 calls"), std::string::npos) << s->error();
  EXPECT_EQ(s->report().rows().size(), 3u);  // kept what it had
}

TEST_F(PipelineScriptTest, ATokenBudgetStopsNewAgents) {
  PipelineOptions options;
  options.budgets.max_tokens = 5;
  auto s = open("for i = 1, 10 do agent.run{prompt = 'p'} end", {}, options);
  drive(*s);  // each agent uses 3 tokens
  EXPECT_EQ(s->status(), JobStatus::over_budget);
  EXPECT_NE(s->error().find("6 tokens of 5"), std::string::npos) << s->error();
}

TEST_F(PipelineScriptTest, StopFromOutsideEndsAWaitingScript) {
  auto s = open("agent.run{prompt = 'p'}; report.row{after = true}");
  s->start();
  ASSERT_TRUE(s->waiting());
  s->stop(JobStatus::cancelled, "cancelled");
  EXPECT_TRUE(s->ended());
  EXPECT_EQ(s->status(), JobStatus::cancelled);
  s->complete(0, {{"ok", {{"status", "finished"}, {"output", ""}, {"tokens", 1}}}});
  EXPECT_TRUE(s->report().empty());
}

TEST_F(PipelineScriptTest, AComputingLoopEndsAtTheTimeBudget) {
  PipelineOptions options;
  options.budgets.max_wall_ms = 300;
  for (const char* source : {"while true do end",
                             "local ok = pcall(function() while true do end end)\n"
                             "report.row{escaped = true}"}) {
    std::shared_ptr<PipelineScript> s = open(source, {}, options);
    ASSERT_TRUE(start_within_watchdog(s)) << source;
    EXPECT_EQ(s->status(), JobStatus::over_budget) << source;
    EXPECT_EQ(s->error(), "budget: the pipeline ran past its time budget of 300 ms (max_wall_ms)");
    EXPECT_TRUE(s->report().empty());
  }
}

TEST_F(PipelineScriptTest, AComputingLoopEndsAtTheInstructionBudget) {
  PipelineOptions options;
  options.budgets.max_instructions = 5'000'000;
  std::shared_ptr<PipelineScript> s = open("local n = 0\nwhile true do n = n + 1 end", {}, options);
  ASSERT_TRUE(start_within_watchdog(s));
  EXPECT_EQ(s->status(), JobStatus::over_budget);
  EXPECT_EQ(s->error(),
            "budget: the pipeline's Lua code ran past its budget of 5000000 instructions "
            "(max_instructions) at t.lua:2");
}

TEST_F(PipelineScriptTest, GrowingTablesEndAtTheMemoryBudgetEvenInsidePcall) {
  PipelineOptions options;
  options.budgets.max_memory_bytes = 16u << 20;
  for (const char* source :
       {"local t = {} while true do t[#t + 1] = string.rep('x', 1000) end",
        "pcall(function() local t = {} while true do t[#t + 1] = string.rep('x', 1000) end end)\n"
        "report.row{escaped = true}"}) {
    std::shared_ptr<PipelineScript> s = open(source, {}, options);
    ASSERT_TRUE(start_within_watchdog(s)) << source;
    EXPECT_EQ(s->status(), JobStatus::over_budget) << source;
    EXPECT_EQ(s->error(),
              "budget: the pipeline's Lua code ran past its memory budget of 16 MiB "
              "(max_memory_mb) at t.lua:1");
    EXPECT_TRUE(s->report().empty());
  }
  // The budget is the cap: a string of 24 MiB fits in 64 MiB, not in 16.
  const char* big = "local s = string.rep('x', 24 << 20) report.row{n = #s}";
  auto too_big = open(big, {}, options);
  drive(*too_big);
  EXPECT_EQ(too_big->status(), JobStatus::over_budget);
  options.budgets.max_memory_bytes = 64u << 20;
  auto fits = open(big, {}, options);
  drive(*fits);
  EXPECT_EQ(fits->status(), JobStatus::finished) << fits->error();
}

TEST_F(PipelineScriptTest, LuaBudgetsOfZeroMeanTheDefaults) {
  PipelineOptions options;
  options.budgets.max_instructions = 0;
  options.budgets.max_memory_bytes = 0;
  auto s = open("report.row{x = 1}", {}, options);
  EXPECT_EQ(s->budgets().max_instructions, PipelineBudgets::kDefaultMaxInstructions);
  EXPECT_EQ(s->budgets().max_memory_bytes, PipelineBudgets::kDefaultMaxMemoryBytes);
  EXPECT_EQ(PipelineBudgets{}.max_instructions, 50'000'000'000u);
  EXPECT_EQ(PipelineBudgets{}.max_memory_bytes, 512u << 20);
  drive(*s);
  EXPECT_EQ(s->status(), JobStatus::finished) << s->error();
}

TEST_F(PipelineScriptTest, InterruptFromAnotherThreadEndsAComputingScript) {
  std::shared_ptr<PipelineScript> s =
      open("while true do pcall(function() while true do end end) end");
  std::thread canceller([s] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    s->interrupt(JobStatus::cancelled, "cancelled");
  });
  const bool returned = start_within_watchdog(s);
  canceller.join();
  ASSERT_TRUE(returned);
  EXPECT_EQ(s->status(), JobStatus::cancelled);
  EXPECT_EQ(s->error(), "cancelled");
  s->stop(JobStatus::failed, "too late");  // the first stop wins
  EXPECT_EQ(s->status(), JobStatus::cancelled);
}

TEST_F(PipelineScriptTest, InterruptOfAWaitingScriptEndsItWithoutRunningMore) {
  auto s = open("agent.run{prompt = 'p'}; report.row{after = true}");
  s->start();
  ASSERT_TRUE(s->waiting());
  std::thread([&s] { s->interrupt(JobStatus::cancelled, "cancelled: the runtime closed"); }).join();
  s->complete(0, {{"ok", {{"status", "finished"}, {"output", ""}, {"tokens", 1}}}});
  EXPECT_TRUE(s->ended());
  EXPECT_EQ(s->status(), JobStatus::cancelled);
  EXPECT_EQ(s->error(), "cancelled: the runtime closed");
  EXPECT_TRUE(s->report().empty());

  // The owning thread's stop after the interrupt ends it at once, with the interrupt's words.
  auto t = open("agent.run{prompt = 'p'}; report.row{after = true}");
  t->start();
  t->interrupt(JobStatus::cancelled, "cancelled");
  t->stop(JobStatus::over_budget, "budget: the pipeline ran past its time budget");
  EXPECT_TRUE(t->ended());
  EXPECT_EQ(t->status(), JobStatus::cancelled);
  EXPECT_EQ(t->error(), "cancelled");
}

TEST_F(PipelineScriptTest, TheTimeBudgetCoversWaitingForCalls) {
  PipelineOptions options;
  options.budgets.max_wall_ms = 100;
  auto s = open("agent.run{prompt = 'p'}; report.row{after = true}", {}, options);
  s->start();
  ASSERT_TRUE(s->waiting());
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  s->complete(0, {{"ok", {{"status", "finished"}, {"output", ""}, {"tokens", 1}}}});
  EXPECT_EQ(s->status(), JobStatus::over_budget);
  EXPECT_EQ(s->error(), "budget: the pipeline ran past its time budget of 100 ms (max_wall_ms)");
  EXPECT_TRUE(s->report().empty());
}

TEST_F(PipelineScriptTest, ParamsConvertToTheTypeOfTheirDefaultAndUnreadOnesAreNamed) {
  PipelineOptions options;
  options.params = {{"n", "12"}, {"rate", "0.5"}, {"on", "true"}, {"typo", "1"}, {"bad", "x"}};
  auto s = open(R"(
    report.row{n = param("n", 1), rate = param("rate", 1.0), on = param("on", false),
               default = param("absent", 7), raw = params.n}
  )",
                {}, options);
  drive(*s);
  ASSERT_EQ(s->status(), JobStatus::finished) << s->error();
  const auto& row = s->report().rows()[0];
  EXPECT_EQ(row["n"], 12);
  EXPECT_EQ(row["rate"], 0.5);
  EXPECT_EQ(row["on"], true);
  EXPECT_EQ(row["default"], 7);
  EXPECT_EQ(row["raw"], "12");
  EXPECT_EQ(s->unread_params(), (std::vector<std::string>{"bad", "typo"}));

  auto wrong = open("param('bad', 1)", {}, options);
  drive(*wrong);
  EXPECT_NE(wrong->error().find("param bad: 'x' is not an integer"), std::string::npos)
      << wrong->error();
}

TEST_F(PipelineScriptTest, DataFilesAreReadFromTheDataDirectoryOnly) {
  dir.write("rows.csv", "# comment\nname,a,t\n\"Earth, third\",1.0,365.25\nMars,1.524,687\n");
  PipelineOptions options;
  options.data_dir = dir.path();
  auto s = open(R"(
    local rows = assert(data.csv("rows.csv"))
    report.row{name = rows[1].name, t = rows[2].t, n = #rows}
    local _, err = data.read("../etc/passwd")
    report.row{err = err}
  )",
                {}, options);
  drive(*s);
  ASSERT_EQ(s->status(), JobStatus::finished) << s->error();
  EXPECT_EQ(s->report().rows()[0]["name"], "Earth, third");
  EXPECT_EQ(s->report().rows()[0]["t"], 687);
  EXPECT_EQ(s->report().rows()[0]["n"], 2);
  EXPECT_NE(s->report().rows()[1]["err"].get<std::string>().find("without '..'"),
            std::string::npos);
}

TEST(Report, WritesCsvJsonAndATableWithTheColumnsInOrder) {
  Report r;
  ASSERT_TRUE(r.add_row({{"b", 1.5}, {"a", "x,y"}}).ok());
  ASSERT_TRUE(r.add_row({{"a", "say \"hi\""}, {"c", true}}).ok());
  EXPECT_FALSE(r.add_row({{"a", {1, 2}}}).ok());
  EXPECT_EQ(r.csv(), "a,b,c\n\"x,y\",1.5,\n\"say \"\"hi\"\"\",,true\n");
  r.set_columns({"c", "a"});
  EXPECT_EQ(r.csv(), "c,a\n,\"x,y\"\ntrue,\"say \"\"hi\"\"\"\n");
  EXPECT_EQ(r.table(), "c     a\n      x,y\ntrue  say \"hi\"\n");
  EXPECT_EQ(r.to_json()["columns"], (json{"c", "a"}));
  auto plot = PlotSpec::from_json({{"x", "b"}, {"y", "b"}, {"file", "../p.svg"}});
  EXPECT_FALSE(plot.ok());
  plot = PlotSpec::from_json({{"x", "b"}, {"y", "b"}, {"file", "p.svg"}});
  ASSERT_TRUE(plot.ok());
  EXPECT_NE(r.plot_svg(*plot).find("<circle"), std::string::npos);
}

}  // namespace
}  // namespace recur::jobs
