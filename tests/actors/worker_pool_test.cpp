// The worker pool: one model worker per device the command line names, each with a backend of its
// own. On the CPU it is one worker; on a GPU node one per GPU, and the supervisor spreads sessions
// over them by free slots: 2,000 sessions go to both GPUs of two and end with the outputs a single
// GPU gives, and the sessions of a GPU worker that dies go on from their checkpoints on the other.
#include "actors/worker_pool.hpp"

#include <gtest/gtest.h>

#include "support/gpus.hpp"
#include "support/plain_loop.hpp"
#include "support/session_scripts.hpp"
#include "support/temp_dir.hpp"

namespace recur::actors {
namespace {

using agent::Admission;
using agent::SessionOutcome;
using agent::SessionSpec;
using testing::Json;

DeviceOptions on(const std::string& device, std::size_t slots, const std::string& devices = "") {
  DeviceOptions o;
  o.device = device;
  o.devices = devices;
  o.threads = 1;
  o.slots = slots;
  o.batch_invariant = true;  // so a session's tokens do not depend on its GPU's other sessions
  return o;
}

// Greedy sessions of the pointer copy script on a random model: 3 to 9 digits, budgets of their
// own.
std::vector<SessionSpec> copy_sessions(std::size_t n) {
  std::vector<SessionSpec> specs;
  for (unsigned i = 0; i < n; ++i) {
    specs.push_back(
        testing::session(testing::numbered("s", i), testing::copy_prompt(3 + i % 7, i)));
    specs.back().budgets.max_tokens = 24 + (i % 10) * 4;
  }
  return specs;
}

class WorkerPoolTest : public ::testing::Test {
 protected:
  // Runs every session on a supervisor of `setup`, sent all at once; `midway`, when set, runs once
  // the first session's outcome is in (the longer sessions are then in the middle of their runs).
  // Returns each outcome as comparable JSON, and the supervisor's status at the end.
  std::map<std::string, Json> run_all(actors::SupervisorSetup setup,
                                      const std::vector<SessionSpec>& specs,
                                      SupervisorStatus* status = nullptr,
                                      std::function<void(const supervisor_actor&)> midway = {}) {
    auto sup = actors::spawn_supervisor(system_, std::move(setup));
    caf::scoped_actor self{system_};
    using Handle = decltype(self->request(sup, caf::infinite, actors::run_atom::value,
                                          std::declval<SessionOrder>()));
    std::vector<Handle> pending;
    for (const auto& s : specs)
      pending.push_back(self->request(sup, caf::infinite, actors::run_atom::value,
                                      SessionOrder{s, Admission::fresh, {}}));
    std::map<std::string, Json> out;
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (midway && i == 1) midway(sup);
      pending[i].receive(
          [&](SessionOutcome& o) { out[o.result.id] = testing::comparable(o.result); },
          [&](caf::error& e) { ADD_FAILURE() << specs[i].id << ": " << actors::error_text(e); });
    }
    if (status)
      self->request(sup, caf::infinite, actors::status_atom::value)
          .receive([&](SupervisorStatus& st) { *status = st; },
                   [&](caf::error& e) { ADD_FAILURE() << actors::error_text(e); });
    self->send_exit(sup, caf::exit_reason::user_shutdown);
    return out;
  }

  recur::testing::TempDir dir_;
  actors::RuntimeConfig config_{2};
  caf::actor_system system_{config_};
};

TEST_F(WorkerPoolTest, TheCpuIsOneWorkerWhoseBackendHoldsItsSlots) {
  auto b = write_bundle(testing::pointer_copy_script(), dir_ / "copy");
  actors::WorkerSetup base;
  base.tool_deadline = std::chrono::milliseconds(1234);
  auto setup = make_worker_pool(b.dir, on("cpu", 7), base);
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  ASSERT_EQ(setup->workers.size(), 1u);
  const actors::WorkerSetup& w = setup->workers[0];
  EXPECT_EQ(w.slots, 7u);
  EXPECT_EQ(w.tool_deadline.count(), 1234);
  EXPECT_EQ(w.tokenizer->vocab_size(), b.tokenizer->vocab_size());
  // The first start takes the backend made up front; a restart makes a fresh one.
  for (int start = 0; start < 2; ++start) {
    auto backend = w.make_backend();
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    EXPECT_EQ((*backend)->name(), "cpu");
    EXPECT_EQ((*backend)->capacity(), 7u);
  }
}

TEST_F(WorkerPoolTest, BadDevicesAndBundlesAreErrorsBeforeAnyWorkerStarts) {
  auto b = write_bundle(testing::pointer_copy_script(), dir_ / "copy");
  const std::pair<DeviceOptions, std::string> cases[] = {
      {on("tpu", 4), "device 'tpu' is not a device name (cpu, cuda or cuda:N)"},
      {on("cpu", 0), "worker pool: a worker needs at least one slot"},
  };
  for (const auto& [options, message] : cases) {
    auto setup = make_worker_pool(b.dir, options);
    ASSERT_FALSE(setup.ok()) << message;
    EXPECT_EQ(setup.error().message, message);
  }
  auto missing = make_worker_pool(dir_ / "nowhere", on("cpu", 4));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("tokenizer.json"), std::string::npos)
      << missing.error().message;
  if (cuda_device_count() == 0) {
    auto none = make_worker_pool(b.dir, on("cpu", 4, "all"));
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error().message, cuda_unavailable_reason());
    EXPECT_EQ(none.error().code, ErrorCode::unavailable);
  }
}

TEST_F(WorkerPoolTest, ACpuPoolRunsSessionsToTheirOutcomesAlone) {
  auto b = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  const auto specs = copy_sessions(40);
  auto setup = make_worker_pool(b.dir, on("cpu", 16));
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  SupervisorStatus st;
  const auto got = run_all(std::move(*setup), specs, &st);
  ASSERT_EQ(got.size(), specs.size());
  for (const auto& s : specs)
    EXPECT_EQ(got.at(s.id), testing::comparable(testing::run_alone(b, s, nullptr))) << s.id;
  EXPECT_EQ(st.worker_placed, (std::vector<std::uint64_t>{40}));
}

TEST_F(WorkerPoolTest, EveryGpuGetsAWorkerOfItsOwn) {
  RECUR_REQUIRE_GPUS(1);
  auto b = write_bundle(testing::pointer_copy_script(), dir_ / "copy");
  auto setup = make_worker_pool(b.dir, on("cpu", 8, "all"));
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  ASSERT_EQ(setup->workers.size(), static_cast<std::size_t>(cuda_device_count()));
  for (std::size_t i = 0; i < setup->workers.size(); ++i) {
    auto backend = setup->workers[i].make_backend();
    ASSERT_TRUE(backend.ok()) << backend.error().message;
    EXPECT_EQ((*backend)->name(), "cuda:" + std::to_string(i));
    EXPECT_EQ((*backend)->capacity(), 8u);
  }
}

TEST_F(WorkerPoolTest, OnOneGpuSessionsEndAsTheyDoAloneOnTheCpu) {
  RECUR_REQUIRE_GPUS(1);
  auto b = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  const auto specs = copy_sessions(200);
  auto setup = make_worker_pool(b.dir, on("cpu", 200, "0"));
  ASSERT_TRUE(setup.ok()) << setup.error().message;
  const auto got = run_all(std::move(*setup), specs);
  ASSERT_EQ(got.size(), specs.size());
  for (std::size_t i = 0; i < specs.size(); i += 20)
    EXPECT_EQ(got.at(specs[i].id), testing::comparable(testing::run_alone(b, specs[i], nullptr)))
        << specs[i].id;
}

TEST_F(WorkerPoolTest, TwoThousandSessionsSpreadOverTwoGpusEndAsOnOne) {
  RECUR_REQUIRE_GPUS(2);
  auto b = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  const auto specs = copy_sessions(2000);
  auto one = make_worker_pool(b.dir, on("cpu", 2000, "0"));
  ASSERT_TRUE(one.ok()) << one.error().message;
  const auto expected = run_all(std::move(*one), specs);
  ASSERT_EQ(expected.size(), specs.size());

  auto two = make_worker_pool(b.dir, on("cpu", 1000, "0,1"));
  ASSERT_TRUE(two.ok()) << two.error().message;
  SupervisorStatus st;
  const auto got = run_all(std::move(*two), specs, &st);
  ASSERT_EQ(got.size(), specs.size());
  std::size_t same = 0;
  for (const auto& s : specs) same += got.at(s.id) == expected.at(s.id);
  EXPECT_EQ(same, specs.size());
  // Sent all at once, the sessions alternate between the two workers: about half on each (exactly
  // half unless sessions end while others still arrive).
  ASSERT_EQ(st.worker_placed.size(), 2u);
  EXPECT_EQ(st.worker_placed[0] + st.worker_placed[1], 2000u);
  EXPECT_GE(st.worker_placed[0], 800u);
  EXPECT_GE(st.worker_placed[1], 800u);
  EXPECT_EQ(st.recovered, 0u);
}

TEST_F(WorkerPoolTest, TheSessionsOfACrashedGpuWorkerGoOnFromCheckpointsOnTheOther) {
  RECUR_REQUIRE_GPUS(2);
  auto b = write_random_bundle(testing::pointer_copy_script(), dir_ / "random");
  const auto specs = copy_sessions(400);
  auto one = make_worker_pool(b.dir, on("cpu", 400, "0"));
  ASSERT_TRUE(one.ok()) << one.error().message;
  const auto expected = run_all(std::move(*one), specs);

  auto store = Store::open(dir_ / "store", StoreOptions{.sync = false});
  ASSERT_TRUE(store.ok()) << store.error().message;
  actors::WorkerSetup base;
  base.batcher = {8, *store};
  auto two = make_worker_pool(b.dir, on("cpu", 400, "0,1"), base);
  ASSERT_TRUE(two.ok()) << two.error().message;
  // No restart within the test: worker 1's sessions can only go on on worker 0.
  two->restart.min_backoff = std::chrono::milliseconds(60000);
  two->restart.max_backoff = std::chrono::milliseconds(60000);
  SupervisorStatus st;
  const auto got = run_all(std::move(*two), specs, &st, [](const supervisor_actor& sup) {
    caf::anon_send(sup, actors::crash_atom::value, std::uint32_t{1});
  });
  ASSERT_EQ(got.size(), specs.size());
  for (const auto& s : specs) EXPECT_EQ(got.at(s.id), expected.at(s.id)) << s.id;
  EXPECT_GT(st.recovered, 0u);
  EXPECT_EQ(st.worker_restarts, (std::vector<std::uint32_t>{0, 0}));
  EXPECT_EQ(st.worker_placed[0] + st.worker_placed[1], 400u + st.recovered);
  EXPECT_EQ(st.worker_sessions, (std::vector<std::uint64_t>{0, 0}));
}

}  // namespace
}  // namespace recur::actors
