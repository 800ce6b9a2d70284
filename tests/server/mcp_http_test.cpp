// MCP's Streamable HTTP transport without an HTTP library: statuses, headers and bodies for every
// case the specification names, and the sessions it starts, checks and ends.
#include "server/mcp_http.hpp"

#include <gtest/gtest.h>

#include <ostream>
#include <regex>
#include <set>

#include "server/mcp_test_tools.hpp"
#include "support/temp_dir.hpp"

namespace recur::server {
namespace {

using testing::initialize_request;
using testing::request;

constexpr const char* kAccept = "application/json, text/event-stream";

McpHttpRequest post(const Json& message, const std::string& session = "") {
  McpHttpRequest r;
  r.method = "POST";
  r.accept = kAccept;
  r.content_type = "application/json";
  r.session_id = session;
  r.protocol_version = session.empty() ? "" : "2025-11-25";
  r.body = message.dump();
  return r;
}

McpHttpRequest delete_request(const std::string& session) {
  McpHttpRequest r;
  r.method = "DELETE";
  r.session_id = session;
  return r;
}

struct Fixture {
  recur::testing::TempDir dir;
  tools::Registry registry;
  McpServer server;
  McpHttpEndpoint endpoint;

  explicit Fixture(McpHttpOptions options = {})
      : registry(testing::test_registry(dir / "memory")),
        server(registry),
        endpoint(server, options) {}

  // Initializes a session and returns its id.
  std::string start() {
    McpHttpResponse r = endpoint.handle(post(initialize_request()));
    EXPECT_EQ(r.status, 200) << r.body;
    return r.header("Mcp-Session-Id");
  }
};

Json body(const McpHttpResponse& r) {
  return Json::parse(r.body);
}

// A refusal of the transport: status, JSON body with an error and no id.
void expect_refusal(const McpHttpResponse& r, int status, int code) {
  EXPECT_EQ(r.status, status) << r.body;
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  Json b = Json::parse(r.body, nullptr, false);
  ASSERT_TRUE(b.is_object()) << r.body;
  EXPECT_EQ(b["jsonrpc"], "2.0");
  EXPECT_TRUE(b["id"].is_null());
  EXPECT_EQ(b["error"]["code"], code);
  EXPECT_FALSE(b["error"]["message"].get<std::string>().empty());
}

TEST(McpHttp, InitializeStartsASessionWithARandomIdInTheHeader) {
  Fixture f;
  McpHttpResponse r = f.endpoint.handle(post(initialize_request()));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("content-type"), "application/json");
  const std::string id = r.header("Mcp-Session-Id");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{32}"))) << id;
  EXPECT_EQ(body(r)["result"]["protocolVersion"], "2025-11-25");
  EXPECT_EQ(body(r)["id"], 0);
  EXPECT_EQ(f.endpoint.session_count(), 1u);

  std::set<std::string> ids{id};
  for (int i = 0; i < 20; ++i) ids.insert(f.start());
  EXPECT_EQ(ids.size(), 21u);
}

TEST(McpHttp, RequestsOfASessionAreAnsweredWithOneJsonObject) {
  Fixture f;
  const std::string id = f.start();
  McpHttpResponse list = f.endpoint.handle(post(request(1, "tools/list"), id));
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.header("Content-Type"), "application/json");
  EXPECT_EQ(body(list)["result"]["tools"].size(), f.registry.list().size());
  EXPECT_EQ(list.header("Mcp-Session-Id"), "");

  McpHttpResponse call = f.endpoint.handle(
      post(request(2, "tools/call", {{"name", "echo"}, {"arguments", {{"text", "hi"}}}}), id));
  EXPECT_EQ(call.status, 200);
  EXPECT_EQ(body(call)["result"]["structuredContent"],
            Json({{"said", "hi"}, {"scope", "mcp/" + id}}));
}

TEST(McpHttp, JsonRpcErrorsOfRequestsAreAnsweredWith200) {
  Fixture f;
  const std::string id = f.start();
  McpHttpResponse r = f.endpoint.handle(post(request(3, "nope/nope"), id));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r)["error"]["code"], -32601);
  EXPECT_EQ(body(r)["id"], 3);
  McpHttpResponse again = f.endpoint.handle(post(initialize_request(), id));
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(body(again)["error"]["code"], -32600);
}

TEST(McpHttp, NotificationsAndResponsesAreAcceptedWith202AndNoBody) {
  Fixture f;
  const std::string id = f.start();
  for (const Json& m : {Json({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}),
                        Json({{"jsonrpc", "2.0"}, {"id", 5}, {"result", Json::object()}})}) {
    McpHttpResponse r = f.endpoint.handle(post(m, id));
    EXPECT_EQ(r.status, 202) << m.dump();
    EXPECT_EQ(r.body, "");
  }
}

TEST(McpHttp, AnythingButInitializeNeedsTheSessionHeader) {
  Fixture f;
  f.start();
  expect_refusal(f.endpoint.handle(post(request(1, "tools/list"))), 400, -32000);
  expect_refusal(
      f.endpoint.handle(post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}})), 400,
      -32000);
  expect_refusal(f.endpoint.handle(post(request(1, "ping"))), 400, -32000);
}

TEST(McpHttp, AnUnknownSessionIsNotFound) {
  Fixture f;
  f.start();
  expect_refusal(
      f.endpoint.handle(post(request(1, "tools/list"), "0123456789abcdef0123456789abcdef")), 404,
      -32000);
}

TEST(McpHttp, AFailedInitializeStartsNoSession) {
  Fixture f;
  McpHttpResponse r = f.endpoint.handle(post(request(1, "initialize", {{"capabilities", {}}})));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(body(r)["error"]["code"], -32602);
  EXPECT_EQ(r.header("Mcp-Session-Id"), "");
  EXPECT_EQ(f.endpoint.session_count(), 0u);
}

TEST(McpHttp, DeleteEndsTheSession) {
  Fixture f;
  const std::string id = f.start();
  const std::string other = f.start();
  McpHttpResponse r = f.endpoint.handle(delete_request(id));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.body, "");
  EXPECT_EQ(f.endpoint.session_count(), 1u);
  expect_refusal(f.endpoint.handle(post(request(1, "ping"), id)), 404, -32000);
  expect_refusal(f.endpoint.handle(delete_request(id)), 404, -32000);
  expect_refusal(f.endpoint.handle(delete_request("")), 400, -32000);
  EXPECT_EQ(f.endpoint.handle(post(request(1, "ping"), other)).status, 200);
}

class McpHttpOtherMethod : public ::testing::TestWithParam<std::string> {};

TEST_P(McpHttpOtherMethod, IsNotAllowed) {
  Fixture f;
  const std::string id = f.start();
  McpHttpRequest r = post(request(1, "ping"), id);
  r.method = GetParam();
  McpHttpResponse response = f.endpoint.handle(r);
  expect_refusal(response, 405, -32000);
  EXPECT_EQ(response.header("Allow"), "POST, DELETE");
}

INSTANTIATE_TEST_SUITE_P(Methods, McpHttpOtherMethod,
                         ::testing::Values("GET", "PUT", "PATCH", "HEAD", "post"));

struct AcceptCase {
  const char* accept;
  bool accepted;
};

std::ostream& operator<<(std::ostream& out, const AcceptCase& c) {
  return out << "Accept: " << c.accept;
}

class McpHttpAccept : public ::testing::TestWithParam<AcceptCase> {};

TEST_P(McpHttpAccept, MustListJsonAndEventStreams) {
  Fixture f;
  McpHttpRequest r = post(initialize_request());
  r.accept = GetParam().accept;
  McpHttpResponse response = f.endpoint.handle(r);
  if (GetParam().accepted) {
    EXPECT_EQ(response.status, 200) << r.accept;
  } else {
    expect_refusal(response, 406, -32000);
    EXPECT_EQ(f.endpoint.session_count(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Headers, McpHttpAccept,
    ::testing::Values(AcceptCase{"application/json, text/event-stream", true},
                      AcceptCase{"text/event-stream,application/json", true},
                      AcceptCase{"Application/JSON;q=0.9 , text/event-stream;q=0.5", true},
                      AcceptCase{"*/*", true}, AcceptCase{"application/*, text/*", true},
                      AcceptCase{"application/json", false}, AcceptCase{"text/event-stream", false},
                      AcceptCase{"", false}, AcceptCase{"text/html, application/xml", false},
                      AcceptCase{"application/jsonx, text/event-stream", false}));

struct ContentTypeCase {
  const char* content_type;
  bool accepted;
};

std::ostream& operator<<(std::ostream& out, const ContentTypeCase& c) {
  return out << "Content-Type: " << c.content_type;
}

class McpHttpContentType : public ::testing::TestWithParam<ContentTypeCase> {};

TEST_P(McpHttpContentType, MustBeJson) {
  Fixture f;
  McpHttpRequest r = post(initialize_request());
  r.content_type = GetParam().content_type;
  McpHttpResponse response = f.endpoint.handle(r);
  if (GetParam().accepted)
    EXPECT_EQ(response.status, 200) << r.content_type;
  else
    expect_refusal(response, 415, -32000);
}

INSTANTIATE_TEST_SUITE_P(
    Headers, McpHttpContentType,
    ::testing::Values(ContentTypeCase{"application/json", true},
                      ContentTypeCase{"application/json; charset=utf-8", true},
                      ContentTypeCase{"APPLICATION/JSON", true},
                      ContentTypeCase{"text/plain", false}, ContentTypeCase{"", false},
                      ContentTypeCase{"application/x-www-form-urlencoded", false}));

TEST(McpHttp, ABodyThatIsNotJsonIsAParseError) {
  Fixture f;
  McpHttpRequest r = post(initialize_request());
  r.body = "{\"jsonrpc\": ";
  expect_refusal(f.endpoint.handle(r), 400, -32700);
}

TEST(McpHttp, ABodyThatIsNotOneMessageIsAnInvalidRequest) {
  Fixture f;
  const std::string id = f.start();
  for (const char* text :
       {R"([{"jsonrpc":"2.0","id":1,"method":"ping"}])", R"(17)", R"({"jsonrpc":"2.0","id":1})"}) {
    McpHttpRequest r = post(nullptr, id);
    r.body = text;
    McpHttpResponse response = f.endpoint.handle(r);
    EXPECT_EQ(response.status, 400) << text;
    EXPECT_EQ(body(response)["error"]["code"], -32600) << text;
  }
}

TEST(McpHttp, AnUnsupportedProtocolVersionHeaderIsABadRequest) {
  Fixture f;
  const std::string id = f.start();
  McpHttpRequest r = post(request(1, "ping"), id);
  r.protocol_version = "1999-01-01";
  expect_refusal(f.endpoint.handle(r), 400, -32000);
  r.protocol_version = "2025-06-18";
  EXPECT_EQ(f.endpoint.handle(r).status, 200);
  r.protocol_version = "";  // absent: 2025-03-26 assumed
  EXPECT_EQ(f.endpoint.handle(r).status, 200);
  McpHttpRequest d = delete_request(id);
  d.protocol_version = "0.1";
  expect_refusal(f.endpoint.handle(d), 400, -32000);
  EXPECT_EQ(f.endpoint.session_count(), 1u);
}

TEST(McpHttp, StartingASessionBeyondTheLimitEndsTheLeastRecentlyUsed) {
  Fixture f(McpHttpOptions{2});
  const std::string a = f.start();
  const std::string b = f.start();
  EXPECT_EQ(f.endpoint.handle(post(request(1, "ping"), a)).status, 200);  // b is now the oldest
  const std::string c = f.start();
  EXPECT_EQ(f.endpoint.session_count(), 2u);
  EXPECT_EQ(f.endpoint.handle(post(request(1, "ping"), b)).status, 404);
  EXPECT_EQ(f.endpoint.handle(post(request(1, "ping"), a)).status, 200);
  EXPECT_EQ(f.endpoint.handle(post(request(1, "ping"), c)).status, 200);
}

TEST(McpHttp, SessionsKeepTheirMemoriesApart) {
  Fixture f;
  const std::string a = f.start(), b = f.start();
  auto memory = [&](const std::string& session, const Json& arguments) {
    McpHttpResponse r = f.endpoint.handle(
        post(request(1, "tools/call", {{"name", "memory"}, {"arguments", arguments}}), session));
    EXPECT_EQ(r.status, 200);
    return body(r)["result"]["structuredContent"];
  };
  memory(a, {{"op", "put"}, {"key", "k"}, {"value", "from a"}});
  EXPECT_EQ(memory(b, {{"op", "get"}, {"key", "k"}})["found"], false);
  EXPECT_EQ(memory(a, {{"op", "get"}, {"key", "k"}})["value"], "from a");
}

}  // namespace
}  // namespace recur::server
