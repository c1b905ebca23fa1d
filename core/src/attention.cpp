#include "attention.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "arena.hpp"
#include "ops.hpp"

namespace indorerank::attention {
namespace {

using kernels::kKr;
using kernels::kNr;
using kernels::round_up;

constexpr int kRows = 64;  // query rows per pass: their scores stay in L2
constexpr int kMaxHeadDim = 256;

typedef int8_t i8x16 __attribute__((vector_size(16)));
typedef int16_t i16x8 __attribute__((vector_size(16)));
typedef int32_t i32x16 __attribute__((vector_size(64)));

// Where each buffer sits in the scratch, for sequences of `len` tokens.
struct Layout {
  int hd_pad, len4, keys16, dims16, rows;
  size_t kp, k_sum, k_scale, vp, v_sum, v_scale, zeros, q8, q_scale, q_zero, s, p8, p_scale, p_zero, gemm, bytes = 0;
};

Layout layout(const kernels::KernelTable& kernel, int len, int head_dim) {
  Layout L;
  L.hd_pad = round_up(head_dim, kKr);
  L.len4 = round_up(len, kKr);
  L.keys16 = round_up(len, kNr);
  L.dims16 = round_up(head_dim, kNr);
  L.rows = std::min(len, kRows);
  const auto take = [&L](size_t bytes) {
    const size_t at = L.bytes;
    L.bytes += Arena::rounded(bytes);
    return at;
  };
  const size_t keys = static_cast<size_t>(L.keys16), dims = static_cast<size_t>(L.dims16),
               rows = static_cast<size_t>(L.rows);
  L.kp = take(keys * L.hd_pad);
  L.k_sum = take(4 * keys);
  L.k_scale = take(4 * keys);
  L.vp = take(dims * L.len4);
  L.v_sum = take(4 * dims);
  L.v_scale = take(4 * dims);
  L.zeros = take(4 * std::max(keys, dims));
  L.q8 = take(rows * L.hd_pad);
  L.q_scale = take(4 * rows);
  L.q_zero = take(4 * rows);
  L.s = take(4 * rows * keys);
  L.p8 = take(rows * keys);  // rows keys16 apart: room for the softmax's whole 16s
  L.p_scale = take(4 * rows);
  L.p_zero = take(4 * rows);
  L.gemm = take(kernel.scratch_bytes(L.rows, std::max(L.hd_pad, L.len4)));
  return L;
}

template <typename T>
T* at(void* scratch, size_t offset) {
  return reinterpret_cast<T*>(static_cast<uint8_t*>(scratch) + offset);
}

// The sum of q[0..n), n a multiple of 8 and at most 256, eight bytes to a
// 64-bit word: each byte made unsigned (+128) and byte pairs added into four
// 16-bit lanes (at most 2 x 255 x 32, no carry). A plain loop compiles to
// wide widening adds and a long horizontal sum, per key.
int32_t sum_bytes(const int8_t* q, int n) {
  constexpr uint64_t kLowBytes = 0x00FF00FF00FF00FFull;
  uint64_t lanes = 0;
  for (int i = 0; i < n; i += 8) {
    uint64_t w;
    std::memcpy(&w, q + i, sizeof w);
    w ^= 0x8080808080808080ull;
    lanes += (w & kLowBytes) + ((w >> 8) & kLowBytes);
  }
  const uint64_t sum = (lanes & 0xFFFF) + ((lanes >> 16) & 0xFFFF) + ((lanes >> 32) & 0xFFFF) + (lanes >> 48);
  return static_cast<int32_t>(sum) - 128 * n;
}

// Keys as the scores GEMM's weights (one column per key), each quantized
// symmetrically; 1/sqrt(head_dim) is folded into their scales.
void pack_keys(const float* k, size_t ld, int len, int head_dim, const Layout& L, int8_t* kp, int32_t* k_sum,
               float* k_scale) {
  const float inv_sqrt = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const int kb_count = L.hd_pad / kKr;
  const size_t block_bytes = static_cast<size_t>(kb_count) * kNr * kKr;
  if (len % kNr) std::memset(kp + static_cast<size_t>(len / kNr) * block_bytes, 0, block_bytes);  // padding keys
  const int hd8 = round_up(head_dim, 8);
  alignas(64) int8_t kq[kMaxHeadDim + kKr] = {};  // zero past head_dim throughout
  for (int j = 0; j < len; ++j) {
    k_scale[j] = ops::quantize_row_symmetric(k + static_cast<size_t>(j) * ld, head_dim, kq) * inv_sqrt;
    k_sum[j] = sum_bytes(kq, hd8);
    int8_t* block = kp + static_cast<size_t>(j / kNr) * block_bytes + (j % kNr) * kKr;
    for (int kb = 0; kb < kb_count; ++kb) std::memcpy(block + kb * kNr * kKr, kq + kb * kKr, kKr);
  }
  for (int j = len; j < L.keys16; ++j) {
    k_sum[j] = 0;
    k_scale[j] = 0.0f;
  }
}

// Values as the context GEMM's weights (one column per dimension, the keys as
// depth), each dimension quantized symmetrically over the sequence. Four keys
// x 16 dimensions at a time, interleaved into one 64-byte block in registers.
void pack_values(const float* v, size_t ld, int len, int head_dim, const Layout& L, int8_t* vp, int32_t* v_sum,
                 float* v_scale) {
  alignas(64) float inv[kMaxHeadDim] = {};
  std::fill(v_scale, v_scale + L.dims16, 0.0f);
  ops::max_abs_columns(v, ld, len, head_dim, v_scale);
  for (int d = 0; d < head_dim; ++d) {
    const float m = v_scale[d];
    const bool usable = m > 0.0f && std::isfinite(m);
    inv[d] = usable ? 127.0f / m : 0.0f;
    v_scale[d] = usable ? m / 127.0f : 0.0f;
  }
  const int groups = L.dims16 / kNr, kb_count = L.len4 / kKr;
  alignas(64) int8_t vq[kKr][kMaxHeadDim] = {};
  i32x16 sums[kMaxHeadDim / kNr] = {};
  for (int j0 = 0; j0 < len; j0 += kKr) {
    for (int r = 0; r < kKr; ++r)
      if (j0 + r < len)
        ops::quantize_row_scaled(v + static_cast<size_t>(j0 + r) * ld, inv, head_dim, vq[r]);
      else
        std::memset(vq[r], 0, static_cast<size_t>(head_dim));
    for (int g = 0; g < groups; ++g) {
      i8x16 r0, r1, r2, r3;
      std::memcpy(&r0, vq[0] + g * kNr, 16);
      std::memcpy(&r1, vq[1] + g * kNr, 16);
      std::memcpy(&r2, vq[2] + g * kNr, 16);
      std::memcpy(&r3, vq[3] + g * kNr, 16);
      sums[g] += __builtin_convertvector(r0, i32x16) + __builtin_convertvector(r1, i32x16) +
                 __builtin_convertvector(r2, i32x16) + __builtin_convertvector(r3, i32x16);
      // Byte pairs (r0, r1) and (r2, r3) per column, then pairs of pairs.
      const i16x8 a = reinterpret_cast<i16x8>(
          __builtin_shufflevector(r0, r1, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
      const i16x8 b = reinterpret_cast<i16x8>(
          __builtin_shufflevector(r0, r1, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
      const i16x8 c = reinterpret_cast<i16x8>(
          __builtin_shufflevector(r2, r3, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23));
      const i16x8 e = reinterpret_cast<i16x8>(
          __builtin_shufflevector(r2, r3, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31));
      const i16x8 o[4] = {__builtin_shufflevector(a, c, 0, 8, 1, 9, 2, 10, 3, 11),
                          __builtin_shufflevector(a, c, 4, 12, 5, 13, 6, 14, 7, 15),
                          __builtin_shufflevector(b, e, 0, 8, 1, 9, 2, 10, 3, 11),
                          __builtin_shufflevector(b, e, 4, 12, 5, 13, 6, 14, 7, 15)};
      std::memcpy(vp + (static_cast<size_t>(g) * kb_count + j0 / kKr) * kNr * kKr, o, sizeof o);
    }
  }
  for (int g = 0; g < groups; ++g)
    for (int c = 0; c < kNr; ++c) v_sum[g * kNr + c] = sums[g][c];
}

}  // namespace

size_t scratch_bytes(const kernels::KernelTable& kernel, int max_len, int head_dim) {
  return layout(kernel, max_len, head_dim).bytes;
}

void head(const kernels::KernelTable& kernel, const float* q, const float* k, const float* v, size_t ld, int len,
          int q_rows, int head_dim, float* ctx, size_t ld_ctx, void* scratch) {
  const Layout L = layout(kernel, len, head_dim);
  int8_t* const kp = at<int8_t>(scratch, L.kp);
  int32_t* const k_sum = at<int32_t>(scratch, L.k_sum);
  float* const k_scale = at<float>(scratch, L.k_scale);
  int8_t* const vp = at<int8_t>(scratch, L.vp);
  int32_t* const v_sum = at<int32_t>(scratch, L.v_sum);
  float* const v_scale = at<float>(scratch, L.v_scale);
  float* const zeros = at<float>(scratch, L.zeros);
  int8_t* const q8 = at<int8_t>(scratch, L.q8);
  float* const q_scale = at<float>(scratch, L.q_scale);
  int32_t* const q_zero = at<int32_t>(scratch, L.q_zero);
  float* const s = at<float>(scratch, L.s);
  int8_t* const p8 = at<int8_t>(scratch, L.p8);
  float* const p_scale = at<float>(scratch, L.p_scale);
  int32_t* const p_zero = at<int32_t>(scratch, L.p_zero);
  void* const gemm = at<uint8_t>(scratch, L.gemm);

  pack_keys(k, ld, len, head_dim, L, kp, k_sum, k_scale);
  pack_values(v, ld, len, head_dim, L, vp, v_sum, v_scale);
  std::fill(zeros, zeros + std::max(L.keys16, L.dims16), 0.0f);
  const kernels::Dequant to_scores{q_scale, q_zero, k_scale, zeros, len};
  const kernels::Dequant to_ctx{p_scale, p_zero, v_scale, zeros, head_dim};
  for (int i0 = 0; i0 < q_rows; i0 += kRows) {
    const int m = std::min(kRows, q_rows - i0);
    for (int r = 0; r < m; ++r)
      ops::quantize_row(q + static_cast<size_t>(i0 + r) * ld, head_dim, L.hd_pad,
                        q8 + static_cast<size_t>(r) * L.hd_pad, q_scale + r, q_zero + r);
    kernel.gemm_s8s8_f32(m, L.hd_pad, q8, static_cast<size_t>(L.hd_pad), kp, k_sum, 0, L.keys16 / kNr, to_scores, s,
                         static_cast<size_t>(L.keys16), gemm);
    // Weights past len are u = 0; they meet V's zero padding.
    for (int r = 0; r < m; ++r) {
      const size_t at_row = static_cast<size_t>(r) * L.keys16;
      p_scale[r] = 1.0f / static_cast<float>(ops::softmax_row_u8(s + at_row, len, p8 + at_row));
      p_zero[r] = -128;
    }
    kernel.gemm_s8s8_f32(m, L.len4, p8, static_cast<size_t>(L.keys16), vp, v_sum, 0, L.dims16 / kNr, to_ctx,
                         ctx + static_cast<size_t>(i0) * ld_ctx, ld_ctx, gemm);
  }
}

}  // namespace indorerank::attention
