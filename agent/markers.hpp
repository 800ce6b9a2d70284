// Reading a protocol's marker tokens from its config: each must name one token of the tokenizer.
#pragma once

#include <string>

#include "base/result.hpp"
#include "model/tokenizer/tokenizer.hpp"
#include "tools/tool.hpp"

namespace recur::agent {

class Markers {
 public:
  Markers(const Json& config, const Tokenizer& tokenizer, std::string protocol)
      : config_(config), tokenizer_(tokenizer), protocol_(std::move(protocol)) {}

  // The id of the token named by `field` (or `fallback` when the field is absent and a fallback is
  // given). The first failure is kept in error().
  TokenId get(const std::string& field, const char* fallback = nullptr);
  // The id of the token spelled `text`.
  TokenId token(const std::string& text, const std::string& where);

  const Status& error() const { return error_; }

 private:
  const Json& config_;
  const Tokenizer& tokenizer_;
  std::string protocol_;
  Status error_;
};

}  // namespace recur::agent
