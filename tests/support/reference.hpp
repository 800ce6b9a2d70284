// Reads the reference fixtures written by scripts/fixtures/make_fixtures.py: for a bundle, token
// sequences and transformers' float64 logits for every position.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace recur::testing {

// The fixtures beside the sources, or RECUR_FIXTURES_DIR from the environment when the tests run on
// another machine than the one that built them.
inline std::filesystem::path fixtures_dir() {
  if (const char* env = std::getenv("RECUR_FIXTURES_DIR")) return env;
  return RECUR_FIXTURES_DIR;
}
inline std::filesystem::path bundle_dir(const std::string& name) {
  return fixtures_dir() / "models" / name;
}

struct ReferenceSequence {
  std::vector<std::int32_t> tokens;
  std::vector<double> logits;  // [tokens.size()][vocab]
};

struct Reference {
  std::size_t vocab_size = 0;
  std::string weights_dtype;
  std::vector<ReferenceSequence> sequences;
};

inline Reference load_reference(const std::string& bundle) {
  const auto dir = bundle_dir(bundle);
  std::ifstream in(dir / "reference.json");
  const auto j = nlohmann::json::parse(in);
  Reference r;
  r.vocab_size = j.at("vocab_size").get<std::size_t>();
  r.weights_dtype = j.at("weights_dtype").get<std::string>();
  for (const auto& s : j.at("sequences")) {
    ReferenceSequence seq;
    seq.tokens = s.at("tokens").get<std::vector<std::int32_t>>();
    std::ifstream bin(dir / s.at("logits_file").get<std::string>(), std::ios::binary);
    seq.logits.resize(seq.tokens.size() * r.vocab_size);
    bin.read(reinterpret_cast<char*>(seq.logits.data()),
             static_cast<std::streamsize>(seq.logits.size() * sizeof(double)));
    if (!bin) throw std::runtime_error("short logits file for " + bundle);
    r.sequences.push_back(std::move(seq));
  }
  return r;
}

// The largest difference in a row relative to the row's largest reference magnitude.
inline double max_relative_error(std::span<const float> ours, std::span<const double> ref,
                                 std::size_t vocab) {
  double worst = 0;
  for (std::size_t row = 0; row * vocab < ref.size(); ++row) {
    double scale = 0, diff = 0;
    for (std::size_t v = 0; v < vocab; ++v) {
      const double r = ref[row * vocab + v];
      scale = std::max(scale, std::abs(r));
      const double d = std::abs(static_cast<double>(ours[row * vocab + v]) - r);
      diff = std::isnan(d) ? INFINITY : std::max(diff, d);
    }
    worst = std::max(worst, diff / std::max(scale, 1e-30));
  }
  return worst;
}

}  // namespace recur::testing
