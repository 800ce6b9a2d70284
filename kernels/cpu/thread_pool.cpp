#include "kernels/cpu/thread_pool.hpp"

#include <algorithm>
#include <chrono>

namespace recur::kernels::cpu {
namespace {

thread_local bool inside_pool_job = false;

// How long a thread spins for the next event before it sleeps.
constexpr auto kSpin = std::chrono::microseconds(50);

// A chunk index no job reaches: `next_` of a job that is over.
constexpr std::uint64_t kClosed = 0xffffffffu;

constexpr std::uint64_t tag(std::uint64_t generation) {
  return (generation & 0xffffffffu) << 32;
}

}  // namespace

ThreadPool::ThreadPool(unsigned threads) {
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::run_chunks(std::uint64_t generation) {
  inside_pool_job = true;
  std::uint64_t v = next_.load(std::memory_order_acquire);
  for (;;) {
    if ((v & ~std::uint64_t{0xffffffffu}) != tag(generation)) break;  // that job is over
    const std::size_t c = static_cast<std::size_t>(v & 0xffffffffu);
    // May belong to a later job when this one has just ended; the claim below then fails.
    const std::size_t chunks = job_chunks_.load(std::memory_order_acquire);
    if (c >= chunks) break;
    if (!next_.compare_exchange_weak(v, v + 1, std::memory_order_acq_rel,
                                     std::memory_order_acquire))
      continue;
    // Claimed: the job of `generation` stays until this chunk is counted done.
    const std::size_t begin = c * job_chunk_;
    (*job_)(begin, std::min(job_n_, begin + job_chunk_));
    if (done_chunks_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) {
      std::lock_guard lock(mutex_);
      done_.notify_one();
    }
    v = next_.load(std::memory_order_acquire);
  }
  inside_pool_job = false;
}

void ThreadPool::worker_loop() {
  std::uint64_t seen = 0;
  for (;;) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    while (generation_.load(std::memory_order_acquire) == seen &&
           std::chrono::steady_clock::now() < spin_until) {
    }
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock,
                 [&] { return stopping_ || generation_.load(std::memory_order_acquire) != seen; });
      if (stopping_) return;
    }
    seen = generation_.load(std::memory_order_acquire);
    run_chunks(seen);
  }
}

void ThreadPool::parallel_for(std::size_t n, std::size_t grain,
                              const std::function<void(std::size_t, std::size_t)>& fn) {
  if (n == 0) return;
  grain = std::max<std::size_t>(grain, 1);
  if (workers_.empty() || inside_pool_job || n <= grain) {
    fn(0, n);
    return;
  }
  // A few chunks per thread balance uneven work without much scheduling cost.
  const std::size_t target_chunks = static_cast<std::size_t>(size()) * 4;
  const std::size_t chunk = std::max(grain, (n + target_chunks - 1) / target_chunks);
  const std::size_t chunks = (n + chunk - 1) / chunk;
  job_ = &fn;
  job_n_ = n;
  job_chunk_ = chunk;
  job_chunks_.store(chunks, std::memory_order_relaxed);
  done_chunks_.store(0, std::memory_order_relaxed);
  const std::uint64_t generation = generation_.load(std::memory_order_relaxed) + 1;
  next_.store(tag(generation), std::memory_order_release);
  {
    // Under the mutex, so a worker about to sleep either sees the new generation or is woken.
    std::lock_guard lock(mutex_);
    generation_.store(generation, std::memory_order_release);
  }
  wake_.notify_all();
  run_chunks(generation);
  const auto spin_until = std::chrono::steady_clock::now() + kSpin;
  while (done_chunks_.load(std::memory_order_acquire) != chunks &&
         std::chrono::steady_clock::now() < spin_until) {
  }
  if (done_chunks_.load(std::memory_order_acquire) != chunks) {
    std::unique_lock lock(mutex_);
    done_.wait(lock, [&] { return done_chunks_.load(std::memory_order_acquire) == chunks; });
  }
  // Closed: a worker still holding this job's last `next_` fails its claim, and one that reads
  // `next_` from now on finds nothing to claim, whatever the next job's fields say.
  next_.store(tag(generation) | kClosed, std::memory_order_release);
}

}  // namespace recur::kernels::cpu
