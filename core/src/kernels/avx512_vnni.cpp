// AVX-512 VNNI kernel: vpdpbusd multiplies unsigned by signed bytes, so the
// activations are shifted to unsigned (a + 128, an xor of the sign bit) and
// 128 * column_sum is subtracted at the end; the result stays exact int32.
// Tile: up to 4 rows x 4 blocks of 16 columns, one zmm accumulator each.
#include <immintrin.h>

#include <cstring>

#include "kernels.hpp"
#include "row_tiles.hpp"

namespace indorerank::kernels {
namespace {

// Where a tile's exact int32 results go, one 16-column block of R rows at a
// time (`acc[r * acc_stride]`): stored as they are...
struct Int32Out {
  int32_t* c;
  size_t ldc;
  template <int R>
  void block(int col0, const __m512i* acc, size_t acc_stride, const int32_t* /*col_sums*/) const {
    for (int r = 0; r < R; ++r) _mm512_storeu_si512(c + r * ldc + col0, acc[r * acc_stride]);
  }
};

// ...or dequantized (see Dequant) and stored as floats, columns < n only.
// The per-column values are loaded once per block: the stores to y could
// alias them, so the compiler would reload them for every row.
struct DequantOut {
  const Dequant* dq;
  float* y;
  size_t ldy;
  int row0;  // first row of the tile
  template <int R>
  void block(int col0, const __m512i* acc, size_t acc_stride, const int32_t* col_sums) const {
    const int valid = dq->n - col0;
    const __mmask16 mask = valid >= 16 ? __mmask16(0xFFFF) : __mmask16((1u << valid) - 1);
    const __m512i sums = _mm512_loadu_si512(col_sums + col0);
    const __m512 w_scale = _mm512_maskz_loadu_ps(mask, dq->w_scale + col0);
    const __m512 bias = _mm512_maskz_loadu_ps(mask, dq->bias + col0);
    // Locals: the float stores below could alias *dq, so GCC would reload its
    // fields after each one.
    const int32_t* const a_zero = dq->a_zero + row0;
    const float* const a_scale = dq->a_scale + row0;
    float* out = y + row0 * ldy + col0;
    for (int i = 0; i < R; ++i, out += ldy) {
      const __m512i zero_fix = _mm512_mullo_epi32(_mm512_set1_epi32(a_zero[i]), sums);
      const __m512i v = _mm512_sub_epi32(acc[i * acc_stride], zero_fix);
      // maskz form: GCC 12 warns about the undefined source of the plain intrinsic.
      __m512 f = _mm512_maskz_cvtepi32_ps(__mmask16(0xFFFF), v);
      f = _mm512_mul_ps(f, _mm512_set1_ps(a_scale[i]));
      f = _mm512_mul_ps(f, w_scale);
      f = _mm512_add_ps(f, bias);
      if (valid >= 16)  // a plain store where the whole block is valid
        _mm512_storeu_ps(out, f);
      else
        _mm512_mask_storeu_ps(out, mask, f);
    }
  }
};

// The products of R rows x B blocks, into acc (exact, before the 128 x
// column-sum correction). Not inlined into the output code, so the register
// allocation of the loop is the same for both kinds of output.
template <int R, int B>
__attribute__((noinline)) void dot_tile(int kb_count, const int8_t* a, size_t lda, const int8_t* wb,
                                        size_t w_block_stride, __m512i (&out)[R][B]) {
  __m512i acc[R][B];  // local: `out` could alias the int8 reads, and would be reloaded
  for (int r = 0; r < R; ++r)
    for (int b = 0; b < B; ++b) acc[r][b] = _mm512_set1_epi32(0);
  const __m512i sign = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  // Unrolled twice: rolled, GCC 12 copies every accumulator to a second
  // register around each vpdpbusd (16 extra moves per 16 multiplies), and the
  // front end, not the multipliers, set the pace (~270 vs ~360 GMAC/s here).
#pragma GCC unroll 2
  for (int kb = 0; kb < kb_count; ++kb) {
    __m512i w[B];
    for (int b = 0; b < B; ++b) w[b] = _mm512_loadu_si512(wb + b * w_block_stride + static_cast<size_t>(kb) * 64);
    for (int r = 0; r < R; ++r) {
      int32_t v;
      std::memcpy(&v, a + r * lda + kb * kKr, 4);
      const __m512i av = _mm512_xor_si512(_mm512_set1_epi32(v), sign);
      for (int b = 0; b < B; ++b) acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], av, w[b]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int b = 0; b < B; ++b) out[r][b] = acc[r][b];
}

template <int R, int B, typename Out>
inline void tile(int kb_count, const int8_t* a, size_t lda, const int8_t* wb, size_t w_block_stride,
                 const int32_t* col_sums, int col0, const Out& out) {
  __m512i acc[R][B];
  dot_tile<R, B>(kb_count, a, lda, wb, w_block_stride, acc);
  for (int b = 0; b < B; ++b) {
    const int col = col0 + b * kNr;
    const __m512i comp = _mm512_mullo_epi32(_mm512_loadu_si512(col_sums + col), _mm512_set1_epi32(128));
    for (int r = 0; r < R; ++r) acc[r][b] = _mm512_sub_epi32(acc[r][b], comp);
    out.template block<R>(col, &acc[0][b], B, col_sums);
  }
}

// Column groups of B blocks outside, row tiles inside: a group's weights
// (B x 16 columns x k_pad bytes, 24 KiB at depth 384) stay in L1 while every
// row tile of the call passes over them, instead of streaming all of W from
// L2 once per row tile. `shift(out, r)` moves the output to row r.
template <int B, typename Out, typename Shift>
inline void column_group(int m, int kb_count, const int8_t* a, size_t lda, const int8_t* w_packed,
                         const int32_t* col_sums, int nb, const Out& out, Shift shift) {
  const size_t stride = static_cast<size_t>(kb_count) * 64;
  for_each_row_tile<8>(m, [&](auto rows, int r) {
    tile<rows.value, B>(kb_count, a + r * lda, lda, w_packed + nb * stride, stride, col_sums, nb * kNr, shift(out, r));
  });
}

template <typename Out, typename Shift>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, Shift shift) {
  const int kb = k_pad / kKr;
  int nb = nb_begin;
  for (; nb + 2 <= nb_end; nb += 2) column_group<2>(m, kb, a, lda, w_packed, col_sums, nb, out, shift);
  for (; nb < nb_end; ++nb) column_group<1>(m, kb, a, lda, w_packed, col_sums, nb, out, shift);
}

void gemm_s8s8_s32__avx512_vnni(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                                const int32_t* col_sums, int nb_begin, int nb_end, int32_t* c, size_t ldc,
                                void* /*scratch*/) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, Int32Out{c, ldc},
       [](const Int32Out& o, int r) { return Int32Out{o.c + r * o.ldc, o.ldc}; });
}

void gemm_s8s8_f32__avx512_vnni(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                                const int32_t* col_sums, int nb_begin, int nb_end, const Dequant& dq, float* y,
                                size_t ldy, void* /*scratch*/) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, DequantOut{&dq, y, ldy, 0},
       [](const DequantOut& o, int r) { return DequantOut{o.dq, o.y, o.ldy, o.row0 + r}; });
}

}  // namespace

const KernelTable kAvx512VnniKernel = {"avx512_vnni", gemm_s8s8_s32__avx512_vnni, gemm_s8s8_f32__avx512_vnni,
                                       no_scratch};

}  // namespace indorerank::kernels
