"""Tests of rtn's two grids through bitsink.quantize: ``rtn_search=False``
is the plain min-max grid, checked bit for bit against a numpy
implementation written here; the default searched grid is never worse than
it in any group and clearly better on Gaussian weights; the option reaches
bpdq's rtn candidate and the budget's candidates
(docs/quantizer.md, rtn).
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
from bitsink.budget import measure_candidates  # noqa: E402


def round_half_away(t):
    """std::round in float32: halves away from zero, exactly."""
    r = np.trunc(t)
    return r + np.sign(t) * (np.abs(t - r) >= np.float32(0.5))


def plain_rtn(w, planes, group_size, f16):
    """The plain min-max grid (docs/quantizer.md, rtn) in numpy: codes
    [K][N] and coefficients [G][P+1][N] as stored."""
    k, n = w.shape
    g = k if group_size <= 0 or group_size >= k else group_size
    groups = -(-k // g)
    store = (lambda v: v.astype(np.float16).astype(np.float32)) if f16 else (
        lambda v: v.astype(np.float32))
    max_code = np.float32((1 << planes) - 1)
    codes = np.zeros((k, n), np.uint8)
    coeffs = np.zeros((groups, planes + 1, n), np.float32)
    for group in range(groups):
        rows = w[group * g:(group + 1) * g]
        lo, hi = rows.min(axis=0), rows.max(axis=0)
        offset = store(lo)
        scale = store((hi - lo) / max_code)
        coeffs[group, 0] = offset
        for p in range(planes):
            coeffs[group, p + 1] = store(np.ldexp(scale, p).astype(np.float32))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (rows - offset) / scale
        q = np.clip(round_half_away(t.astype(np.float32)), 0, max_code)
        codes[group * g:(group + 1) * g] = np.where(scale > 0, q, 0)
    return codes, coeffs


def codes_of(q, k):
    """Per-weight codes [K][N] from the packed planes [P][ceil(K/32)][N]."""
    rows = np.arange(k)
    bits = (q.planes[:, rows // 32, :] >> (rows % 32)[None, :, None]) & 1
    return sum(bits[p].astype(np.uint8) << p for p in range(q.planes.shape[0]))


def dequantize(codes, coeffs, group_size):
    """Ŵ from codes and coefficients, as the library adds in f32."""
    k, planes = codes.shape[0], coeffs.shape[1] - 1
    group = np.arange(k) // group_size
    w = coeffs[group, 0, :].copy()
    for p in range(planes):
        w = w + coeffs[group, p + 1, :] * ((codes >> p) & 1).astype(np.float32)
    return w


def group_errors(w, w_hat, group_size):
    """Σ(w - ŵ)² per group and column, in float64."""
    d = (w.astype(np.float64) - w_hat) ** 2
    k = w.shape[0]
    return np.stack([d[g:g + group_size].sum(axis=0) for g in range(0, k, group_size)])


def weights(kind, k, n, seed):
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((k, n))
    if kind == "heavy":
        w *= np.where(rng.random((k, n)) < 0.03, 20.0, 0.5 + rng.random((k, n)))
    return w.astype(np.float32)


@pytest.mark.parametrize("planes", [1, 2, 3, 4])
@pytest.mark.parametrize("k,group_size", [(576, 128), (100, 32), (257, 0)])
@pytest.mark.parametrize("f16", [True, False])
def test_plain_grid_matches_numpy(planes, k, group_size, f16):
    w = weights("heavy", k, 9, seed=planes + k)
    q = bitsink.quantize(w, method="rtn", planes=planes, group_size=group_size,
                         f16_coefficients=f16, rtn_search=False)
    codes, coeffs = plain_rtn(w, planes, group_size, f16)
    np.testing.assert_array_equal(codes_of(q, k), codes)
    np.testing.assert_array_equal(q.coefficients, coeffs)


@pytest.mark.parametrize("kind", ["normal", "heavy"])
@pytest.mark.parametrize("planes", [1, 2, 3, 4])
@pytest.mark.parametrize("k,group_size", [(576, 128), (100, 32), (257, 0)])
def test_search_never_worse_than_plain_per_group(kind, planes, k, group_size):
    w = weights(kind, k, 70, seed=10 * planes + k)
    g = k if group_size <= 0 or group_size >= k else group_size
    codes, coeffs = plain_rtn(w, planes, group_size, True)
    plain = group_errors(w, dequantize(codes, coeffs, g), g)
    q = bitsink.quantize(w, method="rtn", planes=planes, group_size=group_size)
    searched = group_errors(w, q.dequantize(), g)
    assert np.all(searched <= plain * (1 + 1e-12))
    # Every group here has room to improve (K = 257 per channel included).
    assert np.mean(searched < plain * (1 - 1e-6)) > 0.95


def test_search_clearly_better_on_gaussian_weights():
    # Measured relative weight error, plain -> searched: 2 bits 0.5005 ->
    # 0.3319 (0.663x), 3 bits 0.2138 -> 0.1800 (0.842x), groups of 128.
    w = weights("normal", 1024, 64, seed=5)
    for planes, margin in ((2, 0.75), (3, 0.9)):
        plain = bitsink.quantize(w, method="rtn", planes=planes, rtn_search=False)
        searched = bitsink.quantize(w, method="rtn", planes=planes)
        assert searched.weight_rel_error < margin * plain.weight_rel_error


@pytest.mark.parametrize("rtn_search", [True, False])
def test_bpdq_never_worse_than_its_rtn_candidate(rtn_search):
    # Without calibration data bpdq's metric is the squared weight error,
    # and its rtn candidate is the rtn of the same rtn_search.
    w = weights("heavy", 200, 40, seed=8)
    for planes in (2, 3):
        rtn = bitsink.quantize(w, method="rtn", planes=planes, group_size=64,
                               rtn_search=rtn_search)
        bpdq = bitsink.quantize(w, method="bpdq", planes=planes, group_size=64,
                                rtn_search=rtn_search)
        assert bpdq.weight_rel_error <= rtn.weight_rel_error * (1 + 1e-12)


def test_budget_candidates_take_the_option():
    w = weights("normal", 128, 16, seed=9)
    configs = [(2, 64), (3, 128)]
    for rtn_search in (True, False):
        _, results = measure_candidates(w, configs=configs, method="rtn",
                                        rtn_search=rtn_search)
        for planes, group in configs:
            direct = bitsink.quantize(w, method="rtn", planes=planes,
                                      group_size=group, rtn_search=rtn_search)
            np.testing.assert_array_equal(results[(planes, group)].planes,
                                          direct.planes)
            np.testing.assert_array_equal(results[(planes, group)].coefficients,
                                          direct.coefficients)
