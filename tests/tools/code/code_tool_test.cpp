// The code tool: what a program sees (its files, stdin, a scrubbed environment, nobody's uid), what
// comes back (exit code or signal, separate capped streams, timings, the protections applied), and
// how arguments and config are checked.
#include "tools/code/code_tool.hpp"

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "code_test_support.hpp"

namespace recur::tools {
namespace {

using testing::code_tool;
using testing::run_code;
using Json = nlohmann::json;

TEST(CodeTool, RunsPythonAndCapturesStreamsSeparately) {
  auto tool = code_tool();
  auto run = run_code(*tool, "python",
                      "import sys\nprint(6 * 7)\nprint('oops', file=sys.stderr)\nsys.exit(3)");
  EXPECT_TRUE(run.is_error);
  EXPECT_EQ(run.result["exit_code"], 3);
  EXPECT_TRUE(run.result["signal"].is_null());
  EXPECT_EQ(run.result["stdout"], "42\n");
  EXPECT_EQ(run.result["stderr"], "oops\n");
  EXPECT_EQ(run.result["timed_out"], false);
  EXPECT_NE(run.text.find("exit code 3"), std::string::npos) << run.text;
  EXPECT_NE(run.text.find("--- stdout ---\n42\n"), std::string::npos) << run.text;
}

TEST(CodeTool, RunsShellWithStdinAndFiles) {
  auto tool = code_tool();
  auto run = run_code(*tool, "sh", "read line; echo \"got $line\"; cat data/in.txt; ls", 5,
                      {{"stdin", "hello\n"}, {"files", {{"data/in.txt", "file text\n"}}}});
  EXPECT_FALSE(run.is_error) << run.text;
  EXPECT_EQ(run.result["exit_code"], 0);
  EXPECT_EQ(run.result["stdout"], "got hello\nfile text\ndata\nmain.sh\n");
}

TEST(CodeTool, ProgramRunsAsNobodyInItsWorkDirWithAScrubbedEnvironment) {
  auto tool = code_tool();
  auto run = run_code(*tool, "python",
                      "import os\nprint(os.getuid(), os.getgid())\n"
                      "print(os.getcwd() == os.environ['HOME'])\n"
                      "print(sorted(os.environ))");
  EXPECT_EQ(run.result["exit_code"], 0) << run.text;
  if (::geteuid() == 0) {
    EXPECT_EQ(run.result["stdout"].get<std::string>().substr(0, 12), "65534 65534\n");
  }
  EXPECT_NE(run.result["stdout"].get<std::string>().find(
                "True\n['HOME', 'LANG', 'LC_ALL', 'PATH', 'TMPDIR']"),
            std::string::npos)
      << run.result["stdout"];
}

TEST(CodeTool, ReportsTheProtectionsApplied) {
  auto tool = code_tool();
  auto run = run_code(*tool, "sh", "true");
  const Json& p = run.result["protections"];
  std::cout << "protections on this kernel: " << p.dump() << "\n";
  for (const char* always : {"own_session", "child_subreaper", "no_new_privileges", "socket_filter",
                             "rlimits", "inherited_fds_closed"})
    EXPECT_EQ(p[always], true) << always;
  EXPECT_EQ(p["environment"], "scrubbed");
  if (::geteuid() == 0) {
    // Root can build every namespace; the program still runs as nobody.
    for (const char* ns : {"user_namespace", "pid_namespace", "network_namespace",
                           "mount_namespace", "read_only_root", "private_work_dir", "private_proc"})
      EXPECT_EQ(p[ns], true) << ns;
    EXPECT_EQ(p["uid"], 65534);
    EXPECT_EQ(p["gid"], 65534);
  }
}

TEST(CodeTool, ProgramHasNoCapabilitiesAndNoNewPrivileges) {
  auto tool = code_tool();
  auto run = run_code(*tool, "sh", "grep -E '^(CapEff|CapPrm|NoNewPrivs)' /proc/self/status");
  EXPECT_EQ(run.result["stdout"],
            "CapPrm:\t0000000000000000\nCapEff:\t0000000000000000\nNoNewPrivs:\t1\n")
      << run.text;
}

TEST(CodeTool, ExitBySignalIsReported) {
  auto tool = code_tool();
  auto run = run_code(*tool, "sh", "kill -TERM $$");
  EXPECT_TRUE(run.is_error);
  EXPECT_TRUE(run.result["exit_code"].is_null());
  EXPECT_EQ(run.result["signal"], "SIGTERM");
  EXPECT_NE(run.text.find("killed by SIGTERM"), std::string::npos) << run.text;
}

TEST(CodeTool, TimeoutKillsTheProgram) {
  auto tool = code_tool();
  auto start = std::chrono::steady_clock::now();
  auto run = run_code(*tool, "sh", "echo started; sleep 30", 1.5);
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(run.is_error);
  EXPECT_EQ(run.result["timed_out"], true);
  EXPECT_EQ(run.result["signal"], "SIGKILL");
  EXPECT_EQ(run.result["stdout"], "started\n");
  EXPECT_GE(run.result["wall_ms"].get<int>(), 1500);
  EXPECT_LT(elapsed, std::chrono::milliseconds(4500));
}

TEST(CodeTool, CallersDeadlineShortensTheTimeout) {
  auto tool = code_tool();
  CallContext context;
  context.deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  ToolResult r = tool->call({{"language", "sh"}, {"source", "sleep 30"}}, context);
  EXPECT_EQ(r.structured["timed_out"], true);
  EXPECT_LT(r.structured["wall_ms"].get<int>(), 2500);
}

TEST(CodeTool, OutputBeyondTheCapIsTruncatedAndMarked) {
  auto tool = code_tool({{"output_bytes", 1024}});
  auto run = run_code(*tool, "python", "import sys\nsys.stderr.write('e' * 10)\nprint('x' * 5000)");
  EXPECT_EQ(run.result["stdout"].get<std::string>(), std::string(1024, 'x'));
  EXPECT_EQ(run.result["stdout_truncated"], true);
  EXPECT_EQ(run.result["stderr"], "eeeeeeeeee");
  EXPECT_EQ(run.result["stderr_truncated"], false);
  EXPECT_NE(run.text.find("[stdout truncated after 1024 bytes]"), std::string::npos) << run.text;
}

TEST(CodeTool, BytesThatAreNotUtf8AreReplaced) {
  auto tool = code_tool();
  auto run = run_code(*tool, "sh", "printf 'a\\377b'");
  EXPECT_EQ(run.result["stdout"],
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_NO_THROW(run.result.dump());
}

TEST(CodeTool, MissingInterpreterIsAToolError) {
  auto tool = code_tool({{"python", "/nonexistent/python3"}});
  ToolResult r = tool->call({{"language", "python"}, {"source", "print(1)"}}, {});
  EXPECT_TRUE(r.is_error);
  EXPECT_EQ(r.joined_text(), "code: python is not available at /nonexistent/python3");
}

TEST(CodeTool, ArgumentsAreChecked) {
  auto tool = code_tool();
  auto error = [&](const Json& args) {
    ToolResult r = tool->call(args, {});
    EXPECT_TRUE(r.is_error) << args.dump();
    return r.joined_text();
  };
  EXPECT_EQ(error(Json::array()), "code: arguments must be an object");
  EXPECT_EQ(error({{"language", "ruby"}, {"source", "1"}}),
            "code: language: must be \"python\" or \"sh\"");
  EXPECT_EQ(error({{"language", "sh"}}), "code: source: must be a string");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"timeout_s", 0}}),
            "code: timeout_s: must be a number in (0, 60]");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"timeout_s", 61}}),
            "code: timeout_s: must be a number in (0, 60]");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"shell", "/bin/bash"}}),
            "code: unknown argument 'shell'");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"files", {{"../escape", "x"}}}}),
            "code: files: '../escape': '.' or '..' component");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"files", {{"/etc/x", "x"}}}}),
            "code: files: '/etc/x': absolute path");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"files", {{"main.sh", "x"}}}}),
            "code: files: 'main.sh' is the name of the source file");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"files", {{"a", 1}}}}),
            "code: files: 'a': content must be a string");
  EXPECT_EQ(error({{"language", "sh"}, {"source", "true"}, {"stdin", 5}}),
            "code: stdin: must be a string");
}

TEST(CodeTool, ConfigIsChecked) {
  auto error = [](const Json& config) {
    auto tool = make_code_tool(config);
    return tool.ok() ? std::string() : tool.error().message;
  };
  EXPECT_EQ(error({{"type", "code"}}), "");
  EXPECT_EQ(error({{"timeout_s", -1}}),
            "code tool config: 'timeout_s' must be a number of seconds in (0, 3600]");
  EXPECT_EQ(error({{"timeout_s", 30}, {"max_timeout_s", 10}}),
            "code tool config: 'max_timeout_s' must not be below 'timeout_s'");
  EXPECT_EQ(error({{"processes", 0}}),
            "code tool config: 'processes' must be an integer from 1 to 4096");
  EXPECT_EQ(error({{"python", "python3"}}), "code tool config: 'python' must be an absolute path");
  EXPECT_EQ(error({{"work_root", "/nonexistent"}}),
            "code tool config: work_root '/nonexistent' is not a directory");
  EXPECT_EQ(error({{"network", true}}), "code tool config: unknown field 'network'");
  EXPECT_EQ(error(Json::array()), "code tool config: must be a JSON object");
}

TEST(CodeTool, WorkDirIsRemovedAfterTheRun) {
  auto tool = code_tool();
  auto run = run_code(*tool, "sh", "pwd; mkdir -p a/b; echo x > a/b/c; chmod 000 a");
  ASSERT_EQ(run.result["exit_code"], 0) << run.text;
  std::string dir = run.result["stdout"].get<std::string>();
  dir.pop_back();
  EXPECT_EQ(dir.rfind((std::filesystem::temp_directory_path() / "recur-code-").string(), 0), 0u)
      << dir;
  EXPECT_FALSE(std::filesystem::exists(dir));
}

TEST(CodeTool, ConcurrentCallsAreIndependent) {
  auto tool = code_tool();
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        std::string word = "run" + std::to_string(t * 10 + i);
        auto run =
            run_code(*tool, "sh", "cat in.txt; sleep 0.1", 5, {{"files", {{"in.txt", word}}}});
        if (run.result["stdout"] == word && run.result["exit_code"] == 0) ++good;
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(good.load(), 12);
}

}  // namespace
}  // namespace recur::tools
