#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "thread_pool.hpp"

using indorerank::ThreadPool;

namespace {

// Runs one parallel_for and checks its contract: every index exactly once,
// thread indices in range, and no thread running two chunks at once.
void check_cover(ThreadPool& pool, int count) {
  std::vector<std::atomic<int>> hits(static_cast<size_t>(count));
  std::vector<std::atomic<int>> busy(static_cast<size_t>(pool.size()));
  std::atomic<int> bad_thread{0}, overlap{0}, bad_range{0};
  pool.parallel_for(count, [&](int b, int e, int thread) {
    if (thread < 0 || thread >= pool.size()) {
      ++bad_thread;
      return;
    }
    if (busy[static_cast<size_t>(thread)].exchange(1) != 0) ++overlap;
    if (!(0 <= b && b < e && e <= count)) ++bad_range;
    for (int i = b; i < e && i < count && i >= 0; ++i) ++hits[static_cast<size_t>(i)];
    busy[static_cast<size_t>(thread)].store(0);
  });
  REQUIRE(bad_thread == 0);
  REQUIRE(overlap == 0);
  REQUIRE(bad_range == 0);
  for (int i = 0; i < count; ++i) REQUIRE(hits[static_cast<size_t>(i)] == 1);
}

}  // namespace

TEST_CASE("parallel_for covers every index once, one chunk per thread at a time", "[thread_pool]") {
  for (const int threads : {1, 2, 3, 4}) {
    ThreadPool pool(threads);
    REQUIRE(pool.size() == threads);
    for (const int count : {0, 1, 2, 3, 5, 7, 64, 1000}) check_cover(pool, count);
  }
}

TEST_CASE("parallel_for back to back, and after the workers have gone to sleep", "[thread_pool]") {
  ThreadPool pool(3);
  // Back to back: the workers are still polling for the next call.
  for (int round = 0; round < 2000; ++round) check_cover(pool, 1 + round % 9);
  // With pauses far longer than the polling: each call must wake sleeping workers.
  for (int round = 0; round < 5; ++round) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    check_cover(pool, 100);
  }
}

TEST_CASE("parallel_for: each thread index's chunks see that thread's scratch alone", "[thread_pool]") {
  ThreadPool pool(4);
  std::vector<long> scratch(static_cast<size_t>(pool.size()), 0);
  std::atomic<long> total{0};
  for (int round = 0; round < 200; ++round)
    pool.parallel_for(97, [&](int b, int e, int thread) {
      long& mine = scratch[static_cast<size_t>(thread)];  // unsynchronized on purpose: TSan would flag sharing
      mine = 0;
      for (int i = b; i < e; ++i) mine += i;
      total += mine;
    });
  REQUIRE(total == 200L * (96L * 97L / 2));
}

TEST_CASE("a pool is destroyed cleanly whether its workers poll or sleep", "[thread_pool]") {
  for (int i = 0; i < 20; ++i) {
    auto pool = std::make_unique<ThreadPool>(2 + i % 3);
    check_cover(*pool, 10);
    if (i % 2) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    pool.reset();
  }
}
