// The HTTP rerank API's request and response bodies (Cohere / Jina shape),
// kept apart from the HTTP server so the rules are in one readable place.
//
//   POST /v1/rerank {"query": "...", "documents": ["...", {"text": "..."}],
//                    "top_n": 3, "return_documents": true, "model": "..."}
//   200 {"model": "...", "results": [{"index": 0, "relevance_score": 0.93,
//        "truncated": false, "document": {"text": "..."}}], "usage": {...}}
//
// Errors are {"error": {"message": "...", "type": "..."}} with status 400
// (not JSON, wrong types), 413 (body too large), 422 (limits, top_n).
#pragma once

#include <string>
#include <vector>

#include "indorerank/indorerank.hpp"
#include "json.hpp"

namespace indorerank::cli {

struct ApiLimits {
  size_t max_body_bytes = size_t(8) << 20;
  size_t max_documents = 1000;
  size_t max_document_chars = 100000;  ///< Unicode code points, for the query and each document.
};

struct ApiError {
  int http_status = 400;
  std::string type;  ///< e.g. "invalid_request_error"
  std::string message;
};

struct RerankRequest {
  std::string query;
  std::vector<std::string> documents;
  size_t top_n = 0;  ///< 0: all
  bool return_documents = false;
};

/// Parses and checks a request body. On failure fills `err` and returns false.
bool parse_rerank_request(const std::string& body, const ApiLimits& limits, RerankRequest* out, ApiError* err);

/// The 200 body for `results` (already sorted best first and cut to top_n).
std::string rerank_response(const std::string& model, const RerankRequest& req, const std::vector<Result>& results,
                            double took_ms);

/// {"error": {"message": ..., "type": ...}}
std::string error_body(const std::string& type, const std::string& message);

/// Number of Unicode code points in UTF-8 text (continuation bytes not counted).
size_t utf8_chars(const std::string& s);

}  // namespace indorerank::cli
