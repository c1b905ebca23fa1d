#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each one.
#   tests/fuzz/run.sh OUT_DIR [RUNS] [SEED] [SPM]
# SPM: the sentencepiece model fuzz_tokenizer uses (the tiny fixture's).
# With a fixed seed and run count the exploration is the same every time, so
# `make test` cannot fail by chance; pass another SEED (or RUNS) to explore more.
set -euo pipefail
out=$1
runs=${2:-1000000}
seed=${3:-1}
export INDORERANK_FUZZ_SPM=${4:-build/native/fixtures/tiny/sentencepiece.bpe.model}
[ -f "$INDORERANK_FUZZ_SPM" ] || { echo "fuzz: no sentencepiece model at $INDORERANK_FUZZ_SPM (make native first)" >&2; exit 1; }
INDORERANK_FUZZ_SPM=$(cd "$(dirname "$INDORERANK_FUZZ_SPM")" && pwd)/$(basename "$INDORERANK_FUZZ_SPM")
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$src/core/src" -I"$src/core/include")
build() {
  local name=$1; shift
  clang++ "${flags[@]}" "$src/tests/fuzz/$name.cpp" "$@" -o "$out/$name"
}
build fuzz_json "$src/core/src/json.cpp" "$src/core/src/utf8.cpp"
build fuzz_safetensors "$src/core/src/safetensors.cpp" "$src/core/src/json.cpp" "$src/core/src/utf8.cpp"
build fuzz_utf8 "$src/core/src/utf8.cpp"
build fuzz_bm25 "$src/core/src/bm25/analyze.cpp" "$src/core/src/bm25/index.cpp" "$src/core/src/bm25/stopwords.cpp" \
  "$src/core/src/utf8.cpp" -lstemmer
build fuzz_rerank_request -I"$src/embedded/cli" "$src/embedded/cli/rerank_api.cpp" "$src/core/src/json.cpp" \
  "$src/core/src/utf8.cpp"
build fuzz_tokenizer "$src/core/src/tokenizer.cpp" "$src/core/src/utf8.cpp" -lsentencepiece
for t in fuzz_json fuzz_safetensors fuzz_utf8 fuzz_bm25 fuzz_rerank_request fuzz_tokenizer; do
  # Inputs that once crashed a target are replayed first (tests/fuzz/regressions/<target>/).
  if [ -d "$src/tests/fuzz/regressions/$t" ]; then
    echo "fuzz: $t, replaying $(ls "$src/tests/fuzz/regressions/$t" | wc -l) regression inputs"
    (cd "$out" && "./$t" "$src/tests/fuzz/regressions/$t"/* > "$t.regressions.log" 2>&1) ||
      { tail -40 "$out/$t.regressions.log"; echo "fuzz: $t FAILED on a regression input"; exit 1; }
  fi
  echo "fuzz: $t, $runs runs, seed $seed"
  # Each run starts from an empty corpus, so it depends on nothing but the seed.
  rm -rf "$out/corpus/$t" && mkdir -p "$out/corpus/$t"
  # A crash makes libFuzzer exit non-zero and write the input to $out/crash-*.
  if ! (cd "$out" && "./$t" -seed="$seed" -runs="$runs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
          "corpus/$t" > "$t.log" 2>&1); then
    tail -40 "$out/$t.log"
    echo "fuzz: $t FAILED (reproducer in $out)"
    exit 1
  fi
  grep -E "^(stat::number_of_executed_units|#[0-9]+.*DONE)" "$out/$t.log" || true
done
echo "fuzz: ok"
