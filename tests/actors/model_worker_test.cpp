// A model worker runs sessions end to end through its messages: each ends exactly as it ends alone
// in a plain loop, batched with many others or not; the token protocols call tools through their
// hosts and read the answers; malformed calls, unknown tools and dead hosts become error
// observations while the session goes on; budgets end runaway sessions; output streams as it comes;
// a crash stops the worker with a reason that says so.
#include "actors/model_worker.hpp"

#include <gtest/gtest.h>

#include <map>

#include "support/plain_loop.hpp"
#include "support/session_scripts.hpp"
#include "support/temp_dir.hpp"

namespace recur::actors {
namespace {

using namespace std::chrono_literals;
using testing::comparable;
using testing::copy_prompt;
using testing::JsonPath;
using testing::LoadedBundle;
using testing::numbered;
using testing::session;

class ModelWorkerTest : public ::testing::Test {
 protected:
  // Hosts for every tool of `registry`.
  std::map<std::string, tool_host_actor> hosts(std::shared_ptr<const tools::Registry> registry) {
    std::map<std::string, tool_host_actor> out;
    for (const auto& d : registry->list()) {
      out[d.name] = spawn_tool_host(system_, registry, d.name);
      stop_later_.push_back(caf::actor_cast<caf::actor>(out[d.name]));
    }
    return out;
  }

  model_worker_actor worker(const LoadedBundle& b, std::map<std::string, tool_host_actor> tools,
                            caf::scoped_actor& owner, agent::BatcherOptions options = {}) {
    WorkerSetup setup;
    setup.model = b.model;
    setup.tokenizer = b.tokenizer;
    auto model = b.model;
    setup.make_backend = [model]() -> Result<std::unique_ptr<Backend>> {
      return make_cpu_backend(model, 1, 256);
    };
    setup.batcher = std::move(options);
    setup.tools = std::move(tools);
    auto w = spawn_model_worker(system_, std::move(setup), caf::actor_cast<session_owner>(owner));
    stop_later_.push_back(caf::actor_cast<caf::actor>(w));
    return w;
  }

  // Starts every session at once and waits for all of them to end.
  std::map<std::string, agent::SessionOutcome> run(const model_worker_actor& w,
                                                   caf::scoped_actor& owner,
                                                   const std::vector<agent::SessionSpec>& specs,
                                                   output_listener listener = {}) {
    for (const auto& s : specs)
      owner->send(w, start_atom::value, SessionOrder{s, agent::Admission::fresh, listener});
    std::map<std::string, agent::SessionOutcome> out;
    for (std::size_t i = 0; i < specs.size(); ++i)
      owner->receive([&](done_atom, agent::SessionOutcome& o) { out[o.result.id] = std::move(o); },
                     caf::after(60s) >> [&] { ADD_FAILURE() << "no outcome within 60 s"; });
    return out;
  }

  // One session alone on a fresh worker with the Lua tools.
  agent::SessionResult run_one(const LoadedBundle& b, const agent::SessionSpec& spec) {
    caf::scoped_actor owner{system_};
    auto w = worker(b, hosts(registry_), owner);
    return run(w, owner, {spec}).at(spec.id).result;
  }

  void TearDown() override {
    for (auto& a : stop_later_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  recur::testing::TempDir dir_;
  RuntimeConfig config_{2};
  caf::actor_system system_{config_};
  std::shared_ptr<const tools::Registry> registry_ = testing::lua_registry();
  std::vector<caf::actor> stop_later_;
};

TEST_F(ModelWorkerTest, ASessionEndsAsInAPlainLoopAloneOrAmongMany) {
  auto json = write_bundle(testing::json_script(JsonPath::bigint_add), dir_ / "json");
  auto random = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  auto expect_as_alone = [&](const LoadedBundle& b, const std::vector<agent::SessionSpec>& specs,
                             const tools::Registry* registry) {
    caf::scoped_actor owner{system_};
    auto w = worker(b, hosts(registry_), owner);
    auto got = run(w, owner, specs);
    ASSERT_EQ(got.size(), specs.size());
    for (const auto& s : specs)
      EXPECT_EQ(comparable(got.at(s.id).result), comparable(testing::run_alone(b, s, registry)))
          << s.id;
  };
  expect_as_alone(json, {session("alone", "add")}, registry_.get());
  std::vector<agent::SessionSpec> many;
  for (unsigned i = 0; i < 20; ++i)
    many.push_back(session(numbered("j", i), "add", i % 3 ? 0.0f : 0.8f, i));
  expect_as_alone(json, many, registry_.get());

  std::vector<agent::SessionSpec> walks;
  for (unsigned i = 0; i < 12; ++i) {
    walks.push_back(session(numbered("p", i), copy_prompt(2 + 3 * i, i), i % 2 ? 0.6f : 0.0f, i));
    walks.back().budgets.max_tokens = 40;
  }
  expect_as_alone(random, {walks[5]}, nullptr);
  expect_as_alone(random, walks, nullptr);
}

TEST_F(ModelWorkerTest, AJsonCallRunsTheLuaToolAndTheModelWritesOnAfterTheResponse) {
  auto b = write_bundle(testing::json_script(JsonPath::bigint_add), dir_ / "json");
  const auto r = run_one(b, session("sum", "add"));
  EXPECT_EQ(r.status, agent::SessionStatus::finished);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_EQ(r.calls[0].name, "bigint");
  EXPECT_EQ(r.calls[0].arguments,
            (Json{{"op", "add"}, {"a", "12345678901234567890"}, {"b", "98765432109876543210"}}));
  EXPECT_FALSE(r.calls[0].is_error);
  EXPECT_EQ(r.calls[0].result["structuredContent"]["result"], "111111111011111111100");
  // The observation: <tool_response>, the result (one word of the vocabulary), </tool_response>.
  EXPECT_EQ(r.forced_tokens, 3u);
  EXPECT_EQ(r.output, "the sum is");
}

TEST_F(ModelWorkerTest, APointerModelWalksTheTapeAndEachReadSteersIt) {
  auto b = write_bundle(testing::pointer_copy_script(), dir_ / "pointer");
  for (unsigned seed : {1u, 2u, 3u}) {
    const std::string prompt = copy_prompt(15, seed);
    const auto r = run_one(b, session(numbered("walk", seed), prompt));
    EXPECT_EQ(r.status, agent::SessionStatus::finished);
    EXPECT_EQ(r.output, testing::copy_output(prompt));
    EXPECT_EQ(r.forced_tokens, 16u);  // every digit and the "." that ends the walk
    EXPECT_TRUE(r.calls.empty());     // the tape is read in the worker, not through a host
  }
}

TEST_F(ModelWorkerTest, AMalformedCallIsAnsweredWithAnErrorObservationAndTheSessionGoesOn) {
  auto b = write_bundle(testing::json_script(JsonPath::malformed), dir_ / "malformed");
  const auto r = run_one(b, session("m", "add"));
  EXPECT_EQ(r.status, agent::SessionStatus::finished);
  EXPECT_TRUE(r.calls.empty());  // it never reached a tool
  // <tool_response> "error: the call is not valid JSON" (7 words) </tool_response>
  EXPECT_EQ(r.forced_tokens, 9u);
  EXPECT_EQ(r.output, "fine");
}

TEST_F(ModelWorkerTest, ACallOfAnUnknownToolIsAnErrorObservation) {
  auto b = write_bundle(testing::json_script(JsonPath::unknown_tool), dir_ / "unknown");
  const auto r = run_one(b, session("u", "add"));
  EXPECT_EQ(r.status, agent::SessionStatus::finished);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_TRUE(r.calls[0].is_error);
  EXPECT_NE(r.calls[0].result.dump().find("unknown tool 'nosuch'"), std::string::npos);
  EXPECT_EQ(r.output, "fine");
}

TEST_F(ModelWorkerTest, ACallWhoseHostIsGoneIsAnErrorObservation) {
  auto b = write_bundle(testing::json_script(JsonPath::bigint_add), dir_ / "json");
  caf::scoped_actor owner{system_};
  auto tools = hosts(registry_);
  owner->monitor(tools.at("bigint"));
  caf::anon_send_exit(tools.at("bigint"), caf::exit_reason::kill);
  owner->receive([](caf::down_msg&) {});
  auto w = worker(b, tools, owner);
  const auto r = run(w, owner, {session("gone", "add")}).at("gone").result;
  EXPECT_EQ(r.status, agent::SessionStatus::finished);
  ASSERT_EQ(r.calls.size(), 1u);
  EXPECT_TRUE(r.calls[0].is_error);
  EXPECT_NE(r.calls[0].result.dump().find("did not answer"), std::string::npos);
  EXPECT_EQ(r.output, "the sum is");
}

TEST_F(ModelWorkerTest, BudgetsEndRunawaySessionsWithTheirStatus) {
  auto runaway = write_bundle(testing::json_script(JsonPath::runaway), dir_ / "runaway");
  auto calls = write_bundle(testing::json_script(JsonPath::call_loop), dir_ / "calls");
  auto tokens = session("tokens", "add");
  tokens.budgets.max_tokens = 50;
  auto r = run_one(runaway, tokens);
  EXPECT_EQ(r.status, agent::SessionStatus::max_tokens);
  EXPECT_EQ(r.generated.size(), 50u);

  auto wall = session("wall", "add");
  wall.budgets.max_tokens = 1u << 30;
  wall.budgets.max_wall_ms = 40;
  r = run_one(runaway, wall);
  EXPECT_EQ(r.status, agent::SessionStatus::deadline);
  EXPECT_GE(r.wall_ms, 40.0);

  auto many = session("calls", "add");
  many.budgets.max_calls = 3;
  r = run_one(calls, many);
  EXPECT_EQ(r.status, agent::SessionStatus::max_calls);
  EXPECT_EQ(r.calls.size(), 3u);
}

TEST_F(ModelWorkerTest, AStreamingListenerHearsEveryOutputTokenOnceBeforeTheEnd) {
  auto b = write_bundle(testing::pointer_copy_script(), dir_ / "pointer");
  caf::scoped_actor owner{system_};
  auto w = worker(b, {}, owner);
  const auto prompt = copy_prompt(40);
  std::vector<TokenId> heard;
  std::size_t chunks = 0;
  auto listener = caf::actor_cast<output_listener>(owner);
  owner->send(w, start_atom::value,
              SessionOrder{session("s", prompt), agent::Admission::fresh, listener});
  agent::SessionResult result;
  bool done = false;
  owner->receive_while([&] { return !done; })(
      [&](output_atom, agent::OutputChunk& c) {
        EXPECT_EQ(c.offset, heard.size());
        heard.insert(heard.end(), c.tokens.begin(), c.tokens.end());
        ++chunks;
      },
      [&](done_atom, agent::SessionOutcome& o) {
        result = o.result;
        done = true;
      },
      caf::after(60s) >>
          [&] {
            ADD_FAILURE() << "no outcome";
            done = true;
          });
  EXPECT_EQ(heard, result.output_tokens);
  EXPECT_EQ(chunks, 40u);  // one chunk per tick that wrote output
}

TEST_F(ModelWorkerTest, ACrashStopsTheWorkerWithAReasonThatSaysSo) {
  auto b = write_bundle(testing::json_script(JsonPath::runaway), dir_ / "runaway");
  caf::scoped_actor owner{system_};
  auto w = worker(b, {}, owner);
  auto spec = session("forever", "add");
  spec.budgets.max_tokens = 1u << 30;
  owner->send(w, start_atom::value, SessionOrder{spec, agent::Admission::fresh, {}});
  owner->monitor(w);
  owner->send(w, crash_atom::value);
  owner->receive([](caf::down_msg& dm) {
    EXPECT_EQ(error_text(dm.reason), "model worker: crashed on request");
  });
}

TEST_F(ModelWorkerTest, AWorkerWhoseBackendCannotBeMadeStopsWithTheError) {
  auto b = write_bundle(testing::pointer_copy_script(), dir_ / "pointer");
  caf::scoped_actor owner{system_};
  WorkerSetup setup;
  setup.model = b.model;
  setup.tokenizer = b.tokenizer;
  setup.make_backend = []() -> Result<std::unique_ptr<Backend>> {
    return fail(ErrorCode::not_found, "cuda:3: no such device");
  };
  auto w = spawn_model_worker(system_, setup, caf::actor_cast<session_owner>(owner));
  owner->monitor(w);
  owner->receive([](caf::down_msg& dm) {
    EXPECT_EQ(error_text(dm.reason), "model worker: cuda:3: no such device");
  });
}

}  // namespace
}  // namespace recur::actors
