#include "bench/serve_load/in_process.hpp"

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"

namespace recur::bench {
namespace {

using Clock = std::chrono::steady_clock;

// The longest wait for a job to end before the run is given up.
constexpr std::chrono::seconds kJobTimeout{120};

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "serve_load: in process: %s\n", message.c_str());
  std::exit(1);
}

jobs::Job job_of(const InProcessSpec& spec, std::uint64_t seed) {
  jobs::Job job;
  job.script = "load.lua";
  job.source = spec.source;
  job.params = spec.params;
  job.seed = seed;
  job.options.model = spec.model_dir.string();
  return job;
}

// Jobs ended so far, counted from the runner's status changes.
struct EndCount {
  std::mutex mutex;
  std::condition_variable changed;
  std::size_t ended = 0;
};

}  // namespace

InProcessRun run_in_process(const InProcessSpec& spec) {
  auto store = jobs::open_job_store(spec.store_dir, jobs::JobStoreAccess::write);
  if (!store) die(store.error().message);
  actors::RuntimeOptions options;
  options.devices = spec.devices;
  options.tools = actors::ToolSetup{spec.config, {}};
  options.tools->registry.store_dir = store->dir();
  auto runtime = actors::Runtime::open(options);
  if (!runtime) die(runtime.error().message);
  jobs::JobStore queue(*store);

  EndCount count;
  jobs::JobRunnerOptions runner_options;
  runner_options.on_change = [&count](const jobs::Job& job) {
    if (!jobs::job_ended(job.status)) return;
    std::lock_guard lock(count.mutex);
    ++count.ended;
    count.changed.notify_all();
  };
  jobs::JobRunner runner(*store, **runtime, runner_options);

  auto warmup = queue.create(job_of(spec, 0));
  if (!warmup) die(warmup.error().message);
  auto warmup_job = queue.get(*warmup);
  if (!warmup_job) die(warmup_job.error().message);
  const auto warm = runner.run({*warmup_job});
  if (warm.empty() || warm.front().job.status != jobs::JobStatus::finished)
    die("the warm-up job did not finish: " + (warm.empty() ? "" : warm.front().job.error));
  count.ended = 0;

  InProcessRun run;
  std::atomic<bool> stop{false};
  Result<std::vector<jobs::FinishedJob>> done = std::vector<jobs::FinishedJob>{};
  const double cpu0 = cpu_seconds();
  const auto t0 = Clock::now();
  std::thread serving([&] { done = runner.serve(spec.parallel, {}, stop); });
  // Waits until at most `n` of the first `created` jobs are still queued or running.
  const auto wait_for_ends = [&](std::size_t created, std::size_t n) {
    std::unique_lock lock(count.mutex);
    if (!count.changed.wait_for(lock, kJobTimeout, [&] { return created - count.ended <= n; }))
      die("no job ended for " + std::to_string(kJobTimeout.count()) + " s");
  };
  for (std::size_t created = 0; created < spec.seeds.size(); ++created) {
    wait_for_ends(created, spec.outstanding - 1);
    if (auto id = queue.create(job_of(spec, spec.seeds[created])); !id) die(id.error().message);
  }
  wait_for_ends(spec.seeds.size(), 0);
  run.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  stop = true;
  serving.join();
  run.cpu_s = cpu_seconds() - cpu0;
  if (!done) die(done.error().message);
  for (const auto& f : *done) {
    if (f.job.status != jobs::JobStatus::finished) continue;
    ++run.finished;
    run.tokens += f.job.summary.tokens;
  }
  (*runtime)->close();
  return run;
}

}  // namespace recur::bench
