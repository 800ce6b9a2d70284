// Where test code on an actor's thread (a tool call, a forward pass) waits for the test or for
// other such code, so that no check rests on a clock: it may hold until the test opens the gate, or
// meet one other arrival (holds and meetings count as arrivals alike); the test may wait until
// something has arrived. Every wait gives up after 20 s, long after the actors' 10 s request
// timeouts, so that what should overlap but was serialised fails.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace recur::testing {

class Gate {
 public:
  // Arrives and waits until the gate opens; false when it stayed shut.
  bool hold() {
    std::unique_lock<std::mutex> lock(mutex_);
    arrive();
    return changed_.wait_for(lock, kPatience, [&] { return open_; });
  }
  // Arrives and waits until another arrival; false when none came.
  bool meet() {
    std::unique_lock<std::mutex> lock(mutex_);
    arrive();
    return changed_.wait_for(lock, kPatience, [&] { return arrived_ >= 2; });
  }
  // Waits until something has arrived; false when nothing did.
  bool wait_arrival() {
    std::unique_lock<std::mutex> lock(mutex_);
    return changed_.wait_for(lock, kPatience, [&] { return arrived_ >= 1; });
  }
  void open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    changed_.notify_all();
  }

 private:
  static constexpr std::chrono::seconds kPatience{20};
  void arrive() {
    ++arrived_;
    changed_.notify_all();
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  bool open_ = false;
};

}  // namespace recur::testing
