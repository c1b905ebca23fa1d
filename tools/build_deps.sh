#!/usr/bin/env bash
# Builds third-party libraries from the Debian source packages that
# tools/setup.sh fetched into third_party/src/, for targets Debian ships no
# binaries for. Usage: tools/build_deps.sh wasm|wasm-mt|arm64 [BUILD_DIR]
#   wasm     sentencepiece for WebAssembly (SIMD128, no threads)
#   wasm-mt  the same with -pthread (shared memory), for the threaded build
#   arm64    sentencepiece for aarch64 Linux (Debian's cross toolchain; the
#            arm64 -dev package cannot be installed beside the amd64 one)
# Installs into BUILD_DIR/deps/<target>/{include,lib}; a second run returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: build_deps.sh wasm|wasm-mt|arm64 [BUILD_DIR]}
build=${2:-build}
prefix="$PWD/$build/deps/$target"
stamp="$prefix/.done"
[ -f "$stamp" ] && exit 0

src=$(ls -d third_party/src/sentencepiece-*/ 2>/dev/null | head -1)
[ -n "$src" ] || { echo "build_deps: no sentencepiece source; run tools/setup.sh" >&2; exit 1; }

# Work on a copy: Debian's patch that turns the static library off is reversed there.
work="$PWD/$build/deps/src/$target/sentencepiece"
rm -rf "$work" && mkdir -p "$(dirname "$work")"
cp -r "$src" "$work"
(cd "$work" && patch -s -R -p1 < debian/patches/disable-static-library.patch)

spm_options=(-DCMAKE_BUILD_TYPE=Release -DSPM_ENABLE_SHARED=OFF -DSPM_ENABLE_TCMALLOC=OFF -DSPM_USE_BUILTIN_PROTOBUF=ON)
case "$target" in
  wasm|wasm-mt)
    flags="-msimd128"
    [ "$target" = wasm-mt ] && flags="$flags -pthread"
    export NODE_PATH=/usr/share/nodejs
    emcmake cmake -S "$work" -B "$work/build" "${spm_options[@]}" \
      -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >/dev/null ;;
  arm64)
    cmake -S "$work" -B "$work/build" "${spm_options[@]}" \
      -DCMAKE_TOOLCHAIN_FILE="$PWD/embedded/cmake/aarch64-linux-gnu.cmake" >/dev/null ;;
  *) echo "build_deps: unknown target $target" >&2; exit 1 ;;
esac
cmake --build "$work/build" --target sentencepiece-static -j "$(nproc)" >"$work/build.log" 2>&1 ||
  { tail -40 "$work/build.log"; echo "build_deps: building sentencepiece for $target failed" >&2; exit 1; }

mkdir -p "$prefix/include" "$prefix/lib"
cp "$work/src/sentencepiece_processor.h" "$prefix/include/"
cp "$work/build/src/libsentencepiece.a" "$prefix/lib/"
touch "$stamp"
echo "build_deps: $target sentencepiece in $prefix"
