// A memory tool on a fresh store in a temp directory, called through a registry so that arguments
// are validated as in production.
#pragma once

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "tools/registry/registry.hpp"

namespace recur::tools::testing {

class MemoryFixture {
 public:
  // `entry` holds memory config fields besides type and store.
  explicit MemoryFixture(Json entry = Json::object()) : entry_(std::move(entry)) { reopen(); }

  // Drops the registry (closing the store) and builds a new one on the same directory.
  void reopen() {
    registry_.reset();
    Json entry = entry_;
    entry["type"] = "memory";
    entry["store"] = (dir_ / "store").string();
    auto r = Registry::from_json({{"tools", {entry}}}, dir_.path());
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    if (r) registry_ = std::make_unique<Registry>(std::move(*r));
  }

  // Calls the tool; a protocol error fails the test and gives an error result.
  ToolResult call(const Json& arguments, const std::string& scope = "default") {
    CallContext context;
    context.scope = scope;
    auto result = registry_->call({"t", "memory", arguments}, context);
    EXPECT_TRUE(result) << (result ? "" : result.error().message);
    if (!result) return ToolResult::error(result.error().message);
    return std::move(*result);
  }

  // Calls the tool and expects success; returns the structured result.
  Json ok(const Json& arguments, const std::string& scope = "default") {
    ToolResult r = call(arguments, scope);
    EXPECT_FALSE(r.is_error) << arguments.dump() << " -> " << r.joined_text();
    return r.structured;
  }

  // Calls the tool and expects an error result; returns its text.
  std::string error(const Json& arguments, const std::string& scope = "default") {
    ToolResult r = call(arguments, scope);
    EXPECT_TRUE(r.is_error) << arguments.dump() << " -> " << r.joined_text();
    return r.joined_text();
  }

  Registry& registry() { return *registry_; }
  std::filesystem::path store_dir() const { return dir_ / "store"; }

 private:
  recur::testing::TempDir dir_;
  Json entry_;
  std::unique_ptr<Registry> registry_;
};

}  // namespace recur::tools::testing
