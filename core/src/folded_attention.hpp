// The last layer's attention for one token, with the key and value
// projections folded into it.
//
// In the last layer only each sequence's first token goes on, so of all the
// keys and values only their products with that token's query and softmax
// weights matter. With k_j = Wk x_j + bk and v_j = Wv x_j + bv (one head's
// rows of the layer's projection, Wk and Wv as int8 rows times their scales):
//   q . k_j = (Wk^T q) . x_j + q . bk     (q . bk: the same for every key)
//   sum_j p_j v_j = Wv (sum_j p_j x_j) + bv            (sum_j p_j = 1)
// so one head costs two hidden x head_dim products and two passes over the
// sequence's hidden states, where computing the keys and values costs
// 2 x len x hidden x head_dim multiply-adds. Every step is fp32 in a fixed
// order (no kernel involved), so every ISA and platform gives the same bits.
#pragma once

#include <cstddef>

#include "kernels/kernels.hpp"

namespace indorerank::attention {

/// Bytes of scratch (64-byte aligned) for one head's unpacked rows and the
/// folded_head() calls that use them, for sequences of up to `max_len` tokens.
size_t folded_scratch_bytes(int max_len, int head_dim, int k_pad);

/// Rows [key_row, key_row + head_dim) and [value_row, value_row + head_dim)
/// of the packed projection w, as floats at the start of `scratch`, for
/// folded_head(). One unpacking serves every sequence's call for the head.
void unpack_head_rows(const kernels::PackedWeights& w, int key_row, int value_row, int head_dim, void* scratch);

/// The context of one head for one query row q (head_dim floats), over the
/// sequence's `len` hidden states x (`hidden` floats each, ldx apart), from
/// the head's rows that unpack_head_rows() left in `scratch` (a projection of
/// depth k_pad); `scale` and `bias` are that projection's per-row ones (the
/// keys' biases shift every score alike, so softmax leaves them out). Writes
/// ctx[0, head_dim).
void folded_head(const float* x, size_t ldx, int len, int hidden, const float* q, int head_dim, int k_pad,
                 int key_row, int value_row, const float* scale, const float* bias, float* ctx, void* scratch);

}  // namespace indorerank::attention
