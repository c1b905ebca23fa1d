// The C API (indorerank.h) over the C++ API.
#include "indorerank/indorerank.h"

#include <string>

#include "c_api_error.hpp"
#include "indorerank/indorerank.hpp"

using indorerank::c_api::fail;
using indorerank::c_api::succeed;

struct ir_reranker {
  std::unique_ptr<indorerank::Reranker> impl;
  std::string kernel;
};

namespace {

indorerank::LoadOptions to_options(const ir_load_params* p) {
  indorerank::LoadOptions o;
  if (p) {
    o.max_length = p->max_length;
    o.memory_limit = static_cast<size_t>(p->memory_limit);
    o.threads = p->threads;
    o.kernel = p->kernel ? p->kernel : "";
  }
  return o;
}

ir_status finish_load(indorerank::StatusOr<std::unique_ptr<indorerank::Reranker>> r, ir_reranker** out) {
  if (!r.ok()) return fail(r.status());
  auto* h = new ir_reranker;
  h->impl = std::move(r).value();
  h->kernel = h->impl->info().kernel;
  *out = h;
  return succeed();
}

}  // namespace

extern "C" {

ir_load_params ir_load_default_params(void) {
  const indorerank::LoadOptions d;
  ir_load_params p;
  p.max_length = d.max_length;
  p.memory_limit = d.memory_limit;
  p.threads = d.threads;
  p.kernel = nullptr;
  return p;
}

ir_rerank_params ir_rerank_default_params(void) {
  const indorerank::RerankOptions d;
  ir_rerank_params p;
  p.top_k = d.top_k;
  p.chunk_long_passages = d.chunk_long_passages ? 1 : 0;
  p.chunk_overlap = d.chunk_overlap;
  return p;
}

ir_status ir_load(const char* path, const ir_load_params* params, ir_reranker** out) {
  if (!path || !out) return fail(IR_INVALID_ARGUMENT, "ir_load: path and out must not be NULL");
  *out = nullptr;
  return finish_load(indorerank::Reranker::load(path, to_options(params)), out);
}

ir_status ir_load_from_bytes(const uint8_t* data, size_t size, const ir_load_params* params, ir_reranker** out) {
  if (!out || (!data && size)) return fail(IR_INVALID_ARGUMENT, "ir_load_from_bytes: bad arguments");
  *out = nullptr;
  return finish_load(indorerank::Reranker::load_from_bytes(data, size, to_options(params)), out);
}

void ir_free(ir_reranker* r) { delete r; }

ir_status ir_rerank(ir_reranker* r, const char* query, const char* const* passages, size_t count,
                    const ir_rerank_params* params, ir_result* results, size_t* written) {
  if (!r || !query || !written || (count && (!passages || !results)))
    return fail(IR_INVALID_ARGUMENT, "ir_rerank: NULL argument");
  *written = 0;
  std::vector<std::string> ps;
  ps.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    if (!passages[i]) return fail(IR_INVALID_ARGUMENT, "ir_rerank: passage " + std::to_string(i) + " is NULL");
    ps.emplace_back(passages[i]);
  }
  const ir_rerank_params p = params ? *params : ir_rerank_default_params();
  indorerank::RerankOptions o;
  o.top_k = p.top_k;
  o.chunk_long_passages = p.chunk_long_passages != 0;
  o.chunk_overlap = p.chunk_overlap;
  auto res = r->impl->rerank(query, ps, o);
  if (!res.ok()) return fail(res.status());
  for (size_t i = 0; i < res->size(); ++i) {
    const auto& x = res->at(i);
    results[i] = ir_result{x.index, x.score, x.logit, x.truncated ? 1 : 0, x.chunks};
  }
  *written = res->size();
  return succeed();
}

ir_status ir_tokenize(ir_reranker* r, const char* query, const char* passage, int32_t* ids, size_t capacity,
                      size_t* len, int32_t* truncated) {
  if (!r || !query || !passage || !ids || !len) return fail(IR_INVALID_ARGUMENT, "ir_tokenize: NULL argument");
  auto e = r->impl->tokenize(query, passage);
  if (!e.ok()) return fail(e.status());
  if (e->input_ids.size() > capacity)
    return fail(IR_INVALID_ARGUMENT, "ir_tokenize: need room for " + std::to_string(e->input_ids.size()) + " ids");
  std::copy(e->input_ids.begin(), e->input_ids.end(), ids);
  *len = e->input_ids.size();
  if (truncated) *truncated = e->truncated() ? 1 : 0;
  return succeed();
}

const char* ir_kernel_name(const ir_reranker* r) { return r ? r->kernel.c_str() : ""; }

uint64_t ir_peak_bytes(const ir_reranker* r) { return r ? r->impl->info().peak_bytes : 0; }

const char* ir_last_error(void) { return indorerank::c_api::last_error().c_str(); }

const char* ir_status_name(ir_status s) { return indorerank::status_code_name(static_cast<indorerank::StatusCode>(s)); }

}  // extern "C"
