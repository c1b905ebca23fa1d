// Shared by the two ARM64 kernels (neon.cpp, neon_dotprod.cpp): where a
// tile's exact int32 results go, and the driver over row tiles.
#pragma once

#include <arm_neon.h>

#include "kernels.hpp"
#include "row_tiles.hpp"

// An unnamed namespace on purpose: neon_dotprod.cpp is compiled with
// +dotprod, and its copies of these functions must never be the ones the
// baseline kernel links to (they could hold instructions a Cortex-A72 lacks).
namespace indorerank::kernels::neon {
namespace {

// Exact int32 results (4 columns at a time), stored as they are...
struct Int32Out {
  int32_t* c;
  size_t ldc;
  void operator()(int r, int col0, int32x4_t v, const int32_t* /*col_sums*/) const { vst1q_s32(c + r * ldc + col0, v); }
  Int32Out at_row(int r) const { return {c + r * ldc, ldc}; }
};

// ...or dequantized (see Dequant) and stored as floats, columns < n only,
// with the operations and order of ops::dequantize_row (no fused multiply-add).
struct DequantOut {
  const Dequant* dq;
  float* y;
  size_t ldy;
  int row0;  // first row of the tile
  void operator()(int tile_row, int col0, int32x4_t v, const int32_t* col_sums) const {
    const int r = row0 + tile_row;
    const int valid = dq->n - col0;
    if (valid <= 0) return;
    const int32x4_t corrected = vsubq_s32(v, vmulq_n_s32(vld1q_s32(col_sums + col0), dq->a_zero[r]));
    float* out = y + r * ldy + col0;
    if (valid >= 4) {
      float32x4_t f = vcvtq_f32_s32(corrected);
      f = vmulq_n_f32(f, dq->a_scale[r]);
      f = vmulq_f32(f, vld1q_f32(dq->w_scale + col0));
      f = vaddq_f32(f, vld1q_f32(dq->bias + col0));
      vst1q_f32(out, f);
      return;
    }
    int32_t c[4];
    vst1q_s32(c, corrected);
    for (int j = 0; j < valid; ++j)
      out[j] = static_cast<float>(c[j]) * dq->a_scale[r] * dq->w_scale[col0 + j] + dq->bias[col0 + j];
  }
  DequantOut at_row(int r) const { return {dq, y, ldy, row0 + r}; }
};

/// Runs tile<R>(a_rows, out_at_row) for every column block in [nb_begin,
/// nb_end) over row tiles of 4 and a 1..3 tail. Blocks outside: a block's
/// weights (16 columns x k_pad bytes, 6 KiB at depth 384) stay in L1 while
/// all the rows pass, instead of all of W streaming from L2 per row tile.
template <template <int> class Tile, typename Out>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out) {
  const int kb = k_pad / kKr;
  for (int nb = nb_begin; nb < nb_end; ++nb)
    for_each_row_tile(m, [&](auto rows, int r) {
      Tile<rows.value>::run(kb, a + r * lda, lda, w_packed + static_cast<size_t>(nb) * kb * kNr * kKr, col_sums,
                            nb * kNr, out.at_row(r));
    });
}

}  // namespace
}  // namespace indorerank::kernels::neon
