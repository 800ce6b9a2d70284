// The memory tool's configuration entry and its inputSchema.
#include "tools/json_schema.hpp"
#include "tools/memory/memory_tool.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

Json count(std::size_t minimum) {
  return {{"type", "integer"}, {"minimum", minimum}};
}
Json count(std::size_t minimum, std::size_t maximum) {
  return {{"type", "integer"}, {"minimum", minimum}, {"maximum", maximum}};
}

const Json& config_schema() {
  static const Json schema = {{"type", "object"},
                              {"required", {"type"}},
                              {"additionalProperties", false},
                              {"properties",
                               {{"type", {{"const", "memory"}}},
                                {"name", {{"type", "string"}, {"minLength", 1}}},
                                {"store", {{"type", "string"}, {"minLength", 1}}},
                                {"sync", {{"enum", {"safe", "fast"}}}},
                                {"limits",
                                 {{"type", "object"},
                                  {"additionalProperties", false},
                                  {"properties",
                                   {{"max_key_bytes", count(1)},
                                    {"max_value_bytes", count(1)},
                                    {"max_scan_limit", count(1)},
                                    {"max_line_bytes", count(1)},
                                    {"max_find_lines", count(1)},
                                    {"max_find_bytes", count(1)},
                                    {"max_dims", count(1, 65536)},
                                    {"max_k", count(1, 100000)}}}}},
                                {"vectors",
                                 {{"type", "object"},
                                  {"additionalProperties", false},
                                  {"properties",
                                   {{"hnsw_threshold", count(1)},
                                    {"m", count(2, 100)},
                                    {"ef_construction", count(1, 100000)},
                                    {"ef_search", count(1, 100000)}}}}}}}};
  return schema;
}

void read_count(const Json& object, const char* field, std::size_t& out) {
  if (object.contains(field)) out = object[field].get<std::size_t>();
}

}  // namespace

Result<MemoryToolConfig> parse_memory_config(const Json& entry,
                                             const std::filesystem::path& base_dir) {
  if (Status s = validate_json(entry, config_schema(), "memory"); !s) return s.error();
  MemoryToolConfig c;
  c.name = entry.value("name", c.name);
  std::filesystem::path store = entry.value("store", std::string("var/memory"));
  c.store = store.is_absolute() ? store : base_dir / store;
  c.store_options.sync = entry.value("sync", std::string("safe")) == "safe";
  if (entry.contains("limits")) {
    const Json& l = entry["limits"];
    read_count(l, "max_key_bytes", c.limits.max_key_bytes);
    read_count(l, "max_value_bytes", c.limits.max_value_bytes);
    read_count(l, "max_scan_limit", c.limits.max_scan_limit);
    read_count(l, "max_line_bytes", c.limits.max_line_bytes);
    read_count(l, "max_find_lines", c.limits.max_find_lines);
    read_count(l, "max_find_bytes", c.limits.max_find_bytes);
    read_count(l, "max_dims", c.limits.max_dims);
    read_count(l, "max_k", c.limits.max_k);
  }
  if (entry.contains("vectors")) {
    const Json& v = entry["vectors"];
    read_count(v, "hnsw_threshold", c.vectors.hnsw_threshold);
    read_count(v, "m", c.vectors.m);
    read_count(v, "ef_construction", c.vectors.ef_construction);
    read_count(v, "ef_search", c.vectors.ef_search);
  }
  return c;
}

Result<std::unique_ptr<Tool>> make_memory_tool(const Json& entry,
                                               const std::filesystem::path& base_dir) {
  auto config = parse_memory_config(entry, base_dir);
  if (!config) return config.error();
  return make_memory_tool(std::move(*config));
}

Json memory_input_schema(const MemoryLimits& limits) {
  return {
      {"type", "object"},
      {"required", {"op"}},
      {"additionalProperties", false},
      {"properties",
       {{"op",
         {{"type", "string"},
          {"enum",
           {"put", "get", "delete", "scan", "append_line", "find", "vec_add", "vec_search"}},
          {"description",
           "put/get/delete a key; scan keys by prefix, a page at a time; append_line adds lines "
           "and find returns every line containing a substring; vec_add stores a vector under an "
           "id and vec_search returns the ids most similar to a vector (cosine)"}}},
        {"key",
         {{"type", "string"},
          {"minLength", 1},
          {"description", "put, get, delete: the key (at most " +
                              std::to_string(limits.max_key_bytes) + " bytes)"}}},
        {"value", {{"description", "put: any JSON value"}}},
        {"prefix", {{"type", "string"}, {"description", "scan: only keys starting with this"}}},
        {"cursor",
         {{"type", {"string", "null"}},
          {"description", "scan: the cursor of the previous page, to continue after it"}}},
        {"limit",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", std::max(limits.max_scan_limit, limits.max_find_lines)},
          {"description", "scan: entries per page (at most " +
                              std::to_string(limits.max_scan_limit) + "); find: lines (at most " +
                              std::to_string(limits.max_find_lines) + ")"}}},
        {"text",
         {{"type", "string"},
          {"description", "append_line: one line, or several separated by newlines (at most " +
                              std::to_string(limits.max_line_bytes) + " bytes)"}}},
        {"substring", {{"type", "string"}, {"description", "find: the text a line must contain"}}},
        {"id", {{"type", "string"}, {"minLength", 1}, {"description", "vec_add: the vector's id"}}},
        {"vector",
         {{"type", "array"},
          {"items", {{"type", "number"}}},
          {"minItems", 1},
          {"maxItems", limits.max_dims},
          {"description", "vec_add, vec_search: the components"}}},
        {"k",
         {{"type", "integer"},
          {"minimum", 1},
          {"maximum", limits.max_k},
          {"description", "vec_search: how many matches (default 10)"}}},
        {"exact",
         {{"type", "boolean"},
          {"description", "vec_search: compare with every vector instead of the HNSW graph"}}}}}};
}

}  // namespace recur::tools
