"""`rank --json` of a cross-built CLI (run under an emulator) equals the
native CLI's: same order, scores within 1e-5, same truncation flags, on the
tiny fixture and (when generated) the full-shape one.

    cross_parity.py --native NATIVE_CLI --fixtures DIR -- EMULATOR... CROSS_CLI
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

TOL = 1e-5


def passages(corpus, n, seed):
    lines = [l.strip() for l in open(corpus, encoding="utf-8") if len(l.strip()) > 20]
    out = []
    for i in range(n):
        k = 1 + (seed * 31 + i * 17) % 9
        start = (seed * 101 + i * 53) % (len(lines) - k)
        out.append(" ".join(lines[start:start + k]))
    return out


def rank(cmd, model, query, path):
    res = subprocess.run(cmd + ["rank", "-m", model, "-q", query, "--passages", path, "--json", "--threads", "2"],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)["results"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--native", required=True)
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("cross", nargs=argparse.REMAINDER)
    a = ap.parse_args()
    cross = a.cross[1:] if a.cross and a.cross[0] == "--" else a.cross
    corpus = os.path.join(os.path.dirname(__file__), "..", "..", "tools", "fixtures", "corpus_id.txt")
    models = [("tiny", 40, ["apa ibu kota indonesia", "syarat membuat paspor", "harga beras naik"])]
    if os.path.exists(os.path.join(a.fixtures, "full.int8.safetensors")):
        models.append(("full", 6, ["hukum pidana di indonesia"]))
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name, n, queries in models:
            model = os.path.join(a.fixtures, name + ".int8.safetensors")
            for qi, q in enumerate(queries):
                path = os.path.join(tmp, "p.jsonl")
                with open(path, "w", encoding="utf-8") as f:
                    for i, t in enumerate(passages(corpus, n, qi + 1)):
                        f.write(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n")
                native, other = rank([a.native], model, q, path), rank(cross, model, q, path)
                if [r["index"] for r in native] != [r["index"] for r in other]:
                    print(f"FAIL {name} {q!r}: order differs", file=sys.stderr)
                    return 1
                for x, y in zip(native, other):
                    worst = max(worst, abs(x["score"] - y["score"]), abs(x["logit"] - y["logit"]))
                    if x["truncated"] != y["truncated"]:
                        print(f"FAIL {name} {q!r}: truncation differs", file=sys.stderr)
                        return 1
    print(f"{', '.join(m[0] for m in models)}: max |score or logit difference| {worst:.3g}")
    return 0 if worst <= TOL else 1


if __name__ == "__main__":
    sys.exit(main())
