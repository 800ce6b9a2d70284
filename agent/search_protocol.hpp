// The search protocol (see protocol.hpp): finds answered from the session's own line memory.
#pragma once

#include "agent/protocol.hpp"

namespace recur::agent {

class SearchProtocol final : public Protocol {
 public:
  static Result<std::unique_ptr<Protocol>> create(const Json& config, const Tokenizer& tokenizer);

  std::string_view name() const override { return "search"; }
  std::vector<ProtocolCall> begin(std::span<const TokenId> prompt) override;
  TokenEffect on_token(TokenId token) override;
  std::vector<TokenId> observe(const tools::ToolCall&, const tools::ToolResult&) override {
    return {};
  }
  Json save() const override;
  Status restore(const Json& saved) override;
  std::optional<std::vector<TokenId>> final_output() const override;

  // Every stored line containing `value` (as a contiguous token sequence), in order.
  std::vector<const std::vector<TokenId>*> find(std::span<const TokenId> value) const;

 private:
  enum class Mode { text, command, value };
  std::vector<TokenId> answer(std::span<const TokenId> value) const;
  std::vector<TokenId> error_answer() const;

  TokenId command_ = -1, find_ = -1, value_ = -1, end_ = -1, observation_ = -1, line_ = -1,
          stop_ = -1;
  TokenId truncated_ = -1;  // -1: no marker
  std::size_t max_lines_ = 100;
  std::vector<std::vector<TokenId>> lines_;  // the memory: complete lines
  std::vector<TokenId> current_;             // the line being written
  std::vector<TokenId> last_line_;           // the last complete line the model wrote
  std::vector<TokenId> value_tokens_;        // the value of the command being written
  Mode mode_ = Mode::text;
};

}  // namespace recur::agent
