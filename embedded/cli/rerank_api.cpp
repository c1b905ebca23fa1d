#include "rerank_api.hpp"

#include <cmath>
#include <cstdio>
#include <random>

#include "json.hpp"
#include "utf8.hpp"

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
bool bad_json(ApiError* err, const Status& s) { return bad_request(err, "body is not valid JSON: " + s.message()); }

// A document as it came: a string (text set) or an object (raw JSON kept, read
// after the whole body, since "rank_fields" may come after "documents").
struct RawDocument {
  std::string text;
  std::string_view object;
};

// Reads "documents" (or TEI's "texts": strings only).
bool read_documents(json::Reader& r, const char* field, bool strings_only, const ApiLimits& limits,
                    std::vector<RawDocument>* docs, ApiError* err) {
  auto type = r.peek();
  if (!type.ok()) return bad_json(err, type.status());
  const std::string what = strings_only ? "an array of strings" : "an array of strings or objects";
  if (type.value() != json::Type::kArray) return bad_request(err, std::string("'") + field + "' must be " + what);
  if (Status s = r.enter_array(); !s.ok()) return bad_json(err, s);
  for (;;) {
    auto more = r.next_item();
    if (!more.ok()) return bad_json(err, more.status());
    if (!more.value()) return true;
    if (docs->size() == limits.max_documents)
      return unprocessable(err, std::string("'") + field + "' has more than " + std::to_string(limits.max_documents) +
                                    " entries; the limit is " + std::to_string(limits.max_documents));
    auto item = r.peek();
    if (!item.ok()) return bad_json(err, item.status());
    RawDocument d;
    Status s;
    if (item.value() == json::Type::kString) {
      s = r.read_string(&d.text);
    } else if (item.value() == json::Type::kObject && !strings_only) {
      s = r.skip(&d.object);
    } else {
      return bad_request(err, std::string(field) + "[" + std::to_string(docs->size()) + "] must be a string" +
                                  (strings_only ? "" : " or an object"));
    }
    if (!s.ok()) return bad_json(err, s);
    docs->push_back(std::move(d));
  }
}

bool read_string_array(json::Reader& r, const char* field, std::vector<std::string>* out, ApiError* err) {
  auto type = r.peek();
  if (!type.ok()) return bad_json(err, type.status());
  if (type.value() != json::Type::kArray) return bad_request(err, std::string("'") + field + "' must be an array of strings");
  if (Status s = r.enter_array(); !s.ok()) return bad_json(err, s);
  for (;;) {
    auto more = r.next_item();
    if (!more.ok()) return bad_json(err, more.status());
    if (!more.value()) return true;
    auto t = r.peek();
    if (!t.ok()) return bad_json(err, t.status());
    if (t.value() != json::Type::kString) return bad_request(err, std::string("'") + field + "' must be an array of strings");
    std::string s;
    if (Status st = r.read_string(&s); !st.ok()) return bad_json(err, st);
    out->push_back(std::move(s));
  }
}

// The text to rank of a document object: its rank_fields joined by newlines
// in the order given (absent fields skipped), or else its "text"; and its raw
// "id" and "meta".
bool read_document_object(std::string_view object, size_t index, const std::vector<std::string>& rank_fields,
                          std::string* text, std::string* id, std::string* meta, ApiError* err) {
  const std::string where = "documents[" + std::to_string(index) + "]";
  std::vector<std::string> field_values(rank_fields.size());
  std::vector<bool> found(rank_fields.size(), false);
  bool have_text = false;
  json::Reader r(object);
  if (Status s = r.enter_object(); !s.ok()) return bad_json(err, s);
  for (std::string name;;) {
    auto more = r.next_member(&name);
    if (!more.ok()) return bad_json(err, more.status());
    if (!more.value()) break;
    size_t field = rank_fields.size();
    for (size_t f = 0; f < rank_fields.size(); ++f)
      if (rank_fields[f] == name) field = f;
    const bool is_text = name == "text" && rank_fields.empty();
    if (field < rank_fields.size() || is_text) {
      auto t = r.peek();
      if (!t.ok()) return bad_json(err, t.status());
      if (t.value() != json::Type::kString) return bad_request(err, where + "." + name + " must be a string");
      std::string* into = is_text ? text : &field_values[field];
      if (Status s = r.read_string(into); !s.ok()) return bad_json(err, s);
      if (is_text) have_text = true;
      else found[field] = true;
      continue;
    }
    std::string_view raw;
    if (Status s = r.skip(&raw); !s.ok()) return bad_json(err, s);
    // Invalid UTF-8 can only sit inside strings, where U+FFFD keeps it valid JSON.
    if (name == "id") *id = repair_utf8(raw);
    if (name == "meta") *meta = repair_utf8(raw);
  }
  if (rank_fields.empty()) {
    if (!have_text) return bad_request(err, where + " must be a string or an object with a string 'text' (or name its fields in 'rank_fields')");
    return true;
  }
  bool any = false;
  for (size_t f = 0; f < rank_fields.size(); ++f) {
    if (!found[f]) continue;
    if (any) *text += '\n';
    *text += field_values[f];
    any = true;
  }
  if (!any) return bad_request(err, where + " has none of the fields in 'rank_fields'");
  return true;
}

// A positive whole number, however large ("more than there are documents" is
// all of them, as the hosted APIs answer).
bool read_count(json::Reader& r, const char* field, size_t* out, ApiError* err) {
  auto t = r.peek();
  if (!t.ok()) return bad_json(err, t.status());
  if (t.value() == json::Type::kNull) return r.read_null().ok();
  if (t.value() != json::Type::kNumber) return bad_request(err, std::string("'") + field + "' must be an integer");
  double d = 0;
  if (Status s = r.read_number(&d); !s.ok()) return bad_json(err, s);
  if (!std::isfinite(d) || std::floor(d) != d || d < 1) return unprocessable(err, std::string("'") + field + "' must be an integer >= 1");
  *out = d >= 1e15 ? size_t(1e15) : static_cast<size_t>(d);
  return true;
}

bool read_flag(json::Reader& r, const char* field, bool* out, ApiError* err) {
  auto t = r.peek();
  if (!t.ok()) return bad_json(err, t.status());
  if (t.value() == json::Type::kNull) return r.read_null().ok();
  if (t.value() != json::Type::kBool) return bad_request(err, std::string("'") + field + "' must be true or false");
  return r.read_bool(out).ok();
}

std::string new_request_id() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const uint64_t a = rng(), b = rng();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>(a >> 16) & 0xffff, static_cast<unsigned>(a) & 0xfff,
                (static_cast<unsigned>(b >> 48) & 0x3fff) | 0x8000, static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return buf;
}

void append_number(std::string& out, double d) { out += json::dump(json::Value::number(d)); }
void append_float(std::string& out, float f) { out += json::dump(json::Value::single(f)); }

}  // namespace

size_t request_cost(size_t body_bytes) { return 5 * body_bytes + (size_t(1) << 20); }

size_t utf8_chars(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

bool parse_rerank_request(std::string_view body, Protocol protocol, bool route_is_generic, const ApiLimits& limits,
                          RerankRequest* out, ApiError* err) {
  if (body.size() > limits.max_body_bytes)
    return fail(err, 413, "payload_too_large",
                "request body is " + std::to_string(body.size()) + " bytes; the limit is " +
                    std::to_string(limits.max_body_bytes));
  json::Reader r(body);
  auto top = r.peek();
  if (!top.ok()) return bad_json(err, top.status());
  if (top.value() != json::Type::kObject) return bad_request(err, "body must be a JSON object");
  if (Status s = r.enter_object(); !s.ok()) return bad_json(err, s);

  RerankRequest req;
  req.protocol = protocol;
  out->protocol = protocol;  // the error format, even when reading fails
  bool have_query = false, have_documents = false, have_texts = false, have_top_n = false;
  std::vector<RawDocument> docs;
  std::vector<std::string> rank_fields;
  bool have_rank_fields = false;
  std::vector<std::string> seen;  // known names only: a repeated one is an error
  for (std::string name;;) {
    auto more = r.next_member(&name);
    if (!more.ok()) return bad_json(err, more.status());
    if (!more.value()) break;
    static const char* const kKnown[] = {"query", "documents", "texts", "top_n", "return_documents", "return_text",
                                         "raw_scores", "truncate", "rank_fields", "model", "truncation_direction"};
    for (const char* k : kKnown)
      if (name == k) {
        for (const auto& s : seen)
          if (s == name) return bad_request(err, "'" + name + "' appears twice");
        seen.push_back(name);
      }
    bool ok = true;
    if (name == "query") {
      auto t = r.peek();
      if (!t.ok()) return bad_json(err, t.status());
      if (t.value() != json::Type::kString) return bad_request(err, "'query' must be a string");
      if (Status s = r.read_string(&req.query); !s.ok()) return bad_json(err, s);
      have_query = true;
    } else if (name == "documents") {
      ok = read_documents(r, "documents", false, limits, &docs, err);
      have_documents = true;
    } else if (name == "texts") {
      if (route_is_generic) out->protocol = req.protocol = Protocol::kTei;
      ok = read_documents(r, "texts", true, limits, &docs, err);
      have_texts = true;
    } else if (name == "top_n") {
      ok = read_count(r, "top_n", &req.top_n, err);
      have_top_n = true;
    } else if (name == "return_documents" || name == "return_text") {
      bool flag = false;
      ok = read_flag(r, name.c_str(), &flag, err);
      req.return_documents = req.return_documents || flag;
    } else if (name == "raw_scores") {
      ok = read_flag(r, "raw_scores", &req.raw_scores, err);
    } else if (name == "truncate") {
      ok = read_flag(r, "truncate", &req.truncate, err);
    } else if (name == "rank_fields") {
      auto t = r.peek();
      if (!t.ok()) return bad_json(err, t.status());
      ok = t.value() == json::Type::kNull ? r.read_null().ok() : read_string_array(r, "rank_fields", &rank_fields, err);
      have_rank_fields = !rank_fields.empty();
    } else if (name == "model") {
      auto t = r.peek();
      if (!t.ok()) return bad_json(err, t.status());
      if (t.value() != json::Type::kString && t.value() != json::Type::kNull) return bad_request(err, "'model' must be a string");
      if (Status s = r.skip(); !s.ok()) return bad_json(err, s);
    } else if (name == "truncation_direction") {
      std::string dir;
      auto t = r.peek();
      if (!t.ok()) return bad_json(err, t.status());
      if (t.value() != json::Type::kString) return bad_request(err, "'truncation_direction' must be \"Right\" or \"Left\"");
      if (Status s = r.read_string(&dir); !s.ok()) return bad_json(err, s);
      if (dir == "Left" || dir == "left")
        return unprocessable(err, "'truncation_direction' \"Left\" is not supported: passages are cut at the right");
      if (dir != "Right" && dir != "right") return bad_request(err, "'truncation_direction' must be \"Right\" or \"Left\"");
    } else {
      // Other fields (Cohere's max_chunks_per_doc, max_tokens_per_doc, ...) are
      // ignored, as the hosted APIs ignore what they do not use; still checked as JSON.
      if (Status s = r.skip(); !s.ok()) return bad_json(err, s);
    }
    if (!ok) return false;
  }
  if (Status s = r.finish(); !s.ok()) return bad_json(err, s);

  if (have_documents && have_texts) return bad_request(err, "send 'documents' or 'texts', not both");
  const bool tei = req.protocol == Protocol::kTei;
  const char* field = tei ? "texts" : "documents";
  if (!have_query) return bad_request(err, "'query' is required");
  if (tei ? !have_texts : !have_documents) return bad_request(err, std::string("'") + field + "' is required");
  if (have_rank_fields && tei) return bad_request(err, "'rank_fields' needs 'documents' objects");
  if (utf8_chars(req.query) > limits.max_document_chars)
    return unprocessable(err, "'query' has " + std::to_string(utf8_chars(req.query)) + " characters; the limit is " +
                                  std::to_string(limits.max_document_chars));

  req.texts.resize(docs.size());
  req.ids.resize(docs.size());
  req.metas.resize(docs.size());
  req.objects.resize(docs.size());
  for (size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].object.empty()) {
      req.texts[i] = std::move(docs[i].text);
    } else {
      if (!read_document_object(docs[i].object, i, rank_fields, &req.texts[i], &req.ids[i], &req.metas[i], err))
        return false;
      if (req.return_documents) req.objects[i] = repair_utf8(docs[i].object);
    }
    const size_t chars = utf8_chars(req.texts[i]);
    if (chars > limits.max_document_chars)
      return unprocessable(err, std::string(field) + "[" + std::to_string(i) + "] has " + std::to_string(chars) +
                                    " characters; the limit is " + std::to_string(limits.max_document_chars));
  }
  if (!have_top_n || req.top_n > req.texts.size()) req.top_n = req.texts.size();
  *out = std::move(req);
  return true;
}

std::string rerank_response(const std::string& model, const RerankRequest& req, const std::vector<Result>& results,
                            double took_ms) {
  const size_t shown = std::min(req.top_n, results.size());
  std::string out;
  if (req.protocol == Protocol::kTei) {
    out += '[';
    for (size_t k = 0; k < shown; ++k) {
      const Result& r = results[k];
      if (k) out += ',';
      out += "{\"index\":";
      append_number(out, static_cast<double>(r.index));
      out += ",\"score\":";
      append_float(out, req.raw_scores ? r.logit : r.score);
      if (req.return_documents) {
        out += ",\"text\":";
        json::append_quoted(out, req.texts[r.index]);
      }
      out += '}';
    }
    out += ']';
    return out;
  }
  size_t tokens = 0, truncated = 0;
  for (const Result& r : results) {
    tokens += static_cast<size_t>(r.tokens);
    truncated += r.truncated;
  }
  out += "{\"id\":\"" + new_request_id() + "\",\"model\":";
  json::append_quoted(out, model);
  out += ",\"object\":\"list\",\"results\":[";
  for (size_t k = 0; k < shown; ++k) {
    const Result& r = results[k];
    if (k) out += ',';
    out += "{\"index\":";
    append_number(out, static_cast<double>(r.index));
    out += ",\"relevance_score\":";
    append_float(out, r.score);
    out += ",\"truncated\":";
    out += r.truncated ? "true" : "false";
    if (r.chunks > 1) {
      out += ",\"chunks\":";
      append_number(out, r.chunks);
    }
    if (!req.ids[r.index].empty()) out += ",\"id\":" + req.ids[r.index];
    if (!req.metas[r.index].empty()) out += ",\"meta\":" + req.metas[r.index];
    if (req.return_documents) {
      out += ",\"document\":";
      if (!req.objects[r.index].empty()) {
        out += req.objects[r.index];
      } else {
        out += "{\"text\":";
        json::append_quoted(out, req.texts[r.index]);
        out += '}';
      }
    }
    out += '}';
  }
  out += "],\"usage\":{\"total_tokens\":";
  append_number(out, static_cast<double>(tokens));
  out += ",\"prompt_tokens\":";
  append_number(out, static_cast<double>(tokens));
  out += ",\"documents\":";
  append_number(out, static_cast<double>(results.size()));
  out += ",\"truncated_documents\":";
  append_number(out, static_cast<double>(truncated));
  out += ",\"took_ms\":";
  append_float(out, static_cast<float>(took_ms));
  out += "},\"meta\":{\"api_version\":{\"version\":\"";
  out += req.protocol == Protocol::kCohereV2 ? "2" : "1";
  out += "\"},\"billed_units\":{\"search_units\":";
  append_number(out, static_cast<double>(std::max<size_t>(1, (results.size() + 99) / 100)));
  out += "},\"tokens\":{\"input_tokens\":";
  append_number(out, static_cast<double>(tokens));
  out += ",\"output_tokens\":0}}}";
  return out;
}

std::string error_body(Protocol protocol, const ApiError& err) {
  std::string out;
  if (protocol == Protocol::kTei) {
    // TEI's shape: {"error": "...", "error_type": "Validation" | "Overloaded" | ...}
    const char* type = err.http_status == 503 || err.http_status == 429 ? "Overloaded"
                       : err.http_status >= 500                          ? "Backend"
                       : err.http_status == 401                          ? "Unauthorized"
                                                                         : "Validation";
    out += "{\"error\":";
    json::append_quoted(out, err.message);
    out += ",\"error_type\":\"";
    out += type;
    out += "\"}";
    return out;
  }
  out += "{\"error\":{\"message\":";
  json::append_quoted(out, err.message);
  out += ",\"type\":";
  json::append_quoted(out, err.type);
  out += "}}";
  return out;
}

}  // namespace indorerank::cli
