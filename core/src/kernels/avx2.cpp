// AVX2 kernel: int8 x int8 -> int32 with vpmaddwd on int16 values.
//
// A 32-byte block row of W holds 8 columns x 4 depth. Shifts split it, in
// lane, into the sign-extended even bytes (depth 0 and 2 of each column) and
// odd bytes (depth 1 and 3); vpmaddwd against the broadcast activation pairs
// (a0, a2) and (a1, a3) then gives each column's full 4-deep dot product in
// its own int32 lane, so no reduction is needed at the end.
// Tile: 8 rows x 8 columns (half a 16-column block): 8 accumulators, the two
// split weight vectors and two broadcasts, 12 of the 16 registers (4 x 16
// needed 14 plus temporaries), and each weight split serves 8 rows. GCC 12
// still copies accumulators between registers and keeps two on the stack
// each iteration (objdump); an asm add removing that measured no faster. The row tile's activation pairs are built once
// and reused across all column blocks.
#include <immintrin.h>

#include "kernels.hpp"
#include "row_tiles.hpp"

namespace indorerank::kernels {
namespace {

constexpr int kRows = 8;  // rows per tile

// Activations of R rows rewritten once per row tile as the int32 words
// vpmaddwd wants: for depth group kb, (a0 | a2 << 16) then (a1 | a3 << 16).
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

// Where a tile's exact int32 results (8 columns at a time) go: stored as they are...
struct Int32Out {
  int32_t* c;
  size_t ldc;
  void operator()(int r, int col0, __m256i v, const int32_t* /*col_sums*/) const {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(c + r * ldc + col0), v);
  }
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
    const __m256i zero_fix = _mm256_mullo_epi32(
        _mm256_set1_epi32(dq->a_zero[r]), _mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_sums + col0)));
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
};

// Columns col0..col0+7 of rows 0..R-1: the half `h` of each 64-byte block row.
template <int R, typename Out>
inline void tile(int kb_count, const int32_t* pairs, const int8_t* wb, int h, const int32_t* col_sums, int col0,
                 const Out& out) {
  __m256i acc[R];
  for (int r = 0; r < R; ++r) acc[r] = _mm256_setzero_si256();
  for (int kb = 0; kb < kb_count; ++kb) {
    const __m256i w =
        _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + static_cast<size_t>(kb) * kNr * kKr + 32 * h));
    const __m256i w_even = _mm256_srai_epi16(_mm256_slli_epi16(w, 8), 8);
    const __m256i w_odd = _mm256_srai_epi16(w, 8);
    const int32_t* pk = pairs + static_cast<size_t>(kb) * R * 2;
    for (int r = 0; r < R; ++r) {
      const __m256i even = _mm256_madd_epi16(w_even, _mm256_set1_epi32(pk[2 * r]));
      const __m256i odd = _mm256_madd_epi16(w_odd, _mm256_set1_epi32(pk[2 * r + 1]));
      acc[r] = _mm256_add_epi32(acc[r], _mm256_add_epi32(even, odd));
    }
  }
  for (int r = 0; r < R; ++r) out(r, col0, acc[r], col_sums);
}

template <int R, typename Out>
inline void row_tile(int kb_count, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                     int nb_begin, int nb_end, const Out& out, int32_t* pairs) {
  activation_pairs<R>(kb_count, a, lda, pairs);
  for (int nb = nb_begin; nb < nb_end; ++nb)
    for (int h = 0; h < 2; ++h)
      tile<R>(kb_count, pairs, w_packed + static_cast<size_t>(nb) * kb_count * kNr * kKr, h, col_sums, nb * kNr + 8 * h,
              out);
}

// Scratch: a row tile's activation pairs, 8 bytes per row and depth group.
size_t scratch_bytes__avx2(int /*m*/, int k_pad) {
  return static_cast<size_t>(k_pad / kKr) * kRows * 2 * sizeof(int32_t);
}

// `shift(out, r)` moves the output to row r.
template <typename Out, typename Shift>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, Shift shift, void* scratch) {
  const int kb = k_pad / kKr;
  for_each_row_tile<kRows>(m, [&](auto rows, int r) {
    row_tile<rows.value>(kb, a + r * lda, lda, w_packed, col_sums, nb_begin, nb_end, shift(out, r),
                         static_cast<int32_t*>(scratch));
  });
}

void gemm_s8s8_s32__avx2(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, int32_t* c, size_t ldc, void* scratch) {
  gemm(
      m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, Int32Out{c, ldc},
      [](const Int32Out& o, int r) {
        return Int32Out{o.c + r * o.ldc, o.ldc};
      },
      scratch);
}

void gemm_s8s8_f32__avx2(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy, void* scratch) {
  gemm(
      m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, DequantOut{&dq, y, ldy, 0},
      [](const DequantOut& o, int r) {
        return DequantOut{o.dq, o.y, o.ldy, o.row0 + r};
      },
      scratch);
}

}  // namespace

const KernelTable kAvx2Kernel = {"avx2", gemm_s8s8_s32__avx2, gemm_s8s8_f32__avx2, scratch_bytes__avx2};

}  // namespace indorerank::kernels
