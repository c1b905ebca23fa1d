// Int8 attention (attention.hpp), the last layer's folded attention
// (folded_attention.hpp) and the ops they are built from: close to a
// double-precision reference, identical bits from every kernel, and the same
// bits on every platform (checksums of fixed inputs, shared by the native,
// wasm and arm64 runs of this suite).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "attention.hpp"
#include "folded_attention.hpp"
#include "kernels/kernels.hpp"
#include "ops.hpp"

using namespace indorerank;

namespace {

// Inputs from integer arithmetic and one IEEE division: the same floats on
// every platform (the standard distributions differ between C++ libraries).
struct Lcg {
  uint32_t s;
  float next(float scale) {
    s = s * 1664525u + 1013904223u;
    return static_cast<float>(static_cast<int>((s >> 8) % 20001) - 10000) / 10000.0f * scale;
  }
};

struct Fnv {
  uint64_t h = 1469598103934665603ull;
  void add(const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 1099511628211ull;
  }
};

// Scratch from attention::scratch_bytes, 64-byte aligned.
struct Scratch {
  std::vector<uint8_t> buf;
  void* p;
  Scratch(const kernels::KernelTable& k, int len, int hd) : buf(attention::scratch_bytes(k, len, hd) + 64) {
    const auto base = reinterpret_cast<uintptr_t>(buf.data());
    p = buf.data() + ((base + 63) / 64 * 64 - base);
  }
};

// q, k and v of one head as attention reads them: rows ld floats apart.
struct Head {
  int len, hd;
  size_t ld;
  std::vector<float> base;
  Head(int len_, int hd_, uint32_t seed, float scale) : len(len_), hd(hd_), ld(3 * hd_ + 5), base(len_ * ld) {
    Lcg g{seed};
    for (auto& v : base) v = g.next(scale);
  }
  const float* q() const { return base.data(); }
  const float* k() const { return base.data() + hd; }
  const float* v() const { return base.data() + 2 * hd; }
  std::vector<float> run(const kernels::KernelTable& kern, int q_rows) const {
    Scratch s(kern, len, hd);
    // ctx rows hd + 3 apart: columns past head_dim must stay untouched.
    std::vector<float> ctx(static_cast<size_t>(q_rows) * (hd + 3), -7.0f);
    attention::head(kern, q(), k(), v(), ld, len, q_rows, hd, ctx.data(), hd + 3, s.p);
    return ctx;
  }
};

}  // namespace

TEST_CASE("softmax_row_u8 rounds 255 exp(s - max) and sums the weights", "[attention]") {
  Lcg g{3};
  for (int len = 1; len <= 300; len += (len < 40 ? 1 : 37)) {
    const int len16 = (len + 15) / 16 * 16;
    std::vector<float> s(len16, 1e9f);  // past len: what the function must not read as scores
    for (int j = 0; j < len; ++j) s[j] = g.next(8.0f);
    std::vector<int8_t> p(len16 + 8, 99);
    const int32_t sum = ops::softmax_row_u8(s.data(), len, p.data());
    const double mx = *std::max_element(s.begin(), s.begin() + len);
    int32_t want_sum = 0;
    for (int j = 0; j < len; ++j) {
      const int u = p[j] + 128;
      const double exact = 255.0 * std::exp(static_cast<double>(s[j]) - mx);
      INFO("len=" << len << " j=" << j << " exact=" << exact);
      REQUIRE(std::fabs(u - exact) <= 0.51);
      if (s[j] == mx) REQUIRE(u == 255);
      want_sum += u;
    }
    REQUIRE(sum == want_sum);
    for (int j = len; j < (len + 3) / 4 * 4; ++j) REQUIRE(p[j] == -128);
    for (int j = len16; j < len16 + 8; ++j) REQUIRE(p[j] == 99);
  }
}

TEST_CASE("symmetric quantization: per row and per column scales", "[attention]") {
  Lcg g{4};
  for (int n = 1; n <= 70; ++n) {
    std::vector<float> x(n);
    for (auto& v : x) v = g.next(3.0f);
    std::vector<int8_t> q(n + 4, 99);
    const float scale = ops::quantize_row_symmetric(x.data(), n, q.data());
    float m = 0;
    for (float v : x) m = std::max(m, std::fabs(v));
    REQUIRE(scale == m / 127.0f);
    const float inv = 127.0f / m;
    std::vector<float> invs(n, inv);
    std::vector<int8_t> q2(n + 4, 99);
    ops::quantize_row_scaled(x.data(), invs.data(), n, q2.data());
    for (int i = 0; i < n; ++i) {
      const float r = std::nearbyint(x[i] * inv);
      INFO("n=" << n << " i=" << i);
      REQUIRE(q[i] == static_cast<int8_t>(std::max(-127.0f, std::min(127.0f, r))));
      REQUIRE(q2[i] == q[i]);
    }
    for (int i = n; i < n + 4; ++i) REQUIRE((q[i] == 99 && q2[i] == 99));
  }
  std::vector<float> zeros(20, 0.0f), cols(20, 0.0f);
  std::vector<int8_t> q(20, 5);
  REQUIRE(ops::quantize_row_symmetric(zeros.data(), 20, q.data()) == 0.0f);
  REQUIRE(std::all_of(q.begin(), q.end(), [](int8_t v) { return v == 0; }));
  const float rows[2][3] = {{1.0f, -4.0f, 0.0f}, {-2.5f, 3.0f, -0.0f}};
  ops::max_abs_columns(&rows[0][0], 3, 2, 3, cols.data());
  REQUIRE((cols[0] == 2.5f && cols[1] == 4.0f && cols[2] == 0.0f));
}

TEST_CASE("int8 attention is close to a double reference", "[attention]") {
  double worst = 0;
  for (const int len : {1, 2, 5, 16, 17, 43, 64, 65, 130, 256})
    for (const int hd : {17, 32, 64}) {
      const Head h(len, hd, 100u + len * 7u + hd, 2.5f);
      const std::vector<float> ctx = h.run(kernels::kRefKernel, len);
      double vmax = 0;
      for (int j = 0; j < len; ++j)
        for (int e = 0; e < hd; ++e) vmax = std::max(vmax, std::fabs(double(h.v()[j * h.ld + e])));
      double sum_err = 0;
      for (int i = 0; i < len; ++i) {
        std::vector<double> s(len);
        double mx = -1e300, sum = 0;
        for (int j = 0; j < len; ++j) {
          double dot = 0;
          for (int e = 0; e < hd; ++e) dot += double(h.q()[i * h.ld + e]) * h.k()[j * h.ld + e];
          s[j] = dot / std::sqrt(double(hd));
          mx = std::max(mx, s[j]);
        }
        for (int j = 0; j < len; ++j) {
          s[j] = std::exp(s[j] - mx);
          sum += s[j];
        }
        for (int e = 0; e < hd; ++e) {
          double ref = 0;
          for (int j = 0; j < len; ++j) ref += s[j] / sum * h.v()[j * h.ld + e];
          const double err = std::fabs(ctx[static_cast<size_t>(i) * (hd + 3) + e] - ref) / vmax;
          worst = std::max(worst, err);
          sum_err += err;
        }
        for (int e = hd; e < hd + 3; ++e) REQUIRE(ctx[static_cast<size_t>(i) * (hd + 3) + e] == -7.0f);
      }
      INFO("len=" << len << " hd=" << hd);
      REQUIRE(sum_err / (len * hd) < 0.01);
    }
  WARN("worst error / max|v|: " << worst);
  REQUIRE(worst < 0.08);
}

TEST_CASE("int8 attention: every kernel and platform gives the same bits", "[attention]") {
  Fnv all;
  for (const int len : {1, 3, 16, 33, 77, 200})
    for (const int hd : {17, 32}) {
      const Head h(len, hd, 9u + len + hd, 3.0f);
      for (const int q_rows : {1, len}) {
        const std::vector<float> want = h.run(kernels::kRefKernel, q_rows);
        for (const kernels::KernelTable* k : kernels::available()) {
          INFO(k->name << " len=" << len << " hd=" << hd << " q_rows=" << q_rows);
          REQUIRE(std::memcmp(h.run(*k, q_rows).data(), want.data(), want.size() * sizeof(float)) == 0);
        }
        all.add(want.data(), want.size() * sizeof(float));
      }
    }
  Lcg g{11};
  for (int len = 1; len <= 260; len += 13) {
    std::vector<float> s((len + 15) / 16 * 16);
    for (int j = 0; j < len; ++j) s[j] = g.next(10.0f);
    std::vector<int8_t> p(s.size());
    const int32_t sum = ops::softmax_row_u8(s.data(), len, p.data());
    all.add(p.data(), static_cast<size_t>(len));
    all.add(&sum, sizeof sum);
  }
  // Computed natively (x86-64); the wasm and arm64 runs must agree.
  CHECK(all.h == 0x8f0639891dfb0d14ull);
}

namespace {

// One head of the last layer both ways: folded (folded_attention.hpp) and in
// doubles from the keys and values themselves.
struct FoldedCase {
  int hidden, head_dim, len;
  std::vector<int8_t> w;  // [3 hidden][hidden]: query, key, value rows
  std::vector<float> scale, bias, x, q;
  kernels::PackedWeights packed;
  FoldedCase(int hidden_, int hd, int len_, uint32_t seed)
      : hidden(hidden_), head_dim(hd), len(len_), w(static_cast<size_t>(3 * hidden_) * hidden_),
        scale(3 * hidden_), bias(3 * hidden_), x(static_cast<size_t>(len_) * hidden_), q(hd) {
    Lcg g{seed};
    for (auto& v : w) v = static_cast<int8_t>(g.next(127.0f));
    for (auto& v : scale) v = 0.002f + std::fabs(g.next(0.01f));
    for (auto& v : bias) v = g.next(0.5f);
    for (auto& v : x) v = g.next(2.0f);
    for (auto& v : q) v = g.next(3.0f);
    packed = kernels::pack_weights(w.data(), 3 * hidden, hidden);
  }
  std::vector<float> folded(int head) const {
    std::vector<float> scratch(attention::folded_scratch_bytes(len, head_dim, packed.k_pad) / sizeof(float), -9.0f);
    std::vector<float> ctx(head_dim + 2, -7.0f);
    const int key_row = hidden + head * head_dim, value_row = 2 * hidden + head * head_dim;
    attention::unpack_head_rows(packed, key_row, value_row, head_dim, scratch.data());
    attention::folded_head(x.data(), hidden, len, hidden, q.data(), head_dim, packed.k_pad, key_row, value_row,
                           scale.data(), bias.data(), ctx.data(), scratch.data());
    return ctx;
  }
  std::vector<double> reference(int head) const {
    const auto proj = [&](int row, int j) {
      double s = 0;
      for (int i = 0; i < hidden; ++i) s += double(w[static_cast<size_t>(row) * hidden + i]) * x[j * hidden + i];
      return s * scale[row] + bias[row];
    };
    const int key_row = hidden + head * head_dim, value_row = 2 * hidden + head * head_dim;
    std::vector<double> s(len);
    double mx = -1e300, sum = 0;
    for (int j = 0; j < len; ++j) {
      for (int o = 0; o < head_dim; ++o) s[j] += q[o] * proj(key_row + o, j);
      s[j] /= std::sqrt(double(head_dim));
      mx = std::max(mx, s[j]);
    }
    for (auto& v : s) sum += (v = std::exp(v - mx));
    std::vector<double> ctx(head_dim);
    for (int o = 0; o < head_dim; ++o)
      for (int j = 0; j < len; ++j) ctx[o] += s[j] / sum * proj(value_row + o, j);
    return ctx;
  }
};

}  // namespace

TEST_CASE("folded last-layer attention equals attention over the computed keys and values", "[attention]") {
  Fnv all;
  // Heads whose rows start inside a 16-row block, straddle two, or fill them.
  for (const auto& [hidden, hd] : {std::pair{40, 8}, std::pair{64, 16}, std::pair{36, 12}, std::pair{384, 32}})
    for (const int len : {1, 2, 7, 33, 130}) {
      const FoldedCase t(hidden, hd, len, 1000u + hidden + 7u * len);
      for (int head = 0; head < hidden / hd; head += std::max(1, hidden / hd - 1)) {
        const std::vector<float> got = t.folded(head);
        const std::vector<double> want = t.reference(head);
        double worst = 0, size = 0;
        for (int o = 0; o < hd; ++o) {
          worst = std::max(worst, std::fabs(got[o] - want[o]));
          size = std::max(size, std::fabs(want[o]));
        }
        INFO("hidden=" << hidden << " hd=" << hd << " len=" << len << " head=" << head << " worst=" << worst);
        REQUIRE(worst <= 1e-5 * (1.0 + size));
        REQUIRE((got[hd] == -7.0f && got[hd + 1] == -7.0f));
        all.add(got.data(), hd * sizeof(float));
      }
    }
  // Computed natively (x86-64); the wasm and arm64 runs must agree.
  CHECK(all.h == 0x6fa4778af7d86198ull);
}
