// WebAssembly SIMD128 versions of the element-wise ops, for ops.cpp only.
//
// Clang leaves the scalar definitions in ops.cpp (bit casts, selects, int8
// conversion) mostly unvectorized for wasm, so these spell out the very same
// IEEE operations in the same order, four lanes at a time: results are
// bit-identical to the scalar code (tests/test_ops.cpp checks it).
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "gelu_poly.hpp"

namespace indorerank::ops::simd128 {

constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23, as kRoundMagic in ops.cpp

// The constants of exp4 and gelu, splatted, in linear memory. V8 builds each
// v128.const from immediates in three instructions (dozens per call); a
// load is one. Not const, so clang keeps the loads instead of folding them
// back into v128.const.
struct alignas(16) Splat {
  float v[4];
};
// clang-format off
enum Const : int {
  kMinusE87, kE88, kLog2E, kMagicC, kLn2Hi, kLn2Lo, kP6, kP5, kP4, kP3, kHalf, kOne,
  kGeluClamp, kGeluScale, kMinusOne, kZero,
  kExpFloor, kLn2, kE5, kE4, kE3, kE2, kE1, kConstCount
};
#define INDORERANK_SPLAT(x) {{x, x, x, x}}
inline Splat kConsts[kConstCount] = {
    INDORERANK_SPLAT(-87.0f),         INDORERANK_SPLAT(88.0f),         INDORERANK_SPLAT(1.44269504f),
    INDORERANK_SPLAT(kMagic),         INDORERANK_SPLAT(0.693145752f),  INDORERANK_SPLAT(1.42860677e-6f),
    INDORERANK_SPLAT(1.0f / 720.0f),  INDORERANK_SPLAT(1.0f / 120.0f), INDORERANK_SPLAT(1.0f / 24.0f),
    INDORERANK_SPLAT(1.0f / 6.0f),    INDORERANK_SPLAT(0.5f),          INDORERANK_SPLAT(1.0f),
    INDORERANK_SPLAT(gelu_poly::kClamp), INDORERANK_SPLAT(gelu_poly::kScale), INDORERANK_SPLAT(-1.0f),
    INDORERANK_SPLAT(0.0f),
    // exp255 of softmax_row_u8: the floor, ln 2, then 255 / k! for k = 5..1 (and 0)
    INDORERANK_SPLAT(-20.0f),         INDORERANK_SPLAT(0.693147182f),  INDORERANK_SPLAT(255.0f / 120.0f),
    INDORERANK_SPLAT(255.0f / 24.0f), INDORERANK_SPLAT(255.0f / 6.0f), INDORERANK_SPLAT(255.0f / 2.0f),
    INDORERANK_SPLAT(255.0f),
};
// clang-format on
#undef INDORERANK_SPLAT
template <size_t... k>
constexpr std::array<Splat, sizeof...(k)> splat_each(std::index_sequence<k...>) {
  return {{{{gelu_poly::kCoef[k], gelu_poly::kCoef[k], gelu_poly::kCoef[k], gelu_poly::kCoef[k]}}...}};
}
inline std::array<Splat, gelu_poly::kTerms> kGeluCoef = splat_each(std::make_index_sequence<gelu_poly::kTerms>{});
alignas(16) inline int32_t kExpBias[4] = {127, 127, 127, 127};
constexpr int32_t kMagicBitsValue = 0x4b400000;  // the bits of kMagic
// bits(magic) - 127: (bits(t) - this) << 23 is 2^(t - magic) (exp255).
alignas(16) inline int32_t kMagicBitsLess127[4] = {kMagicBitsValue - 127, kMagicBitsValue - 127, kMagicBitsValue - 127,
                                                   kMagicBitsValue - 127};
// The sign bit: |x| is andnot(x, this). V8 builds f32x4.abs's mask anew each
// time (three instructions); from memory it is one load, which the loops share.
alignas(16) inline int32_t kSignBit[4] = {INT32_MIN, INT32_MIN, INT32_MIN, INT32_MIN};
inline v128_t abs4(v128_t x) {
  return wasm_v128_andnot(x, wasm_v128_load(kSignBit));
}
alignas(16) inline int32_t kMagicBits[4] = {kMagicBitsValue, kMagicBitsValue, kMagicBitsValue, kMagicBitsValue};
alignas(16) inline int32_t kMagicBitsPlus128[4] = {kMagicBitsValue + 128, kMagicBitsValue + 128, kMagicBitsValue + 128,
                                                   kMagicBitsValue + 128};
inline v128_t c(Const i) { return wasm_v128_load(kConsts[i].v); }

// Keeps independent chains interleaved step by step in the module. Without
// it clang's stackifier emits each chain whole, one after another, V8 keeps
// that order, and the CPU cannot reach far enough ahead to overlap them: a
// chain of 20 dependent operations then runs at its latency. The empty asm
// (never reordered against another) pins where v is computed; it emits no
// instruction.
inline void interleave(v128_t& v) { __asm__ volatile("" : "+r"(v)); }

// Horner's rule with the constants in order, highest degree first:
// p = c0, then p = p * r + c for each next c.
template <Const first, Const... rest>
inline v128_t horner(v128_t r) {
  v128_t p = c(first);
  ((p = wasm_f32x4_add(wasm_f32x4_mul(p, r), c(rest))), ...);
  return p;
}

// exp1() of ops.cpp on four lanes.
inline v128_t exp4(v128_t x_in) {
  const v128_t magic = c(kMagicC);
  // x_in < -87 ? -87 : x_in, then x > 88 ? 88 : x (NaN passes through both).
  v128_t x = wasm_f32x4_pmax(x_in, c(kMinusE87));
  x = wasm_f32x4_pmin(x, c(kE88));
  const v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, c(kLog2E)), magic);
  const v128_t n = wasm_f32x4_sub(t, magic);
  const v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(n, c(kLn2Hi))),
                                  wasm_f32x4_mul(n, c(kLn2Lo)));
  const v128_t p = horner<kP6, kP5, kP4, kP3, kHalf, kOne, kOne>(r);
  // 2^n from t's mantissa: (bits(t) - bits(magic) + 127) << 23.
  const v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(t, magic), wasm_v128_load(kExpBias)), 23);
  const v128_t y = wasm_f32x4_mul(p, e);
  return wasm_v128_andnot(y, wasm_f32x4_lt(x_in, c(kMinusE87)));  // 0 below -87
}

// gelu_inplace() of ops.cpp on N vectors at once: each constant is loaded
// once for all N, and the 2N chains (even and odd powers) overlap. x is read
// again at the end rather than kept. Node 24, ops_bench, per pair: 8 vectors
// 1.21 ms, 4 vectors 1.40, 12 vectors 1.66; Horner in u on 8 vectors 1.43.
template <int N>
inline void gelu(float* x) {
  v128_t u[N], w[N], e[N], o[N];
  for (int j = 0; j < N; ++j) {
    // a = |v| > clamp ? clamp : |v| (a NaN stays), u = a * scale + -1
    u[j] = wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_pmin(abs4(wasm_v128_load(x + 4 * j)), c(kGeluClamp)), c(kGeluScale)),
                          c(kMinusOne));
    w[j] = wasm_f32x4_mul(u[j], u[j]);
    e[j] = wasm_v128_load(kGeluCoef[0].v);
    o[j] = wasm_v128_load(kGeluCoef[1].v);
  }
  for (int k = 2; k + 1 < gelu_poly::kTerms; k += 2) {
    const v128_t ce = wasm_v128_load(kGeluCoef[k].v), co = wasm_v128_load(kGeluCoef[k + 1].v);
    for (int j = 0; j < N; ++j) {
      e[j] = wasm_f32x4_add(wasm_f32x4_mul(e[j], w[j]), ce);
      o[j] = wasm_f32x4_add(wasm_f32x4_mul(o[j], w[j]), co);
      interleave(e[j]);
      interleave(o[j]);
    }
  }
  const v128_t c_last = wasm_v128_load(kGeluCoef[gelu_poly::kTerms - 1].v);
  for (int j = 0; j < N; ++j) {
    const v128_t p = wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_mul(e[j], w[j]), c_last), wasm_f32x4_mul(o[j], u[j]));
    wasm_v128_store(x + 4 * j, wasm_f32x4_add(wasm_f32x4_pmax(c(kZero), wasm_v128_load(x + 4 * j)), p));
  }
}

// Four vectors of int32 in [-128, 127], stored as 16 int8 values by two
// saturating narrowings that never saturate (V8: packssdw, packsswb; an
// i8x16.shuffle costs it four more instructions to build its mask).
inline void store_bytes16(const v128_t v[4], int8_t* q) {
  wasm_v128_store(q, wasm_i8x16_narrow_i16x8(wasm_i16x8_narrow_i32x4(v[0], v[1]), wasm_i16x8_narrow_i32x4(v[2], v[3])));
}

// round(x) of the scalar code, (x + magic) - magic, read from the bits of
// x + magic instead: in [2^23, 2^24) floats are the integers, so
// bits(x + magic) - bits(magic) = round(x) for |x| < 2^22 (here at most 255).
// `minus` is bits(magic) less what is to be added to the result.
inline v128_t round_bits(v128_t x, v128_t minus) {
  return wasm_i32x4_sub(wasm_f32x4_add(x, c(kMagicC)), minus);
}

// The quantization loop of quantize_row() on 16 values: q = clamp(round(x *
// inv) + z) as int8, with zbits = bits(magic) - z. Adding z in int32 and the
// two saturating narrowings clamp exactly as the scalar code's float selects.
inline void quantize16(const float* x, v128_t inv, v128_t zbits, int8_t* q) {
  v128_t v[4];
  for (int i = 0; i < 4; ++i) v[i] = round_bits(wasm_f32x4_mul(wasm_v128_load(x + 4 * i), inv), zbits);
  store_bytes16(v, q);
}

// The symmetric form (quantize_row_symmetric, quantize_row_scaled): q =
// clamp(round(x * inv), -127, 127), inv per lane (16 values at `inv`) or one
// for all (`inv` null, `inv1`). The narrowings clamp at 127, the max at -127.
inline void quantize16_symmetric(const float* x, const float* inv, v128_t inv1, int8_t* q) {
  const v128_t magic_bits = wasm_v128_load(kMagicBits), lo = wasm_i32x4_splat(-127);
  v128_t v[4];
  for (int i = 0; i < 4; ++i) {
    const v128_t s = inv ? wasm_v128_load(inv + 4 * i) : inv1;
    v[i] = wasm_i32x4_max(round_bits(wasm_f32x4_mul(wasm_v128_load(x + 4 * i), s), magic_bits), lo);
  }
  store_bytes16(v, q);
}

// The smallest and largest of 0 and x[0..n) (quantize_row's range): pmin(m,
// v) is `v < m ? v : m` and pmax(m, v) `v > m ? v : m`, the scalar selects,
// and min and max are exact in any order. Four running minima and maxima,
// not one: a single pair is a chain of dependent operations one vector long,
// which runs at the instruction's latency.
inline void range(const float* x, int n, float* lo, float* hi) {
  v128_t lo4[4], hi4[4];
  for (int a = 0; a < 4; ++a) lo4[a] = hi4[a] = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 16 <= n; i += 16)
    for (int a = 0; a < 4; ++a) {
      const v128_t v = wasm_v128_load(x + i + 4 * a);
      lo4[a] = wasm_f32x4_pmin(lo4[a], v);
      hi4[a] = wasm_f32x4_pmax(hi4[a], v);
    }
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    lo4[0] = wasm_f32x4_pmin(lo4[0], v);
    hi4[0] = wasm_f32x4_pmax(hi4[0], v);
  }
  v128_t l4 = wasm_f32x4_pmin(wasm_f32x4_pmin(lo4[0], lo4[1]), wasm_f32x4_pmin(lo4[2], lo4[3]));
  v128_t h4 = wasm_f32x4_pmax(wasm_f32x4_pmax(hi4[0], hi4[1]), wasm_f32x4_pmax(hi4[2], hi4[3]));
  l4 = wasm_f32x4_pmin(l4, wasm_i32x4_shuffle(l4, l4, 2, 3, 0, 1));
  l4 = wasm_f32x4_pmin(l4, wasm_i32x4_shuffle(l4, l4, 1, 0, 3, 2));
  h4 = wasm_f32x4_pmax(h4, wasm_i32x4_shuffle(h4, h4, 2, 3, 0, 1));
  h4 = wasm_f32x4_pmax(h4, wasm_i32x4_shuffle(h4, h4, 1, 0, 3, 2));
  float l = wasm_f32x4_extract_lane(l4, 0), h = wasm_f32x4_extract_lane(h4, 0);
  for (; i < n; ++i) {
    l = x[i] < l ? x[i] : l;
    h = x[i] > h ? x[i] : h;
  }
  *lo = l;
  *hi = h;
}

// The largest |x| of x[0..n) and 0 (quantize_row_symmetric's maximum).
inline float max_abs(const float* x, int n) {
  v128_t m4 = wasm_f32x4_splat(0.0f);
  int i = 0;
  for (; i + 4 <= n; i += 4) m4 = wasm_f32x4_pmax(m4, abs4(wasm_v128_load(x + i)));
  m4 = wasm_f32x4_pmax(m4, wasm_i32x4_shuffle(m4, m4, 2, 3, 0, 1));
  m4 = wasm_f32x4_pmax(m4, wasm_i32x4_shuffle(m4, m4, 1, 0, 3, 2));
  float m = wasm_f32x4_extract_lane(m4, 0);
  for (; i < n; ++i) {
    const float a = x[i] < 0.0f ? -x[i] : x[i];
    m = a > m ? a : m;
  }
  return m;
}

// The maximum of a row (max is exact in any order): pmax(m, v) is
// `v > m ? v : m`. Four running maxima, as in range(); the last 1-3 values
// in a load that ends at the row's end (values seen twice change no maximum),
// and no scalar compares: V8 turns each into a branch, and they mispredict.
inline float max_row(const float* s, int len) {
  if (len < 4) {
    float mx = -3.4e38f;
    for (int j = 0; j < len; ++j) mx = s[j] > mx ? s[j] : mx;
    return mx;
  }
  v128_t mx4[4];
  for (int a = 0; a < 4; ++a) mx4[a] = wasm_f32x4_splat(-3.4e38f);
  int j = 0;
  for (; j + 16 <= len; j += 16)
    for (int a = 0; a < 4; ++a) mx4[a] = wasm_f32x4_pmax(mx4[a], wasm_v128_load(s + j + 4 * a));
  for (; j + 4 <= len; j += 4) mx4[1] = wasm_f32x4_pmax(mx4[1], wasm_v128_load(s + j));
  mx4[2] = wasm_f32x4_pmax(mx4[2], wasm_v128_load(s + len - 4));
  v128_t m4 = wasm_f32x4_pmax(wasm_f32x4_pmax(mx4[0], mx4[1]), wasm_f32x4_pmax(mx4[2], mx4[3]));
  m4 = wasm_f32x4_pmax(m4, wasm_i32x4_shuffle(m4, m4, 2, 3, 0, 1));
  m4 = wasm_f32x4_pmax(m4, wasm_i32x4_shuffle(m4, m4, 1, 0, 3, 2));
  return wasm_f32x4_extract_lane(m4, 0);
}

// softmax_row_u8() of ops.cpp, d = u - 128 for V vectors of 4 scores at s
// (V chains side by side, see interleave): exp255(s - mx) + magic holds u in
// its low bits, so subtracting magic (the scalar code's rounding) gives u,
// and d = bits - (bits(magic) + 128).
template <int V>
inline void softmax_d(const float* s, v128_t m4, v128_t* d) {
  const v128_t magic = c(kMagicC);
  v128_t t[V], r[V], q[V];
  for (int i = 0; i < V; ++i) {
    const v128_t x = wasm_f32x4_pmax(wasm_f32x4_sub(wasm_v128_load(s + 4 * i), m4), c(kExpFloor));
    t[i] = wasm_f32x4_add(wasm_f32x4_mul(x, c(kLog2E)), magic);
    r[i] = wasm_f32x4_sub(x, wasm_f32x4_mul(wasm_f32x4_sub(t[i], magic), c(kLn2)));
    q[i] = c(kE5);
  }
  for (const Const k : {kE4, kE3, kE2, kE1, kE1})
    for (int i = 0; i < V; ++i) {
      q[i] = wasm_f32x4_add(wasm_f32x4_mul(q[i], r[i]), c(k));
      interleave(q[i]);
    }
  for (int i = 0; i < V; ++i) {
    const v128_t scale = wasm_i32x4_shl(wasm_i32x4_sub(t[i], wasm_v128_load(kMagicBitsLess127)), 23);
    d[i] = wasm_i32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(q[i], scale), magic), wasm_v128_load(kMagicBitsPlus128));
  }
}

// The weights of the first n4 (a multiple of 4) scores into p, 16 at a time
// and then 4; returns sum u (the sum of the d's plus 128 n4).
inline int32_t softmax_u8(const float* s, int n4, float mx, int8_t* p) {
  const v128_t m4 = wasm_f32x4_splat(mx);
  v128_t sum4 = wasm_i32x4_splat(0);
  int j = 0;
  for (; j + 16 <= n4; j += 16) {
    v128_t d[4];
    softmax_d<2>(s + j, m4, d);
    softmax_d<2>(s + j + 8, m4, d + 2);
    sum4 = wasm_i32x4_add(wasm_i32x4_add(sum4, wasm_i32x4_add(d[0], d[1])), wasm_i32x4_add(d[2], d[3]));
    store_bytes16(d, p + j);
  }
  for (; j < n4; j += 4) {
    v128_t d;
    softmax_d<1>(s + j, m4, &d);
    sum4 = wasm_i32x4_add(sum4, d);
    const v128_t d16 = wasm_i16x8_narrow_i32x4(d, d);
    wasm_v128_store32_lane(p + j, wasm_i8x16_narrow_i16x8(d16, d16), 0);
  }
  return wasm_i32x4_extract_lane(sum4, 0) + wasm_i32x4_extract_lane(sum4, 1) + wasm_i32x4_extract_lane(sum4, 2) +
         wasm_i32x4_extract_lane(sum4, 3) + 128 * n4;
}

}  // namespace indorerank::ops::simd128
#endif
