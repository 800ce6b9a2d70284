// The one interface every tool implements, in the shape of the Model Context Protocol's tools/call:
// a call is {id, name, arguments}; a result is {content: [items], isError}; a tool describes itself
// as {name, description, inputSchema}.
//
// Two kinds of failure are kept apart. A protocol error (unknown tool, arguments that are not a
// JSON object) means the call never reached a tool; it is an Error value. A tool error (arguments
// that violate the schema, a failed operation, a script that ran out of budget) is a ToolResult
// with isError set, whose text says what went wrong; the caller's session goes on.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/json.hpp"

namespace recur::tools {

struct ToolCall {
  std::string id;
  std::string name;
  Json arguments = Json::object();

  // {"id", "name", "arguments"}
  Json to_json() const;
};

struct ToolResult {
  Json content = Json::array();  // MCP content items, e.g. {"type": "text", "text": "..."}
  bool is_error = false;
  Json structured;  // optional structuredContent (null when absent)

  static ToolResult text(std::string text);
  static ToolResult error(std::string message);
  // A text item holding `value` as compact JSON, and `value` as structuredContent.
  static ToolResult json(Json value);

  // {"content": [...], "isError": bool[, "structuredContent": ...]}
  Json to_json() const;
  // The concatenated text of every text item.
  std::string joined_text() const;
};

struct ToolDescription {
  std::string name;
  std::string description;
  Json input_schema = Json::object();

  // {"name", "description", "inputSchema"}
  Json to_json() const;
};

// What a call may use besides its arguments.
struct CallContext {
  // The caller's scope (a session or pipeline id): a tool that keeps data keeps each scope apart.
  std::string scope = "default";
  // The call must be answered by then; tools stop work and return an error result when it passes.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

class Tool {
 public:
  virtual ~Tool() = default;
  virtual const ToolDescription& description() const = 0;
  // Runs a call whose arguments have already been validated against description().input_schema.
  // Never throws: every failure is an error result. Implementations are safe to call from several
  // threads at once unless they say otherwise.
  virtual ToolResult call(const Json& arguments, const CallContext& context) = 0;
};

}  // namespace recur::tools
