#!/usr/bin/python3
"""How much of the word-embedding table a first visit to the demo needs.

For the demo's queries in order (demo/data/queries.jsonl), takes the BM25
candidates the page would rerank (`indorerank search`, top 20), tokenizes each
(query, candidate) pair with the model's own tokenizer (`indorerank tokenize`),
and prints, after 1, 5 and all queries, how many embedding rows the pairs use
and how many bytes the blocks holding them take, for several block sizes.
Run it on a model whose tokenizer spreads its pieces as XLM-R's does
(`make fixtures-spread`); on the plain fixtures every piece sits in the first
rows and the figure means nothing.

  bench/embedding_blocks.py --model build/native/fixtures/spread.int8.safetensors [--cli build/native/bin/indorerank]
"""
import argparse
import json
import subprocess

BLOCK_ROWS = (1, 16, 64, 256, 1024)
LOADER_BLOCK_ROWS = 16  # what `indorerank convert` writes
GAPS = (0, 1, 2, 4, 8, 16, 32)


def run(cmd, stdin=None):
    return subprocess.run(cmd, input=stdin, capture_output=True, text=True, check=True).stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True)
    ap.add_argument("--cli", default="build/native/bin/indorerank")
    ap.add_argument("--corpus", default="demo/data/passages.jsonl")
    ap.add_argument("--queries", default="demo/data/queries.jsonl")
    ap.add_argument("--candidates", type=int, default=20)
    a = ap.parse_args()
    info = dict(line.split(": ", 1) for line in run([a.cli, "info", a.model]).splitlines() if ": " in line)
    vocab, hidden = int(info["vocab_size"]), int(info["hidden_size"])
    queries = [json.loads(line)["query"] for line in open(a.queries, encoding="utf-8") if line.strip()]
    used = set()
    print("| queries | rows used | " + " | ".join("%d-row blocks" % r for r in BLOCK_ROWS) + " |")
    print("|---|---|" + "---|" * len(BLOCK_ROWS))
    for n, q in enumerate(queries, 1):
        found = json.loads(run([a.cli, "search", "--corpus", a.corpus, "-q", q, "--bm25-k", str(a.candidates),
                                "-k", str(a.candidates), "--json", "--return-documents"]))["results"]
        pairs = "".join(json.dumps({"query": q, "passage": r["document"]}) + "\n" for r in found)
        for line in run([a.cli, "tokenize", "-m", a.model, "--pairs", "-"], stdin=pairs).splitlines():
            used.update(json.loads(line)["input_ids"])
        if n in (1, 5) or n == len(queries):
            cells = []
            for rows in BLOCK_ROWS:
                blocks = len({i // rows for i in used})
                cells.append("%d (%.1f MiB)" % (blocks, blocks * rows * hidden / 2**20))
            print("| %d | %d of %d | %s |" % (n, len(used), vocab, " | ".join(cells)))
        if n == 1:
            first = {i // LOADER_BLOCK_ROWS for i in used}
    print("\nThe first query's %d-row blocks as range requests, joining missing blocks up to GAP apart:\n" % LOADER_BLOCK_ROWS)
    print("| gap (blocks) | requests | fetched |")
    print("|---|---|---|")
    for gap in GAPS:
        count, fetched = ranges(first, gap)
        print("| %d | %d | %.1f MiB |" % (gap, count, fetched * LOADER_BLOCK_ROWS * hidden / 2**20))


def ranges(blocks, gap):
    """Requests and blocks fetched when missing blocks this close share one range request."""
    runs = []
    for b in sorted(blocks):
        if runs and b - runs[-1][1] <= gap:
            runs[-1][1] = b + 1
        else:
            runs.append([b, b + 1])
    return len(runs), sum(e - s for s, e in runs)


if __name__ == "__main__":
    main()
