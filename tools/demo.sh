#!/usr/bin/env bash
# The main job for now (the browser demo comes with the demo/ page): rerank
# Indonesian passages on this machine with the CLI.
#   tools/demo.sh CLI FIXTURES_DIR        (called by `make demo`)
# With MODEL_DIR=/path/to/hf-folder (config.json, model.safetensors,
# sentencepiece.bpe.model, e.g. madebyaris/rerank-indonesia) it converts and
# uses that model; otherwise it generates the project's full-shape
# random-weight fixture, whose scores show speed, not relevance.
set -euo pipefail
cli=$1
work=$(dirname "$cli")/../demo
mkdir -p "$work"
root=$(cd "$(dirname "$0")/.." && pwd)

if [ -n "${MODEL_DIR:-}" ]; then
  model=$work/model.int8.safetensors
  [ -f "$model" ] || "$cli" convert "$MODEL_DIR" "$model"
  echo "model: $MODEL_DIR"
else
  /usr/bin/python3 "$root/tools/fixtures/gen_fixture.py" --shape full --seed 2 --no-onnx --out "$work/full-hf" >/dev/null
  model=$work/full.int8.safetensors
  [ -f "$model" ] || "$cli" convert "$work/full-hf" "$model" >/dev/null
  echo "model: generated mMiniLMv2-L12-H384-shaped fixture with RANDOM weights (scores are not meaningful;"
  echo "       set MODEL_DIR to a Hugging Face folder of madebyaris/rerank-indonesia for real rankings)"
fi

query=${QUERY:-"harga beras di pasar tradisional"}
passages=$work/passages.txt
grep -v '^\s*$' "$root/tools/fixtures/corpus_id.txt" | awk 'NR % 17 == 1' | head -100 > "$passages"
echo "query: $query"
echo "passages: $(wc -l < "$passages") lines from tools/fixtures/corpus_id.txt"
echo
"$cli" info "$model" --threads "${THREADS:-0}" | grep -E '^(kernel|threads|num_layers|hidden_size):'
echo
"$cli" rank -m "$model" -q "$query" --passages "$passages" --top-k 5 --threads "${THREADS:-0}"
