// Tools for the tests of the MCP server: an echo that reports the call's scope and deadline, a tool
// that fails, a tool without arguments, and a registry of them with the memory tool.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "tools/memory/memory_tool.hpp"
#include "tools/registry/registry.hpp"

namespace recur::server::testing {

// {"text": string} -> {"said": text, "scope": the call's scope}; remembers the last deadline.
class EchoTool final : public tools::Tool {
 public:
  explicit EchoTool(std::string name) {
    description_.name = std::move(name);
    description_.description = "Echoes its text and the caller's scope";
    description_.input_schema = {{"type", "object"},
                                 {"required", {"text"}},
                                 {"additionalProperties", false},
                                 {"properties", {{"text", {{"type", "string"}}}}}};
  }
  const tools::ToolDescription& description() const override { return description_; }
  tools::ToolResult call(const Json& args, const tools::CallContext& context) override {
    last_deadline = context.deadline;
    return tools::ToolResult::json({{"said", args["text"]}, {"scope", context.scope}});
  }

  std::chrono::steady_clock::time_point last_deadline;

 private:
  tools::ToolDescription description_;
};

// No arguments; always an error result.
class FailingTool final : public tools::Tool {
 public:
  FailingTool() {
    description_.name = "broken";
    description_.description = "Always fails";
    description_.input_schema = {{"type", "object"}, {"additionalProperties", false}};
  }
  const tools::ToolDescription& description() const override { return description_; }
  tools::ToolResult call(const Json&, const tools::CallContext&) override {
    return tools::ToolResult::error("broken: out of order");
  }

 private:
  tools::ToolDescription description_;
};

// echo, broken, memory (in `store`), then echo2 .. echo<extra+1>: 3 + extra tools.
inline tools::Registry test_registry(const std::filesystem::path& store, int extra = 0,
                                     EchoTool** echo = nullptr) {
  tools::Registry registry;
  auto e = std::make_unique<EchoTool>("echo");
  if (echo) *echo = e.get();
  EXPECT_TRUE(registry.add(std::move(e)).ok());
  EXPECT_TRUE(registry.add(std::make_unique<FailingTool>()).ok());
  tools::MemoryToolConfig memory;
  memory.store = store;
  EXPECT_TRUE(registry.add(tools::make_memory_tool(memory)).ok());
  for (int i = 0; i < extra; ++i)
    EXPECT_TRUE(registry.add(std::make_unique<EchoTool>("echo" + std::to_string(i + 2))).ok());
  return registry;
}

// {"jsonrpc": "2.0", "id": id, "method": method[, "params": params]}
inline Json request(const Json& id, const std::string& method, const Json& params = nullptr) {
  Json m = {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}};
  if (!params.is_null()) m["params"] = params;
  return m;
}

inline Json initialize_request(const std::string& version = "2025-11-25") {
  return request(0, "initialize",
                 {{"protocolVersion", version},
                  {"capabilities", Json::object()},
                  {"clientInfo", {{"name", "test"}, {"version", "1"}}}});
}

}  // namespace recur::server::testing
