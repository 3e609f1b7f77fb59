#!/usr/bin/env bash
# Builds every GPU test artifact on this machine (no GPU needed) into one
# folder that runs on a GPU machine with only an NVIDIA driver:
#
#   scripts/gpu-check.sh [OUT_DIR]          # here: build, print the size
#   OUT_DIR/run.sh [harness options...]     # there: run every case
#
# The folder holds bitsink-gpu-check, libbitsink_cuda_runtime.so, one
# cases-<chip>.so per chip in $CHIPS (kernels embedded as cubins) with its C
# header, a cases-simt-<chip>.so built with tensor-cores=false (the GEMM on
# exact f32 CUDA cores), and cases.args. run.sh picks the artifact for GPU 0
# (same major version, highest minor not above the device's: an sm_80 cubin
# runs on sm_86/sm_89), runs lines starting with `simt:` against the simt
# build, and prints one PASS/FAIL line per case; extra options (e.g.
# --time-runs=50) go to every harness call. BUILD_DIR selects the build
# (default build/); it must be configured with BITSINK_ENABLE_CUDA=ON.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
OUT="${1:-$BUILD_DIR/gpu-check}"
CHIPS="${CHIPS:-sm_80 sm_90}"
CASES="$ROOT/test/Integration/GPU/Inputs"

cmake --build "$BUILD_DIR" --target bitsink-compile bitsink-gpu-check \
  bitsink_cuda_runtime >/dev/null
rm -rf "$OUT"
mkdir -p "$OUT"
cp "$BUILD_DIR/bin/bitsink-gpu-check" "$BUILD_DIR/lib/libbitsink_cuda_runtime.so" \
  "$CASES/cases.args" "$OUT/"
for chip in $CHIPS; do
  "$BUILD_DIR/bin/bitsink-compile" "$CASES/cases.mlir" --target=cuda \
    --chip="$chip" --no-copy-runtime -o "$OUT/cases-$chip.so" \
    --header="$OUT/cases-$chip.h"
  "$BUILD_DIR/bin/bitsink-compile" "$CASES/cases.mlir" --target=cuda \
    --chip="$chip" --no-copy-runtime -o "$OUT/cases-simt-$chip.so" \
    --pipeline-options="matmul-options='tensor-cores=false'"
done

cat > "$OUT/run.sh" <<'RUN'
#!/usr/bin/env bash
# Runs every case of cases.args on GPU 0 with the artifact built for it.
set -uo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
info="$("$HERE/bitsink-gpu-check" --device-info)" || exit 2
sm="${info%% *}"
echo "device: $info"
major="${sm#sm_}"; major="${major:0:1}"
artifact=""
for candidate in $(ls "$HERE"/cases-sm_*.so | sort -V); do
  chip="$(basename "$candidate" .so)"; chip="${chip#cases-}"
  num="${chip#sm_}"; num="${num%a}"
  if [[ "${num:0:1}" == "$major" && "$num" -le "${sm#sm_}" && "$chip" != *a ]]; then
    artifact="$candidate"
  fi
done
[[ -n "$artifact" ]] || { echo "no artifact for $sm in $HERE" >&2; exit 2; }
simt="$HERE/cases-simt-${artifact#"$HERE"/cases-}"
echo "artifact: $(basename "$artifact") (simt: lines: $(basename "$simt"))"
failed=0; total=0
while read -r line; do
  line="${line%%#*}"
  [[ -z "${line// }" ]] && continue
  total=$((total + 1))
  use="$artifact"
  if [[ "$line" == simt:* ]]; then use="$simt"; line="${line#simt:}"; fi
  # shellcheck disable=SC2086
  "$HERE/bitsink-gpu-check" "$use" $line "$@" || failed=$((failed + 1))
done < "$HERE/cases.args"
echo "$((total - failed))/$total cases passed"
[[ "$failed" == 0 ]]
RUN
chmod +x "$OUT/run.sh"

echo "GPU check folder: $OUT"
ls -l "$OUT"
echo "total: $(du -sh "$OUT" | cut -f1) ($(du -sb "$OUT" | cut -f1) bytes)"
