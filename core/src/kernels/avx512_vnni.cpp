// AVX-512 VNNI kernel: vpdpbusd multiplies unsigned by signed bytes, so the
// weights are shifted to unsigned (w + 128, an xor of the sign bit, once per
// weight vector) and 128 * row_sum(a) is subtracted at the end; the result
// stays exact int32. The activations stay signed, so each one reaches
// vpdpbusd as an embedded broadcast from memory ({1to16}): per depth group a
// tile issues 2 weight loads, 2 xors and 16 vpdpbusd, where shifting the
// activations instead took 8 broadcasts and 8 xors more.
// Tile: up to 8 rows x 2 blocks of 16 columns, one zmm accumulator each.
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
// row-sum correction). Not inlined into the output code, so the register
// allocation of the loop is the same for both kinds of output.
template <int R, int B>
__attribute__((noinline)) void dot_tile(int kb_count, const int8_t* a, size_t lda, const int8_t* wb,
                                        size_t w_block_stride, __m512i (&out)[R][B]) {
  const __m512i sign = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
  if constexpr (R == 8 && B == 2) {
    // The full tile in assembly: written with intrinsics, GCC 12 keeps the
    // broadcasts in registers and adds a register copy per accumulator.
    __m512i c[8][2], w0, w1, x;
    const int8_t* a4 = a + 4 * lda;
    const size_t lda3 = 3 * lda;
    // The loop ends when w reaches w_end (a counter would be a 31st asm operand).
    const int8_t* const w_end = wb + static_cast<size_t>(kb_count) * 64;
// clang-format off
#define INDORERANK_ZMM_ZERO(r) "vpxord %[c" #r "0], %[c" #r "0], %[c" #r "0]\n\t" \
                               "vpxord %[c" #r "1], %[c" #r "1], %[c" #r "1]\n\t"
#define INDORERANK_ZMM_ROW(r, addr) "vpbroadcastd " addr ", %[x]\n\t" \
                                    "vpdpbusd %[x], %[w0], %[c" #r "0]\n\t" \
                                    "vpdpbusd %[x], %[w1], %[c" #r "1]\n\t"
    asm(INDORERANK_ZMM_ZERO(0) INDORERANK_ZMM_ZERO(1) INDORERANK_ZMM_ZERO(2) INDORERANK_ZMM_ZERO(3)
        INDORERANK_ZMM_ZERO(4) INDORERANK_ZMM_ZERO(5) INDORERANK_ZMM_ZERO(6) INDORERANK_ZMM_ZERO(7)
        "cmp %[w_end], %[w]\n\t"
        "je 2f\n\t"
        "1:\n\t"
        "vpxord (%[w]), %[sign], %[w0]\n\t"
        "vpxord (%[w],%[ws]), %[sign], %[w1]\n\t"
        INDORERANK_ZMM_ROW(0, "(%[a0])") INDORERANK_ZMM_ROW(1, "(%[a0],%[lda])")
        INDORERANK_ZMM_ROW(2, "(%[a0],%[lda],2)") INDORERANK_ZMM_ROW(3, "(%[a0],%[lda3])")
        INDORERANK_ZMM_ROW(4, "(%[a4])") INDORERANK_ZMM_ROW(5, "(%[a4],%[lda])")
        INDORERANK_ZMM_ROW(6, "(%[a4],%[lda],2)") INDORERANK_ZMM_ROW(7, "(%[a4],%[lda3])")
        "add $64, %[w]\n\t"
        "add $4, %[a0]\n\t"
        "add $4, %[a4]\n\t"
        "cmp %[w_end], %[w]\n\t"
        "jne 1b\n\t"
        "2:"
        : [c00] "=&v"(c[0][0]), [c01] "=&v"(c[0][1]), [c10] "=&v"(c[1][0]), [c11] "=&v"(c[1][1]),
          [c20] "=&v"(c[2][0]), [c21] "=&v"(c[2][1]), [c30] "=&v"(c[3][0]), [c31] "=&v"(c[3][1]),
          [c40] "=&v"(c[4][0]), [c41] "=&v"(c[4][1]), [c50] "=&v"(c[5][0]), [c51] "=&v"(c[5][1]),
          [c60] "=&v"(c[6][0]), [c61] "=&v"(c[6][1]), [c70] "=&v"(c[7][0]), [c71] "=&v"(c[7][1]),
          [w0] "=&v"(w0), [w1] "=&v"(w1), [x] "=&v"(x), [w] "+r"(wb), [a0] "+r"(a), [a4] "+r"(a4)
        : [w_end] "r"(w_end), [sign] "v"(sign), [ws] "r"(w_block_stride), [lda] "r"(lda), [lda3] "r"(lda3)
        : "cc", "memory");
#undef INDORERANK_ZMM_ZERO
#undef INDORERANK_ZMM_ROW
    // clang-format on
    for (int r = 0; r < R; ++r)
      for (int b = 0; b < B; ++b) out[r][b] = c[r][b];
  } else {
    __m512i acc[R][B];  // local: `out` could alias the int8 reads, and would be reloaded
    for (int r = 0; r < R; ++r)
      for (int b = 0; b < B; ++b) acc[r][b] = _mm512_set1_epi32(0);
#pragma GCC unroll 2
    for (int kb = 0; kb < kb_count; ++kb) {
      __m512i w[B];
      for (int b = 0; b < B; ++b)
        w[b] = _mm512_xor_si512(_mm512_loadu_si512(wb + b * w_block_stride + static_cast<size_t>(kb) * 64), sign);
      for (int r = 0; r < R; ++r) {
        int32_t v;
        std::memcpy(&v, a + r * lda + kb * kKr, 4);
        const __m512i av = _mm512_set1_epi32(v);
        for (int b = 0; b < B; ++b) acc[r][b] = _mm512_dpbusd_epi32(acc[r][b], w[b], av);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int b = 0; b < B; ++b) out[r][b] = acc[r][b];
  }
}

template <int R, int B, typename Out>
inline void tile(int kb_count, const int8_t* a, size_t lda, const int8_t* wb, size_t w_block_stride,
                 const int32_t* row_sums, const int32_t* col_sums, int col0, const Out& out) {
  __m512i acc[R][B];
  dot_tile<R, B>(kb_count, a, lda, wb, w_block_stride, acc);
  for (int r = 0; r < R; ++r) {
    const __m512i comp = _mm512_set1_epi32(row_sums[r] * 128);
    for (int b = 0; b < B; ++b) acc[r][b] = _mm512_sub_epi32(acc[r][b], comp);
  }
  for (int b = 0; b < B; ++b) out.template block<R>(col0 + b * kNr, &acc[0][b], B, col_sums);
}

// Each row's sum of its activations (k_pad of them), into row_sums: a
// vpdpbusd of the row against unsigned ones, 64 bytes at a time.
inline void sum_rows(int m, int k_pad, const int8_t* a, size_t lda, int32_t* row_sums) {
  const __m512i ones = _mm512_set1_epi8(1);
  for (int r = 0; r < m; ++r) {
    const int8_t* row = a + r * lda;
    __m512i acc = _mm512_setzero_si512();
    for (int k = 0; k < k_pad; k += 64) {
      const int left = k_pad - k;
      const __mmask64 mask = left >= 64 ? ~__mmask64(0) : (__mmask64(1) << left) - 1;
      acc = _mm512_dpbusd_epi32(acc, ones, _mm512_maskz_loadu_epi8(mask, row + k));
    }
    // (_mm512_reduce_add_epi32 draws GCC 12's maybe-uninitialized warning)
    alignas(64) int32_t lanes[16];
    _mm512_store_si512(lanes, acc);
    int32_t sum = 0;
    for (int32_t x : lanes) sum += x;
    row_sums[r] = sum;
  }
}

// Column groups of B blocks outside, row tiles inside: a group's weights
// (B x 16 columns x k_pad bytes, 24 KiB at depth 384) stay in L1 while every
// row tile of the call passes over them, instead of streaming all of W from
// L2 once per row tile. `shift(out, r)` moves the output to row r.
template <int B, typename Out, typename Shift>
inline void column_group(int m, int kb_count, const int8_t* a, size_t lda, const int8_t* w_packed,
                         const int32_t* row_sums, const int32_t* col_sums, int nb, const Out& out, Shift shift) {
  const size_t stride = static_cast<size_t>(kb_count) * 64;
  for_each_row_tile<8>(m, [&](auto rows, int r) {
    tile<rows.value, B>(kb_count, a + r * lda, lda, w_packed + nb * stride, stride, row_sums + r, col_sums, nb * kNr,
                        shift(out, r));
  });
}

template <typename Out, typename Shift>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, Shift shift, void* scratch) {
  const int kb = k_pad / kKr;
  auto* const row_sums = static_cast<int32_t*>(scratch);
  sum_rows(m, k_pad, a, lda, row_sums);
  int nb = nb_begin;
  for (; nb + 2 <= nb_end; nb += 2) column_group<2>(m, kb, a, lda, w_packed, row_sums, col_sums, nb, out, shift);
  for (; nb < nb_end; ++nb) column_group<1>(m, kb, a, lda, w_packed, row_sums, col_sums, nb, out, shift);
}

// One int32 per row: its sum.
size_t scratch_bytes__avx512_vnni(int m, int /*k_pad*/) {
  return static_cast<size_t>(m) * sizeof(int32_t);
}

void gemm_s8s8_s32__avx512_vnni(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                                const int32_t* col_sums, int nb_begin, int nb_end, int32_t* c, size_t ldc,
                                void* scratch) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, Int32Out{c, ldc},
       [](const Int32Out& o, int r) { return Int32Out{o.c + r * o.ldc, o.ldc}; }, scratch);
}

void gemm_s8s8_f32__avx512_vnni(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                                const int32_t* col_sums, int nb_begin, int nb_end, const Dequant& dq, float* y,
                                size_t ldy, void* scratch) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, DequantOut{&dq, y, ldy, 0},
       [](const DequantOut& o, int r) { return DequantOut{o.dq, o.y, o.ldy, o.row0 + r}; }, scratch);
}

}  // namespace

const KernelTable kAvx512VnniKernel = {"avx512_vnni", gemm_s8s8_s32__avx512_vnni, gemm_s8s8_f32__avx512_vnni,
                                       scratch_bytes__avx512_vnni};

}  // namespace indorerank::kernels
