// The json protocol (see protocol.hpp): Hermes-style calls of any configured tool.
#pragma once

#include "agent/protocol.hpp"

namespace recur::agent {

class JsonProtocol final : public Protocol {
 public:
  static Result<std::unique_ptr<Protocol>> create(const Json& config, const Tokenizer& tokenizer,
                                                  std::string call_ids);

  std::string_view name() const override { return "json"; }
  std::vector<ProtocolCall> begin(std::span<const TokenId>) override { return {}; }
  TokenEffect on_token(TokenId token) override;
  std::vector<TokenId> observe(const tools::ToolCall& call,
                               const tools::ToolResult& result) override;
  Json save() const override;
  Status restore(const Json& saved) override;

 private:
  // The response tokens around `text`.
  std::vector<TokenId> response(const std::string& text) const;

  const Tokenizer* tokenizer_ = nullptr;
  std::string call_ids_;
  TokenId open_ = -1, close_ = -1, response_open_ = -1, response_close_ = -1, stop_ = -1;
  bool in_call_ = false;
  std::vector<TokenId> call_tokens_;
  std::uint64_t calls_made_ = 0;
};

}  // namespace recur::agent
