#include "tools/memory/memory_tool.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <mutex>
#include <optional>
#include <string_view>
#include <vector>

#include "tools/memory/vector_memory.hpp"

namespace recur::tools {
namespace {

// The fields each op needs and may take besides "op".
struct OpFields {
  std::string_view op;
  std::vector<std::string_view> required;
  std::vector<std::string_view> optional;
};

const std::vector<OpFields>& op_fields() {
  static const std::vector<OpFields> table = {
      {"put", {"key", "value"}, {}},     {"get", {"key"}, {}},
      {"delete", {"key"}, {}},           {"scan", {}, {"prefix", "cursor", "limit"}},
      {"append_line", {"text"}, {}},     {"find", {"substring"}, {"limit"}},
      {"vec_add", {"id", "vector"}, {}}, {"vec_search", {"vector"}, {"k", "exact"}},
  };
  return table;
}

// Checks that `args` has the fields its op needs and no others.
Status check_fields(const Json& args, const std::string& op) {
  auto it = std::find_if(op_fields().begin(), op_fields().end(),
                         [&](const OpFields& f) { return f.op == op; });
  if (it == op_fields().end())
    return fail(ErrorCode::invalid_argument, "arguments.op: unknown op '" + op + "'");
  for (auto field : it->required)
    if (!args.contains(field))
      return fail(ErrorCode::invalid_argument,
                  "arguments." + std::string(field) + ": is required by op " + op);
  for (const auto& [name, unused] : args.items()) {
    if (name == "op") continue;
    bool known = std::find(it->required.begin(), it->required.end(), name) != it->required.end() ||
                 std::find(it->optional.begin(), it->optional.end(), name) != it->optional.end();
    if (!known)
      return fail(ErrorCode::invalid_argument, "arguments." + name + ": is not used by op " + op);
  }
  return {};
}

Status check_size(const std::string& field, const std::string& text, std::size_t limit) {
  if (text.size() <= limit) return {};
  return fail(ErrorCode::invalid_argument, "arguments." + field + ": is " +
                                               std::to_string(text.size()) +
                                               " bytes, the limit is " + std::to_string(limit));
}

std::string dump(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::vector<float>> read_vector(const Json& args) {
  const Json& v = args.at("vector");
  if (!v.is_array() || v.empty())
    return fail(ErrorCode::invalid_argument,
                "arguments.vector: must be a non-empty array of numbers");
  std::vector<float> out;
  out.reserve(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    float x = v[i].is_number() ? static_cast<float>(v[i].get<double>()) : NAN;
    if (!std::isfinite(x))
      return fail(ErrorCode::invalid_argument,
                  "arguments.vector[" + std::to_string(i) + "]: must be a finite 32-bit float");
    out.push_back(x);
  }
  return out;
}

// The lines of `text`: split at '\n', without the empty line after a final newline.
std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (true) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) {
      if (start < text.size() || lines.empty()) lines.push_back(text.substr(start));
      return lines;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
}

class MemoryTool final : public Tool {
 public:
  explicit MemoryTool(MemoryToolConfig config) : config_(std::move(config)) {
    description_.name = config_.name;
    description_.description =
        "A durable memory of this session: keys and values, lines to search, and vectors to "
        "search by similarity.";
    description_.input_schema = memory_input_schema(config_.limits);
  }

  const ToolDescription& description() const override { return description_; }

  ToolResult call(const Json& args, const CallContext& context) override {
    try {
      return dispatch(args, context);
    } catch (const std::exception& e) {
      return ToolResult::error(config_.name + ": " + e.what());
    }
  }

 private:
  ToolResult dispatch(const Json& args, const CallContext& context) {
    if (!args.is_object() || !args.contains("op") || !args["op"].is_string())
      return ToolResult::error("arguments.op: is required and must be a string");
    std::string op = args["op"].get<std::string>();
    if (Status s = check_fields(args, op); !s) return ToolResult::error(s.error().message);
    Status opened = open();
    if (!opened) return ToolResult::error(config_.name + ": " + opened.error().message);
    // Scope S keeps its keys under memory/S/kv, its lines under memory/S/lines and its vectors
    // under memory/S/vectors (VectorMemory).
    Store scope = root_->within(key_prefix({"memory", context.scope}));
    Store kv = scope.within(key_prefix({"kv"}));
    Store lines = scope.within(key_prefix({"lines"}));
    if (op == "put") return put(kv, args);
    if (op == "get") return get(kv, args);
    if (op == "delete") return erase(kv, args);
    if (op == "scan") return scan(kv, args);
    if (op == "append_line") return append_line(lines, args);
    if (op == "find") return find(lines, args, context);
    if (op == "vec_add") return vec_add(context.scope, args);
    return vec_search(context.scope, args);
  }

  // Opens the store at the first call; a failure is retried at the next one.
  Status open() {
    std::lock_guard lock(open_mutex_);
    if (root_) return {};
    auto store = Store::open(config_.store, config_.store_options);
    if (!store) return store.error();
    root_ = *store;
    vectors_ =
        std::make_unique<VectorMemory>(root_->within(key_prefix({"memory"})), config_.vectors);
    return {};
  }

  Result<std::string> key(const Json& args) const {
    const Json& k = args.at("key");
    if (!k.is_string() || k.get_ref<const std::string&>().empty())
      return fail(ErrorCode::invalid_argument, "arguments.key: must be a non-empty string");
    std::string key = k.get<std::string>();
    if (Status s = check_size("key", key, config_.limits.max_key_bytes); !s) return s.error();
    return key;
  }

  ToolResult put(const Store& kv, const Json& args) {
    auto k = key(args);
    if (!k) return ToolResult::error(k.error().message);
    std::string value = dump(args["value"]);
    if (Status s = check_size("value", value, config_.limits.max_value_bytes); !s)
      return ToolResult::error(s.error().message);
    if (Status s = kv.put(*k, value); !s) return ToolResult::error(s.error().message);
    return ToolResult::json({{"key", *k}});
  }

  ToolResult get(const Store& kv, const Json& args) {
    auto k = key(args);
    if (!k) return ToolResult::error(k.error().message);
    auto stored = kv.get(*k);
    if (!stored) return ToolResult::error(stored.error().message);
    if (!*stored) return ToolResult::json({{"key", *k}, {"found", false}});
    Json value = Json::parse(**stored, nullptr, false);
    if (value.is_discarded())
      return ToolResult::error("the stored value of '" + *k + "' is damaged");
    return ToolResult::json({{"key", *k}, {"found", true}, {"value", std::move(value)}});
  }

  ToolResult erase(const Store& kv, const Json& args) {
    auto k = key(args);
    if (!k) return ToolResult::error(k.error().message);
    auto stored = kv.get(*k);
    if (!stored) return ToolResult::error(stored.error().message);
    if (Status s = kv.erase(*k); !s) return ToolResult::error(s.error().message);
    return ToolResult::json({{"key", *k}, {"existed", stored->has_value()}});
  }

  ToolResult scan(const Store& kv, const Json& args) {
    std::string prefix = args.value("prefix", std::string());
    if (Status s = check_size("prefix", prefix, config_.limits.max_key_bytes); !s)
      return ToolResult::error(s.error().message);
    std::string cursor;
    if (args.contains("cursor") && args["cursor"].is_string()) cursor = args["cursor"];
    std::size_t limit =
        args.value("limit", std::min<std::size_t>(100, config_.limits.max_scan_limit));
    if (limit < 1 || limit > config_.limits.max_scan_limit)
      return ToolResult::error("arguments.limit: must be between 1 and " +
                               std::to_string(config_.limits.max_scan_limit) + " for scan");
    auto page = kv.scan(prefix, cursor, limit);
    if (!page) return ToolResult::error(page.error().message);
    Json entries = Json::array();
    for (auto& [k, v] : page->entries) {
      Json value = Json::parse(v, nullptr, false);
      if (value.is_discarded())
        return ToolResult::error("the stored value of '" + k + "' is damaged");
      entries.push_back({{"key", k}, {"value", std::move(value)}});
    }
    Json next = page->next ? Json(*page->next) : Json(nullptr);
    return ToolResult::json({{"entries", std::move(entries)}, {"cursor", std::move(next)}});
  }

  ToolResult append_line(const Store& lines, const Json& args) {
    if (!args["text"].is_string()) return ToolResult::error("arguments.text: must be a string");
    std::string text = args["text"].get<std::string>();
    if (Status s = check_size("text", text, config_.limits.max_line_bytes); !s)
      return ToolResult::error(s.error().message);
    std::vector<std::string> split = split_lines(text);
    auto first = lines.append("", split);
    if (!first) return ToolResult::error(first.error().message);
    return ToolResult::json({{"line", *first}, {"count", split.size()}});
  }

  ToolResult find(const Store& lines, const Json& args, const CallContext& context) {
    if (!args["substring"].is_string())
      return ToolResult::error("arguments.substring: must be a string");
    std::string needle = args["substring"].get<std::string>();
    std::size_t limit = args.value("limit", config_.limits.max_find_lines);
    if (limit < 1 || limit > config_.limits.max_find_lines)
      return ToolResult::error("arguments.limit: must be between 1 and " +
                               std::to_string(config_.limits.max_find_lines) + " for find");
    Json found = Json::array();
    std::size_t matches = 0, bytes = 0, seen = 0;
    bool late = false;
    Status s = lines.for_each("", [&](std::string_view key, std::string_view line) {
      if (++seen % 4096 == 0 && std::chrono::steady_clock::now() > context.deadline) {
        late = true;
        return false;
      }
      if (line.find(needle) == std::string_view::npos) return true;
      ++matches;
      if (found.size() < limit && bytes + line.size() <= config_.limits.max_find_bytes) {
        bytes += line.size();
        found.push_back({{"line", parse_ordered_key(key).value_or(0)}, {"text", line}});
      }
      return true;
    });
    if (!s) return ToolResult::error(s.error().message);
    if (late)
      return ToolResult::error("find: the deadline passed after " + std::to_string(seen) +
                               " lines");
    bool truncated = matches > found.size();
    return ToolResult::json(
        {{"lines", std::move(found)}, {"matches", matches}, {"truncated", truncated}});
  }

  ToolResult vec_add(const std::string& scope, const Json& args) {
    if (!args["id"].is_string() || args["id"].get_ref<const std::string&>().empty())
      return ToolResult::error("arguments.id: must be a non-empty string");
    std::string id = args["id"].get<std::string>();
    if (Status s = check_size("id", id, config_.limits.max_key_bytes); !s)
      return ToolResult::error(s.error().message);
    auto vector = read_vector(args);
    if (!vector) return ToolResult::error(vector.error().message);
    auto added = vectors_->add(scope, id, *vector);
    if (!added) return ToolResult::error(vector_error(added.error()));
    return ToolResult::json({{"id", id}, {"dims", added->dims}, {"count", added->count}});
  }

  ToolResult vec_search(const std::string& scope, const Json& args) {
    auto vector = read_vector(args);
    if (!vector) return ToolResult::error(vector.error().message);
    std::size_t k = args.value("k", std::min<std::size_t>(10, config_.limits.max_k));
    if (k < 1 || k > config_.limits.max_k)
      return ToolResult::error("arguments.k: must be between 1 and " +
                               std::to_string(config_.limits.max_k));
    auto found = vectors_->search(scope, *vector, k, args.value("exact", false));
    if (!found) return ToolResult::error(vector_error(found.error()));
    Json matches = Json::array();
    for (const auto& m : found->matches) matches.push_back({{"id", m.id}, {"score", m.score}});
    return ToolResult::json({{"matches", std::move(matches)}, {"exact", found->exhaustive}});
  }

  // The text of a VectorMemory error: its invalid_argument errors concern arguments.vector (their
  // messages start "vector: "); every other code is a failure of the store.
  static std::string vector_error(const Error& e) {
    return e.code == ErrorCode::invalid_argument ? "arguments." + e.message : e.message;
  }

  MemoryToolConfig config_;
  ToolDescription description_;
  std::mutex open_mutex_;
  std::optional<Store> root_;
  std::unique_ptr<VectorMemory> vectors_;
};

}  // namespace

std::unique_ptr<Tool> make_memory_tool(MemoryToolConfig config) {
  return std::make_unique<MemoryTool>(std::move(config));
}

}  // namespace recur::tools
