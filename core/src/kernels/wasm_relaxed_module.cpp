// The relaxed-SIMD GEMM: a small WebAssembly module of its own, beside the
// engine's (Debian's Emscripten cannot emit relaxed SIMD; see
// wasm/relaxed_module.cmake). It shares the engine's memory and is called
// through wasm_relaxed.cpp. It has no globals, no data and no C stack (the
// build checks), so it can never touch memory the engine did not hand it.
//
// i32x4.relaxed_dot_i8x16_i7x16_add does 16 int8 MACs per instruction, but
// only second operands in [0, 127] have one result everywhere. What the
// runtime does with the rest is probed before use (wasm_relaxed.cpp):
//   reading 1, unsigned (x86 with VNNI: vpdpbusd): the second operand's bytes
//     are read as u8, so the activations go in as u = a + 128 and each column
//     loses 128 x its weight sum afterwards;
//   reading 2, signed (ARM sdot, x86 AVX-VNNI-INT8): int8 x int8 as it is.
// Both are exact, so the results equal every other kernel's bit for bit.
//
// Operands: W packed as kernels.hpp says (16 columns x 4 depth per 64-byte
// block: four vectors of 4 columns, one column per int32 lane, which is the
// relaxed dot's own lane layout), A as int8 rows. The main tile is 5 rows x
// 8 columns (half a block): 10 accumulators + 2 weight vectors + an
// activation splat fit V8's 15 xmm registers, and 10 independent dots cover
// the dot's latency better than a 2 x 16 tile's 8 (6 x 8 spills). Rows left
// over (and single rows, as in the last layer) take whole-block 2 x 16 and
// 1 x 16 tiles, which read each weight vector for more columns.
#include <stddef.h>
#include <stdint.h>
#include <wasm_simd128.h>

#define EXPORT(name) extern "C" __attribute__((export_name(#name)))
#define INLINE inline __attribute__((always_inline))

namespace {

constexpr int kNr = 16, kKr = 4;
constexpr int kRowBlock = 60;  // rows whose u8 activations are made at once (scratch: kRowBlock x k_pad), 12 tiles
constexpr int kTileRows = 5;   // rows of the main (half-block) tile

// kernels::Dequant as laid out on wasm32 (wasm_relaxed.cpp checks the layout).
struct Dequant {
  const float* a_scale;
  const int32_t* a_zero;
  const float* w_scale;
  const float* bias;
  int n;
};

// An output takes a tile's results one column group (4 columns from col0) at
// a time: cols(col0) reads what the group's rows share, once per tile, and
// (r, col0, cols, v) writes row r's 4 results v, already corrected.
struct Int32Out {
  int32_t* c;
  size_t ldc;
  struct Cols {};
  INLINE Cols cols(int) const { return {}; }
  INLINE void operator()(int r, int col0, Cols, v128_t v) const { wasm_v128_store(c + r * ldc + col0, v); }
};

// y = float(C - a_zero x col_sum) x a_scale x w_scale + bias, in the order of
// ops::dequantize_row (the zero-point term arrives already subtracted).
struct DequantOut {
  const Dequant* dq;
  float* y;
  size_t ldy;
  struct Cols {
    int valid;  // columns of the group below n
    v128_t w_scale, bias;
  };
  INLINE Cols cols(int col0) const {
    Cols g{dq->n - col0, wasm_i32x4_splat(0), wasm_i32x4_splat(0)};
    if (g.valid >= 4) {
      g.w_scale = wasm_v128_load(dq->w_scale + col0);
      g.bias = wasm_v128_load(dq->bias + col0);
    }
    return g;
  }
  INLINE void operator()(int r, int col0, const Cols& g, v128_t v) const {
    if (g.valid <= 0) return;
    float* out = y + r * ldy + col0;
    if (g.valid >= 4) {
      v128_t f = wasm_f32x4_convert_i32x4(v);
      f = wasm_f32x4_mul(f, wasm_f32x4_splat(dq->a_scale[r]));
      f = wasm_f32x4_mul(f, g.w_scale);
      f = wasm_f32x4_add(f, g.bias);
      wasm_v128_store(out, f);
      return;
    }
    // The last 1-3 columns, lane by lane (no array: it would need a C stack).
    scalar(r, col0, out, wasm_i32x4_extract_lane(v, 0));
    if (g.valid > 1) scalar(r, col0 + 1, out + 1, wasm_i32x4_extract_lane(v, 1));
    if (g.valid > 2) scalar(r, col0 + 2, out + 2, wasm_i32x4_extract_lane(v, 2));
  }
  INLINE void scalar(int r, int col, float* out, int32_t c) const {
    float f = static_cast<float>(c) * dq->a_scale[r];
    f = f * dq->w_scale[col];
    *out = f + dq->bias[col];
  }
  // What each row subtracts per unit of column sum: its zero point.
  INLINE int32_t zero(int r) const { return dq->a_zero[r]; }
};

INLINE int32_t zero_of(const Int32Out&, int) {
  return 0;
}
INLINE int32_t zero_of(const DequantOut& o, int r) {
  return o.zero(r);
}

// R rows (from x, ldx bytes apart) x Q column groups (4 columns each, from
// col0; wb points at the first group's 16 bytes in each 64-byte block),
// k_pad / 4 depth groups. `offset` is 128 for the unsigned reading, else 0;
// rows of the output are row0 + r.
template <int R, int Q, typename Out>
INLINE void tile(int kb_count, const int8_t* x, size_t ldx, const int8_t* wb, const int32_t* col_sums, int col0,
                 int32_t offset, int row0, const Out& out) {
  // Each accumulator starts at minus its correction, (offset + zero point)
  // x column sum: int32 arithmetic wraps, so the result is the same as
  // subtracting it at the end, one operation fewer.
  v128_t acc[R][Q];
  _Pragma("unroll") for (int r = 0; r < R; ++r) {
    const v128_t minus_per_sum = wasm_i32x4_splat(-(offset + zero_of(out, row0 + r)));
    _Pragma("unroll") for (int q = 0; q < Q; ++q) acc[r][q] =
        wasm_i32x4_mul(minus_per_sum, wasm_v128_load(col_sums + col0 + 4 * q));
  }
  for (int kb = 0; kb < kb_count; ++kb, x += kKr, wb += kNr * kKr) {
    v128_t w[Q];
    _Pragma("unroll") for (int q = 0; q < Q; ++q) w[q] = wasm_v128_load(wb + 16 * q);
    _Pragma("unroll") for (int r = 0; r < R; ++r) {
      const v128_t xs = wasm_v128_load32_splat(x + r * ldx);
      _Pragma("unroll") for (int q = 0; q < Q; ++q) acc[r][q] =
          wasm_i32x4_relaxed_dot_i8x16_i7x16_add(w[q], xs, acc[r][q]);
    }
  }
  _Pragma("unroll") for (int q = 0; q < Q; ++q) {
    const auto cols = out.cols(col0 + 4 * q);
    _Pragma("unroll") for (int r = 0; r < R; ++r) out(row0 + r, col0 + 4 * q, cols, acc[r][q]);
  }
}

// Rows [0, m) x column blocks [nb_begin, nb_end). The unsigned reading
// rewrites each block of rows as u8 into scratch first; each 16-column block
// of W (16 x k_pad bytes, in L1 or L2) is then swept over the block's rows,
// one half at a time in 5-row tiles, then whole for the last rows.
template <typename Out>
INLINE void gemm(int unsigned_reading, int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w,
                 const int32_t* col_sums, int nb_begin, int nb_end, uint8_t* scratch, const Out& out) {
  const int kb = k_pad / kKr;
  for (int r0 = 0; r0 < m; r0 += kRowBlock) {
    const int mb = m - r0 < kRowBlock ? m - r0 : kRowBlock;
    const int8_t* x = a + r0 * lda;
    size_t ldx = lda;
    if (unsigned_reading) {
      const v128_t flip = wasm_i8x16_splat(-128);
      for (int r = 0; r < mb; ++r) {
        const int8_t* src = x + r * lda;
        uint8_t* dst = scratch + static_cast<size_t>(r) * k_pad;
        int k = 0;
        for (; k + 16 <= k_pad; k += 16) wasm_v128_store(dst + k, wasm_v128_xor(wasm_v128_load(src + k), flip));
        for (; k < k_pad; ++k) dst[k] = static_cast<uint8_t>(src[k] ^ 0x80);
      }
      x = reinterpret_cast<const int8_t*>(scratch);
      ldx = k_pad;
    }
    const int32_t offset = unsigned_reading ? 128 : 0;
    const int main_rows = mb - mb % kTileRows;
    for (int nb = nb_begin; nb < nb_end; ++nb) {
      const int8_t* wb = w + static_cast<size_t>(nb) * kb * kNr * kKr;
      for (int g = 0; g < 4; g += 2)
        for (int r = 0; r < main_rows; r += kTileRows)
          tile<kTileRows, 2>(kb, x + r * ldx, ldx, wb + 16 * g, col_sums, nb * kNr + 4 * g, offset, r0 + r, out);
      int r = main_rows;
      for (; r + 2 <= mb; r += 2) tile<2, 4>(kb, x + r * ldx, ldx, wb, col_sums, nb * kNr, offset, r0 + r, out);
      if (r < mb) tile<1, 4>(kb, x + r * ldx, ldx, wb, col_sums, nb * kNr, offset, r0 + r, out);
    }
  }
}

}  // namespace

// The kernel contract of kernels.hpp (GemmFn, GemmF32Fn), plus the reading.
EXPORT(gemm_s32)
void gemm_s32(int unsigned_reading, int m, int k_pad, const int8_t* a, int lda, const int8_t* w,
              const int32_t* col_sums, int nb_begin, int nb_end, int32_t* c, int ldc, uint8_t* scratch) {
  gemm(unsigned_reading, m, k_pad, a, lda, w, col_sums, nb_begin, nb_end, scratch, Int32Out{c, size_t(ldc)});
}

EXPORT(gemm_f32)
void gemm_f32(int unsigned_reading, int m, int k_pad, const int8_t* a, int lda, const int8_t* w,
              const int32_t* col_sums, int nb_begin, int nb_end, const Dequant* dq, float* y, int ldy,
              uint8_t* scratch) {
  gemm(unsigned_reading, m, k_pad, a, lda, w, col_sums, nb_begin, nb_end, scratch, DequantOut{dq, y, size_t(ldy)});
}

// One lane of the relaxed dot with every byte of the first operand x (int8)
// and of the second y (0..255): 4 x x x y read as the runtime reads y.
EXPORT(one_lane) int one_lane(int x, int y) {
  const v128_t r = wasm_i32x4_relaxed_dot_i8x16_i7x16_add(
      wasm_i8x16_splat(static_cast<int8_t>(x)), wasm_i8x16_splat(static_cast<int8_t>(y)), wasm_i32x4_splat(0));
  return wasm_i32x4_extract_lane(r, 0);
}
