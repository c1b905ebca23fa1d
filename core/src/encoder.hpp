// The cross-encoder forward pass over a ragged micro-batch: all tokens of all
// sequences packed into one [tokens x hidden] stream (no padding), linear
// layers as int8 GEMMs over the whole stream, attention per sequence and head.
// The last layer only finishes the first token of each sequence, which is all
// the classification head reads, with its keys and values folded into that
// token's query (folded_attention.hpp).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "arena.hpp"
#include "kernels/kernels.hpp"
#include "model_file.hpp"
#include "thread_pool.hpp"

namespace indorerank {

struct SequenceRef {
  const int32_t* ids;
  int len;
};

class Encoder {
 public:
  Encoder(const ModelWeights& w, const kernels::KernelTable& kernel, ThreadPool& pool)
      : w_(w), kernel_(kernel), pool_(pool) {}

  /// Arena bytes forward() needs for `tokens` tokens in sequences of at most
  /// `max_len` tokens, with `kernel`'s scratch for each of `threads` threads.
  static size_t workspace_bytes(const ModelConfig& c, const kernels::KernelTable& kernel, int tokens, int max_len,
                                int threads);

  /// How forward() spreads its work: over every thread of the pool, or on
  /// the calling thread alone (for micro-batches run side by side, one per
  /// thread). The scores are the same bits either way.
  enum class Spread { kPool, kCallingThread };

  /// Writes one logit per sequence. The arena must have been begun with at
  /// least workspace_bytes(...) for these sequences, with `threads` the
  /// pool's size under Spread::kPool and 1 under kCallingThread.
  Status forward(const std::vector<SequenceRef>& seqs, Arena& arena, float* logits,
                 Spread spread = Spread::kPool) const;

 private:
  enum class Epilogue { kNone, kGelu };
  /// What linear() works in: the quantized input rows, and the kernel's
  /// scratch, `scratch_stride` bytes for each thread of the pool.
  struct GemmBuffers {
    int8_t* a8;
    float* a_scale;
    int32_t* a_zero;
    uint8_t* scratch;
    size_t scratch_stride;
  };
  /// out = in * l (+ GELU); the quantized rows stay in `b`.
  void linear(Spread spread, const float* in, int rows, const QuantLinear& l, float* out, const GemmBuffers& b,
              Epilogue epilogue = Epilogue::kNone) const;
  /// The columns of blocks [0, nb_end) of the `count` single rows listed at
  /// `rows`, from their quantized rows in `b` (on the calling thread).
  void gemm_rows(const int* rows, int count, const QuantLinear& l, int nb_end, float* out, const GemmBuffers& b) const;

  /// x = LayerNorm(branch + x), row by row (post-LN residual).
  void add_and_norm(Spread spread, const float* branch, int rows, const Norm& norm, float* x) const;

  /// fn(begin, end, thread) over [0, count): the pool's parallel_for, or one
  /// call on the calling thread as thread 0.
  void for_range(Spread spread, int count, const std::function<void(int, int, int)>& fn) const;

  const ModelWeights& w_;
  const kernels::KernelTable& kernel_;
  ThreadPool& pool_;
};

}  // namespace indorerank
