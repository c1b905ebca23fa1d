#include "encoder.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "attention.hpp"
#include "folded_attention.hpp"
#include "ops.hpp"

namespace indorerank {
namespace {

constexpr int kRowChunk = 120;  // GEMM rows per kernel call (keeps A in L2); a multiple of the kernels' tile heights (2, 5, 6, 8)

struct Workspace {
  float* x = nullptr;       // [T, H] hidden states
  float* qkv = nullptr;     // [T, 3H]
  float* ctx = nullptr;     // [T, H]
  float* tmp = nullptr;     // [T, H]
  float* hid = nullptr;     // [T, I]
  int8_t* a8 = nullptr;     // [T, max k_pad] quantized GEMM input
  float* a_scale = nullptr; // [T]
  int32_t* a_zero = nullptr; // [T]
  uint8_t* attn = nullptr;   // per thread: attn_scratch_stride() bytes (attention, or the folded last layer)
  uint8_t* gemm = nullptr;  // per thread: the kernel's scratch for kRowChunk rows
};

// The last layer folds its keys and values into the first token's query
// (folded_attention.hpp) when its query columns are whole kernel blocks.
bool folds_last_layer(const ModelConfig& c) { return c.hidden_size % kernels::kNr == 0; }

size_t attn_scratch_stride(const ModelConfig& c, const kernels::KernelTable& kernel, int max_len) {
  const int hd = c.hidden_size / c.num_heads, k_pad = kernels::round_up(c.hidden_size, kernels::kKr);
  const size_t full = attention::scratch_bytes(kernel, max_len, hd);
  const size_t folded = attention::folded_scratch_bytes(max_len, hd, k_pad);
  return Arena::rounded(folds_last_layer(c) ? std::max(full, folded) : full);
}

// The kernel's scratch for one thread's GEMM calls (kRowChunk rows at most).
size_t gemm_scratch_stride(const ModelConfig& c, const kernels::KernelTable& kernel) {
  const int k_pad = kernels::round_up(std::max(c.hidden_size, c.intermediate_size), kernels::kKr);
  return Arena::rounded(kernel.scratch_bytes(kRowChunk, k_pad));
}

// Carves the workspace with `alloc` (a counting one for planning, the arena
// for real), so the plan and the use cannot drift apart.
template <typename Alloc>
void carve(const ModelConfig& c, const kernels::KernelTable& kernel, int t, int max_len, int threads, Alloc&& alloc,
           Workspace* w) {
  const size_t T = static_cast<size_t>(t), H = c.hidden_size, I = c.intermediate_size;
  const size_t k_pad = static_cast<size_t>(kernels::round_up(std::max(c.hidden_size, c.intermediate_size), kernels::kKr));
  w->x = alloc(static_cast<float*>(nullptr), T * H);
  w->qkv = alloc(static_cast<float*>(nullptr), T * 3 * H);
  w->ctx = alloc(static_cast<float*>(nullptr), T * H);
  w->tmp = alloc(static_cast<float*>(nullptr), T * H);
  w->hid = alloc(static_cast<float*>(nullptr), T * I);
  w->a8 = alloc(static_cast<int8_t*>(nullptr), T * k_pad);
  w->a_scale = alloc(static_cast<float*>(nullptr), T);
  w->a_zero = alloc(static_cast<int32_t*>(nullptr), T);
  w->attn =
      alloc(static_cast<uint8_t*>(nullptr), static_cast<size_t>(threads) * attn_scratch_stride(c, kernel, max_len));
  w->gemm = alloc(static_cast<uint8_t*>(nullptr), static_cast<size_t>(threads) * gemm_scratch_stride(c, kernel));
}

}  // namespace

size_t Encoder::workspace_bytes(const ModelConfig& c, const kernels::KernelTable& kernel, int tokens, int max_len,
                                int threads) {
  size_t total = 0;
  Workspace w;
  carve(
      c, kernel, tokens, max_len, threads,
      [&](auto* tag, size_t n) {
        total += Arena::rounded(n * sizeof(*tag));
        return tag;
      },
      &w);
  return total;
}

void Encoder::for_range(Spread spread, int count, const std::function<void(int, int, int)>& fn) const {
  if (spread == Spread::kPool)
    pool_.parallel_for(count, fn);
  else if (count > 0)
    fn(0, count, 0);
}

void Encoder::linear(Spread spread, const float* in, int rows, const QuantLinear& l, float* out, const GemmBuffers& b,
                     Epilogue epilogue) const {
  const int k = l.in(), k_pad = l.w.k_pad, n = l.out();
  int8_t* const a8 = b.a8;
  float* const a_scale = b.a_scale;
  int32_t* const a_zero = b.a_zero;
  for_range(spread, rows, [&](int r0, int r1, int) {
    for (int r = r0; r < r1; ++r)
      ops::quantize_row(in + static_cast<size_t>(r) * k, k, k_pad, a8 + static_cast<size_t>(r) * k_pad, a_scale + r,
                        a_zero + r);
  });
  // Threads split the output columns, in pairs of 16-column blocks (the x86
  // kernels' widest tiles); each walks the rows in chunks and finishes a
  // chunk (GELU) while it is still in cache.
  const int n_blocks = l.w.n_blocks();
  for_range(spread, (n_blocks + 1) / 2, [&](int pair0, int pair1, int thread) {
    const int nb0 = 2 * pair0, nb1 = std::min(2 * pair1, n_blocks);
    void* const scratch = b.scratch + static_cast<size_t>(thread) * b.scratch_stride;
    const int col0 = nb0 * kernels::kNr, col1 = std::min(nb1 * kernels::kNr, n);
    for (int r0 = 0; r0 < rows; r0 += kRowChunk) {
      const int m = std::min(kRowChunk, rows - r0);
      const kernels::Dequant dq{a_scale + r0, a_zero + r0, l.scale.data(), l.bias.data(), n};
      float* y = out + static_cast<size_t>(r0) * n;
      kernel_.gemm_s8s8_f32(m, k_pad, a8 + static_cast<size_t>(r0) * k_pad, static_cast<size_t>(k_pad), l.w.data.data(),
                            l.w.col_sums.data(), nb0, nb1, dq, y, static_cast<size_t>(n), scratch);
      if (epilogue == Epilogue::kGelu)
        for (int r = 0; r < m; ++r)
          ops::gelu_inplace(y + static_cast<size_t>(r) * n + col0, static_cast<size_t>(col1 - col0));
    }
  });
}

void Encoder::gemm_rows(const int* rows, int count, const QuantLinear& l, int nb_end, float* out,
                        const GemmBuffers& b) const {
  const int k_pad = l.w.k_pad, n = l.out();
  for (int i = 0; i < count; ++i) {
    const int r = rows[i];
    const kernels::Dequant dq{b.a_scale + r, b.a_zero + r, l.scale.data(), l.bias.data(), n};
    kernel_.gemm_s8s8_f32(1, k_pad, b.a8 + static_cast<size_t>(r) * k_pad, static_cast<size_t>(k_pad), l.w.data.data(),
                          l.w.col_sums.data(), 0, nb_end, dq, out + static_cast<size_t>(r) * n, static_cast<size_t>(n),
                          b.scratch);
  }
}

void Encoder::add_and_norm(Spread spread, const float* branch, int rows, const Norm& norm, float* x) const {
  const int H = w_.config.hidden_size;
  for_range(spread, rows, [&](int b, int e, int) {
    for (int r = b; r < e; ++r) {
      float* xr = x + static_cast<size_t>(r) * H;
      ops::layer_norm(branch + static_cast<size_t>(r) * H, xr, norm.gamma.data(), norm.beta.data(),
                      w_.config.layer_norm_eps, H, xr);
    }
  });
}

Status Encoder::forward(const std::vector<SequenceRef>& seqs, Arena& arena, float* logits, Spread spread) const {
  const ModelConfig& c = w_.config;
  const int H = c.hidden_size, heads = c.num_heads, hd = H / heads;
  const int S = static_cast<int>(seqs.size());
  std::vector<int> start(static_cast<size_t>(S) + 1, 0);
  int max_len = 0;
  for (int s = 0; s < S; ++s) {
    start[s + 1] = start[s] + seqs[s].len;
    max_len = std::max(max_len, seqs[s].len);
  }
  const int T = start[S];
  if (S == 0) return ok_status();

  Workspace ws;
  bool ok = true;
  const int threads = spread == Spread::kPool ? pool_.size() : 1;
  carve(
      c, kernel_, T, max_len, threads,
      [&](auto* tag, size_t n) {
        auto* p = arena.alloc<std::remove_pointer_t<decltype(tag)>>(n);
        ok = ok && p != nullptr;
        return p;
      },
      &ws);
  if (!ok) return internal_error("workspace plan exceeds the arena");
  const GemmBuffers gb{ws.a8, ws.a_scale, ws.a_zero, ws.gemm, gemm_scratch_stride(c, kernel_)};

  // Embeddings: word (int8 row * scale) + position (from 2) + token type, then LayerNorm.
  std::vector<int> token_pos(static_cast<size_t>(T));
  std::vector<int32_t> token_id(static_cast<size_t>(T));
  for (int s = 0; s < S; ++s)
    for (int i = 0; i < seqs[s].len; ++i) {
      token_pos[start[s] + i] = i + 2;
      token_id[start[s] + i] = seqs[s].ids[i];
    }
  for_range(spread, T, [&](int b, int e, int) {
    for (int t = b; t < e; ++t) {
      const int8_t* we = w_.word_embeddings.row(token_id[t]);
      const float ws_scale = w_.word_scale[token_id[t]];
      const float* pe = w_.position_embeddings.data() + static_cast<size_t>(token_pos[t]) * H;
      const float* te = w_.token_type_embedding.data();
      float* xr = ws.x + static_cast<size_t>(t) * H;
      for (int j = 0; j < H; ++j) xr[j] = (static_cast<float>(we[j]) * ws_scale + pe[j]) + te[j];
      ops::layer_norm(xr, nullptr, w_.embedding_norm.gamma.data(), w_.embedding_norm.beta.data(), c.layer_norm_eps, H, xr);
    }
  });

  const size_t attn_stride = attn_scratch_stride(c, kernel_, max_len);
  for (size_t li = 0; li < w_.layers.size(); ++li) {
    const EncoderLayer& L = w_.layers[li];
    const bool last = li + 1 == w_.layers.size();
    const size_t row3 = static_cast<size_t>(3 * H);
    if (last && folds_last_layer(c)) {
      // Only each sequence's token 0 goes on: its query, then per head the
      // keys and values folded into it, over the hidden states (context to
      // row s, compacted).
      const int k_pad = L.qkv.w.k_pad;
      for (int s = 0; s < S; ++s)
        ops::quantize_row(ws.x + static_cast<size_t>(start[s]) * H, H, k_pad, gb.a8 + static_cast<size_t>(start[s]) * k_pad,
                          gb.a_scale + start[s], gb.a_zero + start[s]);
      gemm_rows(start.data(), S, L.qkv, H / kernels::kNr, ws.qkv, gb);
      // Tasks are head-major: a thread unpacks a head's rows once for all
      // the sequences it runs for that head.
      for_range(spread, S * heads, [&](int b, int e, int thread) {
        void* const scratch = ws.attn + static_cast<size_t>(thread) * attn_stride;
        int unpacked = -1;
        for (int task = b; task < e; ++task) {
          const int h = task / S, s = task % S;
          if (h != unpacked) attention::unpack_head_rows(L.qkv.w, H + h * hd, 2 * H + h * hd, hd, scratch);
          unpacked = h;
          const size_t row0 = static_cast<size_t>(start[s]);
          attention::folded_head(ws.x + row0 * H, static_cast<size_t>(H), seqs[s].len, H,
                                 ws.qkv + row0 * row3 + static_cast<size_t>(h) * hd, hd, k_pad, H + h * hd, 2 * H + h * hd,
                                 L.qkv.scale.data(), L.qkv.bias.data(),
                                 ws.ctx + static_cast<size_t>(s) * H + static_cast<size_t>(h) * hd, scratch);
        }
      });
    } else {
      linear(spread, ws.x, T, L.qkv, ws.qkv, gb);
      // Attention per (head, sequence), head-major: each thread's contiguous
      // share then holds every sequence, long and short, not whole
      // sequences. A last layer that does not fold computes only token 0's
      // context, to row s (compacted).
      for_range(spread, S * heads, [&](int b, int e, int thread) {
        void* scratch = ws.attn + static_cast<size_t>(thread) * attn_stride;
        for (int task = b; task < e; ++task) {
          const int h = task / S, s = task % S;
          const size_t row0 = static_cast<size_t>(start[s]);
          const float* base = ws.qkv + row0 * row3 + static_cast<size_t>(h) * hd;
          float* out = ws.ctx + (last ? static_cast<size_t>(s) : row0) * H + static_cast<size_t>(h) * hd;
          attention::head(kernel_, base, base + H, base + 2 * H, row3, seqs[s].len, last ? 1 : seqs[s].len, hd, out,
                          static_cast<size_t>(H), scratch);
        }
      });
    }

    int rows = T;
    if (last) {
      // Keep only each sequence's first token; start[s] >= s, so moving rows
      // down in order never overwrites a row still to be read.
      for (int s = 0; s < S; ++s)
        if (start[s] != s) std::memmove(ws.x + static_cast<size_t>(s) * H, ws.x + static_cast<size_t>(start[s]) * H, sizeof(float) * H);
      rows = S;
    }
    linear(spread, ws.ctx, rows, L.attn_out, ws.tmp, gb);
    add_and_norm(spread, ws.tmp, rows, L.attn_norm, ws.x);
    linear(spread, ws.x, rows, L.ffn_up, ws.hid, gb, Epilogue::kGelu);
    linear(spread, ws.hid, rows, L.ffn_down, ws.tmp, gb);
    add_and_norm(spread, ws.tmp, rows, L.ffn_norm, ws.x);
  }

  // Head on the first token: dense -> tanh -> out_proj.
  for_range(spread, S, [&](int b, int e, int) {
    for (int s = b; s < e; ++s) {
      const float* xr = ws.x + static_cast<size_t>(s) * H;
      float* hr = ws.tmp + static_cast<size_t>(s) * H;
      for (int j = 0; j < H; ++j)
        hr[j] = ops::tanh(ops::dot(w_.head_dense.data() + static_cast<size_t>(j) * H, xr, H) + w_.head_dense_bias[j]);
      logits[s] = ops::dot(w_.out_proj.data(), hr, H) + w_.out_proj_bias;
    }
  });
  return ok_status();
}

}  // namespace indorerank
