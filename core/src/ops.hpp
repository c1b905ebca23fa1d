// The fp32 and quantization operations of the encoder, one row at a time.
//
// They use only IEEE +, -, *, / and sqrt in a fixed order (the core is built
// with -ffp-contract=off and no fast-math), so every platform and every
// vector width computes bit-identical results: exp and erf are our own
// polynomial approximations for that reason.
#pragma once

#include <cstddef>
#include <cstdint>

namespace indorerank::ops {

/// exp(x), relative error < 2e-7 over [-87, 88]; 0 below, clamped above.
void exp_inplace(float* x, int n);
/// tanh(x) through exp_inplace, so it too is identical on every platform
/// (libm's tanhf differs between glibc and the wasm libc in the last bit).
float tanh(float x);
/// 1 / (1 + exp(-x)), the same way.
float sigmoid(float x);
/// 0.5 x (1 + erf(x / sqrt 2)), erf with absolute error < 2e-7.
void gelu_inplace(float* x, size_t n);
/// out = LayerNorm(x + residual) (residual may be null); may alias x.
void layer_norm(const float* x, const float* residual, const float* gamma, const float* beta, float eps, int h,
                float* out);
/// Asymmetric per-row int8 over the row's range [min(x, 0), max(x, 0)]:
/// x ~= scale * (q - zero), q in [-128, 127]. Skewed rows (GELU outputs)
/// keep twice the resolution a symmetric scale would give them.
/// Writes k_pad bytes (zeros past k, which meet zero weights).
void quantize_row(const float* x, int k, int k_pad, int8_t* q, float* scale, int32_t* zero);
/// y[n] = (c[n] - zero * w_col_sum[n]) * a_scale * w_scale[n] + bias[n].
void dequantize_row(const int32_t* c, float a_scale, int32_t zero, const int32_t* w_col_sum, const float* w_scale,
                    const float* bias, int n, float* y);

/// sum a[i] * b[i] in a fixed order (8 partial sums).
float dot(const float* a, const float* b, int n);

/// Softmax attention of one head of one sequence.
/// q, k, v: rows of that sequence with `ld` floats between rows; head_dim
/// columns each. Computes the context for query rows [0, q_rows) into
/// ctx (ld_ctx apart). `scratch` holds attention_scratch_floats(len, head_dim).
/// head_dim <= 256.
int attention_scratch_floats(int len, int head_dim);
void attention_head(const float* q, const float* k, const float* v, size_t ld, int len, int q_rows, int head_dim,
                    float* ctx, size_t ld_ctx, float* scratch);

}  // namespace indorerank::ops
