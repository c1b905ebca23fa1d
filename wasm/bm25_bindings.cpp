// Embind bindings of the BM25 index (js/src/bm25.js wraps them). Like the
// reranker's, no call throws across the boundary: failures return
// {error, code} objects.
#include <emscripten/bind.h>
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "indorerank/bm25.hpp"
#include "values.hpp"

using emscripten::val;
using indorerank::wasm::error_value;
using indorerank::wasm::Guarded;
using indorerank::wasm::ModelBuffer;
using indorerank::wasm::num;

namespace {

val string_array(const std::vector<std::string>& items) {
  val out = val::array();
  for (unsigned i = 0; i < items.size(); ++i) out.set(i, items[i]);
  return out;
}

class WasmBm25 {
 public:
  // opts: {k1, b, stem, removeStopwords}; types already checked by JS.
  val init(val opts) {
    indorerank::Bm25Options o;
    o.k1 = num(opts, "k1", o.k1);
    o.b = num(opts, "b", o.b);
    if (opts["stem"].isFalse()) o.stem = false;
    if (opts["removeStopwords"].isFalse()) o.remove_stopwords = false;
    auto made = indorerank::Bm25Index::create(o);
    if (!made.ok()) return error_value(made.status());
    index_ = std::make_unique<indorerank::Bm25Index>(std::move(made).value());
    return val::null();
  }

  val load(ModelBuffer& bytes) {
    std::vector<uint8_t> data = bytes.take();
    auto loaded = indorerank::Bm25Index::deserialize(data.data(), data.size());
    if (!loaded.ok()) return error_value(loaded.status());
    index_ = std::make_unique<indorerank::Bm25Index>(std::move(loaded).value());
    return val::null();
  }

  val add(const std::string& id, const std::string& text) {
    auto s = index_->add(id, text);
    return s.ok() ? val::null() : error_value(s);
  }

  bool remove(const std::string& id) { return index_->remove(id); }
  bool has(const std::string& id) const { return index_->contains(id); }
  double size() const { return static_cast<double>(index_->size()); }
  double termCount() const { return static_cast<double>(index_->term_count()); }

  // [{id, score}], best first.
  val search(const std::string& query, double top_k) const {
    val out = val::array();
    unsigned i = 0;
    for (const auto& hit : index_->search(query, static_cast<size_t>(top_k))) {
      val item = val::object();
      item.set("id", hit.id);
      item.set("score", hit.score);
      out.set(i++, item);
    }
    return out;
  }

  val serialize() const {
    std::vector<uint8_t> bytes = index_->serialize();
    return val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<val>("slice");
  }

  val options() const {
    const auto& o = index_->options();
    val out = val::object();
    out.set("k1", o.k1);
    out.set("b", o.b);
    out.set("stem", o.stem);
    out.set("removeStopwords", o.remove_stopwords);
    return out;
  }

  val analyze(const std::string& text) const {
    const auto& o = index_->options();
    return string_array(indorerank::analyze(text, o.stem, o.remove_stopwords));
  }

 private:
  std::unique_ptr<indorerank::Bm25Index> index_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(indorerank_bm25) {
  emscripten::class_<WasmBm25>("WasmBm25")
      .constructor<>()
      .function("init", &Guarded<&WasmBm25::init>::call)
      .function("load", &Guarded<&WasmBm25::load>::call)
      .function("add", &Guarded<&WasmBm25::add>::call)
      .function("remove", &WasmBm25::remove)
      .function("has", &WasmBm25::has)
      .function("size", &WasmBm25::size)
      .function("termCount", &WasmBm25::termCount)
      .function("search", &Guarded<&WasmBm25::search>::call)
      .function("serialize", &Guarded<&WasmBm25::serialize>::call)
      .function("options", &Guarded<&WasmBm25::options>::call)
      .function("analyze", &Guarded<&WasmBm25::analyze>::call);
}
