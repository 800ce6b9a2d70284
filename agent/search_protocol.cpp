#include "agent/search_protocol.hpp"

#include <algorithm>

#include "agent/markers.hpp"

namespace recur::agent {

Result<std::unique_ptr<Protocol>> SearchProtocol::create(const Json& config,
                                                         const Tokenizer& tokenizer) {
  auto p = std::unique_ptr<SearchProtocol>(new SearchProtocol());
  Markers m(config, tokenizer, "search");
  p->command_ = m.get("command", "[COMMAND]");
  p->find_ = m.get("find", "find");
  p->value_ = m.get("value", "[VALUE]");
  p->end_ = m.get("end", "[END]");
  p->observation_ = m.get("observation", "[OBSERVATION]");
  p->line_ = m.get("line");
  p->stop_ = m.get("stop");
  if (config.contains("truncated")) p->truncated_ = m.get("truncated");
  if (config.contains("max_lines")) {
    if (!config["max_lines"].is_number_integer() || config["max_lines"].get<long long>() <= 0)
      return fail(ErrorCode::invalid_argument,
                  "protocol search: field 'max_lines' must be a positive integer");
    p->max_lines_ = config["max_lines"].get<std::size_t>();
  }
  if (!m.error()) return m.error().error();
  return std::unique_ptr<Protocol>(std::move(p));
}

std::vector<ProtocolCall> SearchProtocol::begin(std::span<const TokenId> prompt) {
  lines_.clear();
  current_.clear();
  last_line_.clear();
  mode_ = Mode::text;
  // The prompt's lines are the memory's first lines; a last line without a line token counts too.
  for (TokenId t : prompt) {
    if (t == line_) {
      lines_.push_back(std::move(current_));
      current_.clear();
    } else {
      current_.push_back(t);
    }
  }
  if (!current_.empty()) lines_.push_back(std::move(current_));
  current_.clear();
  return {};
}

std::vector<const std::vector<TokenId>*> SearchProtocol::find(
    std::span<const TokenId> value) const {
  std::vector<const std::vector<TokenId>*> hits;
  for (const auto& line : lines_) {
    if (value.empty() ||
        std::search(line.begin(), line.end(), value.begin(), value.end()) != line.end())
      hits.push_back(&line);
  }
  return hits;
}

std::vector<TokenId> SearchProtocol::answer(std::span<const TokenId> value) const {
  std::vector<TokenId> out = {observation_};
  const auto hits = find(value);
  for (std::size_t i = 0; i < hits.size() && i < max_lines_; ++i) {
    out.insert(out.end(), hits[i]->begin(), hits[i]->end());
    out.push_back(line_);
  }
  if (hits.size() > max_lines_ && truncated_ >= 0) out.push_back(truncated_);
  out.push_back(end_);
  return out;
}

std::vector<TokenId> SearchProtocol::error_answer() const {
  return {observation_, end_};
}

TokenEffect SearchProtocol::on_token(TokenId token) {
  TokenEffect effect;
  switch (mode_) {
    case Mode::command:
      // "[COMMAND]" must be followed by "find [VALUE]"; anything else is a malformed command,
      // answered with an empty observation.
      if (token == find_) return effect;
      if (token == value_) {
        mode_ = Mode::value;
        value_tokens_.clear();
        return effect;
      }
      mode_ = Mode::text;
      effect.forced = error_answer();
      return effect;
    case Mode::value:
      if (token == end_) {
        mode_ = Mode::text;
        effect.forced = answer(value_tokens_);
      } else {
        value_tokens_.push_back(token);
      }
      return effect;
    case Mode::text:
      break;
  }
  if (token == command_) {
    mode_ = Mode::command;
  } else if (token == stop_) {
    if (!current_.empty()) last_line_ = current_;
    effect.stop = true;
  } else if (token == line_) {
    last_line_ = current_;
    lines_.push_back(std::move(current_));
    current_.clear();
  } else {
    current_.push_back(token);
    effect.output = true;
  }
  return effect;
}

Json SearchProtocol::save() const {
  return {{"lines", lines_},
          {"current", current_},
          {"last_line", last_line_},
          {"value", value_tokens_},
          {"mode", static_cast<int>(mode_)}};
}

Status SearchProtocol::restore(const Json& saved) {
  try {
    lines_ = saved.at("lines").get<std::vector<std::vector<TokenId>>>();
    current_ = saved.at("current").get<std::vector<TokenId>>();
    last_line_ = saved.at("last_line").get<std::vector<TokenId>>();
    value_tokens_ = saved.at("value").get<std::vector<TokenId>>();
    const int mode = saved.at("mode").get<int>();
    if (mode < 0 || mode > 2)
      return fail(ErrorCode::data_loss,
                  "protocol search: saved mode " + std::to_string(mode) + " is unknown");
    mode_ = static_cast<Mode>(mode);
  } catch (const Json::exception& e) {
    return fail(ErrorCode::data_loss,
                std::string("protocol search: saved state is damaged: ") + e.what());
  }
  return {};
}

std::optional<std::vector<TokenId>> SearchProtocol::final_output() const {
  return last_line_;
}

}  // namespace recur::agent
