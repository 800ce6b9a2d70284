// recur tokenize / recur detokenize: the bundle's tokenizer alone (only tokenizer.json is read).
#include <iostream>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/common.hpp"

namespace recur::cli {
namespace {

struct TokenizeOptions {
  std::string model;
  std::string text;
  std::string ids;
  bool skip_special = false;
  bool json = false;
};

int run_tokenize(const TokenizeOptions& o) {
  auto tokenizer = load_tokenizer(o.model);
  if (!tokenizer) return report_error("tokenize", tokenizer.error().message);
  auto ids = tokenizer->encode(o.text);
  if (!ids) return report_error("tokenize", ids.error().message);
  if (o.json) {
    nlohmann::json tokens = nlohmann::json::array();
    for (TokenId id : *ids) tokens.push_back(tokenizer->id_to_token(id).value_or(""));
    std::cout << nlohmann::json{{"ids", *ids}, {"tokens", tokens}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace)
              << std::endl;
  } else {
    for (std::size_t i = 0; i < ids->size(); ++i) std::cout << (i ? "," : "") << (*ids)[i];
    std::cout << std::endl;
  }
  return 0;
}

int run_detokenize(const TokenizeOptions& o) {
  auto tokenizer = load_tokenizer(o.model);
  if (!tokenizer) return report_error("detokenize", tokenizer.error().message);
  auto ids = parse_ids(o.ids, "--ids");
  if (!ids) return report_error("detokenize", ids.error().message);
  auto text = tokenizer->decode(*ids, o.skip_special);
  if (!text) return report_error("detokenize", text.error().message);
  if (o.json)
    std::cout << nlohmann::json{{"text", *text}}.dump(-1, ' ', false,
                                                      nlohmann::json::error_handler_t::replace)
              << std::endl;
  else
    std::cout << *text << std::endl;
  return 0;
}

}  // namespace

void add_tokenize_commands(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<TokenizeOptions>();
  auto* t = app.add_subcommand("tokenize", "Encode text with a bundle's tokenizer.json");
  t->add_option("--model", o->model, "Model bundle directory")->required();
  t->add_option("--text", o->text, "Text to encode")->required();
  t->add_flag("--json", o->json, "Print ids and token strings as JSON");
  t->callback([o, &exit_code] { exit_code = run_tokenize(*o); });

  auto* d = app.add_subcommand("detokenize", "Decode ids with a bundle's tokenizer.json");
  d->add_option("--model", o->model, "Model bundle directory")->required();
  d->add_option("--ids", o->ids, "Comma-separated token ids")->required();
  d->add_flag("--skip-special", o->skip_special, "Drop special tokens");
  d->add_flag("--json", o->json, "Print {\"text\": ...}");
  d->callback([o, &exit_code] { exit_code = run_detokenize(*o); });
}

}  // namespace recur::cli
