"""indorerank search and eval (BM25 first stage, then rerank).

Run by ctest as: /usr/bin/python3 tests/cli/test_search.py CLI FIXTURES_DIR DATA_DIR
"""
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

CLI = FIXTURES = DATA = None

PETS = [
    {"id": "d1", "text": "kucing makan ikan"},
    {"id": "d2", "text": "Kucing kucing tidur."},
    {"id": "d3", "text": "anjing makan tulang, ikan ikan"},
]


def run(*args, stdin=None):
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=600)


def jsonl_file(rows):
    f = tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8")
    for r in rows:
        f.write(json.dumps(r, ensure_ascii=False) + "\n")
    f.close()
    return f.name


class Search(unittest.TestCase):
    def setUp(self):
        self.pets = jsonl_file(PETS)
        self.model = os.path.join(FIXTURES, "tiny.int8.safetensors")
        self.corpus = os.path.join(DATA, "passages.jsonl")
        self.queries = os.path.join(DATA, "queries.jsonl")

    def tearDown(self):
        os.unlink(self.pets)

    def search_json(self, *args):
        r = run("search", "--json", *args)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout)

    def test_bm25_scores_are_the_formula(self):
        # N 3, mean length 11/3: the same hand computation as the C++ test.
        out = self.search_json("--corpus", self.pets, "-q", "ikan KUCING")
        idf = math.log(1.6)
        norm = lambda n: 1.2 * (0.25 + 0.75 * n / (11 / 3))
        expected = {"d1": 2 * idf * 2.2 / (1 + norm(3)), "d2": idf * 2 * 2.2 / (2 + norm(3)),
                    "d3": idf * 2 * 2.2 / (2 + norm(5))}
        self.assertEqual([r["id"] for r in out["results"]], ["d1", "d2", "d3"])
        for r in out["results"]:
            self.assertAlmostEqual(r["bm25_score"], expected[r["id"]], places=12)
            self.assertNotIn("score", r)
        flat = self.search_json("--corpus", self.pets, "-q", "ikan", "--k1", "2", "--b", "0")
        self.assertAlmostEqual(flat["results"][0]["bm25_score"], idf * 2 * 3 / (2 + 2), places=12)

    def test_rerank_scores_the_bm25_candidates(self):
        query = "syarat membuat paspor"
        bm25 = self.search_json("--corpus", self.corpus, "-q", query, "--top-k", "20", "--return-documents")
        out = self.search_json("--corpus", self.corpus, "-q", query, "-m", self.model, "--bm25-k", "20",
                               "--top-k", "5", "--return-documents")
        self.assertEqual(len(out["results"]), 5)
        self.assertEqual(out["candidates"], 20)
        self.assertIn("paspor", bm25["results"][0]["document"])
        by_id = {r["id"]: r for r in bm25["results"]}
        for r in out["results"]:
            # Each reranked passage is a BM25 candidate with its BM25 rank and score.
            self.assertEqual(by_id[r["id"]]["bm25_rank"], r["bm25_rank"])
            self.assertEqual(by_id[r["id"]]["bm25_score"], r["bm25_score"])
        logits = [r["logit"] for r in out["results"]]
        self.assertEqual(logits, sorted(logits, reverse=True))
        # The scores are the reranker's: rank over the same 20 texts agrees.
        texts = [{"id": r["id"], "text": r["document"]} for r in bm25["results"]]
        path = jsonl_file(texts)
        try:
            r = run("rank", "-m", self.model, "-q", query, "--passages", path, "--json", "--top-k", "5")
        finally:
            os.unlink(path)
        ranked = json.loads(r.stdout)["results"]
        self.assertEqual([x["id"] for x in ranked], [x["id"] for x in out["results"]])
        self.assertEqual([x["score"] for x in ranked], [x["score"] for x in out["results"]])

    def test_text_output_and_plain_lines(self):
        r = run("search", "--corpus", "-", "-q", "ikan", stdin="kucing makan ikan\nanjing tidur\n".encode())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        lines = r.stdout.decode().splitlines()
        self.assertEqual(len(lines), 1)
        self.assertIn("kucing makan ikan", lines[0])
        self.assertIn("BM25 1 candidates", r.stderr.decode())

    def test_errors(self):
        dup = jsonl_file([{"id": "x", "text": "a"}, {"id": "x", "text": "b"}])
        try:
            cases = [
                (["search", "-q", "x"], 2, "--corpus"),
                (["search", "--corpus", self.pets], 2, "-q"),
                (["search", "--corpus", "/nonexistent.jsonl", "-q", "x"], 1, "nonexistent"),
                (["search", "--corpus", dup, "-q", "x"], 1, "appears twice"),
                (["search", "--corpus", self.pets, "-q", "x", "--k1", "abc"], 2, "--k1 needs a number"),
                (["search", "--corpus", self.pets, "-q", "x", "--b", "2"], 1, "0 <= b <= 1"),
                (["search", "--corpus", self.pets, "-q", "x", "--bm25-k", "0"], 2, "bm25-k"),
                (["search", "--corpus", self.pets, "-q", "x", "-m", "/nonexistent.safetensors"], 1, "nonexistent"),
                (["eval", "--corpus", self.pets], 2, "--queries"),
            ]
            for args, code, needle in cases:
                with self.subTest(args=args):
                    r = run(*args)
                    self.assertEqual(r.returncode, code, r.stderr.decode())
                    self.assertIn(needle, r.stderr.decode())
        finally:
            os.unlink(dup)


class Eval(unittest.TestCase):
    def setUp(self):
        self.pets = jsonl_file(PETS)

    def tearDown(self):
        os.unlink(self.pets)

    def eval_json(self, queries, *extra):
        path = jsonl_file(queries)
        try:
            r = run("eval", "--corpus", self.pets, "--queries", path, "--json", "--per-query", *extra)
        finally:
            os.unlink(path)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout)

    def test_ndcg_mrr_recall_by_hand(self):
        # BM25 order for "ikan kucing" is d1, d2, d3.
        perfect = self.eval_json([{"id": "q", "query": "ikan kucing", "relevance": {"d1": 3, "d2": 1}}])
        self.assertAlmostEqual(perfect["bm25"]["ndcg"], 1.0, places=12)
        self.assertAlmostEqual(perfect["bm25"]["mrr"], 1.0, places=12)
        # Grade 2 on d3 (rank 3), grade 1 on d1 (rank 1): DCG = 1 + 2/log2(4); ideal = 2 + 1/log2(3).
        mixed = self.eval_json([{"id": "q", "query": "ikan kucing", "relevance": {"d3": 2, "d1": 1}}])
        self.assertAlmostEqual(mixed["bm25"]["ndcg"], (1 + 2 / 2) / (2 + 1 / math.log2(3)), places=12)
        # d2 is not a candidate for "ikan": recall 1/2, MRR from d3 at rank... "ikan": d3 (tf 2) then d1.
        partial = self.eval_json([{"id": "q", "query": "ikan", "relevance": {"d2": 3, "d1": 1}}])
        self.assertAlmostEqual(partial["bm25"]["recall"], 0.5, places=12)
        self.assertAlmostEqual(partial["bm25"]["mrr"], 0.5, places=12)
        self.assertAlmostEqual(partial["bm25"]["ndcg"], (1 / math.log2(3)) / (3 + 1 / math.log2(3)), places=12)
        self.assertEqual(len(partial["per_query"]), 1)

    def test_rerank_stage_and_errors(self):
        model = os.path.join(FIXTURES, "tiny.int8.safetensors")
        out = self.eval_json([{"id": "q", "query": "ikan kucing", "relevance": {"d1": 3}}], "-m", model)
        self.assertTrue(0 < out["rerank"]["ndcg"] <= 1)
        path = jsonl_file([{"id": "q", "query": "x", "relevance": {"nope": 1}}])
        try:
            r = run("eval", "--corpus", self.pets, "--queries", path)
            self.assertEqual(r.returncode, 1)
            self.assertIn("'nope' is not in the corpus", r.stderr.decode())
        finally:
            os.unlink(path)

    def test_project_collection(self):
        r = run("eval", "--corpus", os.path.join(DATA, "passages.jsonl"), "--queries",
                os.path.join(DATA, "queries.jsonl"), "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = json.loads(r.stdout)
        self.assertGreaterEqual(out["passages"], 300)
        self.assertGreaterEqual(out["queries"], 40)
        # A floor, not a target: a broken stemmer or analyzer drops well below it.
        self.assertGreater(out["bm25"]["ndcg"], 0.6)


if __name__ == "__main__":
    CLI, FIXTURES, DATA = sys.argv[1], sys.argv[2], sys.argv[3]
    unittest.main(argv=[sys.argv[0], "-v"])
