#include "tools/tool.hpp"

namespace recur::tools {

Json ToolCall::to_json() const {
  return {{"id", id}, {"name", name}, {"arguments", arguments}};
}

ToolResult ToolResult::text(std::string text) {
  ToolResult r;
  r.content.push_back({{"type", "text"}, {"text", std::move(text)}});
  return r;
}

ToolResult ToolResult::error(std::string message) {
  ToolResult r = text(std::move(message));
  r.is_error = true;
  return r;
}

ToolResult ToolResult::json(Json value) {
  ToolResult r = text(value.dump(-1, ' ', false, Json::error_handler_t::replace));
  r.structured = std::move(value);
  return r;
}

Json ToolResult::to_json() const {
  Json j = {{"content", content}, {"isError", is_error}};
  if (!structured.is_null()) j["structuredContent"] = structured;
  return j;
}

std::string ToolResult::joined_text() const {
  std::string out;
  for (const auto& item : content)
    if (item.is_object() && item.value("type", "") == "text" && item.contains("text") &&
        item["text"].is_string())
      out += item["text"].get<std::string>();
  return out;
}

Json ToolDescription::to_json() const {
  return {{"name", name}, {"description", description}, {"inputSchema", input_schema}};
}

}  // namespace recur::tools
