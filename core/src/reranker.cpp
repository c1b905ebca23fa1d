// The public Reranker: loading, scheduling micro-batches under the memory
// cap, ranking.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <thread>

#include "arena.hpp"
#include "blob.hpp"
#include "encoder.hpp"
#include "indorerank/indorerank.hpp"
#include "model_file.hpp"
#include "ops.hpp"
#include "thread_pool.hpp"
#include "tokenizer.hpp"

namespace indorerank {

namespace {
constexpr int kMaxBatchTokens = 256;  // measured best: activations stay in L2
constexpr int kMaxThreads = 256;
}  // namespace

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid_argument";
    case StatusCode::kNotFound: return "not_found";
    case StatusCode::kDataLoss: return "data_loss";
    case StatusCode::kResourceExhausted: return "resource_exhausted";
    case StatusCode::kFailedPrecondition: return "failed_precondition";
    case StatusCode::kUnimplemented: return "unimplemented";
    case StatusCode::kInternal: return "internal";
    case StatusCode::kIoError: return "io_error";
  }
  return "unknown";
}

std::string Status::to_string() const {
  if (ok()) return "ok";
  return std::string(status_code_name(code_)) + ": " + message_;
}

float sigmoid(float x) { return ops::sigmoid(x); }

std::string best_kernel_name() { return kernels::best().name; }

std::vector<std::string> available_kernels() {
  std::vector<std::string> out;
  for (const auto* k : kernels::available()) out.emplace_back(k->name);
  return out;
}

struct Reranker::Impl {
  std::unique_ptr<ModelWeights> weights;
  std::unique_ptr<Tokenizer> tokenizer;
  const kernels::KernelTable* kernel = nullptr;
  std::unique_ptr<ThreadPool> pool;
  std::unique_ptr<Arena> arena;
  std::unique_ptr<Encoder> encoder;
  LoadOptions options;
  int batch_tokens = 0;  // most tokens one micro-batch may hold under the cap
  size_t min_memory = 0;
  mutable std::mutex mu;

  Status run(const std::vector<SequenceRef>& seqs, float* logits);
  /// The windows rerank() scores: one per passage, or several when chunking.
  StatusOr<std::vector<std::vector<Encoding>>> encode(std::string_view query, const std::vector<std::string>& passages,
                                                      const RerankOptions& options) const;
};

Reranker::Reranker(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Reranker::~Reranker() = default;

static StatusOr<std::unique_ptr<Reranker::Impl>> make_impl(std::shared_ptr<const Blob> blob, const LoadOptions& o,
                                                           bool head_only = false) {
  if (o.max_length < 8 || o.max_length > 512)
    return invalid_argument("max_length must be between 8 and 512, got " + std::to_string(o.max_length));
  if (o.threads < 0 || o.threads > kMaxThreads) return invalid_argument("threads must be between 0 and 256");
  auto impl = std::make_unique<Reranker::Impl>();
  impl->options = o;
  if (o.kernel.empty()) {
    impl->kernel = &kernels::best();
  } else {
    impl->kernel = kernels::find(o.kernel);
    if (!impl->kernel) {
      std::string names;
      for (const auto& n : available_kernels()) names += (names.empty() ? "" : ", ") + n;
      return unimplemented("kernel '" + o.kernel + "' is not available on this CPU/build (available: " + names + ")");
    }
  }
  INDORERANK_ASSIGN_OR_RETURN(impl->weights, load_model(std::move(blob), head_only));
  const ModelConfig& c = impl->weights->config;
  if (o.max_length > c.max_position_embeddings - 2)
    return invalid_argument("max_length " + std::to_string(o.max_length) + " exceeds the model's " +
                            std::to_string(c.max_position_embeddings - 2) + " positions");

  int threads = o.threads;
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
  threads = 1;  // a WebAssembly build without pthreads runs on the calling thread; info() says so
#endif
  impl->options.threads = threads;

  // The cap covers the engine's arena and the tokenizer's working memory. The
  // tokenizer reads at most kPrefixLimit bytes at once, less under a small cap.
  const size_t engine_min = Encoder::workspace_bytes(c, *impl->kernel, o.max_length, o.max_length, threads);
  impl->min_memory = engine_min + Tokenizer::working_bytes(Tokenizer::kMinPrefixLimit);
  if (impl->min_memory > o.memory_limit)
    return resource_exhausted("memory_limit " + std::to_string(o.memory_limit) + " bytes is too small: one pair of " +
                              std::to_string(o.max_length) + " tokens needs " + std::to_string(impl->min_memory) +
                              " bytes of working memory (" + std::to_string(engine_min) + " for the engine, the rest " +
                              "for the tokenizer; lower max_length or threads, or raise the limit)");
  size_t prefix_limit = Tokenizer::kPrefixLimit;
  while (prefix_limit > Tokenizer::kMinPrefixLimit &&
         engine_min + Tokenizer::working_bytes(prefix_limit) > o.memory_limit)
    prefix_limit /= 2;
  INDORERANK_ASSIGN_OR_RETURN(impl->tokenizer,
                              Tokenizer::create(impl->weights->sentencepiece_model, c.vocab_size, prefix_limit));
  std::string().swap(impl->weights->sentencepiece_model);  // the tokenizer holds its own copy
  const size_t arena_cap = o.memory_limit - Tokenizer::working_bytes(prefix_limit);
  int lo = o.max_length, hi = kMaxBatchTokens;
  while (lo < hi) {  // largest token count whose workspace fits the arena's share
    const int mid = (lo + hi + 1) / 2;
    const size_t bytes = Encoder::workspace_bytes(c, *impl->kernel, mid, o.max_length, threads);
    if (bytes <= arena_cap)
      lo = mid;
    else
      hi = mid - 1;
  }
  impl->batch_tokens = lo;
  impl->pool = std::make_unique<ThreadPool>(threads);
  impl->arena = std::make_unique<Arena>(arena_cap);
  impl->encoder = std::make_unique<Encoder>(*impl->weights, *impl->kernel, *impl->pool);
  return impl;
}

StatusOr<std::unique_ptr<Reranker>> Reranker::load(const std::string& path, const LoadOptions& options) {
  INDORERANK_ASSIGN_OR_RETURN(auto blob, map_file(path));
  auto impl = make_impl(std::move(blob), options);
  if (!impl.ok()) return Status(impl.status().code(), path + ": " + impl.status().message());
  return std::unique_ptr<Reranker>(new Reranker(std::move(impl).value()));
}

StatusOr<std::unique_ptr<Reranker>> Reranker::load_from_bytes(const uint8_t* data, size_t size,
                                                               const LoadOptions& options) {
  if (data == nullptr && size != 0) return invalid_argument("null model bytes");
  return load_from_bytes(std::vector<uint8_t>(data, data + size), options);
}

StatusOr<std::unique_ptr<Reranker>> Reranker::load_from_bytes(std::vector<uint8_t> bytes, const LoadOptions& options) {
  INDORERANK_ASSIGN_OR_RETURN(auto impl, make_impl(blob_from_vector(std::move(bytes)), options));
  return std::unique_ptr<Reranker>(new Reranker(std::move(impl)));
}

StatusOr<std::unique_ptr<Reranker>> Reranker::load_head(std::vector<uint8_t> head, const LoadOptions& options) {
  INDORERANK_ASSIGN_OR_RETURN(auto impl, make_impl(blob_from_vector(std::move(head)), options, true));
  return std::unique_ptr<Reranker>(new Reranker(std::move(impl)));
}

StatusOr<ModelLayout> Reranker::read_layout(const uint8_t* data, size_t size) {
  if (data == nullptr && size != 0) return invalid_argument("null model bytes");
  return indorerank::read_layout(data, size);
}

Status Reranker::Impl::run(const std::vector<SequenceRef>& seqs, float* logits) {
  const ModelConfig& c = weights->config;
  for (const SequenceRef& s : seqs)
    INDORERANK_RETURN_IF_ERROR(weights->word_embeddings.check(s.ids, static_cast<size_t>(s.len)));
  // Micro-batches, greedy in input order: results never depend on the grouping.
  struct Batch {
    size_t begin, end;
    int tokens, max_len;
  };
  std::vector<Batch> batches;
  for (size_t i = 0; i < seqs.size();) {
    Batch b{i, i, 0, 0};
    while (b.end < seqs.size() && (b.end == i || b.tokens + seqs[b.end].len <= batch_tokens)) {
      b.tokens += seqs[b.end].len;
      b.max_len = std::max(b.max_len, seqs[b.end].len);
      ++b.end;
    }
    batches.push_back(b);
    i = b.end;
  }
  const auto refs = [&](const Batch& b) {
    return std::vector<SequenceRef>(seqs.begin() + static_cast<std::ptrdiff_t>(b.begin),
                                    seqs.begin() + static_cast<std::ptrdiff_t>(b.end));
  };

  // With several threads and at least as many micro-batches, whole
  // micro-batches run side by side, one per thread on its own share of the
  // arena, so the threads share no activations (on two cores: 1.9x one
  // thread, where splitting every op over both gave 1.4x). The last
  // count % threads run one at a time over every thread; so do all of them
  // when the shares do not fit the cap, or when one micro-batch is so long
  // that the others would wait for it longer than split ops would take
  // (more than 1 / (0.7 threads) of the tokens, 0.7 being that 1.4x / 2).
  const size_t threads = static_cast<size_t>(pool->size());
  size_t side = 0, share = 0;
  if (threads > 1 && batches.size() >= threads) {
    side = batches.size() - batches.size() % threads;
    long total = 0, longest = 0;
    for (size_t k = 0; k < side; ++k) {
      share = std::max(share, Encoder::workspace_bytes(c, *kernel, batches[k].tokens, batches[k].max_len, 1));
      total += batches[k].tokens;
      longest = std::max(longest, static_cast<long>(batches[k].tokens));
    }
    if (share * threads > arena->cap() || 7 * longest * static_cast<long>(threads) > 10 * total) side = 0;
  }
  if (side > 0) {
    if (!arena->begin(share * threads)) return internal_error("micro-batch plan exceeds the memory cap");
    std::vector<Arena> shares;
    for (size_t t = 0; t < threads; ++t) shares.emplace_back(arena->alloc<uint8_t>(share), share);
    std::vector<Status> status(threads, ok_status());
    std::atomic<size_t> next{0};
    pool->parallel_for(static_cast<int>(threads), [&](int, int, int thread) {
      Status& st = status[static_cast<size_t>(thread)];
      Arena& a = shares[static_cast<size_t>(thread)];
      for (size_t k; st.ok() && (k = next.fetch_add(1)) < side;) {
        const Batch& b = batches[k];
        if (!a.begin(Encoder::workspace_bytes(c, *kernel, b.tokens, b.max_len, 1)))
          st = internal_error("micro-batch plan exceeds its share of the arena");
        else
          st = encoder->forward(refs(b), a, logits + b.begin, Encoder::Spread::kCallingThread);
      }
    });
    for (const Status& st : status) INDORERANK_RETURN_IF_ERROR(st);
  }
  for (size_t k = side; k < batches.size(); ++k) {
    const Batch& b = batches[k];
    if (!arena->begin(Encoder::workspace_bytes(c, *kernel, b.tokens, b.max_len, pool->size())))
      return internal_error("micro-batch plan exceeds the memory cap");
    INDORERANK_RETURN_IF_ERROR(encoder->forward(refs(b), *arena, logits + b.begin));
  }
  return ok_status();
}

StatusOr<Encoding> Reranker::tokenize(std::string_view query, std::string_view passage) const {
  return impl_->tokenizer->encode_pair(query, passage, impl_->options.max_length);
}

StatusOr<std::vector<Encoding>> Reranker::tokenize_chunks(std::string_view query, std::string_view passage,
                                                         int overlap) const {
  return impl_->tokenizer->encode_pair_chunks(query, passage, impl_->options.max_length, overlap);
}

StatusOr<std::vector<float>> Reranker::score_ids(const std::vector<std::vector<int32_t>>& sequences) {
  const ModelConfig& c = impl_->weights->config;
  std::vector<SequenceRef> seqs;
  seqs.reserve(sequences.size());
  for (size_t s = 0; s < sequences.size(); ++s) {
    const auto& ids = sequences[s];
    if (ids.empty() || static_cast<int>(ids.size()) > impl_->options.max_length)
      return invalid_argument("sequence " + std::to_string(s) + " has " + std::to_string(ids.size()) +
                              " tokens; need 1.." + std::to_string(impl_->options.max_length));
    for (const int32_t id : ids)
      if (id < 0 || id >= c.vocab_size)
        return invalid_argument("sequence " + std::to_string(s) + " has token id " + std::to_string(id) +
                                " outside the vocabulary [0, " + std::to_string(c.vocab_size) + ")");
    seqs.push_back({ids.data(), static_cast<int>(ids.size())});
  }
  std::vector<float> logits(sequences.size());
  std::lock_guard<std::mutex> lock(impl_->mu);
  INDORERANK_RETURN_IF_ERROR(impl_->run(seqs, logits.data()));
  return logits;
}

StatusOr<std::vector<std::vector<Encoding>>> Reranker::Impl::encode(std::string_view query,
                                                                    const std::vector<std::string>& passages,
                                                                    const RerankOptions& options) const {
  if (options.chunk_long_passages && options.chunk_overlap < 0)
    return invalid_argument("chunk_overlap must not be negative");
  std::vector<std::vector<Encoding>> windows(passages.size());
  for (size_t i = 0; i < passages.size(); ++i) {
    if (options.chunk_long_passages) {
      INDORERANK_ASSIGN_OR_RETURN(windows[i], tokenizer->encode_pair_chunks(
                                                  query, passages[i], this->options.max_length, options.chunk_overlap));
    } else {
      INDORERANK_ASSIGN_OR_RETURN(Encoding e, tokenizer->encode_pair(query, passages[i], this->options.max_length));
      windows[i].push_back(std::move(e));
    }
  }
  return windows;
}

StatusOr<std::vector<uint32_t>> Reranker::missing_embedding_blocks(std::string_view query,
                                                                   const std::vector<std::string>& passages,
                                                                   const RerankOptions& options) const {
  INDORERANK_ASSIGN_OR_RETURN(const auto windows, impl_->encode(query, passages, options));
  std::vector<int> blocks;
  std::lock_guard<std::mutex> lock(impl_->mu);
  const EmbeddingTable& table = impl_->weights->word_embeddings;
  if (table.resident_blocks() == table.blocks()) return std::vector<uint32_t>();
  for (const auto& w : windows)
    for (const auto& e : w) table.missing(e.input_ids.data(), e.input_ids.size(), &blocks);
  std::sort(blocks.begin(), blocks.end());
  blocks.erase(std::unique(blocks.begin(), blocks.end()), blocks.end());
  return std::vector<uint32_t>(blocks.begin(), blocks.end());
}

Status Reranker::add_embedding_block(uint32_t index, const uint8_t* data, size_t size) {
  if (data == nullptr && size != 0) return invalid_argument("null block bytes");
  std::lock_guard<std::mutex> lock(impl_->mu);
  EmbeddingTable& table = impl_->weights->word_embeddings;
  if (index >= static_cast<uint32_t>(table.blocks()))
    return invalid_argument("embedding block " + std::to_string(index) + " does not exist (the table has " +
                            std::to_string(table.blocks()) + " blocks)");
  return table.add(static_cast<int>(index), data, size);
}

StatusOr<std::vector<Result>> Reranker::rerank(std::string_view query, const std::vector<std::string>& passages,
                                               const RerankOptions& options) {
  INDORERANK_ASSIGN_OR_RETURN(const auto windows, impl_->encode(query, passages, options));
  std::vector<SequenceRef> seqs;
  for (const auto& w : windows)
    for (const auto& e : w) seqs.push_back({e.input_ids.data(), static_cast<int>(e.input_ids.size())});
  std::vector<float> logits(seqs.size());
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    INDORERANK_RETURN_IF_ERROR(impl_->run(seqs, logits.data()));
  }
  std::vector<Result> results(passages.size());
  size_t next = 0;
  for (size_t i = 0; i < passages.size(); ++i) {
    float best = logits[next];
    for (size_t w = 1; w < windows[i].size(); ++w) best = std::max(best, logits[next + w]);
    next += windows[i].size();
    results[i].index = i;
    results[i].logit = best;
    results[i].score = sigmoid(best);
    results[i].truncated = windows[i].front().passage_truncated;
    results[i].chunks = static_cast<int>(windows[i].size());
    for (const auto& e : windows[i]) results[i].tokens += static_cast<int>(e.input_ids.size());
  }
  std::stable_sort(results.begin(), results.end(), [](const Result& a, const Result& b) { return a.logit > b.logit; });
  if (options.top_k > 0 && options.top_k < results.size()) results.resize(options.top_k);
  if (options.return_documents)
    for (auto& r : results) r.document = passages[r.index];
  return results;
}

Info Reranker::info() const {
  Info i;
  i.kernel = impl_->kernel->name;
  i.threads = impl_->pool->size();
  i.max_length = impl_->options.max_length;
  i.config = impl_->weights->config;
  const ModelWeights& w = *impl_->weights;
  i.layout = w.layout;
  i.file_bytes = w.layout.file_bytes;
  i.weight_bytes = w.packed_bytes() + (w.file ? w.file->size() : w.word_embeddings.owned_bytes());
  i.memory_limit = impl_->options.memory_limit;
  i.min_memory = impl_->min_memory;
  std::lock_guard<std::mutex> lock(impl_->mu);
  i.peak_bytes = impl_->arena->peak_bytes() + impl_->tokenizer->peak_working_bytes();
  i.resident_blocks = static_cast<uint32_t>(w.word_embeddings.resident_blocks());
  return i;
}

}  // namespace indorerank
