#include "bench/serve_load/recur_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

namespace recur::bench {
namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void die(const std::string& message) {
  std::fprintf(stderr, "recur bench: %s\n", message.c_str());
  std::exit(1);
}

// Forks and execs `recur args...` in `cwd` with stdout on a pipe (returned) and stderr on
// `err_fd` (or inherited when -1). The child dies with the bench.
pid_t spawn(const std::filesystem::path& recur, const std::vector<std::string>& args,
            const std::filesystem::path& cwd, int err_fd, int& out_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) die("pipe failed");
  std::vector<std::string> argv_text{recur.string()};
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid < 0) die("fork failed");
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(fds[1], STDOUT_FILENO);
    if (err_fd >= 0) dup2(err_fd, STDERR_FILENO);
    if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fds[1]);
  out_fd = fds[0];
  return pid;
}

// SIGTERM, then SIGKILL if `pid` has not exited within `grace`; its exit status (-1 when killed).
int terminate(pid_t pid, std::chrono::seconds grace) {
  kill(pid, SIGTERM);
  int status = 0;
  const auto deadline = Clock::now() + grace;
  pid_t done = 0;
  while ((done = waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (done == 0) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  return done != 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string tail_of(const std::filesystem::path& file) {
  std::ifstream f(file);
  std::string text{std::istreambuf_iterator<char>(f), {}};
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

}  // namespace

ServeProcess ServeProcess::start(const std::filesystem::path& recur,
                                 const std::vector<std::string>& args,
                                 const std::filesystem::path& cwd, const std::filesystem::path& log,
                                 std::chrono::seconds timeout) {
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) die("cannot write " + log.string());
  int out_fd = -1;
  const pid_t pid = spawn(recur, args, cwd, log_fd, out_fd);
  close(log_fd);
  std::string line;
  const auto deadline = Clock::now() + timeout;
  while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
    pollfd p{out_fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) continue;
    char buffer[512];
    const ssize_t n = read(out_fd, buffer, sizeof buffer);
    if (n <= 0) break;
    line.append(buffer, static_cast<std::size_t>(n));
  }
  close(out_fd);
  const auto j = nlohmann::json::parse(line.substr(0, line.find('\n')), nullptr, false);
  if (j.is_discarded() || !j.contains("url") || !j["url"].is_string()) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    die("recur serve did not start; its log (" + log.string() + ") ends:\n" + tail_of(log));
  }
  return ServeProcess(pid, j["url"].get<std::string>(), j.value("cluster_port", 0));
}

ChildProcess ChildProcess::start(const std::filesystem::path& recur,
                                 const std::vector<std::string>& args,
                                 const std::filesystem::path& cwd,
                                 const std::filesystem::path& log) {
  const int log_fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) die("cannot write " + log.string());
  int out_fd = -1;
  const pid_t pid = spawn(recur, args, cwd, log_fd, out_fd);
  close(log_fd);
  close(out_fd);
  return ChildProcess(pid);
}

void ChildProcess::stop(std::chrono::seconds grace) {
  if (pid_ < 0) return;
  (void)terminate(pid_, grace);
  pid_ = -1;
}

ServeProcess::ServeProcess(ServeProcess&& other) noexcept
    : pid_(other.pid_), url_(std::move(other.url_)), cluster_port_(other.cluster_port_) {
  other.pid_ = -1;
}

ServeProcess::~ServeProcess() {
  stop();
}

int ServeProcess::port() const {
  return std::stoi(url_.substr(url_.rfind(':') + 1));
}

int ServeProcess::stop(std::chrono::seconds grace) {
  if (pid_ < 0) return 0;
  const int status = terminate(pid_, grace);
  pid_ = -1;
  return status;
}

std::string run_recur(const std::filesystem::path& recur, const std::vector<std::string>& args) {
  int out_fd = -1;
  const pid_t pid = spawn(recur, args, {}, -1, out_fd);
  std::string out;
  char buffer[512];
  for (ssize_t n; (n = read(out_fd, buffer, sizeof buffer)) > 0;)
    out.append(buffer, static_cast<std::size_t>(n));
  close(out_fd);
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) die("recur " + args.front() + " failed");
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

double process_cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  if (line.empty()) return 0;
  std::istringstream fields(line.substr(line.rfind(')') + 2));
  std::vector<std::string> f{std::istream_iterator<std::string>(fields), {}};
  if (f.size() < 13) return 0;
  // After the command: utime is field 14 and stime 15 of /proc/PID/stat.
  return static_cast<double>(std::stoull(f[11]) + std::stoull(f[12])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

}  // namespace recur::bench
