// A fixed pool of worker threads running one parallel_for at a time.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace indorerank {

class ThreadPool {
 public:
  /// `threads` includes the calling thread; 1 means no workers at all.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  /// Calls fn(begin, end, thread) on disjoint contiguous chunks covering
  /// [0, count), one chunk per thread's worth of work, and returns when all
  /// are done. Chunks go to whichever thread asks first, so the caller runs
  /// them all when a worker is slow to wake. `thread` (in [0, size())) names
  /// the thread running a chunk; one thread's chunks run one after another,
  /// so per-thread scratch is safe. (Finer chunks measured slower: each GEMM
  /// chunk re-reads its rows of A.)
  void parallel_for(int count, const std::function<void(int, int, int)>& fn);
  /// The same without the thread index.
  void parallel_for(int count, const std::function<void(int, int)>& fn) {
    parallel_for(count, [&fn](int b, int e, int) { fn(b, e); });
  }

 private:
  void worker_loop(int index);
  void run_chunks(int thread);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  // Written under mu_ before generation_ moves; read by workers after they
  // see the new generation.
  const std::function<void(int, int, int)>* job_ = nullptr;
  int job_count_ = 0;
  int job_chunks_ = 0;
  std::atomic<int> next_chunk_{0};
  // Workers and the caller spin on these for a while before sleeping on the
  // condition variables: a forward pass runs ~100 parallel_for calls
  // back to back, and a sleeping thread takes tens of microseconds to wake.
  std::atomic<long> generation_{0};
  std::atomic<int> pending_{0};
  bool stop_ = false;
};

}  // namespace indorerank
