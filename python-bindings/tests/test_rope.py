"""Rotary embeddings in the CPU attention kernels (the `rope` attribute,
docs/semantics.md "Rotary embeddings"), against
``bitsink.reference.sink_attention(..., rope=...)``:

- prefill and decode (split-KV), both pair styles, partial dims, kv_len,
  key_positions, GQA, f32 / f16 / bf16;
- large positions, where the kernels' f32 angles (the rule of the
  semantics) are compared with an f32-angle rotation done here, and the
  double reference bounds the rest;
- a StreamingLLM decode loop: ``bitsink.cache_append`` into a ring of C
  slots, then attention on the cache, step after step until the ring has
  rolled over several times, in ``cache`` position mode (kv_len =
  min(length, C)) and ``original`` mode (kv_len = length). Each step is
  compared with the reference on the step's cache, and with attention over
  the tokens the cache should hold (the sinks and the newest C - S), rebuilt
  here from the stream: in cache mode they sit at positions 0 .. n-1.
"""

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
from bitsink.reference import sink_attention as reference  # noqa: E402
from attention_ir import attention_ir, round_bf16  # noqa: E402

# Output tolerance relative to the largest reference value: f32 kernels
# turn f32 angles (about 2^-24 · position radians off the double
# reference at these positions), f16 / bf16 round the output.
_TOL = {"f32": 5e-5, "f16": 3e-3, "bf16": 2e-2}
_NP = {"f32": np.float32, "f16": np.float16}


def _as_dtype(x, dtype):
    if dtype == "bf16":
        return round_bf16(x)
    return x.astype(_NP[dtype])


def _rope_attr(theta, dims, style):
    return f"rope = #bitsink.rope<theta = {float(theta)!r}, dims = {dims}, style = {style}>"


def _close(out, ref, tol):
    out = np.asarray(out, np.float64)
    scale = max(1.0, float(np.abs(ref).max()))
    err = float(np.abs(out - ref).max())
    assert err <= tol * scale, f"max |err| {err:.3g} > {tol * scale:.3g}"
    return err


# (name, b, hq, hkv, nq, nk, d, attrs without rope, rope, kv_len, positions)
_CASES = [
    ("prefill_half_gqa", 1, 4, 2, 20, 40, 64,
     "num_sinks = 2, window = 16, causal = true", (10000.0, 64, "half"), None, None),
    ("prefill_interleaved_partial_kv_len", 2, 2, 1, 12, 48, 64,
     "num_sinks = 1, window = 10, causal = false", (10000.0, 32, "interleaved"),
     [40, 9], None),
    ("prefill_ring", 1, 2, 2, 16, 24, 32, "num_sinks = 2, causal = true",
     (500000.0, 32, "half"), [30],
     [0, 1, 24, 25, 26, 27, 28, 29] + list(range(8, 24))),
    ("decode_gqa3_split", 1, 9, 3, 1, 300, 64,
     "num_sinks = 4, window = 100, causal = true", (100000.0, 64, "half"), [250], None),
    ("decode_ring_interleaved", 2, 2, 1, 1, 10, 64, "num_sinks = 2, causal = true",
     (10000.0, 32, "interleaved"), [10, 5],
     [[0, 1, 7, 8, 9, 2, 3, 4, 5, 6], [0, 1, 2, 3, 4, -1, -1, -1, -1, -1]]),
    ("decode_nq3_partial", 1, 4, 2, 3, 200, 32, "num_sinks = 1, window = 64, causal = true",
     (10000.0, 16, "half"), None, None),
]


def _run_case(case, dtype, pipeline=None, seed=0):
    name, b, hq, hkv, nq, nk, d, attrs, rope, kv_len, positions = case
    rng = np.random.default_rng(seed)
    q = _as_dtype(rng.standard_normal((b, hq, nq, d)), dtype)
    k = _as_dtype(rng.standard_normal((b, hkv, nk, d)), dtype)
    v = _as_dtype(rng.standard_normal((b, hkv, nk, d)), dtype)
    args = [q, k, v]
    kw = {}
    if kv_len is not None:
        kw["kv_len"] = np.array(kv_len, np.int64)
        args.append(kw["kv_len"])
    if positions is not None:
        kw["key_positions"] = np.array(positions, np.int64).reshape(b, nk)
        args.append(kw["key_positions"])
    ir = attention_ir(b, hq, hkv, nq, nk, d, dtype, f"{attrs}, {_rope_attr(*rope)}",
                      kv_len=kv_len is not None, positions=positions is not None)
    out = bitsink.compile(ir, pipeline=pipeline)(*args)
    flags = dict(a.split(" = ") for a in attrs.split(", "))
    kw.update(num_sinks=int(flags.get("num_sinks", 0)),
              window=int(flags["window"]) if "window" in flags else None,
              causal=flags.get("causal") == "true")
    inputs = [x.astype(np.float32) for x in (q, k, v)]
    return out, reference(*inputs, rope=rope, **kw), reference(*inputs, **kw)


@pytest.mark.parametrize("case", _CASES, ids=[c[0] for c in _CASES])
@pytest.mark.parametrize("dtype", ["f32", "f16", "bf16"])
def test_rope_matches_reference(case, dtype):
    pipeline = "bitsink-cpu-pipeline{split-size=64}" if case[4] <= 4 else None
    out, ref, unrotated = _run_case(case, dtype, pipeline)
    _close(out, ref, _TOL[dtype])
    # Without the rotation the result is far off: the comparison would
    # notice a kernel that skipped or misplaced it.
    assert np.abs(unrotated - ref).max() > 10 * _TOL[dtype]


def _rotate_f32_angles(x, positions, theta, dims, style):
    """x (..., n, D) rotated at positions (n,) with f32 angles (the kernels'
    rule): angle = f32(position) * f32(theta^(-2m/R)), one f32 rounding."""
    m = np.arange(dims // 2)
    freq = (theta ** (-2.0 * m / dims)).astype(np.float32)
    angle = (np.asarray(positions, np.float32)[:, None] * freq[None, :]).astype(np.float64)
    c, s = np.cos(angle), np.sin(angle)
    a_idx, b_idx = (m, m + dims // 2) if style == "half" else (2 * m, 2 * m + 1)
    x = np.array(x, np.float64)
    a, b = x[..., a_idx].copy(), x[..., b_idx].copy()
    x[..., a_idx] = a * c - b * s
    x[..., b_idx] = a * s + b * c
    return x


@pytest.mark.parametrize("style", ["half", "interleaved"])
@pytest.mark.parametrize("nq", [1, 20])
def test_large_positions_follow_the_f32_angle_rule(style, nq):
    """Positions near 100 000 (a long stream in original mode): the angle's
    f32 rounding (up to 2^-24 · 1e5 ≈ 4e-3 rad) is the semantics, so the
    kernel is compared tightly with q and k rotated here by f32 angles and
    attended without rope (measured: under 1e-6); the double reference is
    only close to about 1e-3. A cos / sin with its own f32 reduction by π/2
    would be off by as much again as the angle's rounding."""
    theta, dims, d, nk = 10000.0, 32, 64, 48
    rng = np.random.default_rng(3)
    q = rng.standard_normal((1, 2, nq, d)).astype(np.float32)
    k = rng.standard_normal((1, 1, nk, d)).astype(np.float32)
    v = rng.standard_normal((1, 1, nk, d)).astype(np.float32)
    length = 100_003
    # Slots hold tokens 0, 1 (sinks) and the newest ones, out of order.
    positions = np.array([0, 1] + list(range(length - nk + 2, length)), np.int64)
    rng.shuffle(positions[2:])
    kv_len = np.array([length], np.int64)
    attrs = f"num_sinks = 2, causal = true, {_rope_attr(theta, dims, style)}"
    ir = attention_ir(1, 2, 1, nq, nk, d, "f32", attrs, kv_len=True, positions=True)
    out = bitsink.compile(ir)(q, k, v, kv_len, positions[None, :])
    qpos = np.arange(nq) + length - nq
    q_rot = _rotate_f32_angles(q, qpos, theta, dims, style)
    k_rot = _rotate_f32_angles(k, positions, theta, dims, style)
    f32_rule = reference(q_rot.astype(np.float32), k_rot.astype(np.float32), v,
                         num_sinks=2, causal=True, kv_len=kv_len,
                         key_positions=positions[None, :])
    _close(out, f32_rule, 1e-5)
    exact = reference(q, k, v, num_sinks=2, causal=True, kv_len=kv_len,
                      key_positions=positions[None, :], rope=(theta, dims, style))
    _close(out, exact, 5e-3)


def _step_ir(hq, hkv, t, c, d, dtype, sinks, mode, rope):
    """One decode step: append t tokens, attend with t queries on the cache."""
    q = f"tensor<1x{hq}x{t}x{d}x{dtype}>"
    kn = f"tensor<1x{hkv}x{t}x{d}x{dtype}>"
    kc = f"tensor<1x{hkv}x{c}x{d}x{dtype}>"
    pos, ln = f"tensor<1x{c}xi64>", "tensor<1xi64>"
    return f"""
func.func @main(%q: {q}, %kn: {kn}, %vn: {kn}, %kc: {kc}, %vc: {kc}, %pos: {pos},
                %len: {ln}, %kvlen: {ln}) -> ({q}, {kc}, {kc}, {pos}, {ln}) {{
  %a:4 = bitsink.cache_append ins(%kn, %vn : {kn}, {kn})
      outs(%kc, %vc, %pos, %len : {kc}, {kc}, {pos}, {ln})
      {{num_sinks = {sinks}, position_mode = #bitsink.position_mode<{mode}>}}
      -> {kc}, {kc}, {pos}, {ln}
  %init = tensor.empty() : {q}
  %o = bitsink.sink_attention ins(%q, %a#0, %a#1 : {q}, {kc}, {kc})
      kv_len(%kvlen : {ln}) key_positions(%a#2 : {pos}) outs(%init : {q})
      {{num_sinks = {sinks}, causal = true, {_rope_attr(*rope)}}} -> {q}
  return %o, %a#0, %a#1, %a#2, %a#3 : {q}, {kc}, {kc}, {pos}, {ln}
}}"""


@pytest.mark.parametrize("mode,style,tokens,dtype", [
    ("cache", "half", 1, "f32"),
    ("cache", "interleaved", 3, "f16"),
    ("original", "half", 1, "f32"),
    ("original", "interleaved", 2, "bf16"),
])
def test_streaming_ring_decode(mode, style, tokens, dtype):
    """StreamingLLM: C = 24 slots, S = 4 sinks, a ring of 20 that rolls over
    four times in 84 tokens."""
    hq, hkv, c, d, sinks = 4, 2, 24, 32, 4
    rope = (10000.0, 32 if style == "half" else 16, style)
    exe = bitsink.compile(_step_ir(hq, hkv, tokens, c, d, dtype, sinks, mode, rope))
    np_type = np.float32 if dtype in ("f32", "bf16") else np.float16
    kc = np.zeros((1, hkv, c, d), np_type)
    vc = np.zeros((1, hkv, c, d), np_type)
    pos = np.full((1, c), -1, np.int64)
    length = np.zeros(1, np.int64)
    rng = np.random.default_rng(7)
    stream_k, stream_v = [], []
    steps = 84 // tokens
    for step in range(steps):
        q = _as_dtype(rng.standard_normal((1, hq, tokens, d)), dtype)
        kn = _as_dtype(rng.standard_normal((1, hkv, tokens, d)), dtype)
        vn = _as_dtype(rng.standard_normal((1, hkv, tokens, d)), dtype)
        new_length = int(length[0]) + tokens
        kv_len = np.array([min(new_length, c) if mode == "cache" else new_length],
                          np.int64)
        out, kc, vc, pos, length = exe(q, kn, vn, kc, vc, pos, length, kv_len)
        assert int(length[0]) == new_length
        stream_k.append(kn.astype(np.float32))
        stream_v.append(vn.astype(np.float32))
        # The reference on the cache the step left.
        ref = reference(q.astype(np.float32), kc.astype(np.float32),
                        vc.astype(np.float32), num_sinks=sinks, causal=True,
                        kv_len=kv_len, key_positions=pos, rope=rope)
        _close(out, ref, _TOL[dtype])
        # The tokens StreamingLLM keeps, in stream order.
        ks = np.concatenate(stream_k, axis=2)
        vs = np.concatenate(stream_v, axis=2)
        kept = list(range(min(sinks, new_length)))
        kept += list(range(max(sinks, new_length - (c - sinks)), new_length))
        if mode == "cache":
            # Positions 0 .. n-1: dense causal attention on the kept tokens.
            logical = reference(q.astype(np.float32), ks[:, :, kept], vs[:, :, kept],
                                causal=True, rope=rope)
        else:
            logical = reference(q.astype(np.float32), ks[:, :, kept], vs[:, :, kept],
                                causal=True, kv_len=np.array([new_length], np.int64),
                                key_positions=np.array([kept], np.int64), rope=rope)
        _close(out, logical, _TOL[dtype])
    assert int(length[0]) > 4 * (c - sinks)
