// indorerank search: BM25 over a passage file, then (with -m) rerank the
// BM25 candidates.
#include <chrono>
#include <cstdio>

#include "args.hpp"
#include "corpus.hpp"

namespace indorerank::cli {
namespace {

double ms_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

std::string snippet(std::string t) {
  if (t.size() <= 100) return t;
  size_t cut = 97;
  while (cut > 0 && (static_cast<unsigned char>(t[cut]) & 0xC0) == 0x80) --cut;  // whole UTF-8 characters
  return t.substr(0, cut) + "...";
}

}  // namespace

int cmd_search(int argc, char** argv) {
  std::set<std::string> values = {"model", "query", "corpus", "bm25-k", "top-k", "chunk-overlap"};
  values.insert(kLoadOptionNames.begin(), kLoadOptionNames.end());
  values.insert(kBm25OptionNames.begin(), kBm25OptionNames.end());
  auto args = parse_args(argc, argv, 2, values, {"json", "return-documents", "chunk"});
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (!a.has("corpus")) return usage_error("search needs --corpus FILE");
  if (!a.has("query")) return usage_error("search needs -q QUERY");
  auto bm25_k = a.get_int("bm25-k", 100, 1, 1 << 20);
  if (!bm25_k.ok()) return usage_error(bm25_k.status().message());
  auto top_k = a.get_int("top-k", 10, 1, 1 << 20);
  if (!top_k.ok()) return usage_error(top_k.status().message());
  auto overlap = a.get_int("chunk-overlap", 32, 0, 256);
  if (!overlap.ok()) return usage_error(overlap.status().message());
  auto load = load_options(a);
  if (!load.ok()) return usage_error(load.status().message());
  auto bopts = bm25_options(a);
  if (!bopts.ok()) return usage_error(bopts.status().message());
  const bool rerank = a.has("model");
  const std::string query = a.get("query");

  auto t0 = std::chrono::steady_clock::now();
  auto corpus = load_corpus(a.get("corpus"), bopts.value());
  if (!corpus.ok()) return fail(corpus.status());
  const Corpus& c = corpus.value();
  const double index_ms = ms_since(t0);
  std::unique_ptr<Reranker> ranker;
  if (rerank) {
    auto loaded = Reranker::load(a.get("model"), load.value());
    if (!loaded.ok()) return fail(loaded.status());
    ranker = std::move(loaded).value();
  }

  t0 = std::chrono::steady_clock::now();
  const std::vector<Bm25Hit> hits = c.index.search(query, static_cast<size_t>(bm25_k.value()));
  const double bm25_ms = ms_since(t0);

  // One row per shown result: the passage, its BM25 rank and score, and the reranker's verdict.
  struct Row {
    size_t passage, bm25_rank;
    double bm25_score;
    const Result* reranked;
  };
  std::vector<Row> rows;
  std::vector<Result> results;
  double rerank_ms = 0;
  if (rerank) {
    std::vector<std::string> texts;
    for (const auto& h : hits) texts.push_back(c.passages[c.position.at(h.id)].text);
    RerankOptions ro;
    ro.top_k = static_cast<size_t>(top_k.value());
    ro.chunk_long_passages = a.has("chunk");
    ro.chunk_overlap = static_cast<int>(overlap.value());
    t0 = std::chrono::steady_clock::now();
    auto ranked = ranker->rerank(query, texts, ro);
    rerank_ms = ms_since(t0);
    if (!ranked.ok()) return fail(ranked.status());
    results = std::move(ranked).value();
    for (const auto& r : results)
      rows.push_back({c.position.at(hits[r.index].id), r.index + 1, hits[r.index].score, &r});
  } else {
    for (size_t i = 0; i < hits.size() && i < static_cast<size_t>(top_k.value()); ++i)
      rows.push_back({c.position.at(hits[i].id), i + 1, hits[i].score, nullptr});
  }

  if (a.has("json")) {
    json::Value arr = json::Value::array();
    for (const auto& row : rows) {
      const Passage& p = c.passages[row.passage];
      json::Value o;
      if (row.reranked) {
        // The shared result object, its index being the passage's line in the corpus.
        Result r = *row.reranked;
        r.index = row.passage;
        o = result_json(r, p, a.has("chunk"), a.has("return-documents"));
      } else {
        o = json::Value::object();
        o.set("index", json::Value::number(static_cast<double>(row.passage)));
        o.set("id", p.id);
        if (a.has("return-documents")) o.set("document", json::Value::string(p.text));
        if (p.has_meta) o.set("meta", p.meta);
      }
      o.set("bm25_rank", json::Value::number(static_cast<double>(row.bm25_rank)));
      o.set("bm25_score", json::Value::number(row.bm25_score));
      arr.push_back(std::move(o));
    }
    json::Value timings = json::Value::object();
    timings.set("index", json::Value::single(static_cast<float>(index_ms)));
    timings.set("bm25", json::Value::single(static_cast<float>(bm25_ms)));
    if (rerank) timings.set("rerank", json::Value::single(static_cast<float>(rerank_ms)));
    json::Value out = json::Value::object();
    out.set("results", std::move(arr));
    out.set("candidates", json::Value::number(static_cast<double>(hits.size())));
    out.set("took_ms", json::Value::single(static_cast<float>(index_ms + bm25_ms + (rerank ? rerank_ms : 0))));
    out.set("timings_ms", std::move(timings));
    std::printf("%s\n", json::dump(out).c_str());
  } else {
    int rank = 1;
    for (const auto& row : rows) {
      const std::string id = json::dump(c.passages[row.passage].id);
      const std::string text = snippet(c.passages[row.passage].text);
      if (row.reranked) {
        std::printf("%3d  %.4f  bm25 #%-3zu %7.3f  %-10s %s%s\n", rank++, row.reranked->score, row.bm25_rank,
                    row.bm25_score, id.c_str(), row.reranked->truncated ? "[truncated] " : "", text.c_str());
      } else {
        std::printf("%3d  %7.3f  %-10s %s\n", rank++, row.bm25_score, id.c_str(), text.c_str());
      }
    }
    std::fprintf(stderr, "%zu passages indexed in %.1f ms; BM25 %zu candidates in %.2f ms", c.passages.size(),
                 index_ms, hits.size(), bm25_ms);
    if (rerank) std::fprintf(stderr, "; reranked in %.1f ms", rerank_ms);
    std::fprintf(stderr, "\n");
  }
  return 0;
}

}  // namespace indorerank::cli
