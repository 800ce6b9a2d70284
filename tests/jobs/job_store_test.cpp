// The job queue: ids, priorities, the queue index and stores written before it.
#include "jobs/job_store.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace recur::jobs {
namespace {

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = Store::open(dir_ / "s");
    ASSERT_TRUE(opened.ok());
    store_ = std::make_unique<Store>(std::move(*opened));
  }
  Job job(std::int64_t priority) const {
    Job j;
    j.script = "a.lua";
    j.source = "return 1";
    j.priority = priority;
    return j;
  }
  std::vector<std::string> next_ids(std::size_t n) const {
    std::vector<std::string> ids;
    auto next = JobStore(*store_).next_queued(n);
    EXPECT_TRUE(next.ok());
    if (next)
      for (const auto& j : *next) ids.push_back(j.id);
    return ids;
  }
  std::size_t index_entries() const {
    std::size_t n = 0;
    EXPECT_TRUE(store_
                    ->for_each(key_prefix({"jobs", "queued"}),
                               [&](std::string_view, std::string_view) {
                                 ++n;
                                 return true;
                               })
                    .ok());
    return n;
  }

  recur::testing::TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(JobStoreTest, NumbersJobsAndQueuesThemByPriorityThenAge) {
  JobStore jobs(*store_);
  EXPECT_EQ(*jobs.create(job(1)), "job-000001");
  EXPECT_EQ(*jobs.create(job(5)), "job-000002");
  EXPECT_EQ(*jobs.create(job(5)), "job-000003");
  EXPECT_EQ(*jobs.create(job(-2)), "job-000004");
  EXPECT_EQ(next_ids(10),
            (std::vector<std::string>{"job-000002", "job-000003", "job-000001", "job-000004"}));
  auto second = *jobs.get("job-000002");
  second.status = JobStatus::finished;
  ASSERT_TRUE(jobs.update(second).ok());
  EXPECT_EQ(next_ids(1), std::vector<std::string>{"job-000003"});
  EXPECT_EQ(jobs.list()->size(), 4u);
  EXPECT_FALSE(jobs.get("job-000009").ok());
  EXPECT_EQ(jobs.get("job-000002")->status, JobStatus::finished);
}

TEST_F(JobStoreTest, TheIndexHoldsExactlyTheQueuedJobs) {
  JobStore jobs(*store_);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(jobs.create(job(0)).ok());
  EXPECT_EQ(index_entries(), 5u);
  for (const char* id : {"job-000001", "job-000004"}) {
    auto j = *jobs.get(id);
    j.status = JobStatus::running;
    ASSERT_TRUE(jobs.update(j).ok());
  }
  EXPECT_EQ(index_entries(), 3u);
  EXPECT_EQ(next_ids(10), (std::vector<std::string>{"job-000002", "job-000003", "job-000005"}));
  // A job put back in the queue (a resumed or requeued one) is in line again, by age.
  auto j = *jobs.get("job-000001");
  j.status = JobStatus::queued;
  ASSERT_TRUE(jobs.update(j).ok());
  EXPECT_EQ(next_ids(2), (std::vector<std::string>{"job-000001", "job-000002"}));
}

TEST_F(JobStoreTest, AStoreWrittenBeforeTheIndexIsIndexedOnTheFirstPass) {
  JobStore jobs(*store_);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(jobs.create(job(i == 2 ? 9 : 0)).ok());
  auto j = *jobs.get("job-000001");
  j.status = JobStatus::failed;
  ASSERT_TRUE(jobs.update(j).ok());
  // What an older build left: records only, no index and no marker.
  ASSERT_TRUE(store_->erase_prefix(key_prefix({"jobs", "queued"})).ok());
  ASSERT_TRUE(store_->erase(key_prefix({"jobs", "queue-index"})).ok());
  EXPECT_EQ(index_entries(), 0u);
  EXPECT_EQ(next_ids(10), (std::vector<std::string>{"job-000003", "job-000002", "job-000004"}));
  EXPECT_EQ(index_entries(), 3u);
}

TEST_F(JobStoreTest, AnEntryWhoseJobLeftTheQueueIsDroppedNotRun) {
  JobStore jobs(*store_);
  ASSERT_TRUE(jobs.create(job(0)).ok());
  ASSERT_TRUE(jobs.create(job(0)).ok());
  ASSERT_TRUE(next_ids(1).size() == 1);  // the index exists now
  // An index entry left behind for a running job (built while the job started), and one for a job
  // with no record at all.
  auto j = *jobs.get("job-000001");
  j.status = JobStatus::running;
  ASSERT_TRUE(jobs.update(j).ok());
  ASSERT_TRUE(store_->put(key_prefix({"jobs", "queued"}) + "job-000001", "0").ok());
  ASSERT_TRUE(store_->put(key_prefix({"jobs", "queued"}) + "job-000000", "7").ok());
  EXPECT_EQ(index_entries(), 3u);
  EXPECT_EQ(next_ids(10), std::vector<std::string>{"job-000002"});
  EXPECT_EQ(index_entries(), 1u);
}

TEST_F(JobStoreTest, LongerIdsComeAfterShorterOnesOfTheSamePriority) {
  JobStore jobs(*store_);
  ASSERT_TRUE(jobs.create(job(0)).ok());
  Job late = job(0);
  late.id = "job-1000000";
  late.status = JobStatus::queued;
  ASSERT_TRUE(store_->put(key_prefix({"jobs", "meta"}) + late.id, late.to_json(true).dump()).ok());
  ASSERT_TRUE(store_->put(key_prefix({"jobs", "queued"}) + late.id, "0").ok());
  EXPECT_EQ(next_ids(10), (std::vector<std::string>{"job-000001", "job-1000000"}));
}

}  // namespace
}  // namespace recur::jobs
