// Runs one program in a subprocess sandbox and captures what it wrote. The sandbox is built from
// what this kernel and these privileges allow, probed on every run, and the outcome says which
// protections were applied:
//
//   runner ── fork ─▶ keeper (the runner's credentials; own session; child subreaper; enforces the
//                     wall-clock limit; unshares mount, network, IPC, UTS and PID namespaces — for
//                     a non-root runner inside a new user namespace first)
//                       └─ fork ─▶ init (PID 1 of the new PID namespace: private mount propagation,
//                                  a size-limited tmpfs work directory with copies of the input
//                                  files, a fresh /proc, everything else read-only; reaps orphans)
//                                    └─ fork ─▶ program (drops to nobody when root; its own user
//                                               namespace, so process limits count only this run;
//                                               rlimits; no new privileges; fds 0-2 only; execve)
//
// When the program exits, init exits and the kernel kills everything left in the PID namespace;
// without one, the keeper kills every remaining descendant (they are reparented to it). On the
// deadline the keeper kills init first. Output is drained with byte caps: a stream that passes its
// cap is closed, so its writer gets SIGPIPE, and a grandchild holding a pipe open cannot make the
// runner wait past the deadline.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.hpp"

namespace recur::tools {

struct ProcessLimits {
  std::chrono::milliseconds wall{10'000};
  int cpu_seconds = 10;  // RLIMIT_CPU: SIGXCPU, then SIGKILL a second later
  std::uint64_t address_space_bytes = 1ull << 30;  // RLIMIT_AS, per process
  std::uint64_t file_size_bytes = 16ull << 20;     // RLIMIT_FSIZE, per file
  std::uint64_t disk_bytes = 64ull << 20;          // size of the tmpfs work directory
  int open_files = 64;                             // RLIMIT_NOFILE
  int processes = 64;                              // RLIMIT_NPROC, threads included
  std::size_t stdout_bytes = 64u << 10;
  std::size_t stderr_bytes = 64u << 10;
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is the program's absolute path
  std::vector<std::string> env;   // "NAME=value": the whole environment
  // An existing host directory with the input files; the program's working directory (a tmpfs at
  // the same path holding copies of them when a mount namespace is available).
  std::filesystem::path work_dir;
  std::vector<std::string> work_files;  // relative paths of the input files; directories end in '/'
  std::string stdin_data;
  ProcessLimits limits;
};

// What one run actually got. A protection is true only when it was applied.
struct Protections {
  bool own_session = false;
  bool subreaper = false;
  bool user_namespace = false;
  bool pid_namespace = false;
  bool network_namespace = false;
  bool mount_namespace = false;
  bool ipc_namespace = false;
  bool uts_namespace = false;
  bool read_only_root = false;
  bool private_work_dir = false;  // size-limited tmpfs
  bool private_proc = false;
  bool no_new_privileges = false;
  bool socket_filter = false;  // seccomp: no IPv4, IPv6 or packet sockets, no io_uring
  bool rlimits = false;
  bool inherited_fds_closed = false;
  int uid = -1;  // the program's user and group, as the host sees them
  int gid = -1;

  nlohmann::json to_json() const;
};

struct ProcessOutcome {
  std::optional<int> exit_code;  // set when the program exited
  std::optional<int> signal;     // set when a signal ended it
  bool timed_out = false;
  std::string stdout_data;
  std::string stderr_data;
  bool stdout_truncated = false;
  bool stderr_truncated = false;
  std::chrono::milliseconds wall{0};
  std::chrono::milliseconds cpu{0};  // the program and the children it waited for
  std::string setup_error;           // why the program never started, when it did not
  Protections protections;
};

// Runs `spec` and waits for the end of the whole process tree. Thread-safe: runs are independent.
// Fails only when the runner cannot start a run (no pipe, no fork); everything the program does is
// reported in the outcome.
Result<ProcessOutcome> run_sandboxed(const ProcessSpec& spec);

// The name of a signal ("SIGKILL"), or "signal N".
std::string signal_name(int signal);

}  // namespace recur::tools
