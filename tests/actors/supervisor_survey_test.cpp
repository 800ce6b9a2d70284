// A supervisor's survey gathers what its children count: a worker's tokens, forward passes and
// checkpoints match the sessions that ran, its histograms hold one observation per pass, its tool
// hosts count their calls; and a worker stuck in a forward pass is reported silent within the wait
// instead of holding the survey.
#include <gtest/gtest.h>

#include <atomic>
#include <limits>

#include "actors/agent_session.hpp"
#include "actors/supervisor.hpp"
#include "gate.hpp"
#include "support/faulty_backend.hpp"
#include "support/plain_loop.hpp"
#include "support/session_scripts.hpp"
#include "support/temp_dir.hpp"

namespace recur::actors {
namespace {

using namespace std::chrono_literals;
using testing::Gate;
using testing::JsonPath;
using testing::LoadedBundle;
using testing::numbered;
using testing::session;

// A CPU backend whose forward passes hold at a gate: a worker stuck on its device. (A faulty
// backend that is never armed: every call passes on to the CPU's.)
class HeldBackend : public testing::FaultyBackend {
 public:
  HeldBackend(std::unique_ptr<Backend> inner, std::shared_ptr<Gate> gate)
      : FaultyBackend(std::move(inner),
                      std::make_shared<std::atomic<int>>(std::numeric_limits<int>::max())),
        gate_(std::move(gate)) {}
  Status forward(std::span<const SequenceChunk> chunks, LogitsFor which,
                 std::vector<float>& logits) override {
    gate_->hold();
    return FaultyBackend::forward(chunks, which, logits);
  }
  Status forward_argmax(std::span<const SequenceChunk> chunks, std::size_t vocab_limit,
                        std::vector<TokenId>& next) override {
    gate_->hold();
    return FaultyBackend::forward_argmax(chunks, vocab_limit, next);
  }

 private:
  std::shared_ptr<Gate> gate_;
};

class SupervisorSurveyTest : public ::testing::Test {
 protected:
  // One worker of 128 slots; with `gate`, its forward passes wait there.
  supervisor_actor start(const LoadedBundle& b, std::optional<Store> store,
                         std::shared_ptr<Gate> gate = nullptr) {
    SupervisorSetup s;
    WorkerSetup w;
    w.model = b.model;
    w.tokenizer = b.tokenizer;
    auto model = b.model;
    w.make_backend = [model, gate]() -> Result<std::unique_ptr<Backend>> {
      auto cpu = make_cpu_backend(model, 1, 128);
      if (!gate) return cpu;
      return std::unique_ptr<Backend>(std::make_unique<HeldBackend>(std::move(cpu), gate));
    };
    w.batcher = {4, store};
    w.slots = 128;
    s.workers.push_back(std::move(w));
    s.registry = testing::lua_registry();
    auto sup = spawn_supervisor(system_, std::move(s));
    stop_later_.push_back(caf::actor_cast<caf::actor>(sup));
    return sup;
  }

  SupervisorSurvey survey(const supervisor_actor& sup, std::uint32_t wait_ms) {
    caf::scoped_actor self{system_};
    SupervisorSurvey out;
    self->request(sup, 10s, survey_atom::value, wait_ms)
        .receive([&](SupervisorSurvey& s) { out = std::move(s); },
                 [&](caf::error& e) { ADD_FAILURE() << error_text(e); });
    return out;
  }

  void TearDown() override {
    for (auto& a : stop_later_) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }

  recur::testing::TempDir dir_;
  RuntimeConfig config_{2};
  caf::actor_system system_{config_};
  std::vector<caf::actor> stop_later_;
};

const ToolHostSurvey* find_tool(const SupervisorSurvey& s, const std::string& name) {
  for (const auto& t : s.tools)
    if (t.status.tool == name) return &t;
  return nullptr;
}

TEST_F(SupervisorSurveyTest, CountsTheTokensPassesCheckpointsAndToolCallsOfWhatRan) {
  auto b = testing::write_bundle(testing::json_script(JsonPath::bigint_add), dir_ / "bigint");
  auto store = Store::open(dir_ / "store", StoreOptions{.sync = false});
  ASSERT_TRUE(store.ok()) << store.error().message;
  auto sup = start(b, *store);
  std::uint64_t generated = 0;
  for (unsigned i = 0; i < 5; ++i) {
    auto outcome =
        run_session(system_, sup, session(numbered("s", i), "add"), agent::Admission::fresh);
    ASSERT_TRUE(outcome.ok()) << outcome.error().message;
    ASSERT_EQ(outcome->result.status, agent::SessionStatus::finished) << outcome->result.error;
    generated += outcome->result.generated.size();
  }
  ASSERT_GT(generated, 0u);

  const SupervisorSurvey s = survey(sup, 5000);
  ASSERT_EQ(s.workers.size(), 1u);
  const WorkerSurvey& w = s.workers[0];
  EXPECT_EQ(w.state, ChildState::up);
  EXPECT_EQ(w.slots, 128u);
  const WorkerStatus& st = w.status;
  EXPECT_EQ(st.device, "cpu");
  EXPECT_EQ(st.generated, generated);
  EXPECT_GE(st.tokens, generated);
  EXPECT_EQ(st.sessions, 0u);
  EXPECT_EQ(st.waiting, 0u);
  ASSERT_GT(st.ticks, 0u);
  // One observation per forward pass in each histogram; batch sizes add up to the session steps.
  ASSERT_EQ(st.step_seconds.counts.size(), kStepSecondsBounds.size() + 1);
  ASSERT_EQ(st.batch_size.counts.size(), kBatchSizeBounds.size() + 1);
  EXPECT_EQ(st.step_seconds.count(), st.ticks);
  EXPECT_EQ(st.batch_size.count(), st.ticks);
  EXPECT_EQ(st.batch_size.sum, static_cast<double>(st.sequences));
  EXPECT_EQ(st.batch_size.counts[0], st.ticks);  // one session at a time: every pass held one
  EXPECT_NEAR(st.step_seconds.sum * 1000, st.forward_ms, 1e-6 * st.forward_ms + 1e-9);
  EXPECT_GT(st.checkpoints, 0u);
  EXPECT_GT(st.checkpoint_bytes, 0u);

  const ToolHostSurvey* bigint = find_tool(s, "bigint");
  ASSERT_NE(bigint, nullptr);
  EXPECT_EQ(bigint->state, ChildState::up);
  EXPECT_EQ(bigint->status.calls, 5u);
  EXPECT_EQ(bigint->status.errors, 0u);
  EXPECT_EQ(bigint->status.timeouts, 0u);
  EXPECT_EQ(bigint->status.running, 0u);
  EXPECT_EQ(bigint->status.call_seconds.count(), 5u);
  const ToolHostSurvey* expr = find_tool(s, "expr");
  ASSERT_NE(expr, nullptr);
  EXPECT_EQ(expr->status.calls, 0u);

  // The plain snapshot keeps the numbers and pairs the histograms with their bounds.
  const SupervisorSnapshot snap = snapshot_of("models/bigint", s);
  EXPECT_TRUE(snap.answered);
  ASSERT_EQ(snap.workers.size(), 1u);
  EXPECT_EQ(snap.workers[0].tokens_generated, generated);
  EXPECT_EQ(snap.workers[0].slots, 128u);
  EXPECT_EQ(snap.workers[0].step_seconds.bounds.size() + 1,
            snap.workers[0].step_seconds.counts.size());
  for (const auto& t : snap.tools) {
    EXPECT_EQ(t.call_seconds.counts.size(), t.call_seconds.bounds.size() + 1) << t.tool;
    EXPECT_EQ(child_state_name(t.state), "up");
  }
}

TEST_F(SupervisorSurveyTest, AWorkerStuckInAForwardPassIsSilentAndTheSurveyAnswersWithinItsWait) {
  auto b = testing::write_bundle(testing::json_script(JsonPath::runaway), dir_ / "runaway");
  auto gate = std::make_shared<Gate>();
  auto sup = start(b, std::nullopt, gate);
  auto spec = session("stuck", "add");
  spec.budgets.max_tokens = 1u << 30;
  caf::scoped_actor self{system_};
  auto pending =
      self->request(sup, 30s, run_atom::value, SessionOrder{spec, agent::Admission::fresh, {}});
  ASSERT_TRUE(gate->wait_arrival()) << "the session's first forward pass never started";

  // The gate is still closed: the survey answers without the worker.
  const SupervisorSurvey s = survey(sup, 200);
  ASSERT_EQ(s.workers.size(), 1u);
  EXPECT_EQ(s.workers[0].state, ChildState::silent);
  EXPECT_EQ(s.supervisor.running, 1u);
  for (const auto& t : s.tools) EXPECT_EQ(t.state, ChildState::up) << t.status.tool;

  gate->open();
  caf::anon_send(sup, cancel_atom::value, std::string("stuck"));
  pending.receive(
      [](agent::SessionOutcome& o) { EXPECT_EQ(o.result.status, agent::SessionStatus::cancelled); },
      [](caf::error& e) { ADD_FAILURE() << error_text(e); });
  // Once free, the worker answers again.
  EXPECT_EQ(survey(sup, 5000).workers[0].state, ChildState::up);
}

}  // namespace
}  // namespace recur::actors
