#include "jobs/pipeline_api.hpp"

#include <fstream>
#include <sstream>

#include <lua.hpp>

#include "base/text.hpp"
#include "jobs/job_store.hpp"
#include "jobs/pipeline_lua.hpp"
#include "tools/lua/lua_json.hpp"

namespace recur::jobs {

using nlohmann::json;
using Kind = PipelineCall::Kind;

PipelineScript& PipelineLua::self(lua_State* L) {
  return *static_cast<PipelineScript*>(lua_touserdata(L, lua_upvalueindex(1)));
}

int PipelineLua::raise(lua_State* L, const std::string& message) {
  lua_pushstring(L, message.c_str());
  return lua_error(L);
}

int PipelineLua::halt(lua_State* L, JobStatus status, const std::string& why) {
  self(L).halt(status, why);
  return raise(L, why);
}

json PipelineLua::to_json(lua_State* L, int index, const char* what) {
  json out;
  if (auto s = tools::json_from_lua(L, index, out, what); !s) raise(L, s.error().message);
  return out;
}

int PipelineLua::push_outcome(lua_State* L, const json& outcome, Kind kind) {
  if (auto e = outcome.find("error"); e != outcome.end()) {
    lua_pushnil(L);
    lua_pushstring(L, e->is_string() ? e->get<std::string>().c_str() : e->dump().c_str());
    return 2;
  }
  const json& ok = outcome.at("ok");
  if (kind == Kind::agent && ok.is_object() && ok.value("status", "") == "failed") {
    lua_pushnil(L);
    lua_pushstring(L,
                   ("agent " + ok.value("id", "") + " failed: " + ok.value("error", "")).c_str());
    tools::push_json(L, ok);
    return 3;
  }
  tools::push_json(L, ok);
  return 1;
}

json PipelineLua::entry_outcome(const json& entry) {
  if (entry.contains("error")) return {{"error", entry["error"]}};
  return {{"ok", entry.value("ok", json())}};
}

const json* PipelineLua::recorded(lua_State* L, PipelineScript& s, std::uint64_t seq,
                                  const char* kind, const json& key) {
  const json* e = s.record_.find(seq);
  if (e && ((*e).value("kind", "") != kind || (*e).value("key", json()) != key))
    halt(L, JobStatus::failed,
         "replay: call " + std::to_string(seq) + " of the record is " + e->value("kind", "") + " " +
             e->value("key", json()).dump() + ", but the script now makes " + kind + " " +
             key.dump() + " (the script is not deterministic)");
  return e;
}

void PipelineLua::record(lua_State* L, PipelineScript& s, std::uint64_t seq, json entry) {
  if (auto st = s.record_.add(seq, std::move(entry)); !st)
    halt(L, JobStatus::failed, "recording call " + std::to_string(seq) + ": " + st.error().message);
}

std::uint64_t PipelineLua::issue(lua_State* L, Kind kind, json request) {
  PipelineScript& s = self(L);
  const auto& b = s.options_.budgets;
  if (b.max_calls != 0 && s.calls_used_ >= b.max_calls)
    halt(L, JobStatus::over_budget,
         "budget: the pipeline made its " + std::to_string(b.max_calls) + " calls (max_calls)");
  if (kind == Kind::agent && b.max_tokens != 0 && s.tokens_used_ >= b.max_tokens)
    halt(L, JobStatus::over_budget,
         "budget: agents used " + std::to_string(s.tokens_used_) + " tokens of " +
             std::to_string(b.max_tokens) + " (max_tokens)");
  const std::uint64_t seq = s.next_seq_++;
  ++s.calls_used_;
  const char* name = kind == Kind::agent ? "agent" : "tool";
  if (const json* e = recorded(L, s, seq, name, request)) {
    s.outcomes_[seq] = entry_outcome(*e);
    ++s.replayed_;
    s.account(&kind, s.outcomes_[seq]);
    return seq;
  }
  s.pending_[seq] = {{"kind", name}, {"key", request}};
  s.calls_.push_back({seq, kind, std::move(request)});
  return seq;
}

int PipelineLua::wait(lua_State* L, PipelineScript::Wait w, lua_KContext ctx, lua_KFunction k) {
  PipelineScript& s = self(L);
  s.wait_ = std::move(w);
  return lua_yieldk(L, 0, ctx, k);
}

int PipelineLua::tool_call(lua_State* L) {
  PipelineScript& s = self(L);
  const char* name = luaL_checkstring(L, 1);
  json arguments = json::object();
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    arguments = to_json(L, 2, "tool.call: arguments");
    if (arguments.is_array() && arguments.empty()) arguments = json::object();
    if (!arguments.is_object()) return raise(L, "tool.call: arguments must be a table of fields");
  }
  const std::uint64_t seq = issue(L, Kind::tool, {{"name", name}, {"arguments", arguments}});
  if (s.resolved(seq)) return push_outcome(L, s.outcomes_.at(seq), Kind::tool);
  return wait(L, {PipelineScript::Wait::Mode::one, {seq}, 0}, static_cast<lua_KContext>(seq),
              tool_call_k);
}

int PipelineLua::tool_call_k(lua_State* L, int, lua_KContext ctx) {
  return push_outcome(L, self(L).outcomes_.at(static_cast<std::uint64_t>(ctx)), Kind::tool);
}

int PipelineLua::now(lua_State* L) {
  PipelineScript& s = self(L);
  const std::uint64_t seq = s.next_seq_++;
  std::uint64_t ms = 0;
  if (const json* e = recorded(L, s, seq, "now", json())) {
    ms = e->value("ok", std::uint64_t{0});
    ++s.replayed_;
  } else {
    ms = unix_ms();
    record(L, s, seq, {{"kind", "now"}, {"key", json()}, {"ok", ms}});
  }
  lua_pushinteger(L, static_cast<lua_Integer>(ms));
  return 1;
}

int PipelineLua::data_read(lua_State* L) {
  PipelineScript& s = self(L);
  const std::string path = luaL_checkstring(L, 1);
  const std::uint64_t seq = s.next_seq_++;
  json outcome;
  if (const json* e = recorded(L, s, seq, "read", path)) {
    outcome = entry_outcome(*e);
    ++s.replayed_;
  } else {
    outcome = read_data(s, path);
    json entry = outcome;
    entry["kind"] = "read";
    entry["key"] = path;
    record(L, s, seq, std::move(entry));
  }
  return push_outcome(L, outcome, Kind::tool);
}

json PipelineLua::read_data(PipelineScript& s, const std::string& path) {
  const std::filesystem::path p(path);
  if (path.empty() || p.is_absolute() || path.find("..") != std::string::npos)
    return {{"error", "data.read: '" + path + "' must be a relative path without '..'"}};
  if (s.options_.data_dir.empty()) return {{"error", "data.read: this run has no data directory"}};
  std::ifstream f(s.options_.data_dir / p, std::ios::binary);
  if (!f) return {{"error", "data.read: cannot read " + (s.options_.data_dir / p).string()}};
  std::ostringstream text;
  text << f.rdbuf();
  return {{"ok", text.str()}};
}

int PipelineLua::log(lua_State* L) {
  PipelineScript& s = self(L);
  std::string line;
  for (int i = 1, n = lua_gettop(L); i <= n; ++i) {
    std::size_t len = 0;
    const char* text = luaL_tolstring(L, i, &len);
    if (i > 1) line.push_back('\t');
    line.append(text, len);
    lua_pop(L, 1);
  }
  if (s.next_seq_ >= s.record_end_ && s.options_.events.log) s.options_.events.log(line);
  return 0;
}

int PipelineLua::progress(lua_State* L) {
  PipelineScript& s = self(L);
  const double done = luaL_checknumber(L, 1), total = luaL_checknumber(L, 2);
  const char* message = luaL_optstring(L, 3, "");
  if (s.next_seq_ >= s.record_end_ && s.options_.events.progress)
    s.options_.events.progress(done, total, message);
  return 0;
}

int PipelineLua::report_row(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  json row = to_json(L, 1, "report.row");
  if (row.is_array() && row.empty()) row = json::object();
  PipelineScript& s = self(L);
  if (auto st = s.report_.add_row(row); !st) return raise(L, st.error().message);
  if (s.next_seq_ >= s.record_end_ && s.options_.events.row) s.options_.events.row(row);
  return 0;
}

int PipelineLua::report_columns(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  json cols = to_json(L, 1, "report.columns");
  std::vector<std::string> names;
  if (!cols.is_array()) return raise(L, "report.columns: expects a list of column names");
  for (const auto& c : cols) {
    if (!c.is_string()) return raise(L, "report.columns: expects a list of column names");
    names.push_back(c.get<std::string>());
  }
  self(L).report_.set_columns(std::move(names));
  return 0;
}

int PipelineLua::report_plot(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  auto plot = PlotSpec::from_json(to_json(L, 1, "report.plot"));
  if (!plot) return raise(L, plot.error().message);
  self(L).report_.add_plot(std::move(*plot));
  return 0;
}

int PipelineLua::json_decode(lua_State* L) {
  std::size_t len = 0;
  const char* text = luaL_checklstring(L, 1, &len);
  json value = json::parse(std::string_view(text, len), nullptr, false);
  if (value.is_discarded()) {
    lua_pushnil(L);
    lua_pushliteral(L, "json.decode: the text is not valid JSON");
    return 2;
  }
  tools::push_json(L, value);
  return 1;
}

int PipelineLua::json_encode(lua_State* L) {
  luaL_checkany(L, 1);
  const json value = to_json(L, 1, "json.encode");
  const std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  lua_pushlstring(L, text.data(), text.size());
  return 1;
}

int PipelineLua::params_index(lua_State* L) {
  PipelineScript& s = self(L);
  const char* name = luaL_checkstring(L, 2);
  auto it = s.options_.params.find(name);
  if (it == s.options_.params.end()) return 0;
  s.params_read_[name] = true;
  lua_pushstring(L, it->second.c_str());
  return 1;
}

void PipelineLua::set_function(lua_State* L, PipelineScript& s, const char* table, const char* name,
                               lua_CFunction f) {
  if (table) {
    if (lua_getglobal(L, table) != LUA_TTABLE) {
      lua_pop(L, 1);
      lua_newtable(L);
      lua_pushvalue(L, -1);
      lua_setglobal(L, table);
    }
  }
  lua_pushlightuserdata(L, &s);
  lua_pushcclosure(L, f, 1);
  if (table) {
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
  } else {
    lua_setglobal(L, name);
  }
}

int PipelineLua::install(lua_State* L) {
  auto& s = *static_cast<PipelineScript*>(lua_touserdata(L, 1));
  set_function(L, s, "agent", "start", agent_start);
  set_function(L, s, "agent", "await", agent_await);
  set_function(L, s, "agent", "await_any", agent_await_any);
  set_function(L, s, "tool", "call", tool_call);
  set_function(L, s, "data", "read", data_read);
  set_function(L, s, "report", "row", report_row);
  set_function(L, s, "report", "columns", report_columns);
  set_function(L, s, "report", "plot", report_plot);
  set_function(L, s, "json", "decode", json_decode);
  set_function(L, s, "json", "encode", json_encode);
  set_function(L, s, nullptr, "now", now);
  set_function(L, s, nullptr, "log", log);
  set_function(L, s, nullptr, "progress", progress);
  // params: a read-only view of --param values.
  lua_newtable(L);
  lua_newtable(L);
  lua_pushlightuserdata(L, &s);
  lua_pushcclosure(L, params_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pushliteral(L, "params is read-only");
  lua_setfield(L, -2, "__metatable");
  lua_setmetatable(L, -2);
  lua_setglobal(L, "params");
  lua_pushstring(L, s.options_.job.c_str());
  lua_setglobal(L, "JOB");
  // math.random is seeded by the job.
  lua_getglobal(L, "math");
  lua_getfield(L, -1, "randomseed");
  lua_pushinteger(L, static_cast<lua_Integer>(s.options_.seed));
  lua_call(L, 1, 0);
  lua_pop(L, 1);
  return 0;
}

Status PipelineApi::install(PipelineScript& script) {
  lua_State* L = script.sandbox_->state();
  lua_pushcfunction(L, PipelineLua::install);
  lua_pushlightuserdata(L, &script);
  if (int status = lua_pcall(L, 1, 0, 0); status != LUA_OK)
    return script.sandbox_->failure_of(L, status);
  return script.sandbox_->run(kPipelinePrelude, "recur", 0);
}

}  // namespace recur::jobs
