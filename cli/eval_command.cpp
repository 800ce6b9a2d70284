// recur eval: how far a tool-using model generalizes. For each problem length it runs n random
// problems closed-loop as agent sessions on the actor runtime (a model worker per device, spread by
// the supervisor, and the tools), and
// scores the exact answer and the exact trajectory against the task's reference (tasks/).
// Prints a table (length, accuracy with its 95% Wilson interval, trajectory accuracy, tokens, tool
// calls, wall time), and writes JSON ({"rows": [...]}, each with where its first wrong
// trajectories leave the reference) and an SVG plot of accuracy against length when asked.
#include <chrono>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <random>
#include <sstream>

#include <nlohmann/json.hpp>

#include "actors/agent_session.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/worker_pool.hpp"
#include "jobs/report.hpp"
#include "tasks/task.hpp"
#include "tools/registry/registry.hpp"

namespace recur::cli {
namespace {

struct EvalOptions {
  std::string model;
  std::string task = "addition";
  std::vector<std::size_t> lengths;
  std::vector<std::size_t> n = {200};
  std::uint64_t seed = 0;
  DeviceOptions devices;
  bool json = false;
  std::string out;
  std::string plot;
  std::string label;
  std::size_t failures = 0;
};

// Where a generated trajectory first leaves the reference: the index among the written tokens,
// the expected and the generated token ("" past an end), and the reference's tokens before it.
nlohmann::json divergence(const std::vector<std::string>& generated,
                          const std::vector<std::string>& reference, std::size_t problem,
                          std::size_t context) {
  std::size_t at = 0;
  while (at < generated.size() && at < reference.size() && generated[at] == reference[at]) ++at;
  std::vector<std::string> before(reference.begin() + static_cast<long>(at - std::min(at, context)),
                                  reference.begin() + static_cast<long>(at));
  return {{"problem", problem},
          {"at", at},
          {"of", reference.size()},
          {"expected", at < reference.size() ? reference[at] : ""},
          {"generated", at < generated.size() ? generated[at] : ""},
          {"before", before}};
}

std::string operand(std::mt19937_64& rng, std::size_t digits) {
  std::string s;
  for (std::size_t i = 0; i < digits; ++i)
    s.push_back(static_cast<char>('0' + (i == 0 && digits > 1 ? 1 + rng() % 9 : rng() % 10)));
  return s;
}

std::string join(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) {
    if (!s.empty()) s.push_back(' ');
    s += w;
  }
  return s;
}

// "addition, multiply1" for {"addition", "multiply1"}.
std::string comma_space_joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// "cuda:0,cuda:1" for {"cuda:0", "cuda:1"}.
std::string comma_joined(const std::vector<std::string>& names) {
  std::string s;
  for (const auto& n : names) s += (s.empty() ? "" : ",") + n;
  return s;
}

int run_eval(const EvalOptions& o) {
  const std::string cmd = "eval";
  const tasks::Task* task = tasks::find_task(o.task);
  if (!task)
    return report_error(cmd, "--task: '" + o.task + "' is not a task (known: " +
                                 comma_space_joined(tasks::task_names()) + ")");
  if (o.lengths.empty()) return report_error(cmd, "--lengths: give at least one length");
  if (o.n.size() != 1 && o.n.size() != o.lengths.size())
    return report_error(
        cmd, "--n: give one count or one per length (" + std::to_string(o.lengths.size()) + ")");
  for (auto len : o.lengths) {
    if (len == 0) return report_error(cmd, "--lengths: lengths must be positive");
    if (task->max_length && len > task->max_length)
      return report_error(cmd, "--lengths: " + o.task + " problems are at most " +
                                   std::to_string(task->max_length) + " long");
  }
  auto tokenizer = load_tokenizer(o.model);
  if (!tokenizer) return report_error(cmd, tokenizer.error().message);
  auto devices = worker_devices(o.devices);
  if (!devices) return report_error(cmd, devices.error().message);
  auto model = Model::load(o.model);
  if (!model) return report_error(cmd, model.error().message);
  if ((*model)->config().recur.value("task", "") != o.task)
    return report_error(cmd,
                        o.model + "/config.json: field 'recur.task' is not \"" + o.task + "\"");
  // Every token a trajectory of the task holds must be in the model's vocabulary.
  {
    std::mt19937_64 rng(o.seed);
    const auto [a, b] = task->draw(rng, o.lengths.front(), operand);
    for (const auto& w : task->trajectory(a, b).tokens)
      if (!tokenizer->token_to_id(w))
        return report_error(cmd, o.model + "/tokenizer.json: the vocabulary lacks '" + w +
                                     "', a token of task " + o.task);
  }
  std::size_t most = 0;
  for (std::size_t i = 0; i < o.lengths.size(); ++i)
    most = std::max(most, o.n.size() == 1 ? o.n[0] : o.n[i]);
  // Each worker holds a share of the largest length's problems, all of them on one device.
  DeviceOptions pool_options = o.devices;
  pool_options.slots = (most + devices->size() - 1) / devices->size();
  const auto shared_tokenizer = std::make_shared<const Tokenizer>(std::move(*tokenizer));
  auto setup = make_worker_pool(*model, shared_tokenizer, pool_options);
  if (!setup) return report_error(cmd, setup.error().message);
  const auto& recur_section = (*model)->config().recur;
  if (recur_section.contains("protocol") && recur_section["protocol"].is_object() &&
      recur_section["protocol"].contains("type") &&
      recur_section["protocol"]["type"] == "calculator") {
    // The Lua tools of the default configuration; memory and code stay out of an evaluation.
    tools::RegistryOptions lua_only;
    lua_only.only_types = {"lua"};
    auto registry = tools::Registry::load(tools::default_config_path(), lua_only);
    if (!registry) return report_error(cmd, registry.error().message);
    setup->registry = std::make_shared<const tools::Registry>(std::move(*registry));
  }
  actors::RuntimeConfig config;
  caf::actor_system system{config};
  auto supervisor = actors::spawn_supervisor(system, std::move(*setup));
  const Tokenizer& tok = *shared_tokenizer;

  nlohmann::json rows = nlohmann::json::array();
  std::cout << std::left << std::setw(8) << "length" << std::setw(6) << "n" << std::setw(10)
            << "accuracy" << std::setw(18) << "95% interval" << std::setw(12) << "trajectory"
            << std::setw(12) << "tokens" << std::setw(12) << "tool calls"
            << "wall s" << std::endl;
  for (std::size_t li = 0; li < o.lengths.size(); ++li) {
    const std::size_t length = o.lengths[li], n = o.n.size() == 1 ? o.n[0] : o.n[li];
    std::mt19937_64 rng(o.seed * 1000003 + length);
    std::vector<std::pair<std::string, std::string>> problems;
    for (std::size_t i = 0; i < n; ++i) problems.push_back(task->draw(rng, length, operand));
    const auto start = std::chrono::steady_clock::now();
    // Every problem is a session sent at once; the worker batches them; replies come back in any
    // order and are collected in problem order.
    caf::scoped_actor self{system};
    using Handle = decltype(self->request(supervisor, caf::infinite, actors::run_atom::value,
                                          std::declval<actors::SessionOrder>()));
    std::vector<Handle> pending;
    std::vector<std::optional<agent::SessionOutcome>> outcomes(n);
    std::string failure;
    for (std::size_t i = 0; i < n; ++i) {
      const auto reference = task->trajectory(problems[i].first, problems[i].second);
      agent::SessionSpec spec;
      spec.id = "eval-" + std::to_string(length) + "-" + std::to_string(i);
      spec.prompt = join(task->prompt(problems[i].first, problems[i].second));
      spec.budgets.max_tokens = 2 * reference.written().size() + 64;
      pending.push_back(self->request(supervisor, caf::infinite, actors::run_atom::value,
                                      actors::SessionOrder{spec, agent::Admission::fresh, {}}));
    }
    for (std::size_t i = 0; i < n; ++i)
      pending[i].receive([&](agent::SessionOutcome& out) { outcomes[i] = std::move(out); },
                         [&](caf::error& e) { failure = system.render(e); });
    if (!failure.empty()) {
      caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
      return report_error(cmd, "the runtime stopped: " + failure);
    }
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::size_t exact = 0, exact_trajectory = 0, tokens = 0, calls = 0;
    nlohmann::json failures = nlohmann::json::array();
    for (std::size_t i = 0; i < n; ++i) {
      const auto& r = outcomes[i]->result;
      const auto reference = task->trajectory(problems[i].first, problems[i].second);
      std::string answer;
      for (char c : r.output)
        if (c != ' ') answer.push_back(c);
      exact += r.status == agent::SessionStatus::finished &&
               answer == task->answer(problems[i].first, problems[i].second);
      std::vector<std::string> written;
      for (TokenId t : r.generated) written.push_back(tok.id_to_token(t).value_or("?"));
      const auto expected = reference.written();
      exact_trajectory += written == expected;
      if (written != expected && failures.size() < std::max<std::size_t>(3, o.failures))
        failures.push_back(divergence(written, expected, i, 12));
      tokens += r.generated.size() + r.forced_tokens;
      calls += r.observations;
    }
    const auto [low, high] = wilson_interval(exact, n);
    const double accuracy = static_cast<double>(exact) / n;
    rows.push_back({{"length", length},
                    {"n", n},
                    {"accuracy", accuracy},
                    {"wilson_low", low},
                    {"wilson_high", high},
                    {"trajectory_accuracy", static_cast<double>(exact_trajectory) / n},
                    {"tokens_per_problem", static_cast<double>(tokens) / n},
                    {"tool_calls_per_problem", static_cast<double>(calls) / n},
                    {"wall_s", wall},
                    {"failures", failures}});
    std::ostringstream interval;
    interval << std::fixed << std::setprecision(3) << "[" << low << ", " << high << "]";
    std::cout << std::left << std::setw(8) << length << std::setw(6) << n << std::setw(10)
              << std::fixed << std::setprecision(3) << accuracy << std::setw(18) << interval.str()
              << std::setw(12) << static_cast<double>(exact_trajectory) / n << std::setw(12)
              << std::setprecision(0) << static_cast<double>(tokens) / n << std::setw(12)
              << static_cast<double>(calls) / n << std::setprecision(2) << wall << std::endl;
    for (std::size_t f = 0; f < std::min(o.failures, failures.size()); ++f) {
      const auto& d = failures[f];
      std::cout << "  problem " << d["problem"].get<std::size_t>() << ": written token "
                << d["at"].get<std::size_t>() << " of " << d["of"].get<std::size_t>() << " is '"
                << d["generated"].get<std::string>() << "', the reference has '"
                << d["expected"].get<std::string>()
                << "' after: " << join(d["before"].get<std::vector<std::string>>()) << std::endl;
    }
  }
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
  nlohmann::json report = {{"model", o.model},
                           {"task", o.task},
                           {"seed", o.seed},
                           {"device", comma_joined(*devices)},
                           {"rows", rows}};
  if (!o.label.empty()) report["label"] = o.label;
  if (o.json) std::cout << report.dump() << std::endl;
  if (!o.out.empty()) {
    std::ofstream f(o.out);
    f << report.dump(1) << std::endl;
    if (!f) return report_error(cmd, "--out: cannot write " + o.out);
  }
  if (!o.plot.empty()) {
    jobs::Report table;
    for (const auto& row : rows) (void)table.add_row(row);
    const std::string title = (o.label.empty() ? o.model + ": " + o.task : o.label) +
                              ", exact answers (95% Wilson interval)";
    if (auto s = write_accuracy_plot(table, title, false, o.plot); !s)
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
  c->add_option("--task", o->task,
                std::string("Task (") + comma_space_joined(tasks::task_names()) + ")");
  c->add_option("--lengths", o->lengths, "Problem lengths, e.g. 10,100,1000")
      ->delimiter(',')
      ->required();
  c->add_option("--n", o->n, "Problems per length: one count, or one per length")->delimiter(',');
  c->add_option("--seed", o->seed, "Seed of the problems");
  add_device_options(*c, o->devices);
  c->add_flag("--json", o->json, "Also print the report as one JSON object");
  c->add_option("--out", o->out, "Write the report as JSON to this file");
  c->add_option("--plot", o->plot, "Write an SVG plot of accuracy against length to this file");
  c->add_option("--label", o->label,
                "Name of this model and condition in the report (recur plot's legend)");
  c->add_option("--failures", o->failures,
                "Print where the first K wrong trajectories of each length leave the reference");
  c->callback([o, &exit_code] { exit_code = run_eval(*o); });
}

}  // namespace recur::cli
