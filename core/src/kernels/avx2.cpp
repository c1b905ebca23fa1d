// AVX2 kernel: sign-extends int8 to int16 and multiplies with vpmaddwd.
// Tile: 2 rows x 16 columns; the accumulators hold pair sums that one
// hadd + permute per 8 columns turns into the final int32 values.
#include <immintrin.h>

#include <cstring>

#include "kernels.hpp"

namespace indorerank::kernels {
namespace {

inline __m256i broadcast_row4(const int8_t* p) {
  int32_t v;
  std::memcpy(&v, p, 4);
  return _mm256_broadcastq_epi64(_mm_cvtepi8_epi16(_mm_cvtsi32_si128(v)));
}

inline __m256i reduce_pairs(__m256i lo_cols, __m256i hi_cols) {
  return _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo_cols, hi_cols), 0xD8);
}

template <int R>
inline void tile(int kb_count, const int8_t* a, size_t lda, const int8_t* wb, int32_t* c, size_t ldc) {
  __m256i acc[R][4];
  for (int r = 0; r < R; ++r)
    for (int q = 0; q < 4; ++q) acc[r][q] = _mm256_setzero_si256();
  for (int kb = 0; kb < kb_count; ++kb) {
    __m256i av[R];
    for (int r = 0; r < R; ++r) av[r] = broadcast_row4(a + r * lda + kb * kKr);
    const int8_t* blk = wb + static_cast<size_t>(kb) * kNr * kKr;
    for (int q = 0; q < 4; ++q) {
      const __m256i w = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(blk + q * 16)));
      for (int r = 0; r < R; ++r) acc[r][q] = _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(w, av[r]));
    }
  }
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc), reduce_pairs(acc[r][0], acc[r][1]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc + 8), reduce_pairs(acc[r][2], acc[r][3]));
  }
}

void gemm_s8s8_s32__avx2(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                         const int32_t* /*col_sums*/, int nb_begin, int nb_end, int32_t* c, size_t ldc) {
  const int kb_count = k_pad / kKr;
  for (int nb = nb_begin; nb < nb_end; ++nb) {
    const int8_t* wb = w_packed + static_cast<size_t>(nb) * kb_count * kNr * kKr;
    int32_t* cb = c + static_cast<size_t>(nb) * kNr;
    int r = 0;
    for (; r + 2 <= m; r += 2) tile<2>(kb_count, a + r * lda, lda, wb, cb + r * ldc, ldc);
    if (r < m) tile<1>(kb_count, a + r * lda, lda, wb, cb + r * ldc, ldc);
  }
}

}  // namespace

const KernelTable kAvx2Kernel = {"avx2", gemm_s8s8_s32__avx2};

}  // namespace indorerank::kernels
