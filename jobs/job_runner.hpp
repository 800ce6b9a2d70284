// The life of a job: prepared (marked running, its journal loaded, its script compiled), run on an
// executor with other jobs, finished (its outcome recorded, its report written), with cancel
// requests from other processes honoured while it runs. `recur run` and the service run jobs
// through it.
//
//   JobRunner runner(store, runtime, options);
//   auto done = runner.run({job});             // or runner.run_queue(4): the queue, 4 at a time
//   for (auto& f : done) print(f.job, f.script->report());
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jobs/job.hpp"
#include "jobs/pipeline_executor.hpp"
#include "store/store.hpp"

namespace recur::jobs {

struct JobRunnerOptions {
  std::string model;  // when set, the bundle of agent calls that name none, for every job
  // Where a job's report files go; empty: STORE/reports/JOB.
  std::function<std::filesystem::path(const Job&)> report_dir;
  // The log and progress callbacks of a job's script (none: the script's lines go nowhere).
  std::function<PipelineEvents(const Job&)> events;
  std::chrono::milliseconds cancel_poll{100};  // how often cancel requests are looked for
  // Called with a job's record each time the runner changes its status: running when it starts,
  // and its end (on the thread that drives the jobs).
  std::function<void(const Job&)> on_change;
};

// What became of one job.
struct FinishedJob {
  Job job;  // its record as written at the end
  // The script that ran (its report); null when the job never compiled.
  std::shared_ptr<const PipelineScript> script;
  std::vector<std::string> files;          // report files written
  std::optional<Error> report_error;       // why the report could not be written
  std::vector<std::string> unread_params;  // parameters the script never read
  bool resumed = false;                    // this run continued an earlier one
};

class JobRunner {
 public:
  // `store` is the job store; `executor` outlives the runner.
  JobRunner(Store store, PipelineExecutor& executor, JobRunnerOptions options = {});

  // Runs `jobs` together (each queued, or running when it is resumed after a crash) until every
  // one has ended, and returns them in the same order. A job that cannot be prepared ends failed
  // at once. A job whose cancel request appears while it runs ends cancelled within cancel_poll.
  std::vector<FinishedJob> run(std::vector<Job> jobs);

  // Runs the queue: the queued jobs, highest priority first, at most `parallel` at once, a new one
  // starting as soon as one ends, until none is queued. Returns every job it ran, in the order
  // they ended.
  Result<std::vector<FinishedJob>> run_queue(std::size_t parallel);

  // Serves the queue until `stop` is set: first the jobs of `resume` (running when a process that
  // ran them died), then queued jobs as they come, at most `parallel` at once (a new job is seen
  // within cancel_poll). When `stop` is set, the jobs still running are stopped where they are and
  // keep their status running — their journals hold every completed call, so the next serve()
  // resumes them — and serve() returns the jobs that ended.
  Result<std::vector<FinishedJob>> serve(std::size_t parallel, std::vector<Job> resume,
                                         const std::atomic<bool>& stop);

 private:
  struct Running;
  Result<std::shared_ptr<Running>> prepare(Job job);
  FinishedJob finish(Running& running, PipelineOutcome outcome);
  FinishedJob fail_preparation(Job job, const Error& error);
  // Runs `first`, then queued jobs while `from_queue`; with `stop`, until it is set (else until
  // nothing is left).
  std::vector<FinishedJob> drive(std::vector<Job> first, std::size_t parallel, bool from_queue,
                                 const std::atomic<bool>* stop, Status& queue_status);

  Store store_;
  PipelineExecutor& executor_;
  JobRunnerOptions options_;
};

// Writes report.csv, report.json and the plots of `report` into `dir` (created); returns the paths
// written.
Result<std::vector<std::string>> write_report_files(const Report& report,
                                                    const std::filesystem::path& dir);

}  // namespace recur::jobs
