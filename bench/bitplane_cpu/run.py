"""Bit-plane GEMV on the CPU: bitsink-lower-bitplane-matmul (through
bitsink-cpu-pipeline, JIT-run by `bitsink-run --time-runs`) against an f32
GEMV through numpy/OpenBLAS and against our own pipeline's f32 linalg.matmul,
with the machine's memory read bandwidth measured in the same run.

Shapes (K x N, `--shapes`): 4096 x 4096, 4096 x 11008 and 14336 x 4096;
weights: 2-bit and 3-bit binary planes (BPDQ), group 128, f16
coefficients; x and y f32, M = 1.
Every number is taken at 1 thread and at all threads (OMP_NUM_THREADS /
OPENBLAS_NUM_THREADS).

Cold weights: the quantized weights of one shape are a few MB, less than a
server L3, while a decoder streams every layer's weights from DRAM. The
bitsink entry therefore runs the GEMV on `copies` independent weight sets
(at least 2 x `--cache-mib` bytes together; by default the host's
largest cache as sysfs gives it, 480 MiB on the Xeon of 2026-12, where the
old fixed 32 MiB left the "cold" weights in its L3) and the time per GEMV
is the time of the call over `copies` (numpy/OpenBLAS's f32 GEMV, the
bandwidth peer, cycles through its own copies likewise: one f32 matrix of
these shapes fits a 480 MiB L3); `--hot` also times one weight set
over and over (cache-resident, for reference). GB/s counts the weight bytes read
(planes + coefficients; f32 weights for the f32 GEMVs). Times are the best
of `--runs` calls (the machine may be shared; the best call is the one least
disturbed).

The llama.cpp peer (bench/bitplane_cpu/ggml_peer.py, unless --no-ggml):
ggml's GEMV for Q2_K, Q3_K, TQ2_0 and Q4_K at the same shapes and thread
counts, from the llama-cpp-python sdist's ggml, in a second table beside
bitsink's 2-bit (Q2_K, TQ2_0) and 3-bit (Q3_K) rows.

`--cpu` JIT-compiles bitsink's code for another CPU model than the host's
(bitsink-run --cpu), e.g. `--cpu x86-64-v3` (AVX2 + FMA, no AVX-512): the
code an AVX2-only machine gets, timed on this one. The ggml peer then
defaults to ggml built for AVX2 only (`--ggml-isa avx2`, see
bench/common/ggml_lib.py), so that the peer table compares like with like;
`--ggml-isa native|avx2` chooses it. The ISA lines name what each side was
built for; numpy/OpenBLAS still runs the host's code.

`--gemv-lut-int8` compiles the GEMV with bitsink-cpu-pipeline's
gemv-lut-int8=true (partial-sum tables of int8 sums instead of f32). The
`kernel` column names the GEMV kernel that ran: `lut-f32` (f32 tables, the
default where the target CPU has AVX-512F or AVX2), `lut-i8` (int8 tables,
--gemv-lut-int8), `lut-i16` (int16 tables looked up with `vpermw`,
`--gemv-lut-int16`: gemv-lut-int16=true, AVX-512BW) or `bittest` (one bit
test per weight bit, a target without either).

`--gemm` measures the GEMM path instead (M > gemv-max-rows): at
M x K x N = 512 x 4096 x 4096 and 128 x 2048 x 2048 (`--gemm-shapes`), our
own f32 `linalg.matmul` through bitsink-cpu-pipeline (bitsink-tile-
contractions) and `bitplane_matmul` at 2 and 3 bits (binary planes, g128,
f16 coefficients, f32 x and acc), both JIT-run by `bitsink-run
--time-runs` at 1 and all threads, in rounds that alternate the entries
(best call over all rounds). GFLOP/s = 2·M·N·K / t; `/f32` is the
bit-plane GEMM's GFLOP/s over the f32 GEMM's at the same thread count.
`--gemm-int8` adds the bit-plane GEMMs through bitsink-cpu-pipeline's
gemm-int8=true (rows `i8`: int8 inputs, vpdpbusd; hosts with AVX512-VNNI or
AVX-VNNI). `--baseline-opt` adds the bit-plane modules as another bitsink-opt lowers
them (an older build), run with `bitsink-run --pipeline=none` in the same
rounds.

Run it through bench/bitplane_cpu/run.sh.
"""

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import mlirlib  # noqa: E402  (host_isa, cpu_features, cpu_text)
import ggml_peer  # noqa: E402  (the llama.cpp peer)

HERE = os.path.dirname(os.path.abspath(__file__))
SHAPES = [(4096, 4096), (4096, 11008), (14336, 4096)]
BITS = [2, 3]
GROUP = 128
# --blocked: the planes' #bitsink.layout (n_tile, k_tile): a GEMV task's strip of
# 512 columns by the 4 words of a group (bitsink-block-planes' choice here).
BLOCKED = (512, 4)


def scale_words(k, sub_block):
    """Words of sub-block scale codes per column: ceil(ceil(K/S)/8)."""
    return -(-(-(-k // sub_block)) // 8) if sub_block else 0


def quantized_bytes(k, n, planes, sub_block=0):
    """Planes, f16 coefficients (groups of GROUP rows; one group per column
    with scale codes, as the quantizer makes them) and codes."""
    kw = (k + 31) // 32
    groups = 1 if sub_block else (k + GROUP - 1) // GROUP
    return (planes * kw * n * 4 + groups * (planes + 1) * n * 2
            + scale_words(k, sub_block) * n * 4)


def gemv_ir(k, n, planes, copies, blocked=None, sub_block=0):
    """`copies` GEMVs y_i = x · Ŵ_i on independent weights, one result each;
    `blocked` = (n_tile, k_tile): the planes in that #bitsink.layout;
    `sub_block` S: one grid per column with scale codes every S rows."""
    group = k if sub_block else GROUP
    kw, groups = (k + 31) // 32, (k + group - 1) // group
    x, y = f"tensor<1x{k}xf32>", f"tensor<1x{n}xf32>"
    p, c = f"tensor<{planes}x{kw}x{n}xi32>", f"tensor<{groups}x{planes + 1}x{n}xf16>"
    s = f"tensor<{scale_words(k, sub_block)}x{n}xi32>"
    layout = ""
    if blocked:
        a, b = blocked
        p = (f"tensor<{-(-n // a)}x{-(-kw // b)}x{planes}x{b}x{a}xi32>")
        layout = f", layout = #bitsink.layout<n_tile = {a}, k_tile = {b}>"
    args = ", ".join(f"%p{i}: {p}, %c{i}: {c}"
                     + (f", %s{i}: {s}" if sub_block else "")
                     for i in range(copies))
    codes = f", sub_block = {sub_block}" if sub_block else ""
    body = []
    for i in range(copies):
        scales = f" scales(%s{i} : {s})" if sub_block else ""
        body.append(
            f"  %y{i} = bitsink.bitplane_matmul ins(%x, %p{i}, %c{i} : {x}, {p}, {c}){scales}\n"
            f"         outs(%zero : {y}) {{plane_kind = #bitsink.plane_kind<binary>, "
            f"group_size = {group}{layout}{codes}}} -> {y}")
    results = ", ".join(f"%y{i}" for i in range(copies))
    types = ", ".join([y] * copies)
    return (f"func.func @gemv(%x: {x}, {args}) -> ({types}) {{\n"
            f"  %f0 = arith.constant 0.0 : f32\n"
            f"  %e = tensor.empty() : {y}\n"
            f"  %zero = linalg.fill ins(%f0 : f32) outs(%e : {y}) -> {y}\n"
            + "\n".join(body) +
            f"\n  return {results} : {types}\n}}\n")


def matmul_ir(k, n, m=1):
    """y = x · W in f32 through linalg.matmul, M = m rows (the GEMV's peer
    at m = 1, the GEMM's at m > 1)."""
    x, w, y = f"tensor<{m}x{k}xf32>", f"tensor<{k}x{n}xf32>", f"tensor<{m}x{n}xf32>"
    return (f"func.func @matmul(%x: {x}, %w: {w}) -> {y} {{\n"
            f"  %f0 = arith.constant 0.0 : f32\n"
            f"  %e = tensor.empty() : {y}\n"
            f"  %z = linalg.fill ins(%f0 : f32) outs(%e : {y}) -> {y}\n"
            f"  %r = linalg.matmul ins(%x, %w : {x}, {w}) outs(%z : {y}) -> {y}\n"
            f"  return %r : {y}\n}}\n")


def gemm_ir(m, k, n, planes):
    """y = x · Ŵ with M = m rows: bitplane_matmul on the GEMM path. The
    entry carries its tensor signature (`bitsink.signature`), so that a
    module lowered by another bitsink-opt runs with `--pipeline=none`."""
    kw, groups = (k + 31) // 32, (k + GROUP - 1) // GROUP
    x, y = f"tensor<{m}x{k}xf32>", f"tensor<{m}x{n}xf32>"
    p, c = f"tensor<{planes}x{kw}x{n}xi32>", f"tensor<{groups}x{planes + 1}x{n}xf16>"
    return (f"func.func @gemm(%x: {x}, %p: {p}, %c: {c}) -> {y} attributes "
            f"{{bitsink.signature = ({x}, {p}, {c}) -> {y}}} {{\n"
            f"  %f0 = arith.constant 0.0 : f32\n"
            f"  %e = tensor.empty() : {y}\n"
            f"  %zero = linalg.fill ins(%f0 : f32) outs(%e : {y}) -> {y}\n"
            f"  %y = bitsink.bitplane_matmul ins(%x, %p, %c : {x}, {p}, {c})\n"
            f"         outs(%zero : {y}) {{plane_kind = #bitsink.plane_kind<binary>, "
            f"group_size = {GROUP}}} -> {y}\n"
            f"  return %y : {y}\n}}\n")


def env_threads(threads):
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = str(threads)
    return env


def gemv_kernel(features, lut_int8, lut_int16=False):
    """The GEMV kernel bitsink-cpu-pipeline picks: int8 or int16 tables when
    asked for, f32 tables by default where the target has AVX-512F or AVX2
    (its gemv-lut default), else bit tests."""
    if lut_int16:
        return "lut-i16"
    if lut_int8:
        return "lut-i8"
    if features is None:
        return "?"
    if features["avx512"] or features["avx2"]:
        return "lut-f32"
    return "bittest"


KERNEL_TEXT = {"lut-f32": "f32 partial-sum tables",
               "lut-i8": "int8 partial-sum tables (gemv-lut-int8=true)",
               "lut-i16": "int16 partial-sum tables, vpermw "
                          "(gemv-lut-int16=true)",
               "bittest": "bit tests (no tables)",
               "?": "unknown (the CPU's features are unknown)"}


def run_bitsink(run, path, entry, threads, runs, cpu="host", extra=()):
    """Best ms of `runs` calls (after a warm-up) of `entry`, compiled for
    the CPU model `cpu`."""
    out = subprocess.run([run, path, "-e", entry, "--int-max=2147483647",
                          f"--time-runs={runs}", f"--cpu={cpu}", *extra],
                         env=env_threads(threads), capture_output=True,
                         text=True)
    if out.returncode:
        sys.exit(f"bitsink-run failed on {path}:\n{out.stderr}")
    match = re.search(r"time_ms: median=([0-9.]+) min=([0-9.]+)", out.stdout)
    return float(match.group(2))


NUMPY_GEMV = """
import sys, time, numpy as np
k, n, runs, copies = map(int, sys.argv[1:5])
rng = np.random.default_rng(0)
ws = [rng.standard_normal((k, n), dtype=np.float32) for _ in range(copies)]
x = rng.standard_normal((1, k), dtype=np.float32)
for w in ws:
    x @ w
times = []
for _ in range(runs):
    t = time.perf_counter()
    for w in ws:
        x @ w
    times.append((time.perf_counter() - t) / copies)
print(min(times) * 1e3)
"""


def run_numpy(k, n, threads, runs, copies):
    """Best ms per GEMV of numpy/OpenBLAS cycling through `copies`
    independent f32 weights (cold where they exceed the caches, as ours)."""
    out = subprocess.run([sys.executable, "-c", NUMPY_GEMV, str(k), str(n),
                          str(runs), str(copies)], env=env_threads(threads),
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def read_bandwidth(workdir, threads):
    """GB/s of readbw.c (OpenMP sum over 1 GiB), built with clang-22."""
    binary = os.path.join(workdir, "readbw")
    if not os.path.exists(binary):
        subprocess.run(["clang-22", "-O3", "-march=native", "-fopenmp",
                        os.path.join(HERE, "readbw.c"), "-o", binary],
                       check=True)
    out = subprocess.run([binary], env=env_threads(threads),
                         capture_output=True, text=True, check=True)
    return float(re.search(r"read_bw_gbs=([0-9.]+)", out.stdout).group(1))


GEMM_INT8_PIPELINE = "--pipeline=bitsink-cpu-pipeline{gemm-int8=true}"


def run_gemm(args):
    """--gemm: the bit-plane GEMM against our own f32 GEMM, same run."""
    thread_counts = sorted({1, os.cpu_count()})
    shapes = [tuple(int(v) for v in s.split("x")) for s in args.gemm_shapes]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bitplane_gemm.") as work:
        for m, k, n in shapes:
            entries = [("f32", None)] + [("bitplane", b) for b in BITS]
            if args.gemm_int8:
                entries += [("bitplane-i8", b) for b in BITS]
            paths = {}
            for kind, bits in entries:
                path = os.path.join(work, f"{kind}{bits or ''}_{m}x{k}x{n}.mlir")
                with open(path, "w") as f:
                    f.write(matmul_ir(k, n, m) if kind == "f32"
                            else gemm_ir(m, k, n, bits))
                paths[(kind, bits)] = path
            for bits in BITS:
                paths[("bitplane-i8", bits)] = paths[("bitplane", bits)]
            if args.baseline_opt:
                # The same bit-plane modules lowered by the other bitsink-opt,
                # run with --pipeline=none (their entries keep their tensor
                # signature).
                for bits in BITS:
                    lowered = paths[("bitplane", bits)] + ".base.llvm.mlir"
                    subprocess.run([args.baseline_opt, paths[("bitplane", bits)],
                                    "--bitsink-cpu-pipeline", "-o", lowered],
                                   check=True)
                    paths[("baseline", bits)] = lowered
                    entries.append(("baseline", bits))
            for t in thread_counts:
                best = {}
                for _ in range(args.gemm_rounds):
                    for kind, bits in entries:
                        entry = "matmul" if kind == "f32" else "gemm"
                        extra = {"baseline": ["--pipeline=none"],
                                 "bitplane-i8": [GEMM_INT8_PIPELINE]}.get(
                                     kind, [])
                        ms = run_bitsink(args.run, paths[(kind, bits)], entry,
                                         t, args.gemm_runs, args.cpu, extra)
                        key = (kind, bits)
                        best[key] = min(best.get(key, ms), ms)
                flop = 2.0 * m * n * k
                f32_gflops = flop / best[("f32", None)] / 1e6
                for kind, bits in entries:
                    if kind == "baseline":
                        continue
                    ms = best[(kind, bits)]
                    gflops = flop / ms / 1e6
                    row = dict(M=m, K=k, N=n, threads=t, kind=kind, bits=bits,
                               ms=ms, gflops=gflops,
                               ratio_to_f32=gflops / f32_gflops)
                    if ("baseline", bits) in best:
                        row["baseline_ms"] = best[("baseline", bits)]
                    rows.append(row)
                print(f"done {m}x{k}x{n} threads={t}", file=sys.stderr)
    load = os.getloadavg()
    print(f"ISA: {mlirlib.host_isa()}"
          + (f"; bitsink compiled for CPU {args.cpu}" if args.cpu != "host"
             else ""))
    print(f"load average at the end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
          f" on {os.cpu_count()} CPUs; best call of {args.gemm_rounds} rounds"
          f" x {args.gemm_runs} calls")
    base = bool(args.baseline_opt)
    print(f"{'M x K x N':>16} {'thr':>3} {'weights':>12} {'ms':>9} "
          f"{'GFLOP/s':>8} {'/f32':>6}"
          + (f" {'base ms':>9} {'/base':>6}" if base else ""))
    for r in rows:
        what = "f32" if r["kind"] == "f32" else f"{r['bits']}-bit g{GROUP}" + (
            " i8" if r["kind"] == "bitplane-i8" else "")
        line = (f"{r['M']:>5}x{r['K']:>5}x{r['N']:<5} {r['threads']:>3} "
                f"{what:>12} {r['ms']:>9.2f} {r['gflops']:>8.1f} "
                f"{100 * r['ratio_to_f32']:>5.0f}%")
        if "baseline_ms" in r:
            line += (f" {r['baseline_ms']:>9.2f} "
                     f"{r['ms'] / r['baseline_ms']:>6.3f}")
        print(line)
    print("f32: linalg.matmul through bitsink-cpu-pipeline "
          "(bitsink-tile-contractions); /f32: GFLOP/s over the f32 GEMM's "
          "at the same thread count"
          + ("; i8: gemm-int8=true (int8 inputs, vpdpbusd)"
             if args.gemm_int8 else "")
          + ("; base ms: the bit-plane module lowered by --baseline-opt, "
             "/base: ours over it (time)." if base else "."))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(gemm=rows, cpu=args.cpu), f, indent=1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", required=True, help="path of bitsink-run")
    parser.add_argument("--runs", type=int, default=20,
                        help="timed calls per bitsink / numpy measurement")
    parser.add_argument("--matmul-runs", type=int, default=2,
                        help="timed calls of the (slow) f32 linalg.matmul")
    parser.add_argument("--shapes", nargs="+", type=ggml_peer.parse_shape,
                        default=SHAPES,
                        help="K x N GEMV shapes (default: 4096x4096 "
                             "4096x11008 14336x4096)")
    parser.add_argument("--cache-mib", type=int,
                        default=mlirlib.last_level_cache_mib(),
                        help="last-level cache size; cold runs cycle through "
                             "at least twice this many weight bytes "
                             "(default: this host's largest cache, from "
                             "sysfs; 32 where it cannot be read)")
    parser.add_argument("--hot", action="store_true",
                        help="also time one cache-resident weight set")
    parser.add_argument("--no-ggml", action="store_true",
                        help="leave out the llama.cpp ggml peer")
    parser.add_argument("--ggml-runs", type=int, default=50,
                        help="timed calls per ggml measurement")
    parser.add_argument("--ggml-isa", choices=["native", "avx2"],
                        help="what the ggml peer is built for "
                             "(bench/common/ggml_lib.py): native "
                             "(-march=native) or avx2 (AVX2 only); default: "
                             "avx2 when --cpu names a CPU without AVX-512, "
                             "else GGML_PEER_ISA or native")
    tables = parser.add_mutually_exclusive_group()
    tables.add_argument("--gemv-lut-int8", action="store_true",
                        help="compile the GEMV with bitsink-cpu-pipeline's "
                             "gemv-lut-int8=true (int8 partial-sum tables)")
    tables.add_argument("--gemv-lut-int16", action="store_true",
                        help="compile the GEMV with bitsink-cpu-pipeline's "
                             "gemv-lut-int16=true (int16 partial-sum tables, "
                             "vpermw; AVX-512BW)")
    parser.add_argument("--pipeline-options", nargs="+", default=[],
                        metavar="OPTION=VALUE",
                        help="more bitsink-cpu-pipeline options for the GEMV, "
                             "e.g. gemv-prefetch-distance=8")
    parser.add_argument("--bits", type=int, nargs="+", default=BITS,
                        choices=[1, 2, 3, 4],
                        help="bit-planes of the GEMV rows (default 2 3)")
    parser.add_argument("--sub-block", type=int, choices=[8, 16, 32],
                        default=0,
                        help="weights as bitsink.quantize(sub_block=S) makes "
                             "them: one grid per column and scale codes "
                             "every S rows (read by the f32 kernels: the "
                             "int8/int16 tables fall back to them)")
    parser.add_argument("--blocked", action="store_true",
                        help="hand the GEMV its planes blocked, "
                             "#bitsink.layout<n_tile = 512, k_tile = 4> "
                             "(what bitsink-block-planes makes of constant "
                             "planes), instead of canonical")
    parser.add_argument("--cpu", default="host",
                        help="CPU model bitsink compiles for (bitsink-run "
                             "--cpu): host, or an LLVM CPU name such as "
                             "x86-64-v3 for AVX2 code on an AVX-512 host")
    parser.add_argument("--json", help="write the results there")
    parser.add_argument("--gemm", action="store_true",
                        help="time the GEMM path (M > gemv-max-rows) against "
                             "our own f32 GEMM instead of the GEMV")
    parser.add_argument("--gemm-shapes", nargs="+",
                        default=["512x4096x4096", "128x2048x2048"],
                        help="M x K x N of the --gemm products")
    parser.add_argument("--gemm-rounds", type=int, default=3,
                        help="--gemm: rounds over the entries (best call)")
    parser.add_argument("--gemm-runs", type=int, default=5,
                        help="--gemm: timed calls per entry and round")
    parser.add_argument("--gemm-int8", action="store_true",
                        help="--gemm: also time the bit-plane GEMM with "
                             "bitsink-cpu-pipeline's gemm-int8=true (int8 "
                             "inputs and vpdpbusd; AVX512-VNNI or AVX-VNNI)")
    parser.add_argument("--baseline-opt",
                        help="--gemm: also time the bit-plane modules lowered "
                             "by this bitsink-opt (IN --bitsink-cpu-pipeline "
                             "-o OUT), e.g. an older build, in the same rounds")
    args = parser.parse_args()
    if args.gemm:
        if args.gemv_lut_int8 or args.gemv_lut_int16:
            parser.error("--gemv-lut-int8/--gemv-lut-int16 are options of the "
                         "GEMV, not of --gemm")
        return run_gemm(args)

    if args.sub_block and args.blocked:
        parser.error("--sub-block and --blocked: the bench does not build "
                     "blocked planes with scale codes")
    features = mlirlib.cpu_features(args.cpu)
    kernel = gemv_kernel(features, args.gemv_lut_int8 and not args.sub_block,
                         args.gemv_lut_int16 and not args.sub_block)
    # The GEMV's pipeline options (bitsink-run adds target-cpu=<--cpu>).
    option = ("gemv-lut-int8" if args.gemv_lut_int8
              else "gemv-lut-int16" if args.gemv_lut_int16 else None)
    pipeline_options = (([f"{option}=true"] if option else [])
                        + args.pipeline_options)
    gemv_extra = ([f"--pipeline=bitsink-cpu-pipeline"
                   f"{{{' '.join(pipeline_options)}}}"]
                  if pipeline_options else [])
    # Like with like: bitsink compiled for an x86 CPU without AVX-512 meets
    # the ggml built for AVX2 only.
    ggml_isa = args.ggml_isa
    if (ggml_isa is None and args.cpu != "host" and features is not None
            and not features["avx512"] and platform.machine() == "x86_64"):
        ggml_isa = "avx2"
    bitsink_isa = (f"compiled for {mlirlib.cpu_text(args.cpu, features)}, GEMV "
                   f"kernel: {KERNEL_TEXT[kernel]}"
                   + (", blocked planes #bitsink.layout<n_tile = "
                      f"{BLOCKED[0]}, k_tile = {BLOCKED[1]}>"
                      if args.blocked else "")
                   + (f", one grid per column and scale codes every "
                      f"{args.sub_block} rows" if args.sub_block else ""))

    all_threads = os.cpu_count()
    thread_counts = sorted({1, all_threads})
    rows, bandwidth, peer = [], {}, None
    with tempfile.TemporaryDirectory(prefix="bitplane_cpu.") as work:
        for t in thread_counts:
            bandwidth[t] = read_bandwidth(work, t)
        for k, n in args.shapes:
            f32_bytes = k * n * 4
            # Cold like ours: a single f32 matrix of these shapes fits this
            # host's L3, where OpenBLAS reads it about 1.5x faster.
            f32_copies, _ = ggml_peer.weight_copies(f32_bytes, args.cache_mib)
            matmul_path = os.path.join(work, f"matmul_{k}x{n}.mlir")
            with open(matmul_path, "w") as f:
                f.write(matmul_ir(k, n))
            for t in thread_counts:
                blas_ms = run_numpy(k, n, t, args.runs, f32_copies)
                ours_f32_ms = run_bitsink(args.run, matmul_path, "matmul", t,
                                          args.matmul_runs, args.cpu)
                for bits in args.bits:
                    qbytes = quantized_bytes(k, n, bits, args.sub_block)
                    copies, capped = ggml_peer.weight_copies(qbytes,
                                                             args.cache_mib)
                    path = os.path.join(work, f"gemv_{k}x{n}_{bits}b_{copies}.mlir")
                    with open(path, "w") as f:
                        f.write(gemv_ir(k, n, bits, copies,
                                        BLOCKED if args.blocked else None,
                                        args.sub_block))
                    ms = run_bitsink(args.run, path, "gemv", t, args.runs,
                                     args.cpu, gemv_extra) / copies
                    row = dict(K=k, N=n, bits=bits, sub_block=args.sub_block,
                               threads=t, copies=copies,
                               capped=capped,
                               kernel=kernel, weight_bytes=qbytes, ms=ms,
                               gbs=qbytes / ms / 1e6,
                               blas_f32_ms=blas_ms,
                               blas_f32_gbs=f32_bytes / blas_ms / 1e6,
                               ours_f32_matmul_ms=ours_f32_ms,
                               read_bw_gbs=bandwidth[t],
                               read_bw_all_threads_gbs=bandwidth[all_threads])
                    if args.hot:
                        hot_path = os.path.join(work, f"gemv_{k}x{n}_{bits}b_1.mlir")
                        with open(hot_path, "w") as f:
                            f.write(gemv_ir(k, n, bits, 1,
                                        BLOCKED if args.blocked else None,
                                        args.sub_block))
                        row["hot_ms"] = run_bitsink(args.run, hot_path, "gemv",
                                                    t, args.runs, args.cpu,
                                                    gemv_extra)
                    rows.append(row)
                    print(f"done K={k} N={n} {bits}-bit threads={t}",
                          file=sys.stderr)
            if not args.no_ggml:
                # Right after ours at this shape, under the same load.
                got = ggml_peer.run([(k, n)], thread_counts, args.cache_mib,
                                    args.ggml_runs, ggml_isa)
                if got:
                    peer = peer or dict(got, rows=[])
                    peer["rows"] += got["rows"]

    # The ceiling for %bw: the best read bandwidth seen in this run, by
    # readbw.c at all threads or by OpenBLAS streaming its cold f32 matrices.
    ceiling = max([bandwidth[all_threads]] + [r["blas_f32_gbs"] for r in rows])
    # And per thread count (%bwT): what the same number of threads read at
    # best, as one thread cannot reach the machine's bandwidth.
    ceiling_at = {t: max([bandwidth[t]] + [r["blas_f32_gbs"] for r in rows
                                           if r["threads"] == t])
                  for t in thread_counts}
    for r in rows:
        r["bw_ceiling_gbs"] = ceiling
        r["bw_ceiling_threads_gbs"] = ceiling_at[r["threads"]]
    print("memory read bandwidth (1 GiB sum): " + ", ".join(
        f"{bandwidth[t]:.1f} GB/s at {t} thread(s)" for t in thread_counts)
        + f"; best seen (incl. OpenBLAS): {ceiling:.1f} GB/s ("
        + ", ".join(f"{ceiling_at[t]:.1f} at {t}" for t in thread_counts)
        + ")")
    header = (f"{'K x N':>11} {'bits':>4} {'thr':>3} {'kernel':>7} "
              f"{'bitsink ms':>10} "
              f"{'GB/s':>6} {'%bw':>5} {'%bwT':>5} {'f32 BLAS ms':>11} "
              f"{'GB/s':>6} "
              f"{'xBLAS':>6} {'f32 ours ms':>11} {'xours':>7}"
              + (f" {'hot ms':>7}" if args.hot else ""))
    print(f"ISA: {mlirlib.host_isa()}; bitsink {bitsink_isa}; cold weights: "
          f"at least 2 x {args.cache_mib} MiB (--cache-mib) per GEMV entry")
    print(header)
    for r in rows:
        line = (f"{r['K']:>5}x{r['N']:<5} {r['bits']:>4} {r['threads']:>3} "
                f"{r['kernel']:>7} {r['ms']:>10.3f} {r['gbs']:>6.1f} "
                f"{100 * r['gbs'] / r['bw_ceiling_gbs']:>4.0f}% "
                f"{100 * r['gbs'] / r['bw_ceiling_threads_gbs']:>4.0f}% "
                f"{r['blas_f32_ms']:>11.3f} {r['blas_f32_gbs']:>6.1f} "
                f"{r['blas_f32_ms'] / r['ms']:>6.1f} "
                f"{r['ours_f32_matmul_ms']:>11.1f} "
                f"{r['ours_f32_matmul_ms'] / r['ms']:>7.0f}")
        if args.hot:
            line += f" {r['hot_ms']:>7.3f}"
        print(line)
    print("kernel: bitsink's GEMV kernel (lut-f32: f32 partial-sum tables, "
          "lut-i8 / lut-i16: int8 / int16 partial-sum tables, bittest: bit "
          "tests); %bw: weight "
          "GB/s over the best read bandwidth seen, %bwT: over the best seen "
          "at the same thread count; xBLAS, xours: speed-up "
          "over the f32 GEMV of numpy/OpenBLAS and of our pipeline's "
          "linalg.matmul (naive loops) at the same thread count.")
    capped = sorted({f"{r['K']}x{r['N']} {r['bits']}-bit" for r in rows
                     if r.get("capped")})
    if capped:
        print(f"not fully cold (capped at {ggml_peer.MAX_COPIES} weight "
              f"copies, less than 2 x {args.cache_mib} MiB): "
              + ", ".join(capped))
    if peer:
        print()
        for line in ggml_peer.table(peer, rows, ceiling, args.ggml_runs,
                                    bitsink_isa):
            print(line)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(dict(read_bw_gbs=bandwidth, rows=rows, ggml=peer,
                           cpu=args.cpu, cpu_features=features,
                           gemv_kernel=kernel,
                           gemv_lut_int8=args.gemv_lut_int8,
                           gemv_lut_int16=args.gemv_lut_int16,
                           blocked=args.blocked), f, indent=1)


if __name__ == "__main__":
    main()
