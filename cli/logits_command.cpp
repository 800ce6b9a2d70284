// recur logits: the model's logits for every input position, computed three ways so that a caller
// can check that continuing from a state equals running the whole sequence.
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace recur::cli {
namespace {

struct LogitsOptions {
  std::string model;
  std::string tokens;
  std::string text;
  std::string mode = "forward";
  std::string device = "cpu";
  unsigned threads = 0;
  bool json = true;
};

// Logits rows for `ids`: forward (one pass), step (one token per call) or split:K (a prefill of K
// tokens, then the rest continued from the state).
Result<std::vector<float>> compute(Backend& be, const std::vector<TokenId>& ids,
                                   const std::string& mode) {
  auto slot = be.allocate();
  if (!slot) return slot.error();
  std::vector<float> all, part;
  auto run = [&](std::span<const TokenId> tokens) -> Status {
    const SequenceChunk chunk{*slot, tokens};
    if (auto s = be.forward({&chunk, 1}, LogitsFor::all, part); !s) return s;
    all.insert(all.end(), part.begin(), part.end());
    return {};
  };
  const std::span<const TokenId> seq(ids);
  if (mode == "forward") {
    if (auto s = run(seq); !s) return s.error();
  } else if (mode == "step") {
    for (std::size_t i = 0; i < seq.size(); ++i)
      if (auto s = run(seq.subspan(i, 1)); !s) return s.error();
  } else if (mode.rfind("split:", 0) == 0) {
    std::size_t k = 0;
    try {
      std::size_t used = 0;
      k = std::stoul(mode.substr(6), &used);
      if (used != mode.size() - 6) throw std::invalid_argument(mode);
    } catch (const std::exception&) {
      return fail(ErrorCode::invalid_argument,
                  "--mode: '" + mode + "' is not split:K with K a number");
    }
    if (k == 0 || k >= seq.size())
      return fail(ErrorCode::invalid_argument,
                  "--mode " + mode + ": K must be between 1 and " + std::to_string(seq.size() - 1));
    if (auto s = run(seq.first(k)); !s) return s.error();
    if (auto s = run(seq.subspan(k)); !s) return s.error();
  } else {
    return fail(ErrorCode::invalid_argument,
                "--mode: '" + mode + "' is not forward, step or split:K");
  }
  be.release(*slot);
  return all;
}

int run_logits(const LogitsOptions& o) {
  const std::string cmd = "logits";
  if (o.tokens.empty() == o.text.empty())
    return report_error(cmd, "give exactly one of --tokens and --text");
  std::vector<TokenId> ids;
  if (!o.tokens.empty()) {
    auto parsed = parse_ids(o.tokens, "--tokens");
    if (!parsed) return report_error(cmd, parsed.error().message);
    ids = std::move(*parsed);
  } else {
    auto tokenizer = load_tokenizer(o.model);
    if (!tokenizer) return report_error(cmd, tokenizer.error().message);
    auto encoded = tokenizer->encode(o.text);
    if (!encoded) return report_error(cmd, encoded.error().message);
    ids = std::move(*encoded);
  }
  if (ids.empty()) return report_error(cmd, "no input tokens");
  auto backend = load_backend(o.model, o.device, o.threads);
  if (!backend) return report_error(cmd, backend.error().message);
  auto logits = compute(**backend, ids, o.mode);
  if (!logits) return report_error(cmd, logits.error().message);

  const std::size_t V = (*backend)->model().config().vocab_size;
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t t = 0; t < ids.size(); ++t) {
    nlohmann::json row = nlohmann::json::array();
    for (std::size_t v = 0; v < V; ++v) row.push_back(static_cast<double>((*logits)[t * V + v]));
    rows.push_back(std::move(row));
  }
  std::cout << nlohmann::json{{"tokens", ids}, {"mode", o.mode}, {"logits", std::move(rows)}}.dump()
            << std::endl;
  return 0;
}

}  // namespace

void add_logits_command(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<LogitsOptions>();
  auto* c = app.add_subcommand("logits", "Print the logits of every input position as JSON");
  c->add_option("--model", o->model, "Model bundle directory")->required();
  c->add_option("--tokens", o->tokens, "Comma-separated token ids");
  c->add_option("--text", o->text, "Text to tokenize with the bundle's tokenizer");
  c->add_option("--mode", o->mode, "forward | step | split:K");
  c->add_option("--device", o->device, "cpu, cuda or cuda:N");
  c->add_option("--threads", o->threads, "CPU threads (0: all cores)");
  c->add_flag("--json", o->json, "Output is always JSON; accepted for uniformity");
  c->callback([o, &exit_code] { exit_code = run_logits(*o); });
}

}  // namespace recur::cli
