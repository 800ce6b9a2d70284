#include "server/sessions.hpp"

#include <algorithm>
#include <cmath>
#include <random>

#include "server/job_request.hpp"

namespace recur::server {
namespace {

Error bad(const std::string& field, const std::string& what) {
  return fail(ErrorCode::invalid_argument, "field '" + field + "': " + what);
}

Result<std::uint64_t> whole(const Json& v, const std::string& field) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>();
  return bad(field, "must be a whole number >= 0");
}

Result<float> number(const Json& v, const std::string& field, double low, double high) {
  if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < low ||
      v.get<double>() > high)
    return bad(field, "must be a number from " + Json(low).dump() + " to " + Json(high).dump());
  return static_cast<float>(v.get<double>());
}

std::string new_session_id() {
  std::random_device rd;
  char id[24];
  std::snprintf(id, sizeof id, "s-%08x%08x", rd(), rd());
  return id;
}

}  // namespace

struct SessionRegistry::Session {
  std::string id, model;
  std::shared_ptr<const Tokenizer> tokenizer;
  std::uint64_t prompt_tokens = 0;
  std::vector<TokenId> tokens;  // the output so far
  std::string text;             // its text
  std::vector<jobs::JobEvent> events;
  std::string status = "running";
  std::optional<Json> outcome;
};

Result<SessionRequest> SessionRequest::from_json(const Json& body) {
  if (!body.is_object()) return fail(ErrorCode::invalid_argument, "the body must be a JSON object");
  SessionRequest r;
  for (const auto& [key, v] : body.items()) {
    if (key == "model" || key == "prompt") {
      if (!v.is_string()) return bad(key, "must be a string");
      (key == "model" ? r.model : r.spec.prompt) = v.get<std::string>();
    } else if (key == "tools") {
      if (!v.is_array()) return bad(key, "must be a list of tool names");
      for (const auto& t : v) {
        if (!t.is_string()) return bad(key, "must be a list of tool names");
        r.spec.tools.push_back(t.get<std::string>());
      }
    } else if (key == "max_tokens" || key == "max_calls" || key == "max_wall_ms" || key == "seed" ||
               key == "top_k") {
      auto n = whole(v, key);
      if (!n) return n.error();
      if (key == "max_tokens") r.spec.budgets.max_tokens = *n;
      if (key == "max_calls") r.spec.budgets.max_calls = *n;
      if (key == "max_wall_ms") r.spec.budgets.max_wall_ms = *n;
      if (key == "seed") r.spec.sampling.seed = *n;
      if (key == "top_k") r.spec.sampling.top_k = static_cast<std::uint32_t>(*n);
    } else if (key == "temperature") {
      auto t = number(v, key, 0, 100);
      if (!t) return t.error();
      r.spec.sampling.temperature = *t;
    } else if (key == "top_p") {
      auto p = number(v, key, 0, 1);
      if (!p) return p.error();
      r.spec.sampling.top_p = *p;
    } else {
      return bad(key,
                 "unknown (model, prompt, tools, max_tokens, max_calls, max_wall_ms, seed, "
                 "temperature, top_k, top_p)");
    }
  }
  if (r.model.empty()) return bad("model", "is required");
  if (!is_plain_name(r.model)) return bad("model", "'" + r.model + "' is not a model name");
  if (r.spec.prompt.empty()) return bad("prompt", "is required");
  if (r.spec.budgets.max_tokens == 0) return bad("max_tokens", "must be at least 1");
  return r;
}

Json SessionView::to_json() const {
  Json j = {{"id", id},
            {"model", model},
            {"status", status},
            {"output", output},
            {"prompt_tokens", prompt_tokens},
            {"output_tokens", output_tokens}};
  if (outcome) j["outcome"] = *outcome;
  return j;
}

SessionRegistry::SessionRegistry(actors::Runtime& runtime, std::filesystem::path models_dir,
                                 std::size_t max_sessions)
    : runtime_(runtime), models_dir_(std::move(models_dir)), max_sessions_(max_sessions) {}

SessionRegistry::~SessionRegistry() {
  wake_all();
}

Result<std::string> SessionRegistry::start(const SessionRequest& request) {
  std::error_code ec;
  const auto dir = models_dir_ / request.model;
  if (models_dir_.empty() || !std::filesystem::exists(dir / "config.json", ec))
    return fail(ErrorCode::not_found, "model '" + request.model + "': no such model");
  const std::string model_dir = std::filesystem::absolute(dir, ec).string();
  auto loaded = runtime_.model(model_dir);
  if (!loaded) return loaded.error().context("model '" + request.model + "'");
  auto prompt = loaded->tokenizer->encode(request.spec.prompt);
  if (!prompt) return prompt.error().context("field 'prompt'");

  auto s = std::make_shared<Session>();
  s->id = new_session_id();
  s->model = request.model;
  s->tokenizer = loaded->tokenizer;
  s->prompt_tokens = prompt->size();
  {
    std::lock_guard lock(mutex_);
    // Room for the new one: forget the oldest ended sessions.
    for (auto it = order_.begin(); sessions_.size() >= max_sessions_ && it != order_.end();) {
      auto found = sessions_.find(*it);
      if (found != sessions_.end() && found->second->status != "running") {
        sessions_.erase(found);
        it = order_.erase(it);
      } else {
        ++it;
      }
    }
    if (sessions_.size() >= max_sessions_)
      return fail(ErrorCode::resource_exhausted,
                  std::to_string(max_sessions_) + " sessions are running; try again later");
    sessions_[s->id] = s;
    order_.push_back(s->id);
  }
  agent::SessionSpec spec = request.spec;
  spec.id = "api/" + s->id;
  auto started = runtime_.start_session(
      model_dir, std::move(spec),
      [this, s](std::span<const TokenId> tokens) { on_output(s, tokens); },
      [this, s](Result<agent::SessionOutcome> outcome) { on_end(s, std::move(outcome)); });
  if (!started) {
    std::lock_guard lock(mutex_);
    sessions_.erase(s->id);
    return started.error();
  }
  return s->id;
}

void SessionRegistry::on_output(const std::shared_ptr<Session>& s,
                                std::span<const TokenId> tokens) {
  std::lock_guard lock(mutex_);
  s->tokens.insert(s->tokens.end(), tokens.begin(), tokens.end());
  auto text = s->tokenizer->decode(s->tokens);
  std::string delta;
  // A piece that ends inside a character decodes once the rest of it comes.
  if (text && text->size() >= s->text.size() && text->compare(0, s->text.size(), s->text) == 0) {
    delta = text->substr(s->text.size());
    s->text = *text;
  }
  s->events.push_back(
      {s->events.size() + 1,
       "token",
       {{"text", delta}, {"tokens", std::vector<TokenId>(tokens.begin(), tokens.end())}}});
  changed_.notify_all();
}

void SessionRegistry::on_end(const std::shared_ptr<Session>& s,
                             Result<agent::SessionOutcome> outcome) {
  std::lock_guard lock(mutex_);
  Json data;
  if (outcome) {
    s->status = agent::status_name(outcome->result.status);
    data = outcome->to_json();
    data.erase("tokens");
    s->text = outcome->result.output;
  } else {
    s->status = "failed";
    data = {{"status", "failed"}, {"error", outcome.error().message}};
  }
  s->outcome = data;
  s->events.push_back({s->events.size() + 1, "end", data});
  changed_.notify_all();
}

Result<SessionView> SessionRegistry::view(const std::string& id) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return fail(ErrorCode::not_found, "no session '" + id + "'");
  const Session& s = *it->second;
  return SessionView{s.id, s.model, s.status, s.text, s.prompt_tokens, s.tokens.size(), s.outcome};
}

Status SessionRegistry::cancel(const std::string& id) {
  std::string model;
  {
    std::lock_guard lock(mutex_);
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return fail(ErrorCode::not_found, "no session '" + id + "'");
    if (it->second->status != "running")
      return fail(ErrorCode::failed_precondition,
                  "session " + id + " has ended (" + it->second->status + ")");
    model = (models_dir_ / it->second->model).string();
  }
  std::error_code ec;
  runtime_.cancel_session(std::filesystem::absolute(model, ec).string(), "api/" + id);
  return {};
}

Result<std::vector<jobs::JobEvent>> SessionRegistry::events(const std::string& id,
                                                            std::uint64_t after) const {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return fail(ErrorCode::not_found, "no session '" + id + "'");
  const auto& all = it->second->events;
  if (after >= all.size()) return std::vector<jobs::JobEvent>{};
  return std::vector<jobs::JobEvent>(all.begin() + static_cast<long>(after), all.end());
}

bool SessionRegistry::wait(const std::string& id, std::uint64_t after,
                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  auto more = [&] {
    auto it = sessions_.find(id);
    return it == sessions_.end() || it->second->events.size() > after;
  };
  changed_.wait_for(lock, timeout, [&] { return woken_ || more(); });
  return more();
}

Result<SessionView> SessionRegistry::wait_end(const std::string& id,
                                              std::chrono::milliseconds timeout) {
  {
    std::unique_lock lock(mutex_);
    auto ended = [&] {
      auto it = sessions_.find(id);
      return it == sessions_.end() || it->second->status != "running";
    };
    if (!changed_.wait_for(lock, timeout, [&] { return woken_ || ended(); }) || !ended())
      return fail(ErrorCode::deadline_exceeded, "session " + id + " did not end in time");
  }
  return view(id);
}

void SessionRegistry::wake_all() {
  std::lock_guard lock(mutex_);
  woken_ = true;
  changed_.notify_all();
}

}  // namespace recur::server
