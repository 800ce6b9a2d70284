// recur generate: prompt in, sampled continuation out, with timings.
#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"
#include "model/sampler.hpp"

namespace recur::cli {
namespace {

struct GenerateOptions {
  std::string model;
  std::string prompt;
  std::size_t max_tokens = 64;
  float temperature = 0.0f;
  std::uint32_t top_k = 0;
  float top_p = 1.0f;
  std::uint64_t seed = 0;
  std::string device = "cpu";
  unsigned threads = 0;
  bool json = false;
};

int run_generate(const GenerateOptions& o) {
  const std::string cmd = "generate";
  auto tokenizer = load_tokenizer(o.model);
  if (!tokenizer) return report_error(cmd, tokenizer.error().message);
  auto backend = load_backend(o.model, o.device, o.threads);
  if (!backend) return report_error(cmd, backend.error().message);
  Backend& be = **backend;
  auto prompt = tokenizer->encode(o.prompt);
  if (!prompt) return report_error(cmd, prompt.error().message);
  if (prompt->empty()) return report_error(cmd, "--prompt: encodes to no tokens");

  const auto& config = be.model().config();
  const std::size_t vocab_limit = std::min(config.vocab_size, tokenizer->vocab_size());
  Sampler sampler({o.temperature, o.top_k, o.top_p, o.seed});
  auto slot = be.allocate();
  if (!slot) return report_error(cmd, slot.error().message);

  using clock = std::chrono::steady_clock;
  const auto t0 = clock::now();
  auto logits = be.prefill(*slot, *prompt);
  if (!logits) return report_error(cmd, logits.error().message);
  const auto t1 = clock::now();

  std::vector<TokenId> generated;
  std::string stop = "max_tokens";
  while (generated.size() < o.max_tokens) {
    const TokenId next = sampler.sample(*logits, vocab_limit);
    if (config.eos_token_id >= 0 && next == config.eos_token_id) {
      stop = "eos";
      break;
    }
    generated.push_back(next);
    if (generated.size() == o.max_tokens) break;
    const SlotId slots[] = {*slot};
    const TokenId tokens[] = {next};
    logits = be.decode(slots, tokens);
    if (!logits) return report_error(cmd, logits.error().message);
  }
  const auto t2 = clock::now();
  auto text = tokenizer->decode(generated);
  if (!text) return report_error(cmd, text.error().message);

  const double prefill_s = std::chrono::duration<double>(t1 - t0).count();
  const double decode_s = std::chrono::duration<double>(t2 - t1).count();
  const double tokens_per_s = decode_s > 0 ? static_cast<double>(generated.size()) / decode_s : 0.0;
  if (o.json) {
    nlohmann::json out = {{"prompt_tokens", *prompt},
                          {"tokens", generated},
                          {"text", *text},
                          {"stop", stop},
                          {"device", be.name()},
                          {"prefill_ms", prefill_s * 1e3},
                          {"decode_ms", decode_s * 1e3},
                          {"decode_tokens_per_s", tokens_per_s}};
    std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << std::endl;
  } else {
    std::cout << *text << std::endl;
    std::cerr << generated.size() << " tokens (" << prompt->size() << " prompt) on " << be.name()
              << ": prefill " << prefill_s * 1e3 << " ms, decode " << tokens_per_s
              << " tokens/s, stop: " << stop << std::endl;
  }
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<GenerateOptions>();
  auto* c = app.add_subcommand("generate", "Continue a prompt with a model bundle");
  c->add_option("--model", o->model, "Model bundle directory")->required();
  c->add_option("--prompt", o->prompt, "Prompt text")->required();
  c->add_option("--max-tokens", o->max_tokens, "Tokens to generate at most");
  c->add_option("--temperature", o->temperature, "0 for greedy decoding")
      ->check(CLI::NonNegativeNumber);
  c->add_option("--top-k", o->top_k, "Sample among the k most likely tokens (0: all)");
  c->add_option("--top-p", o->top_p, "Nucleus mass")->check(CLI::Range(0.0f, 1.0f));
  c->add_option("--seed", o->seed, "Sampling seed");
  c->add_option("--device", o->device, "cpu, cuda or cuda:N");
  c->add_option("--threads", o->threads, "CPU threads (0: all cores)");
  c->add_flag("--json", o->json, "Print one JSON object");
  c->callback([o, &exit_code] { exit_code = run_generate(*o); });
}

}  // namespace recur::cli
