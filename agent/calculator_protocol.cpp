#include "agent/calculator_protocol.hpp"

#include <cctype>

#include "agent/markers.hpp"

namespace recur::agent {

Result<std::unique_ptr<Protocol>> CalculatorProtocol::create(const Json& config,
                                                             const Tokenizer& tokenizer,
                                                             std::string call_ids) {
  auto p = std::unique_ptr<CalculatorProtocol>(new CalculatorProtocol());
  Markers m(config, tokenizer, "calculator");
  p->tokenizer_ = &tokenizer;
  p->call_ids_ = std::move(call_ids);
  p->call_ = m.get("call");
  p->end_ = m.get("end");
  p->observation_ = m.get("observation");
  p->error_ = m.get("error");
  p->answer_ = m.get("answer");
  p->stop_ = m.get("stop");
  if (config.contains("tool") && !config["tool"].is_string())
    return fail(ErrorCode::invalid_argument,
                "protocol calculator: field 'tool' must name a tool (a string)");
  p->tool_ = config.value("tool", "bigint");
  if (!config.contains("operators") || !config["operators"].is_object() ||
      config["operators"].empty())
    return fail(
        ErrorCode::invalid_argument,
        "protocol calculator: field 'operators' must map operator tokens to the tool's ops");
  for (const auto& [token, op] : config["operators"].items()) {
    if (!op.is_string())
      return fail(ErrorCode::invalid_argument,
                  "protocol calculator: operator '" + token + "' must name an op (a string)");
    const TokenId id = m.token(token, "operator");
    if (id >= 0) p->operators_[id] = op.get<std::string>();
  }
  if (!m.error()) return m.error().error();
  return std::unique_ptr<Protocol>(std::move(p));
}

std::optional<tools::ToolCall> CalculatorProtocol::parse_call() const {
  // digits, one operator, digits: each digit a token of one character 0-9.
  std::string operand[2];
  std::string op;
  for (TokenId t : call_tokens_) {
    if (auto it = operators_.find(t); it != operators_.end()) {
      if (!op.empty() || operand[0].empty()) return std::nullopt;
      op = it->second;
      continue;
    }
    auto word = tokenizer_->id_to_token(t);
    if (!word || word->size() != 1 || !std::isdigit(static_cast<unsigned char>((*word)[0])))
      return std::nullopt;
    operand[op.empty() ? 0 : 1] += *word;
  }
  if (op.empty() || operand[1].empty()) return std::nullopt;
  tools::ToolCall call;
  call.id = call_ids_ + "/" + std::to_string(calls_made_ + 1);
  call.name = tool_;
  call.arguments = {{"op", op}, {"a", operand[0]}, {"b", operand[1]}};
  return call;
}

std::vector<TokenId> CalculatorProtocol::observation(const std::string& text) const {
  // Empty (no result) or a character the model cannot read: the error marker.
  if (text.empty()) return {observation_, error_, end_};
  std::vector<TokenId> out = {observation_};
  for (char c : text) {
    auto id = tokenizer_->token_to_id(std::string(1, c));
    if (!id) return {observation_, error_, end_};
    out.push_back(*id);
  }
  out.push_back(end_);
  return out;
}

TokenEffect CalculatorProtocol::on_token(TokenId token) {
  TokenEffect effect;
  if (in_call_) {
    if (token != end_) {
      call_tokens_.push_back(token);
      return effect;
    }
    in_call_ = false;
    auto call = parse_call();
    if (!call) {
      // Not number, operator, number: answered at once, and no tool runs.
      effect.forced = {observation_, error_, end_};
      return effect;
    }
    ++calls_made_;
    effect.calls.push_back({std::move(*call), true});
    return effect;
  }
  if (token == call_) {
    in_call_ = true;
    call_tokens_.clear();
  } else if (token == stop_) {
    effect.stop = true;
  } else if (token == answer_) {
    answered_ = true;
  } else {
    effect.output = answered_;
  }
  return effect;
}

std::vector<TokenId> CalculatorProtocol::observe(const tools::ToolCall&,
                                                 const tools::ToolResult& result) {
  // The calculator answers {"result": "digits"}; an error, or anything else, is the error marker.
  if (result.is_error || !result.structured.is_object()) return observation("");
  auto it = result.structured.find("result");
  if (it == result.structured.end()) return observation("");
  return observation(it->is_string() ? it->get<std::string>() : it->dump());
}

Json CalculatorProtocol::save() const {
  return {{"in_call", in_call_},
          {"answered", answered_},
          {"call_tokens", call_tokens_},
          {"calls_made", calls_made_}};
}

Status CalculatorProtocol::restore(const Json& saved) {
  try {
    in_call_ = saved.at("in_call").get<bool>();
    answered_ = saved.at("answered").get<bool>();
    call_tokens_ = saved.at("call_tokens").get<std::vector<TokenId>>();
    calls_made_ = saved.at("calls_made").get<std::uint64_t>();
  } catch (const Json::exception& e) {
    return fail(ErrorCode::data_loss,
                std::string("protocol calculator: saved state is damaged: ") + e.what());
  }
  return {};
}

}  // namespace recur::agent
