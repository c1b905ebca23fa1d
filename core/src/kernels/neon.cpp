// Baseline ARM64 NEON kernel (every ARMv8-A core, e.g. the Raspberry Pi 4's
// Cortex-A72, which has no dot product instructions).
//
// A 16-byte block row of W holds 4 columns x 4 depth. Against the row's 4
// activations repeated four times, smull / smull2 give the 16 products as
// int16 (|a * w| <= 128 * 127 fits), and sadalp adds neighbouring pairs into
// int32 lanes: depths {0, 1} and {2, 3} of each column. One pairwise add per
// tile at the end leaves each column's sum in its own lane.
// Tile: up to 4 rows x 8 columns (16 accumulators of the 32 registers).
#include <cstring>

#include "neon_common.hpp"

namespace indorerank::kernels {
namespace {

template <int R>
struct TileNeon {
  template <typename Out>
  static void run(int kb_count, const int8_t* a, size_t lda, const int8_t* wb, const int32_t* col_sums, int col0,
                  const Out& out) {
    for (int half = 0; half < 2; ++half) {
      int32x4_t acc[R][4];
      for (int r = 0; r < R; ++r)
        for (int q = 0; q < 4; ++q) acc[r][q] = vdupq_n_s32(0);
      const int8_t* blk = wb + 32 * half;
      for (int kb = 0; kb < kb_count; ++kb, blk += kNr * kKr) {
        const int8x16_t w0 = vld1q_s8(blk), w1 = vld1q_s8(blk + 16);
        for (int r = 0; r < R; ++r) {
          int32_t four;
          std::memcpy(&four, a + r * lda + kb * kKr, 4);
          const int8x16_t av = vreinterpretq_s8_s32(vdupq_n_s32(four));
          acc[r][0] = vpadalq_s16(acc[r][0], vmull_s8(vget_low_s8(w0), vget_low_s8(av)));
          acc[r][1] = vpadalq_s16(acc[r][1], vmull_high_s8(w0, av));
          acc[r][2] = vpadalq_s16(acc[r][2], vmull_s8(vget_low_s8(w1), vget_low_s8(av)));
          acc[r][3] = vpadalq_s16(acc[r][3], vmull_high_s8(w1, av));
        }
      }
      for (int r = 0; r < R; ++r) {
        out(r, col0 + 8 * half, vpaddq_s32(acc[r][0], acc[r][1]), col_sums);
        out(r, col0 + 8 * half + 4, vpaddq_s32(acc[r][2], acc[r][3]), col_sums);
      }
    }
  }
};

void gemm_s8s8_s32__neon(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, int32_t* c, size_t ldc, void* /*scratch*/) {
  neon::gemm<TileNeon>(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, neon::Int32Out{c, ldc});
}

void gemm_s8s8_f32__neon(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                         int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy, void* /*scratch*/) {
  neon::gemm<TileNeon>(m, k_pad, a, lda, w_packed, col_sums, nb_begin, nb_end, neon::DequantOut{&dq, y, ldy, 0});
}

}  // namespace

const KernelTable kNeonKernel = {"neon", gemm_s8s8_s32__neon, gemm_s8s8_f32__neon, no_scratch};

}  // namespace indorerank::kernels
