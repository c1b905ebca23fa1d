// AVX-512 VNNI kernel: vpdpbusd multiplies unsigned by signed bytes, so the
// activations are shifted to unsigned (a + 128, an xor of the sign bit) and
// 128 * column_sum is subtracted at the end; the result stays exact int32.
// Tile: up to 4 rows x 4 blocks of 16 columns, one zmm accumulator each.
#include <immintrin.h>

#include <cstring>

#include "kernels.hpp"

namespace indorerank::kernels {
namespace {

template <int R, int B>
inline void tile(int kb_count, const int8_t* a, size_t lda, const int8_t* wb, size_t w_block_stride,
                 const int32_t* col_sums, int32_t* c, size_t ldc) {
  __m512i acc[R][B];
  for (int r = 0; r < R; ++r)
    for (int b = 0; b < B; ++b) acc[r][b] = _mm512_set1_epi32(0);
  const __m512i sign = _mm512_set1_epi32(static_cast<int32_t>(0x80808080u));
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
  for (int b = 0; b < B; ++b) {
    const __m512i comp = _mm512_mullo_epi32(_mm512_loadu_si512(col_sums + b * kNr), _mm512_set1_epi32(128));
    for (int r = 0; r < R; ++r)
      _mm512_storeu_si512(c + r * ldc + b * kNr, _mm512_sub_epi32(acc[r][b], comp));
  }
}

template <int R>
inline void row_block(int kb_count, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                      int nb_begin, int nb_end, int32_t* c, size_t ldc) {
  const size_t stride = static_cast<size_t>(kb_count) * 64;
  int nb = nb_begin;
  for (; nb + 4 <= nb_end; nb += 4)
    tile<R, 4>(kb_count, a, lda, w_packed + nb * stride, stride, col_sums + nb * kNr, c + nb * kNr, ldc);
  for (; nb < nb_end; ++nb)
    tile<R, 1>(kb_count, a, lda, w_packed + nb * stride, stride, col_sums + nb * kNr, c + nb * kNr, ldc);
}

void gemm_s8s8_s32__avx512_vnni(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                                const int32_t* col_sums, int nb_begin, int nb_end, int32_t* c, size_t ldc) {
  const int kb_count = k_pad / kKr;
  int r = 0;
  for (; r + 4 <= m; r += 4)
    row_block<4>(kb_count, a + r * lda, lda, w_packed, col_sums, nb_begin, nb_end, c + r * ldc, ldc);
  switch (m - r) {
    case 3: row_block<3>(kb_count, a + r * lda, lda, w_packed, col_sums, nb_begin, nb_end, c + r * ldc, ldc); break;
    case 2: row_block<2>(kb_count, a + r * lda, lda, w_packed, col_sums, nb_begin, nb_end, c + r * ldc, ldc); break;
    case 1: row_block<1>(kb_count, a + r * lda, lda, w_packed, col_sums, nb_begin, nb_end, c + r * ldc, ldc); break;
    default: break;
  }
}

}  // namespace

const KernelTable kAvx512VnniKernel = {"avx512_vnni", gemm_s8s8_s32__avx512_vnni};

}  // namespace indorerank::kernels
