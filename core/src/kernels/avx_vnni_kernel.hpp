// AVX-VNNI kernel body: VEX vpdpbusd on ymm registers, the 8-bit dot product
// of CPUs with AVX-VNNI but without AVX-512 (Intel Alder Lake and later,
// their Gracemont E-core boxes such as the N100). 32 multiplies per
// instruction where avx2's vpmaddwd does 16, and no widening of the weights.
//
// vpdpbusd multiplies unsigned by signed bytes, so, as in avx512_vnni, the
// activations are shifted to unsigned (a + 128: the sign bit flipped) and
// 128 * column_sum is subtracted at the end; the results stay exact int32.
// Tile: 6 rows x one 16-column block, two accumulators per row (columns 0-7
// and 8-15, the two halves of a 64-byte block row). Per depth group: two
// weight loads, 6 broadcasts, 12 vpdpbusd.
//
// The body is written once for two instantiations: avx_vnni.cpp's, with the
// instruction itself, and the tests', with the same sums computed by AVX2
// instructions, because no CPU or emulator this project's CI has executes
// VEX vpdpbusd. The includer defines both forms of the instruction's
// contract, "each int32 lane of acc plus the four products of its unsigned
// bytes of x and signed bytes of w":
//   struct Dot { static __m256i dpbusd(__m256i acc, __m256i x, __m256i w); };
//   #define INDORERANK_AVX_VNNI_DOT(w, acc)  // AT&T text, see dot_tile
// Include only from files compiled with at least -mavx2.
#pragma once

#include <immintrin.h>

#include <cstring>

#include "kernels.hpp"
#include "row_tiles.hpp"
#include "ymm_out.hpp"

namespace indorerank::kernels::avx_vnni {
namespace {

constexpr int kRows = 6;  // 12 accumulators, a weight vector, a broadcast, two spare

// A row tile's activations as the unsigned 32-bit words the tile broadcasts:
// depth group kb of row r at words[kb * R + r].
template <int R>
inline void unsigned_words(int kb_count, const int8_t* a, size_t lda, uint32_t* words) {
  for (int r = 0; r < R; ++r)
    for (int kb = 0; kb < kb_count; ++kb) {
      uint32_t v;
      std::memcpy(&v, a + r * lda + kb * kKr, sizeof v);
      words[static_cast<size_t>(kb) * R + r] = v ^ 0x80808080u;
    }
}

// The products of one 16-column block of R rows over all depth groups
// (before the 128 x column-sum correction), columns 0-7 into lo and 8-15
// into hi.
template <class Dot, int R>
inline void dot_tile(int kb_count, const uint32_t* words, const int8_t* wb, __m256i (&lo)[R], __m256i (&hi)[R]) {
  if constexpr (R == kRows) {
    static_assert(kRows == 6 && kNr * kKr == 64, "the assembly is written for 6 rows and 64-byte block rows");
    // The full tile in assembly: GCC 12 compiles the loop written with
    // intrinsics with 8-16 register copies and stack stores per 12 vpdpbusd.
    // Columns 0-7 multiply a register, columns 8-15 the weights in memory,
    // leaving t0, t1 free for the stand-in's sequence (which also uses `buf`
    // and `mask`; the instruction itself ignores all four).
    __m256i w_lo, x, t0, t1;
    alignas(32) static const uint16_t mask[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                                  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    alignas(32) uint8_t buf[32];
    long n = kb_count;
// clang-format off
#define INDORERANK_AVX_VNNI_ROW(r, lo, hi)               \
  "vpbroadcastd " #r "*4(%[p]), %[x]\n\t"              \
  INDORERANK_AVX_VNNI_DOT("%[w_lo]", lo)                 \
  INDORERANK_AVX_VNNI_DOT("32(%[w])", hi)
#define INDORERANK_AVX_VNNI_ZERO(a) "vpxor %[" #a "], %[" #a "], %[" #a "]\n\t"
    asm(INDORERANK_AVX_VNNI_ZERO(l0) INDORERANK_AVX_VNNI_ZERO(l1) INDORERANK_AVX_VNNI_ZERO(l2)
        INDORERANK_AVX_VNNI_ZERO(l3) INDORERANK_AVX_VNNI_ZERO(l4) INDORERANK_AVX_VNNI_ZERO(l5)
        INDORERANK_AVX_VNNI_ZERO(h0) INDORERANK_AVX_VNNI_ZERO(h1) INDORERANK_AVX_VNNI_ZERO(h2)
        INDORERANK_AVX_VNNI_ZERO(h3) INDORERANK_AVX_VNNI_ZERO(h4) INDORERANK_AVX_VNNI_ZERO(h5)
        "test %[n], %[n]\n\t"
        "jz 2f\n\t"
        "1:\n\t"
        "vmovdqu (%[w]), %[w_lo]\n\t"
        INDORERANK_AVX_VNNI_ROW(0, l0, h0) INDORERANK_AVX_VNNI_ROW(1, l1, h1) INDORERANK_AVX_VNNI_ROW(2, l2, h2)
        INDORERANK_AVX_VNNI_ROW(3, l3, h3) INDORERANK_AVX_VNNI_ROW(4, l4, h4) INDORERANK_AVX_VNNI_ROW(5, l5, h5)
        "add $64, %[w]\n\t"
        "add $24, %[p]\n\t"
        "dec %[n]\n\t"
        "jnz 1b\n\t"
        "2:"
        : [l0] "=&x"(lo[0]), [l1] "=&x"(lo[1]), [l2] "=&x"(lo[2]), [l3] "=&x"(lo[3]), [l4] "=&x"(lo[4]),
          [l5] "=&x"(lo[5]), [h0] "=&x"(hi[0]), [h1] "=&x"(hi[1]), [h2] "=&x"(hi[2]), [h3] "=&x"(hi[3]),
          [h4] "=&x"(hi[4]), [h5] "=&x"(hi[5]), [w] "+r"(wb), [p] "+r"(words), [n] "+r"(n), [w_lo] "=&x"(w_lo),
          [x] "=&x"(x), [t0] "=&x"(t0), [t1] "=&x"(t1), [buf] "=m"(buf)
        : [mask] "m"(mask)
        : "cc", "memory");
#undef INDORERANK_AVX_VNNI_ROW
#undef INDORERANK_AVX_VNNI_ZERO
    // clang-format on
  } else {
    for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm256_setzero_si256();
    for (int kb = 0; kb < kb_count; ++kb, wb += kNr * kKr, words += R) {
      const __m256i w_lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb));
      const __m256i w_hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(wb + 32));
      for (int r = 0; r < R; ++r) {
        const __m256i x = _mm256_set1_epi32(static_cast<int>(words[r]));
        lo[r] = Dot::dpbusd(lo[r], x, w_lo);
        hi[r] = Dot::dpbusd(hi[r], x, w_hi);
      }
    }
  }
}

// One 16-column block of R rows; `out` gets the exact products, eight
// columns at a time.
template <class Dot, int R, typename Out>
inline void tile(int kb_count, const uint32_t* words, const int8_t* wb, const int32_t* col_sums, int col0,
                 const Out& out) {
  __m256i lo[R], hi[R];
  dot_tile<Dot, R>(kb_count, words, wb, lo, hi);
  const __m256i shift = _mm256_set1_epi32(128);
  const __m256i fix_lo =
      _mm256_mullo_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_sums + col0)), shift);
  const __m256i fix_hi =
      _mm256_mullo_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(col_sums + col0 + 8)), shift);
  for (int r = 0; r < R; ++r) {
    out(r, col0, _mm256_sub_epi32(lo[r], fix_lo), col_sums);
    out(r, col0 + 8, _mm256_sub_epi32(hi[r], fix_hi), col_sums);
  }
}

// Row tiles outside, blocks inside: a tile's activations are rewritten once
// (into scratch) and reused across all column blocks.
template <class Dot, typename Out>
inline void gemm(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                 int nb_begin, int nb_end, const Out& out, void* scratch) {
  const int kb_count = k_pad / kKr;
  auto* words = static_cast<uint32_t*>(scratch);
  for_each_row_tile<kRows>(m, [&](auto rows, int r) {
    constexpr int R = rows.value;
    unsigned_words<R>(kb_count, a + r * lda, lda, words);
    for (int nb = nb_begin; nb < nb_end; ++nb)
      tile<Dot, R>(kb_count, words, w_packed + static_cast<size_t>(nb) * kb_count * kNr * kKr, col_sums, nb * kNr,
                   out.at_row(r));
  });
}

size_t scratch_bytes(int /*m*/, int k_pad) {
  return static_cast<size_t>(k_pad / kKr) * kRows * sizeof(uint32_t);
}

template <class Dot>
void gemm_s32(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
              int nb_begin, int nb_end, int32_t* c, size_t ldc, void* scratch) {
  gemm<Dot>(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, ymm::Int32Out{c, ldc}, scratch);
}

template <class Dot>
void gemm_f32(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
              int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy, void* scratch) {
  gemm<Dot>(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, ymm::DequantOut{&dq, y, ldy, 0}, scratch);
}

/// The kernel table of this body with the given dot product.
template <class Dot>
KernelTable table(const char* name) {
  return {name, gemm_s32<Dot>, gemm_f32<Dot>, scratch_bytes};
}

}  // namespace
}  // namespace indorerank::kernels::avx_vnni
