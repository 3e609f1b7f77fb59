"""Tests of bitsink.quantize's report and options: bits per weight as stored
on sizes the group size does not divide, the thread count, and the error on
held-out rows beside the calibration error.

Expected values are computed here from the returned arrays, independently of
the library.
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
from bitsink.models.quantize import stored_bits_per_weight  # noqa: E402


@pytest.mark.parametrize("method,planes", [("rtn", 3), ("bpdq", 3), ("trit", 2)])
@pytest.mark.parametrize("k,group_size", [(576, 128), (200, 64), (96, 0), (70, 32)])
@pytest.mark.parametrize("f16", [True, False])
def test_bits_per_weight_is_what_is_stored(method, planes, k, group_size, f16):
    rng = np.random.default_rng(k)
    n = 6
    w = rng.standard_normal((k, n), dtype=np.float32)
    q = bitsink.quantize(w, method=method, planes=planes, group_size=group_size,
                         iterations=1, f16_coefficients=f16)
    stored = 32 * q.planes.size + (16 if f16 else 32) * q.coefficients.size
    assert q.bits_per_weight == pytest.approx(stored / (k * n), rel=1e-12)
    assert q.bits_per_weight == pytest.approx(
        stored_bits_per_weight(k, q.planes.shape[0], q.coefficients.shape[1],
                               q.group_size, 16 if f16 else 32), rel=1e-12)


def test_short_last_group_counts_whole():
    # K = 576 in groups of 128: five groups of four f16 coefficients.
    w = np.random.default_rng(1).standard_normal((576, 4), dtype=np.float32)
    q = bitsink.quantize(w, method="rtn", planes=3, group_size=128)
    assert q.coefficients.shape == (5, 4, 4)
    assert q.bits_per_weight == pytest.approx(3 + 16 * 4 * 5 / 576, rel=1e-12)
    assert q.bits_per_weight == pytest.approx(3.5556, abs=1e-4)
    assert stored_bits_per_weight(512, 3, 4, 128) == 3.5


@pytest.mark.parametrize("method", ["rtn", "bpdq", "trit"])
def test_threads_do_not_change_the_result(method):
    rng = np.random.default_rng(7)
    k, n = 200, 70  # three 32-column tiles, a short last group
    w = rng.standard_normal((k, n), dtype=np.float32)
    x = rng.standard_normal((96, k), dtype=np.float32) @ rng.standard_normal(
        (k, k), dtype=np.float32)
    one, two = (bitsink.quantize(w, method=method, planes=2, group_size=64,
                                 calibration=x, act_order=method == "bpdq",
                                 threads=t) for t in (1, 2))
    assert one.planes.tobytes() == two.planes.tobytes()
    assert one.coefficients.tobytes() == two.coefficients.tobytes()
    assert one.rel_error == two.rel_error
    default = bitsink.quantize(w, method=method, planes=2, group_size=64,
                               calibration=x, act_order=method == "bpdq")
    assert default.planes.tobytes() == one.planes.tobytes()


def test_negative_thread_count_is_rejected():
    with pytest.raises(bitsink.MLIRError, match="threads"):
        bitsink.quantize(np.ones((64, 4), np.float32), threads=-1)


def _relative_output_error(x, w, w_hat):
    x = x.astype(np.float64)
    return np.linalg.norm(x @ (w.astype(np.float64) - w_hat)) / np.linalg.norm(
        x @ w.astype(np.float64))


@pytest.mark.parametrize("method", ["rtn", "bpdq", "trit"])
def test_heldout_error_beside_calibration_error(method):
    rng = np.random.default_rng(11)
    k, n, t, th = 192, 48, 64, 400
    mix = rng.standard_normal((k, k)) * (1.0 / (1.0 + 0.1 * np.arange(k)))[:, None]
    rows = (rng.standard_normal((t + th, k)) @ mix).astype(np.float32)
    x, xh = rows[:t], rows[t:]
    w = rng.standard_normal((k, n)).astype(np.float32)
    q = bitsink.quantize(w, method=method, planes=2, group_size=64,
                         calibration=x, heldout=xh)
    w_hat = q.dequantize().astype(np.float64)
    assert q.rel_error == pytest.approx(_relative_output_error(x, w, w_hat), rel=1e-5)
    assert q.heldout_rel_error == pytest.approx(
        _relative_output_error(xh, w, w_hat), rel=1e-5)
    if method != "rtn":
        # 64 calibration rows for K = 192: the fit overfits them.
        assert q.heldout_rel_error > 1.2 * q.rel_error
    hessian = xh.astype(np.float64).T @ xh.astype(np.float64)
    qh = bitsink.quantize(w, method=method, planes=2, group_size=64,
                          calibration=x, heldout_hessian=hessian)
    # Both are f32 products in the library; they agree to ~1e-8.
    assert qh.heldout_rel_error == pytest.approx(q.heldout_rel_error, rel=1e-6)
    assert qh.planes.tobytes() == q.planes.tobytes()
    assert bitsink.quantize(w, method=method, planes=2, group_size=64,
                            calibration=x).heldout_rel_error is None


def test_heldout_shape_is_checked():
    w = np.ones((64, 4), np.float32)
    with pytest.raises(ValueError, match="heldout"):
        bitsink.quantize(w, heldout=np.ones((5, 63), np.float32))
    with pytest.raises(ValueError, match="heldout_hessian"):
        bitsink.quantize(w, heldout_hessian=np.ones((63, 63)))
    bad = np.ones((5, 64), np.float32)
    bad[2, 7] = np.inf
    with pytest.raises(bitsink.MLIRError, match="held-out"):
        bitsink.quantize(w, heldout=bad)
