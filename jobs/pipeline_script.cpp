#include "jobs/pipeline_script.hpp"

#include <lua.hpp>

#include "jobs/pipeline_api.hpp"

namespace recur::jobs {

PipelineScript::PipelineScript(PipelineOptions options, CallJournal record)
    : options_(std::move(options)), record_(std::move(record)) {
  record_end_ = record_.end();
  for (const auto& [name, value] : options_.params) params_read_[name] = false;
}

PipelineScript::~PipelineScript() = default;

Result<std::unique_ptr<PipelineScript>> PipelineScript::open(std::string source,
                                                             std::string chunk_name,
                                                             PipelineOptions options,
                                                             CallJournal record) {
  std::unique_ptr<PipelineScript> script(new PipelineScript(std::move(options), std::move(record)));
  auto sandbox = tools::LuaSandbox::open(script->options_.limits);
  if (!sandbox) return sandbox.error();
  script->sandbox_ = std::move(*sandbox);
  if (auto s = PipelineApi::install(*script); !s) return s.error();
  lua_State* L = script->sandbox_->state();
  script->thread_ = lua_newthread(L);
  luaL_ref(L, LUA_REGISTRYINDEX);  // keeps the coroutine alive
  const std::string name = "=" + chunk_name;
  if (luaL_loadbufferx(script->thread_, source.data(), source.size(), name.c_str(), "t") != LUA_OK)
    return fail(lua_tostring(script->thread_, -1));
  return script;
}

bool PipelineScript::ended() const {
  return job_ended(status_);
}

PipelineOutcome PipelineScript::outcome() const {
  return {status_, error_, calls_used_, tokens_used_, replayed_};
}

void PipelineScript::start() {
  if (!ended() && !waiting_ && !halted_) resume();
}

std::vector<PipelineCall> PipelineScript::take_calls() {
  return std::exchange(calls_, {});
}

void PipelineScript::resume() {
  waiting_ = false;
  wait_.reset();
  int results = 0;
  const int status = lua_resume(thread_, nullptr, 0, &results);
  if (status == LUA_YIELD) {
    lua_pop(thread_, results);
    waiting_ = true;
    return;
  }
  if (status == LUA_OK) {
    lua_pop(thread_, results);
    status_ = JobStatus::finished;
  } else {
    Error e = sandbox_->failure_of(thread_, status);
    status_ = JobStatus::failed;
    error_ = e.message;
  }
  if (halted_) status_ = halted_->first, error_ = halted_->second;
}

bool PipelineScript::wait_satisfied() const {
  if (!wait_) return true;
  if (wait_->mode == Wait::Mode::one) {
    for (auto seq : wait_->seqs)
      if (!resolved(seq)) return false;
    return true;
  }
  for (auto seq : wait_->seqs)
    if (resolved(seq)) return true;
  return false;
}

void PipelineScript::account(const PipelineCall::Kind* kind, const nlohmann::json& outcome) {
  if (!kind || *kind != PipelineCall::Kind::agent) return;
  auto ok = outcome.find("ok");
  if (ok != outcome.end() && ok->is_object()) tokens_used_ += ok->value("tokens", std::uint64_t{0});
}

void PipelineScript::complete(std::uint64_t seq, nlohmann::json outcome) {
  if (ended()) return;
  auto p = pending_.find(seq);
  if (p == pending_.end()) return;
  nlohmann::json entry = p->second;
  if (outcome.contains("error"))
    entry["error"] = outcome["error"];
  else
    entry["ok"] = outcome.value("ok", nlohmann::json());
  if (auto s = record_.add(seq, entry); !s)
    return stop(JobStatus::failed,
                "recording the outcome of call " + std::to_string(seq) + ": " + s.error().message);
  const PipelineCall::Kind kind =
      entry["kind"] == "agent" ? PipelineCall::Kind::agent : PipelineCall::Kind::tool;
  pending_.erase(p);
  outcomes_[seq] = std::move(outcome);
  account(&kind, outcomes_[seq]);
  if (!waiting_ || !wait_satisfied()) return;
  if (wait_ && wait_->mode == Wait::Mode::any) {
    if (auto s = PipelineApi::choose(*this); !s)
      return stop(JobStatus::failed, "recording a choice of agent.await_any: " + s.error().message);
  }
  resume();
}

void PipelineScript::halt(JobStatus status, std::string why) {
  if (!halted_) halted_ = {status, why};
  sandbox_->halt(thread_, std::move(why));
}

void PipelineScript::stop(JobStatus status, std::string why) {
  if (ended()) return;
  halt(status, why);
  status_ = status;
  waiting_ = false;
  error_ = std::move(why);
  wait_.reset();
}

std::vector<std::string> PipelineScript::unread_params() const {
  std::vector<std::string> out;
  for (const auto& [name, read] : params_read_)
    if (!read) out.push_back(name);
  return out;
}

}  // namespace recur::jobs
