// Progress of long work on stderr, only when stderr is a terminal: one line
// "  WHAT: DONE/TOTAL" redrawn in place at most ten times a second and ended
// with a newline, so pipes and logs stay clean.
#pragma once

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace indorerank::cli {

class TerminalProgress {
 public:
  TerminalProgress(std::string what, size_t total) : what_(std::move(what)), total_(total), on_(isatty(2) == 1) {}
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;
  ~TerminalProgress() { finish(); }
  /// Ends the line (before other output follows); later updates draw nothing.
  void finish() {
    if (drawn_) std::fputc('\n', stderr);
    drawn_ = false;
    on_ = false;
  }
  bool on() const { return on_; }
  void update(size_t done) {
    if (!on_) return;
    const auto now = std::chrono::steady_clock::now();
    if (drawn_ && done < total_ && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    drawn_ = true;
    std::fprintf(stderr, "\r  %s: %zu/%zu", what_.c_str(), done, total_);
    std::fflush(stderr);
  }

 private:
  std::string what_;
  size_t total_;
  bool on_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

/// For work that cannot count its steps (conversion): "  WHAT: 0 s" at once,
/// then ticking each second on a terminal while the object lives.
class TerminalTicker {
 public:
  explicit TerminalTicker(std::string what) : what_(std::move(what)) {
    if (isatty(2) != 1) return;
    std::fprintf(stderr, "  %s: 0 s", what_.c_str());
    std::fflush(stderr);
    drawn_ = true;
    thread_ = std::thread([this] {
      const auto t0 = std::chrono::steady_clock::now();
      std::unique_lock<std::mutex> lock(mu_);
      for (int s = 0; !cv_.wait_until(lock, t0 + std::chrono::seconds(s + 1), [this] { return done_; }); ++s) {
        std::fprintf(stderr, "\r  %s: %d s", what_.c_str(), s + 1);
        std::fflush(stderr);
        drawn_ = true;
      }
    });
  }
  ~TerminalTicker() {
    if (!thread_.joinable()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_one();
    thread_.join();
    if (drawn_) std::fputc('\n', stderr);
  }

 private:
  std::string what_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  bool drawn_ = false;
};

}  // namespace indorerank::cli
