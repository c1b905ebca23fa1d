// indorerank eval: ranking quality of BM25 (and, with -m, BM25 then rerank)
// on labelled queries. nDCG@k uses linear gains (the grade itself) and
// log2(rank + 1) discounts, like trec_eval; MRR@k counts the first passage of
// grade >= 1; recall is the share of labelled passages among the BM25
// candidates (the most a reranker can reach).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "args.hpp"
#include "progress.hpp"
#include "corpus.hpp"

namespace indorerank::cli {
namespace {

struct Query {
  std::string id, text;
  std::map<std::string, double> grades;  // passage id -> grade > 0
};

StatusOr<std::vector<Query>> load_queries(const std::string& path, const Corpus& c) {
  INDORERANK_ASSIGN_OR_RETURN(std::string text, read_text(path));
  std::vector<Query> out;
  const auto lines = split_lines(text);
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find_first_not_of(" \t") == std::string::npos) continue;
    const std::string where = path + " line " + std::to_string(i + 1);
    auto v = json::parse(lines[i]);
    if (!v.ok()) return invalid_argument(where + ": " + v.status().message());
    const json::Value* q = v->find("query");
    const json::Value* rel = v->find("relevance");
    if (!v->is_object() || !q || !q->is_string() || !rel || !rel->is_object())
      return invalid_argument(where + ": expected {\"id\", \"query\": \"...\", \"relevance\": {passage id: grade}}");
    Query query;
    const json::Value* id = v->find("id");
    query.id = id ? id_key(*id) : std::to_string(out.size());
    query.text = q->as_string();
    for (const auto& [pid, grade] : rel->members()) {
      if (!grade.is_number() || grade.as_number() < 0)
        return invalid_argument(where + ": the grade of '" + pid + "' must be a number >= 0");
      if (!c.position.count(pid)) return invalid_argument(where + ": passage '" + pid + "' is not in the corpus");
      if (grade.as_number() > 0) query.grades[pid] = grade.as_number();
    }
    out.push_back(std::move(query));
  }
  if (out.empty()) return invalid_argument(path + " has no queries");
  return out;
}

struct Scores {
  double ndcg = 0, mrr = 0;
};

Scores score_ranking(const std::vector<std::string>& ranking, const Query& q, size_t k) {
  Scores s;
  double dcg = 0;
  for (size_t i = 0; i < ranking.size() && i < k; ++i) {
    auto it = q.grades.find(ranking[i]);
    if (it == q.grades.end()) continue;
    dcg += it->second / std::log2(static_cast<double>(i) + 2.0);
    if (s.mrr == 0) s.mrr = 1.0 / static_cast<double>(i + 1);
  }
  std::vector<double> ideal;
  for (const auto& g : q.grades) ideal.push_back(g.second);
  std::sort(ideal.rbegin(), ideal.rend());
  double idcg = 0;
  for (size_t i = 0; i < ideal.size() && i < k; ++i) idcg += ideal[i] / std::log2(static_cast<double>(i) + 2.0);
  s.ndcg = idcg > 0 ? dcg / idcg : 0;
  return s;
}

}  // namespace

int cmd_eval(int argc, char** argv) {
  std::set<std::string> values = {"model", "corpus", "queries", "bm25-k", "k"};
  values.insert(kLoadOptionNames.begin(), kLoadOptionNames.end());
  values.insert(kBm25OptionNames.begin(), kBm25OptionNames.end());
  auto args = parse_args(argc, argv, 2, values, {"json", "per-query"});
  if (!args.ok()) return usage_error(args.status().message());
  const Args& a = args.value();
  if (!a.has("corpus") || !a.has("queries")) return usage_error("eval needs --corpus FILE and --queries FILE");
  auto bm25_k = a.get_int("bm25-k", 100, 1, 1 << 20);
  if (!bm25_k.ok()) return usage_error(bm25_k.status().message());
  auto k = a.get_int("k", 10, 1, 1000);
  if (!k.ok()) return usage_error(k.status().message());
  auto load = load_options(a);
  if (!load.ok()) return usage_error(load.status().message());
  auto bopts = bm25_options(a);
  if (!bopts.ok()) return usage_error(bopts.status().message());

  auto corpus = load_corpus(a.get("corpus"), bopts.value());
  if (!corpus.ok()) return fail(corpus.status());
  const Corpus& c = corpus.value();
  auto queries = load_queries(a.get("queries"), c);
  if (!queries.ok()) return fail(queries.status());
  std::unique_ptr<Reranker> ranker;
  if (a.has("model")) {
    auto loaded = Reranker::load(a.get("model"), load.value());
    if (!loaded.ok()) return fail(loaded.status());
    ranker = std::move(loaded).value();
  }

  const size_t kk = static_cast<size_t>(k.value());
  Scores bm25_total, rerank_total;
  double recall_total = 0;
  json::Value per_query = json::Value::array();
  TerminalProgress progress("queries", queries.value().size());
  size_t done = 0;
  for (const Query& q : queries.value()) {
    progress.update(done++);
    const auto hits = c.index.search(q.text, static_cast<size_t>(bm25_k.value()));
    std::vector<std::string> bm25_ranking;
    for (const auto& h : hits) bm25_ranking.push_back(h.id);
    const Scores b = score_ranking(bm25_ranking, q, kk);
    size_t found = 0;
    for (const auto& id : bm25_ranking) found += q.grades.count(id);
    const double recall = q.grades.empty() ? 0 : static_cast<double>(found) / static_cast<double>(q.grades.size());
    bm25_total.ndcg += b.ndcg, bm25_total.mrr += b.mrr, recall_total += recall;
    json::Value row = json::Value::object();
    row.set("id", json::Value::string(q.id));
    row.set("bm25_ndcg", json::Value::number(b.ndcg));
    row.set("recall", json::Value::number(recall));
    if (ranker) {
      std::vector<std::string> texts;
      for (const auto& id : bm25_ranking) texts.push_back(c.passages[c.position.at(id)].text);
      auto ranked = ranker->rerank(q.text, texts, RerankOptions{});
      if (!ranked.ok()) return fail(ranked.status());
      std::vector<std::string> reranking;
      for (const auto& r : ranked.value()) reranking.push_back(bm25_ranking[r.index]);
      const Scores r = score_ranking(reranking, q, kk);
      rerank_total.ndcg += r.ndcg, rerank_total.mrr += r.mrr;
      row.set("rerank_ndcg", json::Value::number(r.ndcg));
    }
    if (a.has("per-query") && !a.has("json")) {
      std::printf("%-8s bm25 nDCG %.3f", q.id.c_str(), b.ndcg);
      if (ranker) std::printf(" rerank nDCG %.3f", row.find("rerank_ndcg")->as_number());
      std::printf("  %s\n", q.text.c_str());
    }
    per_query.push_back(std::move(row));
  }

  progress.update(done);
  progress.finish();
  const double n = static_cast<double>(queries.value().size());
  if (a.has("json")) {
    json::Value out = json::Value::object();
    out.set("queries", json::Value::number(n));
    out.set("passages", json::Value::number(static_cast<double>(c.passages.size())));
    out.set("k", json::Value::number(static_cast<double>(kk)));
    out.set("bm25_k", json::Value::number(static_cast<double>(bm25_k.value())));
    json::Value b = json::Value::object();
    b.set("ndcg", json::Value::number(bm25_total.ndcg / n));
    b.set("mrr", json::Value::number(bm25_total.mrr / n));
    b.set("recall", json::Value::number(recall_total / n));
    out.set("bm25", std::move(b));
    if (ranker) {
      json::Value r = json::Value::object();
      r.set("ndcg", json::Value::number(rerank_total.ndcg / n));
      r.set("mrr", json::Value::number(rerank_total.mrr / n));
      out.set("rerank", std::move(r));
    }
    if (a.has("per-query")) out.set("per_query", std::move(per_query));
    std::printf("%s\n", json::dump(out).c_str());
    return 0;
  }
  std::printf("%zu queries over %zu passages; BM25 candidates %lld\n", queries.value().size(), c.passages.size(),
              bm25_k.value());
  std::printf("%-14s nDCG@%zu  MRR@%zu  Recall@%lld\n", "stage", kk, kk, bm25_k.value());
  std::printf("%-14s %7.4f  %6.4f  %9.4f\n", "bm25", bm25_total.ndcg / n, bm25_total.mrr / n, recall_total / n);
  if (ranker)
    std::printf("%-14s %7.4f  %6.4f  %9s\n", "bm25 + rerank", rerank_total.ndcg / n, rerank_total.mrr / n, "-");
  return 0;
}

}  // namespace indorerank::cli
