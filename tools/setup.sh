#!/usr/bin/env bash
# Installs everything the build and the tests need on a bare Debian 12 machine.
# Idempotent: a second run checks and returns in seconds. Runs as root (CI) or
# with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config git locales
  libsentencepiece-dev sentencepiece python3-sentencepiece libstemmer-dev
  python3-numpy python3-onnx
  catch2 libcpp-httplib-dev libmicrohttpd-dev
  clang libclang-rt-14-dev clang-19 lld-19 llvm-19
  nodejs npm
  emscripten chromium dpkg-dev
  firefox-esr webkit2gtk-driver xvfb xauth
  crossbuild-essential-arm64 qemu-user-static
  libcpp-httplib-dev:arm64 libmicrohttpd-dev:arm64
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

# The aarch64 cross build links Debian's arm64 -dev packages (multiarch).
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  echo "setup: enabling the arm64 architecture for cross-build libraries"
  $SUDO dpkg --add-architecture arm64
fi

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node may come from outside Debian (a preinstalled binary); accept any node >= 18 with npm.
if command -v node >/dev/null && command -v npm >/dev/null &&
   [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 18 ]; then
  missing=("${missing[@]/nodejs}")
  missing=("${missing[@]/npm}")
fi
pkgs=()
for p in "${missing[@]}"; do [ -n "$p" ] && pkgs+=("$p"); done
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "setup: installing ${pkgs[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
fi

# Sources built for WebAssembly (and later aarch64) come from Debian source
# packages: add deb-src entries mirroring the configured archive, then fetch
# into the ignored third_party/src/. Built by tools/build_deps.sh, never committed.
SRC_DIR=third_party/src
SRC_PACKAGES=(sentencepiece snowball)
need_src=()
for p in "${SRC_PACKAGES[@]}"; do
  ls -d "$SRC_DIR/$p"-*/ >/dev/null 2>&1 || need_src+=("$p")
done
if [ ${#need_src[@]} -gt 0 ]; then
  if ! grep -rqs '^Types:.*deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    echo "setup: adding deb-src entries"
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        $SUDO tee /etc/apt/sources.list.d/indorerank-deb-src.sources >/dev/null
    else
      grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
        $SUDO tee /etc/apt/sources.list.d/indorerank-deb-src.list >/dev/null
    fi
  fi
  $SUDO apt-get update -qq
  mkdir -p "$SRC_DIR"
  for p in "${need_src[@]}"; do
    echo "setup: source package $p"
    (cd "$SRC_DIR" && apt-get source -qq "$p" >/dev/null 2>&1) ||
      { echo "setup: apt-get source $p failed" >&2; exit 1; }
  done
fi

# npm packages of the tests (tests/package-lock.json): onnxruntime-node and
# onnxruntime-web (parity references and benchmark peers), playwright-core
# (drives Debian's Chromium), typescript (the consumer type check). The
# onnxruntime-node install script would try to download GPU files;
# ONNXRUNTIME_NODE_INSTALL=skip stops that.
if ! node -e '
  const deps = Object.keys(require("./tests/package.json").dependencies);
  const fs = require("fs");
  process.exit(deps.every((d) => fs.existsSync("tests/node_modules/" + d + "/package.json")) ? 0 : 1);'; then
  echo "setup: npm packages for tests/"
  (cd tests && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)
fi
# Node.js 24, the active LTS most users run (the machine's node may be older):
# the official binary as the npm registry ships it (node-linux-<arch>), into
# the ignored third_party/node-lts/. The JS tests run on it too, and the Node
# benchmark uses it.
NODE_LTS=24.22.3
if [ "$(third_party/node-lts/bin/node --version 2>/dev/null)" != "v$NODE_LTS" ]; then
  echo "setup: Node.js $NODE_LTS"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-$(node -p process.arch)@$NODE_LTS" >/dev/null && tar xzf node-linux-*.tgz)
  rm -rf third_party/node-lts
  mkdir -p third_party
  mv "$tmp/package" third_party/node-lts
  rm -rf "$tmp"
fi
echo "setup: ok"
