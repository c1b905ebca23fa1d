// The rerank HTTP APIs' request and response bodies, kept apart from the HTTP
// server so the rules are in one readable place. One request reader serves
// every protocol; each protocol has its own response shape:
//
//   POST /v1/rerank (Cohere v1, Jina, llama.cpp), /v1/reranking, /reranking
//     {"query": "...", "documents": ["...", {"id": .., "text": "...", "meta": ..}],
//      "top_n": 3, "return_documents": true, "rank_fields": ["title", "text"]}
//     200 {"id", "model", "object": "list", "results": [{"index", "relevance_score",
//          "truncated", "id"?, "meta"?, "document"?}], "usage", "meta"}
//   POST /v2/rerank (Cohere v2): the same request; "meta.api_version" is 2.
//   POST /rerank: Hugging Face TEI when the body has "texts"
//     {"query", "texts": [...], "raw_scores", "return_text", "truncate"}
//     200 [{"index", "score", "text"?}], best first
//   and llama.cpp's shape (as /v1/rerank) when it has "documents".
//
// The reader walks the body once (json::Reader) and keeps only the texts and
// the raw JSON of ids and metas, so a request's memory is linear in its body
// (see request_cost) and hostile JSON costs linear time.
//
// Errors are {"error": {"message": "...", "type": "..."}} (TEI clients get
// {"error": "...", "error_type": "..."}) with status 400 (not JSON, wrong
// types), 413 (body too large; TEI: input too long), 422 (limits, top_n).
#pragma once

#include <string>
#include <vector>

#include "indorerank/indorerank.hpp"

namespace indorerank::cli {

enum class Protocol {
  kCohereV1,  ///< also Jina and llama.cpp: one superset response
  kCohereV2,
  kTei,
};

struct ApiLimits {
  size_t max_body_bytes = size_t(8) << 20;
  size_t max_documents = 1000;
  size_t max_document_chars = 100000;  ///< Unicode code points, for the query and each document.
};

/// The most memory one request with a body of `body_bytes` may use while the
/// server holds it: the body, the texts read from it, the ids and metas kept
/// for the answer and the answer itself (up to 3 bytes out per byte in, when
/// invalid UTF-8 becomes U+FFFD), plus fixed overhead. The server reserves it
/// from --request-memory before reading a body.
size_t request_cost(size_t body_bytes);

struct ApiError {
  int http_status = 400;
  std::string type;  ///< e.g. "invalid_request_error"
  std::string message;
};

struct RerankRequest {
  Protocol protocol = Protocol::kCohereV1;
  std::string query;
  std::vector<std::string> texts;  ///< what is ranked, one per document
  /// Raw JSON (valid UTF-8) of each document's "id" and "meta", empty when absent,
  /// and of the whole document object (for return_documents; empty for strings).
  std::vector<std::string> ids, metas, objects;
  size_t top_n = 0;  ///< 0: all
  bool return_documents = false;  ///< TEI: return_text
  bool raw_scores = false;        ///< TEI: logits instead of sigmoid scores
  bool truncate = true;           ///< TEI "truncate": false makes a too-long pair an error
};

/// Reads and checks a request body for `protocol`. `route_is_generic` is true
/// on /rerank, where a body with "texts" is TEI and one with "documents" is
/// llama.cpp (kCohereV1). On failure fills `err`, sets only out->protocol (the
/// format the error is due in) and returns false.
bool parse_rerank_request(std::string_view body, Protocol protocol, bool route_is_generic, const ApiLimits& limits,
                          RerankRequest* out, ApiError* err);

/// The 200 body. `results` holds every document, best first (not yet cut to
/// top_n: token usage counts them all).
std::string rerank_response(const std::string& model, const RerankRequest& req, const std::vector<Result>& results,
                            double took_ms);

/// The error body in the protocol's shape.
std::string error_body(Protocol protocol, const ApiError& err);

/// Number of Unicode code points in UTF-8 text (continuation bytes not counted).
size_t utf8_chars(std::string_view s);

}  // namespace indorerank::cli
