#include "tools/code/socket_filter.hpp"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>

namespace recur::tools::sandbox {
namespace {

#if defined(__x86_64__)
constexpr unsigned kArch = AUDIT_ARCH_X86_64;
#elif defined(__aarch64__)
constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
#else
#error "socket_filter: unsupported architecture"
#endif

constexpr unsigned kX32Bit = 0x40000000;

constexpr sock_filter statement(unsigned short code, unsigned k) {
  return {code, 0, 0, k};
}
constexpr sock_filter jump(unsigned short code, unsigned k, unsigned char yes, unsigned char no) {
  return {code, yes, no, k};
}

constexpr unsigned kAllow = SECCOMP_RET_ALLOW;
constexpr unsigned kDenied = SECCOMP_RET_ERRNO | (EPERM & SECCOMP_RET_DATA);
constexpr unsigned kAbsent = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);

}  // namespace

bool install_socket_filter() {
  static const sock_filter program[] = {
      statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      jump(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      statement(BPF_RET | BPF_K, kDenied),
      statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
      jump(BPF_JMP | BPF_JGE | BPF_K, kX32Bit, 0, 1),
      statement(BPF_RET | BPF_K, kDenied),
      jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_io_uring_setup, 0, 1),
      statement(BPF_RET | BPF_K, kAbsent),
      jump(BPF_JMP | BPF_JEQ | BPF_K, __NR_socket, 1, 0),
      statement(BPF_RET | BPF_K, kAllow),
      // socket(domain, ...): the low word of the first argument.
      statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, args[0])),
      jump(BPF_JMP | BPF_JEQ | BPF_K, AF_INET, 3, 0),
      jump(BPF_JMP | BPF_JEQ | BPF_K, AF_INET6, 2, 0),
      jump(BPF_JMP | BPF_JEQ | BPF_K, AF_PACKET, 1, 0),
      statement(BPF_RET | BPF_K, kAllow),
      statement(BPF_RET | BPF_K, kDenied),
  };
  sock_fprog filter{static_cast<unsigned short>(sizeof program / sizeof program[0]),
                    const_cast<sock_filter*>(program)};
  return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter) == 0;
}

}  // namespace recur::tools::sandbox
