#include "server/mcp_http.hpp"

#include <algorithm>
#include <cctype>

#include "base/text.hpp"
#include "server/json_rpc.hpp"
#include "server/session_id.hpp"

namespace recur::server {
namespace {

std::string lowercase(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The media type of one item of a header ("application/json; charset=utf-8" -> "application/json").
std::string media_type(std::string_view item) {
  item = item.substr(0, item.find(';'));
  const auto first = item.find_first_not_of(" \t");
  if (first == std::string_view::npos) return "";
  const auto last = item.find_last_not_of(" \t");
  return lowercase(item.substr(first, last - first + 1));
}

// Whether an Accept header admits `type` ("application/json"), wildcards included.
bool accepts(std::string_view accept, std::string_view type) {
  const std::string family = std::string(type.substr(0, type.find('/'))) + "/*";
  std::size_t start = 0;
  while (start <= accept.size()) {
    std::size_t comma = accept.find(',', start);
    if (comma == std::string_view::npos) comma = accept.size();
    const std::string item = media_type(accept.substr(start, comma - start));
    if (item == type || item == family || item == "*/*") return true;
    start = comma + 1;
  }
  return false;
}

McpHttpResponse json_response(int status, const Json& body) {
  return {status, {{"Content-Type", "application/json"}}, json_rpc_text(body)};
}

// A refusal of the transport: `status` with a JSON-RPC error without an id.
McpHttpResponse refusal(int status, JsonRpcCode code, std::string message) {
  return json_response(status, json_rpc_error(nullptr, code, std::move(message)));
}

McpHttpResponse answer(const std::optional<Json>& response) {
  if (!response) return {202, {}, ""};
  return json_response(200, *response);
}

}  // namespace

std::string McpHttpResponse::header(std::string_view name) const {
  const std::string wanted = lowercase(name);
  for (const auto& [n, value] : headers)
    if (lowercase(n) == wanted) return value;
  return "";
}

McpHttpEndpoint::McpHttpEndpoint(const McpServer& server, McpHttpOptions options)
    : server_(server), options_(options) {
  options_.max_sessions = std::max<std::size_t>(options_.max_sessions, 1);
}

std::size_t McpHttpEndpoint::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_.size();
}

McpHttpResponse McpHttpEndpoint::handle(const McpHttpRequest& request) {
  if (request.method != "POST" && request.method != "DELETE") {
    McpHttpResponse r = refusal(405, JsonRpcCode::server_error,
                                "method not allowed: " + request.method + " (use POST or DELETE)");
    r.headers.emplace_back("Allow", "POST, DELETE");
    return r;
  }
  if (!request.protocol_version.empty() && !mcp_version_supported(request.protocol_version))
    return refusal(400, JsonRpcCode::server_error,
                   "unsupported MCP-Protocol-Version '" + request.protocol_version +
                       "' (supported: " + joined(mcp_versions(), ", ") + ")");
  return request.method == "POST" ? post(request) : end_session(request);
}

McpHttpResponse McpHttpEndpoint::post(const McpHttpRequest& request) {
  if (!accepts(request.accept, "application/json") || !accepts(request.accept, "text/event-stream"))
    return refusal(406, JsonRpcCode::server_error,
                   "not acceptable: Accept must list application/json and text/event-stream");
  if (media_type(request.content_type) != "application/json")
    return refusal(
        415, JsonRpcCode::server_error,
        "unsupported media type '" + request.content_type + "': the body must be application/json");
  Json message = Json::parse(request.body, nullptr, false);
  if (message.is_discarded())
    return refusal(400, JsonRpcCode::parse_error, "parse error: the body is not valid JSON");
  const JsonRpcMessage m = classify_json_rpc(message);
  if (m.kind == JsonRpcKind::invalid) {
    McpSession none;
    return json_response(400, *server_.handle(message, none));
  }
  if (request.session_id.empty()) {
    if (m.kind == JsonRpcKind::request && m.method == "initialize") return start_session(message);
    return refusal(400, JsonRpcCode::server_error,
                   "the Mcp-Session-Id header is required after initialize");
  }
  auto session = use_session(request.session_id);
  if (!session)
    return refusal(404, JsonRpcCode::server_error,
                   "session not found: it ended or never existed; initialize again");
  return answer(server_.handle(message, *session));
}

McpHttpResponse McpHttpEndpoint::start_session(const Json& message) {
  auto id = new_session_id();
  if (!id) return refusal(500, JsonRpcCode::internal_error, id.error().message);
  McpSession session{*id, ""};
  const auto response = server_.handle(message, session);
  McpHttpResponse r = answer(response);
  if (!session.initialized()) return r;
  {
    std::lock_guard lock(mutex_);
    if (sessions_.size() >= options_.max_sessions) {
      auto oldest = std::min_element(sessions_.begin(), sessions_.end(), [](auto& a, auto& b) {
        return a.second.last_used < b.second.last_used;
      });
      sessions_.erase(oldest);
    }
    sessions_[session.id] = Entry{session, ++uses_};
  }
  r.headers.emplace_back("Mcp-Session-Id", session.id);
  return r;
}

McpHttpResponse McpHttpEndpoint::end_session(const McpHttpRequest& request) {
  if (request.session_id.empty())
    return refusal(400, JsonRpcCode::server_error,
                   "the Mcp-Session-Id header names the session to end");
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(request.session_id);
  if (it == sessions_.end())
    return refusal(404, JsonRpcCode::server_error, "session not found: it ended or never existed");
  sessions_.erase(it);
  return {204, {}, ""};
}

std::optional<McpSession> McpHttpEndpoint::use_session(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return std::nullopt;
  it->second.last_used = ++uses_;
  return it->second.session;
}

}  // namespace recur::server
