#include "tools/code/sandbox_process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "tools/code/sandbox_child.hpp"

namespace recur::tools {
namespace {

using Clock = std::chrono::steady_clock;
using sandbox::Record;
using sandbox::Report;

// How long the runner waits past the wall-clock limit for the keeper to finish its cleanup, and
// for the output pipes to close once the keeper is gone.
constexpr std::chrono::milliseconds kKeeperGrace{2000};
constexpr std::chrono::milliseconds kDrainGrace{200};
constexpr uid_t kNobody = 65534;
constexpr std::uint64_t kInodesPerMegabyte = 64;

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(other.release()) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(other.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  bool open() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// A failed system call: resource_exhausted when a limit on descriptors, processes or memory was
// hit, else io.
Error syscall_error(const char* call, int error) {
  const bool exhausted = error == EMFILE || error == ENFILE || error == ENOMEM || error == EAGAIN;
  return fail(exhausted ? ErrorCode::resource_exhausted : ErrorCode::io,
              std::string("sandbox: ") + call + ": " + std::strerror(error));
}

Result<std::pair<Fd, Fd>> make_pipe() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return syscall_error("pipe", errno);
  return std::make_pair(Fd(fds[0]), Fd(fds[1]));
}

Result<Fd> make_stdin(const std::string& data) {
  Fd fd(memfd_create("stdin", MFD_CLOEXEC));
  if (!fd.open()) return syscall_error("memfd_create", errno);
  for (std::size_t done = 0; done < data.size();) {
    ssize_t n = ::write(fd.get(), data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return syscall_error("writing stdin", n < 0 ? errno : EIO);
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return syscall_error("rewinding stdin", errno);
  return fd;
}

// C strings for the children, owned here.
struct CStrings {
  explicit CStrings(const std::vector<std::string>& strings) : owned(strings) {
    for (auto& s : owned) pointers.push_back(s.data());
    pointers.push_back(nullptr);
  }
  std::vector<std::string> owned;
  std::vector<char*> pointers;
};

// One output stream being drained into a capped buffer.
struct Capture {
  Fd fd;
  std::string* data;
  std::size_t cap;
  bool* truncated;
};

void read_capture(Capture& capture) {
  char buffer[1 << 14];
  while (capture.fd.open()) {
    ssize_t n = ::read(capture.fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return;  // EAGAIN: nothing more now
    if (n == 0) {
      capture.fd.reset();
      return;
    }
    std::size_t room = capture.cap - capture.data->size();
    capture.data->append(buffer, std::min(room, static_cast<std::size_t>(n)));
    if (static_cast<std::size_t>(n) > room) {
      // Past the cap: stop reading, so the writer gets SIGPIPE instead of running on.
      *capture.truncated = true;
      capture.fd.reset();
    }
  }
}

// The protections that a record switches on, one flag each.
constexpr std::pair<Report, bool Protections::*> kFlags[] = {
    {Report::session, &Protections::own_session},
    {Report::subreaper, &Protections::subreaper},
    {Report::user_namespace, &Protections::user_namespace},
    {Report::pid_namespace, &Protections::pid_namespace},
    {Report::network_namespace, &Protections::network_namespace},
    {Report::mount_namespace, &Protections::mount_namespace},
    {Report::ipc_namespace, &Protections::ipc_namespace},
    {Report::uts_namespace, &Protections::uts_namespace},
    {Report::read_only_root, &Protections::read_only_root},
    {Report::private_work_dir, &Protections::private_work_dir},
    {Report::private_proc, &Protections::private_proc},
    {Report::no_new_privileges, &Protections::no_new_privileges},
    {Report::socket_filter, &Protections::socket_filter},
    {Report::rlimits, &Protections::rlimits},
    {Report::fds_closed, &Protections::inherited_fds_closed},
};

// What the children reported, gathered.
struct Reports {
  bool exited = false;
  int status = 0;
  int exec_errno = 0;
  int setup_errno = 0;
};

void apply(const Record& record, ProcessOutcome& outcome, Reports& reports) {
  for (const auto& [what, flag] : kFlags)
    if (what == record.what) {
      // A user namespace may be made by the keeper or by the program: either counts.
      outcome.protections.*flag = outcome.protections.*flag || record.value != 0;
      return;
    }
  switch (record.what) {
    case Report::uid:
      outcome.protections.uid = record.value;
      break;
    case Report::gid:
      outcome.protections.gid = record.value;
      break;
    case Report::exit_status:
      reports.exited = true;
      reports.status = record.value;
      break;
    case Report::cpu_millis:
      outcome.cpu = std::chrono::milliseconds(record.value);
      break;
    case Report::timed_out:
      outcome.timed_out = true;
      break;
    case Report::exec_errno:
      reports.exec_errno = record.value;
      break;
    case Report::setup_failed:
      reports.setup_errno = record.value;
      break;
    default:
      break;
  }
}

}  // namespace

nlohmann::json Protections::to_json() const {
  return {{"own_session", own_session},
          {"child_subreaper", subreaper},
          {"user_namespace", user_namespace},
          {"pid_namespace", pid_namespace},
          {"network_namespace", network_namespace},
          {"mount_namespace", mount_namespace},
          {"ipc_namespace", ipc_namespace},
          {"uts_namespace", uts_namespace},
          {"read_only_root", read_only_root},
          {"private_work_dir", private_work_dir},
          {"private_proc", private_proc},
          {"no_new_privileges", no_new_privileges},
          {"socket_filter", socket_filter},
          {"rlimits", rlimits},
          {"inherited_fds_closed", inherited_fds_closed},
          {"environment", "scrubbed"},
          {"uid", uid},
          {"gid", gid}};
}

std::string signal_name(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation != nullptr ? std::string("SIG") + abbreviation
                                 : std::string("signal ") + std::to_string(signal);
}

Result<ProcessOutcome> run_sandboxed(const ProcessSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty() || spec.argv[0][0] != '/')
    return fail(ErrorCode::invalid_argument, "sandbox: argv[0] must be an absolute path");
  const ProcessLimits& limits = spec.limits;
  bool root = ::geteuid() == 0;
  uid_t uid = root ? kNobody : ::getuid();
  gid_t gid = root ? kNobody : ::getgid();
  CStrings argv(spec.argv), env(spec.env), files(spec.work_files);
  std::string work_dir = spec.work_dir.string();
  std::string uid_map = std::to_string(uid) + " " + std::to_string(uid) + " 1\n";
  std::string gid_map = std::to_string(gid) + " " + std::to_string(gid) + " 1\n";
  std::uint64_t megabytes = std::max<std::uint64_t>(1, limits.disk_bytes >> 20);
  std::string tmpfs_options = "size=" + std::to_string(limits.disk_bytes) +
                              ",nr_inodes=" + std::to_string(megabytes * kInodesPerMegabyte + 64) +
                              ",mode=0700,uid=" + std::to_string(uid) +
                              ",gid=" + std::to_string(gid);

  auto out = make_pipe();
  if (!out.ok()) return out.error();
  auto err = make_pipe();
  if (!err.ok()) return err.error();
  auto rep = make_pipe();
  if (!rep.ok()) return rep.error();
  auto in = make_stdin(spec.stdin_data);
  if (!in.ok()) return in.error();

  sandbox::ChildPlan plan{};
  plan.stdin_fd = in->get();
  plan.stdout_fd = out->second.get();
  plan.stderr_fd = err->second.get();
  plan.report_fd = rep->second.get();
  plan.runner_pid = ::getpid();
  plan.argv = argv.pointers.data();
  plan.envp = env.pointers.data();
  plan.work_dir = work_dir.c_str();
  plan.work_files = files.pointers.data();
  plan.tmpfs_options = tmpfs_options.c_str();
  plan.runner_is_root = root;
  plan.program_uid = uid;
  plan.program_gid = gid;
  plan.uid_map = uid_map.c_str();
  plan.gid_map = gid_map.c_str();
  plan.wall_millis = static_cast<long>(limits.wall.count());
  plan.cpu_seconds = static_cast<std::uint64_t>(std::max(1, limits.cpu_seconds));
  plan.address_space_bytes = limits.address_space_bytes;
  plan.file_size_bytes = limits.file_size_bytes;
  plan.open_files = static_cast<std::uint64_t>(std::max(4, limits.open_files));
  plan.processes = static_cast<std::uint64_t>(std::max(1, limits.processes));

  auto start = Clock::now();
  pid_t keeper = ::fork();
  if (keeper < 0) return syscall_error("fork", errno);
  if (keeper == 0) sandbox::run_keeper(plan);
  out->second.reset();
  err->second.reset();
  rep->second.reset();
  in->reset();

  ProcessOutcome outcome;
  Capture captures[2] = {
      {std::move(out->first), &outcome.stdout_data, limits.stdout_bytes, &outcome.stdout_truncated},
      {std::move(err->first), &outcome.stderr_data, limits.stderr_bytes,
       &outcome.stderr_truncated}};
  Fd report_fd = std::move(rep->first);
  for (int fd : {captures[0].fd.get(), captures[1].fd.get(), report_fd.get()})
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  std::string report_bytes;
  auto hard_deadline = start + limits.wall + kKeeperGrace;
  std::optional<Clock::time_point> report_closed;
  while (captures[0].fd.open() || captures[1].fd.open() || report_fd.open()) {
    auto until = hard_deadline;
    if (report_closed) until = std::min(until, *report_closed + kDrainGrace);
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
    if (wait.count() <= 0) break;
    pollfd fds[3];
    nfds_t count = 0;
    for (const Fd* fd : {&captures[0].fd, &captures[1].fd, &report_fd})
      if (fd->open()) fds[count++] = {fd->get(), POLLIN, 0};
    int ready = ::poll(fds, count, static_cast<int>(std::min<long>(wait.count(), 1000)));
    if (ready < 0 && errno != EINTR) break;
    for (auto& capture : captures) read_capture(capture);
    char buffer[4096];
    while (report_fd.open()) {
      ssize_t n = ::read(report_fd.get(), buffer, sizeof buffer);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      if (n == 0) {
        report_fd.reset();
        report_closed = Clock::now();
        break;
      }
      report_bytes.append(buffer, static_cast<std::size_t>(n));
    }
  }
  int keeper_status = 0;
  if (report_fd.open()) {
    // The keeper overran its own deadline: kill its session; init dies with it.
    ::kill(-keeper, SIGKILL);
    ::kill(keeper, SIGKILL);
    outcome.timed_out = true;
  }
  // The report pipe closes only when the keeper exits, so this wait is short.
  while (::waitpid(keeper, &keeper_status, 0) < 0 && errno == EINTR) {
  }
  outcome.wall = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);

  Reports reports;
  for (std::size_t i = 0; i + sizeof(Record) <= report_bytes.size(); i += sizeof(Record)) {
    Record record{};
    std::memcpy(&record, report_bytes.data() + i, sizeof record);
    apply(record, outcome, reports);
  }
  bool exited = reports.exited;
  int status = reports.status, exec_errno = reports.exec_errno, setup_errno = reports.setup_errno;
  if (exited && WIFEXITED(status)) outcome.exit_code = WEXITSTATUS(status);
  if (exited && WIFSIGNALED(status)) outcome.signal = WTERMSIG(status);
  if (!exited && outcome.timed_out) outcome.signal = SIGKILL;
  if (exec_errno != 0)
    outcome.setup_error = "cannot execute " + spec.argv[0] + ": " + std::strerror(exec_errno);
  else if (setup_errno != 0)
    outcome.setup_error = std::string("sandbox setup failed: ") + std::strerror(setup_errno);
  else if (WIFEXITED(keeper_status) && WEXITSTATUS(keeper_status) == 125)
    outcome.setup_error = "sandbox keeper could not start";
  else if (!exited && !outcome.timed_out)
    outcome.setup_error = "the program ended without a status";
  return outcome;
}

}  // namespace recur::tools
