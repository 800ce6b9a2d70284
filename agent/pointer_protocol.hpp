// The pointer protocol (see protocol.hpp): command tokens move and read named pointers over the
// tape.
#pragma once

#include <map>

#include "agent/protocol.hpp"

namespace recur::agent {

class PointerProtocol final : public Protocol {
 public:
  static Result<std::unique_ptr<Protocol>> create(const Json& config, const Tokenizer& tokenizer);

  std::string_view name() const override { return "pointer"; }
  std::vector<ProtocolCall> begin(std::span<const TokenId> prompt) override;
  TokenEffect on_token(TokenId token) override;
  std::vector<TokenId> observe(const tools::ToolCall&, const tools::ToolResult&) override {
    return {};
  }
  Json save() const override;
  Status restore(const Json& saved) override;
  Tape* tape() override { return &tape_; }

 private:
  enum class Action { left, right, read };
  struct Command {
    Action action;
    std::string pointer;
  };
  TokenId boundary(TokenId value) const;

  std::map<TokenId, Command> commands_;
  std::vector<std::string> pointer_names_;
  std::map<std::string, Tape::Pointer> pointers_;  // bound to tape_
  TokenId before_start_ = -1, past_end_ = -1, answer_ = -1, stop_ = -1;
  Tape tape_;
  bool answered_ = false;  // the answer marker was written: tokens are outputs
};

}  // namespace recur::agent
