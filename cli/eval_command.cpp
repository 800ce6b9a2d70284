// recur eval: how far a tool-using model generalizes. For each problem length it runs n random
// problems closed-loop as agent sessions on the runtime (a model worker per device, and the tools
// the model's protocol calls), and scores the exact answer and the exact trajectory against the
// task's reference (tasks/scoring.hpp). Prints a table (length, accuracy with its 95% Wilson
// interval, trajectory accuracy, tokens, tool calls, wall time), and writes JSON ({"rows": [...]},
// each with where its first wrong trajectories leave the reference) and an SVG plot of accuracy
// against length when asked. With --json the table goes to stderr and stdout holds the report.
#include <chrono>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "actors/runtime.hpp"
#include "base/text.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/device_options.hpp"
#include "jobs/report.hpp"
#include "tasks/scoring.hpp"

namespace recur::cli {
namespace {

struct EvalOptions {
  std::string model;
  std::string task = "addition";
  std::vector<std::size_t> lengths;
  std::vector<std::size_t> n = {200};
  std::uint64_t seed = 0;
  actors::DeviceOptions devices;
  bool json = false;
  std::string out;
  std::string plot;
  std::string label;
  std::size_t failures = 0;
};

std::size_t count_at(const EvalOptions& o, std::size_t i) {
  return o.n.size() == 1 ? o.n[0] : o.n[i];
}

// The options' errors, before any model is loaded.
Status check(const EvalOptions& o, const tasks::Task* task) {
  if (!task)
    return fail(ErrorCode::invalid_argument, "--task: '" + o.task + "' is not a task (known: " +
                                                 joined(tasks::task_names(), ", ") + ")");
  if (o.lengths.empty())
    return fail(ErrorCode::invalid_argument, "--lengths: give at least one length");
  if (o.n.size() != 1 && o.n.size() != o.lengths.size())
    return fail(ErrorCode::invalid_argument,
                "--n: give one count or one per length (" + std::to_string(o.lengths.size()) + ")");
  for (auto len : o.lengths) {
    if (len == 0) return fail(ErrorCode::invalid_argument, "--lengths: lengths must be positive");
    if (task->max_length && len > task->max_length)
      return fail(ErrorCode::invalid_argument, "--lengths: " + o.task + " problems are at most " +
                                                   std::to_string(task->max_length) + " long");
  }
  return {};
}

// The bundle must be trained on the task, and know every token of its trajectories.
Status check_model(const EvalOptions& o, const tasks::Task& task, const actors::LoadedModel& m) {
  if (m.model->config().recur.value("task", "") != o.task)
    return fail(ErrorCode::invalid_argument,
                o.model + "/config.json: field 'recur.task' is not \"" + o.task + "\"");
  const auto sample = tasks::draw_problems(task, o.lengths.front(), 1, o.seed);
  for (const auto& w : task.trajectory(sample.front().a, sample.front().b).tokens)
    if (!m.tokenizer->token_to_id(w))
      return fail(ErrorCode::invalid_argument, o.model + "/tokenizer.json: the vocabulary lacks '" +
                                                   w + "', a token of task " + o.task);
  return {};
}

bool uses_calculator(const Json& recur_section) {
  const auto p = recur_section.find("protocol");
  return p != recur_section.end() && p->is_object() && p->value("type", "") == "calculator";
}

void print_header(std::ostream& out) {
  out << std::left << std::setw(8) << "length" << std::setw(6) << "n" << std::setw(10) << "accuracy"
      << std::setw(18) << "95% interval" << std::setw(12) << "trajectory" << std::setw(12)
      << "tokens" << std::setw(12) << "tool calls"
      << "wall s" << std::endl;
}

void print_row(std::ostream& out, const tasks::LengthScore& row, std::size_t failures) {
  const auto [low, high] = row.interval();
  std::ostringstream interval;
  interval << std::fixed << std::setprecision(3) << "[" << low << ", " << high << "]";
  out << std::left << std::setw(8) << row.length() << std::setw(6) << row.n() << std::setw(10)
      << std::fixed << std::setprecision(3) << row.accuracy() << std::setw(18) << interval.str()
      << std::setw(12) << row.trajectory_accuracy() << std::setw(12) << std::setprecision(0)
      << row.tokens_per_problem() << std::setw(12) << row.calls_per_problem()
      << std::setprecision(2) << row.wall_s << std::endl;
  for (std::size_t f = 0; f < std::min(failures, row.failures().size()); ++f)
    out << "  " << row.failures()[f].describe() << std::endl;
}

// Runs and scores the problems of one length.
Result<tasks::LengthScore> evaluate_length(actors::Runtime& runtime, const EvalOptions& o,
                                           const tasks::Task& task, const Tokenizer& tokenizer,
                                           std::size_t length, std::size_t n) {
  const auto problems = tasks::draw_problems(task, length, n, o.seed);
  std::vector<agent::SessionSpec> specs;
  for (std::size_t i = 0; i < n; ++i) {
    agent::SessionSpec spec;
    spec.id = "eval-" + std::to_string(length) + "-" + std::to_string(i);
    spec.prompt = problems[i].prompt;
    spec.budgets.max_tokens = 2 * problems[i].reference.size() + 64;
    specs.push_back(std::move(spec));
  }
  const auto start = std::chrono::steady_clock::now();
  auto outcomes = runtime.run_sessions(o.model, std::move(specs));
  if (!outcomes) return outcomes.error();
  tasks::LengthScore row(length, o.failures);
  row.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& r = (*outcomes)[i].result;
    std::vector<std::string> written;
    for (TokenId t : r.generated) written.push_back(tokenizer.id_to_token(t).value_or("?"));
    const auto score = tasks::score_problem(
        problems[i], i, r.status == agent::SessionStatus::finished, r.output, written);
    row.add(score, r.generated.size() + r.forced_tokens, r.observations);
  }
  return row;
}

int run_eval(const EvalOptions& o) {
  const std::string cmd = "eval";
  const tasks::Task* task = tasks::find_task(o.task);
  if (auto s = check(o, task); !s) return report_error(cmd, s.error().message);
  auto devices = actors::worker_devices(o.devices);
  if (!devices) return report_error(cmd, device_error(o.devices, devices.error()).message);
  auto config = load_config(std::filesystem::path(o.model) / "config.json");
  if (!config) return report_error(cmd, config.error().message);

  std::size_t most = 0;
  for (std::size_t i = 0; i < o.lengths.size(); ++i) most = std::max(most, count_at(o, i));
  actors::RuntimeOptions options;
  options.devices = o.devices;
  // Each worker holds a share of the largest length's problems, all of them on one device.
  options.devices.slots = (most + devices->size() - 1) / devices->size();
  // The Lua tools of the default configuration for a calculator; memory and code stay out of an
  // evaluation, and pointer and search protocols call no tool.
  if (uses_calculator(config->recur)) options.tools = actors::ToolSetup{{}, {{}, {"lua"}}};
  auto runtime = actors::Runtime::open(options);
  if (!runtime) return report_error(cmd, runtime.error().message);
  auto loaded = (*runtime)->model(o.model);
  if (!loaded) return report_error(cmd, loaded.error().message);
  if (auto s = check_model(o, *task, *loaded); !s) return report_error(cmd, s.error().message);

  std::ostream& table = o.json ? std::cerr : std::cout;
  print_header(table);
  Json rows = Json::array();
  jobs::Report plot_rows;
  for (std::size_t li = 0; li < o.lengths.size(); ++li) {
    auto row =
        evaluate_length(**runtime, o, *task, *loaded->tokenizer, o.lengths[li], count_at(o, li));
    if (!row) return report_error(cmd, row.error().message);
    print_row(table, *row, o.failures);
    rows.push_back(row->to_json());
    const auto [low, high] = row->interval();
    (void)plot_rows.add_row({{"length", row->length()},
                             {"accuracy", row->accuracy()},
                             {"wilson_low", low},
                             {"wilson_high", high}});
  }
  (*runtime)->close();
  Json report = {{"model", o.model},
                 {"task", o.task},
                 {"seed", o.seed},
                 {"device", joined(*devices, ",")},
                 {"rows", rows}};
  if (!o.label.empty()) report["label"] = o.label;
  if (o.json) print_json(report);
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    f << report.dump(1) << std::endl;
    if (!f) return report_error(cmd, "--out: cannot write " + o.out);
  }
  if (!o.plot.empty()) {
    const std::string title = (o.label.empty() ? o.model + ": " + o.task : o.label) +
                              ", exact answers (95% Wilson interval)";
    if (auto s = write_accuracy_plot(plot_rows, title, false, o.plot); !s)
      return report_error(cmd, "--plot: " + s.error().message);
  }
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<EvalOptions>();
  auto* c =
      app.add_subcommand("eval", "Score a tool-using model closed-loop at growing problem lengths");
  c->add_option("--model", o->model, "Model bundle directory")->required();
  c->add_option("--task", o->task, std::string("Task (") + joined(tasks::task_names(), ", ") + ")");
  c->add_option("--lengths", o->lengths, "Problem lengths, e.g. 10,100,1000")
      ->delimiter(',')
      ->required();
  c->add_option("--n", o->n, "Problems per length: one count, or one per length")->delimiter(',');
  c->add_option("--seed", o->seed, "Seed of the problems");
  add_device_options(*c, o->devices);
  c->add_flag("--json", o->json, "Print the report as one JSON object (the table goes to stderr)");
  c->add_option("--out", o->out, "Write the report as JSON to this file");
  c->add_option("--plot", o->plot, "Write an SVG plot of accuracy against length to this file");
  c->add_option("--label", o->label,
                "Name of this model and condition in the report (recur plot's legend)");
  c->add_option("--failures", o->failures,
                "Print where the first K wrong trajectories of each length leave the reference");
  c->callback([o, &exit_code] { exit_code = run_eval(*o); });
}

}  // namespace recur::cli
