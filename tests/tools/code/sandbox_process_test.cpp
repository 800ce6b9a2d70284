// run_sandboxed itself: failures to start are reported, and a runner without root still gets its
// isolation from an unprivileged user namespace.
#include "tools/code/sandbox_process.hpp"

#include <grp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "tools/code/work_dir.hpp"

namespace recur::tools {
namespace {

using Json = nlohmann::json;

ProcessSpec spec_in(const WorkDir& dir, std::vector<std::string> argv) {
  ProcessSpec spec;
  spec.argv = std::move(argv);
  spec.env = {"PATH=/usr/bin:/bin"};
  spec.work_dir = dir.path();
  spec.limits.wall = std::chrono::milliseconds(3000);
  return spec;
}

TEST(SandboxProcess, ExecFailureIsReported) {
  auto dir = WorkDir::create(std::filesystem::temp_directory_path());
  ASSERT_TRUE(dir.ok());
  auto outcome = run_sandboxed(spec_in(*dir, {"/nonexistent/program"}));
  ASSERT_TRUE(outcome.ok()) << outcome.error().message;
  EXPECT_EQ(outcome->setup_error, "cannot execute /nonexistent/program: No such file or directory");
  EXPECT_EQ(outcome->exit_code, 127);
}

TEST(SandboxProcess, ProgramPathMustBeAbsolute) {
  auto dir = WorkDir::create(std::filesystem::temp_directory_path());
  ASSERT_TRUE(dir.ok());
  auto outcome = run_sandboxed(spec_in(*dir, {"sh", "-c", "true"}));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().message, "sandbox: argv[0] must be an absolute path");
}

TEST(SandboxProcess, SignalNamesAreSpelledOut) {
  EXPECT_EQ(signal_name(9), "SIGKILL");
  EXPECT_EQ(signal_name(25), "SIGXFSZ");
  EXPECT_EQ(signal_name(200), "signal 200");
}

// Runs, in a child process that gave up root, a program that probes its sandbox; the child reports
// the outcome back as JSON.
TEST(SandboxProcess, UnprivilegedRunnerStillIsolates) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to become an unprivileged runner";
  int channel[2];
  ASSERT_EQ(::pipe(channel), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(channel[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    Json report;
    {
      auto dir = WorkDir::create("/tmp");
      if (!dir.ok()) ::_exit(3);
      auto outcome = run_sandboxed(spec_in(
          *dir, {"/bin/sh", "-c",
                 "echo $$; id -u; ls /proc | grep -c '^[0-9]'; "
                 "cat /proc/net/dev | grep -c ':'; touch /tmp/unprivileged-escape 2>&1 || true"}));
      if (!outcome.ok()) ::_exit(4);
      report = {{"stdout", outcome->stdout_data},
                {"exit_code", outcome->exit_code.value_or(-1)},
                {"protections", outcome->protections.to_json()}};
    }
    std::string text = report.dump();
    if (::write(channel[1], text.data(), text.size()) < 0) ::_exit(5);
    ::_exit(0);
  }
  ::close(channel[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(channel[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(channel[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  Json report = Json::parse(text);
  const Json& p = report["protections"];
  std::cout << "protections for an unprivileged runner: " << p.dump() << "\n";
  EXPECT_EQ(report["exit_code"], 0);
  EXPECT_EQ(p["uid"], 65534);
  for (const char* applied : {"user_namespace", "pid_namespace", "network_namespace",
                              "mount_namespace", "no_new_privileges", "rlimits"})
    EXPECT_EQ(p[applied], true) << applied;
  // PID 1 of its own namespace runs it; only loopback is there; /tmp is read-only.
  std::string out = report["stdout"];
  EXPECT_EQ(out.substr(0, 2), "2\n") << out;
  EXPECT_NE(out.find("\n1\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Read-only file system"), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists("/tmp/unprivileged-escape"));
}

}  // namespace
}  // namespace recur::tools
