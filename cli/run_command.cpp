// recur run: runs a Lua pipeline (docs/pipelines.md) as a job of the store's queue. The job keeps
// the script, its parameters and its seed, and every completed call is recorded, so a run that was
// killed goes on with --resume JOB: the script runs again from the top against the record, no
// completed call is made again, and the report is the one an uninterrupted run writes.
//
// Prints the report as a table (or the outcome as JSON with --json) and writes report.csv,
// report.json and the plots the script asked for to --out (default STORE/reports/JOB).
//
// Exit status: 0 when the pipeline finished; 1 when it failed, went over a budget or was cancelled
// (one line on stderr says why) or the input was bad; 2 for usage errors.
#include <algorithm>
#include <atomic>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/pipeline_runtime.hpp"
#include "cli/pipeline_store.hpp"
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
  DeviceOptions devices;
  std::size_t concurrency = 64;
  std::uint64_t max_wall_ms = 0, max_calls = 0, max_tokens = 0;
  std::int64_t priority = 0;
  std::optional<std::uint64_t> seed;
  std::string out;
  bool json = false;
  bool quiet = false;
  std::string config;
};

Result<std::map<std::string, std::string>> parse_params(const std::vector<std::string>& items) {
  std::map<std::string, std::string> params;
  for (const auto& item : items) {
    const auto eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      return fail("--param: '" + item + "' is not NAME=VALUE");
    params[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return params;
}

// A new job from the script file and the options.
Result<jobs::Job> new_job(const RunOptions& o) {
  std::ifstream f(o.script, std::ios::binary);
  if (!f) return fail(o.script + ": cannot read the script");
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
  const auto script_dir = std::filesystem::absolute(o.script, ec).parent_path();
  job.options = {{"model", o.model.empty() ? "" : std::filesystem::absolute(o.model, ec).string()},
                 {"concurrency", o.concurrency},
                 {"max_wall_ms", o.max_wall_ms},
                 {"max_calls", o.max_calls},
                 {"max_tokens", o.max_tokens},
                 {"data_dir", (script_dir / "data").string()}};
  return job;
}

Status write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary);
  f << text;
  if (!f) return fail("cannot write " + path.string());
  return {};
}

// Writes report.csv, report.json and the plots; returns the paths written.
Result<std::vector<std::string>> write_report(const jobs::Report& report,
                                              const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return fail("--out: cannot create " + dir.string() + ": " + ec.message());
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

// A job made ready to run: marked running, its record loaded, its script compiled.
struct ReadyJob {
  jobs::Job job;
  std::shared_ptr<jobs::PipelineScript> script;
  jobs::PipelineOutcome outcome;
};

Result<ReadyJob> prepare_job(const RunOptions& o, const Store& store, jobs::Job job) {
  jobs::JobStore jobs(store);
  const bool resumed = job.runs > 0;
  job.status = jobs::JobStatus::running;
  ++job.runs;
  if (auto s = jobs.update(job); !s) return s.error();
  clear_cancel_request(store.dir(), job.id);
  auto record = jobs::CallJournal::load(jobs.job_scope(job.id));
  if (!record) return record.error();
  const std::string prefix = "[" + job.id + "] ";
  jobs::PipelineOptions options;
  options.job = job.id;
  options.params = job.params;
  options.seed = job.seed;
  options.budgets.max_calls = job.options.value("max_calls", std::uint64_t{0});
  options.budgets.max_tokens = job.options.value("max_tokens", std::uint64_t{0});
  options.data_dir = job.options.value("data_dir", "");
  if (!o.quiet) {
    options.events.log = [prefix](const std::string& line) { std::cerr << prefix << line << "\n"; };
    options.events.progress = [prefix](double done, double total, const std::string& message) {
      std::cerr << prefix << "progress " << done << "/" << total << (message.empty() ? "" : " ")
                << message << "\n";
    };
  }
  const std::string chunk = std::filesystem::path(job.script).filename().string();
  auto script = jobs::PipelineScript::open(job.source, chunk, options, std::move(*record));
  if (!script) {
    job.status = jobs::JobStatus::failed;
    job.error = script.error().message;
    (void)jobs.update(job);
    return fail(job.error);
  }
  if (resumed && !o.quiet) std::cerr << prefix << "resumed (run " << job.runs << ")" << std::endl;
  return ReadyJob{std::move(job), std::move(*script), {}};
}

// Records the outcome, writes the report and prints it; returns the exit status.
int finish_job(const RunOptions& o, const Store& store, ReadyJob& ready) {
  const std::string cmd = "run";
  jobs::Job& job = ready.job;
  const jobs::PipelineOutcome& outcome = ready.outcome;
  clear_cancel_request(store.dir(), job.id);
  const jobs::Report& report = ready.script->report();
  job.status = outcome.status;
  job.error = outcome.error;
  job.summary = {{"calls", outcome.calls},
                 {"tokens", outcome.tokens},
                 {"replayed", outcome.replayed},
                 {"rows", report.rows().size()}};
  const std::filesystem::path out_dir =
      o.out.empty() ? store.dir() / "reports" / job.id : std::filesystem::path(o.out);
  auto written = write_report(report, out_dir);
  if (written) job.summary["files"] = *written;
  if (auto s = jobs::JobStore(store).update(job); !s) return report_error(cmd, s.error().message);
  for (const auto& name : ready.script->unread_params())
    std::cerr << "recur run: warning: --param " << name << " was never read by the script\n";

  if (o.json) {
    nlohmann::json j = job.to_json();
    j["report"] = report.to_json();
    std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else if (!report.empty()) {
    std::cout << report.table() << std::flush;
  }
  if (!written) return report_error(cmd, written.error().message);
  if (!o.quiet) {
    std::cerr << "[" << job.id << "] " << jobs::job_status_name(outcome.status) << ": "
              << outcome.calls << " calls (" << outcome.replayed << " from the record), "
              << outcome.tokens << " agent tokens";
    for (const auto& f : *written) std::cerr << "; " << f;
    std::cerr << std::endl;
  }
  if (job.status != jobs::JobStatus::finished)
    return report_error(
        cmd, job.id + " " + jobs::job_status_name(outcome.status) + ": " + outcome.error);
  return 0;
}

// Runs jobs together on one runtime: their agents share the model workers, their tool calls the
// tool hosts. Returns the highest exit status.
int run_jobs(const RunOptions& o, const Store& store, std::vector<jobs::Job> jobs) {
  const std::string cmd = "run";
  int status = 0;
  std::vector<ReadyJob> ready;
  for (auto& job : jobs) {
    auto r = prepare_job(o, store, std::move(job));
    if (!r)
      status = report_error(cmd, r.error().message);
    else
      ready.push_back(std::move(*r));
  }
  if (ready.empty()) return status;

  tools::RegistryOptions registry_options;
  registry_options.store_dir = store.dir();
  auto registry = tools::Registry::load(
      o.config.empty() ? tools::default_config_path() : std::filesystem::path(o.config),
      registry_options);
  if (!registry) return report_error(cmd, registry.error().message);
  actors::RuntimeConfig config;
  caf::actor_system system{config};
  {
    RuntimeOptions runtime_options;
    runtime_options.devices = o.devices;
    PipelineRuntime runtime(system, std::make_shared<const tools::Registry>(std::move(*registry)),
                            runtime_options);
    std::vector<actors::pipeline_host_actor> hosts;
    for (auto& r : ready) {
      const jobs::Job& job = r.job;
      actors::PipelineHostSetup setup;
      setup.script = r.script;
      const std::string model = o.model.empty() ? job.options.value("model", "") : o.model;
      setup.agents = [&runtime, model](const std::string& m) {
        return runtime.agents(m.empty() ? model : m);
      };
      setup.tools = runtime.tools();
      setup.scope = "pipeline/" + job.id;
      setup.session_prefix = job.id + "/run" + std::to_string(job.runs) + "/agent";
      setup.concurrency = job.options.value("concurrency", std::size_t{64});
      setup.max_wall =
          std::chrono::milliseconds(job.options.value("max_wall_ms", std::uint64_t{0}));
      hosts.push_back(actors::spawn_pipeline_host(system, std::move(setup)));
    }
    // `recur jobs cancel` from another process leaves a request in the store's directory.
    std::atomic<bool> done{false};
    std::thread watcher([&] {
      std::vector<bool> sent(ready.size(), false);
      while (!done) {
        for (std::size_t i = 0; i < ready.size(); ++i)
          if (!sent[i] && cancel_requested(store.dir(), ready[i].job.id)) {
            caf::anon_send(hosts[i], actors::cancel_atom::value);
            sent[i] = true;
          }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    caf::scoped_actor self{system};
    using Handle = decltype(self->request(hosts[0], caf::infinite, actors::run_atom::value));
    std::vector<Handle> pending;
    for (auto& h : hosts)
      pending.push_back(self->request(h, caf::infinite, actors::run_atom::value));
    for (std::size_t i = 0; i < pending.size(); ++i)
      pending[i].receive([&](jobs::PipelineOutcome& out) { ready[i].outcome = std::move(out); },
                         [&](caf::error& e) {
                           ready[i].outcome.status = jobs::JobStatus::failed;
                           ready[i].outcome.error =
                               "the pipeline host stopped: " + system.render(e);
                         });
    done = true;
    watcher.join();
  }
  for (auto& r : ready) status = std::max(status, finish_job(o, store, r));
  return status;
}

int run_pipeline(const RunOptions& o) {
  const std::string cmd = "run";
  const int modes = int(!o.resume.empty()) + int(!o.script.empty()) + int(o.next);
  if (modes != 1) return report_error(cmd, "give a script, --resume JOB or --next");
  auto store = open_job_store(o.store, false);
  if (!store) return report_error(cmd, store.error().message);
  jobs::JobStore jobs(*store);
  if (!o.resume.empty()) {
    auto job = jobs.get(o.resume);
    if (!job) return report_error(cmd, "--resume: " + job.error().message);
    if (jobs::job_ended(job->status))
      return report_error(
          cmd, "--resume: " + job->id + " has ended (" + jobs::job_status_name(job->status) + ")");
    return run_jobs(o, *store, {std::move(*job)});
  }
  if (o.next) {  // the queued jobs, highest priority first, --parallel at a time
    int status = 0;
    for (;;) {
      auto all = jobs.list();
      if (!all) return report_error(cmd, all.error().message);
      std::vector<jobs::Job> queued;
      for (auto& j : *all)
        if (j.status == jobs::JobStatus::queued) queued.push_back(std::move(j));
      if (queued.empty()) return status;
      std::stable_sort(queued.begin(), queued.end(), [](const jobs::Job& a, const jobs::Job& b) {
        return a.priority > b.priority;
      });
      queued.resize(std::min(queued.size(), std::max<std::size_t>(1, o.parallel)));
      status = std::max(status, run_jobs(o, *store, std::move(queued)));
    }
  }
  auto job = new_job(o);
  if (!job) return report_error(cmd, job.error().message);
  auto id = jobs.create(std::move(*job));
  if (!id) return report_error(cmd, id.error().message);
  if (o.enqueue) {
    std::cout << *id << std::endl;
    return 0;
  }
  auto created = jobs.get(*id);
  if (!created) return report_error(cmd, created.error().message);
  return run_jobs(o, *store, {std::move(*created)});
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
  c->add_option("--model", o->model, "Model bundle for agent calls that name none");
  add_device_options(*c, o->devices);
  c->add_option("--slots", o->devices.slots, "Sessions a model worker runs at once");
  c->add_option("--concurrency", o->concurrency,
                "Agents of the pipeline running at once (default 64)");
  c->add_option("--max-wall-ms", o->max_wall_ms, "Budget: wall time of a run in ms (0: none)");
  c->add_option("--max-calls", o->max_calls, "Budget: agent and tool calls (0: none)");
  c->add_option("--max-tokens", o->max_tokens, "Budget: tokens of agents (0: none)");
  c->add_option("--seed", o->seed, "Seed of math.random and of agents' sampling (default: random)");
  c->add_option("--out", o->out, "Directory for report.csv, report.json and plots");
  c->add_flag("--json", o->json, "Print the job and its report as JSON");
  c->add_flag("--quiet", o->quiet, "No log or progress lines on stderr");
  c->add_option("--config", o->config,
                "Tool configuration (default: $RECUR_CONFIG, else configs/tools.json)");
  c->callback([o, &exit_code] { exit_code = run_pipeline(*o); });
}

}  // namespace recur::cli
