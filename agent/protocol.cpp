// The plain protocol and the choice of a bundle's protocol.
#include "agent/protocol.hpp"

#include "agent/calculator_protocol.hpp"
#include "agent/json_protocol.hpp"
#include "agent/pointer_protocol.hpp"
#include "agent/search_protocol.hpp"

namespace recur::agent {
namespace {

// No tools: every token is output until the stop token.
class PlainProtocol final : public Protocol {
 public:
  explicit PlainProtocol(TokenId stop) : stop_(stop) {}
  std::string_view name() const override { return "plain"; }
  std::vector<ProtocolCall> begin(std::span<const TokenId>) override { return {}; }
  TokenEffect on_token(TokenId token) override {
    TokenEffect e;
    e.stop = token == stop_;
    e.output = !e.stop;
    return e;
  }
  std::vector<TokenId> observe(const tools::ToolCall&, const tools::ToolResult&) override {
    return {};
  }
  Json save() const override { return Json::object(); }
  Status restore(const Json&) override { return {}; }

 private:
  TokenId stop_;
};

}  // namespace

Result<std::unique_ptr<Protocol>> make_protocol(const Json& recur_section,
                                                const Tokenizer& tokenizer, int eos_token_id,
                                                std::string call_ids) {
  if (!recur_section.is_object() || !recur_section.contains("protocol"))
    return std::unique_ptr<Protocol>(std::make_unique<PlainProtocol>(eos_token_id));
  const Json& p = recur_section["protocol"];
  if (!p.is_object() || !p.contains("type") || !p["type"].is_string())
    return fail(ErrorCode::invalid_argument,
                "config.json: field 'recur.protocol' must be an object with a string 'type'");
  const std::string type = p["type"].get<std::string>();
  if (type == "pointer") return PointerProtocol::create(p, tokenizer);
  if (type == "search") return SearchProtocol::create(p, tokenizer);
  if (type == "json") return JsonProtocol::create(p, tokenizer, std::move(call_ids));
  if (type == "calculator") return CalculatorProtocol::create(p, tokenizer, std::move(call_ids));
  if (type == "plain") {
    TokenId stop = eos_token_id;
    if (p.contains("stop")) {
      if (!p["stop"].is_string())
        return fail(ErrorCode::invalid_argument,
                    "protocol plain: field 'stop' must be a token (a string)");
      auto id = tokenizer.token_to_id(p["stop"].get<std::string>());
      if (!id)
        return fail(ErrorCode::invalid_argument,
                    "protocol plain: field 'stop' names a token the tokenizer lacks");
      stop = *id;
    }
    return std::unique_ptr<Protocol>(std::make_unique<PlainProtocol>(stop));
  }
  return fail(ErrorCode::invalid_argument,
              "config.json: field 'recur.protocol.type' is \"" + type +
                  "\"; known: pointer, search, json, calculator, plain");
}

}  // namespace recur::agent
