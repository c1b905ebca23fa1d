// Function clones per x86 ISA (GCC on Linux), for the fp32 ops and loops.
#pragma once

// Hot loops get AVX2 and AVX-512 clones picked at load time; the math is the
// same IEEE operations in the same order, so every clone gives identical bits.
// Loops on vectors of W lanes are compiled once per width, each for the ISA
// whose registers hold W floats (INDORERANK_WIDTHS below): GCC 12 splits a
// wider generic vector's selects and int8 narrowing into scalar code, which
// made these ops 15-30x slower on AVX2 machines than on AVX-512 ones.
// (Not under ThreadSanitizer: its runtime is not up yet when the loader runs
// the clone resolvers.)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__)
#define INDORERANK_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#define INDORERANK_ALWAYS_INLINE inline __attribute__((always_inline))
// `ret name params` calling name_w<W> args, with W = 16 (AVX-512), 8 (AVX2) or
// 4 (SSE2): versions of one function in this file, so GCC dispatches them.
#define INDORERANK_WIDTHS(ret, name, params, args)         \
  namespace {                                              \
  __attribute__((target("default"))) ret name##_v params { \
    return name##_w<4> args;                               \
  }                                                        \
  __attribute__((target("avx2"))) ret name##_v params {    \
    return name##_w<8> args;                               \
  }                                                        \
  __attribute__((target("avx512f"))) ret name##_v params { \
    return name##_w<16> args;                              \
  }                                                        \
  }                                                        \
  ret name params {                                        \
    return name##_v args;                                  \
  }
#else
#define INDORERANK_MULTIVERSION
#define INDORERANK_ALWAYS_INLINE inline
// One width: NEON, wasm SIMD128 and SSE2 registers hold 4 floats.
#define INDORERANK_WIDTHS(ret, name, params, args) \
  ret name params {                                \
    return name##_w<4> args;                       \
  }
#endif
