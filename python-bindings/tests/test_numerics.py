"""Numerical robustness of the CPU attention kernels (issue: reliability):
extreme scores, rows whose keys are all invisible or whose scores are all
-inf next to a learned sink, and the f16 / bf16 error on a 64k-token sequence
against a float64 reference. The bounds asserted here are the ones stated in
docs/reliability.md."""

import os
import pathlib
import sys

import numpy as np
import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(
    0,
    os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages")),
)

import bitsink  # noqa: E402
from attention_ir import attention_ir, round_bf16  # noqa: E402


def reference(q, k, v, num_sinks, window, causal, scale, sink_logits=None, mask=None):
    """Dense float64 sink attention (docs/semantics.md §2.1); small sizes."""
    b, hq, nq, d = q.shape
    hkv, nk = k.shape[1], k.shape[2]
    out = np.zeros((b, hq, nq, v.shape[3]))
    for bi in range(b):
        for h in range(hq):
            g = h // (hq // hkv)
            s = scale * (q[bi, h].astype(np.float64) @ k[bi, g].astype(np.float64).T)
            for i in range(nq):
                p = i + nk - nq
                j = np.arange(nk)
                vis = (j < num_sinks) | (j > p - window) if window is not None else np.ones(nk, bool)
                if causal:
                    vis &= j <= p
                if mask is not None:
                    vis &= mask[bi]
                sigma = -np.inf if sink_logits is None else float(sink_logits[h])
                row = s[i][vis]
                m = max(row.max(initial=-np.inf), sigma)
                if not vis.any() or m == -np.inf:
                    continue
                w = np.exp(row - m)
                out[bi, h, i] = w @ v[bi, g][vis].astype(np.float64) / (w.sum() + np.exp(sigma - m))
    return out


def test_scores_up_to_1e4_stay_finite_and_exact():
    rng = np.random.default_rng(0)
    q = (rng.standard_normal((1, 2, 24, 16)) * 25).astype(np.float32)
    k = (rng.standard_normal((1, 2, 40, 16)) * 25).astype(np.float32)
    v = rng.standard_normal((1, 2, 40, 16)).astype(np.float32)
    for scale in (1.0, -1.0):
        ir = attention_ir(1, 2, 2, 24, 40, 16, "f32",
                          f"num_sinks = 2 : i64, window = 9 : i64, causal = true, scale = {scale} : f32",
                          sinks=True)
        sinks = np.array([0.0, 3.0], np.float32)
        out = bitsink.compile(ir)(q, k, v, sinks)
        scores = np.abs(scale * np.einsum("hid,hjd->hij", q[0], k[0]))
        assert scores.max() > 5e3  # the case is what it says
        ref = reference(q, k, v, 2, 9, True, scale, sink_logits=sinks)
        assert np.isfinite(out).all()
        # Scores of magnitude 1e4 carry an f32 rounding of ~1e-3 into the
        # exponent: the weights are exact to that relative error.
        np.testing.assert_allclose(out, ref, atol=5e-3, rtol=5e-3)


def test_invisible_or_minus_inf_rows_next_to_a_sink_are_zero():
    rng = np.random.default_rng(1)
    q = rng.standard_normal((2, 2, 5, 8)).astype(np.float32)
    k = rng.standard_normal((2, 1, 12, 8)).astype(np.float32)
    v = rng.standard_normal((2, 1, 12, 8)).astype(np.float32)
    # Batch 0: every key masked. Batch 1: scores overflow to -inf in f32
    # (|q·k| ~ 1e40) for every key.
    mask = np.ones((2, 12), bool)
    mask[0] = False
    q[1] = 1e20
    k[1] = -1e20
    ir = attention_ir(2, 2, 1, 5, 12, 8, "f32", "num_sinks = 1 : i64, window = 4 : i64",
                      sinks=True, mask=True)
    out = bitsink.compile(ir)(q, k, v, np.array([0.5, -2.0], np.float32), mask)
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out, 0.0)


def windowed_reference(q, k, v, num_sinks, window):
    """float64 causal sink + window attention for long sequences, one head
    group at a time: each query block sees the sinks and a band of keys."""
    hq, n, d = q.shape[1], q.shape[2], q.shape[3]
    hkv = k.shape[1]
    scale = 1.0 / np.sqrt(d)
    out = np.zeros((1, hq, n, v.shape[3]))
    block = 1024
    for h in range(hq):
        g = h // (hq // hkv)
        kk, vv = k[0, g].astype(np.float64), v[0, g].astype(np.float64)
        for start in range(0, n, block):
            rows = np.arange(start, min(start + block, n))
            lo = max(0, start - window + 1)
            cols = np.unique(np.concatenate([np.arange(min(num_sinks, n)), np.arange(lo, rows[-1] + 1)]))
            s = scale * (q[0, h, rows].astype(np.float64) @ kk[cols].T)
            vis = (cols[None, :] <= rows[:, None]) & (
                (cols[None, :] < num_sinks) | (cols[None, :] > rows[:, None] - window))
            s = np.where(vis, s, -np.inf)
            w = np.exp(s - s.max(1, keepdims=True))
            out[0, h, rows] = (w @ vv[cols]) / w.sum(1, keepdims=True)
    return out


@pytest.mark.parametrize("dtype", ["f16", "bf16"])
def test_64k_tokens_half_precision_error_bound(dtype):
    n, d, sinks, window = 65536, 16, 4, 512
    rng = np.random.default_rng(2)
    shape_q, shape_k = (1, 2, n, d), (1, 1, n, d)
    q, k, v = (rng.standard_normal(s).astype(np.float32) for s in (shape_q, shape_k, shape_k))
    if dtype == "f16":
        q, k, v = (x.astype(np.float16) for x in (q, k, v))
    else:
        q, k, v = (round_bf16(x) for x in (q, k, v))
    ir = attention_ir(1, 2, 1, n, n, d, dtype,
                      f"num_sinks = {sinks} : i64, window = {window} : i64, causal = true")
    out = bitsink.compile(ir)(q, k, v).astype(np.float64)
    ref = windowed_reference(q, k, v, sinks, window)
    err = np.abs(out - ref)
    # One rounding of the output to the element type (f16: 2^-11, bf16:
    # 2^-8 relative), plus f32 accumulation over at most S + W = 516 keys.
    ulp = 2.0**-11 if dtype == "f16" else 2.0**-8
    bound = ulp * np.maximum(np.abs(ref), 2.0**-6) + 1e-5
    assert (err <= bound).all(), f"max error {err.max():.3g}, worst ratio {(err / bound).max():.3g}"


def test_non_finite_inputs_stay_where_they_are_seen():
    """NaN in a query row poisons that row only; NaN / Inf in keys and values
    that no visible tile contains (beyond the window, skipped structurally)
    change nothing. (Invisible keys that share a tile with visible ones are
    covered by test_invisible_keys.py.)"""
    rng = np.random.default_rng(3)
    n, d, window = 256, 16, 32
    q = rng.standard_normal((1, 1, n, d)).astype(np.float32)
    k = rng.standard_normal((1, 1, n, d)).astype(np.float32)
    v = rng.standard_normal((1, 1, n, d)).astype(np.float32)
    ir = attention_ir(1, 1, 1, n, n, d, "f32",
                      f"num_sinks = 0 : i64, window = {window} : i64, causal = true")
    exe = bitsink.compile(ir)
    clean = exe(q, k, v)
    q2, k2, v2 = q.copy(), k.copy(), v.copy()
    q2[0, 0, 200] = np.nan
    # Keys 64..95 are visible only to queries 64..126; rows >= 160 never
    # visit their tiles.
    k2[0, 0, 64:96] = np.inf
    v2[0, 0, 64:96] = np.nan
    dirty = exe(q2, k2, v2)
    assert np.isnan(dirty[0, 0, 200]).all()
    rows = [i for i in range(160, n) if i != 200]
    np.testing.assert_array_equal(dirty[0, 0, rows], clean[0, 0, rows])
    np.testing.assert_array_equal(dirty[0, 0, :64], clean[0, 0, :64])
