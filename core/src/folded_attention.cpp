#include "folded_attention.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "multiversion.hpp"
#include "ops.hpp"

namespace indorerank::attention {
namespace {

using kernels::kKr;
using kernels::kNr;

// Whole 64-byte lines of floats for n values.
size_t floats_for(int n) { return static_cast<size_t>(kernels::round_up(n, 16)); }

// The scratch: the head's key rows, then its value rows (floats_for(k_pad)
// apart), then u and y (floats_for(k_pad) each) and the sequence's weights.
size_t rows_floats(int head_dim, int k_pad) { return 2 * static_cast<size_t>(head_dim) * floats_for(k_pad); }

}  // namespace

size_t folded_scratch_bytes(int max_len, int head_dim, int k_pad) {
  return sizeof(float) * (rows_floats(head_dim, k_pad) + 2 * floats_for(k_pad) + floats_for(max_len));
}

INDORERANK_MULTIVERSION
void unpack_head_rows(const kernels::PackedWeights& w, int key_row, int value_row, int head_dim, void* scratch) {
  float* const rows = static_cast<float*>(scratch);
  const int kb_count = w.k_pad / kKr;
  const size_t stride = floats_for(w.k_pad);
  for (int part = 0; part < 2; ++part) {
    const int first = part == 0 ? key_row : value_row;
    float* const out = rows + static_cast<size_t>(part) * head_dim * stride;
    // Whole 64-byte blocks (16 rows x 4 depth) to floats, then each row's 4 in place.
    for (int nb = first / kNr; nb * kNr < first + head_dim; ++nb)
      for (int kb = 0; kb < kb_count; ++kb) {
        const int8_t* blk = w.data.data() + (static_cast<size_t>(nb) * kb_count + kb) * kNr * kKr;
        float f[kNr * kKr];
        for (int i = 0; i < kNr * kKr; ++i) f[i] = static_cast<float>(blk[i]);
        for (int c = 0; c < kNr; ++c) {
          const int o = nb * kNr + c - first;
          if (o >= 0 && o < head_dim) std::memcpy(out + o * stride + kb * kKr, f + c * kKr, kKr * sizeof(float));
        }
      }
  }
}

INDORERANK_MULTIVERSION
void folded_head(const float* x, size_t ldx, int len, int hidden, const float* q, int head_dim, int k_pad,
                 int key_row, int value_row, const float* scale, const float* bias, float* ctx, void* scratch) {
  const size_t stride = floats_for(k_pad);
  const float* const key = static_cast<const float*>(scratch);
  const float* const value = key + static_cast<size_t>(head_dim) * stride;
  float* const u = static_cast<float*>(scratch) + rows_floats(head_dim, k_pad);
  float* const y = u + stride;
  float* const e = y + stride;

  // u = Wk^T q (the key rows times their scales), each sum in row order.
  std::fill(u, u + hidden, 0.0f);
  for (int o = 0; o < head_dim; ++o) {
    const float f = q[o] * scale[key_row + o];
    const float* kr = key + o * stride;
    for (int i = 0; i < hidden; ++i) u[i] += f * kr[i];
  }

  // Scores (q . bk, the same for every key, is left out: softmax ignores
  // it), then exp(s - max) and their sum in key order.
  const float inv_sqrt = 1.0f / std::sqrt(static_cast<float>(head_dim));
  float mx = -3.4e38f;
  for (int j = 0; j < len; ++j) {
    e[j] = ops::dot(u, x + static_cast<size_t>(j) * ldx, hidden) * inv_sqrt;
    mx = e[j] > mx ? e[j] : mx;
  }
  for (int j = 0; j < len; ++j) e[j] = e[j] - mx;
  ops::exp_inplace(e, len);
  float sum = 0.0f;
  for (int j = 0; j < len; ++j) sum += e[j];

  // y = sum_j e_j x_j, then each value row's product with it, over the sum.
  std::fill(y, y + hidden, 0.0f);
  for (int j = 0; j < len; ++j) {
    const float* xj = x + static_cast<size_t>(j) * ldx;
    const float ej = e[j];
    for (int i = 0; i < hidden; ++i) y[i] += ej * xj[i];
  }
  for (int o = 0; o < head_dim; ++o)
    ctx[o] = ops::dot(value + o * stride, y, hidden) / sum * scale[value_row + o] + bias[value_row + o];
}

}  // namespace indorerank::attention
