// A pipeline script: a Lua program (docs/pipelines.md) run in the sandbox of tools/lua as a
// coroutine. The script asks for agents and tools through the pipeline API; each such call becomes
// a PipelineCall that the host (actors/pipeline_host.hpp) carries out, and the coroutine is
// suspended while it waits for an answer, so one host drives many calls at once. Nothing here sends
// messages: the host takes the calls, runs them, and hands their outcomes back through complete().
//
//   auto script = PipelineScript::open(source, "frontier.lua", options, record);
//   script->start();
//   while (!script->ended()) {
//     for (auto& call : script->take_calls()) send(call);
//     ... script->complete(seq, outcome);   // when an answer arrives
//   }
//   script->report();
//
// Durability: the outcome of every completed call goes to the CallJournal before the script sees
// it; a script opened on a record that already holds outcomes (a resumed job) gets those outcomes
// without the calls being made again. With the same source, parameters and seed the script then
// takes the same path, and its report is the same, byte for byte.
//
// Errors: a Lua error ends the script as failed with "frontier.lua:12: message"; a failed call is a
// value the script handles (nil, message); a budget that runs out ends it as over_budget with a
// message naming the budget, and keeps the record.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "jobs/call_journal.hpp"
#include "jobs/job_status.hpp"
#include "jobs/report.hpp"
#include "tools/lua/sandbox.hpp"

struct lua_State;

namespace recur::jobs {

// A call for the host. agent: `request` is the session the script asked for, checked and
// completed: {"prompt", "model"?, "tools"?, "max_tokens"?, "max_calls"?, "max_wall_ms"?,
// "temperature", "top_k", "top_p", "seed"}. tool: {"name", "arguments"}.
struct PipelineCall {
  enum class Kind { agent, tool };
  std::uint64_t seq = 0;
  Kind kind = Kind::tool;
  nlohmann::json request;
};

struct PipelineBudgets {
  std::uint64_t max_calls = 0;   // agent and tool calls; 0: no limit
  std::uint64_t max_tokens = 0;  // tokens of finished agents; 0: no limit
};

struct PipelineEvents {
  std::function<void(const std::string& line)> log;
  std::function<void(double done, double total, const std::string& message)> progress;
};

struct PipelineOptions {
  std::string job = "job";                    // names sessions and scopes memory
  std::map<std::string, std::string> params;  // --param k=v
  std::uint64_t seed = 0;                     // math.random and agents' sampling seeds
  PipelineBudgets budgets;
  tools::LuaLimits limits{512u << 20, 100'000'000'000, std::chrono::hours(24 * 365), false};
  std::filesystem::path data_dir;  // data.read and data.csv read files under it
  PipelineEvents events;           // called on the thread that runs the script
};

struct PipelineApi;
struct PipelineLua;  // the API's Lua functions (pipeline_api.cpp)

class PipelineScript {
 public:
  // Compiles `source` (errors name the chunk and line) with the API installed; nothing runs yet.
  static Result<std::unique_ptr<PipelineScript>> open(std::string source, std::string chunk_name,
                                                      PipelineOptions options, CallJournal record);
  ~PipelineScript();
  PipelineScript(const PipelineScript&) = delete;
  PipelineScript& operator=(const PipelineScript&) = delete;

  // Runs the script until it waits for an answer or ends.
  void start();
  // The calls made since the last take, in the order the script made them.
  std::vector<PipelineCall> take_calls();
  // The outcome of call `seq`: {"ok": value} or {"error": "message"} (agent values:
  // {"id", "status", "output", "tokens", "calls", "error"?}). Records it, then resumes the script
  // when that was what it waited for.
  void complete(std::uint64_t seq, nlohmann::json outcome);
  // Ends the script from outside (a time budget, a cancelled job) unless it already ended.
  void stop(JobStatus status, std::string why);

  // running until the script ends, then how it ended.
  JobStatus status() const { return status_; }
  // True while the script is suspended, waiting for the answer of a call.
  bool waiting() const { return waiting_; }
  bool ended() const;
  // Why it failed, went over budget or was stopped.
  const std::string& error() const { return error_; }
  const Report& report() const { return report_; }
  std::uint64_t calls_used() const { return calls_used_; }
  std::uint64_t tokens_used() const { return tokens_used_; }
  std::uint64_t replayed() const { return replayed_; }  // calls answered from the record
  // How the run ended (status running while it has not) and what it used.
  PipelineOutcome outcome() const;
  // Parameters given that the script never read.
  std::vector<std::string> unread_params() const;

 private:
  friend struct PipelineApi;
  friend struct PipelineLua;
  struct PipelineLua;  // the API's Lua functions (pipeline_api.cpp)
  PipelineScript(PipelineOptions options, CallJournal record);

  struct Wait {
    enum class Mode { one, any } mode = Mode::one;
    std::vector<std::uint64_t> seqs;
    std::uint64_t choice_seq = 0;
  };

  void resume();
  bool resolved(std::uint64_t seq) const { return outcomes_.count(seq) != 0; }
  bool wait_satisfied() const;
  void account(const PipelineCall::Kind* kind, const nlohmann::json& outcome);
  // Ends the script with `state`: every further instruction raises `why`.
  void halt(JobStatus status, std::string why);

  PipelineOptions options_;
  CallJournal record_;
  std::unique_ptr<tools::LuaSandbox> sandbox_;
  lua_State* thread_ = nullptr;  // the script's coroutine
  JobStatus status_ = JobStatus::running;
  bool waiting_ = false;
  std::string error_;
  std::optional<std::pair<JobStatus, std::string>> halted_;

  std::uint64_t next_seq_ = 0;
  std::uint64_t record_end_ = 0;  // one past the highest recorded seq at open
  std::map<std::uint64_t, nlohmann::json> outcomes_;
  std::map<std::uint64_t, nlohmann::json> pending_;  // seq -> {"kind", "key"} of calls out
  std::vector<PipelineCall> calls_;
  std::optional<Wait> wait_;
  std::map<std::uint64_t, std::size_t> choices_;  // agent.await_any: choice seq -> index chosen
  std::map<std::uint64_t, std::vector<std::uint64_t>> choice_lists_;
  Report report_;
  std::map<std::string, bool> params_read_;
  std::uint64_t calls_used_ = 0, tokens_used_ = 0, replayed_ = 0;
};

}  // namespace recur::jobs
