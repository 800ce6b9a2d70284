// Runs a program in a directory of its own, with its output captured, and can kill it with SIGKILL
// after a delay: the tests of what survives kill -9 of the recur executable.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"

namespace recur::testing {

struct Exit {
  bool killed = false;  // by our SIGKILL
  int status = -1;      // exit status otherwise
  std::string out, err;
};

// Starts `program ARGS` in `dir` with its stdout and stderr going to dir/stdout and dir/stderr;
// returns its process id.
inline pid_t start_program(const std::string& program, const std::vector<std::string>& args,
                           const std::filesystem::path& dir) {
  const auto out = dir / "stdout", err = dir / "stderr";
  const pid_t pid = ::fork();
  if (pid == 0) {
    const int o = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int e = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    if (::chdir(dir.c_str()) != 0) ::_exit(126);
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(program.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits for a program start_program started in `dir`; with `kill_after`, sends SIGKILL after
// that long unless it ended before.
inline Exit wait_program(pid_t pid, const std::filesystem::path& dir,
                         std::optional<std::chrono::milliseconds> kill_after = {}) {
  using Clock = std::chrono::steady_clock;
  Exit r;
  int raw = 0;
  bool ended = false;
  if (kill_after) {
    const auto until = Clock::now() + *kill_after;
    while (!ended && Clock::now() < until) {
      ended = ::waitpid(pid, &raw, WNOHANG) == pid;
      if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!ended) ::kill(pid, SIGKILL);
  }
  if (!ended) ::waitpid(pid, &raw, 0);
  r.killed = WIFSIGNALED(raw) && WTERMSIG(raw) == SIGKILL;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_file(dir / "stdout");
  r.err = read_file(dir / "stderr");
  return r;
}

// Runs `program ARGS` in `dir` (its stdout and stderr go to dir/stdout and dir/stderr); with
// `kill_after`, sends SIGKILL after that long unless it ended before.
inline Exit run_program(const std::string& program, const std::vector<std::string>& args,
                        const std::filesystem::path& dir,
                        std::optional<std::chrono::milliseconds> kill_after = {}) {
  return wait_program(start_program(program, args, dir), dir, kill_after);
}

}  // namespace recur::testing
