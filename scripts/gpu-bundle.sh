#!/usr/bin/env bash
# Builds, on this machine (no GPU needed), everything the GPU standing order
# runs in one device call, into one folder under the repository (default
# gpu-run/, ignored through .git/info/exclude):
#
#   scripts/gpu-bundle.sh [OUT]        # here: gpu-check cases + bench/gpu
#   bash OUT/go.sh                     # there (device tool: carry OUT)
#
# OUT/check is scripts/gpu-check.sh's folder, OUT/bench bench/gpu/build.sh's.
# go.sh runs the cases, then the benchmark in separate processes with their
# own timeouts (a crash or hang in one group keeps the others' numbers),
# and leaves check.log, bench.log and env.log in $OUT (the device tool's
# returned folder) when that is set. About 110 s on an H200 (2026-12-04).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/gpu-run}"
case "$OUT" in /*) ;; *) OUT="$PWD/$OUT" ;; esac
if [[ "$OUT" == "$ROOT"/* ]]; then
  rel="${OUT#"$ROOT"/}"
  exclude="$(git -C "$ROOT" rev-parse --git-path info/exclude)"
  [[ "$exclude" == /* ]] || exclude="$ROOT/$exclude"
  grep -qxF "/$rel/" "$exclude" 2>/dev/null || echo "/$rel/" >>"$exclude"
fi
rm -rf "$OUT"
mkdir -p "$OUT"
bash "$ROOT/scripts/gpu-check.sh" "$OUT/check" >/dev/null
bash "$ROOT/bench/gpu/build.sh" "$OUT/bench" >/dev/null
rm -rf "$OUT/bench/ir"
cat >"$OUT/go.sh" <<'GO'
#!/usr/bin/env bash
cd "$(dirname "$0")"
export PYTHONUNBUFFERED=1
# A kernel that does not finish: the runtime names it (docs/gpu-runtime.md).
export BITSINK_CUDA_TIMEOUT_S=20
LOG="${OUT:-.}"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,clocks.max.mem,memory.total --format=csv 2>&1 | tee "$LOG/env.log"
python3 -c "import torch, triton; print('torch', torch.__version__, 'triton', triton.__version__, 'cuda', torch.version.cuda)" 2>&1 | tee -a "$LOG/env.log"
echo "=== gpu-check"
timeout 100 bash check/run.sh 2>&1 | tee "$LOG/check.log" | grep -E "FAIL|cases passed|artifact"
bench() {
  echo "=== bench $1" | tee -a "$LOG/bench.log"
  timeout "$2" python3 bench/run.py bench --only "$1" --iters 30 --profile 20 2>&1 |
    grep -v -E '^ |^[{}]$' | tee -a "$LOG/bench.log"
}
bench '^(decode|gemv)_' 130
bench '^gemm_' 60
bench '^prefill_N4096' 70
bench '^prefill_N16384' 80
bench '^prefill_N65536' 110
GO
chmod +x "$OUT/go.sh"
echo "GPU bundle: $OUT ($(du -sh "$OUT" | cut -f1)); on the device: bash ${OUT#"$ROOT"/}/go.sh"
