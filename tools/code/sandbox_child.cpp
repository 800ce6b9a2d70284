#include "tools/code/sandbox_child.hpp"

#include "tools/code/socket_filter.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace recur::tools::sandbox {
namespace {

constexpr int kReportFd = 3;

void report(Report what, std::int32_t value) {
  Record record{what, value};
  while (write(kReportFd, &record, sizeof record) < 0 && errno == EINTR) {
  }
}

[[noreturn]] void fail_setup(int error) {
  report(Report::setup_failed, error);
  _exit(126);
}

bool write_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto length = static_cast<ssize_t>(std::strlen(text));
  bool ok = write(fd, text, static_cast<size_t>(length)) == length;
  close(fd);
  return ok;
}

void close_from(int first) {
  if (close_range(static_cast<unsigned>(first), ~0U, 0) == 0) return;
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  rlim_t last = limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > 65536 ? 65536 : limit.rlim_cur;
  for (rlim_t fd = static_cast<rlim_t>(first); fd < last; ++fd) close(static_cast<int>(fd));
}

// Moves the run's descriptors to 0-3 and closes every other descriptor the runner had open,
// including those of concurrent runs.
void take_descriptors(const ChildPlan& plan) {
  const int wanted[4] = {plan.stdin_fd, plan.stdout_fd, plan.stderr_fd, plan.report_fd};
  int high[4];
  for (int i = 0; i < 4; ++i)
    if ((high[i] = fcntl(wanted[i], F_DUPFD_CLOEXEC, 10)) < 0) _exit(125);
  for (int i = 0; i < 4; ++i)
    if (dup2(high[i], i) < 0) _exit(125);
  close_from(4);
}

// The keeper and init are copies of the runner, and /proc/<pid>/cmdline shows anyone their
// argument strings: blank this copy of them (fields 48 and 49 of /proc/self/stat are their bounds).
void hide_runner_arguments() {
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  char text[1024];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return;
  text[n] = '\0';
  const char* p = std::strrchr(text, ')');
  if (p == nullptr) return;
  unsigned long bounds[2] = {0, 0};
  for (int field = 2; *p != '\0' && field < 49; ++p) {
    if (*p != ' ') continue;
    ++field;
    if (field < 48) continue;
    unsigned long value = 0;
    for (const char* d = p + 1; *d >= '0' && *d <= '9'; ++d) value = value * 10 + (*d - '0');
    bounds[field - 48] = value;
  }
  if (bounds[0] != 0 && bounds[1] > bounds[0] && bounds[1] - bounds[0] < (1ul << 24))
    std::memset(reinterpret_cast<void*>(bounds[0]), 0, bounds[1] - bounds[0]);
}

// A new user namespace in which the caller keeps its own ids. Writing its maps needs the process
// dumpable for a moment; it is left not dumpable (execve decides afresh).
bool enter_user_namespace(const ChildPlan& plan) {
  prctl(PR_SET_DUMPABLE, 1);
  bool entered = unshare(CLONE_NEWUSER) == 0 && write_file("/proc/self/setgroups", "deny") &&
                 write_file("/proc/self/uid_map", plan.uid_map) &&
                 write_file("/proc/self/gid_map", plan.gid_map);
  prctl(PR_SET_DUMPABLE, 0);
  return entered;
}

bool set_limit(int resource, rlim_t soft, rlim_t hard) {
  rlimit current{};
  if (getrlimit(resource, &current) != 0) return false;
  if (current.rlim_max != RLIM_INFINITY) {
    if (hard > current.rlim_max) hard = current.rlim_max;
    if (soft > hard) soft = hard;
  }
  rlimit wanted{soft, hard};
  return setrlimit(resource, &wanted) == 0;
}

[[noreturn]] void run_program(const ChildPlan& plan) {
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  for (int s = 1; s < NSIG; ++s) sigaction(s, &default_action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_PDEATHSIG, SIGKILL);

  if (plan.runner_is_root) {
    if (setgroups(0, nullptr) != 0 ||
        setresgid(plan.program_gid, plan.program_gid, plan.program_gid) != 0 ||
        setresuid(plan.program_uid, plan.program_uid, plan.program_uid) != 0)
      fail_setup(errno);
    if (getuid() == 0 || geteuid() == 0 || getgid() == 0) fail_setup(EPERM);
  }
  report(Report::uid, static_cast<std::int32_t>(getuid()));
  report(Report::gid, static_cast<std::int32_t>(getgid()));
  if (plan.runner_is_root) {
    // Process limits count per user namespace: in its own, this run counts only its processes.
    report(Report::user_namespace, enter_user_namespace(plan) ? 1 : 0);
  }

  bool limited = set_limit(RLIMIT_CPU, plan.cpu_seconds, plan.cpu_seconds + 1) &&
                 set_limit(RLIMIT_AS, plan.address_space_bytes, plan.address_space_bytes) &&
                 set_limit(RLIMIT_FSIZE, plan.file_size_bytes, plan.file_size_bytes) &&
                 set_limit(RLIMIT_NOFILE, plan.open_files, plan.open_files) &&
                 set_limit(RLIMIT_NPROC, plan.processes, plan.processes) &&
                 set_limit(RLIMIT_CORE, 0, 0) && set_limit(RLIMIT_MEMLOCK, 0, 0);
  report(Report::rlimits, limited ? 1 : 0);
  bool no_new_privileges = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0;
  report(Report::no_new_privileges, no_new_privileges ? 1 : 0);
  report(Report::socket_filter, no_new_privileges && install_socket_filter() ? 1 : 0);
  fcntl(kReportFd, F_SETFD, FD_CLOEXEC);
  report(Report::fds_closed, 1);
  execve(plan.argv[0], plan.argv, plan.envp);
  report(Report::exec_errno, errno);
  _exit(127);
}

// Copies the input files from the host work directory into the private one.
bool copy_work_files(int from, int to, const ChildPlan& plan) {
  char buffer[1 << 13];
  for (const char* const* name = plan.work_files; *name != nullptr; ++name) {
    std::size_t length = std::strlen(*name);
    if (length > 0 && (*name)[length - 1] == '/') {
      if (mkdirat(to, *name, 0700) != 0 && errno != EEXIST) return false;
      fchownat(to, *name, plan.program_uid, plan.program_gid, AT_SYMLINK_NOFOLLOW);
      continue;
    }
    int in = openat(from, *name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    int out = openat(to, *name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    bool ok = in >= 0 && out >= 0;
    for (ssize_t n = 0; ok && (n = read(in, buffer, sizeof buffer)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      ok = n > 0 && write(out, buffer, static_cast<size_t>(n)) == n;
    }
    if (ok) fchown(out, plan.program_uid, plan.program_gid);
    if (in >= 0) close(in);
    if (out >= 0) close(out);
    if (!ok) return false;
  }
  return true;
}

// Hands the host work directory to the program's user, when it cannot have a private one.
void give_host_work_dir(const ChildPlan& plan) {
  chown(plan.work_dir, plan.program_uid, plan.program_gid);
  int dir = open(plan.work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  for (const char* const* name = plan.work_files; *name != nullptr; ++name)
    fchownat(dir, *name, plan.program_uid, plan.program_gid, AT_SYMLINK_NOFOLLOW);
  close(dir);
}

// In a new mount namespace: nothing propagates back to the host; the work directory becomes a
// size-limited tmpfs with copies of the input files; /proc shows only the new PID namespace; the
// rest of the tree is read-only. Returns whether the work directory is private.
bool set_up_mounts(const ChildPlan& plan, bool pid_namespace) {
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return false;
  bool private_dir = false;
  int host_dir = open(plan.work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (host_dir >= 0 &&
      mount("tmpfs", plan.work_dir, "tmpfs", MS_NOSUID | MS_NODEV, plan.tmpfs_options) == 0) {
    int new_dir = open(plan.work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (new_dir < 0 || !copy_work_files(host_dir, new_dir, plan)) fail_setup(ENOSPC);
    close(new_dir);
    private_dir = true;
  } else {
    // A bind mount makes the host work directory a mount of its own, which stays writable below.
    mount(plan.work_dir, plan.work_dir, nullptr, MS_BIND, nullptr);
  }
  if (host_dir >= 0) close(host_dir);
  bool proc = pid_namespace &&
              mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) == 0;
  report(Report::private_proc, proc ? 1 : 0);

  mount_attr read_only{};
  read_only.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID;
  bool locked = mount_setattr(AT_FDCWD, "/", AT_RECURSIVE, &read_only, sizeof read_only) == 0;
  if (locked) {
    mount_attr writable{};
    writable.attr_clr = MOUNT_ATTR_RDONLY;
    if (mount_setattr(AT_FDCWD, plan.work_dir, 0, &writable, sizeof writable) != 0)
      fail_setup(errno);
    // /proc stays writable so the program can set up its own user namespace's maps.
    mount_setattr(AT_FDCWD, "/proc", 0, &writable, sizeof writable);
  }
  report(Report::read_only_root, locked ? 1 : 0);
  return private_dir;
}

[[noreturn]] void run_init(const ChildPlan& plan, int namespaces, bool privileged) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  bool pid_namespace = (namespaces & CLONE_NEWPID) != 0;
  bool mount_namespace = privileged && unshare(CLONE_NEWNS) == 0;
  report(Report::mount_namespace, mount_namespace ? 1 : 0);
  bool private_dir = mount_namespace && set_up_mounts(plan, pid_namespace);
  report(Report::private_work_dir, private_dir ? 1 : 0);
  if (!private_dir && plan.runner_is_root) give_host_work_dir(plan);
  if (chdir(plan.work_dir) != 0) fail_setup(errno);
  if ((namespaces & CLONE_NEWUTS) != 0) sethostname("sandbox", 7);

  pid_t program = fork();
  if (program < 0) fail_setup(errno);
  if (program == 0) run_program(plan);
  // As PID 1 this reaps every orphan of the namespace; returning kills whatever is left.
  int status = 0;
  rusage usage{};
  while (true) {
    int st = 0;
    rusage ru{};
    pid_t pid = wait4(-1, &st, 0, &ru);
    if (pid == program) {
      status = st;
      usage = ru;
      break;
    }
    if (pid < 0 && errno != EINTR) break;
  }
  long cpu_ms = (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000L +
                (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000L;
  report(Report::exit_status, status);
  report(Report::cpu_millis, static_cast<std::int32_t>(cpu_ms));
  _exit(0);
}

// The parent pid in /proc/<pid>/stat ("pid (comm) state ppid ..."), or -1.
pid_t parent_of(const char* pid_name) {
  char path[64] = "/proc/";
  std::strncat(path, pid_name, 32);
  std::strcat(path, "/stat");
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  char text[512];
  ssize_t n = read(fd, text, sizeof text - 1);
  close(fd);
  if (n <= 0) return -1;
  text[n] = '\0';
  const char* close_paren = std::strrchr(text, ')');
  if (close_paren == nullptr || close_paren[1] == '\0' || close_paren[2] == '\0') return -1;
  const char* p = close_paren + 4;  // past ") S "
  if (p >= text + n) return -1;
  pid_t parent = 0;
  for (; *p >= '0' && *p <= '9'; ++p) parent = parent * 10 + (*p - '0');
  return parent;
}

// Sends SIGKILL to every process whose parent is this one; returns how many it found.
int kill_children() {
  int proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (proc < 0) return 0;
  pid_t self = getpid();
  int found = 0;
  alignas(8) char buffer[8192];
  while (true) {
    long n = syscall(SYS_getdents64, proc, buffer, sizeof buffer);
    if (n <= 0) break;
    for (long offset = 0; offset < n;) {
      // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[].
      unsigned short record_length = 0;
      std::memcpy(&record_length, buffer + offset + 16, sizeof record_length);
      const char* name = buffer + offset + 19;
      offset += record_length;
      if (record_length == 0) break;
      if (name[0] < '1' || name[0] > '9') continue;
      if (parent_of(name) != self) continue;
      pid_t child = 0;
      for (const char* c = name; *c != '\0'; ++c) child = child * 10 + (*c - '0');
      kill(child, SIGKILL);
      ++found;
    }
  }
  close(proc);
  return found;
}

// Kills every remaining descendant: orphans are reparented to this subreaper, so repeating
// "kill my children, reap them" reaches the whole tree.
void sweep_descendants() {
  timespec pause{0, 2'000'000};
  while (true) {
    kill_children();
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
    }
    if (pid < 0 && errno == ECHILD) return;
    nanosleep(&pause, nullptr);
  }
}

// Waits for init until the wall-clock limit; past it, kills init (and so its PID namespace).
void wait_for_init(const ChildPlan& plan, pid_t init) {
  timespec deadline{};
  clock_gettime(CLOCK_MONOTONIC, &deadline);
  deadline.tv_sec += plan.wall_millis / 1000;
  deadline.tv_nsec += (plan.wall_millis % 1000) * 1'000'000L;
  if (deadline.tv_nsec >= 1'000'000'000L) {
    deadline.tv_sec += 1;
    deadline.tv_nsec -= 1'000'000'000L;
  }
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  while (true) {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
      if (pid == init) return;
    if (pid < 0 && errno == ECHILD) return;
    timespec now{};
    clock_gettime(CLOCK_MONOTONIC, &now);
    timespec left{deadline.tv_sec - now.tv_sec, deadline.tv_nsec - now.tv_nsec};
    if (left.tv_nsec < 0) {
      left.tv_sec -= 1;
      left.tv_nsec += 1'000'000'000L;
    }
    if (left.tv_sec < 0) {
      report(Report::timed_out, 1);
      kill(init, SIGKILL);
      return;
    }
    sigtimedwait(&child_signal, nullptr, &left);
  }
}

}  // namespace

void run_keeper(const ChildPlan& plan) {
  take_descriptors(plan);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != plan.runner_pid) _exit(125);
  hide_runner_arguments();
  report(Report::session, setsid() >= 0 ? 1 : 0);
  report(Report::subreaper, prctl(PR_SET_CHILD_SUBREAPER, 1) == 0 ? 1 : 0);
  // Keeper and init are copies of the runner's memory: no process of the run may read them.
  prctl(PR_SET_DUMPABLE, 0);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &default_action, nullptr);
  sigset_t child_signal;
  sigemptyset(&child_signal);
  sigaddset(&child_signal, SIGCHLD);
  sigprocmask(SIG_BLOCK, &child_signal, nullptr);

  // Without root, namespaces need a user namespace first.
  bool privileged = plan.runner_is_root;
  if (!privileged && enter_user_namespace(plan)) {
    privileged = true;
    report(Report::user_namespace, 1);
  }
  const struct {
    int flag;
    Report what;
  } spaces[] = {{CLONE_NEWNET, Report::network_namespace},
                {CLONE_NEWIPC, Report::ipc_namespace},
                {CLONE_NEWUTS, Report::uts_namespace},
                {CLONE_NEWPID, Report::pid_namespace}};
  int namespaces = 0;
  for (const auto& space : spaces) {
    bool ok = privileged && unshare(space.flag) == 0;
    if (ok) namespaces |= space.flag;
    report(space.what, ok ? 1 : 0);
  }
  pid_t init = fork();
  if (init < 0) fail_setup(errno);
  if (init == 0) run_init(plan, namespaces, privileged);
  wait_for_init(plan, init);
  sweep_descendants();
  _exit(0);
}

}  // namespace recur::tools::sandbox
