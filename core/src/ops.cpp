#include "ops.hpp"

#include <cmath>
#include <cstring>

#include "gelu_poly.hpp"
#include "ops_simd128.hpp"

// Hot loops get AVX2 and AVX-512 clones picked at load time; the math is the
// same IEEE operations in the same order, so every clone gives identical bits.
// (Not under ThreadSanitizer: its runtime is not up yet when the loader runs
// the clone resolvers.)
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) && \
    !defined(__SANITIZE_THREAD__)
#define INDORERANK_MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#define INDORERANK_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define INDORERANK_MULTIVERSION
#define INDORERANK_ALWAYS_INLINE inline
#endif

namespace indorerank::ops {
namespace {

// Round-to-nearest by the 1.5 * 2^23 trick: pure add/sub, so it vectorizes
// everywhere and never depends on the rounding instructions an ISA has.
constexpr float kRoundMagic = 12582912.0f;

INDORERANK_ALWAYS_INLINE float exp1(float x_in) {
  float x = x_in < -87.0f ? -87.0f : x_in;
  x = x > 88.0f ? 88.0f : x;
  const float t = x * 1.44269504f + kRoundMagic;
  const float n = t - kRoundMagic;
  const float r = (x - n * 0.693145752f) - n * 1.42860677e-6f;
  // exp(r) on |r| <= 0.35: Taylor to degree 6 (error < 2e-8 relative).
  float p = 1.0f / 720.0f;
  p = p * r + 1.0f / 120.0f;
  p = p * r + 1.0f / 24.0f;
  p = p * r + 1.0f / 6.0f;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  int32_t bits;
  std::memcpy(&bits, &t, 4);
  int32_t magic_bits;
  std::memcpy(&magic_bits, &kRoundMagic, 4);
  const int32_t e = (bits - magic_bits + 127) << 23;
  float scale;
  std::memcpy(&scale, &e, 4);
  return x_in < -87.0f ? 0.0f : p * scale;
}

// 16 floats as one value: lowered to whatever vector width the target has
// (4 x SSE, 1 x AVX-512, 4 x wasm SIMD128); element-wise IEEE math as scalars.
typedef float f32x16 __attribute__((vector_size(64)));
typedef float f32x8 __attribute__((vector_size(32)));
typedef int32_t i32x16 __attribute__((vector_size(64)));
typedef int8_t i8x16 __attribute__((vector_size(16)));

// Unaligned loads and stores of a float vector type.
template <typename V>
INDORERANK_ALWAYS_INLINE V load(const float* p) {
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <typename V>
INDORERANK_ALWAYS_INLINE void store(float* p, V v) {
  std::memcpy(p, &v, sizeof v);
}

// The largest (`max`) or smallest of 16 lanes that hold no NaN, in a tree
// of selects: exact, as in any order, and short.
typedef float f32x4 __attribute__((vector_size(16)));
typedef float f32x2 __attribute__((vector_size(8)));
template <bool max, typename V>
INDORERANK_ALWAYS_INLINE V pick(V a, V b) {
  if constexpr (max)
    return b > a ? b : a;
  else
    return b < a ? b : a;
}
template <bool max>
INDORERANK_ALWAYS_INLINE float extreme16(f32x16 v) {
  const f32x8 a = pick<max>(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7),
                            __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15));
  const f32x4 b = pick<max>(__builtin_shufflevector(a, a, 0, 1, 2, 3), __builtin_shufflevector(a, a, 4, 5, 6, 7));
  const f32x2 c = pick<max>(__builtin_shufflevector(b, b, 0, 1), __builtin_shufflevector(b, b, 2, 3));
  return pick<max>(c[0], c[1]);
}

// Sum with 8 fixed partial sums: vectorizes and stays bit-identical anywhere.
INDORERANK_ALWAYS_INLINE float sum8(const float* x, int n) {
  f32x8 acc = {};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    f32x8 v;
    std::memcpy(&v, x + i, sizeof v);
    acc += v;
  }
  for (int j = 0; i < n; ++i, ++j) acc[j] += x[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

}  // namespace

INDORERANK_MULTIVERSION
float dot(const float* a, const float* b, int n) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= n; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  for (int j = 0; i < n; ++i, ++j) acc[j] += a[i] * b[i];
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

INDORERANK_MULTIVERSION
void exp_inplace(float* x, int n) {
  int i = 0;
#if defined(__wasm_simd128__)
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, simd128::exp4(wasm_v128_load(x + i)));
#endif
  for (; i < n; ++i) x[i] = exp1(x[i]);
}

INDORERANK_MULTIVERSION
void gelu_inplace(float* x, size_t n) {
  size_t i = 0;
#if defined(__wasm_simd128__)
  for (; i + 16 <= n; i += 16) simd128::gelu<4>(x + i);
  for (; i + 4 <= n; i += 4) simd128::gelu<1>(x + i);
#endif
  // max(x, 0) + g(|x|) by the polynomial of gelu_poly.hpp.
  for (; i < n; ++i) {
    const float v = x[i];
    float a = std::fabs(v);
    a = a > gelu_poly::kClamp ? gelu_poly::kClamp : a;
    const float u = a * gelu_poly::kScale + -1.0f;
    float p = gelu_poly::kCoef[0];
    for (int k = 1; k < gelu_poly::kTerms; ++k) p = p * u + gelu_poly::kCoef[k];
    x[i] = (v > 0.0f ? v : 0.0f) + p;
  }
}

INDORERANK_MULTIVERSION
void layer_norm(const float* x, const float* residual, const float* gamma, const float* beta, float eps, int h,
                float* out) {
  if (residual) {
    for (int i = 0; i < h; ++i) out[i] = x[i] + residual[i];
  } else if (out != x) {
    std::memcpy(out, x, sizeof(float) * static_cast<size_t>(h));
  }
  const float mean = sum8(out, h) / static_cast<float>(h);
  float sq[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int i = 0;
  for (; i + 8 <= h; i += 8)
    for (int j = 0; j < 8; ++j) {
      const float d = out[i + j] - mean;
      sq[j] += d * d;
    }
  for (int j = 0; i < h; ++i, ++j) {
    const float d = out[i] - mean;
    sq[j] += d * d;
  }
  const float var = (((sq[0] + sq[1]) + (sq[2] + sq[3])) + ((sq[4] + sq[5]) + (sq[6] + sq[7]))) / static_cast<float>(h);
  const float inv = 1.0f / std::sqrt(var + eps);
  for (int k = 0; k < h; ++k) out[k] = (out[k] - mean) * inv * gamma[k] + beta[k];
}

INDORERANK_MULTIVERSION
void quantize_row(const float* x, int k, int k_pad, int8_t* q, float* scale, int32_t* zero) {
  float lo, hi;
  int i = 0;
#if defined(__wasm_simd128__)
  simd128::range(x, k, &lo, &hi);
#else
  // Range in 16 independent lanes (min/max are exact in any order); the
  // selects are the scalar ones lane by lane, so NaNs behave the same.
  f32x16 lo16 = {}, hi16 = {};
  for (; i + 16 <= k; i += 16) {
    const f32x16 v = load<f32x16>(x + i);
    lo16 = v < lo16 ? v : lo16;
    hi16 = v > hi16 ? v : hi16;
  }
  for (int j = 0; i < k; ++i, ++j) {
    lo16[j] = x[i] < lo16[j] ? x[i] : lo16[j];
    hi16[j] = x[i] > hi16[j] ? x[i] : hi16[j];
  }
  // (Each lane started at 0, so the extremes include 0.)
  lo = extreme16<false>(lo16);
  hi = extreme16<true>(hi16);
#endif
  const float range = hi - lo;
  if (!(range > 0.0f) || !std::isfinite(range)) {
    std::memset(q, 0, static_cast<size_t>(k_pad));
    *scale = 0.0f;
    *zero = 0;
    return;
  }
  const float inv = 255.0f / range;
  // zero = round(-128 - lo / scale), within [-128, 127] because lo <= 0 <= hi.
  float z = (-128.0f - lo * inv + kRoundMagic) - kRoundMagic;
  z = z > 127.0f ? 127.0f : (z < -128.0f ? -128.0f : z);
  i = 0;
#if defined(__wasm_simd128__)
  const v128_t zbits = wasm_i32x4_splat(simd128::kMagicBitsValue - static_cast<int32_t>(z));
  for (; i + 16 <= k; i += 16) simd128::quantize16(x + i, wasm_f32x4_splat(inv), zbits, q + i);
#else
  for (; i + 16 <= k; i += 16) {
    f32x16 r = ((load<f32x16>(x + i) * inv + kRoundMagic) - kRoundMagic) + z;
    r = r > 127.0f ? 127.0f : r;
    r = r < -128.0f ? -128.0f : r;
    // An integer in [-128, 127]: both conversions are exact.
    const i8x16 b = __builtin_convertvector(__builtin_convertvector(r, i32x16), i8x16);
    std::memcpy(q + i, &b, sizeof b);
  }
#endif
  for (; i < k; ++i) {
    float r = ((x[i] * inv + kRoundMagic) - kRoundMagic) + z;
    r = r > 127.0f ? 127.0f : (r < -128.0f ? -128.0f : r);
    q[i] = static_cast<int8_t>(r);
  }
  for (i = k; i < k_pad; ++i) q[i] = 0;
  *scale = range / 255.0f;
  *zero = static_cast<int32_t>(z);
}

INDORERANK_MULTIVERSION
void dequantize_row(const int32_t* c, float a_scale, int32_t zero, const int32_t* w_col_sum, const float* w_scale,
                    const float* bias, int n, float* y) {
  for (int i = 0; i < n; ++i)
    y[i] = static_cast<float>(c[i] - zero * w_col_sum[i]) * a_scale * w_scale[i] + bias[i];
}

namespace {

// round(v) clamped to [-lim, lim], as int8 (exact: an integer in range).
INDORERANK_ALWAYS_INLINE i8x16 round_to_i8(f32x16 v, float lim) {
  f32x16 r = (v + kRoundMagic) - kRoundMagic;
  r = r > lim ? lim : r;
  r = r < -lim ? -lim : r;
  return __builtin_convertvector(__builtin_convertvector(r, i32x16), i8x16);
}
INDORERANK_ALWAYS_INLINE float round_clamp(float v, float lim) {
  float r = (v + kRoundMagic) - kRoundMagic;
  return r > lim ? lim : (r < -lim ? -lim : r);
}
INDORERANK_ALWAYS_INLINE f32x16 abs16(f32x16 v) {
  return v < 0.0f ? -v : v;
}

}  // namespace

INDORERANK_MULTIVERSION
float quantize_row_symmetric(const float* x, int n, int8_t* q) {
#if defined(__wasm_simd128__)
  const float m = simd128::max_abs(x, n);
  int i;
#else
  f32x16 m16 = {};
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    const f32x16 a = abs16(load<f32x16>(x + i));
    m16 = a > m16 ? a : m16;
  }
  float m = 0.0f;
  for (; i < n; ++i) {
    const float a = x[i] < 0.0f ? -x[i] : x[i];
    m = a > m ? a : m;
  }
  const float m16_max = extreme16<true>(m16);
  m = m16_max > m ? m16_max : m;
#endif
  if (!(m > 0.0f) || !std::isfinite(m)) {
    std::memset(q, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  const float inv = 127.0f / m;
  i = 0;
#if defined(__wasm_simd128__)
  for (; i + 16 <= n; i += 16) simd128::quantize16_symmetric(x + i, nullptr, wasm_f32x4_splat(inv), q + i);
#endif
  for (; i + 16 <= n; i += 16) {
    const i8x16 b = round_to_i8(load<f32x16>(x + i) * inv, 127.0f);
    std::memcpy(q + i, &b, sizeof b);
  }
  for (; i < n; ++i) q[i] = static_cast<int8_t>(round_clamp(x[i] * inv, 127.0f));
  return m / 127.0f;
}

INDORERANK_MULTIVERSION
void max_abs_columns(const float* x, size_t ld, int rows, int cols, float* m) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<size_t>(r) * ld;
    int c = 0;
    for (; c + 16 <= cols; c += 16) {
      const f32x16 a = abs16(load<f32x16>(xr + c)), b = load<f32x16>(m + c);
      store(m + c, a > b ? a : b);
    }
    for (; c < cols; ++c) {
      const float a = xr[c] < 0.0f ? -xr[c] : xr[c];
      m[c] = a > m[c] ? a : m[c];
    }
  }
}

INDORERANK_MULTIVERSION
void quantize_row_scaled(const float* x, const float* inv, int n, int8_t* q) {
  int i = 0;
#if defined(__wasm_simd128__)
  for (; i + 16 <= n; i += 16) simd128::quantize16_symmetric(x + i, inv + i, wasm_f32x4_splat(0.0f), q + i);
#endif
  for (; i + 16 <= n; i += 16) {
    const i8x16 b = round_to_i8(load<f32x16>(x + i) * load<f32x16>(inv + i), 127.0f);
    std::memcpy(q + i, &b, sizeof b);
  }
  for (; i < n; ++i) q[i] = static_cast<int8_t>(round_clamp(x[i] * inv[i], 127.0f));
}

namespace {

// 255 exp(x) for x <= 0, as the 8-bit softmax weights need it: a Taylor
// polynomial of degree 5 on |r| <= ln 2 / 2 with 255 folded in, relative
// error < 3e-6 (6e-4 of one step of u = round(255 exp(x)); degree 4, 4e-5,
// moved the full fixture's Pearson from 0.99917 to 0.99897). Below -20 the
// result (255 e^-20) rounds to 0 anyway.
constexpr float kExpFloor = -20.0f;
#if !defined(__wasm_simd128__)  // (ops_simd128.hpp has its own)
constexpr float kLog2e = 1.44269504f, kLn2 = 0.693147182f;
constexpr float kE5 = 255.0f / 120.0f, kE4 = 255.0f / 24.0f, kE3 = 255.0f / 6.0f, kE2 = 255.0f / 2.0f, kE1 = 255.0f;
INDORERANK_ALWAYS_INLINE f32x16 exp255(f32x16 x_in) {
  const f32x16 x = x_in < kExpFloor ? kExpFloor : x_in;
  const f32x16 t = x * kLog2e + kRoundMagic;
  const f32x16 r = x - (t - kRoundMagic) * kLn2;
  f32x16 p = kE5 + f32x16{};
  p = p * r + kE4;
  p = p * r + kE3;
  p = p * r + kE2;
  p = p * r + kE1;
  p = p * r + kE1;
  int32_t magic_bits;
  std::memcpy(&magic_bits, &kRoundMagic, 4);
  i32x16 bits;
  std::memcpy(&bits, &t, sizeof bits);
  const i32x16 e = (bits - (magic_bits - 127)) << 23;
  f32x16 scale;
  std::memcpy(&scale, &e, sizeof scale);
  return p * scale;
}

// softmax_row_u8 on 16 values: q = u - 128, sum16 += u.
INDORERANK_ALWAYS_INLINE void softmax16_u8(const float* x, float mx, int8_t* q, i32x16* sum16) {
  const i32x16 u = __builtin_convertvector((exp255(load<f32x16>(x) - mx) + kRoundMagic) - kRoundMagic, i32x16);
  *sum16 += u;
  const i8x16 b = __builtin_convertvector(u - 128, i8x16);
  std::memcpy(q, &b, sizeof b);
}
#endif

}  // namespace

INDORERANK_MULTIVERSION
int32_t softmax_row_u8(const float* s, int len, int8_t* p) {
  int j = 0;
  float mx = -3.4e38f;
#if defined(__wasm_simd128__)
  mx = simd128::max_row(s, len);
  j = len;
#else
  f32x16 mx16 = {};
  mx16 -= 3.4e38f;
  for (; j + 16 <= len; j += 16) {
    const f32x16 v = load<f32x16>(s + j);
    mx16 = v > mx16 ? v : mx16;
  }
  const float mx16_max = extreme16<true>(mx16);
  mx = mx16_max > mx ? mx16_max : mx;
#endif
  for (; j < len; ++j) mx = s[j] > mx ? s[j] : mx;
  // u = round(255 exp(s - mx)) in [0, 255] (the maximum gives 255 exactly),
  // 16 at a time; the last len % 16 in a padded copy (the padding's exp255
  // rounds to 0 and is not stored).
  int32_t sum = 0;
#if defined(__wasm_simd128__)
  j = len / 16 * 16;  // the whole 16s in one call: one horizontal sum per row
  sum = simd128::softmax16_u8(s, j, mx, p);
  const auto sixteen = [mx, &sum](const float* x, int8_t* q) { sum += simd128::softmax16_u8(x, 16, mx, q); };
#else
  i32x16 sum16 = {};
  const auto sixteen = [mx, &sum16](const float* x, int8_t* q) { softmax16_u8(x, mx, q, &sum16); };
  for (j = 0; j + 16 <= len; j += 16) sixteen(s + j, p + j);
#endif
  if (j < len) {
    float x[16];
    int8_t q[16];
    for (int c = 0; c < 16; ++c) x[c] = j + c < len ? s[j + c] : mx + 2.0f * kExpFloor;
    sixteen(x, q);
    std::memcpy(p + j, q, static_cast<size_t>(len - j));
  }
#if !defined(__wasm_simd128__)
  for (int c = 0; c < 16; ++c) sum += sum16[c];
#endif
  return sum;
}

float tanh(float x) {
  // tanh(x) = sign(x) * (1 - 2 / (exp(2|x|) + 1)); exact enough past |x| = 9.
  const float a = x < 0 ? -x : x;
  if (!(a < 9.0f)) return x != x ? x : (x < 0 ? -1.0f : 1.0f);
  float e = 2.0f * a;
  exp_inplace(&e, 1);
  const float t = 1.0f - 2.0f / (e + 1.0f);
  return x < 0 ? -t : t;
}

float sigmoid(float x) {
  float e = -x;
  exp_inplace(&e, 1);
  return 1.0f / (1.0f + e);
}

}  // namespace indorerank::ops
