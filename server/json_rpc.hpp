// JSON-RPC 2.0, the envelope of every MCP message: what kind of message a JSON value is, and the
// result and error responses. MCP narrows JSON-RPC: ids are strings or integers (never null),
// params are objects, and batches are not allowed.
#pragma once

#include <string>
#include <string_view>

#include "base/json.hpp"

namespace recur::server {

// The error codes JSON-RPC defines.
enum class JsonRpcCode : int {
  parse_error = -32700,       // the text is not JSON
  invalid_request = -32600,   // JSON, but not a valid request (or not allowed now)
  method_not_found = -32601,  // no such method
  invalid_params = -32602,    // the method's params are wrong (an unknown tool among them)
  internal_error = -32603,    // the server failed
  server_error = -32000,      // the transport refused the message (session, headers)
};

// What a received JSON value is.
enum class JsonRpcKind {
  request,       // method and id: must be answered
  notification,  // method without id: never answered
  response,      // result or error with an id: a reply to a request of ours
  invalid,       // anything else; answered with invalid_request
};

struct JsonRpcMessage {
  JsonRpcKind kind = JsonRpcKind::invalid;
  Json id;              // the request's id; null when absent or unreadable
  std::string method;   // requests and notifications
  Json params;          // null when absent
  std::string problem;  // why the message is invalid
};

// Classifies one received JSON value. Invalid: not an object (a batch included), "jsonrpc" other
// than "2.0", a method that is not a string, an id that is neither string nor integer. The id of
// an invalid message is kept when it is readable, so the error can answer it.
JsonRpcMessage classify_json_rpc(const Json& message);

// {"jsonrpc": "2.0", "id": id, "result": result}
Json json_rpc_result(const Json& id, Json result);
// {"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}}
Json json_rpc_error(const Json& id, JsonRpcCode code, std::string message);

// The compact text of a message, on one line (JSON escapes the newlines inside strings), with
// invalid UTF-8 replaced: what stdio and HTTP send.
std::string json_rpc_text(const Json& message);

}  // namespace recur::server
