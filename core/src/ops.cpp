#include "ops.hpp"

#include <cmath>
#include <cstring>

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

constexpr int kQueryBlock = 8;  // query rows per attention tile
constexpr int kKeyBlock = 16;   // keys per attention tile

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
typedef float f32x4 __attribute__((vector_size(16)));

// Unaligned loads and stores of a float vector type V (f32x16, f32x4).
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
  for (; i + 8 <= n; i += 8) {
    const v128_t a = simd128::gelu4(wasm_v128_load(x + i)), b = simd128::gelu4(wasm_v128_load(x + i + 4));
    wasm_v128_store(x + i, a);
    wasm_v128_store(x + i + 4, b);
  }
  for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, simd128::gelu4(wasm_v128_load(x + i)));
#endif
  // erf by Abramowitz & Stegun 7.1.26 on |z|, sign restored afterwards.
  for (; i < n; ++i) {
    const float v = x[i];
    const float z = std::fabs(v) * 0.707106781f;
    const float t = 1.0f / (1.0f + 0.3275911f * z);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    p = p * t;
    const float erf_abs = 1.0f - p * exp1(-(z * z));
    const float erf = v < 0 ? -erf_abs : erf_abs;
    x[i] = 0.5f * v * (1.0f + erf);
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
  // Range in 16 independent lanes (min/max are exact in any order); the
  // selects are the scalar ones lane by lane, so NaNs behave the same.
  f32x16 lo16 = {}, hi16 = {};
  int i = 0;
  for (; i + 16 <= k; i += 16) {
    const f32x16 v = load<f32x16>(x + i);
    lo16 = v < lo16 ? v : lo16;
    hi16 = v > hi16 ? v : hi16;
  }
  for (int j = 0; i < k; ++i, ++j) {
    lo16[j] = x[i] < lo16[j] ? x[i] : lo16[j];
    hi16[j] = x[i] > hi16[j] ? x[i] : hi16[j];
  }
  float lo = 0.0f, hi = 0.0f;
  for (int j = 0; j < 16; ++j) {
    lo = lo16[j] < lo ? lo16[j] : lo;
    hi = hi16[j] > hi ? hi16[j] : hi;
  }
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
  for (; i + 16 <= k; i += 16) simd128::quantize16(x + i, wasm_f32x4_splat(inv), wasm_f32x4_splat(z), q + i);
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

int attention_scratch_floats(int len, int head_dim) {
  const int len_pad = (len + kKeyBlock - 1) / kKeyBlock * kKeyBlock;
  return (head_dim + kQueryBlock) * len_pad;
}

namespace {

constexpr int kMaxHeadDim = 256;

// Scores of kQueryBlock query rows (qb, zero rows past the real ones)
// against all keys, into s[r][j]. Each score sums q[d] * k[d] over d in order.
INDORERANK_ALWAYS_INLINE void attention_scores(const float (*qb)[kMaxHeadDim], int head_dim, const float* kt,
                                               int len_pad, float* s) {
  static_assert(kQueryBlock == 8 && kKeyBlock == 16, "the tiles below are written for 8 x 16");
#if defined(__wasm_simd128__)
  // 4 x 8 tiles: V8 has 16 vector registers, and 4 x 16 would spill.
  for (int rb = 0; rb < kQueryBlock; rb += 4, qb += 4, s += 4 * len_pad)
    for (int j0 = 0; j0 < len_pad; j0 += 8) {
      v128_t acc[4][2];
      for (int r = 0; r < 4; ++r) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
      for (int d = 0; d < head_dim; ++d) {
        const float* kd = kt + static_cast<size_t>(d) * len_pad + j0;
        const v128_t k0 = wasm_v128_load(kd), k1 = wasm_v128_load(kd + 4);
        for (int r = 0; r < 4; ++r) {
          const v128_t qv = wasm_f32x4_splat(qb[r][d]);
          acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(qv, k0));
          acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(qv, k1));
        }
      }
      for (int r = 0; r < 4; ++r) {
        wasm_v128_store(s + r * len_pad + j0, acc[r][0]);
        wasm_v128_store(s + r * len_pad + j0 + 4, acc[r][1]);
      }
    }
  return;
#endif
  // 8 rows x two key blocks where there are two: 16 independent sums keep
  // the multipliers and adders busy through their latency, and each key
  // vector loaded serves 8 rows.
  int j0 = 0;
  for (; j0 + 2 * kKeyBlock <= len_pad; j0 += 2 * kKeyBlock) {
    f32x16 a[kQueryBlock][2] = {};
    for (int d = 0; d < head_dim; ++d) {
      const float* kd = kt + static_cast<size_t>(d) * len_pad + j0;
      const f32x16 k0 = load<f32x16>(kd), k1 = load<f32x16>(kd + kKeyBlock);
      for (int r = 0; r < kQueryBlock; ++r) {
        a[r][0] += qb[r][d] * k0;
        a[r][1] += qb[r][d] * k1;
      }
    }
    for (int r = 0; r < kQueryBlock; ++r) {
      store(s + r * len_pad + j0, a[r][0]);
      store(s + r * len_pad + j0 + kKeyBlock, a[r][1]);
    }
  }
  for (; j0 < len_pad; j0 += kKeyBlock) {
    f32x16 a[kQueryBlock] = {};
    for (int d = 0; d < head_dim; ++d) {
      const f32x16 kv = load<f32x16>(kt + static_cast<size_t>(d) * len_pad + j0);
      for (int r = 0; r < kQueryBlock; ++r) a[r] += qb[r][d] * kv;
    }
    for (int r = 0; r < kQueryBlock; ++r) store(s + r * len_pad + j0, a[r]);
  }
}

// out[r][:] = sum_j p[r][j] * v[j][:], j in order, for kQueryBlock rows.
template <int HD>
INDORERANK_ALWAYS_INLINE void attention_values(const float* p, int len_pad, int rows, int len, const float* v,
                                               size_t ld, int head_dim_rt, float* ctx, size_t ld_ctx) {
#if defined(__wasm_simd128__)
  if (head_dim_rt % 8 == 0) {
    // 4 rows x 8 columns at a time, for V8's 16 vector registers.
    for (int rb = 0; rb < rows; rb += 4)
      for (int c0 = 0; c0 < head_dim_rt; c0 += 8) {
        v128_t acc[4][2];
        for (int r = 0; r < 4; ++r) acc[r][0] = acc[r][1] = wasm_f32x4_splat(0.0f);
        for (int j = 0; j < len; ++j) {
          const v128_t v0 = wasm_v128_load(v + j * ld + c0), v1 = wasm_v128_load(v + j * ld + c0 + 4);
          for (int r = 0; r < 4; ++r) {
            const v128_t pr = wasm_f32x4_splat(p[(rb + r) * len_pad + j]);
            acc[r][0] = wasm_f32x4_add(acc[r][0], wasm_f32x4_mul(pr, v0));
            acc[r][1] = wasm_f32x4_add(acc[r][1], wasm_f32x4_mul(pr, v1));
          }
        }
        for (int r = 0; r < 4 && rb + r < rows; ++r) {
          wasm_v128_store(ctx + (rb + r) * ld_ctx + c0, acc[r][0]);
          wasm_v128_store(ctx + (rb + r) * ld_ctx + c0 + 4, acc[r][1]);
        }
      }
    return;
  }
#endif
  if constexpr (HD > 0 && HD % 16 == 0) {
    constexpr int kChunks = HD / 16;
    f32x16 acc[kQueryBlock][kChunks] = {};
    for (int j = 0; j < len; ++j) {
      f32x16 vj[kChunks];
      for (int c = 0; c < kChunks; ++c) vj[c] = load<f32x16>(v + j * ld + 16 * c);
      for (int r = 0; r < kQueryBlock; ++r) {
        const float pr = p[r * len_pad + j];
        for (int c = 0; c < kChunks; ++c) acc[r][c] += pr * vj[c];
      }
    }
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < kChunks; ++c) store(ctx + r * ld_ctx + 16 * c, acc[r][c]);
  } else {
    float acc[kQueryBlock][kMaxHeadDim] = {};
    for (int j = 0; j < len; ++j) {
      const float* vj = v + j * ld;
      for (int r = 0; r < kQueryBlock; ++r) {
        const float pr = p[r * len_pad + j];
        for (int d = 0; d < head_dim_rt; ++d) acc[r][d] += pr * vj[d];
      }
    }
    for (int r = 0; r < rows; ++r)
      for (int d = 0; d < head_dim_rt; ++d) ctx[r * ld_ctx + d] = acc[r][d];
  }
}

template <int HD>
INDORERANK_ALWAYS_INLINE void attention_rows(const float* q, const float* v, size_t ld, int len, int q_rows, int head_dim,
                           float* ctx, size_t ld_ctx, const float* kt, float* s, int len_pad) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int i0 = 0; i0 < q_rows; i0 += kQueryBlock) {
    const int rows = q_rows - i0 < kQueryBlock ? q_rows - i0 : kQueryBlock;
    float qb[kQueryBlock][kMaxHeadDim];
    for (int r = 0; r < kQueryBlock; ++r)
      if (r < rows)
        std::memcpy(qb[r], q + (i0 + r) * ld, sizeof(float) * static_cast<size_t>(head_dim));
      else
        std::memset(qb[r], 0, sizeof(float) * static_cast<size_t>(head_dim));
    attention_scores(qb, head_dim, kt, len_pad, s);
    for (int r = 0; r < kQueryBlock; ++r) {
      float* sr = s + r * len_pad;
      if (r >= rows) {  // unused rows of the block still feed the value loop: make them zero
        for (int j = 0; j < len; ++j) sr[j] = 0.0f;
        continue;
      }
#if defined(__wasm_simd128__)
      simd128::softmax_row(sr, len, scale);
#else
      // Scale and row maximum (16 lanes, so it vectorizes; max is exact in any order).
      f32x16 mx16 = {};
      mx16 -= 3.4e38f;
      int j = 0;
      for (; j + 16 <= len; j += 16) {
        const f32x16 v = load<f32x16>(sr + j) * scale;
        store(sr + j, v);
        mx16 = v > mx16 ? v : mx16;
      }
      for (int c = 0; j < len; ++j, ++c) {
        sr[j] *= scale;
        mx16[c] = sr[j] > mx16[c] ? sr[j] : mx16[c];
      }
      float mx = mx16[0];
      for (int c = 1; c < 16; ++c) mx = mx16[c] > mx ? mx16[c] : mx;
      for (j = 0; j < len; ++j) sr[j] = exp1(sr[j] - mx);
      const float inv = 1.0f / sum8(sr, len);
      for (j = 0; j < len; ++j) sr[j] *= inv;
#endif
    }
    attention_values<HD>(s, len_pad, rows, len, v, ld, head_dim, ctx + i0 * ld_ctx, ld_ctx);
  }
}

}  // namespace

INDORERANK_MULTIVERSION
void attention_head(const float* q, const float* k, const float* v, size_t ld, int len, int q_rows, int head_dim,
                    float* ctx, size_t ld_ctx, float* scratch) {
  // K transposed to [head_dim][len_pad] (zero-padded) so scores run along keys.
  const int len_pad = (len + kKeyBlock - 1) / kKeyBlock * kKeyBlock;
  float* kt = scratch;
  float* s = scratch + static_cast<size_t>(head_dim) * len_pad;  // [kQueryBlock][len_pad]
  // Blocks of 4 keys x 4 dimensions, transposed in registers (a scalar copy
  // stored every float len_pad apart: 10% of attention's time natively).
  int j = 0;
  if (head_dim % 4 == 0)
    for (; j + 4 <= len; j += 4) {
      const float* kj = k + j * ld;
      for (int d = 0; d < head_dim; d += 4) {
        const f32x4 r0 = load<f32x4>(kj + d), r1 = load<f32x4>(kj + ld + d), r2 = load<f32x4>(kj + 2 * ld + d),
                    r3 = load<f32x4>(kj + 3 * ld + d);
        const f32x4 t0 = __builtin_shufflevector(r0, r1, 0, 4, 1, 5), t1 = __builtin_shufflevector(r0, r1, 2, 6, 3, 7);
        const f32x4 t2 = __builtin_shufflevector(r2, r3, 0, 4, 1, 5), t3 = __builtin_shufflevector(r2, r3, 2, 6, 3, 7);
        float* out = kt + static_cast<size_t>(d) * len_pad + j;
        store(out, __builtin_shufflevector(t0, t2, 0, 1, 4, 5));
        store(out + len_pad, __builtin_shufflevector(t0, t2, 2, 3, 6, 7));
        store(out + 2 * len_pad, __builtin_shufflevector(t1, t3, 0, 1, 4, 5));
        store(out + 3 * len_pad, __builtin_shufflevector(t1, t3, 2, 3, 6, 7));
      }
    }
  for (; j < len; ++j) {
    const float* kj = k + j * ld;
    for (int d = 0; d < head_dim; ++d) kt[static_cast<size_t>(d) * len_pad + j] = kj[d];
  }
  for (int d = 0; d < head_dim; ++d)
    for (int j = len; j < len_pad; ++j) kt[static_cast<size_t>(d) * len_pad + j] = 0.0f;
  // The real model's head size gets a version with a constant loop bound.
  if (head_dim == 32)
    attention_rows<32>(q, v, ld, len, q_rows, head_dim, ctx, ld_ctx, kt, s, len_pad);
  else
    attention_rows<0>(q, v, ld, len, q_rows, head_dim, ctx, ld_ctx, kt, s, len_pad);
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
