// Scalar reference kernel: the oracle every other kernel is tested against.
#include "kernels.hpp"

namespace indorerank::kernels {
namespace {

// acc[col] = sum_k a[k] * W[nb * 16 + col][k] for one row of A and one block.
void dot_block(int kb_count, const int8_t* a_row, const int8_t* w_block, int32_t acc[kNr]) {
  for (int col = 0; col < kNr; ++col) acc[col] = 0;
  for (int kb = 0; kb < kb_count; ++kb) {
    const int8_t* blk = w_block + static_cast<size_t>(kb) * kNr * kKr;
    for (int col = 0; col < kNr; ++col)
      for (int j = 0; j < kKr; ++j) acc[col] += int32_t(a_row[kb * kKr + j]) * int32_t(blk[col * kKr + j]);
  }
}

void gemm_s8s8_s32__ref(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed,
                        const int32_t* /*col_sums*/, int nb_begin, int nb_end, int32_t* c, size_t ldc,
                        void* /*scratch*/) {
  const int kb_count = k_pad / kKr;
  for (int nb = nb_begin; nb < nb_end; ++nb)
    for (int r = 0; r < m; ++r)
      dot_block(kb_count, a + static_cast<size_t>(r) * lda, w_packed + static_cast<size_t>(nb) * kb_count * kNr * kKr,
                c + static_cast<size_t>(r) * ldc + static_cast<size_t>(nb) * kNr);
}

void gemm_s8s8_f32__ref(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w_packed, const int32_t* col_sums,
                        int nb_begin, int nb_end, const Dequant& dq, float* y, size_t ldy, void* /*scratch*/) {
  const int kb_count = k_pad / kKr;
  int32_t acc[kNr];
  for (int nb = nb_begin; nb < nb_end; ++nb)
    for (int r = 0; r < m; ++r) {
      dot_block(kb_count, a + static_cast<size_t>(r) * lda, w_packed + static_cast<size_t>(nb) * kb_count * kNr * kKr, acc);
      for (int col = 0; col < kNr && nb * kNr + col < dq.n; ++col) {
        const int j = nb * kNr + col;
        y[static_cast<size_t>(r) * ldy + j] =
            static_cast<float>(acc[col] - dq.a_zero[r] * col_sums[j]) * dq.a_scale[r] * dq.w_scale[j] + dq.bias[j];
      }
    }
}

}  // namespace

const KernelTable kRefKernel = {"ref", gemm_s8s8_s32__ref, gemm_s8s8_f32__ref, no_scratch};

PackedWeights pack_weights(const int8_t* w, int n, int k) {
  PackedWeights p;
  p.n = n;
  p.k = k;
  p.n_pad = round_up(n, kNr);
  p.k_pad = round_up(k, kKr);
  p.data.assign(static_cast<size_t>(p.n_pad) * p.k_pad, 0);
  p.col_sums.assign(p.n_pad, 0);
  const int kb_count = p.k_pad / kKr;
  for (int col = 0; col < n; ++col) {
    const int nb = col / kNr, c = col % kNr;
    for (int kk = 0; kk < k; ++kk) {
      const int8_t v = w[static_cast<size_t>(col) * k + kk];
      p.data[(static_cast<size_t>(nb) * kb_count + kk / kKr) * kNr * kKr + c * kKr + kk % kKr] = v;
      p.col_sums[col] += v;
    }
  }
  return p;
}

}  // namespace indorerank::kernels
