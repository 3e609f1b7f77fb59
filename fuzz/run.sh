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
# The lowering fuzzer's coverage (so its inputs) follows the CPU it compiles
# for: with the host's, the same tree went its own way on another host and
# failed there only. Fixed runs compile for x86-64-v3 (AVX2, any host of this
# project), then for x86-64-v4 (AVX-512) on hosts that run it.
LOWER_CPUS=(x86-64-v3)
grep -qw avx512f /proc/cpuinfo 2>/dev/null && LOWER_CPUS+=(x86-64-v4)

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
    # The lowering's inputs replay on the host's CPU and on baseline x86-64
    # (some failed only for a CPU without AVX2).
    replay_cpus=(host)
    [[ "$name" == lower ]] && replay_cpus+=(x86-64)
    replayed=1
    for cpu in "${replay_cpus[@]}"; do
      BITSINK_FUZZ_CPU="$cpu" "$fuzzer" "${regressions[@]}" \
        >"$WORK/$name-replay.log" 2>&1 || { replayed=0; break; }
    done
    if ((!replayed)); then
      echo "fuzz: $name: a regression input fails again ($cpu), see $WORK/$name-replay.log" >&2
      status=1
      continue
    fi
  fi
  cpus=(host)
  [[ -z "$SECONDS_EACH" && "$name" == lower ]] && cpus=("${LOWER_CPUS[@]}")
  for cpu in "${cpus[@]}"; do
    label="$name"
    [[ "$cpu" != host ]] && label="$name ($cpu)"
    if [[ -n "$SECONDS_EACH" ]]; then
      budget=(-max_total_time="$SECONDS_EACH")
      echo "fuzz: $label: ${SECONDS_EACH} s"
    else
      budget=(-seed=1 -runs="${RUNS[$name]}")
      echo "fuzz: $label: ${RUNS[$name]} runs, seed 1"
    fi
    # A fresh copy of the seeds per CPU: each run starts from the same corpus.
    rm -rf "$WORK/corpus/$name-run"
    cp -r "$WORK/corpus/$name" "$WORK/corpus/$name-run"
    BITSINK_FUZZ_CPU="$cpu" "$fuzzer" "${budget[@]}" -timeout=30 \
      -rss_limit_mb=6144 -print_final_stats=1 \
      -artifact_prefix="$WORK/artifacts/$name-" \
      "$WORK/corpus/$name-run" >"$WORK/$name.log" 2>&1
    rc=$?
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$WORK/$name.log" | grep -o '[0-9]*$')
    if ((rc)); then
      echo "fuzz: $label: FAILED after ${runs:-?} runs; log $WORK/$name.log," \
           "reproducer: $(ls -t "$WORK"/artifacts/"$name"-* 2>/dev/null | head -1)" >&2
      grep -m3 -E 'Fuzz[A-Za-z]*:|ERROR:|#[0-9]+ 0x' "$WORK/$name.log" >&2
      status=1
      break
    fi
    echo "fuzz: $label: ${runs:-?} runs, no failure"
  done
done
exit $status
