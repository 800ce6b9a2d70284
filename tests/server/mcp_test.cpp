// The MCP server without a transport: every method, every JSON-RPC error code, tools/list pages,
// sessions' scopes kept apart, and requests before initialize.
#include "server/mcp.hpp"

#include <gtest/gtest.h>

#include <ostream>

#include "server/mcp_test_tools.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

using testing::EchoTool;
using testing::initialize_request;
using testing::request;

struct Fixture {
  recur::testing::TempDir dir;
  EchoTool* echo = nullptr;
  tools::Registry registry;
  McpServer server;
  McpSession session{"s1", ""};

  explicit Fixture(McpServerOptions options = {}, int extra_tools = 0)
      : registry(testing::test_registry(dir / "memory", extra_tools, &echo)),
        server(registry, options) {}

  // Handles a request that must be answered.
  Json answer(const Json& message, McpSession& s) {
    auto response = server.handle(message, s);
    EXPECT_TRUE(response.has_value()) << message.dump();
    return response.value_or(Json());
  }
  Json answer(const Json& message) { return answer(message, session); }

  void initialize(McpSession& s) {
    ASSERT_TRUE(answer(initialize_request(), s).contains("result"));
  }
  void initialize() { initialize(session); }
};

int error_code(const Json& response) {
  return response.at("error").at("code").get<int>();
}
std::string error_message(const Json& response) {
  return response.at("error").at("message").get<std::string>();
}

TEST(McpInitialize, AnswersTheLatestRevisionWithTheServersInfoAndCapabilities) {
  Fixture f;
  Json response = f.answer(initialize_request("2025-11-25"));
  EXPECT_EQ(response["jsonrpc"], "2.0");
  EXPECT_EQ(response["id"], 0);
  EXPECT_EQ(response["result"]["protocolVersion"], "2025-11-25");
  EXPECT_EQ(response["result"]["capabilities"],
            Json::parse(R"({"tools": {"listChanged": false}})"));
  EXPECT_EQ(response["result"]["serverInfo"],
            Json({{"name", "recur"}, {"version", RECUR_VERSION}}));
  EXPECT_EQ(f.session.protocol_version, "2025-11-25");
}

class McpOlderRevision : public ::testing::TestWithParam<std::string> {};

TEST_P(McpOlderRevision, IsAnsweredWithTheRevisionAsked) {
  Fixture f;
  Json response = f.answer(initialize_request(GetParam()));
  EXPECT_EQ(response["result"]["protocolVersion"], GetParam());
  EXPECT_EQ(f.session.protocol_version, GetParam());
}

INSTANTIATE_TEST_SUITE_P(Supported, McpOlderRevision,
                         ::testing::Values("2025-06-18", "2025-03-26"));

class McpUnknownRevision : public ::testing::TestWithParam<std::string> {};

TEST_P(McpUnknownRevision, IsAnsweredWithTheLatest) {
  Fixture f;
  EXPECT_EQ(f.answer(initialize_request(GetParam()))["result"]["protocolVersion"], "2025-11-25");
}

INSTANTIATE_TEST_SUITE_P(Unsupported, McpUnknownRevision,
                         ::testing::Values("2024-11-05", "2026-07-28", "1.0", ""));

TEST(McpInitialize, WithoutAProtocolVersionIsInvalidParamsAndLeavesTheSessionUninitialized) {
  Fixture f;
  Json response = f.answer(request(1, "initialize", {{"capabilities", Json::object()}}));
  EXPECT_EQ(error_code(response), -32602);
  EXPECT_EQ(response["id"], 1);
  EXPECT_FALSE(f.session.initialized());
  EXPECT_EQ(error_code(f.answer(request(2, "initialize"))), -32602);
  EXPECT_EQ(error_code(f.answer(request(3, "initialize", {{"protocolVersion", 20251125}}))),
            -32602);
}

TEST(McpInitialize, ASecondInitializeIsAnInvalidRequest) {
  Fixture f;
  f.initialize();
  Json response = f.answer(initialize_request("2025-06-18"));
  EXPECT_EQ(error_code(response), -32600);
  EXPECT_NE(error_message(response).find("already initialized"), std::string::npos);
  EXPECT_EQ(f.session.protocol_version, "2025-11-25");
}

TEST(McpLifecycle, RequestsBeforeInitializeAreRefusedButPingIsAnswered) {
  Fixture f;
  for (const char* method : {"tools/list", "tools/call"}) {
    Json response = f.answer(request("r", method, {{"name", "echo"}}));
    EXPECT_EQ(error_code(response), -32600) << method;
    EXPECT_EQ(response["id"], "r");
    EXPECT_NE(error_message(response).find("initialize"), std::string::npos);
  }
  EXPECT_EQ(f.echo->last_deadline, std::chrono::steady_clock::time_point());
  EXPECT_EQ(f.answer(request(5, "ping")), Json::parse(R"({"jsonrpc":"2.0","id":5,"result":{}})"));
}

TEST(McpLifecycle, NotificationsAndResponsesAreNeverAnswered) {
  Fixture f;
  const Json initialized = {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}};
  EXPECT_FALSE(f.server.handle(initialized, f.session).has_value());
  f.initialize();
  EXPECT_FALSE(f.server.handle(initialized, f.session).has_value());
  const Json cancelled = {
      {"jsonrpc", "2.0"}, {"method", "notifications/cancelled"}, {"params", {{"requestId", 3}}}};
  EXPECT_FALSE(f.server.handle(cancelled, f.session).has_value());
  const Json unknown = {{"jsonrpc", "2.0"}, {"method", "notifications/whatever"}};
  EXPECT_FALSE(f.server.handle(unknown, f.session).has_value());
  const Json response = {{"jsonrpc", "2.0"}, {"id", 9}, {"result", Json::object()}};
  EXPECT_FALSE(f.server.handle(response, f.session).has_value());
}

TEST(McpLifecycle, PingIsAnsweredWithAnEmptyResult) {
  Fixture f;
  f.initialize();
  EXPECT_EQ(f.answer(request("p", "ping")),
            Json::parse(R"({"jsonrpc":"2.0","id":"p","result":{}})"));
}

TEST(McpErrors, TextThatIsNotJsonIsAParseErrorWithoutAnId) {
  Fixture f;
  for (const char* text : {"{\"jsonrpc\": \"2.0\", \"id\": 1,", "not json", ""}) {
    auto response = f.server.handle_text(text, f.session);
    ASSERT_TRUE(response.has_value()) << text;
    EXPECT_EQ(error_code(*response), -32700) << text;
    EXPECT_TRUE((*response)["id"].is_null());
  }
  auto ping = f.server.handle_text(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", f.session);
  ASSERT_TRUE(ping.has_value());
  EXPECT_EQ((*ping)["result"], Json::object());
}

struct InvalidCase {
  const char* message;
  Json id;  // the id the error answers
};

std::ostream& operator<<(std::ostream& out, const InvalidCase& c) {
  return out << c.message;
}

class McpInvalidRequest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(McpInvalidRequest, IsAnsweredWithInvalidRequest) {
  Fixture f;
  f.initialize();
  Json response = f.answer(Json::parse(GetParam().message));
  EXPECT_EQ(error_code(response), -32600) << GetParam().message;
  EXPECT_EQ(response["id"], GetParam().id) << GetParam().message;
  EXPECT_EQ(response["jsonrpc"], "2.0");
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, McpInvalidRequest,
    ::testing::Values(InvalidCase{R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", nullptr},
                      InvalidCase{R"(42)", nullptr}, InvalidCase{R"("ping")", nullptr},
                      InvalidCase{R"({"id":1,"method":"ping"})", 1},
                      InvalidCase{R"({"jsonrpc":"1.0","id":"a","method":"ping"})", "a"},
                      InvalidCase{R"({"jsonrpc":"2.0","id":2,"method":7})", 2},
                      InvalidCase{R"({"jsonrpc":"2.0","id":null,"method":"ping"})", nullptr},
                      InvalidCase{R"({"jsonrpc":"2.0","id":true,"method":"ping"})", nullptr},
                      InvalidCase{R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", nullptr},
                      InvalidCase{R"({"jsonrpc":"2.0","id":{"a":1},"method":"ping"})", nullptr},
                      InvalidCase{R"({"jsonrpc":"2.0","id":3})", 3}));

TEST(McpErrors, AnUnknownMethodIsMethodNotFoundNamingIt) {
  Fixture f;
  f.initialize();
  Json response = f.answer(request(4, "resources/list"));
  EXPECT_EQ(error_code(response), -32601);
  EXPECT_EQ(response["id"], 4);
  EXPECT_NE(error_message(response).find("'resources/list'"), std::string::npos);
  EXPECT_EQ(error_code(f.answer(request(5, "Tools/List"))), -32601);
}

TEST(McpErrors, ParamsThatAreNotAnObjectAreInvalidParams) {
  Fixture f;
  f.initialize();
  for (const char* method : {"ping", "tools/list", "tools/call"}) {
    Json m = request(6, method);
    m["params"] = Json::array({1, 2});
    EXPECT_EQ(error_code(f.answer(m)), -32602) << method;
  }
}

TEST(McpToolsList, DescribesEveryToolInMcpsShape) {
  Fixture f;
  f.initialize();
  Json result = f.answer(request(1, "tools/list"))["result"];
  EXPECT_FALSE(result.contains("nextCursor"));
  const auto tools = f.registry.list();
  ASSERT_EQ(result["tools"].size(), tools.size());
  for (std::size_t i = 0; i < tools.size(); ++i) {
    EXPECT_EQ(result["tools"][i], tools[i].to_json());
    EXPECT_EQ(result["tools"][i]["inputSchema"]["type"], "object");
  }
  EXPECT_EQ(result["tools"][0]["name"], "echo");
  EXPECT_EQ(result["tools"][0]["description"], "Echoes its text and the caller's scope");
  EXPECT_EQ(result["tools"][2]["name"], "memory");
}

class McpPages : public ::testing::TestWithParam<std::size_t> {};

TEST_P(McpPages, CoverEveryToolOnceInOrderWithACursorToEachNextPage) {
  const std::size_t page_size = GetParam();
  Fixture f(McpServerOptions{page_size}, 4);  // 7 tools
  f.initialize();
  std::vector<std::string> names;
  Json params = Json::object();
  std::size_t pages = 0;
  for (;;) {
    Json result = f.answer(request(pages, "tools/list", params))["result"];
    ++pages;
    ASSERT_LE(result["tools"].size(), page_size);
    for (const auto& tool : result["tools"]) names.push_back(tool["name"]);
    if (!result.contains("nextCursor")) break;
    ASSERT_TRUE(result["nextCursor"].is_string());
    EXPECT_EQ(result["tools"].size(), page_size);
    params = {{"cursor", result["nextCursor"]}};
    ASSERT_LE(pages, 7u);
  }
  std::vector<std::string> expected;
  for (const auto& d : f.registry.list()) expected.push_back(d.name);
  EXPECT_EQ(names, expected);
  EXPECT_EQ(pages, (7 + page_size - 1) / page_size);
}

INSTANTIATE_TEST_SUITE_P(Sizes, McpPages, ::testing::Values(1, 2, 3, 6, 7, 100));

TEST(McpToolsList, ACursorThatIsNotOursIsInvalidParams) {
  Fixture f(McpServerOptions{2});
  f.initialize();
  for (const Json& cursor : {Json("x"), Json("0"), Json("3"), Json("99"), Json(""), Json(" 1"),
                             Json("1x"), Json(1), Json(nullptr)}) {
    Json response = f.answer(request(1, "tools/list", {{"cursor", cursor}}));
    EXPECT_EQ(error_code(response), -32602) << cursor.dump();
    EXPECT_NE(error_message(response).find("cursor"), std::string::npos);
  }
  Json page = f.answer(request(2, "tools/list", {{"cursor", "2"}}))["result"];
  ASSERT_EQ(page["tools"].size(), 1u);
  EXPECT_EQ(page["tools"][0]["name"], "memory");
}

TEST(McpToolsCall, AnswersWithTheToolsResult) {
  Fixture f;
  f.initialize();
  Json response =
      f.answer(request("c1", "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hello"}}}}));
  EXPECT_EQ(response["id"], "c1");
  const Json said = {{"said", "hello"}, {"scope", "mcp/s1"}};
  EXPECT_EQ(response["result"], tools::ToolResult::json(said).to_json());
  EXPECT_EQ(response["result"]["isError"], false);
  EXPECT_EQ(response["result"]["structuredContent"], said);
  EXPECT_EQ(response["result"]["content"][0]["type"], "text");
  EXPECT_EQ(Json::parse(response["result"]["content"][0]["text"].get<std::string>()), said);
}

TEST(McpToolsCall, HasADeadlineOfTheCallTimeoutFromItsStart) {
  using namespace std::chrono;
  Fixture f(McpServerOptions{100, milliseconds(5000)});
  f.initialize();
  const auto before = steady_clock::now();
  f.answer(request(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "t"}}}}));
  const auto after = steady_clock::now();
  EXPECT_GE(f.echo->last_deadline, before + milliseconds(5000));
  EXPECT_LE(f.echo->last_deadline, after + milliseconds(5000));
}

TEST(McpToolsCall, AnUnknownToolIsInvalidParamsNamingIt) {
  Fixture f;
  f.initialize();
  Json response = f.answer(request(7, "tools/call", {{"name", "nope"}, {"arguments", {}}}));
  EXPECT_EQ(error_code(response), -32602);
  EXPECT_EQ(response["id"], 7);
  EXPECT_NE(error_message(response).find("'nope'"), std::string::npos);
  EXPECT_FALSE(response.contains("result"));
}

TEST(McpToolsCall, MalformedParamsAreInvalidParams) {
  Fixture f;
  f.initialize();
  for (const Json& params :
       {Json::object(), Json({{"name", 3}}), Json({{"arguments", {{"text", "x"}}}}),
        Json({{"name", "echo"}, {"arguments", "text=x"}}),
        Json({{"name", "echo"}, {"arguments", Json::array({"x"})}})}) {
    Json response = f.answer(request(8, "tools/call", params));
    EXPECT_EQ(error_code(response), -32602) << params.dump();
  }
  EXPECT_EQ(error_code(f.answer(request(9, "tools/call"))), -32602);
}

TEST(McpToolsCall, ArgumentsAgainstTheSchemaAreAToolErrorResult) {
  Fixture f;
  f.initialize();
  for (const Json& arguments :
       {Json::object(), Json({{"text", 5}}), Json({{"text", "x"}, {"other", 1}})}) {
    Json response =
        f.answer(request(10, "tools/call", {{"name", "echo"}, {"arguments", arguments}}));
    ASSERT_TRUE(response.contains("result")) << arguments.dump();
    EXPECT_EQ(response["result"]["isError"], true);
    EXPECT_FALSE(response["result"]["content"][0]["text"].get<std::string>().empty());
  }
}

TEST(McpToolsCall, AToolsOwnFailureIsAResultWithIsError) {
  Fixture f;
  f.initialize();
  Json response = f.answer(request(11, "tools/call", {{"name", "broken"}}));
  EXPECT_EQ(response["result"], tools::ToolResult::error("broken: out of order").to_json());
  EXPECT_EQ(f.answer(request(12, "tools/call",
                             {{"name", "broken"}, {"arguments", nullptr}}))["result"]["isError"],
            true);
}

TEST(McpScopes, EachSessionCallsToolsInItsOwnScope) {
  Fixture f;
  McpSession a{"aaaa", ""}, b{"bbbb", ""};
  f.initialize(a);
  f.initialize(b);
  auto echo = [&](McpSession& s) {
    return f.answer(request(1, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "x"}}}}),
                    s)["result"]["structuredContent"]["scope"];
  };
  EXPECT_EQ(echo(a), "mcp/aaaa");
  EXPECT_EQ(echo(b), "mcp/bbbb");
}

TEST(McpScopes, TheMemoryToolKeepsSessionsApart) {
  Fixture f;
  McpSession a{"a", ""}, b{"b", ""};
  f.initialize(a);
  f.initialize(b);
  auto memory = [&](McpSession& s, const Json& arguments) {
    Json r = f.answer(request(1, "tools/call", {{"name", "memory"}, {"arguments", arguments}}), s);
    EXPECT_EQ(r["result"]["isError"], false) << r.dump();
    return r["result"]["structuredContent"];
  };
  memory(a, {{"op", "put"}, {"key", "k"}, {"value", {{"n", 1}}}});
  memory(b, {{"op", "put"}, {"key", "k"}, {"value", "b's"}});
  EXPECT_EQ(memory(a, {{"op", "get"}, {"key", "k"}})["value"], Json({{"n", 1}}));
  EXPECT_EQ(memory(b, {{"op", "get"}, {"key", "k"}})["value"], "b's");
  memory(a, {{"op", "put"}, {"key", "only-a"}, {"value", 2}});
  EXPECT_EQ(memory(b, {{"op", "get"}, {"key", "only-a"}})["found"], false);
  EXPECT_EQ(memory(a, {{"op", "get"}, {"key", "only-a"}})["found"], true);
}

TEST(McpVersions, AreTheThreeRevisionsNewestFirst) {
  std::vector<std::string> versions(mcp_versions().begin(), mcp_versions().end());
  EXPECT_EQ(versions, (std::vector<std::string>{"2025-11-25", "2025-06-18", "2025-03-26"}));
  EXPECT_EQ(versions.front(), kMcpLatestVersion);
  EXPECT_TRUE(mcp_version_supported("2025-06-18"));
  EXPECT_FALSE(mcp_version_supported("2024-11-05"));
}

}  // namespace
}  // namespace recur::server
