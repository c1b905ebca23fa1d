#include <cstdio>

#include "args.hpp"
#include "input.hpp"
#include "json.hpp"

namespace indorerank::cli {
namespace {

std::string encoding_json(const Encoding& e) {
  json::Value ids = json::Value::array();
  for (const int32_t id : e.input_ids) ids.push_back(json::Value::number(id));
  json::Value out = json::Value::object();
  out.set("input_ids", std::move(ids));
  out.set("truncated", json::Value::boolean(e.truncated()));
  out.set("query_truncated", json::Value::boolean(e.query_truncated));
  out.set("passage_truncated", json::Value::boolean(e.passage_truncated));
  return json::dump(out);
}

// --pairs FILE: JSONL {"query": ..., "passage": ...} in, one encoding per line out.
int tokenize_pairs(Reranker& r, const std::string& path) {
  auto text = read_text(path);
  if (!text.ok()) return fail(text.status());
  const auto lines = split_lines(text.value());
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    auto v = json::parse(lines[i]);
    const json::Value* q = v.ok() ? v->find("query") : nullptr;
    const json::Value* p = v.ok() ? v->find("passage") : nullptr;
    if (!q || !p || !q->is_string() || !p->is_string())
      return fail(invalid_argument("pairs line " + std::to_string(i + 1) + ": expected {\"query\": ..., \"passage\": ...}"));
    auto enc = r.tokenize(q->as_string(), p->as_string());
    if (!enc.ok()) return fail(enc.status());
    std::printf("%s\n", encoding_json(enc.value()).c_str());
  }
  return 0;
}

}  // namespace

int cmd_tokenize(int argc, char** argv) {
  std::set<std::string> values = {"model", "query", "passage", "pairs"};
  values.insert(kLoadOptionNames.begin(), kLoadOptionNames.end());
  auto args = parse_args(argc, argv, 2, values, {"json"});
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (!a.has("model")) return usage_error("tokenize needs -m MODEL");
  auto opts = load_options(a);
  if (!opts.ok()) return usage_error(opts.status().message());
  auto ranker = Reranker::load(a.get("model"), opts.value());
  if (!ranker.ok()) return fail(ranker.status());
  if (a.has("pairs")) return tokenize_pairs(*ranker.value(), a.get("pairs"));
  auto enc = ranker.value()->tokenize(a.get("query"), a.get("passage"));
  if (!enc.ok()) return fail(enc.status());
  std::printf("%s\n", encoding_json(enc.value()).c_str());
  return 0;
}

}  // namespace indorerank::cli
