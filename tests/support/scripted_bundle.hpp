// Bundles whose model follows a script: a successor model (model/successor_model.hpp) over a
// WordLevel vocabulary, written with save_bundle. The greedy next token after each token is given
// by `next`; observations fed to the model steer it like any input.
#pragma once

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/bundle_writer.hpp"
#include "model/successor_model.hpp"

namespace recur::testing {

// A WordLevel tokenizer.json (whitespace-split words, "[UNK]" for the rest) over `words`, in order.
inline nlohmann::json word_level_tokenizer(const std::vector<std::string>& words) {
  nlohmann::json vocab = nlohmann::json::object();
  for (std::size_t i = 0; i < words.size(); ++i) vocab[words[i]] = i;
  return {{"version", "1.0"},
          {"truncation", nullptr},
          {"padding", nullptr},
          {"added_tokens", nlohmann::json::array()},
          {"normalizer", nullptr},
          {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
          {"post_processor", nullptr},
          {"decoder", nullptr},
          {"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "[UNK]"}}}};
}

// The calculator protocol over addition's markers ("[CALL] 1 2 + 3 [END]" adds with bigint), as
// config.json's "recur"."protocol" names it.
inline nlohmann::json calculator_protocol() {
  return {{"type", "calculator"}, {"call", "[CALL]"},
          {"end", "[END]"},       {"observation", "[OBSERVATION]"},
          {"error", "[ERROR]"},   {"answer", "[ANS]"},
          {"stop", "<eos>"},      {"operators", {{"+", "add"}}}};
}

// Writes the bundle into `dir`: `words` is the vocabulary ("[UNK]" is added when absent), `next`
// maps a word to the word that follows it, `recur` is config.json's "recur" section, `eos` the end
// token's word.
inline Status write_scripted_bundle(const std::filesystem::path& dir,
                                    std::vector<std::string> words,
                                    const std::map<std::string, std::string>& next,
                                    const nlohmann::json& recur, const std::string& eos) {
  if (std::find(words.begin(), words.end(), "[UNK]") == words.end()) words.push_back("[UNK]");
  std::map<std::string, int> id;
  for (std::size_t i = 0; i < words.size(); ++i) id[words[i]] = static_cast<int>(i);
  std::vector<int> table(words.size(), -1);
  for (const auto& [from, to] : next) {
    if (!id.count(from) || !id.count(to))
      return fail(ErrorCode::invalid_argument,
                  "scripted bundle: '" + from + "' -> '" + to + "' names an unknown word");
    table[id[from]] = id[to];
  }
  MambaConfig config;
  config.recur = recur;
  config.eos_token_id = id.count(eos) ? id[eos] : -1;
  auto model = successor_model(table, config);
  return save_bundle(*model, dir, word_level_tokenizer(words));
}

}  // namespace recur::testing
