// The scripted trajectories the actor tests run: successor-model bundles
// (support/scripted_bundle.hpp) for each token protocol, loaded back as recur loads any bundle, and
// a random-weights bundle whose next token depends on its whole state.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/bundle_writer.hpp"
#include "model/model.hpp"
#include "model/random_model.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "model/weights.hpp"
#include "support/scripted_bundle.hpp"

namespace recur::testing {

using Json = nlohmann::json;

struct Script {
  std::vector<std::string> vocab;           // a token's id is its index
  std::map<std::string, std::string> next;  // token -> the token written after it
  Json recur = Json::object();              // config.json's "recur" section
  std::string eos = "<eos>";
};

struct LoadedBundle {
  std::filesystem::path dir;
  std::shared_ptr<const Model> model;
  std::shared_ptr<const Tokenizer> tokenizer;
};

inline LoadedBundle load_bundle(const std::filesystem::path& dir) {
  auto model = Model::load(dir);
  EXPECT_TRUE(model.ok()) << model.error().message;
  auto tokenizer = Tokenizer::load(dir / "tokenizer.json");
  EXPECT_TRUE(tokenizer.ok()) << tokenizer.error().message;
  return {dir, *model, std::make_shared<const Tokenizer>(std::move(*tokenizer))};
}

// Writes the script's successor-model bundle into `dir` and loads it back.
inline LoadedBundle write_bundle(const Script& script, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto written = write_scripted_bundle(dir, script.vocab, script.next, script.recur, script.eos);
  EXPECT_TRUE(written.ok()) << written.error().message;
  return load_bundle(dir);
}

// A Mamba model of the task shape (4 layers, 32 tokens) with random weights and an output head of
// its own (untied, so the current token's embedding does not simply predict itself) and mixers
// that outweigh the embedding: its greedy next token depends on its whole state. `never` (when not
// negative) is a token whose logit is always 0, below the best of the others.
inline std::shared_ptr<const Model> random_untied_model(unsigned seed, int never = -1) {
  const ModelShape& shape = kTaskModel;
  MambaConfig c;
  c.hidden_size = shape.hidden;
  c.intermediate_size = shape.inner;
  c.state_size = shape.state;
  c.conv_kernel = shape.conv;
  c.time_step_rank = (shape.hidden + 15) / 16;
  c.num_layers = shape.layers;
  c.vocab_size = shape.vocab;
  c.tie_word_embeddings = false;
  MambaWeights w;
  w.matrix_type = kernels::ElementType::f32;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> unit(-1.0f, 1.0f);
  auto matrix = [&](std::size_t rows, std::size_t cols, float scale) {
    auto buf = std::make_unique<std::uint8_t[]>(rows * cols * 4);
    auto* f = reinterpret_cast<float*>(buf.get());
    for (std::size_t i = 0; i < rows * cols; ++i) f[i] = unit(rng) * scale;
    kernels::MatrixView view{kernels::ElementType::f32, rows, cols, buf.get()};
    w.storage.push_back(std::move(buf));
    w.matrix_bytes += rows * cols * 4;
    return view;
  };
  auto vec = [&](std::size_t n, float lo, float hi) {
    std::vector<float> v(n);
    for (auto& x : v) x = lo + (unit(rng) + 1.0f) * 0.5f * (hi - lo);
    return v;
  };
  const std::size_t D = shape.hidden, Di = shape.inner, N = shape.state, R = c.time_step_rank;
  const auto scale = [](std::size_t cols) { return 1.0f / std::sqrt(static_cast<float>(cols)); };
  w.embedding = matrix(shape.vocab, D, 0.5f);
  for (std::size_t l = 0; l < shape.layers; ++l) {
    LayerWeights lw;
    lw.norm = vec(D, 0.8f, 1.2f);
    lw.in_proj = matrix(2 * Di, D, scale(D));
    lw.conv_weight = vec(Di * shape.conv, -0.5f, 0.5f);
    lw.conv_bias = vec(Di, -0.1f, 0.1f);
    lw.x_proj = matrix(R + 2 * N, Di, scale(Di));
    lw.dt_proj = matrix(Di, R, scale(R));
    lw.dt_bias = vec(Di, -4.0f, -1.0f);
    lw.A = vec(Di * N, -4.0f, -0.5f);
    lw.D = vec(Di, 0.5f, 1.5f);
    lw.out_proj = matrix(D, Di, 6.0f * scale(Di));
    w.layers.push_back(std::move(lw));
  }
  w.norm_f = vec(D, 0.8f, 1.2f);
  w.lm_head = matrix(shape.vocab, D, scale(D));
  if (never >= 0)  // the head is the last matrix stored
    std::fill_n(reinterpret_cast<float*>(w.storage.back().get()) + never * D, D, 0.0f);
  return Model::from_parts(c, std::move(w));
}

// That model with the script's tokenizer and "recur" section, written as a bundle and loaded back.
// An `endless` model never writes the script's end token.
inline LoadedBundle write_random_bundle(Script script, const std::filesystem::path& dir,
                                        unsigned seed = 7, bool endless = false) {
  const std::size_t vocab = kTaskModel.vocab;
  EXPECT_LE(script.vocab.size(), vocab);
  for (std::size_t i = script.vocab.size(); i < vocab; ++i) {
    std::string filler = "x";
    filler += std::to_string(i);
    script.vocab.push_back(filler);
  }
  const auto eos = std::find(script.vocab.begin(), script.vocab.end(), script.eos);
  const int never =
      endless && eos != script.vocab.end() ? static_cast<int>(eos - script.vocab.begin()) : -1;
  auto model = random_untied_model(seed, never);
  std::filesystem::create_directories(dir);
  auto saved = save_bundle(*model, dir, word_level_tokenizer(script.vocab));
  EXPECT_TRUE(saved.ok()) << saved.error().message;
  Json config = Json::parse(std::ifstream(dir / "config.json"));
  config["recur"] = script.recur;
  for (std::size_t i = 0; i < script.vocab.size(); ++i)
    if (script.vocab[i] == script.eos) config["eos_token_id"] = i;
  std::ofstream(dir / "config.json") << config.dump(2);
  return load_bundle(dir);
}

// The output token the copy script writes for a digit: "o3" for "3".
inline std::string output_twin(const std::string& digit) {
  std::string twin = "o";
  twin.append(digit);
  return twin;
}

// The pointer protocol copying its input: the prompt is digits, then "." and "go". The model writes
// the answer marker, then for each digit reads it with pointer p1 (the forced answer is the digit),
// writes its output twin ("o3" after "3"), and moves p1 right; reading "." ends the session. The
// observation steers every step.
inline Script pointer_copy_script() {
  Script s;
  s.vocab = {"[UNK]", "<eos>", "[ANS]", "^", "$", "L1", "R1", "D1", ".", "go"};
  for (int d = 0; d < 10; ++d) s.vocab.push_back(std::to_string(d));
  for (int d = 0; d < 10; ++d) s.vocab.push_back(output_twin(std::to_string(d)));
  s.next = {{"go", "[ANS]"}, {"[ANS]", "D1"}, {"R1", "D1"}, {".", "<eos>"}, {"$", "<eos>"}};
  for (int d = 0; d < 10; ++d) {
    s.next[std::to_string(d)] = output_twin(std::to_string(d));
    s.next[output_twin(std::to_string(d))] = "R1";
  }
  s.recur = {{"protocol",
              {{"type", "pointer"},
               {"pointers", {{"p1", {{"left", "L1"}, {"right", "R1"}, {"read", "D1"}}}}},
               {"before_start", "^"},
               {"past_end", "$"},
               {"answer", "[ANS]"},
               {"stop", "<eos>"}}}};
  return s;
}

// "3 1 4 ... . go" for the pointer copy script: `digits` digits from a fixed sequence.
inline std::string copy_prompt(std::size_t digits, unsigned seed = 0) {
  std::string p;
  std::uint64_t x = 0x9e3779b97f4a7c15ull * (seed + 1);
  for (std::size_t i = 0; i < digits; ++i) {
    x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
    p += std::to_string((x * 0x2545f4914f6cdd1dull) >> 60 & 7) + " ";
  }
  return p + ". go";
}

// The output the pointer copy script writes for `prompt`: "o3 o1 ...".
inline std::string copy_output(const std::string& prompt) {
  std::string out;
  for (std::size_t i = 0; i + 1 < prompt.size() && prompt[i] != '.'; i += 2) {
    if (!out.empty()) out.push_back(' ');
    out.append(output_twin(prompt.substr(i, 1)));
  }
  return out;
}

// The json protocol, Hermes style. The model's first token after the prompt picks its path, and
// every path but `runaway` passes through <tool_call>, whose successor is fixed: so each path is a
// bundle of its own.
enum class JsonPath {
  bigint_add,    // a call of bigint add; after the response "the sum is", then the stop token
  malformed,     // a call that is not JSON, answered at once with an error; then "fine"
  unknown_tool,  // a call of a tool nobody configured; then "fine"
  call_loop,     // bigint add over and over (a runaway of calls)
  runaway,       // "a b a b ..." for ever
};

inline Script json_script(JsonPath path) {
  Script s;
  s.vocab = {"[UNK]",
             "<eos>",
             "<tool_call>",
             "</tool_call>",
             "<tool_response>",
             "</tool_response>",
             "add",
             "{\"name\":",
             "\"bigint\",",
             "\"arguments\":",
             "{\"op\":",
             "\"add\",",
             "\"a\":",
             "\"12345678901234567890\",",
             "\"b\":",
             "\"98765432109876543210\"}}",
             "{\"result\":\"111111111011111111100\"}",
             "the",
             "sum",
             "is",
             "fine",
             "not-json",
             "{\"name\": \"nosuch\", \"arguments\": {}}",
             "a",
             "b"};
  const std::map<std::string, std::string> bigint_call = {
      {"<tool_call>", "{\"name\":"},
      {"{\"name\":", "\"bigint\","},
      {"\"bigint\",", "\"arguments\":"},
      {"\"arguments\":", "{\"op\":"},
      {"{\"op\":", "\"add\","},
      {"\"add\",", "\"a\":"},
      {"\"a\":", "\"12345678901234567890\","},
      {"\"12345678901234567890\",", "\"b\":"},
      {"\"b\":", "\"98765432109876543210\"}}"},
      {"\"98765432109876543210\"}}", "</tool_call>"}};
  switch (path) {
    case JsonPath::bigint_add:
      s.next = bigint_call;
      s.next.insert({{"add", "<tool_call>"},
                     {"</tool_response>", "the"},
                     {"the", "sum"},
                     {"sum", "is"},
                     {"is", "<eos>"}});
      break;
    case JsonPath::malformed:
      s.next = {{"add", "<tool_call>"},
                {"<tool_call>", "not-json"},
                {"not-json", "</tool_call>"},
                {"</tool_response>", "fine"},
                {"fine", "<eos>"}};
      break;
    case JsonPath::unknown_tool:
      s.next = {{"add", "<tool_call>"},
                {"<tool_call>", "{\"name\": \"nosuch\", \"arguments\": {}}"},
                {"{\"name\": \"nosuch\", \"arguments\": {}}", "</tool_call>"},
                {"</tool_response>", "fine"},
                {"fine", "<eos>"}};
      break;
    case JsonPath::call_loop:
      s.next = bigint_call;
      s.next.insert({{"add", "<tool_call>"}, {"</tool_response>", "<tool_call>"}});
      break;
    case JsonPath::runaway:
      s.next = {{"add", "a"}, {"a", "b"}, {"b", "a"}};
      break;
  }
  s.recur = {{"protocol", {{"type", "json"}, {"stop", "<eos>"}}}};
  return s;
}

}  // namespace recur::testing
