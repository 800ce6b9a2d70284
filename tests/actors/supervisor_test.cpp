// The supervisor keeps sessions going across worker crashes: a worker that dies mid-run is
// restarted after its backoff, its sessions continue from their checkpoints (or start over without
// a store) and every client gets the outcome it would have had without the crash. Crashing more
// often than the intensity allows retires the worker while another serves, and stops the
// supervisor, and its clients, with a clear error when it was the last. Sessions go to the worker
// with the most free slots and stay there.
#include "actors/supervisor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "actors/agent_session.hpp"
#include "support/faulty_backend.hpp"
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

class SupervisorTest : public ::testing::Test {
 protected:
  SupervisorSetup setup(const LoadedBundle& b, std::size_t workers, std::optional<Store> store,
                        agent::RestartLimits restart = {}) {
    SupervisorSetup s;
    for (std::size_t i = 0; i < workers; ++i) {
      WorkerSetup w;
      w.model = b.model;
      w.tokenizer = b.tokenizer;
      auto model = b.model;
      w.make_backend = [model]() -> Result<std::unique_ptr<Backend>> {
        return make_cpu_backend(model, 1, 128);
      };
      w.batcher = {16, store};
      w.slots = 128;
      s.workers.push_back(std::move(w));
    }
    s.registry = testing::lua_registry();
    s.restart = restart;
    return s;
  }

  supervisor_actor start(SupervisorSetup s) {
    auto sup = spawn_supervisor(system_, std::move(s));
    stop_later_.push_back(caf::actor_cast<caf::actor>(sup));
    return sup;
  }

  // Runs every session from a client thread of its own and waits for all outcomes. With
  // `crash_after`, runs `crash` (by default: crash worker 0 once) when that many sessions have
  // ended.
  std::map<std::string, Json> run_all(const supervisor_actor& sup,
                                      const std::vector<agent::SessionSpec>& specs,
                                      std::optional<std::size_t> crash_after = {},
                                      std::function<void()> crash = {}) {
    std::map<std::string, Json> out;
    std::mutex mutex;
    std::condition_variable ended;
    std::vector<std::thread> clients;
    for (const auto& s : specs)
      clients.emplace_back([&, s] {
        auto outcome = run_session(system_, sup, s, agent::Admission::fresh);
        std::lock_guard<std::mutex> lock(mutex);
        if (!outcome)
          ADD_FAILURE() << s.id << ": " << outcome.error().message;
        else
          out[s.id] = outcome->result.to_json();
        ended.notify_all();
      });
    if (crash_after) {
      {
        std::unique_lock<std::mutex> lock(mutex);
        ended.wait(lock, [&] { return out.size() >= *crash_after; });
      }
      if (crash)
        crash();
      else
        caf::anon_send(sup, crash_atom::value, std::uint32_t{0});
    }
    for (auto& c : clients) c.join();
    return out;
  }

  SupervisorStatus status(const supervisor_actor& sup) {
    caf::scoped_actor self{system_};
    SupervisorStatus st;
    self->request(sup, 10s, status_atom::value)
        .receive([&](SupervisorStatus& s) { st = s; },
                 [&](caf::error& e) { ADD_FAILURE() << error_text(e); });
    return st;
  }

  // Crashes a worker and waits until the supervisor restarted it `restarts` times in all.
  void crash_and_wait(const supervisor_actor& sup, std::uint32_t restarts,
                      std::uint32_t worker = 0) {
    caf::anon_send(sup, crash_atom::value, worker);
    for (int i = 0; i < 500 && status(sup).worker_restarts.at(worker) < restarts; ++i)
      std::this_thread::sleep_for(5ms);
    ASSERT_EQ(status(sup).worker_restarts.at(worker), restarts);
  }

  void TearDown() override {
    for (auto& a : stop_later_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  recur::testing::TempDir dir_;
  RuntimeConfig config_{2};
  caf::actor_system system_{config_};
  std::vector<caf::actor> stop_later_;
};

std::vector<agent::SessionSpec> hundred_sessions() {
  std::vector<agent::SessionSpec> specs;
  for (unsigned i = 0; i < 100; ++i) {
    specs.push_back(session(numbered("s", i), copy_prompt(3 + i % 7, i), i % 4 ? 0.0f : 0.8f, i));
    specs.back().budgets.max_tokens = 40 + (i % 10) * 8;
  }
  return specs;
}

TEST_F(SupervisorTest, AWorkerCrashInTheMiddleOfAHundredSessionsChangesNoOutcome) {
  // The random model's tokens depend on its whole state: a session continued from a wrong state
  // would write other tokens.
  auto b = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  const auto specs = hundred_sessions();

  // Unsynced stores: a crash of a worker, not of the machine, is what is tested here.
  auto clean_store = Store::open(dir_ / "clean", StoreOptions{.sync = false});
  ASSERT_TRUE(clean_store.ok());
  auto clean = start(setup(b, 2, *clean_store));
  const auto expected = run_all(clean, specs);
  ASSERT_EQ(expected.size(), specs.size());

  auto store = Store::open(dir_ / "crash", StoreOptions{.sync = false});
  ASSERT_TRUE(store.ok());
  auto sup = start(setup(b, 2, *store));
  const auto got = run_all(sup, specs, 30);
  ASSERT_EQ(got.size(), specs.size());
  for (const auto& s : specs)
    EXPECT_EQ(comparable(got.at(s.id)), comparable(expected.at(s.id))) << s.id;
  const auto st = status(sup);
  EXPECT_EQ(st.worker_restarts, (std::vector<std::uint32_t>{1, 0}));
  EXPECT_GT(st.recovered, 0u);  // the crash hit sessions in the middle of their runs
  // And the outcomes are those of each session alone.
  for (const std::size_t i : {0u, 37u, 99u})
    EXPECT_EQ(comparable(got.at(specs[i].id)),
              comparable(testing::run_alone(b, specs[i], nullptr)));
}

TEST_F(SupervisorTest, AWorkerWhoseDeviceFaultsHandsItsSessionsToTheOtherWithNoOutcomeChanged) {
  auto b = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  const auto specs = hundred_sessions();
  auto clean_store = Store::open(dir_ / "clean", StoreOptions{.sync = false});
  ASSERT_TRUE(clean_store.ok());
  const auto expected = run_all(start(setup(b, 1, *clean_store)), specs);
  ASSERT_EQ(expected.size(), specs.size());

  auto store = Store::open(dir_ / "fault", StoreOptions{.sync = false});
  ASSERT_TRUE(store.ok());
  auto s = setup(b, 2, *store);
  // Worker 1's device faults at its 25th forward pass and stays broken: the worker dies, its
  // sessions go on from their checkpoints, and a restarted worker 1 dies again at its first pass.
  auto passes_left = std::make_shared<std::atomic<int>>(25);
  auto model = b.model;
  s.workers[1].make_backend = [model, passes_left]() -> Result<std::unique_ptr<Backend>> {
    return std::unique_ptr<Backend>(
        new testing::FaultyBackend(make_cpu_backend(model, 1, 128), passes_left));
  };
  s.restart.min_backoff = 5ms;
  auto sup = start(std::move(s));
  const auto got = run_all(sup, specs);
  ASSERT_EQ(got.size(), specs.size());
  for (const auto& spec : specs)
    EXPECT_EQ(comparable(got.at(spec.id)), comparable(expected.at(spec.id))) << spec.id;
  const auto st = status(sup);
  EXPECT_LT(passes_left->load(), 0);  // the fault happened
  EXPECT_GE(st.worker_restarts.at(1), 1u);
  EXPECT_GT(st.recovered, 0u);
  for (const auto& [id, outcome] : got) EXPECT_NE(outcome["status"], "failed") << id;
}

TEST_F(SupervisorTest, WithoutAStoreTheSessionsOfACrashedWorkerStartOverToTheSameEnd) {
  auto b = write_bundle(testing::pointer_copy_script(), dir_ / "scripted");
  std::vector<agent::SessionSpec> specs;
  // Five short sessions end first; the crash comes then, in the middle of the five long ones.
  for (unsigned i = 0; i < 10; ++i)
    specs.push_back(session(numbered("s", i), copy_prompt(i < 5 ? 10 : 600, i)));
  auto sup = start(setup(b, 1, std::nullopt));
  // The crash waits until the five sessions still running are all placed on the worker: a client
  // thread that the machine starts late must not be admitted after the crash instead.
  const auto crash_when_all_placed = [&] {
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    for (;;) {
      const auto st = status(sup);
      if (st.running == 5 && st.queued == 0) break;
      if (std::chrono::steady_clock::now() > deadline) {
        ADD_FAILURE() << "the five long sessions were never all placed: " << st.running
                      << " running, " << st.queued << " queued";
        break;
      }
      std::this_thread::sleep_for(1ms);
    }
    caf::anon_send(sup, crash_atom::value, std::uint32_t{0});
  };
  const auto got = run_all(sup, specs, 5, crash_when_all_placed);
  ASSERT_EQ(got.size(), specs.size());
  for (const auto& s : specs) {
    EXPECT_EQ(got.at(s.id)["output"], testing::copy_output(s.prompt)) << s.id;
    EXPECT_EQ(got.at(s.id)["status"], "finished");
  }
  EXPECT_EQ(status(sup).worker_restarts.at(0), 1u);
  EXPECT_EQ(status(sup).recovered, 5u);
}

TEST_F(SupervisorTest, CrashingMoreOftenThanTheIntensityAllowsStopsTheSupervisorAndItsClients) {
  auto b = write_bundle(testing::json_script(JsonPath::runaway), dir_ / "runaway");
  agent::RestartLimits limits;
  limits.intensity = 2;
  limits.period = 10s;
  limits.min_backoff = 5ms;
  auto sup = start(setup(b, 1, std::nullopt, limits));
  auto spec = session("forever", "add");
  spec.budgets.max_tokens = 1u << 30;
  Result<agent::SessionOutcome> outcome = fail(ErrorCode::internal, "not run");
  std::thread client([&] { outcome = run_session(system_, sup, spec, agent::Admission::fresh); });
  // The crashes start once the session runs: a client thread started late would otherwise ask a
  // supervisor that has already stopped, and get told only that it is gone.
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (status(sup).running != 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  EXPECT_EQ(status(sup).running, 1u) << "the session never started";
  caf::scoped_actor self{system_};
  self->monitor(sup);
  crash_and_wait(sup, 1);
  crash_and_wait(sup, 2);
  caf::anon_send(sup, crash_atom::value, std::uint32_t{0});
  const std::string expected =
      "supervisor: model worker 0 died again (model worker: crashed on request): more than 2 "
      "restarts within 10000 ms; stopping";
  self->receive([&](caf::down_msg& dm) { EXPECT_EQ(error_text(dm.reason), expected); },
                caf::after(10s) >> [] { ADD_FAILURE() << "the supervisor did not stop"; });
  client.join();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().message, expected);
}

TEST_F(SupervisorTest, BackoffDelaysGrowWithEachCrashInARow) {
  auto b = write_bundle(testing::json_script(JsonPath::runaway), dir_ / "runaway");
  agent::RestartLimits limits;
  limits.intensity = 10;
  limits.min_backoff = 20ms;
  limits.jitter = 0.2;
  auto sup = start(setup(b, 1, std::nullopt, limits));
  for (std::uint32_t i = 1; i <= 4; ++i) crash_and_wait(sup, i);
  const auto delays = status(sup).backoff_ms;
  ASSERT_EQ(delays.size(), 4u);
  for (std::size_t i = 0; i < delays.size(); ++i) {
    const double base = 20.0 * (1 << i);
    EXPECT_GE(delays[i], std::floor(base * 0.8)) << i;
    EXPECT_LE(delays[i], std::ceil(base * 1.2)) << i;
    if (i > 0) {
      EXPECT_GT(delays[i], delays[i - 1]);
    }
  }
}

TEST_F(SupervisorTest, AWorkerThatCrashesPastTheIntensityIsRetiredAndTheOthersFinishItsSessions) {
  auto b = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  const auto specs = hundred_sessions();
  auto clean_store = Store::open(dir_ / "clean", StoreOptions{.sync = false});
  ASSERT_TRUE(clean_store.ok());
  const auto expected = run_all(start(setup(b, 1, *clean_store)), specs);
  ASSERT_EQ(expected.size(), specs.size());

  agent::RestartLimits limits;
  limits.intensity = 2;
  limits.period = 10s;
  limits.min_backoff = 5ms;
  auto store = Store::open(dir_ / "crash", StoreOptions{.sync = false});
  ASSERT_TRUE(store.ok());
  auto sup = start(setup(b, 2, *store, limits));
  // Worker 1 dies three times in a row: restarted twice, then retired; worker 0 runs on.
  const auto got = run_all(sup, specs, 20, [&] {
    crash_and_wait(sup, 1, 1);
    crash_and_wait(sup, 2, 1);
    caf::anon_send(sup, crash_atom::value, std::uint32_t{1});
  });
  ASSERT_EQ(got.size(), specs.size());
  for (const auto& s : specs)
    EXPECT_EQ(comparable(got.at(s.id)), comparable(expected.at(s.id))) << s.id;
  const auto st = status(sup);
  EXPECT_EQ(st.retired, (std::vector<std::uint32_t>{1}));
  EXPECT_EQ(st.worker_restarts, (std::vector<std::uint32_t>{0, 2}));
  EXPECT_GT(st.recovered, 0u);
  EXPECT_EQ(st.worker_sessions, (std::vector<std::uint64_t>{0, 0}));
}

TEST_F(SupervisorTest, SessionsGoToTheWorkerWithTheMostFreeSlotsAndStayWhereTheyArePlaced) {
  auto b = write_bundle(testing::json_script(JsonPath::runaway), dir_ / "runaway");
  auto s = setup(b, 2, std::nullopt);
  s.workers[0].slots = 50;
  s.workers[1].slots = 100;
  auto sup = start(std::move(s));
  // Endless sessions: worker 1 takes 50 until both have 50 free, then they alternate, worker 0
  // first on each tie; 90 sessions end as 20 and 70.
  caf::scoped_actor self{system_};
  using Handle =
      decltype(self->request(sup, caf::infinite, run_atom::value, std::declval<SessionOrder>()));
  std::vector<Handle> pending;
  for (unsigned i = 0; i < 90; ++i) {
    auto spec = session(numbered("s", i), "add");
    spec.budgets.max_tokens = 1u << 30;
    pending.push_back(self->request(sup, caf::infinite, run_atom::value,
                                    SessionOrder{spec, agent::Admission::fresh, {}}));
  }
  for (int i = 0; i < 500 && status(sup).running < 90; ++i) std::this_thread::sleep_for(5ms);
  auto st = status(sup);
  EXPECT_EQ(st.worker_sessions, (std::vector<std::uint64_t>{20, 70}));
  EXPECT_EQ(st.worker_placed, (std::vector<std::uint64_t>{20, 70}));
  EXPECT_EQ(st.queued, 0u);
  // While both workers live, nothing moves.
  std::this_thread::sleep_for(50ms);
  st = status(sup);
  EXPECT_EQ(st.worker_sessions, (std::vector<std::uint64_t>{20, 70}));
  EXPECT_EQ(st.worker_placed, (std::vector<std::uint64_t>{20, 70}));
  for (unsigned i = 0; i < 90; ++i) caf::anon_send(sup, cancel_atom::value, numbered("s", i));
  for (auto& p : pending)
    p.receive(
        [](agent::SessionOutcome& o) {
          EXPECT_EQ(o.result.status, agent::SessionStatus::cancelled);
        },
        [](caf::error& e) { ADD_FAILURE() << error_text(e); });
}

// A worker of another node (cluster.hpp) that takes sessions and never ends them, as a node does
// until it is lost.
model_worker_actor spawn_silent_worker(caf::actor_system& system, std::atomic<int>& started) {
  return system.spawn([&started]() -> model_worker_actor::behavior_type {
    return {[&started](start_atom, const SessionOrder&) { ++started; },
            [](cancel_atom, const std::string&) {},
            [](tool_atom, const std::string&, const tool_host_actor&) {},
            [](status_atom) { return WorkerStatus{}; }, [](crash_atom) {}};
  });
}

TEST_F(SupervisorTest, ASessionWhoseNodeIsLostAFourthTimeEndsAsFailedNamingTheNode) {
  SupervisorSetup none;
  auto sup = start(std::move(none));
  std::atomic<int> started{0};
  std::optional<Result<agent::SessionOutcome>> outcome;
  std::thread client([&] {
    outcome = run_session(system_, sup, session("lost", copy_prompt(3, 1), 0.0f, 1),
                          agent::Admission::fresh);
  });
  for (int node = 1; node <= 4; ++node) {
    auto worker = spawn_silent_worker(system_, started);
    caf::anon_send(sup, adopt_atom::value, worker, std::uint64_t{8},
                   "node-" + std::to_string(node));
    for (int i = 0; i < 1000 && started < node; ++i) std::this_thread::sleep_for(2ms);
    ASSERT_EQ(started, node) << "the session was not placed on node-" << node;
    caf::anon_send_exit(worker, caf::exit_reason::kill);
  }
  client.join();
  ASSERT_TRUE(outcome && *outcome) << (outcome ? outcome->error().message : "no outcome");
  const auto& result = (*outcome)->result;
  EXPECT_EQ(result.status, agent::SessionStatus::failed);
  EXPECT_NE(result.error.find("lost 4 times"), std::string::npos) << result.error;
  EXPECT_NE(result.error.find("node-4"), std::string::npos) << result.error;
  const SupervisorStatus st = status(sup);
  EXPECT_EQ(st.recovered, 3u);
  EXPECT_EQ(st.retired.size(), 4u);
}

}  // namespace
}  // namespace recur::actors
