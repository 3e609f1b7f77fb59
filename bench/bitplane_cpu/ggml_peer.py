"""llama.cpp's GEMV beside bitsink's: ggml's decode matrix-vector product
(ggml_mul_mat of a quantized K x N weight by a 1-row f32 activation, the
activation quantized to q8_K inside as in decode), through the CPU backend
on a persistent thread pool, for the ggml types Q2_K, Q3_K, TQ2_0 and (for
reference) Q4_K. ggml comes from the llama-cpp-python sdist
(bench/common/ggml_lib.py builds the harness bench/common/ggml_gemv.c).

Weights are cold as in bench/bitplane_cpu/run.py: one call computes `copies`
GEMVs on independent weight matrices (together at least twice --cache-mib)
and a GEMV's time is the call's over `copies`. Where ggml repacks a type
for this CPU (llama.cpp's default CPU_REPACK buffer: Q2_K on AVX-512, Q4_K
on AVX2), that layout is the peer and the plain layout is timed too, for
reference. Each entry: best and median of --runs calls after 3 warm-ups.

`--ggml-isa avx2` times the ggml built for AVX2 only (GGML_NATIVE=OFF, no
AVX-512; ggml_lib.py), the code an AVX2-only host runs, on this AVX-512
host; the default `native` is ggml built with -march=native.

Before timing, a self-check: every type's quantize + dequantize round trip
(ggml_quantize_chunk, with and without an importance matrix; to_float)
must come back within the type's expected error.

bench/bitplane_cpu/run.py runs this once per shape (--json-out) and adds the
rows to its table; alone it prints its own:
    python3 bench/bitplane_cpu/ggml_peer.py --shapes 4096x4096 --threads 1 2
    python3 bench/bitplane_cpu/ggml_peer.py --self-check
    python3 bench/bitplane_cpu/ggml_peer.py --ggml-isa avx2 --shapes 4096x11008
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import ggml_lib  # noqa: E402
import mlirlib  # noqa: E402  (last_level_cache_mib)

# ggml type names (ggml_type_name), the peers first.
TYPES = ["q2_K", "q3_K", "tq2_0", "q4_K"]
# Relative RMS error ||deq - x|| / ||x|| of a round trip of standard
# normal data must stay below this (measured with ggml of llama-cpp-python
# 0.3.36: q2_K 0.30, q3_K 0.15, q4_K 0.07; tq2_0, ternary with the block's
# |max| as scale, 0.81). TQ2_0 is also checked on ternary data, which it
# must represent exactly up to its f16 scale.
MAX_REL_RMSE = {"q2_K": 0.35, "q3_K": 0.19, "q4_K": 0.09, "tq2_0": 0.86}
# The importance matrix must reach the quantizer: the importance-weighted
# squared error with it over without it (measured 0.62-0.64, 0.79-0.80,
# 0.81-0.84 for q2_K, q3_K, q4_K) must be at most this. TQ2_0 ignores it.
MAX_IMATRIX_GAIN = {"q2_K": 0.8, "q3_K": 0.9, "q4_K": 0.92, "tq2_0": 1.0}
# bits per weight of ggml's layouts (block bytes * 8 / block size).
BITS_PER_WEIGHT = {"q2_K": 2.625, "q3_K": 3.4375, "q4_K": 4.5, "tq2_0": 2.0625}
# The bitsink bit width each type is compared with (Q4_K: reference only).
OUR_BITS = {"q2_K": 2, "tq2_0": 2, "q3_K": 3}
# The target: bitsink at least 1.5x faster than ggml Q2_K (2 bits)
# and Q3_K (3 bits) in llama.cpp's own layout, i.e. ours/peer <= 1 / 1.5.
TARGET = {"q2_K": 1 / 1.5, "q3_K": 1 / 1.5}


def self_check(lib, log=sys.stderr):
    """Round trips of each type, with and without an importance matrix.
    Raises AssertionError with the numbers when one is off."""
    import numpy as np
    rng = np.random.default_rng(0)
    rows, cols = 32, 1024
    x = rng.standard_normal((rows, cols), dtype=np.float32)
    imatrix = np.exp(rng.standard_normal(cols)).astype(np.float32)
    report = []
    for t in TYPES:
        bpw = lib.bits_per_weight(t)
        assert abs(bpw - BITS_PER_WEIGHT[t]) < 1e-9, f"{t}: {bpw} bits/weight"
        deq, qbytes = lib.quantize_roundtrip(t, x)
        assert qbytes * 8 == bpw * x.size, f"{t}: {qbytes} bytes"
        rel = float(np.linalg.norm(deq - x) / np.linalg.norm(x))
        assert rel < MAX_REL_RMSE[t], f"{t}: relative RMS error {rel:.3f}"
        # With the importance matrix: still close, and the importance-
        # weighted error smaller (ggml's imatrix quantizers minimise it).
        deq_w, _ = lib.quantize_roundtrip(t, x, imatrix)
        rel_w = float(np.linalg.norm(deq_w - x) / np.linalg.norm(x))
        assert rel_w < 1.2 * MAX_REL_RMSE[t], f"{t}+imatrix: {rel_w:.3f}"

        def weighted(d):
            return float(np.sum(imatrix * (d - x) ** 2))
        ratio = weighted(deq_w) / weighted(deq)
        assert ratio <= MAX_IMATRIX_GAIN[t] + 1e-6, \
            f"{t}: imatrix-weighted error x{ratio:.3f} with the imatrix"
        report.append(f"{t} {rel:.3f} (imatrix-weighted error x{ratio:.2f})")
    # TQ2_0 represents ternary blocks exactly (scale = the block's |max|).
    scale = np.exp(rng.standard_normal((rows, cols // 256, 1))).astype(np.float32)
    tern = (rng.integers(-1, 2, (rows, cols // 256, 256)) * scale)
    tern = tern.reshape(rows, cols).astype(np.float32)
    tern[:, ::256] = scale.reshape(rows, -1)  # every block holds its max
    deq, _ = lib.quantize_roundtrip("tq2_0", tern)
    rel = float(np.linalg.norm(deq - tern) / np.linalg.norm(tern))
    assert rel < 1e-3, f"tq2_0 on ternary data: relative RMS error {rel:.2e}"
    print("ggml self-check (relative RMS error of a quantize + dequantize "
          "round trip, normal data): " + ", ".join(report)
          + f"; tq2_0 on ternary data {rel:.1e}", file=log)


# At most this many weight copies per GEMV measurement (run.py puts its
# copies in one MLIR module): a small shape against a large cache would need
# thousands. Capped measurements are partly cache-resident.
MAX_COPIES = 256


def weight_copies(weight_bytes, cache_mib):
    """(copies, capped): independent weight sets of `weight_bytes` each that
    together span at least twice `cache_mib`, at most MAX_COPIES."""
    wanted = max(1, math.ceil(2 * cache_mib * 2**20 / weight_bytes))
    return min(wanted, MAX_COPIES), wanted > MAX_COPIES


def measure(lib, shapes, threads, cache_mib, runs, types=TYPES):
    """Rows dict(K, N, type, layout, repacked, threads, copies, weight_bytes,
    ms, median_ms, gbs): one per shape, type, layout timed and thread count.
    layout 'default' is what llama.cpp runs (repacked where ggml repacks);
    'plain' is the unrepacked layout, timed only where the two differ."""
    rows = []
    for k, n in shapes:
        for t in types:
            qbytes = lib.lib.gg_row_size(lib.type_id(t), k) * n
            copies, _ = weight_copies(qbytes, cache_mib)
            for layout in ("default", "plain"):
                res = lib.time_gemv(t, k, n, copies, threads, runs,
                                    repack=layout == "default")
                for thr, (best, median) in res["times"].items():
                    rows.append(dict(K=k, N=n, type=t, layout=layout,
                                     repacked=res["repacked"], threads=thr,
                                     copies=copies,
                                     weight_bytes=res["weight_bytes"],
                                     ms=best, median_ms=median,
                                     gbs=res["weight_bytes"] / best / 1e6))
                print(f"ggml {t} {layout} K={k} N={n} done", file=sys.stderr)
                if not res["repacked"]:
                    break  # plain is the default layout: timed already
    return rows


# What each ggml ISA (ggml_lib.ISAS) is, for the table headers.
ISA_TEXT = {"native": "native (GGML_NATIVE=ON: -march=native)",
            "avx2": "AVX2 only (GGML_NATIVE=OFF: AVX, AVX2, FMA, F16C, BMI2; "
                    "no AVX-512, no AVX-VNNI)"}


def describe(lib):
    info = lib.info
    return (f"llama.cpp ggml from llama-cpp-python {info['version']} "
            f"({'the wheel of the bench venv' if info['kind'] == 'wheel' else 'built from the sdist with cmake'}"
            f": {info['libdir']}), built {ISA_TEXT[info['isa']]}; "
            f"ggml CPU features: {lib.features()}")


def run(shapes, threads, cache_mib, runs, isa=None, log=sys.stderr):
    """This script in a process of its own (a ggml crash does not end the
    caller), with ggml built for `isa` (None: GGML_PEER_ISA or native):
    dict(info, isa, features, rows), or None after printing why."""
    with tempfile.TemporaryDirectory(prefix="ggml_peer.") as work:
        out = os.path.join(work, "peer.json")
        cmd = [sys.executable, os.path.abspath(__file__), "--json-out", out,
               "--runs", str(runs), "--cache-mib", str(cache_mib),
               "--threads", *map(str, threads),
               "--shapes", *(f"{k}x{n}" for k, n in shapes)]
        if isa:
            cmd += ["--ggml-isa", isa]
        proc = subprocess.run(cmd, stdout=log, stderr=log)
        if proc.returncode or not os.path.exists(out):
            print(f"ggml peer failed (exit {proc.returncode}); no ggml rows",
                  file=log)
            return None
        with open(out) as f:
            return json.load(f)


def table(peer, ours, ceiling_gbs, runs, bitsink_isa=None):
    """Lines of the peer table: each ggml row beside bitsink's GEMV of the
    same shape and threads at the compared bit width (`ours`: run.py's rows,
    with K, N, bits, threads, ms, gbs), ours/peer time, and whether the
    issue's target is met. `bitsink_isa`: what bitsink's code was compiled
    for (and its kernel), named beside ggml's ISA in the header."""
    mine = {(r["K"], r["N"], r["bits"], r["threads"]): r for r in ours}
    lines = [peer["info"]]
    if bitsink_isa:
        lines.append(f"ISA: bitsink {bitsink_isa}; ggml "
                     f"{ISA_TEXT[peer.get('isa', 'native')]}")
    lines += [
             f"ggml GEMV as in decode (x quantized to q8_K inside "
             f"ggml_mul_mat), cold weights, best of {runs} calls after "
             f"warm-up (bitsink: its best call); /repack: llama.cpp's "
             f"repacked layout for this CPU (its default), /plain: the plain "
             f"layout, for reference",
             f"{'K x N':>11} {'thr':>3} {'ggml type':>12} {'ggml ms':>8} "
             f"{'median':>7} {'GB/s':>6} {'%bw':>5} {'bits':>4} "
             f"{'kernel':>7} {'bitsink ms':>10} {'GB/s':>6} {'ours/peer':>9} "
             f"{'target':>6}"]
    for r in peer["rows"]:
        name = r["type"] + ("/plain" if r["layout"] == "plain" else
                            "/repack" if r["repacked"] else "")
        line = (f"{r['K']:>5}x{r['N']:<5} {r['threads']:>3} {name:>12} "
                f"{r['ms']:>8.3f} {r['median_ms']:>7.3f} {r['gbs']:>6.1f} "
                f"{100 * r['gbs'] / ceiling_gbs:>4.0f}%")
        bits = OUR_BITS.get(r["type"])
        m = mine.get((r["K"], r["N"], bits, r["threads"]))
        if m:
            ratio = m["ms"] / r["ms"]
            r["ours_over_peer"] = ratio
            target = TARGET.get(r["type"]) if r["layout"] == "default" else None
            verdict = "-" if target is None else (
                "met" if ratio <= target else "no")
            line += (f" {bits:>4} {m.get('kernel', '-'):>7} "
                     f"{m['ms']:>10.3f} {m['gbs']:>6.1f} "
                     f"{ratio:>9.2f} {verdict:>6}")
        lines.append(line)
    lines.append("kernel: bitsink's GEMV kernel (lut-f32: f32 partial-sum "
                 "tables, lut-i8 / lut-i16: int8 / int16 partial-sum tables, "
                 "bittest: bit "
                 "tests). "
                 "ours/peer: bitsink's time over ggml's (below 1: bitsink "
                 "faster); target (issue 16): <= 0.67, i.e. >= 1.5x ggml Q2_K "
                 "at 2 bits and Q3_K at 3 bits. %bw over the same ceiling as "
                 "bitsink's rows.")
    return lines


def parse_shape(text):
    k, n = text.lower().split("x")
    return int(k), int(n)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shapes", nargs="+", type=parse_shape,
                        default=[(14336, 4096), (4096, 11008), (4096, 4096)],
                        help="K x N weight shapes, e.g. 4096x11008")
    parser.add_argument("--threads", nargs="+", type=int,
                        default=sorted({1, os.cpu_count()}))
    parser.add_argument("--types", nargs="+", default=TYPES)
    parser.add_argument("--runs", type=int, default=50,
                        help="timed calls per entry")
    parser.add_argument("--cache-mib", type=int,
                        default=mlirlib.last_level_cache_mib(),
                        help="last-level cache size (as run.py's; default: "
                             "this host's largest cache)")
    parser.add_argument("--source", choices=["auto", "wheel", "cmake"],
                        help="where ggml comes from (ggml_lib.py)")
    parser.add_argument("--ggml-isa", choices=ggml_lib.ISAS,
                        help="what ggml is built for (ggml_lib.py): native "
                             "(-march=native) or avx2 (AVX2 only, the cmake "
                             "build); default GGML_PEER_ISA or native")
    parser.add_argument("--self-check", action="store_true",
                        help="only the quantize round-trip self-check")
    parser.add_argument("--json-out", help="write dict(info, rows) there")
    args = parser.parse_args()

    lib = ggml_lib.load(args.source, args.ggml_isa)
    print(describe(lib), file=sys.stderr)
    self_check(lib)
    if args.self_check:
        return
    rows = measure(lib, args.shapes, args.threads, args.cache_mib, args.runs,
                   args.types)
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(dict(info=describe(lib), isa=lib.info["isa"],
                           features=lib.features(), rows=rows), f, indent=1)
        return
    print(describe(lib))
    print(f"{'K x N':>11} {'thr':>3} {'type':>12} {'copies':>6} "
          f"{'ms':>8} {'median':>8} {'GB/s':>6}")
    for r in rows:
        name = r["type"] + ("/plain" if r["layout"] == "plain" else
                            "/repack" if r["repacked"] else "")
        print(f"{r['K']:>5}x{r['N']:<5} {r['threads']:>3} {name:>12} "
              f"{r['copies']:>6} {r['ms']:>8.3f} {r['median_ms']:>8.3f} "
              f"{r['gbs']:>6.1f}")


if __name__ == "__main__":
    main()
