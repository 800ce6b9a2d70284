#include "agent/agent_run.hpp"

#include <algorithm>

#include "base/text.hpp"

namespace recur::agent {

const char* status_name(SessionStatus s) {
  switch (s) {
    case SessionStatus::running:
      return "running";
    case SessionStatus::finished:
      return "finished";
    case SessionStatus::max_tokens:
      return "max_tokens";
    case SessionStatus::max_calls:
      return "max_calls";
    case SessionStatus::deadline:
      return "deadline";
    case SessionStatus::cancelled:
      return "cancelled";
    case SessionStatus::failed:
      return "failed";
  }
  return "unknown";
}

namespace {

std::optional<SessionStatus> status_from(const std::string& name) {
  for (auto s : {SessionStatus::running, SessionStatus::finished, SessionStatus::max_tokens,
                 SessionStatus::max_calls, SessionStatus::deadline, SessionStatus::cancelled,
                 SessionStatus::failed})
    if (name == status_name(s)) return s;
  return std::nullopt;
}

Json call_to_json(const CompletedCall& c) {
  return {{"id", c.id},         {"name", c.name},         {"arguments", c.arguments},
          {"result", c.result}, {"is_error", c.is_error}, {"ms", c.ms}};
}

}  // namespace

Json SessionSpec::to_json() const {
  return {{"id", id},
          {"prompt", prompt},
          {"sampling",
           {{"temperature", sampling.temperature},
            {"top_k", sampling.top_k},
            {"top_p", sampling.top_p},
            {"seed", sampling.seed}}},
          {"budgets",
           {{"max_tokens", budgets.max_tokens},
            {"max_calls", budgets.max_calls},
            {"max_wall_ms", budgets.max_wall_ms}}},
          {"tools", tools}};
}

Result<SessionSpec> SessionSpec::from_json(const Json& j) {
  try {
    SessionSpec s;
    s.id = j.at("id").get<std::string>();
    s.prompt = j.at("prompt").get<std::string>();
    const Json& sm = j.at("sampling");
    s.sampling.temperature = sm.at("temperature").get<float>();
    s.sampling.top_k = sm.at("top_k").get<std::uint32_t>();
    s.sampling.top_p = sm.at("top_p").get<float>();
    s.sampling.seed = sm.at("seed").get<std::uint64_t>();
    const Json& b = j.at("budgets");
    s.budgets.max_tokens = b.at("max_tokens").get<std::uint64_t>();
    s.budgets.max_calls = b.at("max_calls").get<std::uint64_t>();
    s.budgets.max_wall_ms = b.at("max_wall_ms").get<std::uint64_t>();
    s.tools = j.at("tools").get<std::vector<std::string>>();
    return s;
  } catch (const Json::exception& e) {
    return recur::fail(ErrorCode::invalid_argument, std::string("session spec: ") + e.what());
  }
}

Json SessionResult::to_json() const {
  Json calls_json = Json::array();
  for (const auto& c : calls) calls_json.push_back(call_to_json(c));
  Json j = {{"id", id},
            {"status", status_name(status)},
            {"output", output},
            {"output_tokens", output_tokens},
            {"tokens", generated},
            {"generated_tokens", generated.size()},
            {"forced_tokens", forced_tokens},
            {"observations", observations},
            {"calls", std::move(calls_json)},
            {"timings", {{"wall_ms", wall_ms}}}};
  if (!error.empty()) j["error"] = error;
  return j;
}

Result<std::unique_ptr<AgentRun>> AgentRun::start(SessionSpec spec, const Model& model,
                                                  const Tokenizer& tokenizer, SlotId slot) {
  if (spec.id.empty())
    return recur::fail(ErrorCode::invalid_argument, "session: an id is required");
  auto prompt = tokenizer.encode(spec.prompt);
  if (!prompt) return prompt.error().context("session " + spec.id + ": prompt");
  if (prompt->empty())
    return recur::fail(ErrorCode::invalid_argument,
                       "session " + spec.id + ": the prompt encodes to no tokens");
  auto protocol =
      make_protocol(model.config().recur, tokenizer, model.config().eos_token_id, spec.id);
  if (!protocol) return protocol.error().context(model.dir().string() + "/config.json");
  auto run = std::unique_ptr<AgentRun>(new AgentRun());
  run->spec_ = std::move(spec);
  run->slot_ = slot;
  run->tokenizer_ = &tokenizer;
  run->vocab_limit_ = std::min(model.config().vocab_size, tokenizer.vocab_size());
  run->sampler_ = Sampler(run->spec_.sampling);
  run->protocol_ = std::move(*protocol);
  run->prompt_ = std::move(*prompt);
  run->input_ = run->prompt_;
  run->started_ = std::chrono::steady_clock::now();
  return run;
}

std::vector<ProtocolCall> AgentRun::begin() {
  if (resumed_) {
    // A call that was out when the checkpoint was taken is made again.
    std::vector<ProtocolCall> again;
    if (waiting_) again.push_back(*waiting_);
    return again;
  }
  return protocol_->begin(prompt_);
}

std::vector<ProtocolCall> AgentRun::advance(std::span<const float> logits) {
  if (done()) return {};
  if (waiting_) {  // the call's last token was fed while the tool works; the answer comes next
    input_.clear();
    return {};
  }
  return after_token(sampler_.sample(logits, vocab_limit_));
}

std::vector<ProtocolCall> AgentRun::advance_with(TokenId next) {
  if (done()) return {};
  if (waiting_) {
    input_.clear();
    return {};
  }
  return after_token(next);
}

std::vector<ProtocolCall> AgentRun::after_token(TokenId next) {
  generated_.push_back(next);
  ++since_checkpoint_;
  TokenEffect effect = protocol_->on_token(next);
  input_.assign(1, next);
  input_.insert(input_.end(), effect.forced.begin(), effect.forced.end());
  forced_ += effect.forced.size();
  if (!effect.forced.empty()) ++observations_;
  if (effect.output) output_.push_back(next);
  if (effect.stop) {
    finish(SessionStatus::finished);
    return {};
  }
  std::vector<ProtocolCall> out;
  for (auto& call : effect.calls) {
    if (call.wait) {
      if (calls_.size() + 1 > spec_.budgets.max_calls) {
        finish(SessionStatus::max_calls);
        return {};
      }
      waiting_ = call;
      waiting_since_ = std::chrono::steady_clock::now();
    }
    out.push_back(std::move(call));
  }
  if (generated_.size() >= spec_.budgets.max_tokens) {
    finish(SessionStatus::max_tokens);
    return {};
  }
  if (spec_.budgets.max_wall_ms &&
      wall_before_ms_ + ms_since(started_) >= static_cast<double>(spec_.budgets.max_wall_ms)) {
    finish(SessionStatus::deadline);
    return {};
  }
  return out;
}

void AgentRun::complete_call(const std::string& call_id, const tools::ToolResult& result,
                             double ms) {
  if (done() || !waiting_ || waiting_->call.id != call_id) return;
  const tools::ToolCall& call = waiting_->call;
  calls_.push_back({call.id, call.name, call.arguments, result.to_json(), result.is_error, ms});
  const auto observation = protocol_->observe(call, result);
  input_.insert(input_.end(), observation.begin(), observation.end());
  forced_ += observation.size();
  ++observations_;
  waiting_.reset();
}

void AgentRun::cancel() {
  if (!done()) finish(SessionStatus::cancelled);
}

void AgentRun::fail(std::string error) {
  if (done()) return;
  error_ = std::move(error);
  finish(SessionStatus::failed);
}

void AgentRun::finish(SessionStatus status) {
  status_ = status;
  input_.clear();
  waiting_.reset();
  wall_before_ms_ += ms_since(started_);
  started_ = std::chrono::steady_clock::now();
}

SessionResult AgentRun::result() const {
  SessionResult r;
  r.id = spec_.id;
  r.status = status_;
  r.error = error_;
  r.output_tokens = protocol_->final_output().value_or(output_);
  if (auto text = tokenizer_->decode(r.output_tokens); text) r.output = std::move(*text);
  r.generated = generated_;
  r.forced_tokens = forced_;
  r.observations = observations_;
  r.calls = calls_;
  r.wall_ms = done() ? wall_before_ms_ : wall_before_ms_ + ms_since(started_);
  return r;
}

std::vector<TokenId> AgentRun::take_new_output() {
  std::vector<TokenId> fresh(
      output_.begin() + static_cast<std::ptrdiff_t>(std::min(streamed_, output_.size())),
      output_.end());
  streamed_ = output_.size();
  return fresh;
}

Checkpoint AgentRun::checkpoint(std::vector<std::uint8_t> snapshot) {
  since_checkpoint_ = 0;
  Json calls_json = Json::array();
  for (const auto& c : calls_) calls_json.push_back(call_to_json(c));
  Json waiting = nullptr;
  if (waiting_) waiting = waiting_->call.to_json();
  Json meta = {{"version", 1},
               {"spec", spec_.to_json()},
               {"prompt_tokens", prompt_},
               {"status", status_name(status_)},
               {"error", error_},
               {"generated", generated_},
               {"output", output_},
               {"forced", forced_},
               {"observations", observations_},
               {"calls", std::move(calls_json)},
               {"input", input_},
               {"waiting", std::move(waiting)},
               {"protocol", protocol_->name()},
               {"protocol_state", protocol_->save()},
               {"wall_ms", done() ? wall_before_ms_ : wall_before_ms_ + ms_since(started_)}};
  return {std::move(meta), std::move(snapshot)};
}

Result<std::unique_ptr<AgentRun>> AgentRun::resume(const Checkpoint& checkpoint, const Model& model,
                                                   const Tokenizer& tokenizer, SlotId slot,
                                                   std::optional<Tape> tape) {
  const Json& m = checkpoint.meta;
  try {
    if (m.at("version").get<int>() != 1)
      return recur::fail(
          ErrorCode::failed_precondition,
          "checkpoint: version " + m.at("version").dump() + " is not readable by this build");
    auto spec = SessionSpec::from_json(m.at("spec"));
    if (!spec) return spec.error();
    auto protocol =
        make_protocol(model.config().recur, tokenizer, model.config().eos_token_id, spec->id);
    if (!protocol) return protocol.error().context(model.dir().string() + "/config.json");
    if ((*protocol)->name() != m.at("protocol").get<std::string>())
      return recur::fail(ErrorCode::failed_precondition,
                         "checkpoint of session " + spec->id + ": written with protocol " +
                             m.at("protocol").dump() + ", the bundle now uses " +
                             std::string((*protocol)->name()));
    auto run = std::unique_ptr<AgentRun>(new AgentRun());
    run->spec_ = std::move(*spec);
    run->slot_ = slot;
    run->tokenizer_ = &tokenizer;
    run->vocab_limit_ = std::min(model.config().vocab_size, tokenizer.vocab_size());
    run->sampler_ = Sampler(run->spec_.sampling);
    run->protocol_ = std::move(*protocol);
    run->prompt_ = m.at("prompt_tokens").get<std::vector<TokenId>>();
    if (Tape* t = run->protocol_->tape()) {
      if (!tape)
        return recur::fail(ErrorCode::data_loss, "checkpoint of session " + run->spec_.id +
                                                     ": the pointer protocol's tape is missing");
      *t = std::move(*tape);
    }
    if (auto s = run->protocol_->restore(m.at("protocol_state")); !s) return s.error();
    auto status = status_from(m.at("status").get<std::string>());
    if (!status)
      return recur::fail(ErrorCode::data_loss,
                         "checkpoint: unknown status " + m.at("status").dump());
    run->status_ = *status;
    run->error_ = m.at("error").get<std::string>();
    run->generated_ = m.at("generated").get<std::vector<TokenId>>();
    run->output_ = m.at("output").get<std::vector<TokenId>>();
    run->streamed_ = run->output_.size();
    run->forced_ = m.at("forced").get<std::uint64_t>();
    run->observations_ = m.value("observations", std::uint64_t{0});
    for (const auto& c : m.at("calls"))
      run->calls_.push_back({c.at("id").get<std::string>(), c.at("name").get<std::string>(),
                             c.at("arguments"), c.at("result"), c.at("is_error").get<bool>(),
                             c.at("ms").get<double>()});
    run->input_ = m.at("input").get<std::vector<TokenId>>();
    if (!m.at("waiting").is_null()) {
      const Json& w = m.at("waiting");
      tools::ToolCall call{w.at("id").get<std::string>(), w.at("name").get<std::string>(),
                           w.at("arguments")};
      run->waiting_ = ProtocolCall{std::move(call), true};
      run->waiting_since_ = std::chrono::steady_clock::now();
    }
    run->wall_before_ms_ = m.at("wall_ms").get<double>();
    run->started_ = std::chrono::steady_clock::now();
    run->resumed_ = true;
    return run;
  } catch (const Json::exception& e) {
    return recur::fail(ErrorCode::data_loss, std::string("checkpoint: damaged: ") + e.what());
  }
}

}  // namespace recur::agent
