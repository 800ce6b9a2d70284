#include "server/mcp.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "server/json_rpc.hpp"

namespace recur::server {
namespace {

// Newest first; the first is kMcpLatestVersion.
constexpr std::array<std::string_view, 3> kVersions = {"2025-11-25", "2025-06-18", "2025-03-26"};

// The index a tools/list cursor names, when it names one in [1, size).
std::optional<std::size_t> parse_cursor(const Json& cursor, std::size_t size) {
  if (!cursor.is_string()) return std::nullopt;
  const auto& text = cursor.get_ref<const std::string&>();
  std::size_t index = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (ec != std::errc() || end != text.data() + text.size() || index == 0 || index >= size)
    return std::nullopt;
  return index;
}

Json invalid_params(const Json& id, const std::string& method, const std::string& message) {
  return json_rpc_error(id, JsonRpcCode::invalid_params, method + ": " + message);
}

}  // namespace

std::span<const std::string_view> mcp_versions() {
  return kVersions;
}

bool mcp_version_supported(std::string_view version) {
  return std::find(kVersions.begin(), kVersions.end(), version) != kVersions.end();
}

McpServer::McpServer(const tools::Registry& registry, McpServerOptions options)
    : registry_(registry), options_(options) {
  options_.page_size = std::max<std::size_t>(options_.page_size, 1);
}

std::optional<Json> McpServer::handle_text(std::string_view text, McpSession& session) const {
  Json message = Json::parse(text, nullptr, false);
  if (message.is_discarded())
    return json_rpc_error(nullptr, JsonRpcCode::parse_error,
                          "parse error: the message is not valid JSON");
  return handle(message, session);
}

std::optional<Json> McpServer::handle(const Json& message, McpSession& session) const {
  JsonRpcMessage m = classify_json_rpc(message);
  switch (m.kind) {
    case JsonRpcKind::invalid:
      return json_rpc_error(m.id, JsonRpcCode::invalid_request, "invalid request: " + m.problem);
    case JsonRpcKind::notification:  // notifications/initialized, cancelled, ...: nothing to do
    case JsonRpcKind::response:      // this server sends no requests
      return std::nullopt;
    case JsonRpcKind::request:
      break;
  }
  const bool known = m.method == "initialize" || m.method == "ping" || m.method == "tools/list" ||
                     m.method == "tools/call";
  if (!known)
    return json_rpc_error(m.id, JsonRpcCode::method_not_found,
                          "method not found: '" + m.method + "'");
  if (!m.params.is_null() && !m.params.is_object())
    return invalid_params(m.id, m.method, "params must be an object");
  if (m.method == "ping") return json_rpc_result(m.id, Json::object());
  if (m.method == "initialize") return initialize(m.id, m.params, session);
  if (!session.initialized())
    return json_rpc_error(m.id, JsonRpcCode::invalid_request,
                          m.method + ": the session is not initialized; send initialize first");
  if (m.method == "tools/list") return list_tools(m.id, m.params);
  return call_tool(m.id, m.params, session);
}

Json McpServer::initialize(const Json& id, const Json& params, McpSession& session) const {
  if (session.initialized())
    return json_rpc_error(id, JsonRpcCode::invalid_request,
                          "initialize: the session is already initialized");
  if (!params.is_object() || !params.contains("protocolVersion") ||
      !params["protocolVersion"].is_string())
    return invalid_params(id, "initialize", "params.protocolVersion must be a string");
  const auto& asked = params["protocolVersion"].get_ref<const std::string&>();
  session.protocol_version = mcp_version_supported(asked) ? asked : std::string(kMcpLatestVersion);
  return json_rpc_result(id, {{"protocolVersion", session.protocol_version},
                              {"capabilities", {{"tools", {{"listChanged", false}}}}},
                              {"serverInfo", {{"name", "recur"}, {"version", RECUR_VERSION}}}});
}

Json McpServer::list_tools(const Json& id, const Json& params) const {
  const auto tools = registry_.list();
  std::size_t begin = 0;
  if (params.is_object() && params.contains("cursor")) {
    auto index = parse_cursor(params["cursor"], tools.size());
    if (!index) return invalid_params(id, "tools/list", "params.cursor is not a cursor of ours");
    begin = *index;
  }
  const std::size_t end = std::min(tools.size(), begin + options_.page_size);
  Json page = Json::array();
  for (std::size_t i = begin; i < end; ++i) page.push_back(tools[i].to_json());
  Json result = {{"tools", std::move(page)}};
  if (end < tools.size()) result["nextCursor"] = std::to_string(end);
  return json_rpc_result(id, std::move(result));
}

Json McpServer::call_tool(const Json& id, const Json& params, const McpSession& session) const {
  if (!params.is_object() || !params.contains("name") || !params["name"].is_string())
    return invalid_params(id, "tools/call", "params.name must be a string");
  tools::ToolCall call;
  call.name = params["name"].get<std::string>();
  if (auto arguments = params.find("arguments"); arguments != params.end() && !arguments->is_null())
    call.arguments = *arguments;
  tools::CallContext context;
  context.scope = session.scope();
  context.deadline = std::chrono::steady_clock::now() + options_.call_timeout;
  auto result = registry_.call(call, context);
  if (!result) {
    const auto code = result.error().code;
    const bool caller_error = code == ErrorCode::not_found || code == ErrorCode::invalid_argument;
    return json_rpc_error(id,
                          caller_error ? JsonRpcCode::invalid_params : JsonRpcCode::internal_error,
                          "tools/call: " + result.error().message);
  }
  return json_rpc_result(id, result->to_json());
}

}  // namespace recur::server
