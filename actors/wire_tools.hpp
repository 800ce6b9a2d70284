// How tools/ types that travel in actor messages are serialized (CAF inspect overloads, in the
// types' own namespace so that argument-dependent lookup finds them). JSON fields travel as their
// text (wire_fields.hpp).
#pragma once

#include <caf/all.hpp>
#include "actors/wire_fields.hpp"
#include "tools/tool.hpp"

namespace recur::tools {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolCall& x) {
  actors::JsonText arguments{x.arguments, "ToolCall.arguments"};
  return f(caf::meta::type_name("ToolCall"), x.id, x.name, arguments);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ToolResult& x) {
  actors::JsonText content{x.content, "ToolResult.content"};
  actors::JsonText structured{x.structured, "ToolResult.structured"};
  return f(caf::meta::type_name("ToolResult"), content, x.is_error, structured);
}

}  // namespace recur::tools
