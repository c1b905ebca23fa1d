// Every compiled kernel equals the reference bit for bit (int32 results), at
// every tail size and at the real layer shapes; ref equals a naive GEMM.
#include <catch2/catch.hpp>
#if defined(INDORERANK_HAVE_AVXVNNI)
#include <cpuid.h>
#endif
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "heap_counter.hpp"
#include "kernels/kernels.hpp"
#include "ops.hpp"

using namespace indorerank::kernels;

#if defined(INDORERANK_HAVE_AVXVNNI)
namespace indorerank::kernels {
extern const KernelTable kAvxVnniStandIn;  // avx_vnni_stand_in.cpp
}
#endif

// Kernels take all their working memory from the caller (the arena, which the
// memory cap counts): a kernel call allocates nothing on the heap.
namespace {

// The kernels this CPU runs, plus the avx_vnni body with its AVX2 stand-in
// (no CPU here runs the real instruction; where one does, it is in available()).
std::vector<const KernelTable*> under_test() {
  std::vector<const KernelTable*> out = available();
#if defined(INDORERANK_HAVE_AVXVNNI)
  if (__builtin_cpu_supports("avx2")) out.insert(out.begin(), &kAvxVnniStandIn);
#endif
  return out;
}

std::vector<int8_t> random_int8(size_t n, std::mt19937& rng, bool extremes) {
  std::uniform_int_distribution<int> d(-127, 127);
  std::vector<int8_t> v(n);
  for (auto& x : v) x = static_cast<int8_t>(extremes ? (d(rng) > 0 ? 127 : -127) : d(rng));
  return v;
}

// C = A W^T with A [m][k] (stride lda) and W [n][k].
std::vector<int32_t> naive(int m, int n, int k, const std::vector<int8_t>& a, size_t lda, const std::vector<int8_t>& w) {
  std::vector<int32_t> c(static_cast<size_t>(m) * n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      int32_t s = 0;
      for (int p = 0; p < k; ++p) s += int32_t(a[i * lda + p]) * int32_t(w[static_cast<size_t>(j) * k + p]);
      c[static_cast<size_t>(i) * n + j] = s;
    }
  return c;
}

// The scratch a call asks for (64-byte aligned, filled with garbage), then
// guard bytes the kernel must leave alone.
class Scratch {
 public:
  Scratch(const KernelTable& kt, int m, int k_pad)
      : bytes_(kt.scratch_bytes(m, k_pad)), buf_(bytes_ + 64 + kGuard, 0xa5) {
    const auto p = reinterpret_cast<uintptr_t>(buf_.data());
    ptr_ = buf_.data() + ((p + 63) / 64 * 64 - p);
  }
  void* get() { return ptr_; }
  bool guard_intact() const {
    for (size_t i = 0; i < kGuard; ++i)
      if (ptr_[bytes_ + i] != 0xa5) return false;
    return true;
  }

 private:
  static constexpr size_t kGuard = 256;
  size_t bytes_;
  std::vector<uint8_t> buf_;
  uint8_t* ptr_;
};

std::vector<int32_t> run(const KernelTable& kt, int m, const PackedWeights& p, const std::vector<int8_t>& a, size_t lda,
                         int nb_begin, int nb_end) {
  const size_t ldc = static_cast<size_t>(p.n_pad) + 3;  // a stride wider than needed must work
  std::vector<int32_t> c(static_cast<size_t>(m) * ldc, 0x5a5a5a5a);
  Scratch scratch(kt, m, p.k_pad);
  const long heap0 = indorerank::test::heap::allocations();
  kt.gemm_s8s8_s32(m, p.k_pad, a.data(), lda, p.data.data(), p.col_sums.data(), nb_begin, nb_end, c.data(), ldc,
                   scratch.get());
  REQUIRE(indorerank::test::heap::allocations() == heap0);
  REQUIRE(scratch.guard_intact());
  std::vector<int32_t> out(static_cast<size_t>(m) * p.n);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < p.n; ++j) out[static_cast<size_t>(i) * p.n + j] = c[i * ldc + j];
  return out;
}

void check_shape(int m, int n, int k, std::mt19937& rng, bool extremes = false) {
  const PackedWeights p = pack_weights(random_int8(static_cast<size_t>(n) * k, rng, extremes).data(), n, k);
  // Re-create the unpacked W from the same draw for the naive product.
  std::vector<int8_t> w(static_cast<size_t>(n) * k);
  const int kb_count = p.k_pad / kKr;
  for (int j = 0; j < n; ++j)
    for (int q = 0; q < k; ++q)
      w[static_cast<size_t>(j) * k + q] = p.data[(static_cast<size_t>(j / kNr) * kb_count + q / kKr) * 64 + (j % kNr) * 4 + q % 4];
  const size_t lda = static_cast<size_t>(p.k_pad) + 4;
  std::vector<int8_t> a = random_int8(static_cast<size_t>(m) * lda, rng, extremes);
  for (int i = 0; i < m; ++i)
    for (size_t q = static_cast<size_t>(k); q < lda; ++q) a[i * lda + q] = 0;  // padding is zero by contract
  const auto expect = naive(m, n, k, a, lda, w);
  INFO("m=" << m << " n=" << n << " k=" << k);
  REQUIRE(run(kRefKernel, m, p, a, lda, 0, p.n_blocks()) == expect);
  for (const KernelTable* kt : under_test()) {
    INFO("kernel " << kt->name);
    REQUIRE(run(*kt, m, p, a, lda, 0, p.n_blocks()) == expect);
  }
}

}  // namespace

TEST_CASE("kernels equal ref at every tail size", "[kernels]") {
  std::mt19937 rng(123);
  const int sizes[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 31, 32, 33, 64, 127};
  for (const int m : sizes)
    for (const int n : sizes)
      for (const int k : {1, 3, 4, 5, 16, 17, 33, 127}) check_shape(m, n, k, rng);
  for (const int k : sizes) check_shape(5, 33, k, rng);
}

TEST_CASE("kernels equal ref at extreme values and real layer shapes", "[kernels]") {
  std::mt19937 rng(7);
  check_shape(9, 40, 1536, rng, /*extremes=*/true);  // largest accumulations
  // wasm_simd128's pair form (depth 64-768, 49+ columns, 3+ rows): its int16
  // sums of an activation and a weight reach -256 and its dots 2 x 256^2.
  check_shape(9, 64, 768, rng, /*extremes=*/true);
  check_shape(67, 80, 384, rng, /*extremes=*/true);  // two row blocks and a tail tile
  check_shape(64, 1152, 384, rng);   // fused QKV
  check_shape(37, 1536, 384, rng);   // FFN up
  check_shape(37, 384, 1536, rng);   // FFN down
  check_shape(1, 384, 384, rng);     // head, one row
  check_shape(130, 68 * 3, 68, rng); // tiny fixture shapes
  check_shape(130, 68, 148, rng);
}

TEST_CASE("a partial block range writes only its columns", "[kernels]") {
  std::mt19937 rng(9);
  const int m = 7, n = 70, k = 40;
  const PackedWeights p = pack_weights(random_int8(static_cast<size_t>(n) * k, rng, false).data(), n, k);
  std::vector<int8_t> a = random_int8(static_cast<size_t>(m) * p.k_pad, rng, false);
  for (int i = 0; i < m; ++i)
    for (int q = k; q < p.k_pad; ++q) a[static_cast<size_t>(i) * p.k_pad + q] = 0;
  const auto full = run(kRefKernel, m, p, a, p.k_pad, 0, p.n_blocks());
  for (const KernelTable* kt : under_test()) {
    std::vector<int32_t> c(static_cast<size_t>(m) * p.n_pad, -1);
    Scratch scratch(*kt, m, p.k_pad);
    kt->gemm_s8s8_s32(m, p.k_pad, a.data(), p.k_pad, p.data.data(), p.col_sums.data(), 1, 3, c.data(), p.n_pad,
                      scratch.get());
    REQUIRE(scratch.guard_intact());
    for (int i = 0; i < m; ++i)
      for (int j = 0; j < p.n_pad; ++j) {
        const int32_t got = c[static_cast<size_t>(i) * p.n_pad + j];
        if (j >= 16 && j < 48 && j < n) {
          REQUIRE(got == full[static_cast<size_t>(i) * n + j]);
        } else if (j < 16 || j >= 48) {
          REQUIRE(got == -1);
        }
      }
  }
}

TEST_CASE("dispatch always offers ref last and finds kernels by name", "[kernels]") {
  const auto all = available();
  REQUIRE(!all.empty());
  REQUIRE(std::string(all.back()->name) == "ref");
  REQUIRE(find("ref") == &kRefKernel);
  REQUIRE(find("no_such_kernel") == nullptr);
  REQUIRE(&best() == all.front());
#if defined(INDORERANK_HAVE_WASM_SIMD128)
  REQUIRE(std::string(best().name) == "wasm_simd128");
#endif
#if defined(INDORERANK_HAVE_AVXVNNI)
  // Listed exactly where CPUID reports AVX-VNNI (leaf 7.1, EAX bit 4) and the
  // real instruction then matched ref (a CPU where it did not fails here).
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool has_avx_vnni = __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && ((eax >> 4) & 1u);
  REQUIRE((find("avx_vnni") != nullptr) == (has_avx_vnni && __builtin_cpu_supports("avx2")));
#endif
}

TEST_CASE("the dequantizing GEMM equals int32 GEMM + dequantize_row bit for bit", "[kernels]") {
  std::mt19937 rng(21);
  std::uniform_real_distribution<float> u(-2.0f, 2.0f);
  for (const int m : {1, 3, 4, 5, 9, 17})
    for (const int n : {1, 7, 8, 9, 16, 17, 33, 68, 148})
      for (const int k : {1, 5, 68, 148}) {
        const PackedWeights p = pack_weights(random_int8(static_cast<size_t>(n) * k, rng, false).data(), n, k);
        std::vector<int8_t> a = random_int8(static_cast<size_t>(m) * p.k_pad, rng, false);
        for (int i = 0; i < m; ++i)
          for (int q = k; q < p.k_pad; ++q) a[static_cast<size_t>(i) * p.k_pad + q] = 0;
        std::vector<float> a_scale(m), w_scale(n), bias(n);
        std::vector<int32_t> a_zero(m);
        for (auto& x : a_scale) x = std::fabs(u(rng)) * 0.01f;
        for (auto& x : a_zero) x = static_cast<int32_t>(rng() % 256) - 128;
        for (auto& x : w_scale) x = std::fabs(u(rng)) * 0.02f;
        for (auto& x : bias) x = u(rng);
        const auto c = run(kRefKernel, m, p, a, p.k_pad, 0, p.n_blocks());
        std::vector<float> expect(static_cast<size_t>(m) * n);
        for (int i = 0; i < m; ++i)
          indorerank::ops::dequantize_row(c.data() + static_cast<size_t>(i) * n, a_scale[i], a_zero[i],
                                          p.col_sums.data(), w_scale.data(), bias.data(), n,
                                          expect.data() + static_cast<size_t>(i) * n);
        const Dequant dq{a_scale.data(), a_zero.data(), w_scale.data(), bias.data(), n};
        for (const KernelTable* kt : under_test()) {
          const size_t ldy = static_cast<size_t>(n) + 2;
          std::vector<float> y(static_cast<size_t>(m) * ldy, -7.0f);
          Scratch scratch(*kt, m, p.k_pad);
          const long heap0 = indorerank::test::heap::allocations();
          kt->gemm_s8s8_f32(m, p.k_pad, a.data(), p.k_pad, p.data.data(), p.col_sums.data(), 0, p.n_blocks(), dq,
                            y.data(), ldy, scratch.get());
          REQUIRE(indorerank::test::heap::allocations() == heap0);
          REQUIRE(scratch.guard_intact());
          INFO("kernel " << kt->name << " m=" << m << " n=" << n << " k=" << k);
          for (int i = 0; i < m; ++i) {
            for (int j = 0; j < n; ++j) REQUIRE(y[i * ldy + j] == expect[static_cast<size_t>(i) * n + j]);
            REQUIRE(y[i * ldy + n] == -7.0f);  // nothing written past column n
          }
        }
      }
}

namespace {
// ref with one wrong int32 result in a tail case (m = 3, k = 260) ...
void wrong_s32(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w, const int32_t* cs, int nb0, int nb1,
               int32_t* c, size_t ldc, void* scratch) {
  kRefKernel.gemm_s8s8_s32(m, k_pad, a, lda, w, cs, nb0, nb1, c, ldc, scratch);
  if (m == 3 && k_pad == 260) c[2 * ldc + 5] ^= 1;
}
// ... and ref writing one float past column n.
void past_n_f32(int m, int k_pad, const int8_t* a, size_t lda, const int8_t* w, const int32_t* cs, int nb0, int nb1,
                const Dequant& dq, float* y, size_t ldy, void* scratch) {
  kRefKernel.gemm_s8s8_f32(m, k_pad, a, lda, w, cs, nb0, nb1, dq, y, ldy, scratch);
  y[dq.n] = 0.0f;
}
}  // namespace

TEST_CASE("check_against_ref passes every kernel and names a wrong one", "[kernels]") {
  for (const KernelTable* kt : under_test()) {
    INFO("kernel " << kt->name);
    REQUIRE(check_against_ref(*kt, false).empty());
    REQUIRE(check_against_ref(*kt, true).empty());
  }
  const KernelTable wrong_int = {"wrong_int", wrong_s32, kRefKernel.gemm_s8s8_f32, no_scratch};
  const KernelTable wrong_float = {"wrong_float", kRefKernel.gemm_s8s8_s32, past_n_f32, no_scratch};
  for (bool thorough : {false, true}) {
    REQUIRE(check_against_ref(wrong_int, thorough) == "wrong_int differs from ref (int32) at m=3 n=1 k=260");
    REQUIRE(check_against_ref(wrong_float, thorough) ==
            "wrong_float differs from ref (dequantized) at m=1 n=1 k=" + std::string(thorough ? "1" : "4"));
  }
}
