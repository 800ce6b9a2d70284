// recur run: runs a Lua pipeline (docs/pipelines.md) as a job of the store's queue. The job keeps
// the script, its parameters and its seed, and every completed call is journaled, so a run that was
// killed goes on with --resume JOB: the script runs again from the top against the journal, no
// completed call is made again, and the report is the one an uninterrupted run writes.
//
// Prints the report as a table (or the job with its report as JSON with --json) and writes
// report.csv, report.json and the plots the script asked for to --out (default
// STORE/reports/JOB).
//
// Exit status: 0 when the pipeline finished; 1 when it failed, went over a budget or was cancelled
// (one line on stderr says why) or the input was bad; 2 for usage errors.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include "actors/runtime.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/device_options.hpp"
#include "cli/job_store_dir.hpp"
#include "cli/run_remote.hpp"
#include "jobs/job_runner.hpp"
#include "jobs/job_store.hpp"

namespace recur::cli {
namespace {

struct RunOptions {
  std::string script;
  std::vector<std::string> params;
  std::string store;
  std::string resume;
  bool enqueue = false;
  bool next = false;
  std::size_t parallel = 1;
  std::string model;
  actors::DeviceOptions devices;
  jobs::JobOptions job;  // concurrency and budgets; the model and data folder are filled in
  std::int64_t priority = 0;
  std::optional<std::uint64_t> seed;
  std::string out;
  bool json = false;
  bool quiet = false;
  std::string config;
  std::string server, token, pipeline;  // a service to run the job on
};

Result<std::map<std::string, std::string>> parse_params(const std::vector<std::string>& items) {
  std::map<std::string, std::string> params;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail(ErrorCode::invalid_argument, "--param: '" + item + "' is not NAME=VALUE");
    params[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return params;
}

// A new job from the script file and the options.
Result<jobs::Job> new_job(const RunOptions& o) {
  std::ifstream f(o.script, std::ios::binary);
  if (!f) return fail(ErrorCode::not_found, o.script + ": cannot read the script");
  std::ostringstream text;
  text << f.rdbuf();
  auto params = parse_params(o.params);
  if (!params) return params.error();
  jobs::Job job;
  job.script = o.script;
  job.source = text.str();
  job.params = std::move(*params);
  job.priority = o.priority;
  job.seed =
      o.seed ? *o.seed
             : (static_cast<std::uint64_t>(std::random_device{}()) << 32 | std::random_device{}());
  std::error_code ec;
  job.options = o.job;
  job.options.model = o.model.empty() ? "" : std::filesystem::absolute(o.model, ec).string();
  job.options.data_dir = (std::filesystem::absolute(o.script, ec).parent_path() / "data").string();
  return job;
}

// Prints a finished job (its report as a table, or the job and its report as JSON) and the
// summary line; returns its exit status.
int print_finished(const RunOptions& o, const jobs::FinishedJob& f) {
  const std::string cmd = "run";
  const jobs::Job& job = f.job;
  for (const auto& name : f.unread_params)
    std::cerr << "recur run: warning: --param " << name << " was never read by the script\n";
  if (f.script) {
    const jobs::Report& report = f.script->report();
    if (o.json) {
      Json j = job.to_json();
      j["report"] = report.to_json();
      print_json(j);
    } else if (!report.empty()) {
      std::cout << report.table() << std::flush;
    }
  } else if (o.json) {
    print_json(job.to_json());
  }
  if (f.report_error) return report_error(cmd, f.report_error->message);
  if (!o.quiet && f.script) {
    std::cerr << "[" << job.id << "] " << jobs::job_status_name(job.status) << ": "
              << job.summary.calls << " calls (" << job.summary.replayed << " from the record), "
              << job.summary.tokens << " agent tokens";
    for (const auto& file : f.files) std::cerr << "; " << file;
    std::cerr << std::endl;
  }
  if (job.status != jobs::JobStatus::finished)
    return report_error(cmd, job.id + " " + jobs::job_status_name(job.status) + ": " + job.error);
  return 0;
}

// Log and progress lines of a job's script on stderr, prefixed with the job's id.
jobs::PipelineEvents stderr_events(const jobs::Job& job) {
  const std::string prefix = "[" + job.id + "] ";
  jobs::PipelineEvents events;
  events.log = [prefix](const std::string& line) { std::cerr << prefix << line << "\n"; };
  events.progress = [prefix](double done, double total, const std::string& message) {
    std::cerr << prefix << "progress " << done << "/" << total << (message.empty() ? "" : " ")
              << message << "\n";
  };
  return events;
}

int run_pipeline(const RunOptions& o) {
  const std::string cmd = "run";
  if (!o.server.empty()) {
    if (!o.resume.empty() || o.next)
      return report_error(cmd, "--server runs a new job: not with --resume or --next");
    if (o.script.empty() == o.pipeline.empty())
      return report_error(cmd, "with --server, give a script or --pipeline NAME");
    auto params = parse_params(o.params);
    if (!params) return report_error(cmd, params.error().message);
    RemoteRun r{o.server, o.token,    o.script, o.pipeline, o.model, *params,
                o.seed,   o.priority, o.job,    o.enqueue,  o.json,  o.quiet};
    return run_on_server(r);
  }
  const int modes = int(!o.resume.empty()) + int(!o.script.empty()) + int(o.next);
  if (modes != 1) return report_error(cmd, "give a script, --resume JOB or --next");
  if (o.json && o.next) return report_error(cmd, "--json prints one job: not with --next");
  const auto dir = job_store_dir(o.store);
  auto store = jobs::open_job_store(dir, jobs::JobStoreAccess::write);
  if (!store) return report_error(cmd, store.error().message);
  jobs::JobStore queue(*store);

  std::vector<jobs::Job> to_run;
  if (!o.resume.empty()) {
    auto job = queue.get(o.resume);
    if (!job) return report_error(cmd, "--resume: " + job.error().message);
    if (jobs::job_ended(job->status))
      return report_error(
          cmd, "--resume: " + job->id + " has ended (" + jobs::job_status_name(job->status) + ")");
    to_run.push_back(std::move(*job));
  } else if (!o.next) {
    auto job = new_job(o);
    if (!job) return report_error(cmd, job.error().message);
    auto id = queue.create(std::move(*job));
    if (!id) return report_error(cmd, id.error().message);
    if (o.enqueue) {
      if (o.json)
        print_json({{"id", *id}, {"status", "queued"}});
      else
        std::cout << *id << std::endl;
      return 0;
    }
    auto created = queue.get(*id);
    if (!created) return report_error(cmd, created.error().message);
    to_run.push_back(std::move(*created));
  }

  actors::RuntimeOptions options;
  options.devices = o.devices;
  options.tools = actors::ToolSetup{o.config, {}};
  options.tools->registry.store_dir = store->dir();
  auto runtime = actors::Runtime::open(options);
  if (!runtime) return report_error(cmd, runtime.error().message);
  jobs::JobRunnerOptions runner_options;
  runner_options.model = o.model.empty() ? "" : std::filesystem::absolute(o.model).string();
  if (!o.out.empty()) runner_options.report_dir = [out = o.out](const jobs::Job&) { return out; };
  if (!o.quiet) runner_options.events = stderr_events;
  jobs::JobRunner runner(*store, **runtime, runner_options);

  std::vector<jobs::FinishedJob> finished;
  if (o.next) {
    auto done = runner.run_queue(o.parallel);
    if (!done) return report_error(cmd, done.error().message);
    finished = std::move(*done);
  } else {
    if (!o.quiet && to_run.front().runs > 0)
      std::cerr << "[" << to_run.front().id << "] resumed (run " << to_run.front().runs + 1 << ")"
                << std::endl;
    finished = runner.run(std::move(to_run));
  }
  (*runtime)->close();
  int status = 0;
  for (const auto& f : finished)
    status = std::max(status, f.script ? print_finished(o, f) : report_error(cmd, f.job.error));
  return status;
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<RunOptions>();
  auto* c = app.add_subcommand("run", "Run a Lua pipeline as a durable, resumable job");
  c->add_option("script", o->script, "The pipeline script (.lua)");
  c->add_option("--param", o->params, "NAME=VALUE, read by the script as params.NAME")->take_all();
  c->add_option("--store", o->store, "Job store directory (default: $RECUR_STORE, else var/store)");
  c->add_option("--resume", o->resume, "Continue a job that was interrupted");
  c->add_flag("--enqueue", o->enqueue, "Only add the job to the queue; print its id");
  c->add_flag("--next", o->next, "Run the queued jobs, highest priority first");
  c->add_option("--parallel", o->parallel,
                "With --next: jobs run together, sharing the model workers and tools");
  c->add_option("--priority", o->priority, "Queue priority (higher runs first)");
  c->add_option("--model", o->model,
                "Model bundle for agent calls that name none (with --server: a model's name)");
  add_device_options(*c, o->devices);
  c->add_option("--slots", o->devices.slots, "Sessions a model worker runs at once");
  c->add_option("--concurrency", o->job.concurrency,
                "Agents of the pipeline running at once (default 64)");
  c->add_option("--max-wall-ms", o->job.max_wall_ms, "Budget: wall time of a run in ms (0: none)");
  c->add_option("--max-calls", o->job.max_calls, "Budget: agent and tool calls (0: none)");
  c->add_option("--max-tokens", o->job.max_tokens, "Budget: tokens of agents (0: none)");
  c->add_option("--max-instructions", o->job.max_instructions,
                "Budget: Lua instructions of the script itself (0: the default)");
  c->add_option("--max-memory-mb", o->job.max_memory_mb,
                "Budget: memory of the script's Lua state in MiB (0: the default)");
  c->add_option("--seed", o->seed, "Seed of math.random and of agents' sampling (default: random)");
  c->add_option("--out", o->out, "Directory for report.csv, report.json and plots");
  c->add_flag("--json", o->json, "Print the job and its report as JSON");
  c->add_flag("--quiet", o->quiet, "No log or progress lines on stderr");
  c->add_option("--config", o->config,
                "Tool configuration (default: $RECUR_CONFIG, else configs/tools.json)");
  c->add_option("--server", o->server,
                "Submit to a running service at this URL and follow the job");
  c->add_option("--token", o->token, "The service's bearer token (default: $RECUR_TOKEN)");
  c->add_option("--pipeline", o->pipeline,
                "With --server: a pipeline of the server, by name, instead of a script");
  c->callback([o, &exit_code] { exit_code = run_pipeline(*o); });
}

}  // namespace recur::cli
