#include "tools/code/code_tool.hpp"

#include <unistd.h>

#include <cmath>
#include <exception>
#include <set>
#include <string>

#include "base/utf8.hpp"
#include "tools/code/sandbox_process.hpp"
#include "tools/code/work_dir.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxSourceBytes = 1u << 20;
constexpr std::size_t kMaxStdinBytes = 1u << 20;
constexpr std::size_t kMaxFiles = 64;
constexpr std::size_t kMaxFilesBytes = 8u << 20;
constexpr double kMaxConfigSeconds = 3600;

struct CodeConfig {
  ProcessLimits limits;  // limits.wall: a call's default timeout
  std::chrono::milliseconds max_timeout{60'000};
  std::string python = "/usr/bin/python3";
  std::string shell = "/bin/sh";
  std::filesystem::path work_root;
};

std::chrono::milliseconds seconds_to_millis(double seconds) {
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

Status read_seconds(const Json& config, const char* key, std::chrono::milliseconds& out) {
  if (!config.contains(key)) return Status::success();
  const Json& v = config[key];
  if (!v.is_number() || v.get<double>() <= 0 || v.get<double>() > kMaxConfigSeconds)
    return fail(ErrorCode::invalid_argument, std::string("code tool config: '") + key +
                                                 "' must be a number of seconds in (0, 3600]");
  out = seconds_to_millis(v.get<double>());
  return Status::success();
}

template <class T>
Status read_integer(const Json& config, const char* key, std::uint64_t lo, std::uint64_t hi,
                    T& out) {
  if (!config.contains(key)) return Status::success();
  const Json& v = config[key];
  bool integral = v.is_number_unsigned() || (v.is_number_integer() && v.get<std::int64_t>() >= 0);
  if (!integral || v.get<std::uint64_t>() < lo || v.get<std::uint64_t>() > hi)
    return fail(ErrorCode::invalid_argument, std::string("code tool config: '") + key +
                                                 "' must be an integer from " + std::to_string(lo) +
                                                 " to " + std::to_string(hi));
  out = static_cast<T>(v.get<std::uint64_t>());
  return Status::success();
}

Status read_path(const Json& config, const char* key, std::string& out) {
  if (!config.contains(key)) return Status::success();
  const Json& v = config[key];
  if (!v.is_string() || v.get<std::string>().empty() || v.get<std::string>()[0] != '/')
    return fail(ErrorCode::invalid_argument,
                std::string("code tool config: '") + key + "' must be an absolute path");
  out = v.get<std::string>();
  return Status::success();
}

Result<CodeConfig> parse_config(const Json& config) {
  if (!config.is_object())
    return fail(ErrorCode::invalid_argument, "code tool config: must be a JSON object");
  static const std::set<std::string> known = {
      "type",       "timeout_s", "max_timeout_s", "memory_bytes", "file_size_bytes", "disk_bytes",
      "open_files", "processes", "output_bytes",  "python",       "shell",           "work_root"};
  for (const auto& [key, value] : config.items())
    if (known.count(key) == 0)
      return fail(ErrorCode::invalid_argument, "code tool config: unknown field '" + key + "'");
  if (config.contains("type") && config["type"] != "code")
    return fail(ErrorCode::invalid_argument, "code tool config: 'type' must be \"code\"");
  CodeConfig c;
  std::error_code ec;
  c.work_root = std::filesystem::temp_directory_path(ec);
  if (ec) c.work_root = "/tmp";
  std::string work_root = c.work_root.string();
  std::size_t output = c.limits.stdout_bytes;
  Status s = read_seconds(config, "timeout_s", c.limits.wall);
  if (s.ok()) s = read_seconds(config, "max_timeout_s", c.max_timeout);
  if (s.ok())
    s = read_integer(config, "memory_bytes", 16ull << 20, 64ull << 30,
                     c.limits.address_space_bytes);
  if (s.ok())
    s = read_integer(config, "file_size_bytes", 1ull << 10, 16ull << 30, c.limits.file_size_bytes);
  if (s.ok()) s = read_integer(config, "disk_bytes", 1ull << 20, 16ull << 30, c.limits.disk_bytes);
  if (s.ok()) s = read_integer(config, "open_files", 8, 4096, c.limits.open_files);
  if (s.ok()) s = read_integer(config, "processes", 1, 4096, c.limits.processes);
  if (s.ok()) s = read_integer(config, "output_bytes", 1ull << 10, 64ull << 20, output);
  if (s.ok()) s = read_path(config, "python", c.python);
  if (s.ok()) s = read_path(config, "shell", c.shell);
  if (s.ok()) s = read_path(config, "work_root", work_root);
  if (!s.ok()) return s.error();
  if (c.max_timeout < c.limits.wall)
    return fail(ErrorCode::invalid_argument,
                "code tool config: 'max_timeout_s' must not be below 'timeout_s'");
  if (!std::filesystem::is_directory(work_root, ec))
    return fail(
        std::filesystem::exists(work_root, ec) ? ErrorCode::invalid_argument : ErrorCode::not_found,
        "code tool config: work_root '" + work_root + "' is not a directory");
  c.work_root = work_root;
  c.limits.stdout_bytes = c.limits.stderr_bytes = output;
  return c;
}

Json input_schema(const CodeConfig& config) {
  double max_seconds = static_cast<double>(config.max_timeout.count()) / 1000.0;
  return {{"type", "object"},
          {"properties",
           {{"language", {{"type", "string"}, {"enum", {"python", "sh"}}}},
            {"source", {{"type", "string"}, {"description", "the program's text"}}},
            {"stdin", {{"type", "string"}}},
            {"files",
             {{"type", "object"},
              {"description", "input files by relative path, e.g. {\"data/in.csv\": \"...\"}"},
              {"additionalProperties", {{"type", "string"}}}}},
            {"timeout_s", {{"type", "number"}, {"minimum", 0.001}, {"maximum", max_seconds}}}}},
          {"required", {"language", "source"}},
          {"additionalProperties", false}};
}

// The text a reader sees: how the program ended, then its output.
std::string render_text(const Json& r, const ProcessLimits& limits) {
  std::string text;
  if (r.contains("error"))
    text = std::string("could not run: ") + r["error"].get<std::string>() + "\n";
  else if (r["timed_out"] == true)
    text = "killed: time limit exceeded";
  else if (!r["signal"].is_null())
    text = std::string("killed by ") + r["signal"].get<std::string>();
  else
    text = std::string("exit code ") + std::to_string(r["exit_code"].get<int>());
  if (!r.contains("error"))
    text += std::string(" (") + std::to_string(r["wall_ms"].get<std::int64_t>()) + " ms)\n";
  for (const char* stream : {"stdout", "stderr"}) {
    const std::string& data = r[stream].get_ref<const std::string&>();
    bool truncated = r[std::string(stream) + "_truncated"] == true;
    if (data.empty() && !truncated) continue;
    text += std::string("--- ") + stream + " ---\n" + data;
    if (!data.empty() && data.back() != '\n') text += "\n";
    if (truncated)
      text += std::string("[") + stream + " truncated after " +
              std::to_string(stream[3] == 'o' ? limits.stdout_bytes : limits.stderr_bytes) +
              " bytes]\n";
  }
  return text;
}

class CodeTool : public Tool {
 public:
  explicit CodeTool(CodeConfig config) : config_(std::move(config)) {
    description_.name = "code";
    description_.description =
        "Runs a Python 3 or POSIX shell program in a sandbox with no network, a private "
        "temporary work directory (files given in 'files' are placed there), and limits on time, "
        "memory, processes and output. Returns the exit code, stdout and stderr.";
    description_.input_schema = input_schema(config_);
  }

  const ToolDescription& description() const override { return description_; }

  ToolResult call(const Json& arguments, const CallContext& context) override {
    try {
      return run(arguments, context);
    } catch (const std::exception& e) {
      return ToolResult::error(unicode::from_utf8_lossy(std::string("code: ") + e.what()));
    }
  }

 private:
  ToolResult run(const Json& args, const CallContext& context) {
    if (!args.is_object()) return ToolResult::error("code: arguments must be an object");
    for (const auto& [key, value] : args.items())
      if (key != "language" && key != "source" && key != "stdin" && key != "files" &&
          key != "timeout_s")
        return ToolResult::error(unicode::from_utf8_lossy("code: unknown argument '" + key + "'"));
    const Json* language = args.contains("language") ? &args["language"] : nullptr;
    if (language == nullptr || (*language != "python" && *language != "sh"))
      return ToolResult::error("code: language: must be \"python\" or \"sh\"");
    bool python = *language == "python";
    if (!args.contains("source") || !args["source"].is_string())
      return ToolResult::error("code: source: must be a string");
    const auto& source = args["source"].get_ref<const std::string&>();
    if (source.size() > kMaxSourceBytes)
      return ToolResult::error("code: source: larger than 1 MiB");
    std::string stdin_data;
    if (args.contains("stdin")) {
      if (!args["stdin"].is_string()) return ToolResult::error("code: stdin: must be a string");
      stdin_data = args["stdin"].get<std::string>();
      if (stdin_data.size() > kMaxStdinBytes)
        return ToolResult::error("code: stdin: larger than 1 MiB");
    }
    std::chrono::milliseconds wall = config_.limits.wall;
    if (args.contains("timeout_s")) {
      const Json& t = args["timeout_s"];
      double max_seconds = static_cast<double>(config_.max_timeout.count()) / 1000.0;
      if (!t.is_number() || !(t.get<double>() > 0) || t.get<double>() > max_seconds)
        return ToolResult::error(std::string("code: timeout_s: must be a number in (0, ") +
                                 std::to_string(static_cast<int>(max_seconds)) + "]");
      wall = seconds_to_millis(t.get<double>());
    }
    auto now = Clock::now();
    if (context.deadline <= now) return ToolResult::error("code: the call's deadline has passed");
    if (context.deadline - now < wall)
      wall = std::chrono::duration_cast<std::chrono::milliseconds>(context.deadline - now);
    if (wall.count() <= 0) return ToolResult::error("code: the call's deadline has passed");

    const std::string& interpreter = python ? config_.python : config_.shell;
    if (::access(interpreter.c_str(), X_OK) != 0)
      return ToolResult::error(std::string("code: ") + (python ? "python" : "sh") +
                               " is not available at " + interpreter);
    auto dir = WorkDir::create(config_.work_root);
    if (!dir.ok()) return ToolResult::error(dir.error().message);
    std::string main_file = python ? "main.py" : "main.sh";
    Status written = dir->write(main_file, source);
    if (written.ok() && args.contains("files"))
      written = write_files(*dir, args["files"], main_file);
    if (!written.ok())
      return ToolResult::error(unicode::from_utf8_lossy("code: " + written.error().message));

    ProcessSpec spec;
    std::string path = dir->path().string();
    std::string script = (dir->path() / main_file).string();
    spec.argv = python ? std::vector<std::string>{interpreter, "-B", "-E", "-s", script}
                       : std::vector<std::string>{interpreter, script};
    spec.env = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + path, "TMPDIR=" + path,
                "LANG=C.UTF-8", "LC_ALL=C.UTF-8"};
    spec.work_dir = dir->path();
    spec.work_files = dir->entries();
    spec.stdin_data = std::move(stdin_data);
    spec.limits = config_.limits;
    spec.limits.wall = wall;
    spec.limits.cpu_seconds = static_cast<int>((wall.count() + 999) / 1000);
    auto outcome = run_sandboxed(spec);
    if (!outcome.ok()) return ToolResult::error("code: " + outcome.error().message);
    return result(*outcome, spec.limits);
  }

  static Status write_files(WorkDir& dir, const Json& files, const std::string& main_file) {
    if (!files.is_object())
      return fail(ErrorCode::invalid_argument, "files: must be an object of name: content");
    if (files.size() > kMaxFiles)
      return fail(ErrorCode::invalid_argument, "files: more than 64 files");
    std::size_t total = 0;
    for (const auto& [name, content] : files.items()) {
      if (!content.is_string())
        return fail(ErrorCode::invalid_argument, "files: '" + name + "': content must be a string");
      if (name == main_file)
        return fail(ErrorCode::invalid_argument,
                    "files: '" + name + "' is the name of the source file");
      total += content.get_ref<const std::string&>().size();
      if (total > kMaxFilesBytes)
        return fail(ErrorCode::invalid_argument, "files: more than 8 MiB in all");
      Status s = dir.write(name, content.get_ref<const std::string&>());
      if (!s.ok()) return s;
    }
    return Status::success();
  }

  static ToolResult result(const ProcessOutcome& o, const ProcessLimits& limits) {
    Json r = {{"exit_code", o.exit_code ? Json(*o.exit_code) : Json(nullptr)},
              {"signal", o.signal ? Json(signal_name(*o.signal)) : Json(nullptr)},
              {"timed_out", o.timed_out},
              {"stdout", unicode::from_utf8_lossy(o.stdout_data)},
              {"stderr", unicode::from_utf8_lossy(o.stderr_data)},
              {"stdout_truncated", o.stdout_truncated},
              {"stderr_truncated", o.stderr_truncated},
              {"wall_ms", o.wall.count()},
              {"cpu_ms", o.cpu.count()},
              {"protections", o.protections.to_json()}};
    if (!o.setup_error.empty()) r["error"] = unicode::from_utf8_lossy(o.setup_error);
    ToolResult tool_result = ToolResult::text(render_text(r, limits));
    tool_result.structured = std::move(r);
    tool_result.is_error =
        !(o.exit_code && *o.exit_code == 0 && !o.timed_out && o.setup_error.empty());
    return tool_result;
  }

  CodeConfig config_;
  ToolDescription description_;
};

}  // namespace

Result<std::unique_ptr<Tool>> make_code_tool(const nlohmann::json& config) {
  auto parsed = parse_config(config);
  if (!parsed.ok()) return parsed.error();
  return std::unique_ptr<Tool>(new CodeTool(std::move(*parsed)));
}

}  // namespace recur::tools
