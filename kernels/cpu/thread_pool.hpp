// A fixed pool of worker threads that splits index ranges among itself and the calling thread.
// Results never depend on the split: callers give each output to exactly one range.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace recur::kernels::cpu {

class ThreadPool {
 public:
  // threads == 0 uses the hardware concurrency. The calling thread counts as one of them.
  explicit ThreadPool(unsigned threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n) in chunks of at least `grain` indices
  // and returns when every call has finished. Called from inside fn, it runs serially.
  void parallel_for(std::size_t n, std::size_t grain,
                    const std::function<void(std::size_t, std::size_t)>& fn);

 private:
  void worker_loop();
  // Runs chunks of the job of `generation` until none is left unclaimed (or that job is over).
  void run_chunks(std::uint64_t generation);

  std::vector<std::thread> workers_;
  // Workers spin briefly on `generation_` before sleeping, so back-to-back jobs (a decode step is
  // dozens of them) start without a wake-up; the mutex and condition variables serve the sleepers.
  // The caller waits for the job's chunks to be done, not for every worker to wake: a worker that
  // the scheduler has not run yet (a loaded machine, a service's other threads) finds nothing left
  // to claim and the caller has done its share.
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  std::atomic<std::uint64_t> generation_{0};
  bool stopping_ = false;  // guarded by mutex_
  // The job of the current generation. A chunk is claimed from `next_`, which holds the job's
  // generation (high 32 bits) beside the next chunk's index, so a worker late for one job can
  // never claim a chunk of the next; a job that is over leaves `next_` closed. The fields below
  // `next_` are written before a generation's `next_` is published and read by a worker only
  // after it has claimed a chunk of it.
  std::atomic<std::uint64_t> next_{0};
  std::atomic<std::size_t> job_chunks_{0};
  std::atomic<std::size_t> done_chunks_{0};
  const std::function<void(std::size_t, std::size_t)>* job_ = nullptr;
  std::size_t job_n_ = 0;
  std::size_t job_chunk_ = 0;
};

}  // namespace recur::kernels::cpu
