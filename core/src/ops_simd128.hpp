// WebAssembly SIMD128 versions of the element-wise ops, for ops.cpp only.
//
// Clang leaves the scalar definitions in ops.cpp (bit casts, selects, int8
// conversion) mostly unvectorized for wasm, so these spell out the very same
// IEEE operations in the same order, four lanes at a time: results are
// bit-identical to the scalar code (tests/test_ops.cpp checks it).
#pragma once

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <cstdint>

namespace indorerank::ops::simd128 {

constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23, as kRoundMagic in ops.cpp

// exp1() of ops.cpp on four lanes.
inline v128_t exp4(v128_t x_in) {
  const v128_t magic = wasm_f32x4_splat(kMagic);
  // x_in < -87 ? -87 : x_in, then x > 88 ? 88 : x (NaN passes through both).
  v128_t x = wasm_f32x4_pmax(x_in, wasm_f32x4_splat(-87.0f));
  x = wasm_f32x4_pmin(x, wasm_f32x4_splat(88.0f));
  const v128_t t = wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(1.44269504f)), magic);
  const v128_t n = wasm_f32x4_sub(t, magic);
  const v128_t r = wasm_f32x4_sub(wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(0.693145752f))),
                                  wasm_f32x4_mul(n, wasm_f32x4_splat(1.42860677e-6f)));
  v128_t p = wasm_f32x4_splat(1.0f / 720.0f);
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 120.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 24.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f / 6.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(0.5f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(1.0f));
  // 2^n from t's mantissa: (bits(t) - bits(magic) + 127) << 23.
  const v128_t e = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_sub(t, magic), wasm_i32x4_splat(127)), 23);
  const v128_t y = wasm_f32x4_mul(p, e);
  return wasm_v128_andnot(y, wasm_f32x4_lt(x_in, wasm_f32x4_splat(-87.0f)));  // 0 below -87
}

// One lane group of gelu_inplace() of ops.cpp.
inline v128_t gelu4(v128_t v) {
  const v128_t one = wasm_f32x4_splat(1.0f);
  const v128_t z = wasm_f32x4_mul(wasm_f32x4_abs(v), wasm_f32x4_splat(0.707106781f));
  const v128_t t = wasm_f32x4_div(one, wasm_f32x4_add(one, wasm_f32x4_mul(wasm_f32x4_splat(0.3275911f), z)));
  v128_t p = wasm_f32x4_splat(1.061405429f);
  p = wasm_f32x4_sub(wasm_f32x4_mul(p, t), wasm_f32x4_splat(1.453152027f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(1.421413741f));
  p = wasm_f32x4_sub(wasm_f32x4_mul(p, t), wasm_f32x4_splat(0.284496736f));
  p = wasm_f32x4_add(wasm_f32x4_mul(p, t), wasm_f32x4_splat(0.254829592f));
  p = wasm_f32x4_mul(p, t);
  const v128_t erf_abs = wasm_f32x4_sub(one, wasm_f32x4_mul(p, exp4(wasm_f32x4_neg(wasm_f32x4_mul(z, z)))));
  const v128_t erf = wasm_v128_bitselect(wasm_f32x4_neg(erf_abs), erf_abs, wasm_f32x4_lt(v, wasm_f32x4_splat(0.0f)));
  return wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), v), wasm_f32x4_add(one, erf));
}

// The quantization loop of quantize_row() on 16 values: q = clamp(round(x *
// inv) + z) as int8. The clamped value is an integer in [-128, 127], so adding
// the magic constant puts it, two's complement, in the low byte of the bits.
inline void quantize16(const float* x, v128_t inv, v128_t z, int8_t* q) {
  const v128_t magic = wasm_f32x4_splat(kMagic);
  v128_t b[4];
  for (int i = 0; i < 4; ++i) {
    v128_t r = wasm_f32x4_add(wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(x + 4 * i), inv), magic), magic), z);
    // r > 127 ? 127 : (r < -128 ? -128 : r)
    r = wasm_f32x4_pmax(r, wasm_f32x4_splat(-128.0f));
    r = wasm_f32x4_pmin(r, wasm_f32x4_splat(127.0f));
    b[i] = wasm_f32x4_add(r, magic);
  }
  const v128_t lo = wasm_i8x16_shuffle(b[0], b[1], 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
  const v128_t hi = wasm_i8x16_shuffle(b[2], b[3], 0, 4, 8, 12, 16, 20, 24, 28, 0, 0, 0, 0, 0, 0, 0, 0);
  wasm_v128_store(q, wasm_i64x2_shuffle(lo, hi, 0, 2));
}

}  // namespace indorerank::ops::simd128
#endif
