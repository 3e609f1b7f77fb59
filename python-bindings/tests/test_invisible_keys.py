"""Invisible keys contribute nothing, even when their k / v rows hold NaN or
Inf (docs/semantics.md §2.1): every masking reason (window, causal, kv_len,
key_mask, position -1, tile padding past Nk), f32 / f16 / bf16, prefill and
split-KV decode, on the CPU kernels. Each case is checked two ways:

- against an independent float64 reference written here (NumPy, visible
  pairs only), NaN and Inf positions included;
- bit for bit against the same kernel run with the invisible rows zeroed:
  garbage in a slot nobody sees must not change a single output bit.
"""

import os
import zlib
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
from test_cpu_model import needs_avx2  # noqa: E402

# Output tolerance relative to the largest finite reference value.
_TOL = {"f32": 2e-5, "f16": 3e-3, "bf16": 2e-2}


def _as_dtype(x, dtype):
    if dtype == "f16":
        return x.astype(np.float16)
    if dtype == "bf16":
        return round_bf16(x)
    return x.astype(np.float32)


def _visible(nq, nk, sinks, window, causal, length, mask, positions):
    """visible[i, j] of one batch entry, as docs/semantics.md §2.1 states it."""
    j = np.arange(nk)
    pos = j if positions is None else positions
    p = np.arange(nq)[:, None] + length - nq
    ok = (j < length) & (pos >= 0)
    if mask is not None:
        ok &= mask
    if window < 0:
        near = np.ones((nq, nk), bool)
    elif causal:
        near = (p - window < pos) & (pos <= p)
    else:
        near = np.abs(p - pos) < window
    vis = ok & ((pos < min(sinks, nk)) | near)
    if causal:
        vis &= pos <= p
    return vis


def _reference(q, k, v, vis, scale):
    """float64 attention over the visible pairs only."""
    b, hq, nq, _ = q.shape
    hkv = k.shape[1]
    out = np.zeros((b, hq, nq, v.shape[3]))
    with np.errstate(invalid="ignore", over="ignore"):
        for bi in range(b):
            for h in range(hq):
                g = h // (hq // hkv)
                kk, vv = k[bi, g].astype(np.float64), v[bi, g].astype(np.float64)
                for i in range(nq):
                    cols = np.nonzero(vis[bi][i])[0]
                    if cols.size == 0:
                        continue
                    s = scale * (q[bi, h, i].astype(np.float64) @ kk[cols].T)
                    w = np.exp(s - s.max())
                    out[bi, h, i] = (w @ vv[cols]) / w.sum()
    return out


def _poison(x, rows, rng):
    """NaN, +Inf and -Inf planted in the (b, kv head, key) rows of `x`."""
    x = x.copy()
    values = np.array([np.nan, np.inf, -np.inf], np.float32)
    for bi, g, j in rows:
        x[bi, g, j] = rng.choice(values, size=x.shape[3])
        x[bi, g, j, 0] = np.nan
    return x


# name: (shape (B, Hq, Hkv, Nq, Nk, D) for prefill, attrs, extras)
# Decode runs the same case with Nq = 1 and a split size of 32 keys.
_CASES = {
    "window": dict(b=1, hq=4, hkv=2, nq=40, nk=203, sinks=4, window=16, causal=True),
    "window-noncausal": dict(b=1, hq=2, hkv=1, nq=40, nk=203, sinks=2, window=12, causal=False),
    "kv_len": dict(b=2, hq=4, hkv=2, nq=24, nk=160, sinks=4, window=64, causal=True, kv_len=[150, 77]),
    "key_mask": dict(b=2, hq=2, hkv=2, nq=20, nk=99, sinks=0, window=-1, causal=True, mask=True),
    "position-1": dict(b=1, hq=4, hkv=1, nq=16, nk=96, sinks=4, window=40, causal=True, positions=True),
    "tile-padding": dict(b=1, hq=2, hkv=2, nq=20, nk=37, sinks=0, window=-1, causal=False),
}


def _run_case(name, dtype, decode, cpu=None):
    c = dict(_CASES[name])
    rng = np.random.default_rng(zlib.crc32(f"{name}/{dtype}/{decode}".encode()))
    b, hq, hkv, nk, d = c["b"], c["hq"], c["hkv"], c["nk"], 16
    nq = 1 if decode else c["nq"]
    lengths = np.array(c.get("kv_len", [nk] * b), np.int64)
    mask = rng.random((b, nk)) < 0.6 if c.get("mask") else None
    positions = None
    if c.get("positions"):
        # A ring cache: sinks in slots 0..3, the window rolled by 17 slots,
        # and 20 empty slots (-1) among them.
        ring = np.concatenate([np.arange(4), np.roll(np.arange(4, nk), 17)])
        ring[rng.choice(np.arange(4, nk), size=20, replace=False)] = -1
        positions = ring[None, :].repeat(b, 0).astype(np.int64)
    q = _as_dtype(rng.standard_normal((b, hq, nq, d)), dtype)
    k = _as_dtype(rng.standard_normal((b, hkv, nk, d)), dtype)
    v = _as_dtype(rng.standard_normal((b, hkv, nk, d)), dtype)
    vis = np.stack([
        _visible(nq, nk, c["sinks"], c["window"], c["causal"], lengths[bi],
                 None if mask is None else mask[bi],
                 None if positions is None else positions[bi])
        for bi in range(b)])
    if name == "tile-padding":
        # Every key is visible; the slots past Nk of the last (partial) key
        # tile re-read the last key, which holds +Inf / NaN. Rows that see
        # it get Inf or NaN, as IEEE arithmetic says; the padding slots must
        # add nothing more.
        v = v.copy()
        v[:, :, nk - 1] = np.inf
        v[:, :, nk - 1, 1] = np.nan
        v = _as_dtype(v, dtype)
        hidden = []
    else:
        hidden = [(bi, g, j) for bi in range(b) for g in range(hkv)
                  for j in range(nk) if not vis[bi][:, j].any()]
        assert len(hidden) >= 8, "the case must hide some keys"
    zeroed_k, zeroed_v = k.copy(), v.copy()
    for bi, g, j in hidden:
        zeroed_k[bi, g, j] = 0
        zeroed_v[bi, g, j] = 0
    bad_k = _as_dtype(_poison(k, hidden, rng), dtype)
    bad_v = _as_dtype(_poison(v, hidden, rng), dtype)

    attrs = (f"num_sinks = {c['sinks']} : i64, window = {c['window']} : i64, "
             f"causal = {'true' if c['causal'] else 'false'}")
    ir = attention_ir(b, hq, hkv, nq, nk, d, dtype, attrs, kv_len="kv_len" in c,
                      mask=mask is not None, positions=positions is not None)
    pipeline = "bitsink-cpu-pipeline{split-size=32}" if decode else None
    exe = bitsink.compile(ir, pipeline=pipeline, cpu=cpu)
    extras = []
    if "kv_len" in c:
        extras.append(lengths)
    if mask is not None:
        extras.append(mask)
    if positions is not None:
        extras.append(positions)
    out = exe(q, bad_k, bad_v, *extras).astype(np.float64)
    clean = exe(q, zeroed_k, zeroed_v, *extras).astype(np.float64)
    ref = _reference(q, bad_k, bad_v, vis, 1.0 / np.sqrt(d))
    return out, clean, ref, vis


@pytest.mark.parametrize("decode", [False, True], ids=["prefill", "decode"])
@pytest.mark.parametrize("dtype", ["f32", "f16", "bf16"])
@pytest.mark.parametrize("name", list(_CASES))
def test_invisible_non_finite_rows_contribute_nothing(name, dtype, decode):
    out, clean, ref, _ = _run_case(name, dtype, decode)
    # Same non-finite pattern as the reference (NaN where it has NaN, the
    # same infinities), finite values within one output rounding.
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    np.testing.assert_array_equal(np.isposinf(out), np.isposinf(ref))
    np.testing.assert_array_equal(np.isneginf(out), np.isneginf(ref))
    finite = np.isfinite(ref)
    scale = max(np.abs(ref[finite]).max(initial=0), 1.0)
    err = np.abs(out[finite] - ref[finite]).max(initial=0)
    assert err <= _TOL[dtype] * scale, f"max error {err:.3g}"
    if name != "tile-padding":
        # Garbage in slots nobody sees changes no output bit.
        assert np.isfinite(out).all()
        np.testing.assert_array_equal(out, clean)


@needs_avx2
@pytest.mark.parametrize("decode", [False, True], ids=["prefill", "decode"])
@pytest.mark.parametrize("name", list(_CASES))
def test_invisible_non_finite_rows_avx2(name, decode):
    # The AVX2 kernels (prefill 16 x 6 tiles, decode lanes 8), JIT for an
    # AVX2 CPU model: the same non-finite pattern and the same output
    # without the garbage.
    out, clean, ref, _ = _run_case(name, "f32", decode, cpu="x86-64-v3")
    np.testing.assert_array_equal(np.isnan(out), np.isnan(ref))
    finite = np.isfinite(ref)
    scale = max(np.abs(ref[finite]).max(initial=0), 1.0)
    assert np.abs(out[finite] - ref[finite]).max(initial=0) <= _TOL["f32"] * scale
    if name != "tile-padding":
        assert np.isfinite(out).all()
        np.testing.assert_array_equal(out, clean)


_REPRODUCER = """
func.func @main(%q: tensor<1x1x1x4xf32>, %k: tensor<1x1x4x4xf32>, %v: tensor<1x1x4x1xf32>) -> tensor<1x1x1x1xf32> {
  %len = arith.constant dense<2> : tensor<1xi64>
  %e = tensor.empty() : tensor<1x1x1x1xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x1x1x4xf32>, tensor<1x1x4x4xf32>, tensor<1x1x4x1xf32>)
         kv_len(%len : tensor<1xi64>) outs(%e : tensor<1x1x1x1xf32>) {causal = true} -> tensor<1x1x1x1xf32>
  return %o : tensor<1x1x1x1xf32>
}"""


def test_issue_reproducer_decode_past_kv_len():
    """q, k = ones; v = [1, 3, nan, nan]; kv_len = 2: the answer is 2."""
    exe = bitsink.compile(_REPRODUCER)
    v = np.array([1, 3, np.nan, np.nan], np.float32).reshape(1, 1, 4, 1)
    out = exe(np.ones((1, 1, 1, 4), np.float32), np.ones((1, 1, 4, 4), np.float32), v)
    assert out.reshape(()) == 2.0


def test_causal_inf_seen_by_the_last_row_only():
    """v = [2, +inf], causal, Nq = 2: [2, inf] (row 0 cannot see key 1)."""
    ir = attention_ir(1, 1, 1, 2, 2, 1, "f32", "causal = true")
    exe = bitsink.compile(ir)
    v = np.array([2, np.inf], np.float32).reshape(1, 1, 2, 1)
    out = exe(np.ones((1, 1, 2, 1), np.float32), np.ones((1, 1, 2, 1), np.float32), v)
    assert out.reshape(-1).tolist() == [2.0, np.inf]


def test_nan_value_row_poisons_only_rows_that_see_it():
    """One NaN in the value row of key 8 of a 200-token causal prefill with a
    window of 24 and no sinks: rows 8..31 see it and are NaN; every other row
    equals the clean run bit for bit."""
    rng = np.random.default_rng(5)
    n, d = 200, 16
    ir = attention_ir(1, 1, 1, n, n, d, "f32", "num_sinks = 0 : i64, window = 24 : i64, causal = true")
    exe = bitsink.compile(ir)
    q, k, v = (rng.standard_normal((1, 1, n, d)).astype(np.float32) for _ in range(3))
    clean = exe(q, k, v)
    v[0, 0, 8, 3] = np.nan
    dirty = exe(q, k, v)
    sees = np.zeros(n, bool)
    sees[8:32] = True
    assert np.isnan(dirty[0, 0, sees, 3]).all()
    np.testing.assert_array_equal(dirty[0, 0, ~sees], clean[0, 0, ~sees])
