#!/usr/bin/env bash
# Copies the WebAssembly modules of both builds into the npm package's dist/.
# Usage: tools/copy_wasm.sh BUILD_DIR DEST
set -euo pipefail
build=${1:?BUILD_DIR} dest=${2:?DEST}
mkdir -p "$dest"
for f in indorerank-web.mjs indorerank-web.wasm indorerank-node.cjs indorerank-node.wasm indorerank-relaxed.wasm; do
  cp "$build/wasm/bin/$f" "$dest/"
done
for f in indorerank-web-mt.wasm indorerank-web-mt.worker.js indorerank-node-mt.cjs indorerank-node-mt.wasm indorerank-relaxed-mt.wasm; do
  cp "$build/wasm-mt/bin/$f" "$dest/"
done
# The pthread workers of the web build start as module workers: their script
# loads the ES module glue with import(), which a bundler's dev server (Vite)
# rewrites into a static import that only a module worker accepts.
glue="$build/wasm-mt/bin/indorerank-web-mt.mjs"
n=$(grep -o 'new Worker(pthreadMainJs)' "$glue" | wc -l)
if [ "$n" != 1 ]; then
  echo "copy_wasm: expected one 'new Worker(pthreadMainJs)' in $glue, found $n (Emscripten changed?)" >&2
  exit 1
fi
sed 's/new Worker(pthreadMainJs)/new Worker(pthreadMainJs,{type:"module"})/' "$glue" > "$dest/indorerank-web-mt.mjs"
# The package is "type": "module", so Node would read a .js worker as ESM.
cp "$build/wasm-mt/bin/indorerank-node-mt.worker.js" "$dest/indorerank-node-mt.worker.cjs"
