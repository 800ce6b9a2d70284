// recur agent: one tool-using session on the runtime (a model worker per device and a host per
// configured tool). It starts a session, or continues one from its last checkpoint, prints its
// output to stderr as it comes with --stream, and prints the outcome as JSON on stdout: the
// session's result with its timings. With --store every checkpoint goes to that store (and the
// memory tool keeps its data there), so a session whose process was killed goes on with --resume
// --session ID --store DIR; one killed before its first checkpoint starts afresh when its prompt
// is given again.
//
// Exit status: 0 when the session ended (finished, or stopped by a budget), 1 when it failed or the
// input was bad (one line on stderr names what), 2 for usage errors.
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>

#include "actors/runtime.hpp"
#include "agent/agent_run.hpp"
#include "base/text.hpp"
#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "cli/device_options.hpp"

namespace recur::cli {
namespace {

struct AgentOptions {
  std::string model;
  std::string prompt;
  std::vector<std::string> tools;
  std::string store;
  std::string session;
  bool resume = false;
  bool stream = false;
  bool json = true;
  std::uint64_t seed = 0;
  float temperature = 0.0f;
  std::uint32_t top_k = 0;
  float top_p = 1.0f;
  std::uint64_t max_tokens = 4096;
  std::uint64_t max_calls = 1024;
  std::uint64_t max_wall_ms = 0;
  std::uint64_t checkpoint_every = 256;
  std::uint64_t tool_deadline_ms = 30000;
  actors::DeviceOptions devices;
  std::string config;
};

std::string new_session_id() {
  std::random_device rd;
  std::ostringstream s;
  s << "s-" << std::hex << rd() << rd();
  return s.str();
}

// Prints decoded output to stderr as tokens arrive (stdout holds only the outcome's JSON): the text
// of everything so far, less what is printed.
class StreamPrinter {
 public:
  explicit StreamPrinter(const Tokenizer& tokenizer) : tokenizer_(tokenizer) {}
  void add(std::span<const TokenId> tokens) {
    std::lock_guard<std::mutex> lock(mutex_);
    tokens_.insert(tokens_.end(), tokens.begin(), tokens.end());
    auto text = tokenizer_.decode(tokens_);
    if (!text || text->size() <= printed_ || text->compare(0, printed_, printed_text_) != 0) return;
    std::cerr << text->substr(printed_) << std::flush;
    printed_text_ = *text;
    printed_ = text->size();
  }
  bool printed() const { return printed_ > 0; }

 private:
  const Tokenizer& tokenizer_;
  std::mutex mutex_;
  std::vector<TokenId> tokens_;
  std::string printed_text_;
  std::size_t printed_ = 0;
};

int run_agent(const AgentOptions& o) {
  const std::string cmd = "agent";
  if (o.resume && (o.session.empty() || o.store.empty()))
    return report_error(cmd, "--resume needs --session ID and --store DIR");
  if (!o.resume && o.prompt.empty()) return report_error(cmd, "--prompt is required (or --resume)");
  if (auto devices = actors::worker_devices(o.devices); !devices)
    return report_error(cmd, device_error(o.devices, devices.error()).message);

  std::optional<Store> store;
  if (!o.store.empty()) {
    auto opened = Store::open(o.store);
    if (!opened) return report_error(cmd, "--store: " + opened.error().message);
    store = std::move(*opened);
  }
  const std::string id = o.session.empty() ? new_session_id() : o.session;
  agent::Admission admission = o.resume ? agent::Admission::resume : agent::Admission::fresh;
  if (store) {
    auto stored = agent::read_checkpoint(*store, id);
    if (o.resume && !stored) {
      // A session killed before its first checkpoint left nothing to resume: with its prompt given
      // again it starts afresh.
      if (stored.error().code != ErrorCode::not_found || o.prompt.empty())
        return report_error(cmd, "--resume: " + stored.error().message +
                                     (stored.error().code == ErrorCode::not_found
                                          ? " (give --prompt to start it afresh)"
                                          : ""));
      std::cerr << "recur agent: session " << id
                << " has no checkpoint yet; starting it afresh from the prompt" << std::endl;
      admission = agent::Admission::fresh;
    }
    if (!o.resume && stored)
      return report_error(cmd, "--session: session '" + id + "' already exists in " + o.store +
                                   " (continue it with --resume)");
    if (o.resume && stored && !o.prompt.empty() &&
        stored->checkpoint.meta["spec"].value("prompt", "") != o.prompt)
      return report_error(cmd,
                          "--prompt: session '" + id +
                              "' was started with another prompt (resume it without --prompt)");
  }

  actors::RuntimeOptions options;
  options.devices = o.devices;
  options.tools = actors::ToolSetup{o.config, {}};
  if (!o.store.empty()) options.tools->registry.store_dir = o.store;
  options.store = store;
  options.checkpoint_every = o.checkpoint_every;
  options.tool_deadline = std::chrono::milliseconds(o.tool_deadline_ms);
  auto runtime = actors::Runtime::open(options);
  if (!runtime) return report_error(cmd, runtime.error().message);
  for (const auto& name : o.tools)
    if (!(*runtime)->tools().find(name)) {
      std::vector<std::string> known;
      for (const auto& d : (*runtime)->tools().list()) known.push_back(d.name);
      return report_error(
          cmd, "--tools: no tool '" + name + "' (configured: " + joined(known, ", ") + ")");
    }
  auto loaded = (*runtime)->model(o.model);
  if (!loaded) return report_error(cmd, loaded.error().message);

  agent::SessionSpec spec;
  spec.id = id;
  spec.prompt = o.prompt;
  spec.sampling = {o.temperature, o.top_k, o.top_p, o.seed};
  spec.budgets = {o.max_tokens, o.max_calls, o.max_wall_ms};
  spec.tools = o.tools;

  StreamPrinter printer(*loaded->tokenizer);
  actors::OutputHandler on_output;
  if (o.stream) on_output = [&printer](std::span<const TokenId> t) { printer.add(t); };
  auto outcome = (*runtime)->run_session(o.model, spec, admission, on_output);
  (*runtime)->close();
  if (!outcome) return report_error(cmd, outcome.error().message);
  if (printer.printed()) std::cerr << std::endl;
  print_json(outcome->to_json());
  if (outcome->result.status == agent::SessionStatus::failed)
    return report_error(cmd, "session " + id + " failed: " + outcome->result.error);
  return 0;
}

}  // namespace

void add_agent_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<AgentOptions>();
  o->devices.slots = 1;
  auto* c = app.add_subcommand("agent", "Run a tool-using agent session on the actor runtime");
  c->add_option("--model", o->model, "Model bundle directory")->required();
  c->add_option("--prompt", o->prompt, "Prompt text (not with --resume)");
  c->add_option("--tools", o->tools, "Tools the session may call (default: all)")->delimiter(',');
  c->add_option("--store", o->store, "Store directory: checkpoints and the memory tool's data");
  c->add_option("--session", o->session, "Session id (default: a new random one)");
  c->add_flag("--resume", o->resume, "Continue the session from its last checkpoint");
  c->add_flag("--stream", o->stream, "Print the output to stderr as it is generated");
  c->add_flag("--json", o->json, "The outcome is always printed as JSON; accepted for uniformity");
  c->add_option("--seed", o->seed, "Sampling seed");
  c->add_option("--temperature", o->temperature, "0 for greedy decoding")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--top-k", o->top_k, "Sample among the k most likely tokens (0: all)");
  c->add_option("--top-p", o->top_p, "Nucleus mass")->check(CLI::Range(0.0f, 1.0f));
  c->add_option("--max-tokens", o->max_tokens, "Budget: tokens the model generates");
  c->add_option("--max-calls", o->max_calls, "Budget: tool calls");
  c->add_option("--max-wall-ms", o->max_wall_ms, "Budget: wall time in ms (0: none)");
  c->add_option("--checkpoint-every", o->checkpoint_every,
                "Generated tokens between checkpoints (with --store)");
  c->add_option("--tool-deadline-ms", o->tool_deadline_ms, "Deadline of each tool call");
  add_device_options(*c, o->devices);
  c->add_option("--config", o->config,
                "Tool configuration (default: $RECUR_CONFIG, else configs/tools.json)");
  c->callback([o, &exit_code] { exit_code = run_agent(*o); });
}

}  // namespace recur::cli
