#include <algorithm>
#include <chrono>
#include <cstdio>

#include "args.hpp"
#include "input.hpp"
#include "json.hpp"
#include "passages.hpp"
#include "progress.hpp"

namespace indorerank::cli {
namespace {

// On a terminal, many passages are ranked in groups so that progress can be
// shown; scores do not depend on the batch, and the merge sorts as the core
// does (logit, then input order), so the answer is the same.
StatusOr<std::vector<Result>> rank_with_progress(Reranker& r, const std::string& query,
                                                 const std::vector<std::string>& texts, const RerankOptions& ro) {
  constexpr size_t kGroup = 16;
  TerminalProgress progress("ranked", texts.size());
  if (!progress.on() || texts.size() <= 2 * kGroup) return r.rerank(query, texts, ro);
  RerankOptions each = ro;
  each.top_k = 0;
  std::vector<Result> all;
  for (size_t start = 0; start < texts.size(); start += kGroup) {
    const std::vector<std::string> group(texts.begin() + static_cast<std::ptrdiff_t>(start),
                                         texts.begin() + static_cast<std::ptrdiff_t>(std::min(texts.size(), start + kGroup)));
    INDORERANK_ASSIGN_OR_RETURN(std::vector<Result> part, r.rerank(query, group, each));
    for (Result& x : part) {
      x.index += start;
      all.push_back(std::move(x));
    }
    progress.update(std::min(texts.size(), start + kGroup));
  }
  progress.finish();
  std::stable_sort(all.begin(), all.end(), [](const Result& x, const Result& y) {
    return x.logit > y.logit || (x.logit == y.logit && x.index < y.index);
  });
  if (ro.top_k > 0 && ro.top_k < all.size()) all.resize(ro.top_k);
  return all;
}

}  // namespace

int cmd_rank(int argc, char** argv) {
  std::set<std::string> values = {"model", "query", "passages", "top-k", "chunk-overlap"};
  values.insert(kLoadOptionNames.begin(), kLoadOptionNames.end());
  auto args = parse_args(argc, argv, 2, values, {"json", "return-documents", "chunk"});
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (!a.has("model")) return usage_error("rank needs -m MODEL");
  if (!a.has("query")) return usage_error("rank needs -q QUERY");
  auto top_k = a.get_int("top-k", 0, 0, 1 << 30);
  if (!top_k.ok()) return usage_error(top_k.status().message());
  auto overlap = a.get_int("chunk-overlap", 32, 0, 256);
  if (!overlap.ok()) return usage_error(overlap.status().message());
  auto opts = load_options(a);
  if (!opts.ok()) return usage_error(opts.status().message());

  auto text = read_text(a.get("passages"));
  if (!text.ok()) return fail(text.status());
  auto passages = parse_passages(text.value());
  if (!passages.ok()) return fail(passages.status());
  auto ranker = Reranker::load(a.get("model"), opts.value());
  if (!ranker.ok()) return fail(ranker.status());

  std::vector<std::string> texts;
  for (const auto& p : passages.value()) texts.push_back(p.text);
  RerankOptions ro;
  ro.top_k = static_cast<size_t>(top_k.value());
  ro.return_documents = a.has("return-documents");
  ro.chunk_long_passages = a.has("chunk");
  ro.chunk_overlap = static_cast<int>(overlap.value());
  const auto t0 = std::chrono::steady_clock::now();
  auto results = rank_with_progress(*ranker.value(), a.get("query"), texts, ro);
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  if (!results.ok()) return fail(results.status());

  if (a.has("json")) {
    json::Value out = json::Value::object();
    json::Value arr = json::Value::array();
    for (const auto& r : results.value())
      arr.push_back(result_json(r, passages.value()[r.index], ro.chunk_long_passages, ro.return_documents));
    out.set("results", std::move(arr));
    out.set("took_ms", json::Value::single(static_cast<float>(ms)));
    std::printf("%s\n", json::dump(out).c_str());
  } else {
    int rank = 1;
    for (const auto& r : results.value()) {
      std::string t = texts[r.index];
      if (t.size() > 100) t = t.substr(0, 97) + "...";
      std::printf("%3d  %.4f  %-6s %s%s\n", rank++, r.score, json::dump(passages.value()[r.index].id).c_str(),
                  r.truncated ? "[truncated] " : "", t.c_str());
    }
    std::fprintf(stderr, "%zu passages in %.1f ms\n", texts.size(), ms);
  }
  return 0;
}

}  // namespace indorerank::cli
