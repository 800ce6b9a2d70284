// The `memory` tool: a durable memory per scope (session or pipeline) in a RocksDB store.
//
// One tool, one argument `op`:
//   put {key, value}            stores any JSON value          -> {"key"}
//   get {key}                   -> {"key", "found", "value"?}
//   delete {key}                -> {"key", "existed"}
//   scan {prefix?, cursor?, limit?}  keys in order, one page    -> {"entries": [{"key","value"}],
//   "cursor"}
//                               ("cursor" is null on the last page; pass it back for the next one)
//   append_line {text}          adds the lines of `text`        -> {"line": first index, "count"}
//   find {substring, limit?}    every line containing it, in order, capped
//                               -> {"lines": [{"line","text"}], "matches", "truncated"}
//   vec_add {id, vector}        adds or replaces a vector       -> {"id", "dims", "count"}
//   vec_search {vector, k?, exact?}  cosine similarity, best first
//                               -> {"matches": [{"id","score"}], "exact"}
// Every op sees only the data of CallContext::scope. Arguments an op does not use are errors.
//
// Configuration (an entry of configs/tools.json; every field but "type" is optional):
//   {"type": "memory", "name": "memory", "store": "var/memory", "sync": "safe" | "fast",
//    "limits": {"max_key_bytes": 1024, "max_value_bytes": 1048576, "max_scan_limit": 1000,
//               "max_line_bytes": 65536, "max_find_lines": 100, "max_find_bytes": 65536,
//               "max_dims": 4096, "max_k": 100},
//    "vectors": {"hnsw_threshold": 100000, "m": 32, "ef_construction": 200, "ef_search": 768}}
// "sync": "safe" fsyncs every write before answering (acknowledged writes survive a power loss);
// "fast" only writes the log to the operating system (they survive a crash of the process).
// The store is opened at the first call, so listing tools never touches it.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "store/store.hpp"
#include "tools/memory/vector_index.hpp"
#include "tools/tool.hpp"

namespace recur::tools {

struct MemoryLimits {
  std::size_t max_key_bytes = 1024;
  std::size_t max_value_bytes = 1 << 20;  // a value's compact JSON text
  std::size_t max_scan_limit = 1000;      // entries per scan page
  std::size_t max_line_bytes = 1 << 16;   // text of one append_line
  std::size_t max_find_lines = 100;       // lines one find returns
  std::size_t max_find_bytes = 1 << 16;   // text one find returns
  std::size_t max_dims = 4096;
  std::size_t max_k = 100;
};

struct MemoryToolConfig {
  std::string name = "memory";
  std::filesystem::path store;  // absolute, or relative to the working directory
  StoreOptions store_options;
  MemoryLimits limits;
  VectorIndexOptions vectors;
};

// Reads a configuration entry (format above); relative store paths resolve against `base_dir`.
// Errors name the field: "memory.limits.max_k: must be an integer".
Result<MemoryToolConfig> parse_memory_config(const nlohmann::json& entry,
                                             const std::filesystem::path& base_dir);

std::unique_ptr<Tool> make_memory_tool(MemoryToolConfig config);
Result<std::unique_ptr<Tool>> make_memory_tool(const nlohmann::json& entry,
                                               const std::filesystem::path& base_dir);

// The inputSchema of a memory tool with these limits.
nlohmann::json memory_input_schema(const MemoryLimits& limits);

}  // namespace recur::tools
