#!/usr/bin/env bash
# Builds every GPU test artifact on this machine (no GPU needed) into one
# folder that runs on a GPU machine with only an NVIDIA driver:
#
#   scripts/gpu-check.sh [OUT_DIR]          # here: build, print the size
#   OUT_DIR/run.sh [harness options...]     # there: run every case
#
# The folder holds bitsink-gpu-check, libbitsink_cuda_runtime.so, one
# cases-<chip>.so per chip in $CHIPS (kernels embedded as cubins) with its C
# header, one cases-<variant>-<chip>.so per variant below (the same cases
# under other pass options), and cases.args. run.sh picks the artifact for
# GPU 0 (same major version, highest minor not above the device's: an sm_80
# cubin runs on sm_86/sm_89), runs a line starting with `<variant>:` against
# that variant's build, gives each case at most $CASE_TIMEOUT seconds
# (default 60: a hung kernel must not eat the device time; the runtime's
# BITSINK_CUDA_TIMEOUT_S, default 20 here, names it first), and prints one
# PASS/FAIL line per case; extra options (e.g. --time-runs=50) go to every
# harness call. BUILD_DIR selects the build (default build/); it must be
# configured with BITSINK_ENABLE_CUDA=ON.
#
# Variants: simt (the GEMM on exact f32 CUDA cores) and tiles (the
# tensor-core GEMM with other CTA tiles than the defaults).
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
  for variant in "simt=tensor-cores=false" \
    "tiles=tile-m=32 tile-n=128 tile-k=64"; do
    "$BUILD_DIR/bin/bitsink-compile" "$CASES/cases.mlir" --target=cuda \
      --chip="$chip" --no-copy-runtime -o "$OUT/cases-${variant%%=*}-$chip.so" \
      --pipeline-options="matmul-options='${variant#*=}'"
  done
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
chip="${artifact#"$HERE"/cases-}"
echo "artifact: $(basename "$artifact") (variant lines: cases-<variant>-$chip)"
# A kernel that does not finish is reported by the runtime (naming the
# kernels in flight) instead of running into the case's timeout.
export BITSINK_CUDA_TIMEOUT_S="${BITSINK_CUDA_TIMEOUT_S:-20}"
failed=0; total=0
while read -r line; do
  line="${line%%#*}"
  [[ -z "${line// }" ]] && continue
  total=$((total + 1))
  use="$artifact"
  if [[ "$line" =~ ^([a-z]+):(.*)$ ]]; then
    use="$HERE/cases-${BASH_REMATCH[1]}-$chip"; line="${BASH_REMATCH[2]}"
  fi
  # shellcheck disable=SC2086
  timeout "${CASE_TIMEOUT:-60}" "$HERE/bitsink-gpu-check" "$use" $line "$@" ||
    { echo "FAIL (exit $?): $(basename "$use") $line"; failed=$((failed + 1)); }
done < "$HERE/cases.args"
echo "$((total - failed))/$total cases passed"
[[ "$failed" == 0 ]]
RUN
chmod +x "$OUT/run.sh"

echo "GPU check folder: $OUT"
ls -l "$OUT"
echo "total: $(du -sh "$OUT" | cut -f1) ($(du -sb "$OUT" | cut -f1) bytes)"
