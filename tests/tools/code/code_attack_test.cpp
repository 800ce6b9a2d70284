// The attack list of reference/sandbox.md §1.3, each as a program given to the code tool. Every
// attack must be contained — it ends by the deadline, leaves no process behind, touches nothing
// outside its work directory, learns no secret — and the next call must work.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "code_test_support.hpp"

namespace recur::tools {
namespace {

using testing::code_tool;
using testing::processes_with;
using testing::run_code;
using Clock = std::chrono::steady_clock;

class CodeAttack : public testing::AttackTest {
 protected:
  // A number no other process is likely to carry in its command line.
  static std::string token() {
    static std::mt19937 rng(static_cast<unsigned>(::getpid()));
    return std::to_string(100000 + rng() % 800000);
  }
};

TEST_F(CodeAttack, DaemonThatLeavesTheSessionDoesNotOutliveTheRun) {
  std::string mark = token();
  auto run = run_code(*tool_, "python",
                      "import os, signal, time\n"
                      "if os.fork() == 0:\n"
                      "    os.setsid()\n"
                      "    signal.signal(signal.SIGHUP, signal.SIG_IGN)\n"
                      "    if os.fork() == 0:\n"
                      "        os.execv('/bin/sleep', ['sleep', '" +
                          mark +
                          "'])\n"
                          "    os._exit(0)\n"
                          "time.sleep(0.3)\nprint('parent done')",
                      5);
  // The run ends when the parent exits: a runner that waited for the daemon would time out.
  EXPECT_EQ(run.result["timed_out"], false) << run.text;
  EXPECT_EQ(run.result["stdout"], "parent done\n") << run.text;
  EXPECT_EQ(processes_with("sleep " + mark), 0);
}

TEST_F(CodeAttack, DaemonStillRunningAtTheTimeoutIsKilled) {
  std::string mark = token();
  auto run = run_code(*tool_, "sh", "setsid sleep " + mark + " & sleep 100", 0.5);
  EXPECT_EQ(run.result["timed_out"], true);
  EXPECT_EQ(processes_with("sleep " + mark), 0);
}

TEST_F(CodeAttack, GrandchildHoldingStdoutDoesNotHangTheRunner) {
  std::string mark = token();
  auto start = Clock::now();
  auto run = run_code(*tool_, "sh", "(sleep " + mark + " &) ; echo done", 5);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(run.result["exit_code"], 0);
  EXPECT_EQ(run.result["stdout"], "done\n");
  EXPECT_EQ(processes_with("sleep " + mark), 0);
}

TEST_F(CodeAttack, InfiniteOutputIsCappedAndEndsEarly) {
  auto start = Clock::now();
  auto run = run_code(*tool_, "sh", "exec yes", 5);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(2));
  EXPECT_EQ(run.result["stdout_truncated"], true);
  EXPECT_EQ(run.result["stdout"].get<std::string>().size(), 65536u);
  EXPECT_EQ(run.result["signal"], "SIGPIPE");
}

TEST_F(CodeAttack, MemoryBombHitsTheAddressSpaceLimit) {
  auto run = run_code(*tool_, "python",
                      "chunks = []\nwhile True:\n    chunks.append(bytearray(64 << 20))", 5);
  EXPECT_TRUE(run.is_error);
  EXPECT_EQ(run.result["exit_code"], 1);
  EXPECT_NE(run.result["stderr"].get<std::string>().find("MemoryError"), std::string::npos)
      << run.text;
}

TEST_F(CodeAttack, CpuSpinIsStopped) {
  auto start = Clock::now();
  auto run = run_code(*tool_, "python", "while True:\n    pass", 1);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_TRUE(run.result["timed_out"] == true || run.result["signal"] == "SIGXCPU") << run.text;
}

TEST_F(CodeAttack, SleepForeverIsStopped) {
  auto start = Clock::now();
  auto run = run_code(*tool_, "python", "import time\ntime.sleep(1e6)", 1);
  EXPECT_LT(Clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(run.result["timed_out"], true);
}

TEST_F(CodeAttack, DiskFillStopsAtTheQuota) {
  auto tool = code_tool({{"disk_bytes", 8 << 20}, {"file_size_bytes", 4 << 20}});
  auto run = run_code(*tool, "python",
                      "import os\nblock = b'x' * (1 << 20)\ni = 0\n"
                      "try:\n"
                      "    while True:\n"
                      "        with open('f%d' % i, 'wb') as f:\n"
                      "            for _ in range(8): f.write(block)\n"
                      "        i += 1\n"
                      "except OSError as e:\n"
                      "    print(i, e.strerror)",
                      5);
  std::string out = run.result["stdout"];
  EXPECT_TRUE(out.find("File too large") != std::string::npos ||
              out.find("No space left on device") != std::string::npos)
      << run.text;
  run = run_code(*tool, "python",
                 "import os\nn = 0\ntry:\n"
                 "    while True:\n"
                 "        with open('%d' % n, 'wb') as f: f.write(b'x' * 100000)\n"
                 "        n += 1\n"
                 "except OSError as e:\n    print(e.strerror)",
                 5);
  EXPECT_EQ(run.result["stdout"], "No space left on device\n") << run.text;
}

TEST_F(CodeAttack, WritesOutsideTheWorkDirFail) {
  std::string mark = token();
  auto run = run_code(*tool_, "python",
                      "import os\n"
                      "for path in ['/tmp/escape-" +
                          mark + "', '/etc/escape-" + mark + "', '../escape-" + mark +
                          "', '/dev/shm/escape-" + mark + "', '/var/tmp/escape-" + mark +
                          "', os.path.expanduser('~/../escape-" + mark +
                          "')]:\n"
                          "    try:\n"
                          "        open(path, 'w').write('x')\n"
                          "        print('wrote', path)\n"
                          "    except OSError as e:\n"
                          "        print('refused', e.strerror)\n",
                      5);
  std::string out = run.result["stdout"];
  EXPECT_EQ(out.find("wrote"), std::string::npos) << out;
  for (const char* dir : {"/tmp", "/etc", "/dev/shm", "/var/tmp"})
    EXPECT_FALSE(std::filesystem::exists(std::string(dir) + "/escape-" + mark)) << dir;
}

TEST_F(CodeAttack, SymlinkToAHostFileGivesNoMoreThanNobodysRights) {
  if (::geteuid() != 0) GTEST_SKIP() << "the check relies on a root-only file";
  auto run = run_code(*tool_, "sh", "ln -s /etc/shadow s && cat s", 5);
  EXPECT_NE(run.result["exit_code"], 0);
  EXPECT_NE(run.result["stderr"].get<std::string>().find("Permission denied"), std::string::npos)
      << run.text;
}

TEST_F(CodeAttack, HostEnvironmentSecretsAreAbsent) {
  ::setenv("RECUR_TEST_SECRET", "s3cr3t-value-9f8e7d", 1);
  auto run = run_code(*tool_, "sh",
                      "env; cat /proc/1/environ /proc/" + std::to_string(::getpid()) +
                          "/environ /proc/$PPID/environ 2>&1 | tr '\\0' '\\n'",
                      5);
  ::unsetenv("RECUR_TEST_SECRET");
  EXPECT_EQ(run.text.find("s3cr3t-value-9f8e7d"), std::string::npos) << run.text;
  EXPECT_EQ(run.text.find("RECUR_TEST_SECRET"), std::string::npos) << run.text;
}

TEST_F(CodeAttack, RunnerArgumentsAndMemoryAreHidden) {
  // init is a copy of the runner: its command line is blank and its memory unreadable.
  auto run = run_code(*tool_, "python",
                      "print(open('/proc/1/cmdline', 'rb').read().strip(b'\\0'))\n"
                      "for name in ('environ', 'mem', 'maps'):\n"
                      "    try:\n        open('/proc/1/' + name, 'rb').read(16)\n"
                      "        print('read', name)\n"
                      "    except OSError as e:\n        print(name, e.strerror)",
                      5);
  EXPECT_EQ(run.result["stdout"],
            "b''\nenviron Permission denied\nmem Permission denied\nmaps Permission denied\n")
      << run.text;
}

TEST_F(CodeAttack, NetworkConnectionsFail) {
  int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(::listen(listener, 4), 0);
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  int port = ntohs(address.sin_port);
  auto run = run_code(*tool_, "python",
                      "import socket\n"
                      "for host in ['127.0.0.1', '10.0.0.1']:\n"
                      "    try:\n"
                      "        socket.create_connection((host, " +
                          std::to_string(port) +
                          "), timeout=0.5)\n"
                          "        print('connected', host)\n"
                          "    except OSError as e:\n"
                          "        print('refused', host, e.strerror)\n",
                      5);
  std::string out = run.result["stdout"];
  EXPECT_EQ(out.find("connected"), std::string::npos) << out;
  EXPECT_NE(out.find("refused 127.0.0.1 Operation not permitted"), std::string::npos) << out;
  EXPECT_LT(::accept(listener, nullptr, nullptr), 0);  // nobody knocked
  ::close(listener);
}

TEST_F(CodeAttack, InheritedDescriptorsAreClosed) {
  std::string path = std::filesystem::temp_directory_path() / ("recur-fd-secret-" + token());
  std::ofstream(path) << "descriptor secret";
  int fd = ::open(path.c_str(), O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(fd, 3);
  auto run = run_code(*tool_, "python",
                      "import os\n"
                      "print(sorted(int(n) for n in os.listdir('/proc/self/fd')))\n"
                      "try:\n    print(os.read(" +
                          std::to_string(fd) +
                          ", 100))\n"
                          "except OSError as e:\n    print('closed', e.strerror)\n",
                      5);
  ::close(fd);
  std::filesystem::remove(path);
  std::string out = run.result["stdout"];
  EXPECT_NE(out.find("[0, 1, 2, 3]\nclosed Bad file descriptor"), std::string::npos) << out;
  EXPECT_EQ(out.find("descriptor secret"), std::string::npos);
}

TEST_F(CodeAttack, NoControllingTerminalForKeystrokeInjection) {
  auto run = run_code(*tool_, "python",
                      "try:\n    open('/dev/tty', 'w')\n    print('terminal')\n"
                      "except OSError as e:\n    print(e.strerror)",
                      5);
  EXPECT_EQ(run.result["stdout"], "No such device or address\n") << run.text;
}

TEST_F(CodeAttack, KillingItsParentsHarmsNoOne) {
  auto run = run_code(*tool_, "python",
                      "import os, signal\n"
                      "for pid in (os.getppid(), 1, -1):\n"
                      "    try:\n"
                      "        os.kill(pid, signal.SIGKILL)\n"
                      "    except OSError as e:\n"
                      "        print(pid, e.strerror)\n"
                      "print('still here')",
                      2);
  // kill(-1) takes the program itself down at the latest; the runner and this test live on.
  EXPECT_TRUE(run.result["signal"] == "SIGKILL" || run.result["exit_code"] == 0) << run.text;
  EXPECT_EQ(::kill(::getpid(), 0), 0);
}

}  // namespace
}  // namespace recur::tools
