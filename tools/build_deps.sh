#!/usr/bin/env bash
# Builds third-party libraries from the Debian source packages that
# tools/setup.sh fetched into third_party/src/, for targets Debian ships no
# binaries for. Usage: tools/build_deps.sh wasm|wasm-mt|arm64 [BUILD_DIR]
#   wasm     WebAssembly (SIMD128, no threads)
#   wasm-mt  the same with -pthread (shared memory), for the threaded build
#   arm64    aarch64 Linux (Debian's cross toolchain)
# Libraries: sentencepiece (static) and Snowball's libstemmer with only the
# Indonesian stemmer (native builds use Debian's libstemmer-dev, the same 2.2.0).
# Installs into BUILD_DIR/deps/<target>/{include,lib}; a second run returns at once.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: build_deps.sh wasm|wasm-mt|arm64 [BUILD_DIR]}
build=${2:-build}
prefix="$PWD/$build/deps/$target"
case "$target" in wasm|wasm-mt|arm64) ;; *) echo "build_deps: unknown target $target" >&2; exit 1 ;; esac
mkdir -p "$prefix/include" "$prefix/lib"

# source_copy NAME: a fresh copy of the unpacked Debian source, printed.
source_copy() {
  local src work
  src=$(ls -d third_party/src/"$1"-*/ 2>/dev/null | head -1)
  [ -n "$src" ] || { echo "build_deps: no $1 source; run tools/setup.sh" >&2; exit 1; }
  work="$PWD/$build/deps/src/$target/$1"
  rm -rf "$work" && mkdir -p "$(dirname "$work")"
  cp -r "$src" "$work"
  echo "$work"
}

build_sentencepiece() {
  local work options flags
  work=$(source_copy sentencepiece)
  # Debian's patch that turns the static library off is reversed on the copy.
  (cd "$work" && patch -s -R -p1 < debian/patches/disable-static-library.patch)
  options=(-DCMAKE_BUILD_TYPE=Release -DSPM_ENABLE_SHARED=OFF -DSPM_ENABLE_TCMALLOC=OFF -DSPM_USE_BUILTIN_PROTOBUF=ON)
  case "$target" in
    wasm|wasm-mt)
      flags="-msimd128"
      [ "$target" = wasm-mt ] && flags="$flags -pthread"
      emcmake cmake -S "$work" -B "$work/build" "${options[@]}" \
        -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" >/dev/null ;;
    arm64)
      cmake -S "$work" -B "$work/build" "${options[@]}" \
        -DCMAKE_TOOLCHAIN_FILE="$PWD/embedded/cmake/aarch64-linux-gnu.cmake" >/dev/null ;;
  esac
  cmake --build "$work/build" --target sentencepiece-static -j "$(nproc)" >"$work/build.log" 2>&1 ||
    { tail -40 "$work/build.log"; echo "build_deps: building sentencepiece for $target failed" >&2; exit 1; }
  cp "$work/src/sentencepiece_processor.h" "$prefix/include/"
  cp "$work/build/src/libsentencepiece.a" "$prefix/lib/"
}

# Snowball: the compiler is built for this machine and turns the Indonesian
# algorithm into C; that C, the runtime and libstemmer's sb_stemmer API
# (its module table cut down to Indonesian) are compiled for the target.
build_snowball() {
  local work cc ar flags
  work=$(source_copy snowball)
  (
    cd "$work"
    gcc -O2 -o snowball compiler/*.c
    mkdir -p src_c
    ./snowball algorithms/indonesian.sbl -o src_c/stem_UTF_8_indonesian -eprefix indonesian_UTF_8_ -r ../runtime -u
    printf 'indonesian UTF_8 indonesian,id,ind\n' > modules_indonesian.txt
    perl libstemmer/mkmodules.pl libstemmer/modules_utf8.h src_c modules_indonesian.txt libstemmer/mkinc_utf8.mak utf8
    sed 's/@MODULES_H@/modules_utf8.h/' libstemmer/libstemmer_c.in > libstemmer/libstemmer_utf8.c
  ) >"$work/build.log" 2>&1 ||
    { tail -20 "$work/build.log"; echo "build_deps: generating the Snowball stemmer failed" >&2; exit 1; }
  case "$target" in
    wasm) cc=emcc; ar=emar; flags="-O2 -msimd128" ;;
    wasm-mt) cc=emcc; ar=emar; flags="-O2 -msimd128 -pthread" ;;
    arm64) cc=aarch64-linux-gnu-gcc; ar=aarch64-linux-gnu-ar; flags="-O2" ;;
  esac
  local objs=()
  for f in runtime/api.c runtime/utilities.c libstemmer/libstemmer_utf8.c src_c/stem_UTF_8_indonesian.c; do
    local o="$work/$(basename "$f" .c).o"
    (cd "$work" && $cc $flags -Iinclude -c "$f" -o "$o") >>"$work/build.log" 2>&1 ||
      { tail -20 "$work/build.log"; echo "build_deps: compiling Snowball's $f for $target failed" >&2; exit 1; }
    objs+=("$o")
  done
  rm -f "$prefix/lib/libstemmer.a"
  $ar rcs "$prefix/lib/libstemmer.a" "${objs[@]}"
  cp "$work/include/libstemmer.h" "$prefix/include/"
}

export NODE_PATH=/usr/share/nodejs
for lib in sentencepiece snowball; do
  stamp="$prefix/.$lib.done"
  [ -f "$stamp" ] && continue
  "build_$lib"
  touch "$stamp"
  echo "build_deps: $target $lib in $prefix"
done
