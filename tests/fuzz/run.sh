#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a
# bounded time:  tests/fuzz/run.sh OUT_DIR [SECONDS]
set -euo pipefail
out=$1
secs=${2:-20}
src=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -I"$src/core/src" -I"$src/core/include")
build() {
  local name=$1; shift
  [ "$out/$name" -nt "$src/tests/fuzz/$name.cpp" ] && return
  clang++ "${flags[@]}" "$src/tests/fuzz/$name.cpp" "$@" -o "$out/$name"
}
build fuzz_json "$src/core/src/json.cpp" "$src/core/src/utf8.cpp"
build fuzz_safetensors "$src/core/src/safetensors.cpp" "$src/core/src/json.cpp" "$src/core/src/utf8.cpp"
build fuzz_utf8 "$src/core/src/utf8.cpp"
for t in fuzz_json fuzz_safetensors fuzz_utf8; do
  mkdir -p "$out/corpus/$t"
  echo "fuzz: $t for ${secs}s"
  # A crash makes libFuzzer exit non-zero and write the input to $out/crash-*.
  if ! (cd "$out" && "./$t" -max_total_time="$secs" -max_len=65536 -rss_limit_mb=2048 -print_final_stats=1 \
          "corpus/$t" > "$t.log" 2>&1); then
    tail -40 "$out/$t.log"
    echo "fuzz: $t FAILED (reproducer in $out)"
    exit 1
  fi
  grep -E "^(stat::number_of_executed_units|#[0-9]+.*DONE)" "$out/$t.log" || true
done
echo "fuzz: ok"
