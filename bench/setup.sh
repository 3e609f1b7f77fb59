#!/usr/bin/env bash
# Benchmark-only dependencies (torch is large: it stays out of the test path).
# Creates a virtual environment with numpy and torch; idempotent. Prints the
# path of its python on the last line.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/build/bench-venv}"
PYTHON="${PYTHON:-python3}"
if [[ ! -x "$VENV/bin/python" ]]; then
  "$PYTHON" -m venv "$VENV" >&2
fi
if ! "$VENV/bin/python" -c "import torch, numpy" 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet --upgrade pip >&2
  "$VENV/bin/python" -m pip install --quiet numpy torch >&2
fi
echo "$VENV/bin/python"
