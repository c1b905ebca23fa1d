#!/usr/bin/env bash
# Installs everything the build and the tests need on a bare Debian 12 machine.
# Idempotent: a second run checks and returns in seconds. Runs as root (CI) or
# with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  build-essential cmake pkg-config git
  libsentencepiece-dev sentencepiece python3-sentencepiece
  python3-numpy python3-onnx
  catch2
  clang libclang-rt-14-dev
  nodejs npm
)

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

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

# onnxruntime-node is the reference runtime of the parity tests. Its install
# script would try to download GPU files; ONNXRUNTIME_NODE_INSTALL=skip stops that.
if [ ! -d tests/node_modules/onnxruntime-node ]; then
  echo "setup: npm packages for tests/"
  (cd tests && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: ok"
