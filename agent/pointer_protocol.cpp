#include "agent/pointer_protocol.hpp"

#include "agent/markers.hpp"

namespace recur::agent {

Result<std::unique_ptr<Protocol>> PointerProtocol::create(const Json& config,
                                                          const Tokenizer& tokenizer) {
  auto p = std::unique_ptr<PointerProtocol>(new PointerProtocol());
  Markers m(config, tokenizer, "pointer");
  p->before_start_ = m.get("before_start");
  p->past_end_ = m.get("past_end");
  p->answer_ = m.get("answer");
  p->stop_ = m.get("stop");
  if (!config.contains("pointers") || !config["pointers"].is_object() || config["pointers"].empty())
    return fail(ErrorCode::invalid_argument,
                "protocol pointer: field 'pointers' must be an object naming at least one pointer");
  for (const auto& [name, actions] : config["pointers"].items()) {
    if (!actions.is_object())
      return fail(ErrorCode::invalid_argument,
                  "protocol pointer: pointer '" + name + "' must be an object");
    p->pointer_names_.push_back(name);
    for (const auto& [key, action] :
         {std::pair{"left", Action::left}, std::pair{"right", Action::right},
          std::pair{"read", Action::read}}) {
      if (!actions.contains(key) || !actions[key].is_string())
        return fail(ErrorCode::invalid_argument,
                    "protocol pointer: pointer '" + name + "' needs a '" + key + "' command token");
      const TokenId id = m.token(actions[key].get<std::string>(), "pointer '" + name + "' " + key);
      if (id >= 0 && !p->commands_.emplace(id, Command{action, name}).second)
        return fail(
            ErrorCode::invalid_argument,
            "protocol pointer: token '" + actions[key].get<std::string>() + "' is two commands");
    }
  }
  if (!m.error()) return m.error().error();
  return std::unique_ptr<Protocol>(std::move(p));
}

std::vector<ProtocolCall> PointerProtocol::begin(std::span<const TokenId> prompt) {
  // The tape starts with the prompt (its ids come from the tokenizer, so none is negative).
  auto t = Tape::with_input(prompt);
  tape_ = t ? std::move(*t) : Tape();
  pointers_.clear();
  for (const auto& name : pointer_names_) pointers_[name] = tape_.create_pointer(name);
  answered_ = false;
  return {};
}

TokenId PointerProtocol::boundary(TokenId value) const {
  if (value == kBeforeStart) return before_start_;
  if (value == kPastEnd) return past_end_;
  return value;
}

TokenEffect PointerProtocol::on_token(TokenId token) {
  TokenEffect effect;
  if (auto it = commands_.find(token); it != commands_.end()) {
    const Tape::Pointer p = pointers_.at(it->second.pointer);
    switch (it->second.action) {
      case Action::left:
        tape_.move_left(p);
        break;
      case Action::right:
        tape_.move_right(p);
        break;
      case Action::read:
        effect.forced.push_back(boundary(tape_.read(p)));
        break;
    }
    return effect;  // commands and observations stay off the tape
  }
  (void)tape_.append(token);
  if (token == stop_) {
    effect.stop = true;
  } else if (token == answer_) {
    answered_ = true;
  } else {
    effect.output = answered_;
  }
  return effect;
}

Json PointerProtocol::save() const {
  return {{"answered", answered_}};
}

Status PointerProtocol::restore(const Json& saved) {
  if (!saved.is_object() || !saved.contains("answered") || !saved["answered"].is_boolean())
    return fail(ErrorCode::data_loss, "protocol pointer: saved state lacks 'answered'");
  answered_ = saved["answered"].get<bool>();
  pointers_.clear();
  for (const auto& name : pointer_names_) {
    auto p = tape_.find_pointer(name);
    if (!p)
      return fail(ErrorCode::data_loss,
                  "protocol pointer: the restored tape has no pointer '" + name + "'");
    pointers_[name] = *p;
  }
  return {};
}

}  // namespace recur::agent
