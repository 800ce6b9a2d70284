// The actor runtime's cost next to the model's. With a small CPU model and the pointer protocol, a
// model worker runs 1, 64 and 512 concurrent sessions; the share of wall time spent outside the
// backend's forward passes (measured in the same run) is the runtime's overhead, goal at most 10%
// from 64 sessions up. A second row per size adds checkpoints to a synced store, to show what they
// cost. Then the round trip of a call of the in-process memory tool through its host, next to the
// same call made directly on the registry.
//
// Run: build/bench/agent_runtime_bench [--tokens 128] [--checkpoint-every 64] [--threads 0]
//                                      [--calls 2000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "actors/model_worker.hpp"
#include "base/text.hpp"
#include "model/bundle_writer.hpp"
#include "model/random_model.hpp"
#include "tools/memory/memory_tool.hpp"

namespace {

using namespace recur;
using namespace recur::actors;
using namespace recur::agent;
using Clock = std::chrono::steady_clock;

std::string numbered(std::string prefix, std::size_t i) {
  prefix.append(std::to_string(i));
  return prefix;
}

// A 2-layer, 128-wide Mamba with random weights; 32 model tokens, and a 33rd word, the stop marker,
// that the model cannot write, so every session runs its whole token budget.
struct BenchBundle {
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
};

BenchBundle bench_bundle(const std::filesystem::path& dir) {
  const ModelShape shape{"bench-2x128", 2, 128, 256, 16, 4, 32};
  std::vector<std::string> words = {"[UNK]", "[ANS]", "^",  "$",  "L1", "R1",
                                    "D1",    "L2",    "R2", "D2", ".",  "go"};
  for (std::size_t i = words.size(); i < 32; ++i) words.push_back(numbered("w", i));
  words.push_back("<eos>");
  Json vocab = Json::object();
  for (std::size_t i = 0; i < words.size(); ++i) vocab[words[i]] = i;
  const Json tokenizer = {
      {"version", "1.0"},
      {"added_tokens", Json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
      {"post_processor", nullptr},
      {"decoder", nullptr},
      {"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "[UNK]"}}}};
  std::filesystem::create_directories(dir);
  if (auto s = save_bundle(*random_model(shape, kernels::ElementType::f32), dir, tokenizer); !s) {
    std::fprintf(stderr, "%s\n", s.error().message.c_str());
    std::exit(1);
  }
  Json config = Json::parse(std::ifstream(dir / "config.json"));
  config["recur"] = {{"protocol",
                      {{"type", "pointer"},
                       {"pointers",
                        {{"p1", {{"left", "L1"}, {"right", "R1"}, {"read", "D1"}}},
                         {"p2", {{"left", "L2"}, {"right", "R2"}, {"read", "D2"}}}}},
                       {"before_start", "^"},
                       {"past_end", "$"},
                       {"answer", "[ANS]"},
                       {"stop", "<eos>"}}}};
  std::ofstream(dir / "config.json") << config.dump(2);
  auto model = Model::load(dir);
  auto tok = Tokenizer::load(dir / "tokenizer.json");
  if (!model || !tok) {
    std::fprintf(stderr, "the bench bundle does not load\n");
    std::exit(1);
  }
  return {*model, std::make_shared<const Tokenizer>(std::move(*tok))};
}

struct RunStats {
  double wall_ms = 0;
  WorkerStatus worker;
  std::uint64_t tokens = 0;
};

RunStats run_sessions(caf::actor_system& system, const BenchBundle& b, std::size_t sessions,
                      std::uint64_t tokens, unsigned threads, std::optional<Store> store,
                      std::uint64_t checkpoint_every) {
  caf::scoped_actor owner{system};
  WorkerSetup setup;
  setup.model = b.model;
  setup.tokenizer = b.tokenizer;
  auto model = b.model;
  setup.make_backend = [model, threads]() -> Result<std::unique_ptr<Backend>> {
    return make_cpu_backend(model, threads, 1024);
  };
  setup.batcher.checkpoint_every = checkpoint_every;
  setup.batcher.store = std::move(store);
  auto worker = spawn_model_worker(system, setup, caf::actor_cast<session_owner>(owner));
  RunStats stats;
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < sessions; ++i) {
    SessionSpec spec;
    spec.id = numbered("b", i);
    spec.prompt = "w12 w13 w14 w15 w16 w17 w18 w19 . go";
    spec.sampling.temperature = 1.0f;  // every kind of token: moves, reads, thoughts, outputs
    spec.sampling.seed = i;
    spec.budgets.max_tokens = tokens;
    owner->send(worker, start_atom::value, SessionOrder{spec, Admission::fresh, {}});
  }
  for (std::size_t i = 0; i < sessions; ++i)
    owner->receive(
        [&](done_atom, SessionOutcome& o) { stats.tokens += o.result.generated.size(); });
  stats.wall_ms = ms_since(t0);
  owner->request(worker, caf::infinite, status_atom::value)
      .receive([&](WorkerStatus& s) { stats.worker = s; }, [](caf::error&) {});
  owner->send_exit(worker, caf::exit_reason::user_shutdown);
  return stats;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
}

void tool_round_trips(caf::actor_system& system, const std::filesystem::path& dir,
                      std::size_t calls) {
  tools::MemoryToolConfig config;
  config.store = dir / "memory";
  config.store_options.sync = false;  // "fast": the write reaches the OS, not the disk
  auto registry = std::make_shared<tools::Registry>();
  if (auto s = registry->add(tools::make_memory_tool(config)); !s) std::exit(1);
  auto host = spawn_tool_host(system, registry, "memory");
  caf::scoped_actor self{system};
  std::printf("\nmemory tool, one call per batch (%zu calls each):\n", calls);
  std::printf("%-6s %14s %14s %14s %14s\n", "op", "direct p50 us", "direct p99 us", "host p50 us",
              "host p99 us");
  for (const std::string op : {"put", "get"}) {
    std::vector<double> direct, hosted;
    for (std::size_t i = 0; i < calls; ++i) {
      Json args = {{"op", op}, {"key", numbered("k", i % 100)}};
      if (op == "put") args["value"] = i;
      tools::ToolCall call{numbered("c", i), "memory", args};
      tools::CallContext context;
      context.scope = "bench";
      auto t0 = Clock::now();
      auto r = registry->call(call, context);
      direct.push_back(ms_since(t0) * 1e3);
      if (!r || r->is_error) std::exit(1);
      t0 = Clock::now();
      self->request(host, caf::infinite, call_atom::value, ToolBatch{{{call, "bench", 0}}})
          .receive([](ToolReplies&) {}, [](caf::error&) { std::exit(1); });
      hosted.push_back(ms_since(t0) * 1e3);
    }
    std::printf("%-6s %14.1f %14.1f %14.1f %14.1f\n", op.c_str(), percentile(direct, 0.5),
                percentile(direct, 0.99), percentile(hosted, 0.5), percentile(hosted, 0.99));
  }
  self->send_exit(host, caf::exit_reason::user_shutdown);
}

}  // namespace

int main(int argc, char** argv) {
  std::uint64_t tokens = 128, checkpoint_every = 64;
  unsigned threads = 0;
  std::size_t calls = 2000;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const auto v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--tokens")
      tokens = v;
    else if (flag == "--checkpoint-every")
      checkpoint_every = v;
    else if (flag == "--threads")
      threads = static_cast<unsigned>(v);
    else if (flag == "--calls")
      calls = v;
  }
  const auto dir = std::filesystem::temp_directory_path() /
                   numbered("recur-agent-bench-", static_cast<std::size_t>(::getpid()));
  const BenchBundle bundle = bench_bundle(dir / "bundle");
  RuntimeConfig config;
  caf::actor_system system{config};

  std::printf(
      "model: 2 layers, hidden 128, 32 tokens, pointer protocol; %llu sampled tokens per "
      "session; CPU backend threads: %u (0: all)\n",
      static_cast<unsigned long long>(tokens), threads);
  std::printf("%-9s %-12s %9s %9s %9s %10s %8s %11s %11s %9s\n", "sessions", "checkpoints",
              "wall ms", "fwd ms", "ckpt ms", "tokens/s", "seq/pass", "outside %", "in worker %",
              "ms/ckpt");
  for (const std::size_t n : {1u, 64u, 512u}) {
    for (const bool with_store : {false, true}) {
      std::optional<Store> store;
      if (with_store) {
        auto s = Store::open(dir / numbered("store-", n));
        if (!s) std::exit(1);
        store = std::move(*s);
      }
      const RunStats r = run_sessions(system, bundle, n, tokens, threads, store, checkpoint_every);
      const WorkerStatus& w = r.worker;
      const double outside = 100.0 * (1.0 - w.forward_ms / r.wall_ms);
      const double in_worker = 100.0 * (w.busy_ms - w.forward_ms) / r.wall_ms;
      std::printf(
          "%-9zu %-12s %9.1f %9.1f %9.1f %10.0f %8.1f %10.1f%% %10.1f%% %9.2f\n", n,
          with_store ? numbered("every ", checkpoint_every).c_str() : "none", r.wall_ms,
          w.forward_ms, w.checkpoint_ms, static_cast<double>(r.tokens) / (r.wall_ms / 1e3),
          w.ticks ? static_cast<double>(w.sequences) / static_cast<double>(w.ticks) : 0.0, outside,
          in_worker,
          w.checkpoint_ticks ? w.checkpoint_ms / static_cast<double>(w.checkpoint_ticks) : 0.0);
    }
  }
  std::printf(
      "outside %%: wall time not in forward passes (goal <= 10%% from 64 sessions); in "
      "worker %%: the worker's own work besides them (sampling, protocols, checkpoints); "
      "ms/ckpt: per tick that wrote checkpoints (one synced write each)\n");
  tool_round_trips(system, dir, calls);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return 0;
}
