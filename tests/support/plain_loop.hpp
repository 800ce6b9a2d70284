// A session driven directly, the way AgentRun's header describes it: a backend of its own, one
// forward pass per step, every call made at once through the registry. This is what the runtime
// must reproduce, whatever else shares its forward passes.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent_run.hpp"
#include "model/backend.hpp"
#include "support/session_scripts.hpp"
#include "tools/registry/registry.hpp"

namespace recur::testing {

// The registry of the Lua tools in the source tree (bigint, expr, stats).
inline std::shared_ptr<const tools::Registry> lua_registry() {
  const std::filesystem::path root = RECUR_SOURCE_DIR;
  auto r = tools::Registry::from_json(
      {{"tools", {{{"type", "lua"}, {"dir", "tools/lua/tools"}, {"timeout_ms", 10000}}}}}, root);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return std::make_shared<const tools::Registry>(std::move(*r));
}

// "s7" for ("s", 7).
inline std::string numbered(std::string prefix, std::size_t i) {
  prefix.append(std::to_string(i));
  return prefix;
}

inline agent::SessionSpec session(const std::string& id, const std::string& prompt,
                                  float temperature = 0.0f, std::uint64_t seed = 0) {
  agent::SessionSpec s;
  s.id = id;
  s.prompt = prompt;
  s.sampling.temperature = temperature;
  s.sampling.seed = seed;
  s.budgets.max_tokens = 4096;
  return s;
}

inline agent::SessionResult run_alone(const LoadedBundle& b, const agent::SessionSpec& spec,
                                      const tools::Registry* registry) {
  auto backend = make_cpu_backend(b.model, 1, 4);
  auto slot = backend->allocate();
  EXPECT_TRUE(slot.ok());
  auto run = agent::AgentRun::start(spec, *b.model, *b.tokenizer, *slot);
  EXPECT_TRUE(run.ok()) << run.error().message;
  agent::AgentRun& r = **run;
  auto make_calls = [&](std::vector<agent::ProtocolCall> calls) {
    for (const auto& c : calls) {
      const auto& allowed = spec.tools;
      const bool permitted = allowed.empty() || std::find(allowed.begin(), allowed.end(),
                                                          c.call.name) != allowed.end();
      tools::ToolResult result = tools::ToolResult::error("not available");
      if (registry && permitted) {
        tools::CallContext context;
        context.scope = spec.id;
        auto made = registry->call(c.call, context);
        result = made ? *made : tools::ToolResult::error(made.error().message);
      }
      if (c.wait) r.complete_call(c.call.id, result, 0.0);
    }
  };
  make_calls(r.begin());
  std::vector<float> logits;
  while (r.ready()) {
    const SequenceChunk chunk{*slot, r.input()};
    auto s = backend->forward({&chunk, 1}, LogitsFor::last, logits);
    EXPECT_TRUE(s.ok()) << s.error().message;
    make_calls(r.advance(logits));
  }
  return r.result();
}

// A result as JSON without what depends on time: timings and each call's duration.
inline Json comparable(const Json& result) {
  Json j = result;
  j.erase("timings");
  for (auto& c : j["calls"]) c.erase("ms");
  return j;
}
inline Json comparable(const agent::SessionResult& result) {
  return comparable(result.to_json());
}

}  // namespace recur::testing
