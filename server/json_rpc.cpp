#include "server/json_rpc.hpp"

namespace recur::server {
namespace {

bool valid_id(const Json& id) {
  return id.is_string() || id.is_number_integer();
}

JsonRpcMessage invalid(JsonRpcMessage m, std::string problem) {
  m.kind = JsonRpcKind::invalid;
  m.problem = std::move(problem);
  return m;
}

}  // namespace

JsonRpcMessage classify_json_rpc(const Json& message) {
  JsonRpcMessage m;
  if (message.is_array()) return invalid(std::move(m), "batches are not supported");
  if (!message.is_object()) return invalid(std::move(m), "a message must be a JSON object");
  const bool has_id = message.contains("id");
  if (has_id && valid_id(message["id"])) m.id = message["id"];
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0")
    return invalid(std::move(m), "\"jsonrpc\" must be \"2.0\"");
  if (has_id && !valid_id(message["id"]))
    return invalid(std::move(m), "\"id\" must be a string or an integer");

  auto method = message.find("method");
  if (method == message.end()) {
    if (has_id && (message.contains("result") || message.contains("error"))) {
      m.kind = JsonRpcKind::response;
      return m;
    }
    return invalid(std::move(m), "a message needs \"method\", or \"result\" or \"error\"");
  }
  if (!method->is_string()) return invalid(std::move(m), "\"method\" must be a string");
  m.method = method->get<std::string>();
  if (auto params = message.find("params"); params != message.end()) m.params = *params;
  m.kind = has_id ? JsonRpcKind::request : JsonRpcKind::notification;
  return m;
}

Json json_rpc_result(const Json& id, Json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

Json json_rpc_error(const Json& id, JsonRpcCode code, std::string message) {
  return {{"jsonrpc", "2.0"},
          {"id", id},
          {"error", {{"code", static_cast<int>(code)}, {"message", std::move(message)}}}};
}

std::string json_rpc_text(const Json& message) {
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace recur::server
