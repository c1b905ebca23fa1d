// WebAssembly SIMD128 kernel: int8 x int8 -> int32 with i32x4.dot_i16x8_s
// (pmaddwd on x86, smull/smlal pairs on ARM), in two forms.
//
// Pair products (row blocks of 3 rows or more, at the depths and widths
// where they pay: see use_pairs). Winograd's inner product form: for each
// depth pair, (a0 + w1)(a1 + w0) = a0 w0 + a1 w1 + a0 a1 + w0 w1, so one
// multiply covers two MACs, and the sums of a0 a1 along a row (xi) and of
// w0 w1 down a column (eta) are taken off once, at the end. Every value stays
// an exact integer: the sums are in [-256, 254] as int16, a lane of
// dot_i16x8 at most 2 x 256^2, and int32 arithmetic wraps, so the result is
// the exact int32 product whatever the intermediate sums did. Per 16 MACs
// this is two int16 adds, one dot and one int32 add, where the plain form
// needs two dots and two adds: as many vector ops, but half of them
// multiplies, which have fewer ports (x86 cores run more adds than
// pmaddwd a cycle). A tile is R rows x 8 columns; per depth group of 4, a
// row is the int16 vectors (a0, a2) and (a1, a3) repeated four times, and 4
// columns of the weights are (w1, w3) and (w0, w2) per column: the dot of
// their sums leaves each column's depth group in its own int32 lane.
//
// Plain products (everywhere else). A 16-byte block row of W holds 4 columns
// x 4 depth. Sign-extended, its low half is columns {0, 1} and its high half
// columns {2, 3}, as int16 x 4 depth each; dot_i16x8 against the activations
// (a0, a1, a2, a3) repeated twice then leaves depths {0, 1} and {2, 3} of the
// two columns in adjacent int32 lanes, which are added once per tile, after
// the depth loop.
//
// The loops are shaped by what V8 makes of them on x86-64 (measured with
// bench/kernels_bench and node --print-wasm-code):
// - Weights are widened once per row block and activations extended and
//   split once per block, outside the tile loops.
// - V8 issues all of an iteration's loads before its arithmetic, so the
//   accumulators plus every vector loaded per iteration must fit in the 15
//   xmm registers it allocates: the 2 row x 8 column pair tile needs
//   4 + 4 + 4 and two sums; the plain one 8 + 4 + 2.
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

// One plain tile: R rows x 8 columns, from splatted activations and `Weights`.
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

// Activations of R rows for pair_tile(): for depth group kb and row r, the
// int16 vectors (a0, a2) x 4 and (a1, a3) x 4 at pairs[2 * (kb * R + r)] and
// the next; xi[r] = the sum of a0 a1 + a2 a3 over the row's groups.
template <int R>
inline void split_activations(int kb_count, const int8_t* a, size_t lda, v128_t* pairs, int32_t* xi) {
  for (int r = 0; r < R; ++r) {
    v128_t sum = wasm_i32x4_splat(0);
    for (int kb = 0; kb < kb_count; ++kb) {
      const v128_t x = wasm_i16x8_extend_low_i8x16(wasm_v128_load32_splat(a + r * lda + kb * kKr));
      const v128_t even = wasm_i16x8_shuffle(x, x, 0, 2, 0, 2, 0, 2, 0, 2);
      const v128_t odd = wasm_i16x8_shuffle(x, x, 1, 3, 1, 3, 1, 3, 1, 3);
      pairs[2 * (static_cast<size_t>(kb) * R + r)] = even;
      pairs[2 * (static_cast<size_t>(kb) * R + r) + 1] = odd;
      sum = wasm_i32x4_add(sum, wasm_i32x4_dot_i16x8(even, odd));
    }
    xi[r] = wasm_i32x4_extract_lane(sum, 0);
  }
}

// Widens the 8-column half `half` (0 or 1) of one packed block for
// pair_tile(): per depth group kb, the int16 vectors (w1, w3) and (w0, w2) of
// columns 0-3 of the half, then the same of columns 4-7 (four columns x two
// depths each); eta[j] = the sum of w0 w1 + w2 w3 down column j of the half.
inline void widen_weight_pairs(int kb_count, const int8_t* wb, int half, v128_t* wide, v128_t eta[2]) {
  const int8_t* blk = wb + 32 * half;
  eta[0] = eta[1] = wasm_i32x4_splat(0);
  for (int kb = 0; kb < kb_count; ++kb, blk += kNr * kKr, wide += 4)
    for (int h = 0; h < 2; ++h) {
      const v128_t w = wasm_v128_load(blk + 16 * h);
      const v128_t split = wasm_i8x16_shuffle(w, w, 0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
      const v128_t even = wasm_i16x8_extend_low_i8x16(split);
      const v128_t odd = wasm_i16x8_extend_high_i8x16(split);
      wide[2 * h] = odd;
      wide[2 * h + 1] = even;
      eta[h] = wasm_i32x4_add(eta[h], wasm_i32x4_dot_i16x8(even, odd));
    }
}

// One pair-product tile: R rows x 8 columns. acc[r][h] holds columns
// 4h..4h+3 of row r, each lane a sum of (a0 + w1)(a1 + w0) + (a2 + w3)(a3 + w2).
template <int R, typename Out>
inline void pair_tile(int kb_count, const v128_t* pairs, const v128_t* wide, const int32_t* xi, const v128_t eta[2],
                      const int32_t* col_sums, int col0, const Out& out) {
  v128_t acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = wasm_i32x4_splat(0);
  for (const v128_t* const end = pairs + 2 * R * kb_count; pairs != end; pairs += 2 * R, wide += 4) {
    const v128_t odd_lo = wide[0], even_lo = wide[1], odd_hi = wide[2], even_hi = wide[3];
    for (int r = 0; r < R; ++r) {
      const v128_t a_even = pairs[2 * r], a_odd = pairs[2 * r + 1];
      acc[r][0] = wasm_i32x4_add(
          acc[r][0], wasm_i32x4_dot_i16x8(wasm_i16x8_add(a_even, odd_lo), wasm_i16x8_add(a_odd, even_lo)));
      acc[r][1] = wasm_i32x4_add(
          acc[r][1], wasm_i32x4_dot_i16x8(wasm_i16x8_add(a_even, odd_hi), wasm_i16x8_add(a_odd, even_hi)));
    }
  }
  for (int r = 0; r < R; ++r)
    for (int h = 0; h < 2; ++h)
      out(r, col0 + 4 * h, wasm_i32x4_sub(wasm_i32x4_sub(acc[r][h], wasm_i32x4_splat(xi[r])), eta[h]), col_sums);
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

// Where the pair form pays, measured with kernels_bench in Node 24 on Zen 5
// (old and new builds in turn). Its activations cost twice the plain form's
// to make and hold, which the tile loop repays only over enough columns and
// depth: the attention GEMMs (scores at depth 32, context with 32 columns)
// ran 10-20% slower in it. At depth 384 (qkv, attn_out, ffn_up) it is 3-5%
// faster; at depth 1536 (ffn_down) no faster, and slower (-6%) when run in
// depth chunks to keep a tile's operands in L1.
inline bool pair_depth(int kb_count) { return kb_count >= 16 && kb_count <= 192; }
inline bool use_pairs(int kb_count, int n_blocks) { return pair_depth(kb_count) && n_blocks >= 4; }

// Vectors of activations a block of `rows` rows may need: only depths the pair
// form may take hold its twice-as-large ones, so the deepest products
// (ffn_down) need no more than the plain form.
inline size_t activation_vectors(size_t rows, int kb_count) {
  return (pair_depth(kb_count) ? 2 : 1) * rows * static_cast<size_t>(kb_count);
}

// Scratch: the block's activations, one widened half of W, then xi.
size_t scratch_bytes__wasm(int m, int k_pad) {
  const size_t rows = static_cast<size_t>(std::min(m, kRowBlock));
  const int kb = k_pad / kKr;
  return (activation_vectors(rows, kb) + 4 * static_cast<size_t>(kb)) * sizeof(v128_t) + rows * sizeof(int32_t);
}

// Rows go in blocks of up to kRowBlock: the block's split (or splatted)
// activations, 32 (or 16) bytes per row and depth group, are made once and
// stay in L2, while each 8-column half of W is widened once per block (64
// bytes per depth group, in L1) and swept over all of the block's row tiles.
// `shift(out, r)` moves the output to row r.
template <typename Out, typename Shift>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, Shift shift, void* scratch) {
  const int kb = k_pad / kKr;
  const size_t rows = static_cast<size_t>(std::min(m, kRowBlock));
  v128_t* const act = static_cast<v128_t*>(scratch);
  v128_t* const wide = act + activation_vectors(rows, kb);
  int32_t* const xi = reinterpret_cast<int32_t*>(wide + 4 * static_cast<size_t>(kb));
  const auto w_block = [&](int nb) { return w_packed + static_cast<size_t>(nb) * kb * kNr * kKr; };
  for (int r0 = 0; r0 < m; r0 += kRowBlock) {
    const int mb = std::min(kRowBlock, m - r0);
    if (mb > kRawWeightRows && use_pairs(kb, nb_end - nb_begin)) {
      // A tile starting at row r of the block starts at act[2 * r * kb].
      for_each_row_tile(mb, [&](auto rows, int r) {
        split_activations<rows.value>(kb, a + (r0 + r) * lda, lda, act + 2 * static_cast<size_t>(r) * kb, xi + r);
      });
      for (int nb = nb_begin; nb < nb_end; ++nb)
        for (int half = 0; half < 2; ++half) {
          v128_t eta[2];
          widen_weight_pairs(kb, w_block(nb), half, wide, eta);
          for_each_row_tile(mb, [&](auto rows, int r) {
            pair_tile<rows.value>(kb, act + 2 * static_cast<size_t>(r) * kb, wide, xi + r, eta, col_sums,
                                  nb * kNr + 8 * half, shift(out, r0 + r));
          });
        }
      continue;
    }
    // A tile starting at row r of the block starts at act[r * kb].
    for_each_row_tile(mb, [&](auto rows, int r) {
      splat_activations<rows.value>(kb, a + (r0 + r) * lda, lda, act + static_cast<size_t>(r) * kb);
    });
    for (int nb = nb_begin; nb < nb_end; ++nb)
      for (int half = 0; half < 2; ++half) {
        const int col0 = nb * kNr + 8 * half;
        if (mb <= kRawWeightRows) {
          for_each_row_tile(mb, [&](auto rows, int r) {
            tile<rows.value>(kb, act + static_cast<size_t>(r) * kb, PackedHalfWeights{w_block(nb) + 32 * half},
                             col_sums, col0, shift(out, r0 + r));
          });
          continue;
        }
        widen_weights(kb, w_block(nb), half, wide);
        for_each_row_tile(mb, [&](auto rows, int r) {
          tile<rows.value>(kb, act + static_cast<size_t>(r) * kb, WidenedWeights{wide}, col_sums, col0,
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
