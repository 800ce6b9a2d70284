// The MCP server: recur's configured tools for any Model Context Protocol client. It is free of
// transports: it takes one parsed JSON-RPC message of one client session and returns the response,
// or nothing when the message is a notification or a response. `recur mcp` carries it over stdio
// (cli/mcp_command.cpp), McpHttpEndpoint over Streamable HTTP (server/mcp_http.hpp).
//
// Methods: initialize (protocol revisions 2025-11-25, 2025-06-18 and 2025-03-26; any other request
// is answered with the latest), ping, tools/list (pages of McpServerOptions::page_size tools, the
// cursor an opaque string), tools/call; the notifications are accepted and never answered. A
// request other than initialize and ping before initialize is an invalid request. Protocol errors
// are JSON-RPC errors: an unknown tool or arguments that are not an object are invalid params;
// everything that happens once a tool is reached, a schema violation included, is a result with
// isError set (tools::Registry keeps the two apart).
//
// A tool call runs in the scope "mcp/<session id>", so the memory tool keeps each client's data
// apart, with a deadline of McpServerOptions::call_timeout.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "base/json.hpp"
#include "tools/registry/registry.hpp"

namespace recur::server {

// The newest MCP revision this server speaks.
inline constexpr std::string_view kMcpLatestVersion = "2025-11-25";
// The revisions this server speaks, newest first.
std::span<const std::string_view> mcp_versions();
// Whether `version` is one of them.
bool mcp_version_supported(std::string_view version);

// One client's session, owned by its transport.
struct McpSession {
  std::string id;                // names the session's tool scope
  std::string protocol_version;  // negotiated at initialize; empty before

  bool initialized() const { return !protocol_version.empty(); }
  // "mcp/<id>": the CallContext scope of the session's tool calls.
  std::string scope() const { return "mcp/" + id; }
};

struct McpServerOptions {
  std::size_t page_size = 100;                      // tools per tools/list page; at least 1
  std::chrono::milliseconds call_timeout{120'000};  // each tool call's deadline, from its start
};

class McpServer {
 public:
  // `registry` must outlive the server.
  explicit McpServer(const tools::Registry& registry, McpServerOptions options = {});

  // Handles one message of `session`'s client: the response to a request, nullopt for a
  // notification or a response. initialize records the negotiated revision in `session`; nothing
  // else changes it. Safe to call from several threads at once for different sessions.
  std::optional<Json> handle(const Json& message, McpSession& session) const;
  // The same from the message's text; text that is not JSON is answered with a parse error.
  std::optional<Json> handle_text(std::string_view text, McpSession& session) const;

 private:
  Json initialize(const Json& id, const Json& params, McpSession& session) const;
  Json list_tools(const Json& id, const Json& params) const;
  Json call_tool(const Json& id, const Json& params, const McpSession& session) const;

  const tools::Registry& registry_;
  McpServerOptions options_;
};

}  // namespace recur::server
