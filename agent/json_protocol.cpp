#include "agent/json_protocol.hpp"

#include "agent/markers.hpp"

namespace recur::agent {

Result<std::unique_ptr<Protocol>> JsonProtocol::create(const Json& config,
                                                       const Tokenizer& tokenizer,
                                                       std::string call_ids) {
  auto p = std::unique_ptr<JsonProtocol>(new JsonProtocol());
  Markers m(config, tokenizer, "json");
  p->tokenizer_ = &tokenizer;
  p->call_ids_ = std::move(call_ids);
  p->open_ = m.get("call_open", "<tool_call>");
  p->close_ = m.get("call_close", "</tool_call>");
  p->response_open_ = m.get("response_open", "<tool_response>");
  p->response_close_ = m.get("response_close", "</tool_response>");
  p->stop_ = m.get("stop");
  if (!m.error()) return m.error().error();
  return std::unique_ptr<Protocol>(std::move(p));
}

std::vector<TokenId> JsonProtocol::response(const std::string& text) const {
  std::vector<TokenId> out = {response_open_};
  if (auto ids = tokenizer_->encode(text); ids) out.insert(out.end(), ids->begin(), ids->end());
  out.push_back(response_close_);
  return out;
}

TokenEffect JsonProtocol::on_token(TokenId token) {
  TokenEffect effect;
  if (in_call_) {
    if (token != close_) {
      call_tokens_.push_back(token);
      return effect;
    }
    in_call_ = false;
    // The call's text must be {"name": string, "arguments": object}; anything else is answered at
    // once with an error response, and the session goes on.
    auto text = tokenizer_->decode(call_tokens_);
    std::string problem;
    Json parsed;
    if (!text) {
      problem = text.error().message;
    } else {
      parsed = Json::parse(*text, nullptr, false);
      if (parsed.is_discarded())
        problem = "the call is not valid JSON";
      else if (!parsed.is_object() || !parsed.contains("name") || !parsed["name"].is_string())
        problem = "the call needs a string \"name\"";
      else if (parsed.contains("arguments") && !parsed["arguments"].is_object())
        problem = "the call's \"arguments\" must be an object";
    }
    if (!problem.empty()) {
      effect.forced = response("error: " + problem);
      return effect;
    }
    tools::ToolCall call;
    call.id = call_ids_ + "/" + std::to_string(++calls_made_);
    call.name = parsed["name"].get<std::string>();
    call.arguments = parsed.value("arguments", Json::object());
    effect.calls.push_back({std::move(call), true});
    return effect;
  }
  if (token == open_) {
    in_call_ = true;
    call_tokens_.clear();
  } else if (token == stop_) {
    effect.stop = true;
  } else {
    effect.output = true;
  }
  return effect;
}

std::vector<TokenId> JsonProtocol::observe(const tools::ToolCall&,
                                           const tools::ToolResult& result) {
  return response(result.is_error ? "error: " + result.joined_text() : result.joined_text());
}

Json JsonProtocol::save() const {
  return {{"in_call", in_call_}, {"call_tokens", call_tokens_}, {"calls_made", calls_made_}};
}

Status JsonProtocol::restore(const Json& saved) {
  try {
    in_call_ = saved.at("in_call").get<bool>();
    call_tokens_ = saved.at("call_tokens").get<std::vector<TokenId>>();
    calls_made_ = saved.at("calls_made").get<std::uint64_t>();
  } catch (const Json::exception& e) {
    return fail(ErrorCode::data_loss,
                std::string("protocol json: saved state is damaged: ") + e.what());
  }
  return {};
}

}  // namespace recur::agent
