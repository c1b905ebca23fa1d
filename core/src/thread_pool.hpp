// A fixed pool of worker threads running one parallel_for at a time.
#pragma once

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

  /// Calls fn(begin, end, thread) on disjoint contiguous parts of [0, count),
  /// one per thread (thread in [0, size())), and returns when all are done.
  void parallel_for(int count, const std::function<void(int, int, int)>& fn);
  /// The same without the thread index.
  void parallel_for(int count, const std::function<void(int, int)>& fn) {
    parallel_for(count, [&fn](int b, int e, int) { fn(b, e); });
  }

 private:
  void worker_loop(int index);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable start_cv_, done_cv_;
  const std::function<void(int, int, int)>* job_ = nullptr;
  int job_count_ = 0;
  long generation_ = 0;
  int pending_ = 0;
  bool stop_ = false;
};

}  // namespace indorerank
