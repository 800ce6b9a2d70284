// The exposition of GET /metrics after a known runtime status: every family named as
// server/metrics.hpp lists it, labelled by model, worker, device or tool, with the values given;
// histograms as cumulative buckets with their sum and count; the tools of every supervisor added
// up; an unanswered supervisor down and without series; the requests counted by route pattern.
#include "server/metrics.hpp"

#include <gtest/gtest.h>

#include <optional>
#include <sstream>

#include "status_sample.hpp"

namespace recur::server {
namespace {

// The value of the sample `series` (name and labels as exposed) in `text`; none when absent.
std::optional<double> sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  return std::nullopt;
}

bool mentions(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

const std::string kWorker = R"({device="cpu",model="bigint",worker="0"})";
const std::string kSilentWorker = R"({device="cuda:0",model="bigint",worker="1"})";

class MetricsRender : public ::testing::Test {
 protected:
  std::string render(const JobCounts& jobs = {}) {
    const WorkerRates rates{{{"models/bigint", 0}, 12.5}};
    return metrics_.render(testing::sample_status(), rates, jobs);
  }
  Metrics metrics_;
};

TEST_F(MetricsRender, WorkerCountersAndGaugesCarryTheModelWorkerAndDevice) {
  const std::string text = render();
  EXPECT_EQ(sample(text, "recur_tokens_generated_total" + kWorker), 40);
  EXPECT_EQ(sample(text, "recur_tokens_fed_total" + kWorker), 50);
  EXPECT_EQ(sample(text, "recur_forward_passes_total" + kWorker), 10);
  EXPECT_EQ(sample(text, "recur_checkpoints_total" + kWorker), 4);
  EXPECT_EQ(sample(text, "recur_checkpoint_bytes_total" + kWorker), 4096);
  EXPECT_EQ(sample(text, "recur_checkpoint_seconds_total" + kWorker), 0.5);
  EXPECT_EQ(sample(text, "recur_worker_busy_seconds_total" + kWorker), 2.25);
  EXPECT_EQ(sample(text, "recur_worker_restarts_total" + kWorker), 2);
  EXPECT_EQ(sample(text, "recur_tokens_per_second" + kWorker), 12.5);
  EXPECT_EQ(sample(text, "recur_sessions_resident" + kWorker), 3);
  EXPECT_EQ(sample(text, "recur_sessions_waiting" + kWorker), 1);
  EXPECT_EQ(sample(text, "recur_worker_slots" + kWorker), 8);
  EXPECT_EQ(sample(text, "recur_worker_slots_used" + kWorker), 3);
  EXPECT_EQ(sample(text, "recur_worker_state_pool_bytes" + kWorker), 8000);
  EXPECT_EQ(sample(text, "recur_worker_up" + kWorker), 1);
  // A silent worker shows what it last reported, down, and no rate without readings.
  EXPECT_EQ(sample(text, "recur_worker_up" + kSilentWorker), 0);
  EXPECT_EQ(sample(text, "recur_tokens_generated_total" + kSilentWorker), 7);
  EXPECT_EQ(sample(text, "recur_tokens_per_second" + kSilentWorker), 0);
  EXPECT_TRUE(mentions(text, "# TYPE recur_tokens_generated_total counter\n")) << text;
  EXPECT_TRUE(mentions(text, "# TYPE recur_tokens_per_second gauge\n"));
  EXPECT_TRUE(mentions(text, "# HELP recur_forward_passes_total Forward passes (ticks)\n"));
}

TEST_F(MetricsRender, HistogramsAreCumulativeBucketsWithTheirSumAndCount) {
  const std::string text = render();
  const std::string l = R"(device="cpu",model="bigint",worker="0",)";
  EXPECT_TRUE(mentions(text, "# TYPE recur_step_duration_seconds histogram\n"));
  EXPECT_EQ(sample(text, "recur_step_duration_seconds_bucket{" + l + R"(le="0.01"})"), 3);
  EXPECT_EQ(sample(text, "recur_step_duration_seconds_bucket{" + l + R"(le="0.1"})"), 8);
  EXPECT_EQ(sample(text, "recur_step_duration_seconds_bucket{" + l + R"(le="+Inf"})"), 10);
  EXPECT_EQ(sample(text, "recur_step_duration_seconds_sum" + kWorker), 0.875);
  EXPECT_EQ(sample(text, "recur_step_duration_seconds_count" + kWorker), 10);
  EXPECT_EQ(sample(text, "recur_batch_size_bucket{" + l + R"(le="1"})"), 6);
  EXPECT_EQ(sample(text, "recur_batch_size_bucket{" + l + R"(le="4"})"), 10);
  EXPECT_EQ(sample(text, "recur_batch_size_bucket{" + l + R"(le="+Inf"})"), 10);
  EXPECT_EQ(sample(text, "recur_batch_size_sum" + kWorker), 14);
}

TEST_F(MetricsRender, ToolSeriesAddUpTheHostsOfEverySupervisor) {
  const std::string text = render();
  const std::string t = R"({tool="bigint"})";
  EXPECT_EQ(sample(text, "recur_tool_calls_total" + t), 7);
  EXPECT_EQ(sample(text, "recur_tool_errors_total" + t), 1);
  EXPECT_EQ(sample(text, "recur_tool_timeouts_total" + t), 1);
  EXPECT_EQ(sample(text, "recur_tool_calls_running" + t), 1);
  EXPECT_EQ(sample(text, "recur_tool_calls_queued" + t), 3);
  EXPECT_EQ(sample(text, R"(recur_tool_call_duration_seconds_bucket{tool="bigint",le="0.1"})"), 4);
  EXPECT_EQ(sample(text, R"(recur_tool_call_duration_seconds_bucket{tool="bigint",le="1"})"), 6);
  EXPECT_EQ(sample(text, R"(recur_tool_call_duration_seconds_bucket{tool="bigint",le="+Inf"})"), 7);
  EXPECT_EQ(sample(text, "recur_tool_call_duration_seconds_sum" + t), 3.75);
  EXPECT_EQ(sample(text, "recur_tool_call_duration_seconds_count" + t), 7);
}

TEST_F(MetricsRender, SupervisorsAreUpByModelAndAnUnansweredOneHasNoOtherSeries) {
  const std::string text = render();
  EXPECT_EQ(sample(text, R"(recur_supervisor_up{model="bigint"})"), 1);
  EXPECT_EQ(sample(text, R"(recur_supervisor_up{model="other"})"), 0);
  EXPECT_EQ(sample(text, R"(recur_sessions_queued{model="bigint"})"), 2);
  EXPECT_EQ(sample(text, R"(recur_sessions_recovered_total{model="bigint"})"), 1);
  EXPECT_FALSE(sample(text, R"(recur_sessions_queued{model="other"})"));
  // The pipelines' tool supervisor has no model: it is not a supervisor of the up family.
  EXPECT_FALSE(mentions(text, R"(model="")"));
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (mentions(line, R"(model="other")")) {
      EXPECT_EQ(line.rfind("recur_supervisor_up{", 0), 0u) << line;
    }
  }
}

TEST_F(MetricsRender, JobsAreListedByStatusAndLeftOutWhenNoneAreGiven) {
  EXPECT_FALSE(mentions(render(), "recur_jobs"));
  const std::string text = render({{"queued", 1}, {"running", 0}, {"finished", 2}});
  EXPECT_TRUE(mentions(text, "# TYPE recur_jobs gauge\n"));
  EXPECT_EQ(sample(text, R"(recur_jobs{status="queued"})"), 1);
  EXPECT_EQ(sample(text, R"(recur_jobs{status="running"})"), 0);
  EXPECT_EQ(sample(text, R"(recur_jobs{status="finished"})"), 2);
}

TEST_F(MetricsRender, TheProcessResidentMemoryIsExposedUnderItsStandardName) {
  const std::string text = render();
  EXPECT_TRUE(mentions(text, "# TYPE process_resident_memory_bytes gauge\n"));
  EXPECT_GT(sample(text, "process_resident_memory_bytes"), double(1 << 20));
}

TEST_F(MetricsRender, RequestsAreCountedByMethodRouteAndCodeAndTimedWhenKnown) {
  metrics_.count_request("GET", "/v1/jobs/{}", 200, 0.003);
  metrics_.count_request("GET", "/v1/jobs/{}", 200, 0.004);
  metrics_.count_request("GET", "/v1/jobs/{}", 404, 0.0001);
  metrics_.count_request("POST", "/v1/jobs", 201, -1);
  const std::string text = render();
  EXPECT_TRUE(mentions(text, "# TYPE recur_http_requests_total counter\n"));
  EXPECT_EQ(
      sample(text, R"(recur_http_requests_total{code="200",method="GET",route="/v1/jobs/{}"})"), 2);
  EXPECT_EQ(
      sample(text, R"(recur_http_requests_total{code="404",method="GET",route="/v1/jobs/{}"})"), 1);
  EXPECT_EQ(sample(text, R"(recur_http_requests_total{code="201",method="POST",route="/v1/jobs"})"),
            1);
  const std::string get = R"(method="GET",route="/v1/jobs/{}")";
  EXPECT_EQ(sample(text, "recur_http_request_duration_seconds_bucket{" + get + R"(,le="0.001"})"),
            1);
  EXPECT_EQ(sample(text, "recur_http_request_duration_seconds_bucket{" + get + R"(,le="0.0025"})"),
            1);
  EXPECT_EQ(sample(text, "recur_http_request_duration_seconds_bucket{" + get + R"(,le="0.005"})"),
            3);
  EXPECT_EQ(sample(text, "recur_http_request_duration_seconds_count{" + get + "}"), 3);
  // A request of unknown duration is counted, not timed.
  EXPECT_FALSE(
      sample(text, R"(recur_http_request_duration_seconds_count{method="POST",route="/v1/jobs"})"));
  // The counts stay from one exposition to the next.
  metrics_.count_request("POST", "/v1/jobs", 201, -1);
  EXPECT_EQ(
      sample(render(), R"(recur_http_requests_total{code="201",method="POST",route="/v1/jobs"})"),
      2);
}

}  // namespace
}  // namespace recur::server
