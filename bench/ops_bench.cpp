// The encoder's fp32 and quantization ops at the full model shape (12 layers,
// hidden 384, FFN 1536, 12 heads of 32, a pair of 115 tokens or of the
// count given as the first argument), timed one at a time: milliseconds each
// op costs per pair, to see where time goes besides the GEMMs. Runs natively
// and under Node (wasm build). The last two rows are the last layer's keys
// and values for the first token both ways: folded into its query
// (folded_attention.hpp, what the encoder runs) and computed (their GEMM, then
// attention for one query row).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "attention.hpp"
#include "folded_attention.hpp"
#include "kernels/kernels.hpp"
#include "ops.hpp"

using namespace indorerank;

namespace {

constexpr int kH = 384, kI = 1536, kHeads = 12, kHeadDim = 32, kLayers = 12;

template <typename F>
double ms_per_call(F&& f) {
  f();
  double best = 1e30;
  for (int rep = 0; rep < 5; ++rep) {
    int iters = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    do {
      f();
      ++iters;
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (s < 0.05);
    best = std::min(best, 1e3 * s / iters);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const int kT = argc > 1 ? std::atoi(argv[1]) : 115;
  if (kT < 1 || kT > 512) {
    std::fprintf(stderr, "usage: ops_bench [tokens 1..512]\n");
    return 2;
  }
  std::mt19937 rng(1);
  std::normal_distribution<float> nd(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(kT) * kI), y(x.size()), gamma(kH, 1.0f), beta(kH, 0.0f);
  for (auto& v : x) v = nd(rng);
  std::vector<int8_t> q(x.size());
  std::vector<float> scale(kT);
  std::vector<int32_t> zero(kT);
  std::vector<float> qkv(static_cast<size_t>(kT) * 3 * kH), ctx(static_cast<size_t>(kT) * kH);
  for (auto& v : qkv) v = nd(rng);
  const kernels::KernelTable& kernel = kernels::best();
  std::vector<uint8_t> scratch_buf(attention::scratch_bytes(kernel, kT, kHeadDim) + 64);
  void* scratch = scratch_buf.data() + (64 - reinterpret_cast<uintptr_t>(scratch_buf.data()) % 64) % 64;
  const int kT16 = (kT + 15) / 16 * 16;  // the softmax's rows: whole 16s
  std::vector<float> scores(static_cast<size_t>(kT) * kT16);
  for (auto& v : scores) v = 3.0f * nd(rng);
  std::vector<int8_t> weights(scores.size());

  // The last layer: the qkv projection's int8 rows, scales and biases.
  std::vector<int8_t> w_qkv(static_cast<size_t>(3 * kH) * kH);
  for (size_t i = 0; i < w_qkv.size(); ++i) w_qkv[i] = static_cast<int8_t>(rng() % 255 - 127);
  const kernels::PackedWeights packed = kernels::pack_weights(w_qkv.data(), 3 * kH, kH);
  std::vector<float> w_scale(3 * kH, 0.01f), w_bias(3 * kH, 0.1f);
  std::vector<uint8_t> folded_buf(attention::folded_scratch_bytes(kT, kHeadDim, kH) + 64);
  void* folded_scratch = folded_buf.data() + (64 - reinterpret_cast<uintptr_t>(folded_buf.data()) % 64) % 64;
  std::vector<uint8_t> gemm_buf(kernel.scratch_bytes(kT, kH) + 64);
  void* gemm_scratch = gemm_buf.data() + (64 - reinterpret_cast<uintptr_t>(gemm_buf.data()) % 64) % 64;
  for (int r = 0; r < kT; ++r) ops::quantize_row(x.data() + r * kH, kH, kH, q.data() + r * kH, &scale[r], &zero[r]);

  struct Row { const char* name; double ms; };
  std::vector<Row> rows;
  // Per layer: GELU over T x I; quantize T rows of H (3 times: qkv, attn out, ffn up) and of I (ffn down);
  // two LayerNorms over T rows; attention over 12 heads.
  // GELU runs in place on y again and again: its cost does not depend on the
  // values (no branches), and a copy of x each time would be timed with it.
  y = x;
  const auto gelu = [&] { ops::gelu_inplace(y.data(), y.size()); };
  const auto quantize = [&] {
    for (int r = 0; r < 3 * kT; ++r)
      ops::quantize_row(x.data() + (r % kT) * kH, kH, kH, q.data() + (r % kT) * kH, &scale[r % kT], &zero[r % kT]);
    for (int r = 0; r < kT; ++r) ops::quantize_row(x.data() + r * kI, kI, kI, q.data() + r * kI, &scale[r], &zero[r]);
  };
  const auto layer_norm = [&] {
    for (int r = 0; r < 2 * kT; ++r)
      ops::layer_norm(x.data() + (r % kT) * kH, y.data() + (r % kT) * kH, gamma.data(), beta.data(), 1e-5f, kH,
                      y.data() + (r % kT) * kH);
  };
  const auto attention_all_heads = [&] {
    for (int h = 0; h < kHeads; ++h)
      attention::head(kernel, qkv.data() + h * kHeadDim, qkv.data() + kH + h * kHeadDim,
                      qkv.data() + 2 * kH + h * kHeadDim, 3 * kH, kT, kT, kHeadDim, ctx.data() + h * kHeadDim, kH,
                      scratch);
  };
  const auto softmax_all_heads = [&] {
    for (int h = 0; h < kHeads; ++h)
      for (int r = 0; r < kT; ++r) ops::softmax_row_u8(&scores[r * kT16], kT, &weights[r * kT16]);
  };
  const auto last_layer_folded = [&] {
    for (int h = 0; h < kHeads; ++h) {
      attention::unpack_head_rows(packed, kH + h * kHeadDim, 2 * kH + h * kHeadDim, kHeadDim, folded_scratch);
      attention::folded_head(x.data(), kH, kT, kH, qkv.data() + h * kHeadDim, kHeadDim, kH, kH + h * kHeadDim,
                             2 * kH + h * kHeadDim, w_scale.data(), w_bias.data(), ctx.data() + h * kHeadDim,
                             folded_scratch);
    }
  };
  const auto last_layer_computed = [&] {
    for (int r = 0; r < kT; ++r) ops::quantize_row(x.data() + r * kH, kH, kH, q.data() + r * kH, &scale[r], &zero[r]);
    const kernels::Dequant dq{scale.data(), zero.data(), w_scale.data(), w_bias.data(), 3 * kH};
    kernel.gemm_s8s8_f32(kT, kH, q.data(), kH, packed.data.data(), packed.col_sums.data(), kH / kernels::kNr,
                         3 * kH / kernels::kNr, dq, qkv.data(), 3 * kH, gemm_scratch);
    for (int h = 0; h < kHeads; ++h)
      attention::head(kernel, qkv.data() + h * kHeadDim, qkv.data() + kH + h * kHeadDim,
                      qkv.data() + 2 * kH + h * kHeadDim, 3 * kH, kT, 1, kHeadDim, ctx.data() + h * kHeadDim, kH,
                      scratch);
  };
  // Two seconds of every op first: a browser tiers its wasm code up in the
  // background, and the first op timed would otherwise read up to 2x slow.
  for (const auto t0 = std::chrono::steady_clock::now();
       std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2);) {
    gelu();
    quantize();
    layer_norm();
    attention_all_heads();
    softmax_all_heads();
    last_layer_folded();
    last_layer_computed();
  }
  rows.push_back({"gelu (T x 1536)", kLayers * ms_per_call(gelu)});
  rows.push_back({"quantize_row (3 x T x 384 + T x 1536)", kLayers * ms_per_call(quantize)});
  rows.push_back({"layer_norm (2 x T x 384)", kLayers * ms_per_call(layer_norm)});
  const std::string attention_name = std::string("attention (12 heads, T keys; ") + kernel.name + ")";
  rows.push_back({attention_name.c_str(), kLayers * ms_per_call(attention_all_heads)});
  // The part of attention that is not a GEMM.
  rows.push_back({"  of which softmax_row_u8 (12 heads x T rows of T)", kLayers * ms_per_call(softmax_all_heads)});
  const double folded = ms_per_call(last_layer_folded), computed = ms_per_call(last_layer_computed);
  double total = 0;
  for (const auto& r : rows) total += r.name[0] == ' ' ? 0.0 : r.ms;
  std::printf("| op, per pair of %d tokens | ms |\n| --- | --- |\n", kT);
  for (const auto& r : rows) std::printf("| %s | %.2f |\n", r.name, r.ms);
  std::printf("| total | %.2f |\n", total);
  std::printf("| last layer, keys and values for token 0, folded (what runs; rows unpacked for this pair alone) | %.3f |\n", folded);
  std::printf("| the same computed: T rows quantized, their GEMM (T x 384 x 768), attention of 1 row (%s) | %.3f |\n", kernel.name,
              computed);
  return 0;
}
