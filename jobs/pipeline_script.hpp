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
// message naming the budget, and keeps the record. The script's own Lua computation is budgeted
// too (instructions, memory, wall time), and a pcall cannot catch any budget's error.
//
// Threads: every function but interrupt() is called on one thread at a time, the owning thread
// (the pipeline host's). interrupt() may be called from any thread, at any time.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
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

// The budgets of a run; each that runs out ends it as over_budget with a message naming it
// ("budget: ... (max_calls)"). The script's own Lua work has three, each with a default that a job
// can raise: 0 means the default for max_instructions and max_memory_bytes, never "unlimited".
//  - max_instructions: Lua VM instructions, plus the steps of library functions that loop in C
//    (string patterns, table.insert/remove/move, calls made by table.sort and table.concat). The
//    default, 50 billion, is a few minutes of pure Lua computation: a 2-core Xeon server ran
//    210-330 million instructions a second in loops of arithmetic, table stores and function
//    calls (2.5 to 4 minutes for the default), fewer where each instruction allocates.
//  - max_memory_bytes: everything the script's Lua state allocates; default 512 MiB. The command
//    line and job options give it in MiB (max_memory_mb), as do the messages.
//  - max_wall_ms: wall time from start(), both computing and waiting for calls; 0: none.
struct PipelineBudgets {
  static constexpr std::uint64_t kDefaultMaxInstructions = 50'000'000'000;
  static constexpr std::uint64_t kDefaultMaxMemoryBytes = std::uint64_t{512} << 20;

  std::uint64_t max_calls = 0;    // agent and tool calls; 0: no limit
  std::uint64_t max_tokens = 0;   // tokens of finished agents; 0: no limit
  std::uint64_t max_wall_ms = 0;  // wall time of the run; 0: no limit
  std::uint64_t max_instructions = kDefaultMaxInstructions;  // 0: the default
  std::uint64_t max_memory_bytes = kDefaultMaxMemoryBytes;   // 0: the default
};

// What a script reports as it runs. A resumed script runs again from the top; what it reports
// before reaching the end of its journal (what the earlier run already reported) is not reported
// again.
struct PipelineEvents {
  std::function<void(const std::string& line)> log;
  std::function<void(double done, double total, const std::string& message)> progress;
  std::function<void(const nlohmann::json& row)> row;  // each row added to the report
};

struct PipelineOptions {
  std::string job = "job";                    // names sessions and scopes memory
  std::map<std::string, std::string> params;  // --param k=v
  std::uint64_t seed = 0;                     // math.random and agents' sampling seeds
  PipelineBudgets budgets;
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

  // Tightens the time budget to `max_wall` when that is shorter than budgets.max_wall_ms or there
  // was none (0: no change). For hosts that hold the run's time budget; call before start().
  void limit_wall(std::chrono::milliseconds max_wall);
  // The budgets in force: the options' with the defaults filled in and limit_wall applied.
  const PipelineBudgets& budgets() const { return options_.budgets; }

  // Runs the script until it waits for an answer or ends. Its time budget starts now.
  void start();
  // The calls made since the last take, in the order the script made them.
  std::vector<PipelineCall> take_calls();
  // The outcome of call `seq`: {"ok": value} or {"error": "message"} (agent values:
  // {"id", "status", "output", "tokens", "calls", "error"?}). Records it, then resumes the script
  // when that was what it waited for.
  void complete(std::uint64_t seq, nlohmann::json outcome);
  // Ends the script from outside (a time budget, a cancelled job) unless it already ended.
  void stop(JobStatus status, std::string why);
  // Ends the script as over its time budget, with the message of that budget; for a host whose
  // timer fires while the script waits for calls (while it computes, its own deadline ends it).
  void stop_past_time_budget();

  // Ends the script from any thread, whatever it is doing; the first of interrupt() and stop()
  // wins, and later calls change nothing. A script that computes stops at its next hook (within
  // 1000 Lua instructions, or a budgeted step of a library loop): the owning thread's start() or
  // complete() returns with the script ended as `status` with `why`. A script that waits for a
  // call ends when the owning thread next calls start(), complete() or stop(); so that it ends at
  // once, the caller should also have the owning thread call stop(status, why), as the pipeline
  // host does on its cancel message.
  void interrupt(JobStatus status, std::string why);

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
  // Ends the script with `status` and `why`, or with what an earlier interrupt() asked: every
  // further instruction raises the message.
  void halt(JobStatus status, std::string why);
  // On the owning thread: ends the script as interrupt() asked, if it did; true then.
  bool take_interrupt();
  // How the script ended after its coroutine stopped in error: why the sandbox stopped it (a
  // budget, a halt, an interrupt) or the error itself.
  void end_in_error(int status);
  // The over_budget message of the Lua budget that stopped the script.
  std::string lua_budget_message(tools::LuaStop stop) const;

  PipelineOptions options_;
  CallJournal record_;
  std::unique_ptr<tools::LuaSandbox> sandbox_;
  lua_State* thread_ = nullptr;  // the script's coroutine
  JobStatus status_ = JobStatus::running;
  bool waiting_ = false;
  std::string error_;
  std::optional<std::pair<JobStatus, std::string>> halted_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // start + max_wall_ms
  // What interrupt() asked for: set once, from any thread.
  std::atomic<bool> interrupted_{false};
  std::mutex interrupt_mutex_;
  std::optional<std::pair<JobStatus, std::string>> interrupt_;  // guarded by interrupt_mutex_

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
