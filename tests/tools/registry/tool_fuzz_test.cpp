// Random bytes and random JSON as arguments never crash a tool: every call of every configured tool
// ends in a result or a protocol error. Fixed seeds, so a failure replays.
#include <array>
#include <cmath>
#include <fstream>
#include <limits>
#include <random>

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"
#include "tools/registry/registry.hpp"

namespace recur::tools {
namespace {

using recur::testing::TempDir;

std::string random_bytes(std::mt19937& rng, std::size_t max_size) {
  std::string s(std::uniform_int_distribution<std::size_t>(0, max_size)(rng), '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Mostly short ASCII, sometimes arbitrary bytes (invalid UTF-8 included).
std::string random_string(std::mt19937& rng) {
  if (rng() % 4 == 0) return random_bytes(rng, 12);
  static const std::string alphabet = "abck01 _-\n";
  std::string s(rng() % 8, ' ');
  for (auto& c : s) c = alphabet[rng() % alphabet.size()];
  return s;
}

Json random_number(std::mt19937& rng) {
  switch (rng() % 7) {
    case 0:
      return static_cast<std::int64_t>(rng()) - (1ll << 31);
    case 1:
      return std::numeric_limits<std::int64_t>::min();
    case 2:
      return std::numeric_limits<std::uint64_t>::max();
    case 3:
      return std::ldexp(1.0, static_cast<int>(rng() % 2000) - 1000);
    case 4:
      return std::nan("");
    case 5:
      return -std::numeric_limits<double>::infinity();
    default:
      return static_cast<int>(rng() % 5) - 1;
  }
}

Json random_json(std::mt19937& rng, int depth) {
  switch (rng() % (depth > 0 ? 7 : 5)) {
    case 0:
      return nullptr;
    case 1:
      return rng() % 2 == 0;
    case 2:
      return random_number(rng);
    case 3:
    case 4:
      return random_string(rng);
    case 5: {
      Json a = Json::array();
      for (std::size_t n = rng() % 5; n > 0; --n) a.push_back(random_json(rng, depth - 1));
      return a;
    }
    default: {
      Json o = Json::object();
      for (std::size_t n = rng() % 5; n > 0; --n)
        o[random_string(rng)] = random_json(rng, depth - 1);
      return o;
    }
  }
}

// A value shaped by `schema` most of the time, so that calls get past validation into the tool.
Json guided(const Json& schema, std::mt19937& rng, int depth) {
  if (!schema.is_object() || depth < 0 || rng() % 8 == 0) return random_json(rng, 2);
  if (schema.contains("enum")) return schema["enum"][rng() % schema["enum"].size()];
  std::string type =
      schema.value("type", Json()).is_string() ? schema["type"].get<std::string>() : "";
  if (type == "string") return random_string(rng);
  if (type == "integer") return static_cast<int>(rng() % 40) - 5;
  if (type == "number")
    return rng() % 3 == 0 ? random_number(rng) : Json(std::normal_distribution<double>()(rng));
  if (type == "boolean") return rng() % 2 == 0;
  if (type == "array") {
    Json a = Json::array();
    std::size_t n = rng() % 4 == 0 ? rng() % 40 : 1 + rng() % 4;
    for (; n > 0; --n) a.push_back(guided(schema.value("items", Json::object()), rng, depth - 1));
    return a;
  }
  if (type == "object") {
    Json o = Json::object();
    // Sparse or dense: tools that take few fields per call need calls with few fields.
    const unsigned percent = std::array<unsigned, 3>{5, 20, 50}[rng() % 3];
    for (const auto& name : schema.value("required", Json::array()))
      o[name.get<std::string>()] =
          guided(schema["properties"][name.get<std::string>()], rng, depth - 1);
    if (schema.contains("properties"))
      for (const auto& [name, member] : schema["properties"].items())
        if (rng() % 100 < percent) o[name] = guided(member, rng, depth - 1);
    if (rng() % 10 == 0) o[random_string(rng)] = random_json(rng, 1);
    return o;
  }
  return random_json(rng, 2);
}

// The tools of configs/tools.json, with the memory store in `dir`, one registry per entry so that
// each tool's type is known.
std::vector<std::pair<std::string, Registry>> configured_tools(const TempDir& dir) {
  std::ifstream in(default_config_path());
  Json config = Json::parse(in);
  RegistryOptions options;
  options.store_dir = dir / "store";
  ToolFactories factories = ToolFactories::builtin();
  std::vector<std::pair<std::string, Registry>> out;
  for (const auto& entry : config["tools"]) {
    std::string type = entry["type"];
    auto r = Registry::from_json({{"tools", {entry}}}, RECUR_SOURCE_DIR, options, factories);
    EXPECT_TRUE(r) << type << ": " << (r ? "" : r.error().message);
    if (r) out.emplace_back(type, std::move(*r));
  }
  return out;
}

CallContext context_for(std::mt19937& rng) {
  CallContext c;
  c.scope = "scope" + std::to_string(rng() % 3);
  c.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  return c;
}

TEST(ToolFuzz, RandomBytesAsArgumentTextAreRefusedOrAnswered) {
  TempDir dir;
  std::mt19937 rng(1);
  for (auto& [type, registry] : configured_tools(dir))
    for (const auto& d : registry.list())
      for (int i = 0; i < 300; ++i) {
        std::string bytes = random_bytes(rng, 40);
        if (rng() % 3 == 0) {  // an object's braces around the noise
          bytes.insert(bytes.begin(), '{');
          bytes.push_back('}');
        }
        auto r = registry.call(d.name, bytes, context_for(rng));
        if (r) {
          EXPECT_FALSE(r->content.empty()) << d.name;
        }
      }
}

TEST(ToolFuzz, RandomJsonArgumentsAreRefusedOrAnswered) {
  TempDir dir;
  std::mt19937 rng(2);
  for (auto& [type, registry] : configured_tools(dir))
    for (const auto& d : registry.list())
      for (int i = 0; i < 300; ++i) {
        Json args = random_json(rng, 4);
        auto r = registry.call({"f", d.name, args}, context_for(rng));
        EXPECT_EQ(static_cast<bool>(r), args.is_object())
            << d.name << " " << args.dump(-1, ' ', false, Json::error_handler_t::replace);
      }
}

TEST(ToolFuzz, SchemaShapedArgumentsReachTheToolsAndNeverCrashThem) {
  TempDir dir;
  std::mt19937 rng(3);
  std::size_t reached = 0;
  for (auto& [type, registry] : configured_tools(dir)) {
    if (type == "code") continue;  // random programs belong in the code runner's own tests
    for (const auto& d : registry.list())
      for (int i = 0; i < 1500; ++i) {
        Json args = guided(d.input_schema, rng, 4);
        if (!args.is_object()) continue;  // a protocol error, covered above
        auto r = registry.call({"f", d.name, args}, context_for(rng));
        ASSERT_TRUE(r) << d.name << ": " << r.error().message;
        if (!r->is_error) ++reached;
      }
  }
  EXPECT_GT(reached, 30u);  // the guide gets calls past validation, not only into refusals
}

// The tools' own checks hold even for arguments that were never validated.
TEST(ToolFuzz, MemoryToolSurvivesUnvalidatedArguments) {
  TempDir dir;
  std::mt19937 rng(4);
  for (auto& [type, registry] : configured_tools(dir)) {
    if (type != "memory") continue;
    Tool* tool = registry.find(registry.list()[0].name);
    for (int i = 0; i < 1500; ++i) {
      Json args =
          rng() % 2 ? random_json(rng, 4) : guided(tool->description().input_schema, rng, 4);
      if (rng() % 3 == 0)
        args = {{"op", guided(tool->description().input_schema["properties"]["op"], rng, 1)}};
      ToolResult r = tool->call(args, context_for(rng));
      EXPECT_EQ(r.content.size(), 1u);
    }
  }
}

}  // namespace
}  // namespace recur::tools
