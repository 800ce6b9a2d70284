// The Lua functions of the pipeline API (pipeline_api.hpp), as static members of one struct that
// PipelineScript lets see its state. Internal to jobs/: pipeline_api.cpp holds the
// helpers, tool.call, data, json, log, report and params; pipeline_agents.cpp holds agent.*.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <lua.hpp>
#include <nlohmann/json.hpp>

#include "jobs/pipeline_script.hpp"

namespace recur::jobs {

struct PipelineLua {
  using json = nlohmann::json;
  using Kind = PipelineCall::Kind;

  static PipelineScript& self(lua_State* L);
  static int raise(lua_State* L, const std::string& message);
  // Ends the script with `state` and raises `why`: no pcall gets past it.
  static int halt(lua_State* L, JobStatus status, const std::string& why);
  static json to_json(lua_State* L, int index, const char* what);
  // Pushes a call's outcome: the value, or nil and the error message (for a failed agent, also
  // its result).
  static int push_outcome(lua_State* L, const json& outcome, Kind kind);
  static json entry_outcome(const json& entry);
  // Gives the next call number to something recorded that is not a call of the host (the clock,
  // a data file, a choice): its recorded value, or nullptr when it must be made and recorded now.
  static const json* recorded(lua_State* L, PipelineScript& s, std::uint64_t seq, const char* kind,
                              const json& key);
  static void record(lua_State* L, PipelineScript& s, std::uint64_t seq, json entry);
  // A call for the host: counted against the budgets, answered from the record when it is there.
  static std::uint64_t issue(lua_State* L, Kind kind, json request);
  // Suspends the script until `wait` is satisfied; `k` then pushes the answer.
  static int wait(lua_State* L, PipelineScript::Wait w, lua_KContext ctx, lua_KFunction k);
  // ---- agent.start{...} -> handle
  static int agent_start(lua_State* L);
  static std::uint64_t handle_seq(lua_State* L, int index, const char* what);
  // ---- agent.await(handle) -> result | nil, message[, result]
  static int agent_await(lua_State* L);
  static int agent_await_k(lua_State* L, int, lua_KContext ctx);
  // ---- agent.await_any{handles} -> index, result | index, nil, message
  static int agent_await_any(lua_State* L);
  static int push_choice(lua_State* L, PipelineScript& s, std::uint64_t choice_seq,
                         const std::vector<std::uint64_t>& seqs);
  static int agent_await_any_k(lua_State* L, int, lua_KContext ctx);
  // ---- tool.call(name, arguments) -> result | nil, message
  static int tool_call(lua_State* L);
  static int tool_call_k(lua_State* L, int, lua_KContext ctx);
  // ---- now() -> milliseconds since the epoch, recorded
  static int now(lua_State* L);
  // ---- data.read(path) -> text | nil, message; a file under the data directory, recorded
  static int data_read(lua_State* L);
  static json read_data(PipelineScript& s, const std::string& path);
  // ---- log(...)  progress(done, total[, message])
  static int log(lua_State* L);
  static int progress(lua_State* L);
  // ---- report.row{...}  report.columns{...}  report.plot{...}
  static int report_row(lua_State* L);
  static int report_columns(lua_State* L);
  static int report_plot(lua_State* L);
  // ---- json.decode(text) -> value | nil, message   json.encode(value) -> text
  static int json_decode(lua_State* L);
  static int json_encode(lua_State* L);
  // params[name] marks the parameter read.
  static int params_index(lua_State* L);
  static void set_function(lua_State* L, PipelineScript& s, const char* table, const char* name,
                           lua_CFunction f);
  static int install(lua_State* L);
};

}  // namespace recur::jobs
