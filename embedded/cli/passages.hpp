// Passage files of the CLI: JSONL objects with "text" (and "id", "meta"), or
// plain lines. result_json() is the one result object every command prints
// (README, "Results").
#pragma once

#include <string>
#include <vector>

#include "input.hpp"
#include "json.hpp"

namespace indorerank::cli {

struct Passage {
  json::Value id;
  std::string text;
  std::string title;  // a JSONL "title", when it is a string
  json::Value meta;   // a JSONL "meta", any JSON; null when absent
  bool has_meta = false;
};

// JSONL when the first non-blank line is a JSON object, else one passage per
// non-blank line (ids are then the line's passage number from 0).
inline StatusOr<std::vector<Passage>> parse_passages(const std::string& text) {
  const std::vector<std::string> lines = split_lines(text);
  bool jsonl = false;
  for (const auto& l : lines) {
    const size_t p = l.find_first_not_of(" \t");
    if (p == std::string::npos) continue;
    jsonl = l[p] == '{';
    break;
  }
  std::vector<Passage> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    if (l.find_first_not_of(" \t") == std::string::npos) continue;
    if (!jsonl) {
      out.push_back({json::Value::number(static_cast<double>(out.size())), l, {}, {}, false});
      continue;
    }
    auto v = json::parse(l);
    if (!v.ok()) return invalid_argument("passages line " + std::to_string(i + 1) + ": " + v.status().message());
    const json::Value* t = v->find("text");
    if (!v->is_object() || !t || !t->is_string())
      return invalid_argument("passages line " + std::to_string(i + 1) + ": expected {\"id\": ..., \"text\": \"...\"}");
    const json::Value* id = v->find("id");
    const json::Value* title = v->find("title");
    const json::Value* meta = v->find("meta");
    out.push_back({id ? *id : json::Value::number(static_cast<double>(out.size())), t->as_string(),
                   title && title->is_string() ? title->as_string() : std::string(), meta ? *meta : json::Value(),
                   meta != nullptr});
  }
  return out;
}

/// One ranked passage as rank --json and search --json print it (and the JS
/// API returns it): {index, id, score, logit, truncated, chunks?, document?, meta?}.
inline json::Value result_json(const Result& r, const Passage& p, bool chunks, bool document) {
  json::Value o = json::Value::object();
  o.set("index", json::Value::number(static_cast<double>(r.index)));
  o.set("id", p.id);
  o.set("score", json::Value::single(r.score));
  o.set("logit", json::Value::single(r.logit));
  o.set("truncated", json::Value::boolean(r.truncated));
  if (chunks) o.set("chunks", json::Value::number(r.chunks));
  if (document) o.set("document", json::Value::string(p.text));
  if (p.has_meta) o.set("meta", p.meta);
  return o;
}

}  // namespace indorerank::cli
