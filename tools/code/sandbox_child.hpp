// The child side of a sandboxed run (sandbox_process.hpp): the keeper, init and program processes.
// They run between fork and execve in a copy of a multithreaded runner, so they use only system
// calls and memory prepared before the fork: no allocation, no locks, no C++ exceptions.
//
// The processes tell the runner what they applied through the report pipe, as fixed-size records
// written atomically (each is far below PIPE_BUF).
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace recur::tools::sandbox {

enum class Report : std::int32_t {
  session = 1,
  subreaper,
  user_namespace,
  pid_namespace,
  network_namespace,
  mount_namespace,
  ipc_namespace,
  uts_namespace,
  read_only_root,
  private_work_dir,
  private_proc,
  no_new_privileges,
  socket_filter,
  rlimits,
  fds_closed,
  uid,
  gid,
  exit_status,   // raw wait status of the program
  cpu_millis,    // user + system time of the program
  timed_out,     // the keeper hit the wall-clock limit
  exec_errno,    // execve failed with this errno
  setup_failed,  // a protection that must hold could not be applied (value: errno)
};

struct Record {
  Report what;
  std::int32_t value;
};

// Everything the children need, prepared by the runner before fork.
struct ChildPlan {
  // Descriptors in the runner; the keeper moves them to 0, 1, 2 and 3.
  int stdin_fd, stdout_fd, stderr_fd, report_fd;
  pid_t runner_pid;
  char* const* argv;
  char* const* envp;
  const char* work_dir;
  const char* const* work_files;  // null-terminated; directories end in '/'
  const char* tmpfs_options;      // "size=...,nr_inodes=...,mode=0700,uid=...,gid=..."
  bool runner_is_root;
  uid_t program_uid;  // nobody when the runner is root, else the runner's own
  gid_t program_gid;
  const char* uid_map;  // "<uid> <uid> 1\n"
  const char* gid_map;
  long wall_millis;
  std::uint64_t cpu_seconds, address_space_bytes, file_size_bytes, open_files, processes;
};

// The keeper: never returns.
[[noreturn]] void run_keeper(const ChildPlan& plan);

}  // namespace recur::tools::sandbox
