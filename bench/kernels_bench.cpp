// GEMM kernel throughput at the real layer shapes (one thread), next to the
// peak of the instruction each kernel is built on, so the distance to the
// limit is a number. Prints a Markdown table. Every shape runs the
// dequantizing path, the one the engine calls: the linear layers, the head,
// and attention's two GEMMs per head (scores = Q K^T, context = P V, 64 query
// rows of a 206-token sequence, head size 32). The last column is qkv on the
// int32 path, the tested contract (the two paths can compile differently:
// the avx2 kernel's int32 path once ran 20% faster than its float path).
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "arena.hpp"
#include "kernels/kernels.hpp"
#include "peak.hpp"

using namespace indorerank::kernels;

namespace {

// `w_sets` distinct weight matrices, used in turn: with one, W stays in L2
// from call to call; a pass over the model meets each layer's W once per
// micro-batch, after the other layers' 20 MB have gone through the caches.
double gmacs(const KernelTable& kt, int m, int n, int k, bool dequant, int w_sets = 1) {
  std::mt19937 rng(1);
  std::vector<int8_t> w(static_cast<size_t>(n) * k), a(static_cast<size_t>(m) * round_up(k, 4));
  std::vector<PackedWeights> sets;
  for (int i = 0; i < w_sets; ++i) {
    for (auto& x : w) x = static_cast<int8_t>(rng() % 255 - 127);
    sets.push_back(pack_weights(w.data(), n, k));
  }
  for (auto& x : a) x = static_cast<int8_t>(rng() % 255 - 127);
  const PackedWeights& p = sets[0];
  int set = 0;
  std::vector<int32_t> c(static_cast<size_t>(m) * p.n_pad);
  std::vector<float> y(c.size()), a_scale(m, 1e-2f), w_scale(p.n_pad, 1e-3f), bias(p.n_pad, 0.0f);
  std::vector<int32_t> a_zero(m, 3);
  const size_t scratch_bytes = kt.scratch_bytes(128, p.k_pad);
  indorerank::Arena arena(indorerank::Arena::rounded(scratch_bytes));
  arena.begin(arena.cap());
  void* const scratch = arena.alloc<uint8_t>(scratch_bytes);
  auto once = [&] {
    const PackedWeights& p = sets[static_cast<size_t>(set)];
    set = (set + 1) % w_sets;
    for (int r0 = 0; r0 < m; r0 += 128) {
      const int rows = std::min(128, m - r0);
      const int8_t* ar = a.data() + static_cast<size_t>(r0) * p.k_pad;
      if (dequant) {
        const Dequant dq{a_scale.data() + r0, a_zero.data() + r0, w_scale.data(), bias.data(), n};
        kt.gemm_s8s8_f32(rows, p.k_pad, ar, p.k_pad, p.data.data(), p.col_sums.data(), 0, p.n_blocks(), dq,
                         y.data() + static_cast<size_t>(r0) * p.n_pad, p.n_pad, scratch);
      } else {
        kt.gemm_s8s8_s32(rows, p.k_pad, ar, p.k_pad, p.data.data(), p.col_sums.data(), 0, p.n_blocks(),
                         c.data() + static_cast<size_t>(r0) * p.n_pad, p.n_pad, scratch);
      }
    }
  };
  once();
  double best = 0;
  for (int rep = 0; rep < 5; ++rep) {
    int iters = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    do {
      once();
      ++iters;
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (s < 0.1);
    best = std::max(best, double(m) * n * k * iters / s / 1e9);
  }
  return best;
}

}  // namespace

// Arguments, if any, name the kernels to run (default: all available).
int main(int argc, char** argv) {
  struct Shape {
    const char* name;
    int m, n, k;
    bool dequant;
    int w_sets = 1;
  };
  const Shape shapes[] = {
      {"qkv 256x1152x384", 256, 1152, 384, true},      {"ffn_up 256x1536x384", 256, 1536, 384, true},
      {"ffn_down 256x384x1536", 256, 384, 1536, true}, {"attn_out 256x384x384", 256, 384, 384, true},
      {"head 1x384x384", 1, 384, 384, true},           {"scores 64x206x32", 64, 206, 32, true},
      {"context 64x32x206", 64, 32, 206, true},        {"qkv int32 out", 256, 1152, 384, false},
      {"qkv, 48 weight sets", 256, 1152, 384, true, 48}};
  std::printf("| kernel | instruction peak GMAC/s |");
  for (const auto& s : shapes) std::printf(" %s |", s.name);
  std::printf("\n| --- | --- |");
  for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) std::printf(" --- |");
  std::printf("\n");
  for (const KernelTable* kt : available()) {
    bool wanted = argc < 2;
    for (int i = 1; i < argc; ++i) wanted |= std::string(argv[i]) == kt->name;
    if (!wanted) continue;
    const double peak = instruction_peak_gmacs(kt->name);
    if (peak > 0)
      std::printf("| %s | %.1f |", kt->name, peak);
    else
      std::printf("| %s | - |", kt->name);  // no peak loop for this kernel (ref, wasm_relaxed)
    // Two seconds of throwaway runs first: a browser tiers its wasm code up
    // in the background, so the first shape measured otherwise reads up to a
    // third low (relaxed qkv: 54-83 first, 93-98 when measured again later).
    const auto warm = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - warm < std::chrono::seconds(2))
      gmacs(*kt, shapes[0].m, shapes[0].n, shapes[0].k, shapes[0].dequant);
    for (const auto& s : shapes) std::printf(" %.1f |", gmacs(*kt, s.m, s.n, s.k, s.dequant, s.w_sets));
    std::printf("\n");
  }
  return 0;
}
