// ARM64 kernel with the dot product extension (sdot: ARMv8.2-A+dotprod, e.g.
// the Raspberry Pi 5's Cortex-A76). Compiled with +dotprod, and only chosen
// when the CPU reports it (HWCAP_ASIMDDP): on a core without it sdot traps.
//
// A 16-byte block row of W holds 4 columns x 4 depth, exactly the operand
// layout of sdot: against the row's 4 activations repeated four times, one
// sdot adds each column's 4-deep dot product to its own int32 lane.
// Tile: up to 4 rows x 16 columns (16 accumulators of the 32 registers).
#include <cstring>

#include "neon_common.hpp"

namespace indorerank::kernels {
namespace {

template <int R>
struct TileDotprod {
  template <typename Out>
  static void run(int kb_count, const int8_t* a, size_t lda, const int8_t* wb, const int32_t* col_sums, int col0,
                  const Out& out) {
    int32x4_t acc[R][4];
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < 4; ++q) acc[r][q] = vdupq_n_s32(0);
    const int8_t* blk = wb;
    for (int kb = 0; kb < kb_count; ++kb, blk += kNr * kKr) {
      int8x16_t w[4];
      for (int q = 0; q < 4; ++q) w[q] = vld1q_s8(blk + 16 * q);
      for (int r = 0; r < R; ++r) {
        int32_t four;
        std::memcpy(&four, a + r * lda + kb * kKr, 4);
        const int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(four));
        for (int q = 0; q < 4; ++q) acc[r][q] = vdotq_s32(acc[r][q], w[q], av);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int q = 0; q < 4; ++q) out(r, col0 + 4 * q, acc[r][q], col_sums);
  }
};

void gemm_s8s8_s32__neon_dotprod(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                                 const int32_t* col_sums, int nb_begin, int nb_end, int32_t* c, size_t ldc,
                                 void* /*scratch*/) {
  neon::gemm<TileDotprod>(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, neon::Int32Out{c, ldc});
}

void gemm_s8s8_f32__neon_dotprod(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                                 const int32_t* col_sums, int nb_begin, int nb_end, const Dequant& dq, float* y,
                                 size_t ldy, void* /*scratch*/) {
  neon::gemm<TileDotprod>(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, neon::DequantOut{&dq, y, ldy, 0});
}

}  // namespace

const KernelTable kNeonDotprodKernel = {"neon_dotprod", gemm_s8s8_s32__neon_dotprod, gemm_s8s8_f32__neon_dotprod,
                                        no_scratch};

}  // namespace indorerank::kernels
