// AVX2 kernel: int8 x int8 -> int32 with vpmaddwd on int16 values.
//
// A 16-byte quarter of a packed block row (4 columns x 4 depth) is
// sign-extended to int16 in one load (vpmovsxbw): column c's depth 0-3 fill
// the two int32 lanes 2c and 2c+1. A row's four activations of that depth
// group, also as int16, are broadcast as one 64-bit word, so vpmaddwd gives
// each column two partial sums (depth 0-1 and 2-3) in adjacent lanes; they
// are added pairwise (vphaddd) once, when the tile is done.
// Tile: 6 rows x 8 columns, two accumulators per row. Per depth group that is
// two weight loads, 6 broadcasts, 12 vpmaddwd and 12 vpaddd (the 8 x 8 tile
// before it needed two broadcasts per row, three shifts per weight vector and,
// as GCC compiled it, a register copy per accumulator). The row tile's
// activations are rewritten once as int16 and reused across all column blocks.
#include <immintrin.h>

#include <cstring>

#include "kernels.hpp"
#include "row_tiles.hpp"
#include "ymm_out.hpp"

namespace indorerank::kernels {
namespace {

constexpr int kRows = 6;  // rows per tile: 12 accumulators, 2 weight vectors, a broadcast and a product

// Activations of R rows as the 64-bit words the tile broadcasts: for depth
// group kb and row r, the int16 values a0..a3 at pairs[kb * R + r].
template <int R>
inline void activation_pairs(int kb_count, const int8_t* a, size_t lda, int64_t* pairs) {
  for (int r = 0; r < R; ++r) {
    const int8_t* row = a + r * lda;
    int kb = 0;
    for (; kb + 4 <= kb_count; kb += 4) {
      const __m256i v = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(row + kb * kKr)));
      const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
      pairs[static_cast<size_t>(kb) * R + r] = _mm_cvtsi128_si64(lo);
      pairs[static_cast<size_t>(kb + 1) * R + r] = _mm_extract_epi64(lo, 1);
      pairs[static_cast<size_t>(kb + 2) * R + r] = _mm_cvtsi128_si64(hi);
      pairs[static_cast<size_t>(kb + 3) * R + r] = _mm_extract_epi64(hi, 1);
    }
    for (; kb < kb_count; ++kb) {
      int16_t v[kKr];
      for (int j = 0; j < kKr; ++j) v[j] = row[kb * kKr + j];
      std::memcpy(&pairs[static_cast<size_t>(kb) * R + r], v, sizeof v);
    }
  }
}

// Columns 0..7 of rows 0..R-1 over all depth groups, starting at the weight
// bytes `wp` (one half of a 64-byte block row): sums[r] gets row r's eight
// int32 results.
template <int R>
inline void accumulate(int kb_count, const int64_t* pairs, const int8_t* wp, __m256i* sums) {
  __m256i lo[R], hi[R];  // columns 0-3 and 4-7, two partial sums each
  if constexpr (R == kRows) {
    static_assert(kRows == 6 && kNr * kKr == 64, "the assembly is written for 6 rows and 64-byte block rows");
    // The full tile in assembly: GCC 12 compiles the same loop written with
    // intrinsics with a copy of most accumulators per iteration, and which
    // ones depends on the surrounding code. All 16 ymm registers: 12
    // accumulators, the two weight vectors, the broadcast and a product.
    __m256i w_lo, w_hi, x, t;
    long n = kb_count;
// clang-format off
#define INDORERANK_AVX2_ROW(r, lo, hi)                  \
  "vpbroadcastq " #r "*8(%[p]), %[x]\n\t"               \
  "vpmaddwd %[x], %[w_lo], %[t]\n\t"                    \
  "vpaddd %[t], %[" #lo "], %[" #lo "]\n\t"             \
  "vpmaddwd %[x], %[w_hi], %[x]\n\t"                    \
  "vpaddd %[x], %[" #hi "], %[" #hi "]\n\t"
#define INDORERANK_AVX2_ZERO(a) "vpxor %[" #a "], %[" #a "], %[" #a "]\n\t"
    asm(INDORERANK_AVX2_ZERO(l0) INDORERANK_AVX2_ZERO(l1) INDORERANK_AVX2_ZERO(l2) INDORERANK_AVX2_ZERO(l3)
        INDORERANK_AVX2_ZERO(l4) INDORERANK_AVX2_ZERO(l5) INDORERANK_AVX2_ZERO(h0) INDORERANK_AVX2_ZERO(h1)
        INDORERANK_AVX2_ZERO(h2) INDORERANK_AVX2_ZERO(h3) INDORERANK_AVX2_ZERO(h4) INDORERANK_AVX2_ZERO(h5)
        "test %[n], %[n]\n\t"
        "jz 2f\n\t"
        "1:\n\t"
        "vpmovsxbw (%[w]), %[w_lo]\n\t"
        "vpmovsxbw 16(%[w]), %[w_hi]\n\t"
        INDORERANK_AVX2_ROW(0, l0, h0) INDORERANK_AVX2_ROW(1, l1, h1) INDORERANK_AVX2_ROW(2, l2, h2)
        INDORERANK_AVX2_ROW(3, l3, h3) INDORERANK_AVX2_ROW(4, l4, h4) INDORERANK_AVX2_ROW(5, l5, h5)
        "add $64, %[w]\n\t"
        "add $48, %[p]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "2:"
        : [l0] "=&x"(lo[0]), [l1] "=&x"(lo[1]), [l2] "=&x"(lo[2]), [l3] "=&x"(lo[3]), [l4] "=&x"(lo[4]),
          [l5] "=&x"(lo[5]), [h0] "=&x"(hi[0]), [h1] "=&x"(hi[1]), [h2] "=&x"(hi[2]), [h3] "=&x"(hi[3]),
          [h4] "=&x"(hi[4]), [h5] "=&x"(hi[5]), [w] "+r"(wp), [p] "+r"(pairs), [n] "+r"(n), [w_lo] "=&x"(w_lo),
          [w_hi] "=&x"(w_hi), [x] "=&x"(x), [t] "=&x"(t)
        :
        : "cc", "memory");
#undef INDORERANK_AVX2_ROW
#undef INDORERANK_AVX2_ZERO
    // clang-format on
  } else {
    for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
    for (int kb = 0; kb < kb_count; ++kb, wp += kNr * kKr, pairs += R) {
      const __m256i w_lo = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wp)));
      const __m256i w_hi = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wp + 16)));
      for (int r = 0; r < R; ++r) {
        const __m256i x = _mm256_set1_epi64x(pairs[r]);
        lo[r] = _mm256_add_epi32(lo[r], _mm256_madd_epi16(w_lo, x));
        hi[r] = _mm256_add_epi32(hi[r], _mm256_madd_epi16(w_hi, x));
      }
    }
  }
  // hadd gives columns (0 1 4 5 | 2 3 6 7); the permute puts them in order.
  for (int r = 0; r < R; ++r) sums[r] = _mm256_permute4x64_epi64(_mm256_hadd_epi32(lo[r], hi[r]), 0xd8);
}

// Columns col0..col0+7 of rows 0..R-1: the half `h` of each 64-byte block row.
template <int R, typename Out>
inline void tile(int kb_count, const int64_t* pairs, const int8_t* wb, int h, const int32_t* col_sums, int col0,
                 const Out& out) {
  __m256i sums[R];
  accumulate<R>(kb_count, pairs, wb + 32 * h, sums);
  for (int r = 0; r < R; ++r) out(r, col0, sums[r], col_sums);
}

template <int R, typename Out>
inline void row_tile(int kb_count, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                     int nb_begin, int nb_end, const Out& out, int64_t* pairs) {
  activation_pairs<R>(kb_count, a, lda, pairs);
  for (int nb = nb_begin; nb < nb_end; ++nb)
    for (int h = 0; h < 2; ++h)
      tile<R>(kb_count, pairs, w_packed + static_cast<size_t>(nb) * kb_count * kNr * kKr, h, col_sums, nb * kNr + 8 * h,
              out);
}

// Scratch: a row tile's activations, 8 bytes per row and depth group.
size_t scratch_bytes__avx2(int /*m*/, int k_pad) {
  return static_cast<size_t>(k_pad / kKr) * kRows * sizeof(int64_t);
}

template <typename Out>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, void* scratch) {
  const int kb = k_pad / kKr;
  for_each_row_tile<kRows>(m, [&](auto rows, int r) {
    row_tile<rows.value>(kb, a + r * lda, lda, w_packed, col_sums, nb_begin, nb_end, out.at_row(r),
                         static_cast<int64_t*>(scratch));
  });
}

void gemm_s8s8_s32__avx2(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, int32_t* c, size_t ldc, void* scratch) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, ymm::Int32Out{c, ldc}, scratch);
}

void gemm_s8s8_f32__avx2(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy, void* scratch) {
  gemm(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, ymm::DequantOut{&dq, y, ldy, 0}, scratch);
}

}  // namespace

const KernelTable kAvx2Kernel = {"avx2", gemm_s8s8_s32__avx2, gemm_s8s8_f32__avx2, scratch_bytes__avx2};

}  // namespace indorerank::kernels
