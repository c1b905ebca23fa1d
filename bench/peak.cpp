#include "peak.hpp"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace {

template <typename F>
double time_gmacs(F body, double macs_per_call) {
  body();
  double best = 0;
  for (int rep = 0; rep < 3; ++rep) {
    const auto t0 = std::chrono::steady_clock::now();
    int calls = 0;
    double s = 0;
    do {
      body();
      ++calls;
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (s < 0.05);
    best = std::max(best, macs_per_call * calls / s / 1e9);
  }
  return best;
}

volatile int g_sink;

#if defined(__x86_64__)
__attribute__((target("avx2"))) void chain_vpmaddwd() {
  __m256i acc[8];
  for (auto& x : acc) x = _mm256_set1_epi32(1);
  const __m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(5);
  for (int i = 0; i < 100000; ++i)
    for (auto& x : acc) x = _mm256_add_epi32(x, _mm256_madd_epi16(a, b));
  int s = 0;
  for (auto& x : acc) s += _mm256_extract_epi32(x, 0);
  g_sink = s;
}

__attribute__((target("avx512f,avx512bw,avx512vnni"))) void chain_vpdpbusd() {
  __m512i acc[8];
  for (auto& x : acc) x = _mm512_set1_epi32(1);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(5);
  for (int i = 0; i < 100000; ++i)
    for (auto& x : acc) x = _mm512_dpbusd_epi32(x, a, b);
  int s = 0;
  for (auto& x : acc) {
    int buf[16];
    _mm512_storeu_si512(buf, x);
    s += buf[0];
  }
  g_sink = s;
}
#endif

}  // namespace

double instruction_peak_gmacs(const std::string& kernel) {
#if defined(__x86_64__)
  if (kernel == "avx2") return time_gmacs(chain_vpmaddwd, 100000.0 * 8 * 16);
  if (kernel == "avx512_vnni") return time_gmacs(chain_vpdpbusd, 100000.0 * 8 * 64);
#endif
  return 0.0;  // ref: no single instruction to compare with
}
