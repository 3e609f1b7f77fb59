#!/usr/bin/env python3
"""Study: would per-sub-block scale codes close the gap to ggml's imatrix types?

docs/quantizer.md ("Why bpdq is at parity with ggml's imatrix types")
traces the gap to the format: ggml's k- and i-quants give every 16 or 32
weights of a row a 4-6-bit scale, bitsink's §2.3 format has one f16 grid
(P + 1 coefficients) per group of 64-256 rows. This script measures what a
K-quant-like extension of the bit-plane format would buy, before anything
is built for it:

    Ŵ[k, n] = m[k / S, n] · (c[g, 0, n] + Σ_p c[g, p + 1, n] · b_p[k, n])

with m a B-bit code per sub-block of S rows, m = (q + 1) / 2^B (one
multiplier of the whole grid, as Q3_K's 6-bit scales multiply its 3-bit
values). Stored bits per weight: P + B / S + 16 (P + 1) / G.

It is a numpy prototype of a GPTQ-style quantizer for that format, not
bpdq: rows in natural order with the error propagated through the
Cholesky factor of the damped inverse Hessian (damp 0.01, lazy blocks of
128 rows); at a group's first row its grid starts from the uniform
2^P-level grid over the current targets' [min, max] (first pass) or the
previous pass's coefficients, and two rounds of (codes per sub-block,
nearest levels, least squares weighted by 1/U[k][k]²) fit it to the
group's current targets; at a sub-block's first row each column takes
the code that minimises the weighted nearest-level error of the
sub-block's current targets; after each pass one Gauss-Seidel sweep over
the groups refits the coefficients in the Hessian metric with the codes
and multipliers fixed, rounded to f16; 3 passes, each column keeps its
best pass by (w − ŵ)ᵀH(w − ŵ). The same prototype with m ≡ 1 ("S = none")
is the control: the difference between the two is what the sub-block
codes buy, independent of how this prototype compares with bpdq.

Every weight is first rotated as bitsink.quantize(rotation=128) does (the
same signs, taken from bitsink's own result), and the error is the
held-out relative output error of bench/quant_quality:
‖X_h(W − Ŵ)‖_F / ‖X_h W‖_F from the cached H_eval = X_hᵀX_h. bitsink's
bpdq-rot at the same P and G is measured in the same run.

  PYTHONPATH=build/python_packages python3 bench/quant_quality/subblock_study.py \\
      --models minilm --configs 3:0:16:4 3:0:none 2:0:16:4
  PYTHONPATH=build/python_packages python3 bench/quant_quality/subblock_study.py \\
      --models smollm2 --configs 3:0:16:4 2:0:8:4 --perplexity 1024

The activations are bench/quant_quality's, cached under
build/bench-cache/quant_quality on first use (SmolLM2: about 8 minutes).
The ggml references are that bench's tables (bench/README.md).

Configurations are P:G:S:B (G = 0: one group per column; S = none: no
sub-block codes).
"""

import argparse
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def hadamard(block):
    h = np.ones((1, 1))
    while h.shape[0] < block:
        h = np.block([[h, h], [h, -h]])
    return h / np.sqrt(block)


def rotation_matrix(signs, block):
    k = len(signs)
    r = np.zeros((k, k))
    hb = hadamard(block)
    for i in range(0, k, block):
        r[i:i + block, i:i + block] = signs[i:i + block, None] * hb
    return r


class Config:
    def __init__(self, text):
        parts = text.split(":")
        self.planes, self.group = int(parts[0]), int(parts[1])
        self.sub = None if parts[2] == "none" else int(parts[2])
        self.code_bits = int(parts[3]) if self.sub else 0
        self.text = text

    def bits(self, k):
        group = self.group if 0 < self.group < k else k
        groups = -(-k // group)
        subs = -(-k // self.sub) if self.sub else 0
        return (self.planes + (self.code_bits * subs
                               + 16 * (self.planes + 1) * groups) / k)


def levels_of(coeffs, planes):
    """coeffs [..., P + 1] -> the 2^P grid values [..., 2^P] (code j has
    bit p of j as plane p)."""
    codes = np.arange(2 ** planes)
    bits = ((codes[:, None] >> np.arange(planes)[None, :]) & 1).astype(float)
    return coeffs[..., :1] + coeffs[..., 1:] @ bits.T


def nearest(target, grid):
    """target [N], grid [N, L] -> (code [N], value [N])."""
    j = np.argmin(np.abs(target[:, None] - grid), axis=1)
    return j, grid[np.arange(len(target)), j]


def choose_multipliers(t, weight, grid, mults):
    """t [S, N] targets of a sub-block, weight [S] -> the multiplier per
    column minimising the weighted nearest-level error."""
    cost = np.zeros((len(mults), t.shape[1]))
    for mi, m in enumerate(mults):
        d = np.min(np.abs(t[:, :, None] - m * grid[None]), axis=2)
        cost[mi] = weight @ (d * d)
    return mults[np.argmin(cost, axis=0)]


def fit_group(t, weight, c, cfg, mults, rounds=2):
    """The group-entry fit: `rounds` of (multipliers per sub-block, nearest
    codes, weighted least squares of the coefficients) on the group's
    current targets t [G, N] with weights [G]; coefficients rounded to
    f16."""
    p = cfg.planes
    size, n = t.shape
    for _ in range(rounds):
        grid = levels_of(c, p)
        mult = np.ones((size, n))
        if cfg.sub:
            for s0 in range(0, size, cfg.sub):
                rows = slice(s0, min(s0 + cfg.sub, size))
                mult[rows] = choose_multipliers(t[rows], weight[rows], grid,
                                                mults)[None, :]
        j = np.argmin(np.abs(t[:, :, None] - mult[:, :, None] * grid[None]),
                      axis=2)
        bits = (j[:, :, None] >> np.arange(p)[None, None, :]) & 1
        d = np.concatenate([np.ones((size, n, 1)), bits], axis=2)
        d *= mult[:, :, None]
        lhs = np.einsum("i,inp,inq->npq", weight, d, d) + 1e-12 * np.eye(p + 1)
        rhs = np.einsum("i,inp,in->np", weight, d, t)
        c = np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
        c = c.astype(np.float16).astype(np.float64)
    return c


def quantize(w, h, cfg, passes=3, damp=0.01, block=128):
    """w [K, N], h [K, K] (calibration Hessian, rotated basis) -> Ŵ."""
    k, n = w.shape
    group = cfg.group if 0 < cfg.group < k else k
    hd = h + damp * np.mean(np.diag(h)) * np.eye(k)
    u = np.linalg.cholesky(np.linalg.inv(hd)).T  # upper, UᵀU = H⁻¹
    diag = 1.0 / np.diag(u) ** 2
    p = cfg.planes
    mults = ((np.arange(2 ** cfg.code_bits) + 1) / 2 ** cfg.code_bits
             if cfg.sub else np.ones(1))
    coeffs = None  # [groups, N, P + 1]
    best, best_f = None, np.full(n, np.inf)
    for _ in range(passes):
        target = w.copy()
        q = np.zeros_like(w)
        codes = np.zeros((k, n), dtype=np.int64)
        mult = np.ones((k, n))
        new_coeffs = np.zeros((-(-k // group), n, p + 1))
        grid = None
        for b0 in range(0, k, block):
            b1 = min(b0 + block, k)
            err = np.zeros((b1 - b0, n))
            for i in range(b0, b1):
                g = i // group
                if i % group == 0:
                    rows = slice(i, min(i + group, k))
                    if coeffs is None:
                        t = target[rows]
                        lo, hi = t.min(axis=0), t.max(axis=0)
                        step = (hi - lo) / (2 ** p - 1)
                        c = np.concatenate([lo[:, None], step[:, None]
                                            * 2.0 ** np.arange(p)[None, :]],
                                           axis=1)
                    else:
                        c = coeffs[g]
                    c = fit_group(target[rows], diag[rows], c, cfg, mults)
                    new_coeffs[g] = c
                    grid = levels_of(c, p)  # [N, 2^P]
                if cfg.sub and i % cfg.sub == 0:
                    rows = slice(i, min(i + cfg.sub, k))
                    mult[rows] = choose_multipliers(target[rows], diag[rows],
                                                    grid, mults)[None, :]
                j, value = nearest(target[i], mult[i][:, None] * grid)
                codes[i], q[i] = j, value
                e = (target[i] - value) / u[i, i]
                err[i - b0] = e
                target[i + 1:b1] -= np.outer(u[i, i + 1:b1], e)
            target[b1:] -= u[b0:b1, b1:].T @ err
        # This pass's result and its objective.
        e = w - q
        f = np.einsum("kn,kn->n", e, h @ e)
        better = f < best_f
        if best is None:
            best = q.copy()
        best[:, better] = q[:, better]
        best_f = np.minimum(best_f, f)
        # Refit the coefficients with the codes and multipliers fixed: one
        # Gauss-Seidel sweep over the groups, each group's change solving
        # (DᵀH_gg D) Δc = Dᵀ r_g per column, r = H(w − ŵ) kept up to date
        # (D [rows, N, P + 1]: the multiplier times (1, b_0, ...)).
        bits = ((codes[:, :, None] >> np.arange(p)[None, None, :]) & 1)
        design = np.concatenate([np.ones((k, n, 1)), bits], axis=2)
        design *= mult[:, :, None]
        coeffs = new_coeffs.copy()
        r = hd @ (w - q)
        for g in range(coeffs.shape[0]):
            rows = slice(g * group, min((g + 1) * group, k))
            d = design[rows]
            hdd = np.einsum("ij,jnp->inp", hd[rows, rows], d)
            lhs = np.einsum("inp,inq->npq", d, hdd) + 1e-12 * np.eye(p + 1)
            rhs = np.einsum("inp,in->np", d, r[rows])
            delta = np.linalg.solve(lhs, rhs[:, :, None])[:, :, 0]
            c = (coeffs[g] + delta).astype(np.float16).astype(np.float64)
            change = np.einsum("inp,np->in", d, c - coeffs[g])
            r -= hd[:, rows] @ change
            coeffs[g] = c
    return best


def rel_error(w, what, h_eval):
    e = w - what
    num = np.einsum("kn,kn->", e, h_eval @ e)
    den = np.einsum("kn,kn->", w, h_eval @ w)
    return float(np.sqrt(num / den))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", nargs="+", default=["minilm"],
                    choices=["minilm", "smollm2"])
    ap.add_argument("--configs", nargs="+",
                    default=["3:256:32:4", "3:256:none"])
    ap.add_argument("--rotation", type=int, default=128)
    ap.add_argument("--max-layers", type=int, default=0)
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--perplexity", type=int, default=0, metavar="TOKENS",
                    help="SmolLM2, all layers: afterwards the perplexity of "
                         "the first TOKENS evaluation tokens with each "
                         "configuration's weights and bpdq-rot's (the f32 "
                         "decoder of bench/decoder_cpu/budget.py)")
    args = ap.parse_args()
    if args.perplexity and (args.models != ["smollm2"] or args.max_layers):
        ap.error("--perplexity needs --models smollm2 and every layer")

    import bitsink
    import run as qq

    try:
        configs = [Config(c) for c in args.configs]
    except (ValueError, IndexError):
        ap.error(f"--configs: each is P:G:S:B or P:G:none, got "
                 f"{' '.join(args.configs)}")
    for c in configs:
        if not (1 <= c.planes <= 4 and c.group >= 0
                and (c.sub is None or (c.sub > 0 and 1 <= c.code_bits <= 8))):
            ap.error(f"--configs: {c.text}: planes 1-4, a group of 0 or "
                     "more, S > 0 and 1-8 code bits")
    for model_name in args.models:
        source = qq.MiniLM() if model_name == "minilm" else qq.SmolLM2(4096, 0)
        rows = {c.text: [] for c in configs}
        kept = {}  # configuration -> {weight name: Ŵ [K, N]} (--perplexity)
        rows.update({f"bpdq-rot {c.planes}:{c.group}": [] for c in configs})
        started = time.time()
        for index, (name, w, x, h_eval) in enumerate(source.layers()):
            if args.max_layers and index >= args.max_layers:
                break
            w = w.astype(np.float64)
            k = w.shape[0]
            h_eval = h_eval.astype(np.float64)
            # bitsink's bpdq-rot once per (P, G) the configurations use.
            refs = {}
            for cfg in configs:
                key = f"bpdq-rot {cfg.planes}:{cfg.group}"
                if key in refs:
                    continue
                refs[key] = ref = bitsink.quantize(
                    w.astype(np.float32), planes=cfg.planes,
                    group_size=cfg.group, calibration=x,
                    rotation=args.rotation)
                dequantized = ref.dequantized.astype(np.float64)
                rows[key].append((name, ref.bits_per_weight,
                                  rel_error(w, dequantized, h_eval), w.size))
                if args.perplexity:
                    kept.setdefault(key, {})[name] = (
                        dequantized.astype(np.float32))
            # The rotation depends only on K and the seed: every reference
            # has the same, and so has the calibration Hessian in its basis.
            ref = next(iter(refs.values()))
            block = int(ref.rotation_block or 0)
            r = (rotation_matrix(np.asarray(ref.rotation_signs, float), block)
                 if block else np.eye(k))
            xr = x.astype(np.float64) @ r
            h_cal = xr.T @ xr / len(xr)
            for cfg in configs:
                what = r @ quantize(r.T @ w, h_cal, cfg, passes=args.passes)
                rows[cfg.text].append((name, cfg.bits(k),
                                       rel_error(w, what, h_eval), w.size))
                if args.perplexity:
                    kept.setdefault(cfg.text, {})[name] = what.astype(
                        np.float32)
            print(f"{model_name} {name}: " + ", ".join(
                f"{key} {v[-1][2]:.4f}" for key, v in rows.items()
                if len(v) == index + 1),
                f"({time.time() - started:.0f} s)", flush=True)
        print(f"\n{model_name}: mean held-out relative error over "
              f"{len(next(iter(rows.values())))} layers")
        print("| configuration | bits per weight | mean held-out error |")
        print("| --- | ---: | ---: |")
        for key, v in rows.items():
            bits = (sum(b * size for _, b, _, size in v)
                    / sum(size for *_, size in v))
            error = np.mean([e for _, _, e, _ in v])
            print(f"| {key} | {bits:.4f} | {error:.4f} |")
        if args.perplexity:
            perplexity(kept, {key: sum(b * size for _, b, _, size in v)
                              / sum(size for *_, size in v)
                              for key, v in rows.items()}, args.perplexity)


def perplexity(kept, bits, tokens):
    """Perplexity of the first `tokens` evaluation tokens with each set of
    weights written into one f32 decoder (bench/decoder_cpu/budget.py's
    evaluation; the tied output projection stays f32)."""
    import math
    sys.path.insert(0, os.path.join(HERE, "..", "decoder_cpu"))
    import bitsink_side as B
    import corpus
    ids = corpus.eval_tokens(tokens)
    model = B.load_model(corpus.gguf_path())
    model.weights = {n: np.array(model.weights[n]) for n in model.weight_names}
    decoder, _ = B.make_decoder(model, cache=len(ids), sinks=0,
                                log=lambda m: print(m, flush=True))
    print(f"\nSmolLM2-135M, perplexity of the first {len(ids)} evaluation "
          "tokens (f32 decoder, dequantized weights):")
    print("| configuration | bits per weight | ppl |")
    print("| --- | ---: | ---: |")
    for key, weights in kept.items():
        originals = {n: model.weights[n].copy() for n in weights}
        for n, what in weights.items():
            model.weights[n][...] = what.T
        nll, _, _ = B.stream_nll(decoder, ids, log=lambda m: None, label=key)
        print(f"| {key} | {bits[key]:.4f} | "
              f"{math.exp(float(np.mean(nll))):.3f} |", flush=True)
        for n, value in originals.items():
            model.weights[n][...] = value


if __name__ == "__main__":
    main()
