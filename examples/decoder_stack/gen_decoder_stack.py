#!/usr/bin/env python3
"""Write a GPT-style causal decoder stack in linalg, run two ways.

  gen_decoder_stack.py write OUT.mlir [--layers 2 --tokens 24 ...]
  gen_decoder_stack.py compare dense.npy stream.npy [--tol 1e-4]

The written module has one entry, @check(%x: N x Dm, weights of every
layer) -> (dense: N x Dm, streamed: N x Dm). Each layer is pre-norm
(RMSNorm) attention with GQA (Hq query heads, Hkv key/value heads, RoPE-free)
and a ReLU MLP, with residuals; weights are arguments (bitsink-run gives them
random normal values; each matmul is scaled by 1/sqrt(K)).

* dense: the whole sequence at once through every layer, attention as one
  causal `sink_attention` with `num_sinks = S`, `window = W` (each query sees
  the first S tokens and the W most recent).
* streamed: a StreamingLLM KV cache per layer of C = S + W slots
  (`cache_append`, original positions). The first P tokens are prefilled
  in one step, then the others are decoded one by one in an `scf.for`;
  each step appends the new keys/values and attends over the cache with
  `kv_len` and `key_positions`. The ring rolls over (N > C).

Token t sees, at every layer, exactly the first S and the last W tokens up
to itself in both forms, and the cached keys/values of a token are the ones
the dense form computes for it, so the two outputs must be equal up to f32
rounding: the cache holds the logical sequence [first S, last C - S] that
the dense form attends to. numpy only for `compare`; nothing for `write`.
"""

import argparse
import sys


class Emitter:
    def __init__(self):
        self.lines = []
        self.n = 0

    def fresh(self, stem="v"):
        self.n += 1
        return f"%{stem}{self.n}"

    def emit(self, line):
        self.lines.append("  " + line)


def t(*shape, elt="f32"):
    return "tensor<" + "x".join(str(s) for s in shape) + f"x{elt}>"


def matmul(e, x, w, rows, k, n):
    """x (rows x k) @ w (k x n) / sqrt(k)."""
    zero = e.fresh("zero")
    e.emit(f"{zero} = arith.constant 0.0 : f32")
    empty = e.fresh("e")
    e.emit(f"{empty} = tensor.empty() : {t(rows, n)}")
    fill = e.fresh("f")
    e.emit(f"{fill} = linalg.fill ins({zero} : f32) outs({empty} : {t(rows, n)}) -> {t(rows, n)}")
    mm = e.fresh("mm")
    e.emit(f"{mm} = linalg.matmul ins({x}, {w} : {t(rows, k)}, {t(k, n)}) "
           f"outs({fill} : {t(rows, n)}) -> {t(rows, n)}")
    c = e.fresh("c")
    e.emit(f"{c} = arith.constant {1.0 / k ** 0.5!r} : f32")
    out = e.fresh("s")
    e.emit(f"{out} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, "
           f"affine_map<(i, j) -> (i, j)>], iterator_types = [\"parallel\", \"parallel\"]}} "
           f"ins({mm} : {t(rows, n)}) outs({empty} : {t(rows, n)}) {{")
    e.emit(f"^bb0(%a: f32, %o: f32):")
    e.emit(f"  %r = arith.mulf %a, {c} : f32")
    e.emit(f"  linalg.yield %r : f32")
    e.emit(f"}} -> {t(rows, n)}")
    return out


def binary(e, a, b, rows, n, op):
    empty = e.fresh("e")
    e.emit(f"{empty} = tensor.empty() : {t(rows, n)}")
    out = e.fresh("b")
    e.emit(f"{out} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, "
           f"affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], "
           f"iterator_types = [\"parallel\", \"parallel\"]}} "
           f"ins({a}, {b} : {t(rows, n)}, {t(rows, n)}) outs({empty} : {t(rows, n)}) {{")
    e.emit(f"^bb0(%a: f32, %b: f32, %o: f32):")
    e.emit(f"  %r = {op} %a, %b : f32")
    e.emit(f"  linalg.yield %r : f32")
    e.emit(f"}} -> {t(rows, n)}")
    return out


def relu(e, x, rows, n):
    empty = e.fresh("e")
    e.emit(f"{empty} = tensor.empty() : {t(rows, n)}")
    out = e.fresh("relu")
    e.emit(f"{out} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, "
           f"affine_map<(i, j) -> (i, j)>], iterator_types = [\"parallel\", \"parallel\"]}} "
           f"ins({x} : {t(rows, n)}) outs({empty} : {t(rows, n)}) {{")
    e.emit(f"^bb0(%a: f32, %o: f32):")
    e.emit(f"  %z = arith.constant 0.0 : f32")
    e.emit(f"  %r = arith.maximumf %a, %z : f32")
    e.emit(f"  linalg.yield %r : f32")
    e.emit(f"}} -> {t(rows, n)}")
    return out


def rmsnorm(e, x, rows, n):
    zero = e.fresh("zero")
    e.emit(f"{zero} = arith.constant 0.0 : f32")
    er = e.fresh("e")
    e.emit(f"{er} = tensor.empty() : {t(rows)}")
    fr = e.fresh("f")
    e.emit(f"{fr} = linalg.fill ins({zero} : f32) outs({er} : {t(rows)}) -> {t(rows)}")
    ss = e.fresh("ss")
    e.emit(f"{ss} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, "
           f"affine_map<(i, j) -> (i)>], iterator_types = [\"parallel\", \"reduction\"]}} "
           f"ins({x} : {t(rows, n)}) outs({fr} : {t(rows)}) {{")
    e.emit(f"^bb0(%a: f32, %acc: f32):")
    e.emit(f"  %sq = arith.mulf %a, %a : f32")
    e.emit(f"  %r = arith.addf %acc, %sq : f32")
    e.emit(f"  linalg.yield %r : f32")
    e.emit(f"}} -> {t(rows)}")
    empty = e.fresh("e")
    e.emit(f"{empty} = tensor.empty() : {t(rows, n)}")
    out = e.fresh("norm")
    e.emit(f"{out} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, "
           f"affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], "
           f"iterator_types = [\"parallel\", \"parallel\"]}} "
           f"ins({x}, {ss} : {t(rows, n)}, {t(rows)}) outs({empty} : {t(rows, n)}) {{")
    e.emit(f"^bb0(%a: f32, %s: f32, %o: f32):")
    e.emit(f"  %cn = arith.constant {1.0 / n!r} : f32")
    e.emit(f"  %eps = arith.constant 1.0e-5 : f32")
    e.emit(f"  %m = arith.mulf %s, %cn : f32")
    e.emit(f"  %me = arith.addf %m, %eps : f32")
    e.emit(f"  %rs = math.rsqrt %me : f32")
    e.emit(f"  %r = arith.mulf %a, %rs : f32")
    e.emit(f"  linalg.yield %r : f32")
    e.emit(f"}} -> {t(rows, n)}")
    return out


def heads(e, x, rows, h, d):
    """rows x (h*d) -> 1 x h x rows x d."""
    ex = e.fresh("x")
    e.emit(f"{ex} = tensor.expand_shape {x} [[0, 1], [2, 3]] output_shape [1, {rows}, {h}, {d}] "
           f": {t(rows, h * d)} into {t(1, rows, h, d)}")
    empty = e.fresh("e")
    e.emit(f"{empty} = tensor.empty() : {t(1, h, rows, d)}")
    out = e.fresh("hd")
    e.emit(f"{out} = linalg.transpose ins({ex} : {t(1, rows, h, d)}) "
           f"outs({empty} : {t(1, h, rows, d)}) permutation = [0, 2, 1, 3]")
    return out


def unheads(e, x, rows, h, d):
    empty = e.fresh("e")
    e.emit(f"{empty} = tensor.empty() : {t(1, rows, h, d)}")
    tr = e.fresh("tr")
    e.emit(f"{tr} = linalg.transpose ins({x} : {t(1, h, rows, d)}) "
           f"outs({empty} : {t(1, rows, h, d)}) permutation = [0, 2, 1, 3]")
    out = e.fresh("flat")
    e.emit(f"{out} = tensor.collapse_shape {tr} [[0, 1], [2, 3]] "
           f": {t(1, rows, h, d)} into {t(rows, h * d)}")
    return out


def layer(e, cfg, x, rows, w, cache=None):
    """One block on `rows` tokens. cache = (kc, vc, pos, len) SSA names:
    append to it and attend over it; else dense sink+window attention.
    Returns (out, new cache or None)."""
    dm, hq, hkv, d, ff = cfg.dm, cfg.hq, cfg.hkv, cfg.d, cfg.ff
    C = cfg.sinks + cfg.window
    n = rmsnorm(e, x, rows, dm)
    q = heads(e, matmul(e, n, w["wq"], rows, dm, hq * d), rows, hq, d)
    k = heads(e, matmul(e, n, w["wk"], rows, dm, hkv * d), rows, hkv, d)
    v = heads(e, matmul(e, n, w["wv"], rows, dm, hkv * d), rows, hkv, d)
    init = e.fresh("e")
    e.emit(f"{init} = tensor.empty() : {t(1, hq, rows, d)}")
    attrs = (f"{{causal = true, num_sinks = {cfg.sinks} : i64, "
             f"window = {cfg.window} : i64}}")
    att = e.fresh("att")
    new_cache = None
    if cache is None:
        e.emit(f"{att} = bitsink.sink_attention ins({q}, {k}, {v} : {t(1, hq, rows, d)}, "
               f"{t(1, hkv, rows, d)}, {t(1, hkv, rows, d)}) outs({init} : {t(1, hq, rows, d)}) "
               f"{attrs} -> {t(1, hq, rows, d)}")
    else:
        kc, vc, pos, ln = cache
        r = e.fresh("ca")
        ct = t(1, hkv, C, d)
        e.emit(f"{r}:4 = bitsink.cache_append ins({k}, {v} : {t(1, hkv, rows, d)}, "
               f"{t(1, hkv, rows, d)}) outs({kc}, {vc}, {pos}, {ln} : {ct}, {ct}, "
               f"{t(1, C, elt='i64')}, {t(1, elt='i64')}) {{num_sinks = {cfg.sinks} : i64, "
               f"position_mode = #bitsink.position_mode<original>}} -> {ct}, {ct}, "
               f"{t(1, C, elt='i64')}, {t(1, elt='i64')}")
        e.emit(f"{att} = bitsink.sink_attention ins({q}, {r}#0, {r}#1 : {t(1, hq, rows, d)}, "
               f"{ct}, {ct}) kv_len({r}#3 : {t(1, elt='i64')}) key_positions({r}#2 : "
               f"{t(1, C, elt='i64')}) outs({init} : {t(1, hq, rows, d)}) {attrs} "
               f"-> {t(1, hq, rows, d)}")
        new_cache = (f"{r}#0", f"{r}#1", f"{r}#2", f"{r}#3")
    a = matmul(e, unheads(e, att, rows, hq, d), w["wo"], rows, hq * d, dm)
    x = binary(e, x, a, rows, dm, "arith.addf")
    n = rmsnorm(e, x, rows, dm)
    f = matmul(e, relu(e, matmul(e, n, w["w1"], rows, dm, ff), rows, ff),
               w["w2"], rows, ff, dm)
    return binary(e, x, f, rows, dm, "arith.addf"), new_cache


def write(cfg, path):
    dm, hq, hkv, d, ff = cfg.dm, cfg.hq, cfg.hkv, cfg.d, cfg.ff
    N, P, S, W, L = cfg.tokens, cfg.prefill, cfg.sinks, cfg.window, cfg.layers
    C = S + W
    assert P <= C and N > C, "prefill must fit the cache and the ring must roll over"
    shapes = {"wq": (dm, hq * d), "wk": (dm, hkv * d), "wv": (dm, hkv * d),
              "wo": (hq * d, dm), "w1": (dm, ff), "w2": (ff, dm)}
    weights = [{k: f"%{k}_{l}" for k in shapes} for l in range(L)]
    args = [f"%x: {t(N, dm)}"] + [f"{weights[l][k]}: {t(*shapes[k])}"
                                 for l in range(L) for k in shapes]
    e = Emitter()
    # Dense: all N tokens.
    h = "%x"
    for l in range(L):
        h, _ = layer(e, cfg, h, N, weights[l])
    dense = h
    # Streamed: empty caches, prefill P tokens, decode the rest.
    ct = t(1, hkv, C, d)
    caches = []
    for l in range(L):
        zero = e.fresh("zero")
        e.emit(f"{zero} = arith.constant 0.0 : f32")
        m1 = e.fresh("m1")
        e.emit(f"{m1} = arith.constant -1 : i64")
        z64 = e.fresh("z")
        e.emit(f"{z64} = arith.constant 0 : i64")
        names = []
        for kind in ("k", "v"):
            em = e.fresh("e")
            e.emit(f"{em} = tensor.empty() : {ct}")
            f = e.fresh(kind + "c")
            e.emit(f"{f} = linalg.fill ins({zero} : f32) outs({em} : {ct}) -> {ct}")
            names.append(f)
        em = e.fresh("e")
        e.emit(f"{em} = tensor.empty() : {t(1, C, elt='i64')}")
        pos = e.fresh("pos")
        e.emit(f"{pos} = linalg.fill ins({m1} : i64) outs({em} : {t(1, C, elt='i64')}) "
               f"-> {t(1, C, elt='i64')}")
        em = e.fresh("e")
        e.emit(f"{em} = tensor.empty() : {t(1, elt='i64')}")
        ln = e.fresh("len")
        e.emit(f"{ln} = linalg.fill ins({z64} : i64) outs({em} : {t(1, elt='i64')}) "
               f"-> {t(1, elt='i64')}")
        caches.append((names[0], names[1], pos, ln))
    xp = e.fresh("xp")
    e.emit(f"{xp} = tensor.extract_slice %x[0, 0] [{P}, {dm}] [1, 1] : {t(N, dm)} to {t(P, dm)}")
    h = xp
    for l in range(L):
        h, caches[l] = layer(e, cfg, h, P, weights[l], caches[l])
    em = e.fresh("e")
    e.emit(f"{em} = tensor.empty() : {t(N, dm)}")
    out0 = e.fresh("out")
    e.emit(f"{out0} = tensor.insert_slice {h} into {em}[0, 0] [{P}, {dm}] [1, 1] "
           f": {t(P, dm)} into {t(N, dm)}")
    # The decode loop carries the output and every layer's cache.
    lo, hi, one = e.fresh("c"), e.fresh("c"), e.fresh("c")
    e.emit(f"{lo} = arith.constant {P} : index")
    e.emit(f"{hi} = arith.constant {N} : index")
    e.emit(f"{one} = arith.constant 1 : index")
    carried = [out0] + [c for cache in caches for c in cache]
    ctypes = [t(N, dm)] + [ty for _ in range(L) for ty in
                           (ct, ct, t(1, C, elt="i64"), t(1, elt="i64"))]
    iters = [f"%it{i}" for i in range(len(carried))]
    res = e.fresh("loop")
    e.emit(f"{res}:{len(carried)} = scf.for %tok = {lo} to {hi} step {one} iter_args("
           + ", ".join(f"{a} = {b}" for a, b in zip(iters, carried))
           + ") -> (" + ", ".join(ctypes) + ") {")
    xt = e.fresh("xt")
    e.emit(f"{xt} = tensor.extract_slice %x[%tok, 0] [1, {dm}] [1, 1] : {t(N, dm)} to {t(1, dm)}")
    h = xt
    new = []
    for l in range(L):
        cache = tuple(iters[1 + 4 * l: 5 + 4 * l])
        h, c = layer(e, cfg, h, 1, weights[l], cache)
        new.extend(c)
    upd = e.fresh("upd")
    e.emit(f"{upd} = tensor.insert_slice {h} into {iters[0]}[%tok, 0] [1, {dm}] [1, 1] "
           f": {t(1, dm)} into {t(N, dm)}")
    e.emit("scf.yield " + ", ".join([upd] + new) + " : " + ", ".join(ctypes))
    e.emit("}")
    e.emit(f"return {dense}, {res}#0 : {t(N, dm)}, {t(N, dm)}")

    header = [
        "// Generated by examples/decoder_stack/gen_decoder_stack.py write "
        f"(--layers {L} --tokens {N} --prefill {P} --sinks {S} --window {W} "
        f"--dm {dm} --hq {hq} --hkv {hkv} --d {d} --ff {ff}); do not edit.",
        "// @check returns the dense and the streamed (KV cache) outputs of a "
        f"{L}-layer causal decoder stack; they must be equal.",
        f"func.func @check({', '.join(args)}) -> ({t(N, dm)}, {t(N, dm)}) {{",
    ]
    with open(path, "w") as f:
        f.write("\n".join(header + e.lines + ["}"]) + "\n")


def compare(a_path, b_path, tol):
    import numpy as np
    a = np.load(a_path).astype(np.float64)
    b = np.load(b_path).astype(np.float64)
    if a.shape != b.shape:
        sys.exit(f"error: shapes {a.shape} and {b.shape} differ")
    scale = np.abs(a).max()
    err = np.abs(a - b).max()
    rows = np.abs(a - b).max(axis=1) / np.maximum(np.abs(a).max(axis=1), 1e-30)
    print(f"tokens={a.shape[0]} max_abs_err={err:.3e} max|dense|={scale:.3e} "
          f"worst_row_rel_err={rows.max():.3e} at token {int(rows.argmax())}")
    ok = bool(rows.max() <= tol) and np.isfinite(a).all()
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("write")
    w.add_argument("out")
    for name, default in (("layers", 2), ("tokens", 24), ("prefill", 6),
                          ("sinks", 2), ("window", 8), ("dm", 32), ("hq", 4),
                          ("hkv", 2), ("d", 8), ("ff", 64)):
        w.add_argument(f"--{name}", type=int, default=default)
    c = sub.add_parser("compare")
    c.add_argument("dense")
    c.add_argument("stream")
    c.add_argument("--tol", type=float, default=1e-4)
    args = ap.parse_args()
    if args.cmd == "write":
        write(args, args.out)
    else:
        compare(args.dense, args.stream, args.tol)


if __name__ == "__main__":
    main()
