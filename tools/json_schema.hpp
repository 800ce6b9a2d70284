// Validation of tool arguments against a tool's inputSchema, before the tool runs.
//
// The subset of JSON Schema that tool schemas use: type (a name or an array of names; "integer"
// accepts any number with no fractional part), properties, required, additionalProperties (a bool
// or a schema), enum, const, items (one schema for every element), minItems/maxItems,
// minimum/maximum, minLength/maxLength (in Unicode code points). Other keywords (description,
// default, title, pattern, ...) are accepted and not checked.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace recur::tools {

// Checks `value` against `schema`. On failure the error names the path of the first violation,
// starting at `path`: "arguments.op: must be one of put, get, delete", "arguments.vector[2]: must
// be a number", "arguments: missing required field 'key'". A schema keyword of the wrong shape is
// reported as an error too ("arguments.limit: schema keyword 'minimum' must be a number").
Status validate_json(const nlohmann::json& value, const nlohmann::json& schema,
                     const std::string& path = "arguments");

// Checks that `schema` is a schema of the supported subset: an object whose keywords have the right
// shapes, recursively. Tools' schemas are checked once, when a registry is built.
Status check_schema(const nlohmann::json& schema, const std::string& path = "inputSchema");

}  // namespace recur::tools
