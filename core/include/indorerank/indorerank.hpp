// indorerank: rerank Indonesian passages with an int8 cross-encoder, on device.
//
// Basic usage:
//
//   #include <indorerank/indorerank.hpp>
//
//   indorerank::LoadOptions opts;            // max_length 256, 1 thread, 256 MiB cap
//   auto loaded = indorerank::Reranker::load("rerank-indonesia.int8.safetensors", opts);
//   if (!loaded.ok()) { fprintf(stderr, "%s\n", loaded.status().message().c_str()); return 1; }
//   std::unique_ptr<indorerank::Reranker> ranker = std::move(loaded).value();
//
//   std::vector<std::string> passages = {"Jakarta adalah ibu kota Indonesia.",
//                                        "Rendang berasal dari Sumatera Barat."};
//   indorerank::RerankOptions ro;
//   ro.top_k = 1;
//   auto results = ranker->rerank("apa ibu kota indonesia", passages, ro);
//   // results.value()[0].index == 0, .score in (0, 1), .truncated == false
//
// Model file: one `*.int8.safetensors` written by `indorerank convert` from a
// Hugging Face XLM-RoBERTa cross-encoder folder (see core/src/model_file.hpp for
// the tensor list). Linear weights are int8, symmetric, one fp32 scale per
// output channel; activations are quantized to int8 per token row at run time,
// so a passage's score does not depend on what else is in the request.
//
// Thread safety: one Reranker may be shared by threads; calls to rerank() and
// tokenize() are serialized internally (each rerank uses the reranker's own
// thread pool). Create several Rerankers for concurrent scoring.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "indorerank/status.hpp"

INDORERANK_API_BEGIN
namespace indorerank {

struct LoadOptions {
  /// Tokens per (query, passage) pair including the 4 special tokens; 8..512.
  int max_length = 256;
  /// Hard cap in bytes for all working memory of one rerank call: the engine's
  /// activations and kernel scratch, and the tokenizer's working memory (long
  /// texts are read in bounded prefixes; a small cap makes them shorter).
  /// Weights are not counted here (see Info::weight_bytes). A cap too small
  /// for one max_length pair makes load() fail with kResourceExhausted and
  /// says the minimum.
  size_t memory_limit = size_t(256) << 20;
  /// Worker threads for the engine; 0 means one per hardware thread. A call
  /// with many pairs runs whole micro-batches side by side, one per thread,
  /// each in its own share of memory_limit (when the shares fit); a call with
  /// few pairs splits each operation over the threads. Scores are the same
  /// bits either way.
  int threads = 1;
  /// Kernel to use: "" picks the best this CPU supports; "ref" forces the
  /// scalar reference; naming a kernel the CPU or build lacks is an error.
  std::string kernel;
};

struct RerankOptions {
  /// Keep only the best top_k results; 0 keeps all.
  size_t top_k = 0;
  /// Copy each passage's text into Result::document.
  bool return_documents = false;
  /// Instead of cutting a passage that does not fit max_length, score it in
  /// overlapping windows and keep the best window's score (Result::chunks
  /// says how many windows ran).
  bool chunk_long_passages = false;
  /// Tokens shared by neighbouring windows when chunking (0 .. window/2).
  int chunk_overlap = 32;
};

struct Result {
  size_t index = 0;        ///< Position of the passage in the caller's input.
  float score = 0.0f;      ///< sigmoid(logit), in [0, 1].
  float logit = 0.0f;      ///< Raw model output.
  bool truncated = false;  ///< The passage was cut to fit max_length.
  int chunks = 1;          ///< Windows scored (> 1 only when chunking a long passage).
  int tokens = 0;          ///< Tokens the model read for this pair, summed over its windows.
  std::string document;    ///< The passage text, when return_documents.
};

struct Encoding {
  /// <s> query </s></s> passage </s>, XLM-R ids (fairseq offset applied).
  std::vector<int32_t> input_ids;
  bool query_truncated = false;
  bool passage_truncated = false;
  bool truncated() const { return query_truncated || passage_truncated; }
};

struct ModelConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  float layer_norm_eps = 1e-5f;
};

/// Where a model file keeps what, read from its first bytes: a loader can
/// fetch the head first (tokenizer, encoder, everything but the word
/// embeddings) and the embedding rows block by block as pairs need them.
/// Files written by `indorerank convert` keep the table last, in blocks of
/// 16 rows with a CRC-32 each; older files have no blocks and load whole.
struct ModelLayout {
  uint64_t header_bytes = 0;  ///< The file's header: read_layout() needs at least these bytes.
  uint64_t head_bytes = 0;    ///< Bytes before the embedding table: what load_head() takes.
  uint64_t file_bytes = 0;    ///< The whole file.
  uint32_t block_rows = 0;    ///< Embedding rows per block; 0: the file has no blocks (load it whole).
  uint32_t blocks = 0;        ///< Blocks in the table.
  uint32_t row_bytes = 0;     ///< Bytes of one embedding row.
  /// File bytes [block_begin(b), block_end(b)) hold block b.
  uint64_t block_begin(uint32_t b) const { return head_bytes + uint64_t(b) * block_rows * row_bytes; }
  uint64_t block_end(uint32_t b) const {
    const uint64_t e = block_begin(b + 1);
    return e < file_bytes ? e : file_bytes;
  }
};

struct Info {
  std::string kernel;          ///< e.g. "avx2", "ref"
  int threads = 1;
  int max_length = 0;
  ModelConfig config;
  size_t weight_bytes = 0;     ///< Bytes held for weights (packed copies + mapped file).
  size_t file_bytes = 0;       ///< Size of the model file.
  size_t memory_limit = 0;     ///< The working-memory cap.
  size_t min_memory = 0;       ///< Working memory one max_length pair needs.
  size_t peak_bytes = 0;       ///< Largest working memory used so far (the engine's peak plus the
                               ///< tokenizer's bound for the longest text it has read).
  ModelLayout layout;          ///< The model file's layout.
  uint32_t resident_blocks = 0;  ///< Embedding blocks held (all of them unless loaded by load_head()).
};

class Reranker {
 public:
  /// Loads a model file from a path (memory-mapped where the OS allows).
  static StatusOr<std::unique_ptr<Reranker>> load(const std::string& path,
                                                  const LoadOptions& options = {});
  /// Loads a model from bytes; the bytes are copied, the caller keeps theirs.
  static StatusOr<std::unique_ptr<Reranker>> load_from_bytes(const uint8_t* data, size_t size,
                                                             const LoadOptions& options = {});
  /// Loads a model from bytes the reranker takes over (no copy is made).
  static StatusOr<std::unique_ptr<Reranker>> load_from_bytes(std::vector<uint8_t> bytes,
                                                             const LoadOptions& options = {});
  /// Loads a model from its head, the first ModelLayout::head_bytes bytes of
  /// a file with blocks, holding no embedding rows yet: add the blocks a call
  /// needs (missing_embedding_blocks()) with add_embedding_block() first. A
  /// call using a token whose block is absent fails with kFailedPrecondition.
  static StatusOr<std::unique_ptr<Reranker>> load_head(std::vector<uint8_t> head, const LoadOptions& options = {});
  /// The layout of a model file from its first bytes. Given fewer than its
  /// header_bytes, only header_bytes is set: read that many and call again.
  static StatusOr<ModelLayout> read_layout(const uint8_t* data, size_t size);
  ~Reranker();
  Reranker(const Reranker&) = delete;
  Reranker& operator=(const Reranker&) = delete;

  /// Scores every passage against the query and returns results sorted by
  /// score, best first; equal scores keep input order. The inputs are not
  /// modified. Invalid UTF-8 is read as U+FFFD per maximal invalid subpart.
  StatusOr<std::vector<Result>> rerank(std::string_view query,
                                       const std::vector<std::string>& passages,
                                       const RerankOptions& options = {});

  /// Logits for pre-tokenized pairs (each a full input_ids sequence as from
  /// tokenize()), in input order. For parity tests and benchmarks.
  StatusOr<std::vector<float>> score_ids(const std::vector<std::vector<int32_t>>& sequences);

  /// The exact model input for one pair.
  StatusOr<Encoding> tokenize(std::string_view query, std::string_view passage) const;
  /// The windows rerank() scores for a pair when chunking (one window when
  /// the passage fits); each window's passage_truncated is false.
  StatusOr<std::vector<Encoding>> tokenize_chunks(std::string_view query, std::string_view passage,
                                                  int overlap = 32) const;

  /// The embedding blocks rerank(query, passages, options) would use that
  /// this reranker does not hold yet, ascending (empty unless loaded by load_head()).
  StatusOr<std::vector<uint32_t>> missing_embedding_blocks(std::string_view query,
                                                           const std::vector<std::string>& passages,
                                                           const RerankOptions& options = {}) const;
  /// Adds embedding block `index`: the file's bytes [block_begin(index),
  /// block_end(index)), copied. A wrong size or checksum is kDataLoss and
  /// changes nothing; adding a block already held is a no-op.
  Status add_embedding_block(uint32_t index, const uint8_t* data, size_t size);

  Info info() const;

  struct INDORERANK_HIDDEN Impl;  // engine internals, not exported

 private:
  explicit Reranker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Converts a Hugging Face model folder (config.json, model.safetensors in
/// F32/F16/BF16, sentencepiece.bpe.model) to one int8 model file.
Status convert_hf_model(const std::string& hf_dir, const std::string& out_path);

/// The same conversion from the three files' bytes (for callers without a
/// file system, such as a browser): returns the int8 model file's bytes.
/// `safetensors_data` is only read, during the call.
StatusOr<std::vector<uint8_t>> convert_hf_model_bytes(std::string_view config_json, std::vector<uint8_t> spm,
                                                      const uint8_t* safetensors_data, size_t safetensors_size);

/// The kernel load() would pick on this CPU ("avx2", "ref", ...).
std::string best_kernel_name();
/// Every kernel this build contains and this CPU can run.
std::vector<std::string> available_kernels();

/// sigmoid(x) as the scores use it.
float sigmoid(float x);

}  // namespace indorerank
INDORERANK_API_END
