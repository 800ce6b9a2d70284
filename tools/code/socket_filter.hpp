// A seccomp filter for the sandboxed program: creating IPv4, IPv6 or packet sockets fails with
// EPERM and io_uring (whose operations seccomp cannot see) is absent. It holds where no network
// namespace can be made, and backs one up where it can. Other syscall ABIs on the same machine
// (x32) are refused. Needs no_new_privs set first; safe between fork and execve.
#pragma once

namespace recur::tools::sandbox {

// Installs the filter on the calling thread; false when the kernel refuses it.
bool install_socket_filter();

}  // namespace recur::tools::sandbox
