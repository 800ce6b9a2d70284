// The normalizer stage (tokenizer.json's "normalizer"): none, NFC, or a Sequence of those.
#pragma once

#include <string>
#include <string_view>

#include "model/tokenizer/tokenizer_json.hpp"

namespace recur {

class Normalizer {
 public:
  // Reads the "normalizer" field; null means none. Other normalizer types are refused.
  static Result<Normalizer> parse(const tokenizer_json::Field& field);

  // The normalized form of valid UTF-8 text.
  std::string apply(std::string_view text) const;

 private:
  bool nfc_ = false;  // NFC is idempotent, so a sequence of NFCs is one NFC
};

}  // namespace recur
