// The fp32 and quantization operations of the encoder, one row at a time.
//
// They use only IEEE +, -, *, / and sqrt in a fixed order (the core is built
// with -ffp-contract=off and no fast-math), so every platform and every
// vector width computes bit-identical results: exp and GELU are our own
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
/// GELU, x Phi(x) = 0.5 x (1 + erf(x / sqrt 2)), within 1.7e-5 absolute
/// (gelu_poly.hpp); NaN stays NaN.
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

/// Symmetric int8 of one row: q = round(x * 127 / max|x|), n bytes; returns
/// the scale max|x| / 127 (0, with q all 0, for a zero or non-finite row).
float quantize_row_symmetric(const float* x, int n, int8_t* q);
/// m[c] = max(m[c], |x[r][c]|) over `rows` rows of `cols` floats, ld apart.
void max_abs_columns(const float* x, size_t ld, int rows, int cols, float* m);
/// q[c] = round(x[c] * inv[c]), clamped to [-127, 127] (the columns' own
/// symmetric scales, from max_abs_columns).
void quantize_row_scaled(const float* x, const float* inv, int n, int8_t* q);
/// Softmax of one row of scores as 8-bit weights: u[j] = round(255 *
/// exp(s[j] - max s)) in [0, 255] (exp by a polynomial of relative error
/// < 3e-6), written as u - 128 (quantize_row's form with zero -128) into p;
/// returns sum u (the weights are u / sum u). The row is worked on in whole
/// 16s or 4s: s and p must have room for len rounded up to 16; scores past len
/// may be overwritten, and p receives u = 0 (-128) past len up to len rounded
/// up to 4 at least (what lies beyond is unspecified).
int32_t softmax_row_u8(float* s, int len, int8_t* p);

/// sum a[i] * b[i] in a fixed order (8 partial sums).
float dot(const float* a, const float* b, int n);

}  // namespace indorerank::ops
