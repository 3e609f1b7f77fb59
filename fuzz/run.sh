#!/usr/bin/env bash
# Fuzz runs: replays every committed regression input of each fuzzer, then
# fuzzes it from a seed corpus made on the fly (fuzz/make_seeds.py). Exits
# non-zero at the first crash, wrong answer or leak, printing the
# reproducer's path. Needs a build with BITSINK_ENABLE_FUZZERS=ON (the
# default with clang).
#
# Usage: fuzz/run.sh [SECONDS] [FUZZER...]   (FUZZER: npy ir quant lower)
# Without SECONDS (the test command): a fixed seed and a fixed number of
# runs per fuzzer, about a minute each here, so that the same tree gives the
# same verdict on every run. With SECONDS: a random seed for that long each
# (longer campaigns: `fuzz/run.sh 3600 lower`; see docs/reliability.md).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$ROOT/build}"
SECONDS_EACH=""
if [[ $# -gt 0 && "$1" =~ ^[0-9]+$ ]]; then
  SECONDS_EACH="$1"
  shift
fi
FUZZERS=("$@")
((${#FUZZERS[@]})) || FUZZERS=(npy ir quant lower)
WORK="${FUZZ_WORK:-$BUILD_DIR/fuzz-work}"
# Fixed-budget runs (deterministic): executions per fuzzer.
declare -A RUNS=([npy]=12000000 [ir]=2500000 [quant]=300000 [lower]=400)

cmake --build "$BUILD_DIR" --target bitsink-fuzzers || exit 1
rm -rf "$WORK/corpus"
mkdir -p "$WORK/corpus" "$WORK/artifacts"
"${PYTHON:-python3}" "$ROOT/fuzz/make_seeds.py" "$ROOT" "$WORK/corpus" || exit 1

status=0
for name in "${FUZZERS[@]}"; do
  fuzzer="$BUILD_DIR/fuzz/bitsink-fuzz-$name"
  regressions=("$ROOT"/fuzz/regressions/"$name"/*)
  if [[ -e "${regressions[0]}" ]]; then
    echo "fuzz: $name: replaying ${#regressions[@]} regression input(s)"
    "$fuzzer" "${regressions[@]}" >"$WORK/$name-replay.log" 2>&1 || {
      echo "fuzz: $name: a regression input fails again, see $WORK/$name-replay.log" >&2
      status=1
      continue
    }
  fi
  if [[ -n "$SECONDS_EACH" ]]; then
    budget=(-max_total_time="$SECONDS_EACH")
    echo "fuzz: $name: ${SECONDS_EACH} s"
  else
    budget=(-seed=1 -runs="${RUNS[$name]}")
    echo "fuzz: $name: ${RUNS[$name]} runs, seed 1"
  fi
  "$fuzzer" "${budget[@]}" -timeout=30 -rss_limit_mb=6144 \
    -print_final_stats=1 -artifact_prefix="$WORK/artifacts/$name-" \
    "$WORK/corpus/$name" >"$WORK/$name.log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$WORK/$name.log" | grep -o '[0-9]*$')
  if ((rc)); then
    echo "fuzz: $name: FAILED after ${runs:-?} runs; log $WORK/$name.log," \
         "reproducer: $(ls -t "$WORK"/artifacts/"$name"-* 2>/dev/null | head -1)" >&2
    grep -m3 -E 'Fuzz[A-Za-z]*:|ERROR:' "$WORK/$name.log" >&2
    status=1
  else
    echo "fuzz: $name: ${runs:-?} runs, no failure"
  fi
done
exit $status
