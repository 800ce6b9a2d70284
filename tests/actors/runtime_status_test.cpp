// The runtime's status (Runtime::status): a supervisor per model in use, then the pipelines' tool
// supervisor, each with what its children counted for the job that ran; nothing once closed.
#include <gtest/gtest.h>

#include "actors/runtime.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "support/temp_dir.hpp"

namespace recur::actors {
namespace {

TEST(RuntimeStatus, ListsTheSupervisorsInUseWithTheirCountersAndNothingOnceClosed) {
  recur::testing::TempDir dir;
  auto store = Store::open(dir / "store");
  ASSERT_TRUE(store.ok()) << store.error().message;
  RuntimeOptions options;
  options.tools = ToolSetup{{}, {}};
  options.tools->registry.store_dir = store->dir();
  auto runtime = Runtime::open(options);
  ASSERT_TRUE(runtime.ok()) << runtime.error().message;
  EXPECT_TRUE((*runtime)->status().supervisors.empty());  // supervisors start at first use

  const std::string model = std::string(RECUR_SOURCE_DIR) + "/models/addition-pointer";
  jobs::Job job;
  job.script = "job.lua";
  job.source = R"(
local v = assert(tool.call("expr", {expression = "6*7"}))
local r = assert(agent.run{prompt = "1 2 + 3 4 =", max_tokens = 200})
report.row{value = v.value, tokens = r.tokens})";
  job.options.model = model;
  ASSERT_TRUE(jobs::JobStore(*store).create(job).ok());
  jobs::JobRunner runner(*store, **runtime);
  auto done = runner.run_queue(1);
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_EQ(done->size(), 1u);
  ASSERT_EQ((*done)[0].job.status, jobs::JobStatus::finished) << (*done)[0].job.error;
  const std::uint64_t tokens = (*done)[0].script->report().rows()[0]["tokens"];

  const RuntimeStatus status = (*runtime)->status();
  ASSERT_EQ(status.supervisors.size(), 2u);
  const SupervisorSnapshot& models = status.supervisors[0];
  EXPECT_EQ(models.model, model);
  EXPECT_TRUE(models.answered);
  EXPECT_EQ(models.queued, 0u);
  EXPECT_EQ(models.running, 0u);
  ASSERT_FALSE(models.workers.empty());
  std::uint64_t generated = 0;
  for (const WorkerSnapshot& w : models.workers) {
    EXPECT_EQ(w.state, ChildState::up);
    EXPECT_EQ(w.device, "cpu");
    EXPECT_GT(w.slots, 0u);
    EXPECT_EQ(w.slots_used, 0u);
    generated += w.tokens_generated;
  }
  EXPECT_EQ(generated, tokens);
  const SupervisorSnapshot& pipelines = status.supervisors[1];
  EXPECT_EQ(pipelines.model, "");
  EXPECT_TRUE(pipelines.answered);
  EXPECT_TRUE(pipelines.workers.empty());
  std::uint64_t expr_calls = 0;
  for (const ToolHostSnapshot& t : pipelines.tools)
    if (t.tool == "expr") expr_calls += t.calls;
  EXPECT_EQ(expr_calls, 1u);

  (*runtime)->close();
  EXPECT_TRUE((*runtime)->status().supervisors.empty());
}

}  // namespace
}  // namespace recur::actors
