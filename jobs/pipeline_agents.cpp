// agent.start, agent.await and agent.await_any: the pipeline API's agent calls (pipeline_lua.hpp).
#include "jobs/pipeline_api.hpp"
#include "jobs/pipeline_lua.hpp"
#include "tools/lua/lua_json.hpp"

namespace recur::jobs {

using nlohmann::json;
using Kind = PipelineCall::Kind;

int PipelineLua::agent_start(lua_State* L) {
  PipelineScript& s = self(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  json spec = to_json(L, 1, "agent.start");
  if (!spec.is_object()) return raise(L, "agent.start: expects a table {prompt = ..., ...}");
  static const std::map<std::string, json::value_t> fields = {
      {"prompt", json::value_t::string},
      {"model", json::value_t::string},
      {"tools", json::value_t::array},
      {"max_tokens", json::value_t::number_unsigned},
      {"max_calls", json::value_t::number_unsigned},
      {"max_wall_ms", json::value_t::number_unsigned},
      {"temperature", json::value_t::number_float},
      {"top_k", json::value_t::number_unsigned},
      {"top_p", json::value_t::number_float},
      {"seed", json::value_t::number_unsigned}};
  for (auto& [key, value] : spec.items()) {
    auto f = fields.find(key);
    if (f == fields.end()) {
      std::string known;
      for (const auto& [k, t] : fields) known += (known.empty() ? "" : ", ") + k;
      return raise(L, "agent.start: unknown field '" + key + "' (known: " + known + ")");
    }
    const bool number =
        f->second == json::value_t::number_float || f->second == json::value_t::number_unsigned;
    if (number && !value.is_number()) return raise(L, "agent.start: " + key + ": must be a number");
    if (f->second == json::value_t::number_unsigned &&
        !(value.is_number_unsigned() ||
          (value.is_number_integer() && value.get<std::int64_t>() >= 0)))
      return raise(L, "agent.start: " + key + ": must be a non-negative integer");
    if (f->second == json::value_t::string && !value.is_string())
      return raise(L, "agent.start: " + key + ": must be a string");
    if (f->second == json::value_t::array) {
      if (!value.is_array()) return raise(L, "agent.start: tools: must be a list of tool names");
      for (const auto& t : value)
        if (!t.is_string()) return raise(L, "agent.start: tools: must be a list of tool names");
    }
  }
  if (!spec.contains("prompt")) return raise(L, "agent.start: prompt is required");
  spec["temperature"] = spec.value("temperature", 0.0);
  spec["top_k"] = spec.value("top_k", 0);
  spec["top_p"] = spec.value("top_p", 1.0);
  // Sampling seeds come from the job's seed and the call's place in the script.
  if (!spec.contains("seed")) spec["seed"] = s.options_.seed * 1000003 + s.next_seq_;
  const std::uint64_t seq = issue(L, Kind::agent, std::move(spec));
  lua_createtable(L, 0, 1);
  lua_pushinteger(L, static_cast<lua_Integer>(seq));
  lua_setfield(L, -2, "agent");
  return 1;
}

std::uint64_t PipelineLua::handle_seq(lua_State* L, int index, const char* what) {
  PipelineScript& s = self(L);
  if (lua_type(L, index) == LUA_TTABLE) {
    lua_getfield(L, index, "agent");
    if (lua_isinteger(L, -1)) {
      const auto seq = static_cast<std::uint64_t>(lua_tointeger(L, -1));
      lua_pop(L, 1);
      if (seq < s.next_seq_ && (s.resolved(seq) || s.pending_.count(seq))) return seq;
    } else {
      lua_pop(L, 1);
    }
  }
  raise(L, std::string(what) + ": expects a handle from agent.start");
  return 0;
}

int PipelineLua::agent_await(lua_State* L) {
  PipelineScript& s = self(L);
  const std::uint64_t seq = handle_seq(L, 1, "agent.await");
  if (s.resolved(seq)) return push_outcome(L, s.outcomes_.at(seq), Kind::agent);
  return wait(L, {PipelineScript::Wait::Mode::one, {seq}, 0}, static_cast<lua_KContext>(seq),
              agent_await_k);
}

int PipelineLua::agent_await_k(lua_State* L, int, lua_KContext ctx) {
  return push_outcome(L, self(L).outcomes_.at(static_cast<std::uint64_t>(ctx)), Kind::agent);
}

int PipelineLua::agent_await_any(lua_State* L) {
  PipelineScript& s = self(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  PipelineScript::Wait w{PipelineScript::Wait::Mode::any, {}, 0};
  const lua_Integer n = static_cast<lua_Integer>(lua_rawlen(L, 1));
  if (n == 0) return raise(L, "agent.await_any: expects a non-empty list of handles");
  for (lua_Integer i = 1; i <= n; ++i) {
    lua_rawgeti(L, 1, i);
    w.seqs.push_back(handle_seq(L, -1, "agent.await_any"));
    lua_pop(L, 1);
  }
  w.choice_seq = s.next_seq_++;
  const json key = w.seqs;
  if (const json* e = recorded(L, s, w.choice_seq, "choice", key)) {
    const std::size_t index = e->value("ok", std::size_t{0});
    if (index >= w.seqs.size() || !s.resolved(w.seqs[index]))
      return halt(L, JobStatus::failed,
                  "replay: the recorded choice of agent.await_any is " + std::to_string(index) +
                      ", not an answered one");
    s.choices_[w.choice_seq] = index;
    ++s.replayed_;
    return push_choice(L, s, w.choice_seq, w.seqs);
  }
  s.pending_[w.choice_seq] = {{"kind", "choice"}, {"key", key}};
  s.wait_ = w;
  if (s.wait_satisfied()) {
    if (auto st = PipelineApi::choose(s); !st)
      return halt(L, JobStatus::failed, st.error().message);
    s.wait_.reset();
    return push_choice(L, s, w.choice_seq, w.seqs);
  }
  const auto ctx = static_cast<lua_KContext>(w.choice_seq);
  return wait(L, std::move(w), ctx, agent_await_any_k);
}

int PipelineLua::push_choice(lua_State* L, PipelineScript& s, std::uint64_t choice_seq,
                             const std::vector<std::uint64_t>& seqs) {
  const std::size_t index = s.choices_.at(choice_seq);
  lua_pushinteger(L, static_cast<lua_Integer>(index + 1));
  return 1 + push_outcome(L, s.outcomes_.at(seqs[index]), Kind::agent);
}

int PipelineLua::agent_await_any_k(lua_State* L, int, lua_KContext ctx) {
  PipelineScript& s = self(L);
  const auto choice_seq = static_cast<std::uint64_t>(ctx);
  std::vector<std::uint64_t> seqs = s.choice_lists_.at(choice_seq);
  return push_choice(L, s, choice_seq, seqs);
}

Status PipelineApi::choose(PipelineScript& s) {
  const auto& w = *s.wait_;
  std::size_t index = 0;
  while (index < w.seqs.size() && !s.resolved(w.seqs[index])) ++index;
  if (index == w.seqs.size()) return fail(ErrorCode::internal, "agent.await_any: nothing answered");
  json entry = s.pending_.at(w.choice_seq);
  entry["ok"] = index;
  if (auto st = s.record_.add(w.choice_seq, entry); !st) return st;
  s.pending_.erase(w.choice_seq);
  s.choices_[w.choice_seq] = index;
  s.choice_lists_[w.choice_seq] = w.seqs;
  return {};
}

}  // namespace recur::jobs
