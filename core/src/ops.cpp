#include "ops.hpp"

#include <cmath>
#include <cstring>

#include "gelu_poly.hpp"
#include "multiversion.hpp"
#include "ops_simd128.hpp"

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

typedef float f32x8 __attribute__((vector_size(32)));
typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));

// W floats or int32s in one register of the ISA a function is compiled for.
template <int W>
struct Lanes {
  typedef float F __attribute__((vector_size(4 * W)));
  typedef int32_t I __attribute__((vector_size(4 * W)));
};
template <int W>
using F = typename Lanes<W>::F;
template <int W>
using I = typename Lanes<W>::I;

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

template <bool max, typename V>
INDORERANK_ALWAYS_INLINE V pick(V a, V b) {
  if constexpr (max)
    return b > a ? b : a;
  else
    return b < a ? b : a;
}
// The largest (`max`) or smallest of W lanes that hold no NaN, and `init`:
// exact in any order.
template <bool max, int W>
INDORERANK_ALWAYS_INLINE float extreme(F<W> v, float init) {
  float m = init;
  for (int j = 0; j < W; ++j) m = pick<max>(m, v[j]);
  return m;
}
template <int W>
INDORERANK_ALWAYS_INLINE F<W> abs_lanes(F<W> v) {
  return v < 0.0f ? -v : v;
}

// 16 int32 lanes in [-128, 127] (16 / W vectors), as 16 int8 values: each
// lane's low byte, by the narrowing the ISA has (AVX-512 vpmovdb; else byte
// shuffles: vpshufb on AVX2, uzp1 on NEON).
template <int W>
INDORERANK_ALWAYS_INLINE void store_bytes16(const I<W>* v, int8_t* q) {
  i8x16 b;
  if constexpr (W == 16) {
    b = __builtin_convertvector(v[0], i8x16);
  } else if constexpr (W == 8) {
    typedef int8_t i8x32 __attribute__((vector_size(32)));
    i8x32 lo, hi;
    std::memcpy(&lo, &v[0], 32);
    std::memcpy(&hi, &v[1], 32);
    b = __builtin_shufflevector(lo, hi, 0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 48, 52, 56, 60);
  } else {
    static_assert(W == 4, "widths are 4, 8 or 16");
    i16x8 h[4];
    std::memcpy(h, v, sizeof h);
    const i16x8 lo = __builtin_shufflevector(h[0], h[1], 0, 2, 4, 6, 8, 10, 12, 14);
    const i16x8 hi = __builtin_shufflevector(h[2], h[3], 0, 2, 4, 6, 8, 10, 12, 14);
    i8x16 l, u;
    std::memcpy(&l, &lo, 16);
    std::memcpy(&u, &hi, 16);
    b = __builtin_shufflevector(l, u, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  }
  std::memcpy(q, &b, sizeof b);
}

}  // namespace

INDORERANK_MULTIVERSION
float dot(const float* a, const float* b, int n) {
  // Lane j sums the products at i = j mod 8, in order. An explicit vector:
  // GCC made the plain loop over an array of 8 into permutes and scalar adds.
  f32x8 acc = {};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
    f32x8 va, vb;
    std::memcpy(&va, a + i, sizeof va);
    std::memcpy(&vb, b + i, sizeof vb);
    acc += va * vb;
  }
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
  for (; i + 32 <= n; i += 32) simd128::gelu<8>(x + i);
  for (; i + 16 <= n; i += 16) simd128::gelu<4>(x + i);
  for (; i + 4 <= n; i += 4) simd128::gelu<1>(x + i);
#endif
  // max(x, 0) + g(|x|) by the polynomial of gelu_poly.hpp, as E(u^2) + u O(u^2).
  for (; i < n; ++i) {
    const float v = x[i];
    float a = std::fabs(v);
    a = a > gelu_poly::kClamp ? gelu_poly::kClamp : a;
    const float u = a * gelu_poly::kScale + -1.0f;
    const float w = u * u;
    float e = gelu_poly::kCoef[0], o = gelu_poly::kCoef[1];
    for (int k = 2; k + 1 < gelu_poly::kTerms; k += 2) {
      e = e * w + gelu_poly::kCoef[k];
      o = o * w + gelu_poly::kCoef[k + 1];
    }
    x[i] = (v > 0.0f ? v : 0.0f) + ((e * w + gelu_poly::kCoef[gelu_poly::kTerms - 1]) + o * u);
  }
}

INDORERANK_MULTIVERSION
void layer_norm(const float* x, const float* residual, const float* gamma, const float* beta, float eps, int h,
                float* out) {
  // out = x + residual (or x), summed on the way in 8 fixed partial sums (the
  // same bits anywhere). Explicit vectors: out is the residual in place, and a
  // compiler's overlap check would send a plain loop down its scalar path.
  f32x8 acc = {};
  int i = 0;
  for (; i + 8 <= h; i += 8) {
    f32x8 v;
    std::memcpy(&v, x + i, sizeof v);
    if (residual) {
      f32x8 r;
      std::memcpy(&r, residual + i, sizeof r);
      v += r;
    }
    std::memcpy(out + i, &v, sizeof v);
    acc += v;
  }
  for (int j = 0; i < h; ++i, ++j) {
    out[i] = residual ? x[i] + residual[i] : x[i];
    acc[j] += out[i];
  }
  const float mean =
      (((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]))) / static_cast<float>(h);
  // The squares the same way, and the output 8 at a time, as explicit vectors
  // too: GCC's code for the plain loops took 1.4x as long (ops_bench, x86).
  f32x8 sq = {};
  i = 0;
  for (; i + 8 <= h; i += 8) {
    f32x8 v;
    std::memcpy(&v, out + i, sizeof v);
    const f32x8 d = v - mean;
    sq += d * d;
  }
  for (int j = 0; i < h; ++i, ++j) {
    const float d = out[i] - mean;
    sq[j] += d * d;
  }
  const float var = (((sq[0] + sq[1]) + (sq[2] + sq[3])) + ((sq[4] + sq[5]) + (sq[6] + sq[7]))) / static_cast<float>(h);
  const float inv = 1.0f / std::sqrt(var + eps);
  i = 0;
  for (; i + 8 <= h; i += 8) {
    f32x8 v, g, b;
    std::memcpy(&v, out + i, sizeof v);
    std::memcpy(&g, gamma + i, sizeof g);
    std::memcpy(&b, beta + i, sizeof b);
    v = (v - mean) * inv * g + b;
    std::memcpy(out + i, &v, sizeof v);
  }
  for (; i < h; ++i) out[i] = (out[i] - mean) * inv * gamma[i] + beta[i];
}

namespace {

template <int W>
INDORERANK_ALWAYS_INLINE void quantize_row_w(const float* x, int k, int k_pad, int8_t* q, float* scale, int32_t* zero) {
  float lo, hi;
  int i = 0;
#if defined(__wasm_simd128__)
  simd128::range(x, k, &lo, &hi);
#else
  // Range in W independent lanes (min/max are exact in any order); the
  // selects are the scalar ones lane by lane, so NaNs behave the same.
  F<W> lo_w = {}, hi_w = {};
  for (; i + W <= k; i += W) {
    const F<W> v = load<F<W>>(x + i);
    lo_w = v < lo_w ? v : lo_w;
    hi_w = v > hi_w ? v : hi_w;
  }
  lo = 0.0f;
  hi = 0.0f;
  for (; i < k; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  // (Every lane started at 0, so the extremes include 0.)
  lo = extreme<false, W>(lo_w, lo);
  hi = extreme<true, W>(hi_w, hi);
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
    I<W> v[16 / W];
    for (int h = 0; h < 16 / W; ++h) {
      F<W> r = ((load<F<W>>(x + i + h * W) * inv + kRoundMagic) - kRoundMagic) + z;
      r = r > 127.0f ? 127.0f : r;
      r = r < -128.0f ? -128.0f : r;
      v[h] = __builtin_convertvector(r, I<W>);  // an integer in [-128, 127]: exact
    }
    store_bytes16<W>(v, q + i);
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

}  // namespace

INDORERANK_WIDTHS(void, quantize_row, (const float* x, int k, int k_pad, int8_t* q, float* scale, int32_t* zero),
                  (x, k, k_pad, q, scale, zero))

INDORERANK_MULTIVERSION
void dequantize_row(const int32_t* c, float a_scale, int32_t zero, const int32_t* w_col_sum, const float* w_scale,
                    const float* bias, int n, float* y) {
  for (int i = 0; i < n; ++i)
    y[i] = static_cast<float>(c[i] - zero * w_col_sum[i]) * a_scale * w_scale[i] + bias[i];
}

namespace {

// round(v) clamped to [-lim, lim], as int32 (exact: an integer in range).
template <int W>
INDORERANK_ALWAYS_INLINE I<W> round_clamp(F<W> v, float lim) {
  F<W> r = (v + kRoundMagic) - kRoundMagic;
  r = r > lim ? lim : r;
  r = r < -lim ? -lim : r;
  return __builtin_convertvector(r, I<W>);
}
INDORERANK_ALWAYS_INLINE float round_clamp(float v, float lim) {
  float r = (v + kRoundMagic) - kRoundMagic;
  return r > lim ? lim : (r < -lim ? -lim : r);
}

template <int W>
INDORERANK_ALWAYS_INLINE float quantize_row_symmetric_w(const float* x, int n, int8_t* q) {
  int i = 0;
#if defined(__wasm_simd128__)
  const float m = simd128::max_abs(x, n);
#else
  F<W> m_w = {};
  for (; i + W <= n; i += W) {
    const F<W> a = abs_lanes<W>(load<F<W>>(x + i));
    m_w = a > m_w ? a : m_w;
  }
  float m = 0.0f;
  for (; i < n; ++i) {
    const float a = x[i] < 0.0f ? -x[i] : x[i];
    m = a > m ? a : m;
  }
  m = extreme<true, W>(m_w, m);
#endif
  if (!(m > 0.0f) || !std::isfinite(m)) {
    std::memset(q, 0, static_cast<size_t>(n));
    return 0.0f;
  }
  const float inv = 127.0f / m;
  i = 0;
#if defined(__wasm_simd128__)
  for (; i + 16 <= n; i += 16) simd128::quantize16_symmetric(x + i, nullptr, wasm_f32x4_splat(inv), q + i);
#else
  for (; i + 16 <= n; i += 16) {
    I<W> v[16 / W];
    for (int h = 0; h < 16 / W; ++h) v[h] = round_clamp<W>(load<F<W>>(x + i + h * W) * inv, 127.0f);
    store_bytes16<W>(v, q + i);
  }
#endif
  for (; i < n; ++i) q[i] = static_cast<int8_t>(round_clamp(x[i] * inv, 127.0f));
  return m / 127.0f;
}

template <int W>
INDORERANK_ALWAYS_INLINE void max_abs_columns_w(const float* x, size_t ld, int rows, int cols, float* m) {
  for (int r = 0; r < rows; ++r) {
    const float* xr = x + static_cast<size_t>(r) * ld;
    int c = 0;
    for (; c + W <= cols; c += W) {
      const F<W> a = abs_lanes<W>(load<F<W>>(xr + c)), b = load<F<W>>(m + c);
      store(m + c, a > b ? a : b);
    }
    for (; c < cols; ++c) {
      const float a = xr[c] < 0.0f ? -xr[c] : xr[c];
      m[c] = a > m[c] ? a : m[c];
    }
  }
}

template <int W>
INDORERANK_ALWAYS_INLINE void quantize_row_scaled_w(const float* x, const float* inv, int n, int8_t* q) {
  int i = 0;
#if defined(__wasm_simd128__)
  for (; i + 16 <= n; i += 16) simd128::quantize16_symmetric(x + i, inv + i, wasm_f32x4_splat(0.0f), q + i);
#else
  for (; i + 16 <= n; i += 16) {
    I<W> v[16 / W];
    for (int h = 0; h < 16 / W; ++h)
      v[h] = round_clamp<W>(load<F<W>>(x + i + h * W) * load<F<W>>(inv + i + h * W), 127.0f);
    store_bytes16<W>(v, q + i);
  }
#endif
  for (; i < n; ++i) q[i] = static_cast<int8_t>(round_clamp(x[i] * inv[i], 127.0f));
}

}  // namespace

INDORERANK_WIDTHS(float, quantize_row_symmetric, (const float* x, int n, int8_t* q), (x, n, q))
INDORERANK_WIDTHS(void, max_abs_columns, (const float* x, size_t ld, int rows, int cols, float* m),
                  (x, ld, rows, cols, m))
INDORERANK_WIDTHS(void, quantize_row_scaled, (const float* x, const float* inv, int n, int8_t* q), (x, inv, n, q))

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
template <int W>
INDORERANK_ALWAYS_INLINE F<W> exp255(F<W> x_in) {
  const F<W> x = x_in < kExpFloor ? kExpFloor : x_in;
  const F<W> t = x * kLog2e + kRoundMagic;
  const F<W> r = x - (t - kRoundMagic) * kLn2;
  F<W> p = kE5 + F<W>{};
  p = p * r + kE4;
  p = p * r + kE3;
  p = p * r + kE2;
  p = p * r + kE1;
  p = p * r + kE1;
  int32_t magic_bits;
  std::memcpy(&magic_bits, &kRoundMagic, 4);
  I<W> bits;
  std::memcpy(&bits, &t, sizeof bits);
  const I<W> e = (bits - (magic_bits - 127)) << 23;
  F<W> scale;
  std::memcpy(&scale, &e, sizeof scale);
  return p * scale;
}

// softmax_row_u8 on 16 values: q = u - 128, sum_w += u.
template <int W>
INDORERANK_ALWAYS_INLINE void softmax16_u8(const float* x, float mx, int8_t* q, I<W>* sum_w) {
  I<W> v[16 / W];
  for (int h = 0; h < 16 / W; ++h) {
    const I<W> u = __builtin_convertvector((exp255<W>(load<F<W>>(x + h * W) - mx) + kRoundMagic) - kRoundMagic, I<W>);
    *sum_w += u;
    v[h] = u - 128;
  }
  store_bytes16<W>(v, q);
}
#endif

template <int W>
INDORERANK_ALWAYS_INLINE int32_t softmax_row_u8_w(float* s, int len, int8_t* p) {
  float mx = -3.4e38f;
#if defined(__wasm_simd128__)
  mx = simd128::max_row(s, len);
#else
  int j = 0;
  F<W> mx_w = {};
  mx_w -= 3.4e38f;
  for (; j + W <= len; j += W) {
    const F<W> v = load<F<W>>(s + j);
    mx_w = v > mx_w ? v : mx_w;
  }
  mx = extreme<true, W>(mx_w, mx);
  for (; j < len; ++j) mx = s[j] > mx ? s[j] : mx;
#endif
  // u = round(255 exp(s - mx)) in [0, 255] (the maximum gives 255 exactly),
  // 16 at a time (SIMD128: then 4), the row padded to a whole 16 (4) with
  // scores whose exp255 rounds to 0.
#if defined(__wasm_simd128__)
  constexpr int kStep = 4;
#else
  constexpr int kStep = 16;
#endif
  const int n = (len + kStep - 1) / kStep * kStep;
  for (int c = len; c < n; ++c) s[c] = mx + 2.0f * kExpFloor;
#if defined(__wasm_simd128__)
  return simd128::softmax_u8(s, n, mx, p);  // one horizontal sum per row
#else
  I<W> sum_w = {};
  for (int c = 0; c < n; c += 16) softmax16_u8<W>(s + c, mx, p + c, &sum_w);
  int32_t sum = 0;
  for (int c = 0; c < W; ++c) sum += sum_w[c];
  return sum;
#endif
}

}  // namespace

INDORERANK_WIDTHS(int32_t, softmax_row_u8, (float* s, int len, int8_t* p), (s, len, p))

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
