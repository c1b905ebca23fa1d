#include "rerank_api.hpp"

namespace indorerank::cli {
namespace {

bool fail(ApiError* err, int status, const char* type, std::string message) {
  *err = {status, type, std::move(message)};
  return false;
}
bool bad_request(ApiError* err, std::string message) {
  return fail(err, 400, "invalid_request_error", std::move(message));
}
bool unprocessable(ApiError* err, std::string message) {
  return fail(err, 422, "unprocessable_entity", std::move(message));
}

}  // namespace

size_t utf8_chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool parse_rerank_request(const std::string& body, const ApiLimits& limits, RerankRequest* out, ApiError* err) {
  if (body.size() > limits.max_body_bytes)
    return fail(err, 413, "payload_too_large",
                "request body is " + std::to_string(body.size()) + " bytes; the limit is " +
                    std::to_string(limits.max_body_bytes));
  auto parsed = json::parse(body);
  if (!parsed.ok()) return bad_request(err, "body is not valid JSON: " + parsed.status().message());
  const json::Value& v = parsed.value();
  if (!v.is_object()) return bad_request(err, "body must be a JSON object");
  // Other fields (e.g. Cohere's max_chunks_per_doc) are ignored, as the hosted APIs ignore what they do not use.
  const json::Value* q = v.find("query");
  if (!q) return bad_request(err, "'query' is required");
  if (!q->is_string()) return bad_request(err, "'query' must be a string");
  if (utf8_chars(q->as_string()) > limits.max_document_chars)
    return unprocessable(err, "'query' has " + std::to_string(utf8_chars(q->as_string())) +
                                  " characters; the limit is " + std::to_string(limits.max_document_chars));

  const json::Value* docs = v.find("documents");
  if (!docs) return bad_request(err, "'documents' is required");
  if (!docs->is_array()) return bad_request(err, "'documents' must be an array of strings or {\"text\": ...} objects");
  if (docs->items().size() > limits.max_documents)
    return unprocessable(err, "'documents' has " + std::to_string(docs->items().size()) +
                                  " entries; the limit is " + std::to_string(limits.max_documents));
  std::vector<std::string> texts;
  texts.reserve(docs->items().size());
  for (size_t i = 0; i < docs->items().size(); ++i) {
    const json::Value& d = docs->items()[i];
    const json::Value* t = d.is_object() ? d.find("text") : nullptr;
    if (d.is_string()) {
      texts.push_back(d.as_string());
    } else if (t && t->is_string()) {
      texts.push_back(t->as_string());
    } else {
      return bad_request(err, "documents[" + std::to_string(i) + "] must be a string or an object with a string 'text'");
    }
    const size_t chars = utf8_chars(texts.back());
    if (chars > limits.max_document_chars)
      return unprocessable(err, "documents[" + std::to_string(i) + "] has " + std::to_string(chars) +
                                    " characters; the limit is " + std::to_string(limits.max_document_chars));
  }

  size_t top_n = 0;
  if (const json::Value* n = v.find("top_n"); n && !n->is_null()) {
    if (!n->is_number()) return bad_request(err, "'top_n' must be an integer");
    if (!n->is_integer() || n->as_number() < 1)
      return unprocessable(err, "'top_n' must be an integer >= 1");
    // More than there are documents returns them all, as the hosted APIs do.
    top_n = n->as_number() > static_cast<double>(texts.size()) ? texts.size() : static_cast<size_t>(n->as_int());
    if (texts.empty()) top_n = 0;
  }
  bool return_documents = false;
  if (const json::Value* r = v.find("return_documents"); r && !r->is_null()) {
    if (!r->is_bool()) return bad_request(err, "'return_documents' must be true or false");
    return_documents = r->as_bool();
  }
  if (const json::Value* m = v.find("model"); m && !m->is_null() && !m->is_string())
    return bad_request(err, "'model' must be a string");

  out->query = q->as_string();
  out->documents = std::move(texts);
  out->top_n = top_n;
  out->return_documents = return_documents;
  return true;
}

std::string rerank_response(const std::string& model, const RerankRequest& req, const std::vector<Result>& results,
                            double took_ms) {
  json::Value out = json::Value::object();
  out.set("model", json::Value::string(model));
  json::Value arr = json::Value::array();
  size_t truncated = 0;
  for (const auto& r : results) {
    json::Value o = json::Value::object();
    o.set("index", json::Value::number(static_cast<double>(r.index)));
    o.set("relevance_score", json::Value::single(r.score));
    o.set("truncated", json::Value::boolean(r.truncated));
    if (r.chunks > 1) o.set("chunks", json::Value::number(r.chunks));
    if (req.return_documents) {
      json::Value d = json::Value::object();
      d.set("text", json::Value::string(req.documents[r.index]));
      o.set("document", std::move(d));
    }
    truncated += r.truncated;
    arr.push_back(std::move(o));
  }
  out.set("results", std::move(arr));
  json::Value usage = json::Value::object();
  usage.set("documents", json::Value::number(static_cast<double>(req.documents.size())));
  usage.set("truncated_documents", json::Value::number(static_cast<double>(truncated)));
  usage.set("took_ms", json::Value::single(static_cast<float>(took_ms)));
  out.set("usage", std::move(usage));
  return json::dump(out);
}

std::string error_body(const std::string& type, const std::string& message) {
  json::Value e = json::Value::object();
  e.set("message", json::Value::string(message));
  e.set("type", json::Value::string(type));
  json::Value out = json::Value::object();
  out.set("error", std::move(e));
  return json::dump(out);
}

}  // namespace indorerank::cli
