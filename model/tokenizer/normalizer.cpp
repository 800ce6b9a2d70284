#include "model/tokenizer/normalizer.hpp"

#include "model/tokenizer/unicode.hpp"

namespace recur {
namespace {

constexpr const char* kSupported = "NFC, Sequence";
constexpr int kMaxNesting = 16;

Status parse_into(const tokenizer_json::Field& field, bool& nfc, int depth) {
  if (depth > kMaxNesting) return field.error("nests Sequences too deeply");
  auto type = field.type();
  if (!type) return type.error();
  if (*type == "NFC") {
    nfc = true;
    return Status::success();
  }
  if (*type == "Sequence") {
    const auto steps = field["normalizers"];
    if (steps.missing() || !steps.json().is_array()) return steps.error("must be a list");
    for (std::size_t i = 0; i < steps.json().size(); ++i) {
      if (Status s = parse_into(steps[i], nfc, depth + 1); !s) return s;
    }
    return Status::success();
  }
  return field["type"].unsupported(kSupported);
}

}  // namespace

Result<Normalizer> Normalizer::parse(const tokenizer_json::Field& field) {
  Normalizer normalizer;
  if (field.missing()) return normalizer;
  if (Status s = parse_into(field, normalizer.nfc_, 0); !s) return s.error();
  return normalizer;
}

std::string Normalizer::apply(std::string_view text) const {
  return nfc_ ? unicode::nfc(text) : std::string(text);
}

}  // namespace recur
