// The calculator protocol (see protocol.hpp): a call written as digit tokens around an operator,
// made to a calculator tool, whose result comes back one token per character.
#pragma once

#include <map>

#include "agent/protocol.hpp"

namespace recur::agent {

class CalculatorProtocol final : public Protocol {
 public:
  static Result<std::unique_ptr<Protocol>> create(const Json& config, const Tokenizer& tokenizer,
                                                  std::string call_ids);

  std::string_view name() const override { return "calculator"; }
  std::vector<ProtocolCall> begin(std::span<const TokenId>) override { return {}; }
  TokenEffect on_token(TokenId token) override;
  std::vector<TokenId> observe(const tools::ToolCall& call,
                               const tools::ToolResult& result) override;
  Json save() const override;
  Status restore(const Json& saved) override;

 private:
  // The call the written tokens spell, or nothing when they are not number, operator, number.
  std::optional<tools::ToolCall> parse_call() const;
  // "[OBSERVATION] c h a r s [END]", or the error marker in place of the characters.
  std::vector<TokenId> observation(const std::string& text) const;

  const Tokenizer* tokenizer_ = nullptr;
  std::string call_ids_, tool_;
  std::map<TokenId, std::string> operators_;  // token -> the tool's "op"
  TokenId call_ = -1, end_ = -1, observation_ = -1, error_ = -1, answer_ = -1, stop_ = -1;
  bool in_call_ = false, answered_ = false;
  std::vector<TokenId> call_tokens_;
  std::uint64_t calls_made_ = 0;
};

}  // namespace recur::agent
