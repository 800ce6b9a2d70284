// The `code` tool: runs Python or shell source in the subprocess sandbox (sandbox_process.hpp).
//
// Arguments: {"language": "python" | "sh", "source": "...", "stdin"?: "...",
//             "files"?: {"relative/name": "content", ...}, "timeout_s"?: seconds}
// The source runs as main.py or main.sh in a fresh work directory that also holds the files; the
// directory is removed afterwards. The result's structuredContent is
//   {"exit_code": 0 | null, "signal": null | "SIGKILL", "timed_out": false,
//    "stdout": "...", "stderr": "...", "stdout_truncated": false, "stderr_truncated": false,
//    "wall_ms": 35, "cpu_ms": 20, "protections": {...}}
// and its text shows the same for a reader; isError is set unless the program exited with 0.
// Output that is not UTF-8 is shown with U+FFFD in place of the bad bytes.
//
// Config entry, every field optional:
//   {"type": "code", "timeout_s": 10, "max_timeout_s": 60, "memory_bytes": 1073741824,
//    "file_size_bytes": 16777216, "disk_bytes": 67108864, "open_files": 64, "processes": 64,
//    "output_bytes": 65536, "python": "/usr/bin/python3", "shell": "/bin/sh", "work_root": "/tmp"}
// timeout_s is the default wall-clock limit of a call and max_timeout_s the most a call may ask
// for; the CPU limit is the call's timeout rounded up. work_root defaults to the system's
// temporary directory.
#pragma once

#include <memory>

#include <nlohmann/json.hpp>

#include "base/result.hpp"
#include "tools/tool.hpp"

namespace recur::tools {

Result<std::unique_ptr<Tool>> make_code_tool(const nlohmann::json& config);

}  // namespace recur::tools
