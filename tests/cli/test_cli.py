"""The CLI contract (issue: native core): rank, tokenize, convert, info, errors.

Run by ctest as: /usr/bin/python3 tests/cli/test_cli.py CLI FIXTURES_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

import terminal

CLI = FIXTURES = None

PASSAGES = [
    {"id": "a", "text": "Jakarta adalah ibu kota Indonesia."},
    {"id": 7, "text": "Rendang berasal dari Sumatera Barat."},
    {"id": {"doc": 3}, "text": "Harga beras di pasar naik minggu ini."},
    {"id": "d", "text": "Kereta api berangkat dari Stasiun Gambir pukul tujuh pagi. " * 30},
]


def run(*args, stdin=None):
    return subprocess.run([CLI, *args], input=stdin, capture_output=True, timeout=300)


def run_on_tty(*args, stdin=None):
    r, shown = terminal.run_on_tty([CLI, *args], input=stdin, timeout=300)
    return r, shown.decode(errors="replace")


class Cli(unittest.TestCase):
    @property
    def model(self):
        return os.path.join(FIXTURES, "tiny.int8.safetensors")

    def rank_json(self, *extra, passages=PASSAGES):
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as f:
            for p in passages:
                f.write(json.dumps(p, ensure_ascii=False) + "\n")
        try:
            r = run("rank", "-m", self.model, "-q", "harga beras", "--passages", f.name, "--json", *extra)
        finally:
            os.unlink(f.name)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout)

    def test_rank_json_contract(self):
        out = self.rank_json("--max-length", "64")
        res = out["results"]
        self.assertEqual(len(res), len(PASSAGES))
        self.assertEqual(sorted(x["index"] for x in res), list(range(len(PASSAGES))))
        for x in res:
            self.assertEqual(set(x), {"index", "id", "score", "logit", "truncated"})
            self.assertEqual(x["id"], PASSAGES[x["index"]]["id"])
            self.assertTrue(0.0 <= x["score"] <= 1.0)
        self.assertEqual([x["logit"] for x in res], sorted((x["logit"] for x in res), reverse=True))
        self.assertEqual([x["truncated"] for x in res if x["index"] == 3], [True])
        self.assertTrue(all(not x["truncated"] for x in res if x["index"] != 3))

    def test_meta_is_kept_in_rank_and_search(self):
        """One result object everywhere (README, "Results"): a passage's meta comes back as given."""
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.jsonl")
            with open(path, "w") as f:
                f.write(json.dumps({"id": "a", "text": "Harga beras naik", "meta": {"src": "x", "n": [1, 2]}}) + "\n")
                f.write(json.dumps({"id": "b", "text": "Jakarta ibu kota"}) + "\n")
            r = run("rank", "-m", self.model, "-q", "beras", "--passages", path, "--json")
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            res = {x["id"]: x for x in json.loads(r.stdout)["results"]}
            self.assertEqual(res["a"]["meta"], {"src": "x", "n": [1, 2]})
            self.assertNotIn("meta", res["b"])
            r = run("search", "--corpus", path, "-q", "beras", "-m", self.model, "--json")
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            out = json.loads(r.stdout)
            self.assertEqual(out["results"][0]["meta"], {"src": "x", "n": [1, 2]})
            self.assertEqual(set(out["results"][0]) - {"meta", "bm25_rank", "bm25_score"},
                             {"index", "id", "score", "logit", "truncated"})
            self.assertIsInstance(out["took_ms"], float)
            self.assertEqual(set(out["timings_ms"]), {"index", "bm25", "rerank"})

    def test_progress_on_a_terminal_only(self):
        """rank of many passages and eval show progress on a terminal; the answer is the same."""
        docs = "".join(json.dumps({"id": i, "text": "Harga beras naik %d kali di pasar %d." % (i, i % 7)}) + "\n"
                       for i in range(150)).encode()
        plain = run("rank", "-m", self.model, "-q", "harga beras", "--json", "-k", "20", stdin=docs)
        tty, shown = run_on_tty("rank", "-m", self.model, "-q", "harga beras", "--json", "-k", "20", stdin=docs)
        self.assertEqual(tty.returncode, 0, shown)
        self.assertEqual(json.loads(tty.stdout)["results"], json.loads(plain.stdout)["results"])
        self.assertIn("ranked: 150/150", shown)
        self.assertNotIn(b"ranked:", plain.stderr)
        data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "demo", "data")
        ev, shown = run_on_tty("eval", "--corpus", os.path.join(data, "passages.jsonl"), "--queries",
                               os.path.join(data, "queries.jsonl"))
        self.assertEqual(ev.returncode, 0, shown)
        self.assertRegex(shown, r"queries: (\d+)/\1")

    def test_chunking_long_passages(self):
        res = self.rank_json("--max-length", "64", "--chunk", "--chunk-overlap", "8")["results"]
        by_index = {x["index"]: x for x in res}
        self.assertGreater(by_index[3]["chunks"], 1)
        self.assertFalse(by_index[3]["truncated"])
        self.assertEqual(by_index[0]["chunks"], 1)
        plain = {x["index"]: x for x in self.rank_json("--max-length", "64")["results"]}
        self.assertGreaterEqual(by_index[3]["logit"], plain[3]["logit"])  # the first window is the cut passage
        self.assertEqual(by_index[1]["logit"], plain[1]["logit"])

    def test_top_k_and_documents(self):
        out = self.rank_json("--top-k", "2", "--return-documents")
        self.assertEqual(len(out["results"]), 2)
        for x in out["results"]:
            self.assertEqual(x["document"], PASSAGES[x["index"]]["text"])

    def test_plain_lines_from_stdin_match_jsonl(self):
        text = "\n".join(p["text"] for p in PASSAGES) + "\n\n"
        r = run("rank", "-m", self.model, "-q", "harga beras", "--json", stdin=text.encode())
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        plain = json.loads(r.stdout)["results"]
        self.assertEqual([x["id"] for x in plain], [x["index"] for x in plain])
        jsonl = self.rank_json()["results"]
        self.assertEqual([(x["index"], x["logit"]) for x in plain], [(x["index"], x["logit"]) for x in jsonl])

    def test_human_output(self):
        r = run("rank", "-m", self.model, "-q", "harga beras", stdin="satu\ndua\n".encode())
        self.assertEqual(r.returncode, 0)
        self.assertEqual(len(r.stdout.decode().strip().splitlines()), 2)

    def test_tokenize(self):
        r = run("tokenize", "-m", self.model, "--query", "harga beras", "--passage", "naik lagi", "--json")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        out = json.loads(r.stdout)
        ids = out["input_ids"]
        self.assertEqual(ids[0], 0)
        self.assertEqual(ids[-1], 2)
        self.assertIn(2, ids[1:-1])
        self.assertFalse(out["truncated"])
        r = run("tokenize", "-m", self.model, "--query", "harga beras", "--passage", "naik lagi " * 100,
                "--max-length", "16", "--json")
        out = json.loads(r.stdout)
        self.assertEqual(len(out["input_ids"]), 16)
        self.assertTrue(out["truncated"])

    def test_info(self):
        r = run("info")
        self.assertEqual(r.returncode, 0)
        lines = r.stdout.decode().splitlines()
        kernel = [l for l in lines if l.startswith("kernel: ")]
        self.assertEqual(len(kernel), 1)
        self.assertIn(kernel[0].split(": ")[1], ("avx512_vnni", "avx2", "ref", "neon", "neon_dotprod"))
        self.assertTrue(any(l.startswith("threads: ") for l in lines))
        r = run("info", self.model, "--kernel", "ref")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        text = r.stdout.decode()
        self.assertIn("kernel: ref\n", text)
        self.assertIn("hidden_size: 68\n", text)
        self.assertIn("num_layers: 2\n", text)
        self.assertRegex(text, r"layout: head \d+ bytes, 251 blocks of 16 rows\n")
        self.assertRegex(text, r"rss_after_load: \d+\n")

    def test_help_and_version(self):
        commands = ["rank", "search", "eval", "tokenize", "score", "convert", "info", "bench"]
        if b"serve" in run("--help").stdout:
            commands += ["serve", "fetch"]
        for cmd in commands:
            for form in ([cmd, "--help"], [cmd, "-h"], ["help", cmd], [cmd, "-m", "x", "--help"]):
                with self.subTest(form=form):
                    r = run(*form)
                    self.assertEqual(r.returncode, 0, r.stderr.decode())
                    out = r.stdout.decode()
                    self.assertTrue(out.startswith("usage: indorerank " + cmd), out)
                    self.assertIn("\nexample:\n  ", out)
        r = run("--help")
        self.assertEqual(r.returncode, 0)
        for cmd in commands:
            self.assertIn("\n  %s " % cmd, r.stdout.decode())
        for form in (["--version"], ["-V"], ["version"]):
            r = run(*form)
            self.assertEqual(r.returncode, 0)
            self.assertRegex(r.stdout.decode(), r"^indorerank \d+\.\d+\.\d+\n$")
        self.assertEqual(run("help", "frobnicate").returncode, 2)

    def test_short_options_and_info_forms(self):
        r = run("rank", "-m", self.model, "-q", "harga", "-k", "2", "--json", stdin=b"a\nb\nc\nd\n")
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(len(json.loads(r.stdout)["results"]), 2)
        a, b = run("info", self.model), run("info", "-m", self.model)
        self.assertEqual((a.returncode, b.returncode), (0, 0))
        same = lambda out: [l for l in out.decode().splitlines() if not l.startswith("rss_after_load: ")]
        self.assertEqual(same(a.stdout), same(b.stdout))

    def test_convert_round_trip(self):
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "m.int8.safetensors")
            r = run("convert", os.path.join(FIXTURES, "tiny"), out)
            self.assertEqual(r.returncode, 0, r.stderr.decode())
            with open(out, "rb") as a, open(self.model, "rb") as b:
                self.assertEqual(a.read(), b.read())  # conversion is deterministic

    def test_errors_are_clear_and_nonzero(self):
        cases = [
            (["rank", "-q", "x"], 2, "needs -m"),
            (["rank", "-m", self.model], 2, "needs -q"),
            (["rank", "-m", "/nonexistent.int8.safetensors", "-q", "x"], 1, "cannot open"),
            (["rank", "-m", self.model, "-q", "x", "--top-k", "-3"], 2, "--top-k"),
            (["rank", "-m", self.model, "-q", "x", "--max-length", "4"], 2, "--max-length"),
            (["rank", "-m", self.model, "-q", "x", "--bogus"], 2, "unknown option"),
            (["rank", "-m", self.model, "-q", "x", "--memory-limit", "1", "--max-length", "512"], 1, "too small"),
            (["rank", "-m", os.path.join(FIXTURES, "tiny", "model.safetensors"), "-q", "x"], 1, "indorerank convert"),
            (["info", "--kernel", "nope"], 1, "not available"),
            (["convert", "/nonexistent", "/tmp/x"], 1, "config.json"),
            (["frobnicate"], 2, "unknown command"),
        ]
        for args, code, needle in cases:
            with self.subTest(args=args):
                r = run(*args, stdin=b"a\n")
                self.assertEqual(r.returncode, code, r.stderr.decode())
                self.assertIn(needle, r.stderr.decode())
        # Stray arguments and unknown short options are errors too, not ignored.
        for args in (["rank", "-m", self.model, "-q", "x", "-z", "foo", "bar"], ["rank", "-m", self.model, "-q", "x", "bar"],
                     ["score", "-m", self.model, "extra"], ["convert", "a", "b", "c"], ["info", self.model, "other"],
                     ["info", self.model, "-m", self.model], ["tokenize", "-m", self.model, "-k", "3"]):
            with self.subTest(args=args):
                r = run(*args, stdin=b"a\n")
                self.assertEqual(r.returncode, 2, r.stderr.decode())
                self.assertRegex(r.stderr.decode(), "unknown option|unexpected argument|once")
        self.assertEqual(run().returncode, 2)
        r = run("rank", "-m", self.model, "-q", "x", "--json", stdin=b'{"id": 1, "text": 5}\n')
        self.assertEqual(r.returncode, 1)
        self.assertIn("line 1", r.stderr.decode())


if __name__ == "__main__":
    CLI, FIXTURES = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"])
