// The constants of ops::gelu_inplace, shared by its scalar and SIMD128 code.
//
// GELU(x) = x Phi(x) = max(x, 0) + g(|x|), with g(a) = -a Phi(-a). g is smooth
// on [0, 5.5] and below 1.1e-7 in size past it (held at g(5.5) there), so one
// polynomial in u = a * 2/5.5 - 1, on [-1, 1] where Horner's rule does not
// cancel, gives GELU within 6.7e-7 of the erf definition for |x| <= 6 (1e-6
// past it, float resolution there): no division, no exp.
// The coefficients are the Chebyshev interpolant of degree 14, in powers of u,
// rounded to float; tools/gelu_fit.py recomputes them.
#pragma once

namespace indorerank::ops::gelu_poly {

constexpr float kClamp = 5.5f;
constexpr float kScale = 2.0f / 5.5f;
constexpr int kTerms = 15;
// clang-format off
constexpr float kCoef[kTerms] = {  // highest degree first
    -3.613668680e-02f, 3.941808641e-02f,  1.548762321e-01f, -2.353385985e-01f, -1.858794689e-01f,
     5.475195646e-01f, -1.918524951e-01f, -4.606150091e-01f, 6.386240125e-01f, -2.602255642e-01f,
    -1.802352220e-01f, 3.086630404e-01f, -1.912020594e-01f,  6.057845801e-02f, -8.194848895e-03f,
};
// clang-format on

}  // namespace indorerank::ops::gelu_poly
