// The runtime as a library: jobs run through a JobRunner on a Runtime, as `recur run` and the
// service run them — the queue by priority, N at a time, cancel requests from outside, scripts
// that do not compile.
#include "actors/runtime.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <thread>

#include "jobs/cancel_requests.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"
#include "support/temp_dir.hpp"

namespace recur::actors {
namespace {

class RuntimeJobs : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(dir_ / "store");
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    store_ = std::move(*opened);
    RuntimeOptions options;
    options.tools = ToolSetup{{}, {}};
    options.tools->registry.store_dir = store_->dir();
    auto runtime = Runtime::open(options);
    ASSERT_TRUE(runtime.ok()) << runtime.error().message;
    runtime_ = std::move(*runtime);
  }

  std::string create(const std::string& source, std::int64_t priority) {
    jobs::Job job;
    job.script = "job.lua";
    job.source = source;
    job.priority = priority;
    auto id = jobs::JobStore(*store_).create(job);
    EXPECT_TRUE(id.ok()) << id.error().message;
    return id.ok() ? *id : "";
  }

  recur::testing::TempDir dir_;
  std::optional<Store> store_;
  std::unique_ptr<Runtime> runtime_;
};

TEST_F(RuntimeJobs, TheQueueRunsHighestPriorityFirstAndEveryJobEnds) {
  const char* script = R"(
local r = assert(tool.call("expr", {expression = "6*7"}))
report.row{answer = r.value})";
  const std::string low = create(script, 1), high = create(script, 5), middle = create(script, 3);
  jobs::JobRunner runner(*store_, *runtime_);
  auto done = runner.run_queue(1);
  ASSERT_TRUE(done.ok()) << done.error().message;
  ASSERT_EQ(done->size(), 3u);
  // One at a time: they end in the order they start, the queue's order.
  EXPECT_EQ((*done)[0].job.id, high);
  EXPECT_EQ((*done)[1].job.id, middle);
  EXPECT_EQ((*done)[2].job.id, low);
  for (const auto& f : *done) {
    EXPECT_EQ(f.job.status, jobs::JobStatus::finished) << f.job.error;
    ASSERT_NE(f.script, nullptr);
    ASSERT_EQ(f.script->report().rows().size(), 1u);
    EXPECT_EQ(f.script->report().rows()[0]["answer"], 42);
    EXPECT_EQ(f.job.summary.calls, 1u);
    EXPECT_EQ(f.files.size(), 2u);  // report.csv and report.json
  }
  auto listed = jobs::JobStore(*store_).list();
  ASSERT_TRUE(listed.ok());
  for (const auto& j : *listed) EXPECT_EQ(j.status, jobs::JobStatus::finished) << j.id;
  auto again = runner.run_queue(2);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());
}

TEST_F(RuntimeJobs, AScriptThatDoesNotCompileFailsAloneAndTheOthersRun) {
  const std::string bad = create("report.row{x = }", 0);
  const std::string good = create("report.row{x = 1}", 0);
  jobs::JobRunner runner(*store_, *runtime_);
  auto done = runner.run({*jobs::JobStore(*store_).get(bad), *jobs::JobStore(*store_).get(good)});
  ASSERT_EQ(done.size(), 2u);
  EXPECT_EQ(done[0].job.id, bad);
  EXPECT_EQ(done[0].job.status, jobs::JobStatus::failed);
  EXPECT_NE(done[0].job.error.find("job.lua:1:"), std::string::npos) << done[0].job.error;
  EXPECT_EQ(done[0].script, nullptr);
  EXPECT_EQ(done[1].job.status, jobs::JobStatus::finished) << done[1].job.error;
  EXPECT_EQ(jobs::JobStore(*store_).get(bad)->status, jobs::JobStatus::failed);
}

TEST_F(RuntimeJobs, ACancelRequestStopsAJobThatComputesAndOneThatWaits) {
  // One job computes in its own Lua, the other waits for a tool call that sleeps.
  const std::string busy = create("while true do end", 0);
  const std::string waiting =
      create(R"(tool.call("code", {language = "sh", source = "sleep 5"}) report.row{x = 1})", 0);
  jobs::JobRunner runner(*store_, *runtime_);
  std::thread cancel([&] {
    // Both jobs are running once their records say so; the requests then reach them.
    for (int i = 0; i < 400; ++i) {
      auto b = jobs::JobStore(*store_).get(busy);
      auto w = jobs::JobStore(*store_).get(waiting);
      if (b.ok() && w.ok() && b->status == jobs::JobStatus::running &&
          w->status == jobs::JobStatus::running)
        break;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    ASSERT_TRUE(jobs::request_cancel(store_->dir(), busy).ok());
    ASSERT_TRUE(jobs::request_cancel(store_->dir(), waiting).ok());
  });
  const auto t0 = std::chrono::steady_clock::now();
  auto done =
      runner.run({*jobs::JobStore(*store_).get(busy), *jobs::JobStore(*store_).get(waiting)});
  // The sleeping tool call is abandoned, not awaited: the runner returns long before it ends.
  std::cout << "ran until cancelled: "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
            << " s\n";
  cancel.join();
  ASSERT_EQ(done.size(), 2u);
  for (const auto& f : done) {
    EXPECT_EQ(f.job.status, jobs::JobStatus::cancelled) << f.job.id << ": " << f.job.error;
    EXPECT_FALSE(jobs::cancel_requested(store_->dir(), f.job.id));
  }
}

}  // namespace
}  // namespace recur::actors
