#include "peak.hpp"

#include <chrono>

#if defined(__x86_64__)
#include <immintrin.h>
#endif
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
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
// vpmaddwd + vpaddd, as in the kernel, in assembly: written with intrinsics,
// GCC hoists the multiply of two constants out of the loop and the loop
// times vpaddd alone (what this peak read before, up to twice the truth).
// Eight independent products per iteration, each added to its own chain.
__attribute__((target("avx2"))) void chain_vpmaddwd() {
  __m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(static_cast<int16_t>(g_sink | 5));
  __m256i acc0 = _mm256_set1_epi32(1), acc1 = acc0, acc2 = acc0, acc3 = acc0, acc4 = acc0, acc5 = acc0, acc6 = acc0,
          acc7 = acc0, t0, t1, t2, t3;
  long n = 100000;
  // clang-format off
#define INDORERANK_PEAK_STEP(t, acc)                    \
  "vpmaddwd %[b], %[a], %[" #t "]\n\t"                  \
  "vpaddd %[" #t "], %[" #acc "], %[" #acc "]\n\t"
  asm volatile("1:\n\t"
               INDORERANK_PEAK_STEP(t0, acc0) INDORERANK_PEAK_STEP(t1, acc1)
               INDORERANK_PEAK_STEP(t2, acc2) INDORERANK_PEAK_STEP(t3, acc3)
               INDORERANK_PEAK_STEP(t0, acc4) INDORERANK_PEAK_STEP(t1, acc5)
               INDORERANK_PEAK_STEP(t2, acc6) INDORERANK_PEAK_STEP(t3, acc7)
               "dec %[n]\n\t"
               "jnz 1b"
               : [acc0] "+x"(acc0), [acc1] "+x"(acc1), [acc2] "+x"(acc2), [acc3] "+x"(acc3), [acc4] "+x"(acc4),
                 [acc5] "+x"(acc5), [acc6] "+x"(acc6), [acc7] "+x"(acc7), [t0] "=&x"(t0), [t1] "=&x"(t1),
                 [t2] "=&x"(t2), [t3] "=&x"(t3), [n] "+r"(n)
               : [a] "x"(a), [b] "x"(b)
               : "cc");
#undef INDORERANK_PEAK_STEP
  // clang-format on
  const __m256i s = _mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(acc0, acc1), _mm256_add_epi32(acc2, acc3)),
                                     _mm256_add_epi32(_mm256_add_epi32(acc4, acc5), _mm256_add_epi32(acc6, acc7)));
  g_sink = _mm256_extract_epi32(s, 0);
}

// vpdpbusd peaks, in assembly for the same reason as above (written with
// intrinsics, GCC 12 copied every accumulator to a second register around
// each vpdpbusd, and for ymm stored them to the stack too: the loops timed
// the front end, not the multiplier). Twelve independent chains, enough for a
// 5-cycle latency at two per cycle.
// clang-format off
#define INDORERANK_PEAK_DOT12(insn)                                                           \
  "1:\n\t"                                                                                   \
  insn(c0) insn(c1) insn(c2) insn(c3) insn(c4) insn(c5)                                      \
  insn(c6) insn(c7) insn(c8) insn(c9) insn(c10) insn(c11)                                    \
  "dec %[n]\n\t"                                                                             \
  "jnz 1b"
#define INDORERANK_PEAK_CHAINS(c)                                                              \
  [c0] "+x"(c[0]), [c1] "+x"(c[1]), [c2] "+x"(c[2]), [c3] "+x"(c[3]), [c4] "+x"(c[4]),      \
  [c5] "+x"(c[5]), [c6] "+x"(c[6]), [c7] "+x"(c[7]), [c8] "+x"(c[8]), [c9] "+x"(c[9]),      \
  [c10] "+x"(c[10]), [c11] "+x"(c[11])
// clang-format on
constexpr long kDotIters = 100000;

// VEX vpdpbusd on ymm (AVX-VNNI).
__attribute__((target("avx2,avxvnni"))) void chain_vpdpbusd_ymm() {
  __m256i c[12];
  for (auto& x : c) x = _mm256_set1_epi32(1);
  const __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(static_cast<char>(g_sink | 5));
  long n = kDotIters;
#define INDORERANK_PEAK_YMM(acc) "%{vex%} vpdpbusd %[b], %[a], %[" #acc "]\n\t"
  asm volatile(INDORERANK_PEAK_DOT12(INDORERANK_PEAK_YMM)
               : INDORERANK_PEAK_CHAINS(c), [n] "+r"(n)
               : [a] "x"(a), [b] "x"(b)
               : "cc");
#undef INDORERANK_PEAK_YMM
  int s = 0;
  for (auto& x : c) s += _mm256_extract_epi32(x, 0);
  g_sink = s;
}

// EVEX vpdpbusd on zmm (AVX-512 VNNI); "v" lets the chains use zmm16-31.
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void chain_vpdpbusd() {
  __m512i c[12];
  for (auto& x : c) x = _mm512_set1_epi32(1);
  const __m512i a = _mm512_set1_epi8(3), b = _mm512_set1_epi8(static_cast<char>(g_sink | 5));
  long n = kDotIters;
#define INDORERANK_PEAK_ZMM(acc) "vpdpbusd %[b], %[a], %[" #acc "]\n\t"
  asm volatile(INDORERANK_PEAK_DOT12(INDORERANK_PEAK_ZMM)
               : INDORERANK_PEAK_CHAINS(c), [n] "+r"(n)
               : [a] "v"(a), [b] "v"(b)
               : "cc");
#undef INDORERANK_PEAK_ZMM
  int s = 0;
  for (auto& x : c) {
    int buf[16];
    _mm512_storeu_si512(buf, x);
    s += buf[0];
  }
  g_sink = s;
}
#undef INDORERANK_PEAK_DOT12
#undef INDORERANK_PEAK_CHAINS
#endif

#if defined(__wasm_simd128__)
// The kernel's pair form: i16x8.add twice, i32x4.dot_i16x8_s, i32x4.add, 16
// MACs (8 products of pair sums). The sums read their own chain's
// accumulator so that clang cannot hoist them out of the loop; 10 chains keep
// the dots busy (10 accumulators, 2 constants and the sums within the 15 xmm
// registers V8 allocates on x86-64). The plain form (dot + add per 8 MACs)
// peaked at 55.6 GMAC/s in Node 24 on Zen 5, this loop at 58.7-58.9.
constexpr int kWasmChains = 10;
constexpr int kWasmIters = 100000;

// noinline: inlined into the timing loop, it would never leave V8's baseline
// (Liftoff) code, as wasm has no on-stack replacement.
__attribute__((noinline)) void chain_pair_dot_i16x8() {
  v128_t acc[kWasmChains];
  for (int c = 0; c < kWasmChains; ++c) acc[c] = wasm_i32x4_splat(c + 1);
  const v128_t b = wasm_i16x8_splat(static_cast<int16_t>(g_sink | 3));
  const v128_t d = wasm_i16x8_splat(static_cast<int16_t>(g_sink | 5));
  for (int i = 0; i < kWasmIters; ++i)
    for (auto& x : acc) x = wasm_i32x4_add(x, wasm_i32x4_dot_i16x8(wasm_i16x8_add(x, b), wasm_i16x8_add(x, d)));
  int s = 0;
  for (auto& x : acc) s += wasm_i32x4_extract_lane(x, 0);
  g_sink = s;
}
#endif

}  // namespace

double instruction_peak_gmacs(const std::string& kernel) {
#if defined(__x86_64__)
  if (kernel == "avx2") return time_gmacs(chain_vpmaddwd, 100000.0 * 8 * 16);
  if (kernel == "avx_vnni") return time_gmacs(chain_vpdpbusd_ymm, kDotIters * 12.0 * 32);
  if (kernel == "avx512_vnni") return time_gmacs(chain_vpdpbusd, kDotIters * 12.0 * 64);
#endif
#if defined(__wasm_simd128__)
  if (kernel == "wasm_simd128") return time_gmacs(chain_pair_dot_i16x8, double(kWasmIters) * kWasmChains * 16);
#endif
  (void)kernel;
  return 0.0;  // ref (and kernels without a peak loop yet): nothing to compare with
}
