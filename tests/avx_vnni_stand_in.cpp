// The AVX-VNNI kernel body with an AVX2 stand-in for vpdpbusd, so that its
// tiles, tails, unsigned shift and correction are tested on any AVX2 CPU
// (the instruction itself runs only where the CPU has it; see avx_vnni.cpp).
#include <immintrin.h>

// The assembly loop's form of Avx2Dot below, with the same registers as the
// instruction plus two temporaries (t0, t1) and 32 bytes of memory (buf):
// acc += madd(x & 0x00ff, w << 8 >> 8) + madd(x >> 8, w >> 8), in int16 lanes.
// clang-format off
#define INDORERANK_AVX_VNNI_DOT(w, acc)        \
  "vmovdqu " w ", %[t0]\n\t"                  \
  "vpsllw $8, %[t0], %[t1]\n\t"               \
  "vpsraw $8, %[t1], %[t1]\n\t"               \
  "vpsraw $8, %[t0], %[t0]\n\t"               \
  "vmovdqu %[t0], %[buf]\n\t"                 \
  "vpand %[mask], %[x], %[t0]\n\t"            \
  "vpmaddwd %[t0], %[t1], %[t1]\n\t"          \
  "vpaddd %[t1], %[" #acc "], %[" #acc "]\n\t" \
  "vpsrlw $8, %[x], %[t1]\n\t"                \
  "vpmaddwd %[buf], %[t1], %[t1]\n\t"         \
  "vpaddd %[t1], %[" #acc "], %[" #acc "]\n\t"
// clang-format on
#include "kernels/avx_vnni_kernel.hpp"

namespace indorerank::kernels {
namespace {

// vpdpbusd's contract: each int32 lane plus the products of its four unsigned
// bytes of `u8` and four signed bytes of `s8`. Even and odd bytes widened to
// int16 (zero- and sign-extended), two vpmaddwd; exact, since every sum of two
// products fits in int32.
struct Avx2Dot {
  static __m256i dpbusd(__m256i acc, __m256i u8, __m256i s8) {
    const __m256i u_even = _mm256_and_si256(u8, _mm256_set1_epi16(0x00ff));
    const __m256i u_odd = _mm256_srli_epi16(u8, 8);
    const __m256i s_even = _mm256_srai_epi16(_mm256_slli_epi16(s8, 8), 8);
    const __m256i s_odd = _mm256_srai_epi16(s8, 8);
    return _mm256_add_epi32(acc, _mm256_add_epi32(_mm256_madd_epi16(u_even, s_even), _mm256_madd_epi16(u_odd, s_odd)));
  }
};

}  // namespace

extern const KernelTable kAvxVnniStandIn;
const KernelTable kAvxVnniStandIn = avx_vnni::table<Avx2Dot>("avx_vnni (AVX2 stand-in)");

}  // namespace indorerank::kernels
