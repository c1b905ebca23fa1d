// The constants of ops::gelu_inplace, shared by its scalar and SIMD128 code.
//
// GELU(x) = x Phi(x) = max(x, 0) + g(|x|), with g(a) = -a Phi(-a). g is smooth
// on [0, 4.5] and below 1.6e-5 in size past it (held at g(4.5) there), so one
// polynomial in u = a * 2/4.5 - 1, on [-1, 1], gives GELU within 1.7e-5 of the
// erf definition: no division, no exp. That is below 1% of one step of the
// int8 quantization that follows GELU in the encoder (a row's range / 255).
// Everywhere it is evaluated as E(u^2) + u O(u^2), its even and odd powers by
// Horner's rule in w = u^2: two independent chains of 5 and 4 multiply-adds
// (one multiply more than Horner in u), so a vector of it waits half as long.
// The coefficients are the Chebyshev interpolant of degree 10, in powers of u,
// rounded to float; tools/gelu_fit.py recomputes them and the error.
#pragma once

namespace indorerank::ops::gelu_poly {

constexpr float kClamp = 4.5f;
constexpr float kScale = 2.0f / 4.5f;
constexpr int kTerms = 11;
static_assert(kTerms % 2 == 1, "E(u^2) + u O(u^2) takes an even degree");
// clang-format off
constexpr float kCoef[kTerms] = {  // highest degree first
     4.423601553e-02f, -2.258405089e-02f, -1.802777648e-01f,  1.780532300e-01f,
     2.080824375e-01f, -4.360252321e-01f,  2.019351274e-01f,  1.475407928e-01f,
    -2.464785576e-01f,  1.330170631e-01f, -2.749903500e-02f,
};
// clang-format on

}  // namespace indorerank::ops::gelu_poly
