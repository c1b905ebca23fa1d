// check_against_ref: a kernel's products against the scalar reference, on
// the spot. The engine runs it before listing a kernel whose exactness
// depends on the runtime (wasm_relaxed); tests run the thorough form where
// the Catch2 suites cannot go (a browser).
#include <cstring>
#include <string>
#include <vector>

#include "kernels.hpp"

namespace indorerank::kernels {
namespace {

// A small deterministic generator (the same data on every platform).
struct Lcg {
  uint32_t s;
  uint32_t next() { return (s = s * 1664525u + 1013904223u) >> 8; }
  // int8 with the extremes -128 and 127 one time in four.
  int8_t int8() {
    const uint32_t v = next();
    if ((v & 3) == 0) return (v & 4) ? 127 : -128;
    return static_cast<int8_t>(static_cast<int>(v >> 3) % 256 - 128);
  }
  float unit() { return static_cast<float>(next() % 2001) / 1000.0f - 1.0f; }
};

// Scratch of the asked size plus guard bytes the kernel must not touch.
constexpr size_t kGuard = 64;
constexpr uint8_t kGuardByte = 0xa5;

std::string describe(const KernelTable& k, const char* what, int m, int n, int kk) {
  return std::string(k.name) + " differs from ref (" + what + ") at m=" + std::to_string(m) +
         " n=" + std::to_string(n) + " k=" + std::to_string(kk);
}

std::string check_one(const KernelTable& k, int m, int n, int kk, Lcg& rng) {
  std::vector<int8_t> w(static_cast<size_t>(n) * kk);
  for (auto& v : w) v = rng.int8();
  const PackedWeights pw = pack_weights(w.data(), n, kk);
  const size_t lda = static_cast<size_t>(pw.k_pad) + 4;  // rows not packed tight
  std::vector<int8_t> a(static_cast<size_t>(m) * lda, 0);
  for (int r = 0; r < m; ++r)
    for (int c = 0; c < kk; ++c) a[r * lda + c] = rng.int8();
  const size_t ldc = static_cast<size_t>(pw.n_pad) + 8;

  std::vector<uint8_t> scratch_buf(k.scratch_bytes(m, pw.k_pad) + 64 + kGuard, kGuardByte);
  const auto base = reinterpret_cast<uintptr_t>(scratch_buf.data());
  uint8_t* scratch = scratch_buf.data() + ((base + 63) / 64 * 64 - base);
  const size_t scratch_bytes = k.scratch_bytes(m, pw.k_pad);
  const auto guard_intact = [&] {
    for (size_t i = 0; i < kGuard; ++i)
      if (scratch[scratch_bytes + i] != kGuardByte) return false;
    return true;
  };

  std::vector<int32_t> want(static_cast<size_t>(m) * ldc, 7), got(want);
  kRefKernel.gemm_s8s8_s32(m, pw.k_pad, a.data(), lda, pw.data.data(), pw.col_sums.data(), 0, pw.n_blocks(),
                           want.data(), ldc, nullptr);
  k.gemm_s8s8_s32(m, pw.k_pad, a.data(), lda, pw.data.data(), pw.col_sums.data(), 0, pw.n_blocks(), got.data(), ldc,
                  scratch);
  if (want != got) return describe(k, "int32", m, n, kk);
  if (!guard_intact()) return describe(k, "wrote past its scratch", m, n, kk);

  std::vector<float> a_scale(m), w_scale(pw.n_pad), bias(pw.n_pad);
  std::vector<int32_t> a_zero(m);
  for (int r = 0; r < m; ++r) {
    a_scale[r] = 0.001f + 0.01f * (rng.unit() + 1.0f);
    a_zero[r] = static_cast<int32_t>(rng.next() % 256) - 128;
  }
  for (int j = 0; j < pw.n_pad; ++j) {
    w_scale[j] = 0.001f + 0.01f * (rng.unit() + 1.0f);
    bias[j] = rng.unit();
  }
  const Dequant dq{a_scale.data(), a_zero.data(), w_scale.data(), bias.data(), n};
  std::vector<float> yw(static_cast<size_t>(m) * ldc, -3.0f), yg(yw);
  kRefKernel.gemm_s8s8_f32(m, pw.k_pad, a.data(), lda, pw.data.data(), pw.col_sums.data(), 0, pw.n_blocks(), dq,
                           yw.data(), ldc, nullptr);
  k.gemm_s8s8_f32(m, pw.k_pad, a.data(), lda, pw.data.data(), pw.col_sums.data(), 0, pw.n_blocks(), dq, yg.data(), ldc,
                  scratch);
  // Bit for bit, and nothing written at or past column n.
  if (std::memcmp(yw.data(), yg.data(), yw.size() * sizeof(float)) != 0) return describe(k, "dequantized", m, n, kk);
  if (!guard_intact()) return describe(k, "wrote past its scratch", m, n, kk);
  return {};
}

}  // namespace

std::string check_against_ref(const KernelTable& k, bool thorough) {
  Lcg rng{12345u};
  const std::vector<int> quick_m = {1, 2, 3, 67}, quick_n = {1, 17, 35}, quick_k = {4, 260};
  const std::vector<int> all_m = {1, 2, 3, 4, 5, 7, 8, 9, 17, 63, 64, 65, 130};
  const std::vector<int> all_n = {1, 3, 4, 5, 15, 16, 17, 31, 33, 48};
  const std::vector<int> all_k = {1, 3, 4, 8, 12, 16, 20, 64, 68, 260, 768};
  for (int m : thorough ? all_m : quick_m)
    for (int n : thorough ? all_n : quick_n)
      for (int kk : thorough ? all_k : quick_k) {
        std::string err = check_one(k, m, n, kk, rng);
        if (!err.empty()) return err;
      }
  return {};
}

}  // namespace indorerank::kernels
