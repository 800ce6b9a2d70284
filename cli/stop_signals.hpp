// The signals that stop the long-running commands (recur serve, recur node): SIGTERM and SIGINT.
#pragma once

#include <signal.h>

namespace recur::cli {

// Blocks SIGTERM and SIGINT in the calling thread, and so in every thread started from it after
// this, and returns them for sigwait: the command waits for them on a thread of its choosing.
sigset_t block_stop_signals();

}  // namespace recur::cli
