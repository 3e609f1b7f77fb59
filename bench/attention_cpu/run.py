"""Sink + window attention on the CPU: bitsink against dense attention
through our own pipeline, torch SDPA with the equivalent boolean mask and
torch FlexAttention (torch.compile) with the sink + window block mask.

One run prints, at 1 thread and at all threads, time and useful GFLOP/s
(2·(D + Dv) per visible (query, key) pair) for N = 2k, 8k, 32k, with
S = 4, W = 1024, H = 8, Hkv = 2, D = 64, f32, and an f32 GEMM through
numpy/OpenBLAS for scale. Run it through bench/attention_cpu/run.sh.

`--baseline-opt PATH` also compiles the sparse kernel with another
bitsink-opt (say, a build of the previous commit) and prints our time
against it, same run, same inputs, the two interleaved over 8 rounds: the
check that a kernel change costs nothing.

`--cpu NAME` compiles bitsink's kernels for another CPU model
(`target-cpu` and clang's `-march`; e.g. `x86-64-v3`: AVX2 + FMA, no
AVX-512). For a CPU without AVX-512 the peers run their AVX2 code too:
OpenBLAS's Haswell kernels (`OPENBLAS_CORETYPE=Haswell`) and torch's AVX2
ATen kernels and Inductor code (`ATEN_CPU_CAPABILITY=avx2`); the table's
header names what each side ran. It is what an AVX2-only host runs, timed
on this one.

`--rope` instead times rotary embeddings (the op's `rope` attribute) on a
SmolLM2-135M-like shape (Hq 9, Hkv 3, D 64, theta 1e5, all dims, rotate
half) against the same op without them, interleaved over 8 rounds: one
decode step on a full StreamingLLM cache of 1024 slots (key_positions in
cache order, 4 sinks, kv_len 1024) and a causal prefill of 1024 tokens,
f32 and f16, at 1 thread and at all threads.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "common"))
import mlirlib  # noqa: E402

B, H, HKV, D, S, W = 1, 8, 2, 64, 4, 1024


def visible_pairs(n, window):
    i = np.arange(n)
    if window < 0:
        return int((i + 1).sum()) * B * H
    in_window = np.minimum(i + 1, window)
    sinks = np.minimum(S, np.maximum(0, i - window + 1))
    return int((in_window + sinks).sum()) * B * H


def attention_ir(n, window):
    t = lambda h, d: f"tensor<{B}x{h}x{n}x{d}xf32>"
    attrs = f"num_sinks = {S}, window = {window}, causal = true" if window >= 0 \
        else "causal = true"
    return f"""func.func @attn(%q: {t(H, D)}, %k: {t(HKV, D)}, %v: {t(HKV, D)}) -> {t(H, D)} {{
  %e = tensor.empty() : {t(H, D)}
  %o = bitsink.sink_attention ins(%q, %k, %v : {t(H, D)}, {t(HKV, D)}, {t(HKV, D)})
         outs(%e : {t(H, D)}) {{{attrs}}} -> {t(H, D)}
  return %o : {t(H, D)}
}}
"""


def best_time(fn, budget=3.0, max_runs=10):
    fn()  # warm-up
    times = []
    start = time.perf_counter()
    while len(times) < max_runs and (not times or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def inputs(n, seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((B, H, n, D), dtype=np.float32)
    k = rng.standard_normal((B, HKV, n, D), dtype=np.float32)
    v = rng.standard_normal((B, HKV, n, D), dtype=np.float32)
    return q, k, v


def run_ours(args, n, window):
    path = os.path.join(args.work, f"attn_{n}_{window}.mlir")
    with open(path, "w") as f:
        f.write(attention_ir(n, window))
    lib = mlirlib.compile_module(args.opt, path, args.work, cpu=args.cpu)
    q, k, v = inputs(n)
    out = np.zeros((B, H, n, D), dtype=np.float32)
    fn = mlirlib.bind(lib, "attn", q, k, v, out)
    return best_time(fn, budget=2.0 if window >= 0 else 0.1), out


def ours_against_baseline(args, n, rounds=8):
    """Our kernel and the baseline build's, same inputs, interleaved: each
    round runs both (a warm-up and three timed calls each); the best time
    of each over all rounds. Interleaving keeps drift and load from
    favouring either."""
    q, k, v = inputs(n)
    fns, outs = [], []
    for opt, tag in ((args.opt, "ours"), (args.baseline_opt, "base")):
        path = os.path.join(args.work, f"attn-ab-{tag}_{n}.mlir")
        with open(path, "w") as f:
            f.write(attention_ir(n, W))
        work = os.path.join(args.work, "ab-" + tag)
        os.makedirs(work, exist_ok=True)
        lib = mlirlib.compile_module(opt, path, work, cpu=args.cpu)
        outs.append(np.zeros((B, H, n, D), dtype=np.float32))
        fns.append(mlirlib.bind(lib, "attn", q, k, v, outs[-1]))
    best = [float("inf")] * 2
    for _ in range(rounds):
        for i, fn in enumerate(fns):
            fn()
            for _ in range(3):
                t0 = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - t0)
    return best[0], best[1], outs[1]


def torch_mask(n):
    import torch
    i = torch.arange(n)[:, None]
    j = torch.arange(n)[None, :]
    return (j <= i) & ((i - j < W) | (j < S))


def run_sdpa(n, threads):
    import torch
    import torch.nn.functional as F
    torch.set_num_threads(threads)
    q, k, v = (torch.from_numpy(x) for x in inputs(n))
    mask = torch_mask(n)
    fn = lambda: F.scaled_dot_product_attention(q, k, v, attn_mask=mask,
                                                enable_gqa=True)
    return best_time(fn, budget=2.0), fn().numpy()


def run_flex(n, threads):
    import torch
    from torch.nn.attention.flex_attention import (create_block_mask,
                                                   flex_attention)
    torch.set_num_threads(threads)

    def sink_window(b, h, qi, kj):
        return (kj <= qi) & ((qi - kj < W) | (kj < S))

    block_mask = create_block_mask(sink_window, None, None, n, n, device="cpu")
    compiled = torch.compile(flex_attention)
    q, k, v = (torch.from_numpy(x) for x in inputs(n))
    fn = lambda: compiled(q, k, v, block_mask=block_mask, enable_gqa=True)
    return best_time(fn, budget=2.0), fn().numpy()


ROPE_HQ, ROPE_HKV, ROPE_D, ROPE_N, ROPE_SINKS = 9, 3, 64, 1024, 4
ROPE_ATTR = "rope = #bitsink.rope<theta = 100000.0, dims = 64, style = half>"


def rope_ir(kind, dtype, rope):
    """`attn` of the --rope comparison: a decode step on a ring cache or a
    causal prefill, with or without the rope attribute."""
    nq = 1 if kind == "decode" else ROPE_N
    t = lambda h, n: f"tensor<1x{h}x{n}x{ROPE_D}x{dtype}>"
    q, kv = t(ROPE_HQ, nq), t(ROPE_HKV, ROPE_N)
    attrs = f"num_sinks = {ROPE_SINKS}, causal = true"
    if rope:
        attrs += ", " + ROPE_ATTR
    args, extra = f"%q: {q}, %k: {kv}, %v: {kv}", ""
    if kind == "decode":
        args += f", %len: tensor<1xi64>, %pos: tensor<1x{ROPE_N}xi64>"
        extra = (f" kv_len(%len : tensor<1xi64>)"
                 f" key_positions(%pos : tensor<1x{ROPE_N}xi64>)")
    return f"""func.func @attn({args}) -> {q} {{
  %e = tensor.empty() : {q}
  %o = bitsink.sink_attention ins(%q, %k, %v : {q}, {kv}, {kv}){extra}
         outs(%e : {q}) {{{attrs}}} -> {q}
  return %o : {q}
}}
"""


def rope_inputs(kind, dtype):
    rng = np.random.default_rng(0)
    np_type = np.float32 if dtype == "f32" else np.float16
    nq = 1 if kind == "decode" else ROPE_N
    q = rng.standard_normal((1, ROPE_HQ, nq, ROPE_D)).astype(np_type)
    k = rng.standard_normal((1, ROPE_HKV, ROPE_N, ROPE_D)).astype(np_type)
    v = rng.standard_normal((1, ROPE_HKV, ROPE_N, ROPE_D)).astype(np_type)
    arrays = [q, k, v]
    if kind == "decode":
        # A ring that has rolled over: sinks 0..3, then window slots holding
        # cache positions that start mid-ring.
        window = np.roll(np.arange(ROPE_SINKS, ROPE_N), 300)
        positions = np.concatenate([np.arange(ROPE_SINKS), window])
        arrays += [np.array([ROPE_N], np.int64),
                   positions.astype(np.int64)[None, :].copy()]
    return arrays, np.zeros((1, ROPE_HQ, nq, ROPE_D), np_type)


def rope_rows(args, threads, rounds=8):
    """With and without RoPE, same inputs, interleaved rounds (a warm-up and
    three timed calls each); the best time of each."""
    rows = []
    for kind in ("decode", "prefill"):
        for dtype in ("f32", "f16"):
            inputs, _ = rope_inputs(kind, dtype)
            fns, outs = [], []  # outs: the bound arrays must stay alive
            for rope in (False, True):
                tag = f"rope-{kind}-{dtype}-{int(rope)}"
                path = os.path.join(args.work, tag + ".mlir")
                with open(path, "w") as f:
                    f.write(rope_ir(kind, dtype, rope))
                lib = mlirlib.compile_module(args.opt, path, args.work,
                                             cpu=args.cpu)
                outs.append(rope_inputs(kind, dtype)[1])
                fns.append(mlirlib.bind(lib, "attn", *inputs, outs[-1]))
            best = [float("inf")] * 2
            for _ in range(rounds):
                for i, fn in enumerate(fns):
                    fn()
                    for _ in range(3):
                        t0 = time.perf_counter()
                        fn()
                        best[i] = min(best[i], time.perf_counter() - t0)
            row = {"threads": threads, "kind": kind, "dtype": dtype,
                   "plain_ms": best[0] * 1e3, "rope_ms": best[1] * 1e3}
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def rope_main(args):
    rows = []
    for threads in sorted({1, os.cpu_count()}):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        out = subprocess.run([sys.executable, __file__, "--opt", args.opt,
                              "--work", args.work, "--rope",
                              "--threads", str(threads), "--cpu", args.cpu],
                             env=env, check=True, capture_output=True, text=True)
        rows += [json.loads(line) for line in out.stdout.splitlines()
                 if line.startswith("{")]
    print(f"\nRoPE in sink_attention, Hq={ROPE_HQ} Hkv={ROPE_HKV} D={ROPE_D} "
          f"N={ROPE_N} (decode: 1 query on a full ring cache; prefill: causal)")
    print(f"ISA: {mlirlib.host_isa()}; bitsink compiled for "
          f"{mlirlib.cpu_text(args.cpu, mlirlib.cpu_features(args.cpu))}")
    print(f"{'thr':>3} {'kind':>8} {'dtype':>5} {'plain ms':>9} {'rope ms':>9} "
          f"{'rope/plain':>10}")
    for r in rows:
        print(f"{r['threads']:>3} {r['kind']:>8} {r['dtype']:>5} "
              f"{r['plain_ms']:>9.3f} {r['rope_ms']:>9.3f} "
              f"{r['rope_ms'] / r['plain_ms']:>10.2f}")


def openblas_core():
    """The kernel set numpy's OpenBLAS picked (OPENBLAS_CORETYPE sets it),
    or '?' when the library does not say."""
    import ctypes
    import glob
    libs = glob.glob(os.path.join(os.path.dirname(np.__file__), os.pardir,
                                  "numpy.libs", "*openblas*.so*"))
    for path in libs:
        lib = ctypes.CDLL(path)
        for name in ("scipy_openblas_get_corename64_", "openblas_get_corename"):
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = ctypes.c_char_p
                return fn().decode()
    return "?"


def peer_env(cpu):
    """The environment that makes the peers run the ISA bitsink is compiled
    for when that CPU has no AVX-512: OpenBLAS's Haswell kernels (AVX2 + FMA)
    and torch's AVX2 ATen kernels and Inductor code (ATEN_CPU_CAPABILITY
    sets both); the SSE ones for a CPU without AVX2."""
    features = mlirlib.cpu_features(cpu)
    if cpu == "host" or features is None or features["avx512"]:
        return {}
    if features["avx2"]:
        return {"OPENBLAS_CORETYPE": "Haswell", "ATEN_CPU_CAPABILITY": "avx2"}
    return {"OPENBLAS_CORETYPE": "Nehalem", "ATEN_CPU_CAPABILITY": "default"}


def gemm_gflops():
    a = np.random.rand(2048, 2048).astype(np.float32)
    b = np.random.rand(2048, 2048).astype(np.float32)
    t = best_time(lambda: a @ b, budget=1.0)
    return 2 * 2048 ** 3 / t / 1e9


def one_thread_count(args, threads):
    """Everything at one thread count (run in its own process)."""
    rows = []
    gemm = gemm_gflops()
    # What the peers run in this process (the environment decides it).
    peers = {"openblas_core": openblas_core()}
    try:
        import torch
        peers["torch_isa"] = torch.backends.cpu.get_cpu_capability()
    except Exception:
        pass
    for n in args.sizes:
        flops = 2 * 2 * D * visible_pairs(n, W)
        ours_t, ours_out = run_ours(args, n, W)
        row = {"threads": threads, "N": n, "ours_ms": ours_t * 1e3,
               "ours_gflops": flops / ours_t / 1e9, "gemm_gflops": gemm,
               **peers}
        if args.baseline_opt:
            ab_t, base_t, base_out = ours_against_baseline(args, n)
            row["ab_ours_ms"] = ab_t * 1e3
            row["base_ms"] = base_t * 1e3
            row["base_max_abs_diff"] = float(np.abs(base_out - ours_out).max())
        if n <= args.max_dense:
            dense_t, _ = run_ours(args, n, -1)
            row["dense_ms"] = dense_t * 1e3
        if n <= 8192:
            try:
                sdpa_t, sdpa_out = run_sdpa(n, threads)
                row["sdpa_ms"] = sdpa_t * 1e3
                row["sdpa_max_abs_diff"] = float(np.abs(sdpa_out - ours_out).max())
            except Exception as e:  # report, keep going
                row["sdpa_error"] = str(e)[:200]
        try:
            flex_t, flex_out = run_flex(n, threads)
            row["flex_ms"] = flex_t * 1e3
            row["flex_max_abs_diff"] = float(np.abs(flex_out - ours_out).max())
        except Exception as e:
            row["flex_error"] = str(e)[:200]
        rows.append(row)
        print(json.dumps(row), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--opt", required=True, help="path of bitsink-opt")
    parser.add_argument("--work", default="/tmp/bitsink-bench-attention")
    parser.add_argument("--sizes", type=int, nargs="+", default=[2048, 8192, 32768])
    parser.add_argument("--max-dense", type=int, default=32768,
                        help="largest N for the dense-causal comparison")
    parser.add_argument("--threads", type=int, default=0,
                        help="internal: run one thread count")
    parser.add_argument("--baseline-opt", default="",
                        help="another bitsink-opt to time against, same run")
    parser.add_argument("--cpu", default="host",
                        help="CPU model bitsink compiles for: host, generic or "
                             "an LLVM CPU name such as x86-64-v3 (AVX2, no "
                             "AVX-512); without AVX-512 the peers run their "
                             "AVX2 code too (OpenBLAS Haswell kernels, torch "
                             "ATEN_CPU_CAPABILITY=avx2)")
    parser.add_argument("--rope", action="store_true",
                        help="time RoPE against no RoPE (SmolLM2-like shape)")
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    if args.rope:
        if args.threads:
            rope_rows(args, args.threads)
        else:
            rope_main(args)
        return
    if args.threads:
        one_thread_count(args, args.threads)
        return
    rows = []
    for threads in sorted({1, os.cpu_count()}):
        env = dict(os.environ, OMP_NUM_THREADS=str(threads),
                   OPENBLAS_NUM_THREADS=str(threads), **peer_env(args.cpu))
        out = subprocess.run([sys.executable, __file__, "--opt", args.opt,
                              "--work", args.work, "--threads", str(threads),
                              "--cpu", args.cpu,
                              "--max-dense", str(args.max_dense),
                              "--baseline-opt", args.baseline_opt,
                              "--sizes", *map(str, args.sizes)],
                             env=env, check=True, capture_output=True, text=True)
        rows += [json.loads(line) for line in out.stdout.splitlines()
                 if line.startswith("{")]
    print(f"\nsink attention, B={B} H={H} Hkv={HKV} D={D} S={S} W={W}, causal, f32")
    print(f"ISA: {mlirlib.host_isa()}")
    features = mlirlib.cpu_features(args.cpu)
    peers = sorted({(r.get("openblas_core", "?"), r.get("torch_isa", "?"))
                    for r in rows})
    print(f"bitsink compiled for {mlirlib.cpu_text(args.cpu, features)}; "
          + "; ".join(f"OpenBLAS kernels {core}, torch CPU capability {isa}"
                      for core, isa in peers))
    print(f"{'thr':>3} {'N':>6} {'ours ms':>9} {'GFLOP/s':>8} {'%gemm':>6} "
          f"{'dense ms':>9} {'sdpa ms':>9} {'flex ms':>9} "
          f"{'x dense':>8} {'x sdpa':>7} {'x flex':>7}")
    for r in rows:
        ratio = lambda key: f"{r[key] / r['ours_ms']:.1f}" if key in r else "-"
        ms = lambda key: f"{r[key]:.1f}" if key in r else "-"
        print(f"{r['threads']:>3} {r['N']:>6} {r['ours_ms']:>9.2f} "
              f"{r['ours_gflops']:>8.1f} {100 * r['ours_gflops'] / r['gemm_gflops']:>5.0f}% "
              f"{ms('dense_ms'):>9} {ms('sdpa_ms'):>9} {ms('flex_ms'):>9} "
              f"{ratio('dense_ms'):>8} {ratio('sdpa_ms'):>7} {ratio('flex_ms'):>7}")
    for r in rows:
        if "base_ms" in r:
            print(f"threads={r['threads']} N={r['N']}: interleaved, ours "
                  f"{r['ab_ours_ms']:.2f} ms, baseline {r['base_ms']:.2f} ms, "
                  f"ours/baseline = {r['ab_ours_ms'] / r['base_ms']:.3f} "
                  f"(max |diff| {r['base_max_abs_diff']:.1e})")
    for threads in sorted({r["threads"] for r in rows}):
        t = {r["N"]: r["ours_ms"] for r in rows if r["threads"] == threads}
        if 8192 in t and 32768 in t:
            print(f"threads={threads}: t(32k)/t(8k) = {t[32768] / t[8192]:.2f} "
                  "(linear: 4.0)")
    for r in rows:
        for key in ("sdpa_error", "flex_error"):
            if key in r:
                print(f"threads={r['threads']} N={r['N']} {key}: {r[key]}")
        for key in ("sdpa_max_abs_diff", "flex_max_abs_diff"):
            if key in r and r[key] > 1e-3:
                print(f"WARNING threads={r['threads']} N={r['N']} {key} = {r[key]:.2e}")
    print("GEMM reference: numpy/OpenBLAS f32 2048^3, same process and threads.")


if __name__ == "__main__":
    main()
