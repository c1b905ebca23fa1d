// WebAssembly SIMD128 kernel: int8 x int8 -> int32 with i32x4.dot_i16x8_s
// (pmaddwd on x86, smull/smlal pairs on ARM).
//
// A 16-byte block row of W holds 4 columns x 4 depth. Sign-extended, its low
// half is columns {0, 1} and its high half columns {2, 3}, as int16 x 4 depth
// each; dot_i16x8 against the activations (a0, a1, a2, a3) repeated twice
// then leaves depths {0, 1} and {2, 3} of the two columns in adjacent int32
// lanes, which are added once per tile, after the depth loop.
//
// The loop is shaped by what V8 makes of it on x86-64 (measured with
// bench/kernels_bench and node --print-wasm-code):
// - dot + add per 8 MACs is all the vector ALU work it does: weights are
//   widened once per row block and activations extended and splatted once
//   per block, outside it. Zen 4 runs about three of these ALU ops a cycle,
//   so the old in-loop shifts cost a sixth of the throughput.
// - V8 issues all of an iteration's loads before its arithmetic, so the
//   accumulators plus every vector loaded per iteration must fit in the 15
//   xmm registers it allocates: the 2 row x 8 column tile needs 8 + 4 + 2.
//   (3 rows with even/odd splats needed 16 and spilled.)
// - Plain v128.loads at constant offsets from bumped pointers keep the
//   scalar work per iteration small (V8 spends a register per load32_splat
//   offset).
#include <wasm_simd128.h>

#include <algorithm>
#include <type_traits>

#include "kernels.hpp"

namespace indorerank::kernels {
namespace {

constexpr int kTileRows = 2;               // rows per tile; a tile is 8 columns wide
constexpr int kRowBlock = 64;              // rows per block (see gemm)
constexpr int kRawWeightRows = kTileRows;  // blocks this short read W packed (see PackedHalfWeights)

// Activations of R rows rewritten as the vectors tile() multiplies: for depth
// group kb and row r, the int16 vector (a0, a1, a2, a3, a0, a1, a2, a3) at
// splat[kb * R + r].
template <int R>
inline void splat_activations(int kb_count, const int8_t* a, size_t lda, v128_t* splat) {
  for (int r = 0; r < R; ++r)
    for (int kb = 0; kb < kb_count; ++kb)
      splat[static_cast<size_t>(kb) * R + r] = wasm_i16x8_extend_low_i8x16(wasm_v128_load32_splat(a + r * lda + kb * kKr));
}

// Where a tile's exact int32 results (4 columns at a time) go: stored as they are...
struct Int32Out {
  int32_t* c;
  size_t ldc;
  void operator()(int r, int col0, v128_t v, const int32_t* /*col_sums*/) const {
    wasm_v128_store(c + r * ldc + col0, v);
  }
};

// ...or dequantized (see Dequant) and stored as floats, columns < n only.
struct DequantOut {
  const Dequant* dq;
  float* y;
  size_t ldy;
  int row0;  // first row of the tile
  void operator()(int tile_row, int col0, v128_t v, const int32_t* col_sums) const {
    const int r = row0 + tile_row;
    const int valid = dq->n - col0;
    if (valid <= 0) return;
    const v128_t zero_fix = wasm_i32x4_mul(wasm_i32x4_splat(dq->a_zero[r]), wasm_v128_load(col_sums + col0));
    const v128_t corrected = wasm_i32x4_sub(v, zero_fix);
    float* out = y + r * ldy + col0;
    if (valid >= 4) {
      v128_t f = wasm_f32x4_convert_i32x4(corrected);
      f = wasm_f32x4_mul(f, wasm_f32x4_splat(dq->a_scale[r]));
      f = wasm_f32x4_mul(f, wasm_v128_load(dq->w_scale + col0));
      f = wasm_f32x4_add(f, wasm_v128_load(dq->bias + col0));
      wasm_v128_store(out, f);
      return;
    }
    int32_t c[4];
    wasm_v128_store(c, corrected);
    for (int j = 0; j < valid; ++j)
      out[j] = static_cast<float>(c[j]) * dq->a_scale[r] * dq->w_scale[col0 + j] + dq->bias[col0 + j];
  }
};

// Widens the 8-column half `half` (0 or 1) of one packed block for tile():
// per depth group kb, four int16 vectors of 2 columns x 4 depth each, for
// columns {0, 1}, {2, 3}, {4, 5}, {6, 7} of the half.
inline void widen_weights(int kb_count, const int8_t* wb, int half, v128_t* wide) {
  const int8_t* blk = wb + 32 * half;
  for (int kb = 0; kb < kb_count; ++kb, blk += kNr * kKr, wide += 4)
    for (int h = 0; h < 2; ++h) {
      const v128_t w = wasm_v128_load(blk + 16 * h);
      wide[2 * h] = wasm_i16x8_extend_low_i8x16(w);
      wide[2 * h + 1] = wasm_i16x8_extend_high_i8x16(w);
    }
}

// Where tile() gets its four weight vectors per depth group: widened ahead
// of time by widen_weights()...
struct WidenedWeights {
  const v128_t* p;
  void load(v128_t w[4]) const {
    for (int q = 0; q < 4; ++q) w[q] = p[q];
  }
  void next() { p += 4; }
};

// ...or widened in the loop from the packed half block, for row blocks of a
// single tile, where widening ahead would not be reused.
struct PackedHalfWeights {
  const int8_t* p;
  void load(v128_t w[4]) const {
    for (int h = 0; h < 2; ++h) {
      const v128_t raw = wasm_v128_load(p + 16 * h);
      w[2 * h] = wasm_i16x8_extend_low_i8x16(raw);
      w[2 * h + 1] = wasm_i16x8_extend_high_i8x16(raw);
    }
  }
  void next() { p += kNr * kKr; }
};

// One tile: R rows x 8 columns, from splatted activations and `Weights`.
// Lane pair (2j, 2j + 1) of acc[r][q] holds depths {0, 1} and {2, 3} of
// column 2q + j; they are added once, at the end.
template <int R, typename Weights, typename Out>
inline void tile(int kb_count, const v128_t* splat, Weights weights, const int32_t* col_sums, int col0,
                 const Out& out) {
  v128_t acc[R][4];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < 4; ++q) acc[r][q] = wasm_i32x4_splat(0);
  for (const v128_t* const end = splat + R * kb_count; splat != end; splat += R, weights.next()) {
    v128_t w[4];
    weights.load(w);
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < 4; ++q) acc[r][q] = wasm_i32x4_add(acc[r][q], wasm_i32x4_dot_i16x8(w[q], splat[r]));
  }
  for (int r = 0; r < R; ++r)
    for (int h = 0; h < 2; ++h) {
      const v128_t lo = acc[r][2 * h], hi = acc[r][2 * h + 1];
      out(r, col0 + 4 * h,
          wasm_i32x4_add(wasm_i32x4_shuffle(lo, hi, 0, 2, 4, 6), wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7)), col_sums);
    }
}

// Calls f(std::integral_constant<int, R>{}, first_row) for each row tile of
// [0, m): tiles of kTileRows rows, then one shorter tail tile if needed.
template <int R = kTileRows, typename F>
inline void for_each_row_tile(int m, F&& f) {
  if constexpr (R == kTileRows) {
    int r = 0;
    for (; r + R <= m; r += R) f(std::integral_constant<int, R>{}, r);
    if (r < m) for_each_row_tile<R - 1>(m - r, [&](auto rows, int) { f(rows, r); });
  } else if constexpr (R > 0) {
    if (m == R) f(std::integral_constant<int, R>{}, 0);
    else for_each_row_tile<R - 1>(m, f);
  }
}

// Rows go in blocks of up to kRowBlock: the block's splatted activations
// (16 bytes per row and depth group) are made once and stay in L2, while each
// 8-column half of W is widened once per block (64 bytes per depth group, in
// L1) and swept over all of the block's row tiles.
// `shift(out, r)` moves the output to row r.
// Scratch: the splatted block, then one widened half of W.
size_t scratch_bytes__wasm(int m, int k_pad) {
  return (static_cast<size_t>(std::min(m, kRowBlock)) + 4) * static_cast<size_t>(k_pad / kKr) * sizeof(v128_t);
}

template <typename Out, typename Shift>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, Shift shift, void* scratch) {
  const int kb = k_pad / kKr;
  v128_t* const splat = static_cast<v128_t*>(scratch);
  v128_t* const wide = splat + static_cast<size_t>(std::min(m, kRowBlock)) * kb;
  for (int r0 = 0; r0 < m; r0 += kRowBlock) {
    const int mb = std::min(kRowBlock, m - r0);
    // A tile starting at row r of the block starts at splat[r * kb].
    for_each_row_tile(mb, [&](auto rows, int r) {
      splat_activations<rows.value>(kb, a + (r0 + r) * lda, lda, splat + static_cast<size_t>(r) * kb);
    });
    for (int nb = nb_begin; nb < nb_end; ++nb)
      for (int half = 0; half < 2; ++half) {
        const int8_t* wb = w_packed + static_cast<size_t>(nb) * kb * kNr * kKr;
        const int col0 = nb * kNr + 8 * half;
        if (mb <= kRawWeightRows) {
          for_each_row_tile(mb, [&](auto rows, int r) {
            tile<rows.value>(kb, splat + static_cast<size_t>(r) * kb, PackedHalfWeights{wb + 32 * half}, col_sums, col0,
                             shift(out, r0 + r));
          });
          continue;
        }
        widen_weights(kb, wb, half, wide);
        for_each_row_tile(mb, [&](auto rows, int r) {
          tile<rows.value>(kb, splat + static_cast<size_t>(r) * kb, WidenedWeights{wide}, col_sums, col0,
                           shift(out, r0 + r));
        });
      }
  }
}

void gemm_s8s8_s32__wasm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, int32_t* c, size_t ldc, void* scratch) {
  gemm(
      m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, Int32Out{c, ldc},
      [](const Int32Out& o, int r) {
        return Int32Out{o.c + r * o.ldc, o.ldc};
      },
      scratch);
}

void gemm_s8s8_f32__wasm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy, void* scratch) {
  gemm(
      m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, DequantOut{&dq, y, ldy, 0},
      [](const DequantOut& o, int r) {
        return DequantOut{o.dq, o.y, o.ldy, o.row0 + r};
      },
      scratch);
}

}  // namespace

const KernelTable kWasmSimd128Kernel = {"wasm_simd128", gemm_s8s8_s32__wasm, gemm_s8s8_f32__wasm, scratch_bytes__wasm};

}  // namespace indorerank::kernels
