// A node's GPUs together: decode throughput of the worker pool (one model worker per GPU, sessions
// spread by the supervisor) on every visible GPU, over the same pool on one GPU, measured in the
// same run. Every session is a greedy agent session on the actor runtime (the plain protocol, no
// tools) of the mamba-130m shape with random bf16 weights: a prompt of 8 tokens, then
// --tokens generated tokens. Prints tokens/s of each pool, the ratio, where the sessions went,
// and whether every session wrote the same tokens on both pools.
//
// Run: build/bench/worker_pool_bench [--sessions 10000] [--tokens 128]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/worker_pool.hpp"
#include "model/random_model.hpp"

namespace {

using namespace recur;
using Clock = std::chrono::steady_clock;

std::string word(std::size_t i) {
  std::string w = "w";
  w.append(std::to_string(i));
  return w;
}

// A WordLevel tokenizer over the shape's whole vocabulary: "[UNK]", then w1, w2, ...
std::shared_ptr<const Tokenizer> word_tokenizer(std::size_t vocab) {
  nlohmann::json words = nlohmann::json::object();
  words["[UNK]"] = 0;
  for (std::size_t i = 1; i < vocab; ++i) words[word(i)] = i;
  const nlohmann::json j = {
      {"version", "1.0"},
      {"added_tokens", nlohmann::json::array()},
      {"normalizer", nullptr},
      {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
      {"post_processor", nullptr},
      {"decoder", nullptr},
      {"model", {{"type", "WordLevel"}, {"vocab", words}, {"unk_token", "[UNK]"}}}};
  auto t = Tokenizer::parse(j, "the bench tokenizer");
  if (!t) {
    std::fprintf(stderr, "%s\n", t.error().message.c_str());
    std::exit(1);
  }
  return std::make_shared<const Tokenizer>(std::move(*t));
}

struct PoolRun {
  double wall_s = 0;
  std::uint64_t tokens = 0;
  std::vector<std::uint64_t> placed;
  std::map<std::string, std::vector<TokenId>> generated;
};

PoolRun run_pool(caf::actor_system& system, std::shared_ptr<const Model> model,
                 std::shared_ptr<const Tokenizer> tokenizer, const std::string& devices,
                 std::size_t sessions, std::uint64_t tokens) {
  actors::DeviceOptions options;
  options.devices = devices;
  const std::size_t gpus = actors::worker_devices(options)->size();
  options.slots = (sessions + gpus - 1) / gpus;
  auto setup = actors::make_worker_pool(model, tokenizer, options);
  if (!setup) {
    std::fprintf(stderr, "%s\n", setup.error().message.c_str());
    std::exit(1);
  }
  auto supervisor = actors::spawn_supervisor(system, std::move(*setup));
  caf::scoped_actor self{system};
  using Handle = decltype(self->request(supervisor, caf::infinite, actors::run_atom::value,
                                        std::declval<actors::SessionOrder>()));
  std::vector<Handle> pending;
  PoolRun r;
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < sessions; ++i) {
    agent::SessionSpec spec;
    spec.id = word(i);
    for (std::size_t k = 0; k < 8; ++k) {
      if (k) spec.prompt.push_back(' ');
      spec.prompt.append(word(1 + (i * 8 + k) * 7919 % (model->config().vocab_size - 1)));
    }
    spec.budgets.max_tokens = tokens;
    pending.push_back(self->request(supervisor, caf::infinite, actors::run_atom::value,
                                    actors::SessionOrder{spec, agent::Admission::fresh, {}}));
  }
  for (auto& p : pending)
    p.receive(
        [&](agent::SessionOutcome& o) {
          r.tokens += o.result.generated.size();
          r.generated[o.result.id] = std::move(o.result.generated);
        },
        [&](caf::error& e) {
          std::fprintf(stderr, "%s\n", actors::error_text(e).c_str());
          std::exit(1);
        });
  r.wall_s = std::chrono::duration<double>(Clock::now() - t0).count();
  self->request(supervisor, caf::infinite, actors::status_atom::value)
      .receive([&](actors::SupervisorStatus& st) { r.placed = st.worker_placed; },
               [](caf::error&) {});
  self->send_exit(supervisor, caf::exit_reason::user_shutdown);
  return r;
}

std::string counts(const std::vector<std::uint64_t>& v) {
  std::string s;
  for (auto n : v) {
    if (!s.empty()) s.append(" + ");
    s.append(std::to_string(n));
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t sessions = 10000;
  std::uint64_t tokens = 128;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const auto v = std::strtoull(argv[i + 1], nullptr, 10);
    if (flag == "--sessions") sessions = v;
    if (flag == "--tokens") tokens = v;
  }
  const int gpus = cuda_device_count();
  if (gpus == 0) {
    std::printf("no CUDA device (%s): nothing to measure\n", cuda_unavailable_reason().c_str());
    return 77;
  }
  const ModelShape& shape = kMamba130m;
  auto model = random_model(shape, kernels::ElementType::bf16);
  auto tokenizer = word_tokenizer(shape.vocab);
  actors::RuntimeConfig config;
  caf::actor_system system{config};
  std::printf(
      "%s, random bf16 weights; %zu greedy sessions of 8 prompt tokens + %llu generated tokens; "
      "%d GPU(s) visible\n",
      shape.name.c_str(), sessions, static_cast<unsigned long long>(tokens), gpus);
  std::printf("%-8s %10s %12s %14s  %s\n", "GPUs", "wall s", "tokens", "tokens/s", "sessions");

  std::vector<std::pair<int, std::string>> pools = {{1, "0"}};
  if (gpus > 1) pools.push_back({gpus, "all"});
  std::vector<PoolRun> runs;
  for (const auto& [n, devices] : pools) {
    runs.push_back(run_pool(system, model, tokenizer, devices, sessions, tokens));
    const PoolRun& r = runs.back();
    std::printf("%-8d %10.2f %12llu %14.0f  %s\n", n, r.wall_s,
                static_cast<unsigned long long>(r.tokens), r.tokens / r.wall_s,
                counts(r.placed).c_str());
  }
  if (runs.size() < 2) {
    std::printf("one GPU visible: no ratio to measure\n");
    return 0;
  }
  const PoolRun &one = runs[0], &all = runs[1];
  std::size_t same = 0;
  for (const auto& [id, generated] : one.generated) {
    auto it = all.generated.find(id);
    same += it != all.generated.end() && it->second == generated;
  }
  const double ratio = (all.tokens / all.wall_s) / (one.tokens / one.wall_s);
  std::printf("throughput ratio, %d GPUs over 1: %.2fx (%.0f%% of linear)\n", gpus, ratio,
              100.0 * ratio / gpus);
  std::printf("sessions whose greedy tokens are the same on both pools: %zu of %zu\n", same,
              one.generated.size());
  return 0;
}
