// The fp32 ops against double-precision references.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "ops.hpp"

using namespace indorerank;

TEST_CASE("exp approximation is accurate and saturates cleanly", "[ops]") {
  std::vector<float> xs;
  for (float x = -100.0f; x <= 90.0f; x += 0.01337f) xs.push_back(x);
  std::vector<float> ys = xs;
  ops::exp_inplace(ys.data(), static_cast<int>(ys.size()));
  for (size_t i = 0; i < xs.size(); ++i) {
    const double ref = std::exp(static_cast<double>(xs[i] > 88.0f ? 88.0f : xs[i]));
    if (xs[i] < -87.0f) {
      REQUIRE(ys[i] == 0.0f);
    } else {
      INFO("x=" << xs[i]);
      REQUIRE(std::fabs(ys[i] - ref) <= 4e-7 * ref);
    }
  }
}

TEST_CASE("gelu matches the erf definition", "[ops]") {
  std::vector<float> xs;
  for (float x = -12.0f; x <= 12.0f; x += 0.001f) xs.push_back(x);
  std::vector<float> ys = xs;
  ops::gelu_inplace(ys.data(), ys.size());
  double worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = xs[i];
    const double ref = 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
    worst = std::max(worst, std::fabs(ys[i] - ref));
  }
  REQUIRE(worst < 1.7e-5);  // gelu_poly.hpp: 1.61e-5
}

TEST_CASE("layer norm matches a double reference, with and without residual", "[ops]") {
  std::mt19937 rng(3);
  std::normal_distribution<float> d(0.5f, 2.0f);
  for (const int h : {1, 7, 8, 68, 384}) {
    std::vector<float> x(h), r(h), g(h), b(h), out(h);
    for (int i = 0; i < h; ++i) { x[i] = d(rng); r[i] = d(rng); g[i] = d(rng); b[i] = d(rng); }
    ops::layer_norm(x.data(), r.data(), g.data(), b.data(), 1e-5f, h, out.data());
    double mean = 0, var = 0;
    for (int i = 0; i < h; ++i) mean += double(x[i]) + r[i];
    mean /= h;
    for (int i = 0; i < h; ++i) var += (double(x[i]) + r[i] - mean) * (double(x[i]) + r[i] - mean);
    var /= h;
    for (int i = 0; i < h; ++i) {
      const double ref = (double(x[i]) + r[i] - mean) / std::sqrt(var + 1e-5) * g[i] + b[i];
      REQUIRE(std::fabs(out[i] - ref) < 1e-4 * (1 + std::fabs(ref)));
    }
  }
}

TEST_CASE("per-row quantization covers the row range and zero-pads", "[ops]") {
  std::vector<float> x = {0.0f, 1.0f, -2.0f, 0.5f, 1.99f, -0.3f};
  std::vector<int8_t> q(8, 99);
  float s = 0;
  int32_t z = 0;
  ops::quantize_row(x.data(), 6, 8, q.data(), &s, &z);
  REQUIRE(s == Approx(3.99f / 255.0f));
  REQUIRE(q[2] == -128);  // the minimum maps to the lowest code
  REQUIRE(q[4] == 127);   // the maximum to the highest
  REQUIRE(q[0] == z);     // zero is exactly representable
  REQUIRE(q[6] == 0);
  REQUIRE(q[7] == 0);
  for (int i = 0; i < 6; ++i) REQUIRE(std::fabs(s * (q[i] - z) - x[i]) <= 0.5f * s * 1.0001f);
  // Skewed rows (GELU-like) keep the resolution of the full int8 range.
  std::vector<float> g = {-0.17f, 0.0f, 3.0f, 1.2f};
  ops::quantize_row(g.data(), 4, 4, q.data(), &s, &z);
  REQUIRE(s == Approx(3.17f / 255.0f));
  std::vector<float> zeros(5, 0.0f);
  ops::quantize_row(zeros.data(), 5, 8, q.data(), &s, &z);
  REQUIRE(s == 0.0f);
  REQUIRE(z == 0);
  for (const int8_t v : q) REQUIRE(v == 0);
}

TEST_CASE("dequantization removes the zero point exactly", "[ops]") {
  // c = sum (q - 0) w with zero point z: (c - z * colsum) = sum (q - z) w.
  const int32_t c[3] = {1000, -50, 7};
  const int32_t col_sum[3] = {10, -3, 0};
  const float w_scale[3] = {0.5f, 0.25f, 2.0f};
  const float bias[3] = {1.0f, 0.0f, -1.0f};
  float y[3];
  ops::dequantize_row(c, 0.01f, -4, col_sum, w_scale, bias, 3, y);
  REQUIRE(y[0] == Approx(1040 * 0.01f * 0.5f + 1.0f));
  REQUIRE(y[1] == Approx(-62 * 0.01f * 0.25f));
  REQUIRE(y[2] == Approx(7 * 0.01f * 2.0f - 1.0f));
}

// Vectorized paths (e.g. the wasm SIMD128 ones) must equal the scalar
// definition bit for bit: a call on one element always runs the scalar code.
TEST_CASE("exp and gelu: every vector path equals the scalar one bit for bit", "[ops]") {
  std::vector<float> xs = {-87.0001f, -87.0f, -86.9999f, 88.0f, 88.5f, 1e-40f, -1e-40f, 0.0f, -0.0f, 1e30f, -1e30f,
                           0.5f, -0.5f, 3.0f, -3.0f, 20.0f, -20.0f};
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-100.0f, 100.0f);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  for (int i = 0; i < 2000; ++i) xs.push_back(i % 2 ? u(rng) : nd(rng));
  for (const size_t n : {size_t(1), size_t(3), size_t(4), size_t(7), size_t(8), size_t(13), xs.size()}) {
    std::vector<float> e(xs.begin(), xs.begin() + n), g = e;
    ops::exp_inplace(e.data(), static_cast<int>(n));
    ops::gelu_inplace(g.data(), n);
    for (size_t i = 0; i < n; ++i) {
      float e1 = xs[i], g1 = xs[i];
      ops::exp_inplace(&e1, 1);
      ops::gelu_inplace(&g1, 1);
      INFO("x=" << xs[i] << " n=" << n);
      REQUIRE(std::memcmp(&e1, &e[i], 4) == 0);
      REQUIRE(std::memcmp(&g1, &g[i], 4) == 0);
    }
  }
}

TEST_CASE("quantize_row equals its scalar definition at every length", "[ops]") {
  std::mt19937 rng(6);
  std::normal_distribution<float> nd(0.3f, 2.0f);
  for (int k = 1; k <= 70; ++k) {
    std::vector<float> x(k);
    for (auto& v : x) v = nd(rng);
    const int k_pad = (k + 3) / 4 * 4;
    std::vector<int8_t> q(k_pad, 99);
    float scale = 0;
    int32_t zero = 0;
    ops::quantize_row(x.data(), k, k_pad, q.data(), &scale, &zero);
    float lo = 0, hi = 0;
    for (float v : x) { lo = std::min(lo, v); hi = std::max(hi, v); }
    const float inv = 255.0f / (hi - lo), magic = 12582912.0f;
    float z = (-128.0f - lo * inv + magic) - magic;
    z = std::min(127.0f, std::max(-128.0f, z));
    REQUIRE(zero == static_cast<int32_t>(z));
    for (int i = 0; i < k; ++i) {
      const float r = std::min(127.0f, std::max(-128.0f, ((x[i] * inv + magic) - magic) + z));
      INFO("k=" << k << " i=" << i);
      REQUIRE(q[i] == static_cast<int8_t>(r));
    }
    for (int i = k; i < k_pad; ++i) REQUIRE(q[i] == 0);
  }
}
