"""bench/gpu: bitsink's GPU artifacts against their peers, in one run on a
GPU machine (torch + the NVIDIA driver; no MLIR, no compiler of ours).

Every case of make_ir.py was compiled here by build.sh into ARTIFACTS/<name>.so
(bitsink-compile --target=cuda: host code + embedded cubin + our runtime).
This script calls each `_mlir_ciface_main` through ctypes on torch tensors
(memref descriptors over their device pointers), checks its output against
torch on the same inputs, times it, times the peers in the same process and
prints the table of issue 6 with the ratios. JSON goes to $OUT/bench_gpu.json
(added to the rows already there, so that one process per group fills one
file).

Timing: both sides are timed per call, wall clock, synchronised after each
call (an entry of ours synchronises its stream before returning), median of
`iters`; the peers' CUDA-event time (no host overhead) is reported too.

Usage: run.py ARTIFACTS [--only REGEX] [--iters N] [--profile N]
"""

import argparse
import ctypes
import json
import math
import os
import re
import statistics
import time

import torch
import torch.nn.functional as F

SINKS, WINDOW = 4, 4096
H, HKV, D = 32, 8, 128
dev = "cuda"


class Artifact:
    """A bitsink-compile .so with one entry `main` taking memrefs (inputs,
    then the out-params of its results)."""

    def __init__(self, path):
        self.lib = ctypes.CDLL(path)
        self.fn = self.lib._mlir_ciface_main
        self.fn.restype = None
        self._keep = []

    @staticmethod
    def descriptor(t):
        rank = t.dim()

        class MemRef(ctypes.Structure):
            _fields_ = [
                ("allocated", ctypes.c_void_p),
                ("aligned", ctypes.c_void_p),
                ("offset", ctypes.c_int64),
                ("sizes", ctypes.c_int64 * rank),
                ("strides", ctypes.c_int64 * rank),
            ]

        d = MemRef()
        d.allocated = d.aligned = t.data_ptr()
        d.offset = 0
        for i in range(rank):
            d.sizes[i] = t.shape[i]
            d.strides[i] = t.stride(i)
        return d

    def bind(self, *tensors):
        """Returns a no-argument callable running the entry on `tensors`."""
        descs = [self.descriptor(t.contiguous()) for t in tensors]
        ptrs = [ctypes.byref(d) for d in descs]
        self._keep.append((tensors, descs))
        return lambda: self.fn(*ptrs)

    def last_error(self):
        try:
            f = self.lib.bitsinkCudaLastError
        except AttributeError:
            return None
        f.restype = ctypes.c_char_p
        e = f()
        return e.decode() if e else None


def wall(fn, iters, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(iters):
        t0 = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def events(fn, iters, warm=3):
    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    ts = []
    for _ in range(iters):
        s.record()
        fn()
        e.record()
        torch.cuda.synchronize()
        ts.append(s.elapsed_time(e))
    return statistics.median(ts)


PROFILE_ITERS = 0


def kernel_times(fn):
    """Device time per call of each kernel `fn` launches (µs), from
    torch.profiler's CUDA activity records: CUPTI records every kernel of
    the process's context, ours (launched through our runtime on the
    primary context) as well as torch's. Empty unless --profile."""
    if not PROFILE_ITERS:
        return {}
    from torch.profiler import ProfilerActivity, profile

    fn()
    torch.cuda.synchronize()
    try:
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            for _ in range(PROFILE_ITERS):
                fn()
            torch.cuda.synchronize()
    except Exception as e:  # CUPTI may be unavailable: keep the timings
        return {"error": str(e)}
    out = {}
    for e in prof.key_averages():
        total = getattr(e, "device_time_total", None)
        if total is None:
            total = getattr(e, "cuda_time_total", 0)
        if total > 0 and e.count > 0:
            out[e.key] = round(total / PROFILE_ITERS, 2)
    return out


def hbm_copy_tbps():
    x = torch.empty(2**30, dtype=torch.uint8, device=dev)
    y = torch.empty_like(x)
    ms = events(lambda: y.copy_(x), 10)
    return 2 * x.numel() / (ms * 1e-3) / 1e12


def visible_pairs(nq, nk):
    """Query/key pairs the sink + window rule keeps (causal, bottom-right)."""
    total = 0
    for i in range(nq):
        p = i + nk - nq
        window_lo = max(p - WINDOW + 1, 0)
        total += (p - window_lo + 1) + min(SINKS, window_lo)
    return total


def sink_window_reference(q, k, v):
    """Dense masked SDPA in f32 (a correctness check on a slice of rows)."""
    nq, nk = q.shape[2], k.shape[2]
    i = torch.arange(nq, device=dev)[:, None] + (nk - nq)
    j = torch.arange(nk, device=dev)[None, :]
    mask = (j <= i) & ((j < SINKS) | (j > i - WINDOW))
    kr = k.float().repeat_interleave(q.shape[1] // k.shape[1], 1)
    vr = v.float().repeat_interleave(q.shape[1] // v.shape[1], 1)
    return F.scaled_dot_product_attention(q.float(), kr, vr, attn_mask=mask)


def prefill(art, n, iters, res):
    from torch.nn.attention.flex_attention import create_block_mask, flex_attention

    q = torch.randn(1, H, n, D, device=dev, dtype=torch.bfloat16)
    k = torch.randn(1, HKV, n, D, device=dev, dtype=torch.bfloat16)
    v = torch.randn(1, HKV, n, D, device=dev, dtype=torch.bfloat16)
    o = torch.empty_like(q)
    ours = art.bind(q, k, v, o)
    ours()
    torch.cuda.synchronize()
    # Check the last 256 query rows (all window and sink cases appear there
    # for n > window) against dense masked attention in f32.
    rows = slice(n - 256, n)
    ref = sink_window_reference(q[:, :, rows], k, v)
    err = (o[:, :, rows].float() - ref).abs().max().item()
    t_ours = wall(ours, iters)
    kernels = kernel_times(ours)

    def sink_window(b, h, qi, kv):
        return (kv <= qi) & ((kv < SINKS) | (qi - kv < WINDOW))

    flex = torch.compile(flex_attention, dynamic=False)
    bm = create_block_mask(sink_window, B=None, H=None, Q_LEN=n, KV_LEN=n, device=dev)
    run_flex = lambda: flex(q, k, v, block_mask=bm, enable_gqa=True)
    t_flex, t_flex_ev = wall(run_flex, iters), events(run_flex, iters)
    kr, vr = k.repeat_interleave(H // HKV, 1), v.repeat_interleave(H // HKV, 1)
    run_sdpa = lambda: F.scaled_dot_product_attention(q, kr, vr, is_causal=True)
    t_sdpa = wall(run_sdpa, iters)
    flops = 4 * H * D * visible_pairs(n, n)
    row = {
        "N": n, "max_abs_err": err, "ours_ms": t_ours, "ours_kernels_us": kernels,
        "ours_TFLOPs_useful": flops / (t_ours * 1e-3) / 1e12,
        "flex_ms": t_flex, "flex_event_ms": t_flex_ev, "sdpa_causal_ms": t_sdpa,
        "speedup_vs_flex": t_flex / t_ours, "speedup_vs_sdpa": t_sdpa / t_ours,
    }
    res["prefill"].append(row)
    print(row, flush=True)


def decode(art, b, iters, res, copy_tbps):
    nk = SINKS + WINDOW
    q = torch.randn(b, H, 1, D, device=dev, dtype=torch.bfloat16)
    k = torch.randn(b, HKV, nk, D, device=dev, dtype=torch.bfloat16)
    v = torch.randn(b, HKV, nk, D, device=dev, dtype=torch.bfloat16)
    o = torch.empty_like(q)
    ours = art.bind(q, k, v, o)
    ours()
    torch.cuda.synchronize()
    err = (o.float() - sink_window_reference(q, k, v)).abs().max().item()
    t_ours = wall(ours, iters)
    kernels = kernel_times(ours)
    run_sdpa = lambda: F.scaled_dot_product_attention(q, k, v, enable_gqa=True)
    t_sdpa, t_sdpa_ev = wall(run_sdpa, iters), events(run_sdpa, iters)
    bytes_ = 2 * k.numel() * k.element_size()
    row = {
        "batch": b, "kv_len": nk, "max_abs_err": err, "ours_ms": t_ours,
        "ours_kernels_us": kernels,
        "ours_TBps": bytes_ / (t_ours * 1e-3) / 1e12,
        "fraction_of_copy_bw": bytes_ / (t_ours * 1e-3) / 1e12 / copy_tbps,
        "sdpa_ms": t_sdpa, "sdpa_event_ms": t_sdpa_ev,
        "speedup_vs_sdpa": t_sdpa / t_ours,
    }
    res["decode"].append(row)
    print(row, flush=True)


def dequantize(planes, coeffs, k, group=128, codes=None, sub_block=0):
    """Ŵ[k, n] = c[g,0,n] + Σ_l c[g,l+1,n]·b_l[k,n] (binary planes), f32;
    with scale codes every `sub_block` rows times (q + 1)/16, q the nibble
    u mod 8 of word u / 8 of `codes`, u = k / sub_block."""
    p = planes.shape[0]
    rows = torch.arange(k, device=dev)
    words = planes[:, rows // 32, :].to(torch.int64) & 0xFFFFFFFF
    bits = (words >> (rows % 32)[None, :, None]) & 1
    c = coeffs.float()[rows // group]  # K x C x N
    w = c[:, 0, :].clone()
    for l in range(p):
        w += c[:, l + 1, :] * bits[l].float()
    if sub_block:
        unit = rows // sub_block
        code = codes[unit // 8, :].to(torch.int64) & 0xFFFFFFFF
        q = (code >> (4 * (unit % 8))[:, None]) & 15
        w *= (q + 1).float() / 16
    return w


def gemv(art, planes, k, n, m, iters, res, copy_tbps, sub_block=0):
    x = torch.randn(m, k, device=dev, dtype=torch.float16)
    pl = torch.randint(-(2**31), 2**31 - 1, (planes, k // 32, n), device=dev, dtype=torch.int32)
    # With codes one grid per column, as bitsink.quantize(sub_block=) makes.
    group = k if sub_block else 128
    co = (torch.randn(k // group, planes + 1, n, device=dev) * 0.02).half()
    codes = (torch.randint(-(2**31), 2**31 - 1, (-(-k // (8 * sub_block)), n),
                           device=dev, dtype=torch.int32)
             if sub_block else None)
    y = torch.empty(m, n, device=dev, dtype=torch.float16)
    ours = art.bind(*([x, pl, co] + ([codes] if sub_block else []) + [y]))
    ours()
    torch.cuda.synchronize()
    w = dequantize(pl, co, k, group, codes, sub_block)
    ref = x.float() @ w
    err = ((y.float() - ref).abs().max() / ref.abs().max()).item()
    t_ours = wall(ours, iters)
    kernels = kernel_times(ours)
    wt = w.t().contiguous().half()  # N x K, what F.linear multiplies
    run_cublas = lambda: F.linear(x, wt)
    t_cublas, t_cublas_ev = wall(run_cublas, iters), events(run_cublas, iters)
    packed = pl.numel() * 4 + co.numel() * 2 + (
        codes.numel() * 4 if sub_block else 0)
    row = {
        "planes": planes, "K": k, "N": n, "batch": m, "sub_block": sub_block,
        "max_rel_err": err,
        "ours_ms": t_ours, "ours_kernels_us": kernels,
        "ours_TBps": packed / (t_ours * 1e-3) / 1e12,
        "ideal_ms_at_copy_bw": packed / (copy_tbps * 1e12) * 1e3,
        "ours_TFLOPs": 2 * m * k * n / (t_ours * 1e-3) / 1e12,
        "cublas_fp16_ms": t_cublas, "cublas_fp16_event_ms": t_cublas_ev,
        "speedup_vs_cublas": t_cublas / t_ours,
    }
    res["gemv"].append(row)
    print(row, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("artifacts")
    ap.add_argument("--only", default=".")
    ap.add_argument("--iters", type=int, default=20)
    ap.add_argument("--profile", type=int, default=0, metavar="N",
                    help="also record our kernels' device time over N calls "
                         "(torch.profiler / CUPTI): ours_kernels_us")
    a = ap.parse_args()
    global PROFILE_ITERS
    PROFILE_ITERS = a.profile
    torch.manual_seed(0)
    res = {"device": torch.cuda.get_device_name(), "torch": torch.__version__,
           "prefill": [], "decode": [], "gemv": []}
    res["hbm_copy_TBps"] = copy_tbps = hbm_copy_tbps()
    print(res["device"], "copy", round(copy_tbps, 2), "TB/s", flush=True)
    for name in sorted(os.listdir(a.artifacts)):
        if not name.endswith(".so") or not re.search(a.only, name):
            continue
        stem = name[:-3]
        if not re.match(r"(prefill|decode|gemv|gemm)_", stem):
            continue
        try:
            art = Artifact(os.path.join(a.artifacts, name))
        except OSError as e:
            print(f"{stem}: cannot load: {e}", flush=True)
            continue
        if stem.startswith("prefill_N"):
            prefill(art, int(stem[9:]), a.iters, res)
        elif stem.startswith("decode_B"):
            decode(art, int(stem[8:]), a.iters, res, copy_tbps)
        else:
            mt = re.match(r"gem[mv]_p(\d)(?:s(\d+))?_(\d+)x(\d+)_m(\d+)",
                          stem)
            planes, sub_block, k, n, m = (int(v or 0) for v in mt.groups())
            gemv(art, planes, k, n, m, a.iters, res, copy_tbps, sub_block)
        error = art.last_error()
        if error:
            print(f"{stem}: runtime error: {error}", flush=True)
            res.setdefault("errors", {})[stem] = error
    print(json.dumps(res, indent=1))
    if os.environ.get("OUT"):
        # Runs of other groups in the same $OUT (gpu-bundle's go.sh runs
        # one process per group) keep their rows: this run's are added.
        path = os.path.join(os.environ["OUT"], "bench_gpu.json")
        if os.path.exists(path):
            with open(path) as f:
                earlier = json.load(f)
            for key in ("prefill", "decode", "gemv"):
                res[key] = earlier.get(key, []) + res[key]
            if earlier.get("errors"):
                res["errors"] = {**earlier["errors"], **res.get("errors", {})}
        with open(path, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
