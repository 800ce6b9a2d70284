// MCP's Streamable HTTP transport (revision 2025-11-25) around an McpServer, free of any HTTP
// library: the HTTP server hands it the method, the few headers it reads and the body of a request
// to the MCP endpoint (POST /mcp), and sends back the status, headers and body it returns.
//
//   POST    one JSON-RPC message. A request is answered with 200 and one JSON object
//           (application/json; this endpoint never opens an event stream); a notification or a
//           response with 202 and no body. initialize without a session id starts a session: the
//           answer carries its id in Mcp-Session-Id, and every later message must carry it.
//   DELETE  ends the session named by Mcp-Session-Id: 204.
//   other   405 (no server-sent event stream is offered on GET); the Allow header lists the
//           methods.
// Refusals: 400 for a body that is not JSON (-32700) or not a JSON-RPC message (-32600), a
// missing Mcp-Session-Id, or an MCP-Protocol-Version this server does not speak; 404 for a session
// id that is unknown or ended; 406 when Accept does not list both application/json and
// text/event-stream; 415 when Content-Type is not application/json. Their bodies are JSON-RPC
// errors without an id.
//
// Sessions live in memory, at most McpHttpOptions::max_sessions of them: starting one more ends
// the one used least recently, whose client gets 404 and initializes again, as MCP prescribes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/mcp.hpp"

namespace recur::server {

// What the endpoint reads of an HTTP request; a header that is absent is empty.
struct McpHttpRequest {
  std::string method;            // "POST", "DELETE", "GET", ...
  std::string accept;            // Accept
  std::string content_type;      // Content-Type
  std::string session_id;        // Mcp-Session-Id
  std::string protocol_version;  // MCP-Protocol-Version
  std::string body;
};

struct McpHttpResponse {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;  // name, value
  std::string body;

  // The value of header `name` (compared without case); empty when absent.
  std::string header(std::string_view name) const;
};

struct McpHttpOptions {
  std::size_t max_sessions = 1024;  // at least 1
};

class McpHttpEndpoint {
 public:
  // `server` must outlive the endpoint.
  explicit McpHttpEndpoint(const McpServer& server, McpHttpOptions options = {});

  // Answers one request to the MCP endpoint. Safe to call from several threads at once; a tool
  // call holds no lock while it runs.
  McpHttpResponse handle(const McpHttpRequest& request);
  // The sessions open now.
  std::size_t session_count() const;

 private:
  struct Entry {
    McpSession session;
    std::uint64_t last_used = 0;
  };

  McpHttpResponse post(const McpHttpRequest& request);
  McpHttpResponse start_session(const Json& message);
  McpHttpResponse end_session(const McpHttpRequest& request);
  // The session named by `id`, copied, marked as used now; nullopt when unknown.
  std::optional<McpSession> use_session(const std::string& id);

  const McpServer& server_;
  McpHttpOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Entry, std::less<>> sessions_;
  std::uint64_t uses_ = 0;
};

}  // namespace recur::server
