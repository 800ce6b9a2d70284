// The registry: tools made from a configuration by type, protocol errors kept apart from tool
// errors.
#include <atomic>
#include <fstream>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "tools/registry/registry.hpp"

namespace recur::tools {
namespace {

using recur::testing::TempDir;

// A tool that answers {"said": text}, fails when text is "fail" and throws when it is "throw".
class EchoTool final : public Tool {
 public:
  explicit EchoTool(std::string name, std::atomic<int>* calls) : calls_(calls) {
    description_.name = std::move(name);
    description_.description = "echoes";
    description_.input_schema = {{"type", "object"},
                                 {"required", {"text"}},
                                 {"additionalProperties", false},
                                 {"properties", {{"text", {{"type", "string"}}}}}};
  }
  const ToolDescription& description() const override { return description_; }
  ToolResult call(const Json& args, const CallContext& context) override {
    ++*calls_;
    std::string text = args["text"];
    if (text == "fail") return ToolResult::error("echo: asked to fail");
    if (text == "throw") throw std::runtime_error("thrown");
    return ToolResult::json({{"said", text}, {"scope", context.scope}});
  }

 private:
  ToolDescription description_;
  std::atomic<int>* calls_;
};

struct Fixture {
  std::atomic<int> calls{0};
  std::filesystem::path seen_base;
  Json seen_entry;

  ToolFactories factories() {
    ToolFactories f;
    f.register_factory(
        "echo",
        [this](const Json& entry,
               const std::filesystem::path& base) -> Result<std::vector<std::unique_ptr<Tool>>> {
          seen_base = base;
          seen_entry = entry;
          std::vector<std::unique_ptr<Tool>> tools;
          for (const auto& name : entry.value("names", Json::array({"echo"})))
            tools.push_back(std::make_unique<EchoTool>(name.get<std::string>(), &calls));
          return tools;
        });
    return f;
  }

  Registry registry(const Json& config) {
    auto r = Registry::from_json(config, "/base", {}, factories(), "test.json");
    EXPECT_TRUE(r) << (r ? "" : r.error().message);
    return std::move(r).value();
  }
};

Json echo_config() {
  return {{"tools", {{{"type", "echo"}}}}};
}

TEST(Registry, ListsAndDescribesItsTools) {
  Fixture f;
  Registry r = f.registry({{"tools", {{{"type", "echo"}, {"names", {"a", "b"}}}}}});
  auto list = r.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "a");
  EXPECT_EQ(list[1].name, "b");
  auto d = r.describe("b");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->to_json()["inputSchema"]["required"], Json({"text"}));
}

TEST(Registry, RunsAValidCall) {
  Fixture f;
  Registry r = f.registry(echo_config());
  CallContext context;
  context.scope = "s1";
  auto result = r.call({"1", "echo", {{"text", "hi"}}}, context);
  ASSERT_TRUE(result);
  EXPECT_FALSE(result->is_error);
  EXPECT_EQ(result->structured, Json({{"said", "hi"}, {"scope", "s1"}}));
}

TEST(Registry, UnknownToolIsAProtocolError) {
  Fixture f;
  Registry r = f.registry(echo_config());
  auto result = r.call({"1", "nope", {{"text", "hi"}}}, {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::not_found);
  EXPECT_EQ(result.error().message, "unknown tool 'nope' (tools: echo)");
  ASSERT_FALSE(r.describe("nope"));
  EXPECT_EQ(r.describe("nope").error().code, ErrorCode::not_found);
}

TEST(Registry, ArgumentsThatAreNotAnObjectAreAProtocolError) {
  Fixture f;
  Registry r = f.registry(echo_config());
  auto result = r.call({"1", "echo", Json::array({1})}, {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(result.error().message, "arguments: must be a JSON object");
  EXPECT_EQ(f.calls, 0);
}

TEST(Registry, ArgumentTextThatIsNotJsonIsAProtocolError) {
  Fixture f;
  Registry r = f.registry(echo_config());
  auto result = r.call("echo", "{\"text\": ", {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(result.error().message.rfind("arguments: not valid JSON", 0), 0u)
      << result.error().message;
  EXPECT_FALSE(r.call("echo", "\"text\"", {}));  // JSON, but not an object
  EXPECT_EQ(f.calls, 0);
}

TEST(Registry, SchemaViolationIsAToolErrorAndTheToolDoesNotRun) {
  Fixture f;
  Registry r = f.registry(echo_config());
  auto missing = r.call("echo", "{}", {});
  ASSERT_TRUE(missing);
  EXPECT_TRUE(missing->is_error);
  EXPECT_EQ(missing->joined_text(), "arguments.text: is required");
  auto extra = r.call("echo", R"({"text": "a", "loud": true})", {});
  ASSERT_TRUE(extra);
  EXPECT_TRUE(extra->is_error);
  EXPECT_EQ(extra->joined_text(), "arguments.loud: is not an allowed field (allowed: text)");
  EXPECT_EQ(f.calls, 0);
}

TEST(Registry, ToolErrorsAreResultsNotProtocolErrors) {
  Fixture f;
  Registry r = f.registry(echo_config());
  auto failed = r.call("echo", R"({"text": "fail"})", {});
  ASSERT_TRUE(failed);
  EXPECT_TRUE(failed->is_error);
  EXPECT_EQ(failed->joined_text(), "echo: asked to fail");
  EXPECT_EQ(failed->to_json()["isError"], true);
}

TEST(Registry, AThrowingToolGivesAnErrorResult) {
  Fixture f;
  Registry r = f.registry(echo_config());
  auto thrown = r.call("echo", R"({"text": "throw"})", {});
  ASSERT_TRUE(thrown);
  EXPECT_TRUE(thrown->is_error);
  EXPECT_EQ(thrown->joined_text(), "echo: thrown");
}

TEST(Registry, UnknownTypeNamesTheEntryAndTheKnownTypes) {
  Fixture f;
  auto r = Registry::from_json({{"tools", {{{"type", "echo"}}, {{"type", "ghost"}}}}}, "/base", {},
                               f.factories(), "test.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(r.error().message, "test.json: tools[1]: unknown tool type 'ghost' (known: echo)");
}

TEST(Registry, MalformedConfigurationIsRefused) {
  Fixture f;
  auto no_tools = Registry::from_json(Json::object(), "/", {}, f.factories(), "test.json");
  ASSERT_FALSE(no_tools);
  EXPECT_EQ(no_tools.error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(no_tools.error().message, "test.json: config.tools: is required");
  auto no_type = Registry::from_json({{"tools", {{{"dir", "x"}}}}}, "/", {}, f.factories(), "t");
  ASSERT_FALSE(no_type);
  EXPECT_EQ(no_type.error().message, "t: config.tools[0].type: is required");
}

TEST(Registry, DuplicateNamesAreRefused) {
  Fixture f;
  auto r = Registry::from_json({{"tools", {{{"type", "echo"}}, {{"type", "echo"}}}}}, "/", {},
                               f.factories(), "test.json");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::already_exists);  // the code of Registry::add's error
  EXPECT_EQ(r.error().message, "test.json: tools[1]: two tools are named 'echo'");
}

TEST(Registry, RelativePathsResolveAgainstTheConfigDirectorysParent) {
  TempDir dir;
  std::filesystem::create_directories(dir / "configs");
  std::ofstream(dir / "configs/tools.json") << R"({"tools": [{"type": "echo", "dir": "x"}]})";
  Fixture f;
  auto r = Registry::load(dir / "configs/tools.json", {}, f.factories());
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(f.seen_base, dir.path());
  EXPECT_EQ(f.seen_entry["dir"], "x");
}

TEST(Registry, ConfigFileErrorsNameTheFile) {
  TempDir dir;
  dir.write("bad.json", "{\"tools\": [");
  auto bad = Registry::load(dir / "bad.json");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::invalid_argument);
  EXPECT_NE(bad.error().message.find("bad.json: not valid JSON"), std::string::npos);
  auto missing = Registry::load(dir / "missing.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::not_found);
  EXPECT_NE(missing.error().message.find("missing.json: cannot open"), std::string::npos);
}

TEST(Registry, StoreOptionReplacesEveryMemoryStore) {
  TempDir dir;
  RegistryOptions options;
  options.store_dir = dir / "override";
  auto r = Registry::from_json({{"tools", {{{"type", "memory"}, {"store", "ignored"}}}}},
                               dir.path(), options);
  ASSERT_TRUE(r) << r.error().message;
  auto put = r->call("memory", R"({"op": "put", "key": "k", "value": 1})", {});
  ASSERT_TRUE(put);
  EXPECT_FALSE(put->is_error) << put->joined_text();
  EXPECT_TRUE(std::filesystem::exists(dir / "override/CURRENT"));
  EXPECT_FALSE(std::filesystem::exists(dir / "ignored"));
}

TEST(Registry, OnlyTypesMakesTheToolsOfThoseEntriesAlone) {
  RegistryOptions options;
  options.only_types = {"lua"};
  auto r =
      Registry::load(std::filesystem::path(RECUR_SOURCE_DIR) / "configs" / "tools.json", options);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_NE(r->find("bigint"), nullptr);
  EXPECT_EQ(r->find("memory"), nullptr);
  EXPECT_EQ(r->find("code"), nullptr);
}

TEST(Registry, ToolsWithAnInvalidSchemaAreRefused) {
  class Bad final : public Tool {
   public:
    Bad() { d_ = {"bad", "", {{"type", "object"}, {"properties", {{"x", {{"type", "str"}}}}}}}; }
    const ToolDescription& description() const override { return d_; }
    ToolResult call(const Json&, const CallContext&) override { return ToolResult::text(""); }
    ToolDescription d_;
  };
  Registry r;
  Status s = r.add(std::make_unique<Bad>());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "bad.inputSchema.properties.x: schema keyword 'type' names unknown type 'str'");
}

TEST(Registry, DefaultConfigurationListsMemoryLuaAndCode) {
  auto path = default_config_path();
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  Json config = Json::parse(in);
  std::vector<std::string> types;
  for (const auto& entry : config["tools"]) types.push_back(entry["type"]);
  EXPECT_EQ(types, (std::vector<std::string>{"memory", "lua", "code"}));
  EXPECT_EQ(config["tools"][1]["dir"], "tools/lua/tools");
}

}  // namespace
}  // namespace recur::tools
