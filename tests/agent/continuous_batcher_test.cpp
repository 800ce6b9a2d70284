// The token loop a backend's sessions share: whatever else is in its forward passes, a session ends
// exactly as it ends alone; checkpoints follow the policy, a tick syncs the store at most once, and
// a session continued from its checkpoint on a fresh backend ends as if nothing had happened.
#include "agent/continuous_batcher.hpp"

#include <gtest/gtest.h>

#include <deque>
#include <map>

#include "support/plain_loop.hpp"
#include "support/session_scripts.hpp"
#include "support/temp_dir.hpp"

namespace recur::agent {
namespace {

using testing::comparable;
using testing::copy_prompt;
using testing::JsonPath;
using testing::LoadedBundle;
using testing::numbered;
using testing::session;

// Drives a batcher as a model worker does: ticks while there is work, and answers each call
// `delay` ticks after it was made, through the registry.
struct Driver {
  explicit Driver(ContinuousBatcher& b, const tools::Registry* r = nullptr, std::size_t d = 0)
      : batcher(b), registry(r), delay(d) {}

  ContinuousBatcher& batcher;
  const tools::Registry* registry;
  std::size_t delay;
  std::map<std::string, SessionOutcome> finished;
  std::vector<TickReport> reports;

  // Ticks until every session ended, or only `ticks` times when given.
  void run(std::optional<std::size_t> ticks = std::nullopt) {
    const std::size_t max_ticks = ticks.value_or(100000);
    std::deque<std::pair<std::size_t, RoutedCall>> out;
    for (std::size_t tick = 0; tick < max_ticks; ++tick) {
      while (!out.empty() && out.front().first + delay <= tick) {
        answer(out.front().second);
        out.pop_front();
      }
      if (!batcher.has_work() && out.empty()) return;
      TickReport r = batcher.tick();
      for (auto& c : r.calls) out.push_back({tick, c});
      for (auto& f : r.finished) finished[f.result.id] = f;
      r.calls.clear();
      r.finished.clear();
      reports.push_back(std::move(r));
    }
    if (!ticks) ADD_FAILURE() << "sessions still running after " << max_ticks << " ticks";
  }

  void answer(const RoutedCall& c) {
    tools::CallContext context;
    context.scope = c.session;
    auto result = registry->call(c.call.call, context);
    if (c.call.wait)
      batcher.complete_call(c.session, c.call.call.id,
                            result ? *result : tools::ToolResult::error(result.error().message),
                            0.0);
  }
};

ContinuousBatcher make_batcher(const LoadedBundle& b, BatcherOptions options = {},
                               std::size_t capacity = 256) {
  return ContinuousBatcher(b.model, b.tokenizer, make_cpu_backend(b.model, 1, capacity),
                           std::move(options));
}

// Runs `count` pointer sessions (prompts of growing length, every other one sampled) in one batcher
// and checks each against the same session alone.
void expect_batched_as_alone(const LoadedBundle& b, unsigned count, std::uint64_t max_tokens) {
  auto batcher = make_batcher(b);
  std::vector<SessionSpec> specs;
  for (unsigned i = 0; i < count; ++i) {
    // Even sessions are greedy (argmax on the backend), odd ones sample from the logits.
    specs.push_back(
        session(numbered("s", i), copy_prompt(3 + 5 * i, i), i % 2 ? 0.7f : 0.0f, 100 + i));
    specs.back().budgets.max_tokens = max_tokens;
    ASSERT_TRUE(batcher.admit(specs.back(), Admission::fresh, false).ok());
  }
  Driver d(batcher);
  d.run();
  ASSERT_EQ(d.finished.size(), specs.size());
  EXPECT_EQ(d.reports.front().sequences, specs.size());  // one forward pass for every prompt
  for (const auto& spec : specs) {
    const auto alone = testing::run_alone(b, spec, nullptr);
    EXPECT_EQ(comparable(d.finished.at(spec.id).result), comparable(alone)) << spec.id;
  }
}

TEST(ContinuousBatcher, SessionsInOneBatchEndExactlyAsEachAlone) {
  recur::testing::TempDir dir;
  auto scripted = write_bundle(testing::pointer_copy_script(), dir / "scripted");
  expect_batched_as_alone(scripted, 24, 200);
  auto random = write_random_bundle(testing::pointer_copy_script(), dir / "random");
  expect_batched_as_alone(random, 16, 48);
}

TEST(ContinuousBatcher, TheCopyScriptCopiesItsInput) {
  recur::testing::TempDir dir;
  auto b = write_bundle(testing::pointer_copy_script(), dir / "scripted");
  auto batcher = make_batcher(b);
  const std::string prompt = copy_prompt(12);
  ASSERT_TRUE(batcher.admit(session("copy", prompt), Admission::fresh, false).ok());
  Driver d(batcher);
  d.run();
  const auto& r = d.finished.at("copy").result;
  EXPECT_EQ(r.status, SessionStatus::finished);
  EXPECT_EQ(r.output, testing::copy_output(prompt));
  EXPECT_EQ(r.forced_tokens, 13u);  // 12 digits and the "." read by D1
}

TEST(ContinuousBatcher, SessionsWithToolCallsEndAsAloneWhateverTheToolLatency) {
  recur::testing::TempDir dir;
  auto b = write_bundle(testing::json_script(JsonPath::bigint_add), dir / "bundle");
  auto registry = testing::lua_registry();
  for (std::size_t delay : {0u, 1u, 3u}) {
    auto batcher = make_batcher(b);
    batcher.set_tools({"bigint", "expr", "stats"});
    std::vector<SessionSpec> specs;
    for (unsigned i = 0; i < 8; ++i) {
      specs.push_back(session(numbered("j", i), "add", i % 2 ? 0.5f : 0.0f, i));
      specs.back().budgets.max_tokens = 64;
      ASSERT_TRUE(batcher.admit(specs.back(), Admission::fresh, false).ok());
    }
    Driver d(batcher, registry.get(), delay);
    d.run();
    ASSERT_EQ(d.finished.size(), specs.size());
    for (const auto& spec : specs)
      EXPECT_EQ(comparable(d.finished.at(spec.id).result),
                comparable(testing::run_alone(b, spec, registry.get())))
          << spec.id << " delay " << delay;
    const auto& greedy = d.finished.at("j0").result;
    ASSERT_EQ(greedy.calls.size(), 1u);
    EXPECT_EQ(greedy.calls[0].result["structuredContent"]["result"], "111111111011111111100");
    EXPECT_EQ(greedy.output, "the sum is");
  }
}

TEST(ContinuousBatcher, CallsOfUnknownOrForbiddenToolsAreAnsweredWithErrors) {
  recur::testing::TempDir dir;
  auto unknown = write_bundle(testing::json_script(JsonPath::unknown_tool), dir / "unknown");
  auto bigint = write_bundle(testing::json_script(JsonPath::bigint_add), dir / "bigint");
  auto registry = testing::lua_registry();

  auto a = make_batcher(unknown);
  a.set_tools({"bigint"});
  ASSERT_TRUE(a.admit(session("u", "add"), Admission::fresh, false).ok());
  Driver da(a, registry.get());
  da.run();
  const auto& u = da.finished.at("u").result;
  ASSERT_EQ(u.calls.size(), 1u);
  EXPECT_TRUE(u.calls[0].is_error);
  EXPECT_NE(u.calls[0].result.dump().find("unknown tool 'nosuch'"), std::string::npos);
  EXPECT_EQ(u.status, SessionStatus::finished);
  EXPECT_EQ(u.output, "fine");

  auto f = make_batcher(bigint);
  f.set_tools({"bigint", "expr"});
  auto spec = session("f", "add");
  spec.tools = {"expr"};
  ASSERT_TRUE(f.admit(spec, Admission::fresh, false).ok());
  Driver df(f, registry.get());
  df.run();
  const auto& r = df.finished.at("f").result;
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_TRUE(r.calls[0].is_error);
  EXPECT_NE(r.calls[0].result.dump().find("not available to this session"), std::string::npos);
}

TEST(ContinuousBatcherCheckpoints, FirstStateEveryNTokensAndEachWaitingCall) {
  recur::testing::TempDir dir;
  auto pointer = write_bundle(testing::pointer_copy_script(), dir / "pointer");
  auto store = Store::open(dir / "store");
  ASSERT_TRUE(store.ok());
  {
    auto batcher = make_batcher(pointer, {8, *store});
    ASSERT_TRUE(batcher.admit(session("p", copy_prompt(20)), Admission::fresh, false).ok());
    Driver d(batcher);
    d.run();
    std::size_t checkpoints = 0;
    for (const auto& r : d.reports) checkpoints += r.checkpoints;
    const std::size_t generated = d.finished.at("p").result.generated.size();
    ASSERT_EQ(generated, 1u + 3u * 20u + 2u);  // [ANS], 20 x (D1, o, R1), D1 (reads "."), <eos>
    // The first state, then after every 8th token but the last (the session ends with it).
    EXPECT_EQ(checkpoints, 1 + (generated - 1) / 8);
  }
  auto json = write_bundle(testing::json_script(JsonPath::call_loop), dir / "json");
  auto registry = testing::lua_registry();
  auto batcher = make_batcher(json, {1000, *store});
  batcher.set_tools({"bigint"});
  auto spec = session("c", "add");
  spec.budgets.max_calls = 3;
  ASSERT_TRUE(batcher.admit(spec, Admission::fresh, false).ok());
  Driver d(batcher, registry.get(), 2);
  d.run();
  std::size_t checkpoints = 0;
  for (const auto& r : d.reports) checkpoints += r.checkpoints;
  EXPECT_EQ(d.finished.at("c").result.status, SessionStatus::max_calls);
  EXPECT_EQ(d.finished.at("c").result.calls.size(), 3u);
  EXPECT_EQ(checkpoints, 1u + 3u);  // the first state and each of the 3 calls that waited
}

TEST(ContinuousBatcherCheckpoints, ATickSyncsTheStoreOnceWhateverItSaves) {
  recur::testing::TempDir dir;
  auto b = write_bundle(testing::pointer_copy_script(), dir / "bundle");
  auto store = Store::open(dir / "store");
  ASSERT_TRUE(store.ok());
  auto batcher = make_batcher(b, {4, *store});
  for (unsigned i = 0; i < 32; ++i)
    ASSERT_TRUE(
        batcher.admit(session(numbered("s", i), copy_prompt(10, i)), Admission::fresh, false).ok());
  Driver d(batcher);
  d.run();
  ASSERT_EQ(d.finished.size(), 32u);
  EXPECT_EQ(d.reports.front().checkpoints, 32u);  // every first state, in one tick
  for (const auto& r : d.reports) {
    EXPECT_LE(r.synced_writes, 1u);
    EXPECT_EQ(r.synced_writes, r.checkpoints > 0 ? 1u : 0u);
  }
}

// Runs sessions for `ticks` ticks, drops the batcher (its backend's states are lost), and continues
// every unfinished session from its checkpoint on a fresh backend.
std::map<std::string, SessionOutcome> interrupted(const LoadedBundle& b, const Store& store,
                                                  const std::vector<SessionSpec>& specs,
                                                  const tools::Registry* registry,
                                                  std::size_t ticks) {
  std::map<std::string, SessionOutcome> finished;
  std::set<std::string> tools = {"bigint"};
  {
    auto first = make_batcher(b, {5, store});
    first.set_tools(tools);
    for (const auto& s : specs) EXPECT_TRUE(first.admit(s, Admission::fresh, false).ok());
    Driver d(first, registry, 1);
    d.run(ticks);
    finished = d.finished;
  }
  auto second = make_batcher(b, {5, store});
  second.set_tools(tools);
  for (const auto& s : specs)
    if (!finished.count(s.id)) {
      auto resumed = second.admit(s, Admission::resume, false);
      EXPECT_TRUE(resumed.ok()) << resumed.error().message;
    }
  Driver d(second, registry, 1);
  d.run();
  finished.merge(d.finished);
  return finished;
}

TEST(ContinuousBatcherCheckpoints, SessionsContinuedOnAFreshBackendEndAsUninterrupted) {
  recur::testing::TempDir dir;
  // The random model's next token depends on its whole state: a state restored wrong shows.
  auto pointer = write_random_bundle(testing::pointer_copy_script(), dir / "pointer");
  auto json = write_bundle(testing::json_script(JsonPath::call_loop), dir / "json");
  auto registry = testing::lua_registry();
  for (std::size_t ticks : {1u, 7u, 23u, 40u}) {
    auto store = Store::open(dir / (numbered("store", ticks)));
    ASSERT_TRUE(store.ok());
    std::vector<SessionSpec> specs;
    for (unsigned i = 0; i < 6; ++i) {
      specs.push_back(
          session(numbered("p", i), copy_prompt(4 + 3 * i, i), i % 3 == 2 ? 0.9f : 0.0f, i));
      specs.back().budgets.max_tokens = 30 + 4 * i;
    }
    const auto got = interrupted(pointer, *store, specs, nullptr, ticks);
    for (const auto& s : specs)
      EXPECT_EQ(comparable(got.at(s.id).result),
                comparable(testing::run_alone(pointer, s, nullptr)))
          << s.id << " after " << ticks << " ticks";

    // Calls out when the backend went away are made again.
    auto spec = session("c", "add");
    spec.budgets.max_calls = 4;
    const auto calls = interrupted(json, *store, {spec}, registry.get(), ticks);
    EXPECT_EQ(comparable(calls.at("c").result),
              comparable(testing::run_alone(json, spec, registry.get())))
        << "after " << ticks << " ticks";
  }
}

}  // namespace
}  // namespace recur::agent
