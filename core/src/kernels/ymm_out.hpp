// Where the 256-bit kernels (avx2, avx_vnni) put a tile's exact int32 results,
// eight columns at a time. Include only from files compiled with -mavx2;
// internal linkage, so that files built with other ISA flags (-mavxvnni)
// never lend their copies to one another.
#pragma once

#include <immintrin.h>

#include "kernels.hpp"

namespace indorerank::kernels::ymm {
namespace {

// Stored as they are...
struct Int32Out {
  int32_t* c;
  size_t ldc;
  void operator()(int r, int col0, __m256i v, const int32_t* /*col_sums*/) const {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc + col0), v);
  }
  Int32Out at_row(int r) const { return {c + r * ldc, ldc}; }
};

// ...or dequantized (see Dequant) and stored as floats, columns < n only.
struct DequantOut {
  const Dequant* dq;
  float* y;
  size_t ldy;
  int row0;  // first row of the tile
  void operator()(int tile_row, int col0, __m256i v, const int32_t* col_sums) const {
    const int r = row0 + tile_row;
    const int valid = dq->n - col0;
    if (valid <= 0) return;
    const __m256i zero_fix = _mm256_mullo_epi32(_mm256_set1_epi32(dq->a_zero[r]),
                                                _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_sums + col0)));
    const __m256i corrected = _mm256_sub_epi32(v, zero_fix);
    float* out = y + r * ldy + col0;
    if (valid >= 8) {
      __m256 f = _mm256_cvtepi32_ps(corrected);
      f = _mm256_mul_ps(f, _mm256_set1_ps(dq->a_scale[r]));
      f = _mm256_mul_ps(f, _mm256_loadu_ps(dq->w_scale + col0));
      f = _mm256_add_ps(f, _mm256_loadu_ps(dq->bias + col0));
      _mm256_storeu_ps(out, f);
      return;
    }
    int32_t c[8];
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c), corrected);
    for (int j = 0; j < valid; ++j)
      out[j] = static_cast<float>(c[j]) * dq->a_scale[r] * dq->w_scale[col0 + j] + dq->bias[col0 + j];
  }
  DequantOut at_row(int r) const { return {dq, y, ldy, row0 + r}; }
};

}  // namespace
}  // namespace indorerank::kernels::ymm
