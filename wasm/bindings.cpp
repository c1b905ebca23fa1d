// Embind bindings: marshalling between JavaScript and the C++ API, nothing else.
//
// No call throws across the boundary. Each returns either its value or an
// object {error: message, code: status name}, which js/src turns into an Error;
// the reranker stays usable after any failed call, running out of memory
// included (Guarded, in values.hpp).
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "indorerank/indorerank.hpp"
#include "kernels/kernels.hpp"
#include "tokenizer.hpp"
#include "values.hpp"

using emscripten::val;

namespace {

using indorerank::wasm::error_value;
using indorerank::wasm::flag;
using indorerank::wasm::guard;
using indorerank::wasm::Guarded;
using indorerank::wasm::ModelBuffer;
using indorerank::wasm::num;

val encoding_value(const indorerank::Encoding& enc) {
  val out = val::object();
  out.set("inputIds", val(emscripten::typed_memory_view(enc.input_ids.size(), enc.input_ids.data()))
                          .call<val>("slice"));
  out.set("queryTruncated", enc.query_truncated);
  out.set("passageTruncated", enc.passage_truncated);
  out.set("truncated", enc.truncated());
  return out;
}

// opts: {maxLength, memoryLimit, threads, kernel}; numbers already checked by JS.
indorerank::LoadOptions load_options(val opts) {
  indorerank::LoadOptions o;
  o.max_length = static_cast<int>(num(opts, "maxLength", o.max_length));
  o.memory_limit = static_cast<size_t>(num(opts, "memoryLimit", static_cast<double>(o.memory_limit)));
  o.threads = static_cast<int>(num(opts, "threads", o.threads));
  if (opts["kernel"].isString()) o.kernel = opts["kernel"].as<std::string>();
  return o;
}

// opts: {topK, returnDocuments, chunkLongPassages, chunkOverlap}.
indorerank::RerankOptions rerank_options(val opts) {
  indorerank::RerankOptions o;
  o.top_k = static_cast<size_t>(num(opts, "topK", 0));
  o.return_documents = flag(opts, "returnDocuments");
  o.chunk_long_passages = flag(opts, "chunkLongPassages");
  o.chunk_overlap = static_cast<int>(num(opts, "chunkOverlap", o.chunk_overlap));
  return o;
}

val layout_value(const indorerank::ModelLayout& l) {
  val out = val::object();
  out.set("headerBytes", static_cast<double>(l.header_bytes));
  out.set("headBytes", static_cast<double>(l.head_bytes));
  out.set("fileBytes", static_cast<double>(l.file_bytes));
  out.set("blockRows", l.block_rows);
  out.set("blocks", l.blocks);
  out.set("rowBytes", l.row_bytes);
  return out;
}

class WasmReranker {
 public:
  // A whole model file. Returns null on success.
  val load(ModelBuffer& buffer, val opts) {
    auto loaded = indorerank::Reranker::load_from_bytes(buffer.take(), load_options(opts));
    if (!loaded.ok()) return error_value(loaded.status());
    r_ = std::move(loaded).value();
    return val::null();
  }

  // A model file's head: embedding blocks come later through addBlocks().
  val loadHead(ModelBuffer& buffer, val opts) {
    auto loaded = indorerank::Reranker::load_head(buffer.take(), load_options(opts));
    if (!loaded.ok()) return error_value(loaded.status());
    r_ = std::move(loaded).value();
    return val::null();
  }

  // The blocks rerank(query, passages, opts) needs and lacks: an array of indices.
  val missingBlocks(const std::string& query, val passages, val opts) {
    if (!r_) return not_loaded();
    const std::vector<std::string> texts = emscripten::vecFromJSArray<std::string>(passages);
    auto missing = r_->missing_embedding_blocks(query, texts, rerank_options(opts));
    if (!missing.ok()) return error_value(missing.status());
    return val(emscripten::typed_memory_view(missing->size(), missing->data())).call<val>("slice");
  }

  // Consecutive blocks first, first + 1, ... filling `buffer` (file bytes
  // block_begin(first) .. block_end(last)). Each is checked on its own; the
  // first bad one stops the call, the good ones before it are kept.
  val addBlocks(unsigned first, ModelBuffer& buffer) {
    if (!r_) return not_loaded();
    const std::vector<uint8_t> bytes = buffer.take();
    const indorerank::ModelLayout l = r_->info().layout;
    size_t off = 0;
    for (uint32_t b = first; off < bytes.size(); ++b) {
      if (b >= l.blocks)
        return error_value(indorerank::invalid_argument("the bytes run past the last embedding block"));
      const size_t n = static_cast<size_t>(std::min<uint64_t>(l.block_end(b) - l.block_begin(b), bytes.size() - off));
      const indorerank::Status s = r_->add_embedding_block(b, bytes.data() + off, n);
      if (!s.ok()) return error_value(s);
      off += n;
    }
    return val::null();
  }

  // passages: an array of strings.
  val rerank(const std::string& query, val passages, val opts) {
    if (!r_) return not_loaded();
    const std::vector<std::string> texts = emscripten::vecFromJSArray<std::string>(passages);
    const indorerank::RerankOptions o = rerank_options(opts);
    auto ranked = r_->rerank(query, texts, o);
    if (!ranked.ok()) return error_value(ranked.status());
    val out = val::array();
    unsigned i = 0;
    for (const indorerank::Result& res : ranked.value()) {
      val item = val::object();
      item.set("index", static_cast<double>(res.index));
      item.set("score", res.score);
      item.set("logit", res.logit);
      item.set("truncated", res.truncated);
      item.set("chunks", res.chunks);
      if (o.return_documents) item.set("document", res.document);
      out.set(i++, item);
    }
    return out;
  }

  // Logits for pre-tokenized sequences (arrays of ids), in input order.
  val scoreIds(val sequences) {
    if (!r_) return not_loaded();
    const unsigned n = sequences["length"].as<unsigned>();
    std::vector<std::vector<int32_t>> seqs(n);
    for (unsigned i = 0; i < n; ++i) seqs[i] = emscripten::vecFromJSArray<int32_t>(sequences[i]);
    auto logits = r_->score_ids(seqs);
    if (!logits.ok()) return error_value(logits.status());
    val out = val::array();
    for (unsigned i = 0; i < n; ++i) out.set(i, logits.value()[i]);
    return out;
  }

  val tokenize(const std::string& query, const std::string& passage) {
    if (!r_) return not_loaded();
    auto enc = r_->tokenize(query, passage);
    if (!enc.ok()) return error_value(enc.status());
    return encoding_value(enc.value());
  }

  val info() const {
    if (!r_) return not_loaded();
    const indorerank::Info i = r_->info();
    val out = val::object();
    out.set("kernel", i.kernel);
    out.set("threads", i.threads);
    out.set("maxLength", i.max_length);
    out.set("weightBytes", static_cast<double>(i.weight_bytes));
    out.set("fileBytes", static_cast<double>(i.file_bytes));
    out.set("memoryLimit", static_cast<double>(i.memory_limit));
    out.set("minMemory", static_cast<double>(i.min_memory));
    out.set("peakBytes", static_cast<double>(i.peak_bytes));
    out.set("layout", layout_value(i.layout));
    out.set("residentBlocks", i.resident_blocks);
    val c = val::object();
    c.set("vocabSize", i.config.vocab_size);
    c.set("hiddenSize", i.config.hidden_size);
    c.set("numLayers", i.config.num_layers);
    c.set("numHeads", i.config.num_heads);
    c.set("intermediateSize", i.config.intermediate_size);
    c.set("maxPositionEmbeddings", i.config.max_position_embeddings);
    out.set("config", c);
    return out;
  }

 private:
  static val not_loaded() {
    return error_value(indorerank::failed_precondition("no model is loaded"));
  }
  std::unique_ptr<indorerank::Reranker> r_;
};

// Pair tokenization alone, from a raw sentencepiece model: the tokenizer of
// the onnxruntime-web backend, so both backends see identical input ids.
class WasmTokenizer {
 public:
  val load(ModelBuffer& spm, int max_length) {
    if (max_length < 8 || max_length > 512)
      return error_value(indorerank::invalid_argument("maxLength must be between 8 and 512, got " +
                                                      std::to_string(max_length)));
    std::vector<uint8_t> bytes = spm.take();
    // The id bound is the model's business here (the ONNX graph checks it).
    auto t = indorerank::Tokenizer::create(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), 1 << 30);
    if (!t.ok()) return error_value(t.status());
    tok_ = std::move(t).value();
    max_length_ = max_length;
    return val::null();
  }

  val encodePair(const std::string& query, const std::string& passage) const {
    if (!tok_) return error_value(indorerank::failed_precondition("no tokenizer is loaded"));
    auto enc = tok_->encode_pair(query, passage, max_length_);
    if (!enc.ok()) return error_value(enc.status());
    return encoding_value(enc.value());
  }

 private:
  std::unique_ptr<indorerank::Tokenizer> tok_;
  int max_length_ = 256;
};

#if defined(INDORERANK_WASM_NODE)
// Node only (the host file system is mounted): a Hugging Face folder to one model file.
val convert(const std::string& hf_dir, const std::string& out_path) {
  return guard([&] {
    const indorerank::Status s = indorerank::convert_hf_model(hf_dir, out_path);
    return s.ok() ? val(true) : error_value(s);
  });
}
#endif

// A Hugging Face checkpoint's three files (config.json, sentencepiece.bpe.model,
// model.safetensors) to one model file in `out`. The inputs are consumed.
val convert_taken(ModelBuffer& config, ModelBuffer& spm, ModelBuffer& checkpoint, ModelBuffer& out) {
  const std::vector<uint8_t> cfg = config.take();
  indorerank::StatusOr<std::vector<uint8_t>> converted = [&] {
    const std::vector<uint8_t> st = checkpoint.take();  // freed when the conversion returns
    return indorerank::convert_hf_model_bytes(std::string_view(reinterpret_cast<const char*>(cfg.data()), cfg.size()),
                                              spm.take(), st.data(), st.size());
  }();
  if (!converted.ok()) return error_value(converted.status());
  out.assign(std::move(converted).value());
  return val::null();
}

val convert_bytes(ModelBuffer& config, ModelBuffer& spm, ModelBuffer& checkpoint, ModelBuffer& out) {
  return guard([&] { return convert_taken(config, spm, checkpoint, out); });
}

std::string best_kernel() { return indorerank::best_kernel_name(); }

// Diagnostics: the kernels this runtime runs (best first), and one of them
// checked against the scalar reference here and now ("" when it agrees).
val kernel_names() {
  val out = val::array();
  for (const auto& name : indorerank::available_kernels()) out.call<void>("push", name);
  return out;
}

std::string check_kernel(const std::string& name, bool thorough) {
  const auto* k = indorerank::kernels::find(name);
  if (!k) return "no kernel " + name + " in this runtime";
  return indorerank::kernels::check_against_ref(*k, thorough);
}

// A model file's layout from its first bytes (the buffer is consumed).
val read_layout_taken(ModelBuffer& prefix) {
  const std::vector<uint8_t> bytes = prefix.take();
  auto l = indorerank::Reranker::read_layout(bytes.data(), bytes.size());
  if (!l.ok()) return error_value(l.status());
  return layout_value(l.value());
}

val read_layout(ModelBuffer& prefix) {
  return guard([&] { return read_layout_taken(prefix); });
}

}  // namespace

EMSCRIPTEN_BINDINGS(indorerank) {
  emscripten::class_<ModelBuffer>("ModelBuffer")
      .constructor<double>()
      .function("ok", &ModelBuffer::ok)
      .function("ptr", &ModelBuffer::ptr)
      .function("size", &ModelBuffer::size);
  emscripten::class_<WasmReranker>("WasmReranker")
      .constructor<>()
      .function("load", &Guarded<&WasmReranker::load>::call)
      .function("loadHead", &Guarded<&WasmReranker::loadHead>::call)
      .function("missingBlocks", &Guarded<&WasmReranker::missingBlocks>::call)
      .function("addBlocks", &Guarded<&WasmReranker::addBlocks>::call)
      .function("rerank", &Guarded<&WasmReranker::rerank>::call)
      .function("scoreIds", &Guarded<&WasmReranker::scoreIds>::call)
      .function("tokenize", &Guarded<&WasmReranker::tokenize>::call)
      .function("info", &Guarded<&WasmReranker::info>::call);
  emscripten::class_<WasmTokenizer>("WasmTokenizer")
      .constructor<>()
      .function("load", &Guarded<&WasmTokenizer::load>::call)
      .function("encodePair", &Guarded<&WasmTokenizer::encodePair>::call);
  emscripten::function("bestKernel", &best_kernel);
  emscripten::function("kernelNames", &kernel_names);
  emscripten::function("checkKernel", &check_kernel);
  emscripten::function("convertBytes", &convert_bytes);
  emscripten::function("readLayout", &read_layout);
#if defined(INDORERANK_WASM_NODE)
  emscripten::function("convert", &convert);
#endif
}
