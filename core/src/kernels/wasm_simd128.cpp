// WebAssembly SIMD128 kernel: int8 x int8 -> int32 with i32x4.dot_i16x8_s
// (pmaddwd on x86, smull/smlal pairs on ARM).
//
// A 16-byte block row of W holds 4 columns x 4 depth. Shifts split it into
// the sign-extended even bytes (depth 0 and 2 of each column) and odd bytes
// (depth 1 and 3); dot_i16x8 against the splatted activation pairs (a0, a2)
// and (a1, a3) then gives each column's 4-deep dot product in its own int32
// lane, so no horizontal reduction is needed.
// Tile: 4 rows x 8 columns, which keeps 8 accumulators, 4 weight vectors and
// 2 activation vectors inside the 16 registers V8 has on x86-64 and ARM64.
#include <wasm_simd128.h>

#include <vector>

#include "kernels.hpp"
#include "row_tiles.hpp"

namespace indorerank::kernels {
namespace {

// Activations of R rows rewritten once per row tile as the int32 words the
// kernel splats: for depth group kb, (a0 | a2 << 16) then (a1 | a3 << 16).
template <int R>
inline void activation_pairs(int kb_count, const int8_t* a, size_t lda, int32_t* pairs) {
  const auto u16 = [](int8_t x) { return static_cast<uint32_t>(static_cast<uint16_t>(static_cast<int16_t>(x))); };
  for (int r = 0; r < R; ++r)
    for (int kb = 0; kb < kb_count; ++kb) {
      const int8_t* p = a + r * lda + kb * kKr;
      int32_t* out = pairs + (static_cast<size_t>(kb) * R + r) * 2;
      out[0] = static_cast<int32_t>(u16(p[0]) | (u16(p[2]) << 16));
      out[1] = static_cast<int32_t>(u16(p[1]) | (u16(p[3]) << 16));
    }
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

// One tile: R rows x 8 columns (half of a 16-column block, `half` 0 or 1).
template <int R, typename Out>
inline void tile(int kb_count, const int32_t* pairs, const int8_t* wb, int half, const int32_t* col_sums, int col0,
                 const Out& out) {
  v128_t acc[R][2];
  for (int r = 0; r < R; ++r) acc[r][0] = acc[r][1] = wasm_i32x4_splat(0);
  const int8_t* blk = wb + 32 * half;
  for (int kb = 0; kb < kb_count; ++kb, blk += kNr * kKr) {
    v128_t w_even[2], w_odd[2];
    for (int h = 0; h < 2; ++h) {
      const v128_t w = wasm_v128_load(blk + 16 * h);
      w_even[h] = wasm_i16x8_shr(wasm_i16x8_shl(w, 8), 8);
      w_odd[h] = wasm_i16x8_shr(w, 8);
    }
    const int32_t* pk = pairs + static_cast<size_t>(kb) * R * 2;
    for (int r = 0; r < R; ++r) {
      const v128_t a_even = wasm_v128_load32_splat(pk + 2 * r);
      const v128_t a_odd = wasm_v128_load32_splat(pk + 2 * r + 1);
      for (int h = 0; h < 2; ++h) {
        acc[r][h] = wasm_i32x4_add(acc[r][h], wasm_i32x4_dot_i16x8(w_even[h], a_even));
        acc[r][h] = wasm_i32x4_add(acc[r][h], wasm_i32x4_dot_i16x8(w_odd[h], a_odd));
      }
    }
  }
  for (int r = 0; r < R; ++r) {
    out(r, col0, acc[r][0], col_sums);
    out(r, col0 + 4, acc[r][1], col_sums);
  }
}

template <int R, typename Out>
inline void row_tile(int kb_count, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                     int nb_begin, int nb_end, const Out& out, std::vector<int32_t>& pairs) {
  pairs.resize(static_cast<size_t>(kb_count) * R * 2);
  activation_pairs<R>(kb_count, a, lda, pairs.data());
  for (int nb = nb_begin; nb < nb_end; ++nb) {
    const int8_t* wb = w_packed + static_cast<size_t>(nb) * kb_count * kNr * kKr;
    tile<R>(kb_count, pairs.data(), wb, 0, col_sums, nb * kNr, out);
    tile<R>(kb_count, pairs.data(), wb, 1, col_sums, nb * kNr + 8, out);
  }
}

// `shift(out, r)` moves the output to row r.
template <typename Out, typename Shift>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, Shift shift) {
  thread_local std::vector<int32_t> pairs;  // kernel scratch: 8 bytes per row and depth group
  const int kb = k_pad / kKr;
  for_each_row_tile(m, [&](auto rows, int r) {
    row_tile<rows.value>(kb, a + r * lda, lda, w_packed, col_sums, nb_begin, nb_end, shift(out, r), pairs);
  });
}

void gemm_s8s8_s32__wasm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                         const int32_t* col_sums, int nb_begin, int nb_end, int32_t* c, size_t ldc) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, Int32Out{c, ldc},
       [](const Int32Out& o, int r) { return Int32Out{o.c + r * o.ldc, o.ldc}; });
}

void gemm_s8s8_f32__wasm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                         const int32_t* col_sums, int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, DequantOut{&dq, y, ldy, 0},
       [](const DequantOut& o, int r) { return DequantOut{o.dq, o.y, o.ldy, o.row0 + r}; });
}

}  // namespace

const KernelTable kWasmSimd128Kernel = {"wasm_simd128", gemm_s8s8_s32__wasm, gemm_s8s8_f32__wasm};

}  // namespace indorerank::kernels
