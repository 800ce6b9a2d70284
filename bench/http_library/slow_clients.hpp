// Slow clients against a server of http_library_bench: connections that send a request head one
// byte a second, the way a stalled or hostile client does, and one ordinary request behind them.
#pragma once

#include <chrono>

namespace recur::bench {

struct SlowClientsResult {
  bool answered = false;  // the ordinary GET got an answer within the hold
  double answer_s = 0;    // how long it waited for it
  int slow_held = 0;      // slow connections the server still kept open at the end
};

// Opens `slow` trickling connections to 127.0.0.1:port, then an ordinary GET, and keeps trickling
// for `hold`.
SlowClientsResult run_slow_clients(int port, int slow, std::chrono::seconds hold);

}  // namespace recur::bench
