#include "jobs/pipeline_script.hpp"

#include <lua.hpp>

#include "jobs/pipeline_api.hpp"

namespace recur::jobs {
namespace {

// Until start() gives the run its time budget, the script has none.
constexpr std::chrono::hours kNoTimeBudget{24 * 365};

// "512 MiB", or "1000000 bytes" for a size that is not a whole number of MiB.
std::string memory_size(std::uint64_t bytes) {
  constexpr std::uint64_t kMiB = std::uint64_t{1} << 20;
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

tools::LuaLimits lua_limits(const PipelineBudgets& budgets) {
  tools::LuaLimits limits;
  limits.memory_bytes = static_cast<std::size_t>(budgets.max_memory_bytes);
  limits.instructions = budgets.max_instructions;
  limits.timeout = kNoTimeBudget;
  limits.coroutines = false;
  return limits;
}

}  // namespace

PipelineScript::PipelineScript(PipelineOptions options, CallJournal record)
    : options_(std::move(options)), record_(std::move(record)) {
  record_end_ = record_.end();
  for (const auto& [name, value] : options_.params) params_read_[name] = false;
  PipelineBudgets& b = options_.budgets;
  if (b.max_instructions == 0) b.max_instructions = PipelineBudgets::kDefaultMaxInstructions;
  if (b.max_memory_bytes == 0) b.max_memory_bytes = PipelineBudgets::kDefaultMaxMemoryBytes;
}

PipelineScript::~PipelineScript() = default;

Result<std::unique_ptr<PipelineScript>> PipelineScript::open(std::string source,
                                                             std::string chunk_name,
                                                             PipelineOptions options,
                                                             CallJournal record) {
  std::unique_ptr<PipelineScript> script(new PipelineScript(std::move(options), std::move(record)));
  auto sandbox = tools::LuaSandbox::open(lua_limits(script->options_.budgets));
  if (!sandbox) return sandbox.error();
  script->sandbox_ = std::move(*sandbox);
  if (auto s = PipelineApi::install(*script); !s) return s.error();
  lua_State* L = script->sandbox_->state();
  script->thread_ = lua_newthread(L);
  luaL_ref(L, LUA_REGISTRYINDEX);  // keeps the coroutine alive
  const std::string name = "=" + chunk_name;
  if (luaL_loadbufferx(script->thread_, source.data(), source.size(), name.c_str(), "t") != LUA_OK)
    return fail(ErrorCode::invalid_argument, lua_tostring(script->thread_, -1));
  return script;
}

bool PipelineScript::ended() const {
  return job_ended(status_);
}

PipelineOutcome PipelineScript::outcome() const {
  return {status_, error_, calls_used_, tokens_used_, replayed_};
}

void PipelineScript::limit_wall(std::chrono::milliseconds max_wall) {
  if (max_wall.count() <= 0) return;
  auto& current = options_.budgets.max_wall_ms;
  const auto ms = static_cast<std::uint64_t>(max_wall.count());
  if (current == 0 || ms < current) current = ms;
}

void PipelineScript::start() {
  if (take_interrupt() || ended() || waiting_ || halted_) return;
  if (options_.budgets.max_wall_ms > 0) {
    const std::chrono::milliseconds max_wall(options_.budgets.max_wall_ms);
    deadline_ = std::chrono::steady_clock::now() + max_wall;
    sandbox_->set_timeout(max_wall);
  }
  resume();
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
    take_interrupt();  // one that came while the script computed, before a hook saw it
    return;
  }
  if (status == LUA_OK) {
    lua_pop(thread_, results);
    status_ = JobStatus::finished;
  } else {
    end_in_error(status);
  }
  if (halted_) status_ = halted_->first, error_ = halted_->second;
}

void PipelineScript::end_in_error(int status) {
  Error e = sandbox_->failure_of(thread_, status);
  const tools::LuaStop stop = sandbox_->stopped();
  status_ = JobStatus::failed;
  error_ = e.message;
  if (stop == tools::LuaStop::halted && !halted_ && interrupted_.load(std::memory_order_acquire)) {
    std::lock_guard lock(interrupt_mutex_);
    status_ = interrupt_->first;
    error_ = interrupt_->second;
  } else if (stop == tools::LuaStop::instructions || stop == tools::LuaStop::memory ||
             stop == tools::LuaStop::deadline) {
    status_ = JobStatus::over_budget;
    error_ = lua_budget_message(stop);
  }
}

std::string PipelineScript::lua_budget_message(tools::LuaStop stop) const {
  const PipelineBudgets& b = options_.budgets;
  if (stop == tools::LuaStop::deadline)
    return "budget: the pipeline ran past its time budget of " + std::to_string(b.max_wall_ms) +
           " ms (max_wall_ms)";
  const std::string& where = sandbox_->stop_position();
  const std::string at = where.empty() ? std::string() : " at " + where;
  if (stop == tools::LuaStop::memory)
    return "budget: the pipeline's Lua code ran past its memory budget of " +
           memory_size(b.max_memory_bytes) + " (max_memory_mb)" + at;
  return "budget: the pipeline's Lua code ran past its budget of " +
         std::to_string(b.max_instructions) + " instructions (max_instructions)" + at;
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
  if (ended() || take_interrupt()) return;
  if (deadline_ && std::chrono::steady_clock::now() > *deadline_) return stop_past_time_budget();
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
  if (!halted_) {
    if (interrupted_.load(std::memory_order_acquire)) {  // the first stop wins
      std::lock_guard lock(interrupt_mutex_);
      halted_ = interrupt_;
    } else {
      halted_.emplace(status, std::move(why));
    }
  }
  sandbox_->halt(thread_, halted_->second);
}

void PipelineScript::stop(JobStatus status, std::string why) {
  if (ended()) return;
  halt(status, std::move(why));
  status_ = halted_->first;
  error_ = halted_->second;
  waiting_ = false;
  wait_.reset();
  calls_.clear();  // made, but not taken by the host: they will not run
}

void PipelineScript::stop_past_time_budget() {
  stop(JobStatus::over_budget, lua_budget_message(tools::LuaStop::deadline));
}

void PipelineScript::interrupt(JobStatus status, std::string why) {
  {
    std::lock_guard lock(interrupt_mutex_);
    if (interrupt_) return;
    interrupt_.emplace(status, why);
  }
  interrupted_.store(true, std::memory_order_release);
  sandbox_->interrupt(std::move(why));
}

bool PipelineScript::take_interrupt() {
  if (!interrupted_.load(std::memory_order_acquire)) return false;
  std::pair<JobStatus, std::string> request;
  {
    std::lock_guard lock(interrupt_mutex_);
    request = *interrupt_;
  }
  stop(request.first, std::move(request.second));
  return true;
}

std::vector<std::string> PipelineScript::unread_params() const {
  std::vector<std::string> out;
  for (const auto& [name, read] : params_read_)
    if (!read) out.push_back(name);
  return out;
}

}  // namespace recur::jobs
