// Softmax attention of one head of one sequence in int8, on the GEMM kernels.
//
// Scores are Q K^T with Q quantized per row (quantize_row) and K per key
// (symmetric), dequantized by the kernel with 1/sqrt(head_dim) folded into
// the keys' scales. Each row's softmax becomes 8-bit weights u = round(255
// exp(s - max)) (softmax_row_u8), and the context is sum u V / sum u with V
// quantized per column (symmetric over the sequence). Every step is integer
// or a fixed sequence of IEEE operations, so all kernels, ISAs and thread
// counts give the same bits.
#pragma once

#include <cstddef>

#include "kernels/kernels.hpp"

namespace indorerank::attention {

/// Bytes of scratch (64-byte aligned) one head() call needs for sequences of
/// up to `max_len` tokens.
size_t scratch_bytes(const kernels::KernelTable& kernel, int max_len, int head_dim);

/// q, k, v: the sequence's rows, `ld` floats apart, head_dim columns each.
/// Writes the context of query rows [0, q_rows) into ctx (ld_ctx apart),
/// columns [0, head_dim) only. head_dim <= 256 (the model loader checks it).
void head(const kernels::KernelTable& kernel, const float* q, const float* k, const float* v, size_t ld, int len,
          int q_rows, int head_dim, float* ctx, size_t ld_ctx, void* scratch);

}  // namespace indorerank::attention
