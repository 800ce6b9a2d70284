#include "tools/json_schema.hpp"

#include <cctype>
#include <cmath>
#include <initializer_list>
#include <optional>
#include <string_view>
#include <vector>

namespace recur::tools {
namespace {

using Json = nlohmann::json;

// The path of a member: "arguments.op", or "arguments[\"odd key\"]" when the name is not plain.
std::string member_path(const std::string& path, const std::string& name) {
  bool plain = !name.empty();
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) plain = false;
  if (plain) return path + "." + name;
  return path + "[" + Json(name).dump(-1, ' ', false, Json::error_handler_t::replace) + "]";
}

std::string item_path(const std::string& path, std::size_t index) {
  return path + "[" + std::to_string(index) + "]";
}

bool is_integral(const Json& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::trunc(d) == d;
}

bool has_type(const Json& v, std::string_view type) {
  if (type == "null") return v.is_null();
  if (type == "boolean") return v.is_boolean();
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "number") return v.is_number();
  if (type == "integer") return is_integral(v);
  return false;
}

bool known_type(std::string_view type) {
  for (std::string_view t : {"null", "boolean", "object", "array", "string", "number", "integer"})
    if (t == type) return true;
  return false;
}

std::string article(std::string_view type) {
  if (type == "null") return "null";
  bool vowel = type == "object" || type == "array" || type == "integer";
  return std::string(vowel ? "an " : "a ") + std::string(type);
}

// A value for an error message: strings bare, everything else as compact JSON.
std::string shown(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, Json::error_handler_t::replace);
}

// Exact for every 64-bit integer and every double (x86-64 long double has a 64-bit mantissa).
long double as_long_double(const Json& v) {
  if (v.is_number_unsigned()) return static_cast<long double>(v.get<std::uint64_t>());
  if (v.is_number_integer()) return static_cast<long double>(v.get<std::int64_t>());
  return static_cast<long double>(v.get<double>());
}

std::size_t code_points(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

Error schema_error(const std::string& path, const std::string& keyword, const std::string& what) {
  return fail(ErrorCode::invalid_argument,
              path + ": schema keyword '" + keyword + "' must be " + what);
}

bool is_count(const Json& v) {
  return v.is_number_unsigned() || (v.is_number_integer() && v >= 0);
}

// The types a schema allows, or an error when its 'type' keyword is malformed.
Result<std::vector<std::string>> allowed_types(const Json& schema, const std::string& path) {
  std::vector<std::string> types;
  const Json& t = schema.at("type");
  if (t.is_string()) {
    types.push_back(t.get<std::string>());
  } else if (t.is_array() && !t.empty()) {
    for (const auto& e : t) {
      if (!e.is_string()) return schema_error(path, "type", "a type name or an array of them");
      types.push_back(e.get<std::string>());
    }
  } else {
    return schema_error(path, "type", "a type name or an array of them");
  }
  for (const auto& name : types)
    if (!known_type(name))
      return fail(ErrorCode::invalid_argument,
                  path + ": schema keyword 'type' names unknown type '" + name + "'");
  return types;
}

Status check_type(const Json& value, const Json& schema, const std::string& path) {
  auto types = allowed_types(schema, path);
  if (!types) return types.error();
  for (const auto& t : *types)
    if (has_type(value, t)) return {};
  std::string expected;
  for (std::size_t i = 0; i < types->size(); ++i) {
    if (i > 0) expected += i + 1 == types->size() ? " or " : ", ";
    expected += article((*types)[i]);
  }
  return fail(ErrorCode::invalid_argument, path + ": must be " + expected);
}

Status check_enum(const Json& value, const Json& options, const std::string& path) {
  if (!options.is_array() || options.empty())
    return schema_error(path, "enum", "a non-empty array");
  for (const auto& o : options)
    if (o == value) return {};
  std::string list;
  for (std::size_t i = 0; i < options.size(); ++i) list += (i ? ", " : "") + shown(options[i]);
  return fail(ErrorCode::invalid_argument, path + ": must be one of " + list);
}

Status check_bounds(const Json& value, const Json& schema, const std::string& path) {
  for (const char* keyword : {"minimum", "maximum"}) {
    if (!schema.contains(keyword)) continue;
    const Json& bound = schema[keyword];
    if (!bound.is_number()) return schema_error(path, keyword, "a number");
    if (!value.is_number()) continue;
    bool below = as_long_double(value) < as_long_double(bound);
    bool above = as_long_double(value) > as_long_double(bound);
    if (std::string_view(keyword) == "minimum" && below)
      return fail(ErrorCode::invalid_argument, path + ": must be >= " + shown(bound));
    if (std::string_view(keyword) == "maximum" && above)
      return fail(ErrorCode::invalid_argument, path + ": must be <= " + shown(bound));
  }
  return {};
}

// minLength/maxLength on strings, minItems/maxItems on arrays.
Status check_sizes(const Json& value, const Json& schema, const std::string& path) {
  struct Limit {
    const char* keyword;
    bool minimum;
    bool for_strings;
  };
  for (Limit l : {Limit{"minLength", true, true}, Limit{"maxLength", false, true},
                  Limit{"minItems", true, false}, Limit{"maxItems", false, false}}) {
    if (!schema.contains(l.keyword)) continue;
    const Json& bound = schema[l.keyword];
    if (!is_count(bound)) return schema_error(path, l.keyword, "a non-negative integer");
    std::size_t n = 0;
    if (l.for_strings && value.is_string()) {
      n = code_points(value.get_ref<const std::string&>());
    } else if (!l.for_strings && value.is_array()) {
      n = value.size();
    } else {
      continue;
    }
    std::size_t b = bound.get<std::size_t>();
    if (l.minimum ? n >= b : n <= b) continue;
    std::string unit = l.for_strings ? " character" : " item";
    if (b != 1) unit += "s";
    std::string verb = l.for_strings ? "be " : "have ";
    return fail(ErrorCode::invalid_argument,
                path + ": must " + verb + (l.minimum ? "at least " : "at most ") +
                    std::to_string(b) + unit + (l.for_strings ? " long" : ""));
  }
  return {};
}

Status check_object(const Json& value, const Json& schema, const std::string& path) {
  static const Json kNoProperties = Json::object();
  const Json& properties = schema.contains("properties") ? schema["properties"] : kNoProperties;
  if (!properties.is_object()) return schema_error(path, "properties", "an object");
  if (schema.contains("required")) {
    const Json& required = schema["required"];
    if (!required.is_array()) return schema_error(path, "required", "an array of names");
    for (const auto& name : required) {
      if (!name.is_string()) return schema_error(path, "required", "an array of names");
      if (!value.contains(name.get<std::string>()))
        return fail(ErrorCode::invalid_argument,
                    member_path(path, name.get<std::string>()) + ": is required");
    }
  }
  for (const auto& [name, member] : value.items()) {
    std::string at = member_path(path, name);
    if (properties.contains(name)) {
      if (Status s = validate_json(member, properties[name], at); !s) return s;
      continue;
    }
    if (!schema.contains("additionalProperties")) continue;
    const Json& extra = schema["additionalProperties"];
    if (extra.is_boolean()) {
      if (extra.get<bool>()) continue;
      std::string allowed;
      for (const auto& [p, unused] : properties.items())
        allowed += (allowed.empty() ? "" : ", ") + p;
      return fail(ErrorCode::invalid_argument,
                  at + ": is not an allowed field" +
                      (allowed.empty() ? std::string() : " (allowed: " + allowed + ")"));
    }
    if (Status s = validate_json(member, extra, at); !s) return s;
  }
  return {};
}

Status check_array(const Json& value, const Json& schema, const std::string& path) {
  if (!schema.contains("items")) return {};
  const Json& items = schema["items"];
  for (std::size_t i = 0; i < value.size(); ++i)
    if (Status s = validate_json(value[i], items, item_path(path, i)); !s) return s;
  return {};
}

}  // namespace

Status validate_json(const Json& value, const Json& schema, const std::string& path) {
  if (schema.is_boolean()) {
    if (schema.get<bool>()) return {};
    return fail(ErrorCode::invalid_argument, path + ": is not allowed");
  }
  if (!schema.is_object())
    return fail(ErrorCode::invalid_argument, path + ": schema must be an object or a boolean");
  if (schema.contains("type"))
    if (Status s = check_type(value, schema, path); !s) return s;
  if (schema.contains("const") && schema["const"] != value)
    return fail(ErrorCode::invalid_argument, path + ": must be " + shown(schema["const"]));
  if (schema.contains("enum"))
    if (Status s = check_enum(value, schema["enum"], path); !s) return s;
  if (Status s = check_bounds(value, schema, path); !s) return s;
  if (Status s = check_sizes(value, schema, path); !s) return s;
  if (value.is_object()) return check_object(value, schema, path);
  if (value.is_array()) return check_array(value, schema, path);
  return {};
}

Status check_schema(const Json& schema, const std::string& path) {
  if (schema.is_boolean()) return {};
  if (!schema.is_object())
    return fail(ErrorCode::invalid_argument, path + ": must be an object or a boolean");
  if (schema.contains("type"))
    if (auto types = allowed_types(schema, path); !types) return types.error();
  if (schema.contains("enum") && (!schema["enum"].is_array() || schema["enum"].empty()))
    return schema_error(path, "enum", "a non-empty array");
  for (const char* keyword : {"minimum", "maximum"})
    if (schema.contains(keyword) && !schema[keyword].is_number())
      return schema_error(path, keyword, "a number");
  for (const char* keyword : {"minLength", "maxLength", "minItems", "maxItems"})
    if (schema.contains(keyword) && !is_count(schema[keyword]))
      return schema_error(path, keyword, "a non-negative integer");
  if (schema.contains("required")) {
    const Json& required = schema["required"];
    if (!required.is_array()) return schema_error(path, "required", "an array of names");
    for (const auto& name : required)
      if (!name.is_string()) return schema_error(path, "required", "an array of names");
  }
  if (schema.contains("properties")) {
    const Json& properties = schema["properties"];
    if (!properties.is_object()) return schema_error(path, "properties", "an object");
    for (const auto& [name, member] : properties.items())
      if (Status s = check_schema(member, path + ".properties." + name); !s) return s;
  }
  for (const char* keyword : {"additionalProperties", "items"})
    if (schema.contains(keyword))
      if (Status s = check_schema(schema[keyword], path + "." + keyword); !s) return s;
  return {};
}

}  // namespace recur::tools
