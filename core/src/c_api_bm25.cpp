// The C API's BM25 functions (indorerank.h) over Bm25Index.
#include <algorithm>
#include <string>
#include <vector>

#include "c_api_error.hpp"
#include "indorerank/bm25.hpp"
#include "indorerank/indorerank.h"

using indorerank::c_api::fail;
using indorerank::c_api::succeed;

struct ir_bm25 {
  indorerank::Bm25Index impl;
};

struct ir_bm25_hits {
  std::vector<indorerank::Bm25Hit> hits;
};

extern "C" {

ir_bm25_params ir_bm25_default_params(void) {
  const indorerank::Bm25Options d;
  return ir_bm25_params{d.k1, d.b, d.stem ? 1 : 0, d.remove_stopwords ? 1 : 0};
}

ir_status ir_bm25_new(const ir_bm25_params* params, ir_bm25** out) {
  if (!out) return fail(IR_INVALID_ARGUMENT, "ir_bm25_new: out must not be NULL");
  *out = nullptr;
  const ir_bm25_params p = params ? *params : ir_bm25_default_params();
  indorerank::Bm25Options o;
  o.k1 = p.k1;
  o.b = p.b;
  o.stem = p.stem != 0;
  o.remove_stopwords = p.remove_stopwords != 0;
  auto made = indorerank::Bm25Index::create(o);
  if (!made.ok()) return fail(made.status());
  *out = new ir_bm25{std::move(made).value()};
  return succeed();
}

void ir_bm25_free(ir_bm25* index) { delete index; }

ir_status ir_bm25_add(ir_bm25* index, const char* id, const char* text) {
  if (!index || !id || !text) return fail(IR_INVALID_ARGUMENT, "ir_bm25_add: NULL argument");
  auto s = index->impl.add(id, text);
  return s.ok() ? succeed() : fail(s);
}

ir_status ir_bm25_remove(ir_bm25* index, const char* id) {
  if (!index || !id) return fail(IR_INVALID_ARGUMENT, "ir_bm25_remove: NULL argument");
  if (!index->impl.remove(id)) return fail(IR_NOT_FOUND, std::string("ir_bm25_remove: no passage '") + id + "'");
  return succeed();
}

size_t ir_bm25_size(const ir_bm25* index) { return index ? index->impl.size() : 0; }

ir_status ir_bm25_search(const ir_bm25* index, const char* query, size_t top_k, ir_bm25_hits** out) {
  if (!index || !query || !out) return fail(IR_INVALID_ARGUMENT, "ir_bm25_search: NULL argument");
  *out = new ir_bm25_hits{index->impl.search(query, top_k)};
  return succeed();
}

size_t ir_bm25_hits_count(const ir_bm25_hits* hits) { return hits ? hits->hits.size() : 0; }

const char* ir_bm25_hits_id(const ir_bm25_hits* hits, size_t i) {
  return hits && i < hits->hits.size() ? hits->hits[i].id.c_str() : "";
}

double ir_bm25_hits_score(const ir_bm25_hits* hits, size_t i) {
  return hits && i < hits->hits.size() ? hits->hits[i].score : 0.0;
}

void ir_bm25_hits_free(ir_bm25_hits* hits) { delete hits; }

ir_status ir_bm25_serialize(const ir_bm25* index, uint8_t* buffer, size_t capacity, size_t* size) {
  if (!index || !size || (capacity && !buffer)) return fail(IR_INVALID_ARGUMENT, "ir_bm25_serialize: bad arguments");
  auto bytes = index->impl.serialize();
  *size = bytes.size();
  if (bytes.size() > capacity)
    return fail(IR_RESOURCE_EXHAUSTED,
                "ir_bm25_serialize: the snapshot needs " + std::to_string(bytes.size()) + " bytes");
  std::copy(bytes.begin(), bytes.end(), buffer);
  return succeed();
}

ir_status ir_bm25_load(const uint8_t* data, size_t size, ir_bm25** out) {
  if (!out || (!data && size)) return fail(IR_INVALID_ARGUMENT, "ir_bm25_load: bad arguments");
  *out = nullptr;
  auto loaded = indorerank::Bm25Index::deserialize(data, size);
  if (!loaded.ok()) return fail(loaded.status());
  *out = new ir_bm25{std::move(loaded).value()};
  return succeed();
}

}  // extern "C"
