// One bump allocator with a hard byte cap for all working memory of a
// forward pass. Backing storage grows (up to the cap) only between passes,
// when nothing is live; peak_bytes() reports the most ever handed out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace indorerank {

class Arena {
 public:
  static constexpr size_t kAlign = 64;
  explicit Arena(size_t cap_bytes) : cap_(cap_bytes) {}
  /// An arena over `bytes` of memory it does not own, aligned to kAlign (a
  /// block of another arena's alloc()): it never grows, so its cap is the block.
  Arena(uint8_t* block, size_t bytes) : cap_(bytes), size_(bytes), base_(block) {}

  size_t cap() const { return cap_; }
  size_t used() const { return used_; }
  size_t peak_bytes() const { return peak_; }

  /// Starts a pass that will need `bytes` in total (rounded allocations
  /// included). Returns false when `bytes` exceeds the cap.
  bool begin(size_t bytes) {
    if (bytes > cap_) return false;
    if (bytes > size_) {
      buf_.reset(new uint8_t[bytes + kAlign]);
      base_ = buf_.get();
      size_ = bytes;
    }
    used_ = 0;
    return true;
  }

  /// Rounded size of an allocation of `bytes`, for planning with begin().
  static size_t rounded(size_t bytes) { return (bytes + kAlign - 1) / kAlign * kAlign; }

  /// Hands out `count` T's; nullptr when the planned size would be exceeded
  /// (a planning bug, never silent overflow).
  template <typename T>
  T* alloc(size_t count) {
    const size_t n = rounded(count * sizeof(T));
    if (used_ + n > size_) return nullptr;
    auto base = reinterpret_cast<uintptr_t>(base_);
    base = (base + kAlign - 1) / kAlign * kAlign;
    T* p = reinterpret_cast<T*>(base + used_);
    used_ += n;
    if (used_ > peak_) peak_ = used_;
    return p;
  }

 private:
  size_t cap_;
  size_t size_ = 0;
  size_t used_ = 0;
  size_t peak_ = 0;
  uint8_t* base_ = nullptr;  // buf_, or the block of a view
  std::unique_ptr<uint8_t[]> buf_;
};

}  // namespace indorerank
