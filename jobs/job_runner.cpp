#include "jobs/job_runner.hpp"

#include <condition_variable>
#include <deque>
#include <fstream>
#include <map>
#include <mutex>

#include "jobs/cancel_requests.hpp"
#include "jobs/job_store.hpp"

namespace recur::jobs {

struct JobRunner::Running {
  Job job;
  std::shared_ptr<PipelineScript> script;
  bool resumed = false;
};

namespace {

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) return fail(ErrorCode::io, "cannot write " + path.string());
  return {};
}

PipelineBudgets budgets_of(const JobOptions& o) {
  PipelineBudgets b;
  b.max_calls = o.max_calls;
  b.max_tokens = o.max_tokens;
  b.max_wall_ms = o.max_wall_ms;
  if (o.max_instructions > 0) b.max_instructions = o.max_instructions;
  if (o.max_memory_mb > 0) b.max_memory_bytes = o.max_memory_mb << 20;
  return b;
}

}  // namespace

Result<std::vector<std::string>> write_report_files(const Report& report,
                                                    const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail(ErrorCode::io, "cannot create " + dir.string() + ": " + ec.message());
  std::vector<std::string> written;
  auto put = [&](const std::filesystem::path& p, const std::string& text) -> Status {
    if (auto s = write_file(p, text); !s) return s;
    written.push_back(p.string());
    return {};
  };
  if (auto s = put(dir / "report.csv", report.csv()); !s) return s.error();
  if (auto s = put(dir / "report.json", report.to_json().dump(1) + "\n"); !s) return s.error();
  for (const auto& plot : report.plots())
    if (auto s = put(dir / plot.file, report.plot_svg(plot)); !s) return s.error();
  return written;
}

JobRunner::JobRunner(Store store, PipelineExecutor& executor, JobRunnerOptions options)
    : store_(std::move(store)), executor_(executor), options_(std::move(options)) {}

Result<std::shared_ptr<JobRunner::Running>> JobRunner::prepare(Job job) {
  JobStore jobs(store_);
  auto running = std::make_shared<Running>();
  running->resumed = job.runs > 0;
  job.status = JobStatus::running;
  ++job.runs;
  if (auto s = jobs.update(job); !s) return s.error();
  if (options_.on_change) options_.on_change(job);
  clear_cancel_request(store_.dir(), job.id);
  auto journal = CallJournal::load(jobs.job_scope(job.id));
  PipelineOptions options;
  options.job = job.id;
  options.params = job.params;
  options.seed = job.seed;
  options.budgets = budgets_of(job.options);
  options.data_dir = job.options.data_dir;
  if (options_.events) options.events = options_.events(job);
  const std::string chunk = std::filesystem::path(job.script).filename().string();
  auto script = journal ? PipelineScript::open(job.source, chunk, options, std::move(*journal))
                        : Result<std::unique_ptr<PipelineScript>>(journal.error());
  if (!script) {
    job.status = JobStatus::failed;
    job.error = script.error().message;
    (void)jobs.update(job);
    if (options_.on_change) options_.on_change(job);
    return script.error();
  }
  running->job = std::move(job);
  running->script = std::move(*script);
  return running;
}

FinishedJob JobRunner::fail_preparation(Job job, const Error& error) {
  FinishedJob f;
  job.status = JobStatus::failed;
  job.error = error.message;
  f.job = std::move(job);
  return f;
}

FinishedJob JobRunner::finish(Running& running, PipelineOutcome outcome) {
  FinishedJob f;
  Job& job = running.job;
  clear_cancel_request(store_.dir(), job.id);
  const Report& report = running.script->report();
  job.status = outcome.status;
  job.error = outcome.error;
  job.summary =
      JobSummary{outcome.calls, outcome.tokens, outcome.replayed, report.rows().size(), {}};
  const std::filesystem::path dir =
      options_.report_dir ? options_.report_dir(job) : store_.dir() / "reports" / job.id;
  auto written = write_report_files(report, dir);
  if (written)
    job.summary.files = f.files = *written;
  else
    f.report_error = written.error();
  if (auto s = JobStore(store_).update(job); !s && !f.report_error) f.report_error = s.error();
  if (options_.on_change) options_.on_change(job);
  f.unread_params = running.script->unread_params();
  f.resumed = running.resumed;
  f.script = running.script;
  f.job = job;
  return f;
}

std::vector<FinishedJob> JobRunner::drive(std::vector<Job> first, std::size_t parallel,
                                          bool from_queue, const std::atomic<bool>* stop,
                                          Status& queue_status) {
  struct Slot {
    std::shared_ptr<Running> running;
    std::optional<PipelineOutcome> outcome;
    bool cancel_sent = false;
    std::size_t index = 0;
    bool stopping = false;  // stopped by `stop`: its record stays running
  };
  std::mutex mutex;
  std::condition_variable ended;
  std::map<std::string, Slot> active;  // by job id
  std::vector<std::pair<std::size_t, FinishedJob>> finished;
  std::deque<Job> pending(std::make_move_iterator(first.begin()),
                          std::make_move_iterator(first.end()));
  std::size_t next_index = 0;
  parallel = std::max<std::size_t>(1, parallel);

  auto active_count = [&] {
    std::lock_guard lock(mutex);
    return active.size();
  };
  auto launch = [&](Job job) {
    const std::size_t index = next_index++;
    auto prepared = prepare(job);
    if (!prepared) {
      finished.emplace_back(index, fail_preparation(std::move(job), prepared.error()));
      return;
    }
    const Running& r = **prepared;
    PipelineRun run;
    run.id = r.job.id;
    run.script = r.script;
    run.model = options_.model.empty() ? r.job.options.model : options_.model;
    run.scope = "pipeline/" + r.job.id;
    run.session_prefix = r.job.id + "/run" + std::to_string(r.job.runs) + "/agent";
    run.concurrency = r.job.options.concurrency;
    run.max_wall = std::chrono::milliseconds(r.job.options.max_wall_ms);
    const std::string id = r.job.id;
    {
      std::lock_guard lock(mutex);
      active[id] = Slot{*prepared, std::nullopt, false, index};
    }
    executor_.start(std::move(run), [&mutex, &ended, &active, id](PipelineOutcome outcome) {
      std::lock_guard lock(mutex);
      active.at(id).outcome = std::move(outcome);
      ended.notify_all();
    });
  };
  auto refill = [&] {
    while (!pending.empty() && active_count() < parallel) {
      Job job = std::move(pending.front());
      pending.pop_front();
      launch(std::move(job));
    }
    if (!from_queue || !queue_status.ok() || (stop && *stop)) return;
    while (active_count() < parallel) {
      auto more = JobStore(store_).next_queued(parallel - active_count());
      if (!more) {
        queue_status = more.error();
        return;
      }
      if (more->empty()) return;
      for (auto& job : *more) launch(std::move(job));
    }
  };

  refill();
  for (;;) {
    std::vector<Slot> done;
    std::vector<std::string> to_cancel;
    const bool stopping = stop && *stop;
    {
      std::unique_lock lock(mutex);
      if (active.empty() && (!stop || stopping)) break;
      ended.wait_for(lock, options_.cancel_poll, [&] {
        for (const auto& [id, slot] : active)
          if (slot.outcome) return true;
        return false;
      });
      for (auto it = active.begin(); it != active.end();) {
        if (it->second.outcome) {
          done.push_back(std::move(it->second));
          it = active.erase(it);
          continue;
        }
        if (stopping && !it->second.stopping) {
          it->second.stopping = it->second.cancel_sent = true;
          to_cancel.push_back(it->first);
        } else if (!it->second.cancel_sent && cancel_requested(store_.dir(), it->first)) {
          it->second.cancel_sent = true;
          to_cancel.push_back(it->first);
        }
        ++it;
      }
    }
    for (const auto& id : to_cancel) executor_.cancel(id);
    for (auto& slot : done) {
      if (slot.stopping) continue;  // left running, to be resumed
      finished.emplace_back(slot.index, finish(*slot.running, std::move(*slot.outcome)));
    }
    refill();
  }
  std::vector<FinishedJob> out;
  if (!from_queue)
    std::sort(finished.begin(), finished.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  for (auto& [index, f] : finished) out.push_back(std::move(f));
  return out;
}

std::vector<FinishedJob> JobRunner::run(std::vector<Job> jobs) {
  Status unused;
  const std::size_t n = jobs.size();
  return drive(std::move(jobs), n, false, nullptr, unused);
}

Result<std::vector<FinishedJob>> JobRunner::run_queue(std::size_t parallel) {
  Status queue_status;
  auto done = drive({}, parallel, true, nullptr, queue_status);
  if (!queue_status) return queue_status.error();
  return done;
}

Result<std::vector<FinishedJob>> JobRunner::serve(std::size_t parallel, std::vector<Job> resume,
                                                  const std::atomic<bool>& stop) {
  Status queue_status;
  auto done = drive(std::move(resume), parallel, true, &stop, queue_status);
  if (!queue_status) return queue_status.error();
  return done;
}

}  // namespace recur::jobs
