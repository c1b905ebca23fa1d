#include "heap_counter.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

namespace {

std::atomic<long> g_allocations{0};
std::atomic<size_t> g_live{0};
std::atomic<size_t> g_peak{0};
// Each block starts with its size, padded to keep the caller's alignment.
constexpr size_t kHeader = alignof(std::max_align_t);

void* allocate(size_t n) {
  auto* base = static_cast<unsigned char*>(std::malloc(kHeader + (n == 0 ? 1 : n)));
  if (base == nullptr) throw std::bad_alloc();
  *reinterpret_cast<size_t*>(base) = n;
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  const size_t live = g_live.fetch_add(n, std::memory_order_relaxed) + n;
  size_t peak = g_peak.load(std::memory_order_relaxed);
  while (live > peak && !g_peak.compare_exchange_weak(peak, live, std::memory_order_relaxed)) {
  }
  return base + kHeader;
}

void release(void* p) {
  if (p == nullptr) return;
  unsigned char* base = static_cast<unsigned char*>(p) - kHeader;
  g_live.fetch_sub(*reinterpret_cast<size_t*>(base), std::memory_order_relaxed);
  std::free(base);
}

}  // namespace

// Every non-aligned form, so that no block crosses between these and a
// sanitizer's own operator new (std::stable_sort, for one, uses the nothrow form).
void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (const std::bad_alloc&) {
    return nullptr;
  }
}
void* operator new[](std::size_t n, const std::nothrow_t& t) noexcept {
  return operator new(n, t);
}
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept {
  release(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  release(p);
}

namespace indorerank::test::heap {

long allocations() { return g_allocations.load(); }
size_t live_bytes() { return g_live.load(); }
size_t peak_bytes() { return g_peak.load(); }
void reset_peak() { g_peak.store(g_live.load()); }

}  // namespace indorerank::test::heap
