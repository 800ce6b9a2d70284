// `recur` as a child process for the benches that run it (serve_load, cluster_scale): the service
// started the way a user starts it
// (`recur serve ... --json`, whose first line on stdout names its URL) and stopped with SIGTERM,
// and short commands (`recur token add`) whose output is read back. The bench sees the service only
// through its command line and its HTTP API.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace recur::bench {

// A running `recur serve`.
class ServeProcess {
 public:
  // Starts `recur` with `args` in `cwd`, stderr to `log`, and waits up to `timeout` for the first
  // line on stdout ({"url": ...}). Exits the bench with a message (and the log's tail) when the
  // service does not come up.
  static ServeProcess start(const std::filesystem::path& recur,
                            const std::vector<std::string>& args, const std::filesystem::path& cwd,
                            const std::filesystem::path& log, std::chrono::seconds timeout);
  ServeProcess(ServeProcess&& other) noexcept;
  ServeProcess& operator=(ServeProcess&&) = delete;
  ~ServeProcess();  // stop()

  const std::string& url() const { return url_; }
  // The port cluster nodes join (`cluster_port` of its first line); 0 without --cluster-listen.
  int cluster_port() const { return cluster_port_; }
  int port() const;
  pid_t pid() const { return pid_; }
  // SIGTERM (the service drains), then SIGKILL if it has not exited within `grace`. Returns the
  // exit status (-1 when it was killed). Idempotent.
  int stop(std::chrono::seconds grace = std::chrono::seconds(30));

 private:
  ServeProcess(pid_t pid, std::string url, int cluster_port)
      : pid_(pid), url_(std::move(url)), cluster_port_(cluster_port) {}
  pid_t pid_ = -1;
  std::string url_;
  int cluster_port_ = 0;
};

// A `recur` child that prints nothing to wait for (`recur node`): stderr to `log`, stopped with
// SIGTERM (then SIGKILL after `grace`) when this goes.
class ChildProcess {
 public:
  static ChildProcess start(const std::filesystem::path& recur,
                            const std::vector<std::string>& args, const std::filesystem::path& cwd,
                            const std::filesystem::path& log);
  ChildProcess(ChildProcess&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }
  ChildProcess& operator=(ChildProcess&&) = delete;
  ~ChildProcess() { stop(); }
  pid_t pid() const { return pid_; }
  void stop(std::chrono::seconds grace = std::chrono::seconds(10));

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Runs `recur` with `args` and returns what it printed on stdout, trimmed; exits the bench with a
// message when it fails.
std::string run_recur(const std::filesystem::path& recur, const std::vector<std::string>& args);

// The CPU seconds (user + system) a process has used so far; 0 when it cannot be read.
double process_cpu_seconds(pid_t pid);

}  // namespace recur::bench
