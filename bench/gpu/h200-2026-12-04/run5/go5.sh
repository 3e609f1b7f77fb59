#!/usr/bin/env bash
cd "$(dirname "$0")"
H=./check/bitsink-gpu-check
T="--planes=2 --group-size=128 --coeff-dtype=f16 --dtype=f16 --k=8192 --operand-rtol=4.9e-4 --time-runs=100 --entry=main --op=bitplane_matmul"
for f in sweep/a_*.so; do echo "$(basename $f .so) $(timeout 25 $H $f $T --m=16 --n=8192 2>&1 | grep -E 'time_ms|FAIL|PASS|rror' | tr '\n' ' ')"; done | tee $OUT/sweep.log
for f in sweep/b_*.so; do echo "$(basename $f .so) $(timeout 40 $H $f $T --m=16 --n=28672 2>&1 | grep -E 'time_ms|FAIL|PASS|rror' | tr '\n' ' ')"; done | tee -a $OUT/sweep.log
for f in sweep/c_*.so; do echo "$(basename $f .so) $(timeout 25 $H $f $T --m=1 --n=28672 2>&1 | grep -E 'time_ms|FAIL|PASS|rror' | tr '\n' ' ')"; done | tee -a $OUT/sweep.log
