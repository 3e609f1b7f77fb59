"""Calibration from a Hessian: bitsink.quantize(calibration_hessian=H) and
bitsink.HessianAccumulator, for calibration sets that are accumulated over
batches and never stored whole (docs/quantizer.md, "Hessians from batches").

The accumulator is the library's (the one quantize(calibration=X) runs), so
its XᵀX/T gives the very Hessian the rows give: the packed result is
bit-identical. rel_error is too with more than K/2 rows; with at most K/2
the rows path measures it from the rows (‖XE‖², ‖XW‖²) and the Hessian path
from the f32 Hessian, which agree to ~1e-7 relative.
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


def _data(k, n, t, seed=0):
    rng = np.random.default_rng(seed)
    # Channels of very different scales, as activations have.
    x = (rng.standard_normal((t, k)) * np.exp(rng.standard_normal(k))).astype(np.float32)
    w = rng.standard_normal((k, n)).astype(np.float32)
    return w, x


def _same_packing(a, b):
    assert a.planes.tobytes() == b.planes.tobytes()
    assert a.coefficients.tobytes() == b.coefficients.tobytes()
    assert a.dequantized.tobytes() == b.dequantized.tobytes()
    assert (a.bits_per_weight, a.group_size, a.plane_kind) == (
        b.bits_per_weight, b.group_size, b.plane_kind)


@pytest.mark.parametrize("method,planes", [("rtn", 3), ("bpdq", 3), ("trit", 2)])
@pytest.mark.parametrize("k,n,t", [(256, 48, 700), (192, 40, 80)])
def test_calibration_hessian_equals_calibration_rows(method, planes, k, n, t):
    w, x = _data(k, n, t)
    rows = bitsink.quantize(w, method=method, planes=planes, group_size=64,
                            calibration=x)
    hessian = bitsink.HessianAccumulator(k).add(x).hessian
    # XᵀX/T, and XᵀX at a power-of-two scale: the same bits (the solver
    # works in units of the mean diagonal).
    for h in (hessian, hessian * 1024.0):
        q = bitsink.quantize(w, method=method, planes=planes, group_size=64,
                             calibration_hessian=h)
        _same_packing(rows, q)
        assert q.damp == rows.damp and q.rtn_columns == rows.rtn_columns
        if 2 * t > k:
            assert q.rel_error == rows.rel_error
        else:
            assert q.rel_error == pytest.approx(rows.rel_error, rel=1e-6)
        assert q.weight_rel_error == rows.weight_rel_error
    # XᵀX itself (T not a power of two): the scaled Hessian differs from
    # XᵀX/T in its last bits only, which the f32 solver does not see here.
    q = bitsink.quantize(w, method=method, planes=planes, group_size=64,
                         calibration_hessian=hessian * t)
    _same_packing(rows, q)
    assert q.rel_error == pytest.approx(rows.rel_error, rel=1e-6)


def test_hessian_from_numpy_is_close():
    """A Hessian summed another way (numpy, f64) is another Hessian in its
    last bits: the result is close, not bit-identical in general."""
    w, x = _data(256, 64, 900, seed=3)
    rows = bitsink.quantize(w, planes=3, calibration=x)
    xd = x.astype(np.float64)
    q = bitsink.quantize(w, planes=3, calibration_hessian=xd.T @ xd)
    assert q.rel_error == pytest.approx(rows.rel_error, rel=1e-4)
    assert np.mean(q.dequantized != rows.dequantized) < 0.05


def test_batched_accumulation_equals_one_shot():
    k = 96
    _, x = _data(k, 1, 1000, seed=5)
    one = bitsink.HessianAccumulator(k)
    one.add(x)
    for sizes in ([1000], [1, 255, 256, 488], [300] * 3 + [100], [17] * 58 + [14]):
        acc = bitsink.HessianAccumulator(k, threads=1)
        start = 0
        for size in sizes:
            acc.add(x[start:start + size])
            # Reading it does not change what later rows give.
            assert acc.hessian.shape == (k, k)
            start += size
        assert start == 1000 and acc.rows == 1000
        assert acc.hessian.tobytes() == one.hessian.tobytes()
    h = one.hessian
    assert np.array_equal(h, h.T)
    xd = x.astype(np.float64)
    np.testing.assert_allclose(h, xd.T @ xd / 1000, rtol=1e-5, atol=1e-6)
    # Leading dimensions are rows, like the pass's calibration arrays.
    shaped = bitsink.HessianAccumulator(k).add(x.reshape(10, 100, k))
    assert shaped.hessian.tobytes() == h.tobytes()
    empty = bitsink.HessianAccumulator(k)
    assert empty.rows == 0 and not empty.hessian.any()
    assert "K=96" in repr(one)


def test_batched_hessian_quantizes_like_the_rows():
    w, x = _data(320, 32, 1300, seed=9)
    acc = bitsink.HessianAccumulator(320)
    for i in range(0, 1300, 333):
        acc.add(x[i:i + 333])
    _same_packing(bitsink.quantize(w, planes=2, calibration=x),
                  bitsink.quantize(w, planes=2, calibration_hessian=acc.hessian))
    # The budget's candidates too: the same numbers from the Hessian.
    configs = [(2, 64), (3, 128)]
    from_rows, _ = measure_candidates(w, x, configs)
    from_hessian, _ = measure_candidates(w, calibration_hessian=acc.hessian,
                                         configs=configs)
    assert from_rows == from_hessian


def test_bad_hessians_are_rejected():
    k = 64
    w, x = _data(k, 8, 100)
    good = bitsink.HessianAccumulator(k).add(x).hessian
    with pytest.raises(ValueError, match="not both"):
        bitsink.quantize(w, calibration=x, calibration_hessian=good)
    with pytest.raises(ValueError, match=r"calibration_hessian must be K x K = 64 x 64, "
                       r"got shape \(64, 63\)"):
        bitsink.quantize(w, calibration_hessian=good[:, :63])
    with pytest.raises(ValueError, match="calibration_hessian must be K x K"):
        bitsink.quantize(w, calibration_hessian=good.ravel())
    for value, message in ((np.nan, "non-finite"), (np.inf, "non-finite")):
        bad = good.copy()
        bad[3, 5] = value
        with pytest.raises(ValueError, match=f"calibration_hessian has a {message} value"):
            bitsink.quantize(w, calibration_hessian=bad)
    bad = good.copy()
    bad[7, 2] += 1.0
    with pytest.raises(ValueError, match=r"calibration_hessian is not symmetric: "
                       r"H\[7\]\[2\] != H\[2\]\[7\]"):
        bitsink.quantize(w, calibration_hessian=bad)
    bad = good.copy()
    bad[4, 4] = -1.0
    with pytest.raises(ValueError, match="negative diagonal entry at row 4"):
        bitsink.quantize(w, calibration_hessian=bad)


def test_budget_measurement_rejects_bad_hessians():
    """bitsink.budget.measure_candidates and output_energy take rows or
    their Hessian (or neither: the identity), checked as quantize checks
    them."""
    from bitsink.budget import output_energy

    k = 64
    w, x = _data(k, 8, 100)
    good = bitsink.HessianAccumulator(k).add(x).hessian
    configs = [(2, 32)]
    for call in (lambda **a: measure_candidates(w, configs=configs, **a),
                 lambda **a: output_energy(w, **a)):
        with pytest.raises(ValueError, match="not both"):
            call(calibration=x, calibration_hessian=good)
        with pytest.raises(ValueError, match=r"calibration_hessian must be K x "
                           r"K = 64 x 64, got shape \(64, 63\)"):
            call(calibration_hessian=good[:, :63])
        bad = good.copy()
        bad[3, 5] = np.nan
        with pytest.raises(ValueError, match="calibration_hessian has a "
                           "non-finite value"):
            call(calibration_hessian=bad)
        bad = good.copy()
        bad[7, 2] += 1.0
        with pytest.raises(ValueError, match="calibration_hessian is not "
                           "symmetric"):
            call(calibration_hessian=bad)
        bad = good.copy()
        bad[4, 4] = -1.0
        with pytest.raises(ValueError, match="negative diagonal entry at row 4"):
            call(calibration_hessian=bad)
    # The Hessian's energy is the rows', and neither is ‖W‖².
    assert output_energy(w, calibration_hessian=good) == output_energy(w, x)
    assert output_energy(w) == pytest.approx(
        float(np.sum(w.astype(np.float64) ** 2)), rel=1e-12)
    # With at most K/2 rows the budget measures rel_error on the rows, as
    # quantize(calibration=x) does (its candidates come from one XᵀX/T).
    few = x[:32]
    candidates, results = measure_candidates(w, few, configs=[(2, 32), (3, 64)])
    for (planes, group), c in zip([(2, 32), (3, 64)], candidates):
        q = bitsink.quantize(w, planes=planes, group_size=group,
                             calibration=few)
        assert results[(planes, group)].rel_error == q.rel_error
        assert results[(planes, group)].planes.tobytes() == q.planes.tobytes()


def test_accumulator_rejects_bad_rows():
    acc = bitsink.HessianAccumulator(16)
    acc.add(np.ones((3, 16), np.float32))
    before = acc.hessian
    bad = np.ones((4, 16), np.float32)
    bad[2, 9] = np.nan
    with pytest.raises(ValueError, match="non-finite value at row 2, column 9"):
        acc.add(bad)
    # Nothing of the bad batch was added.
    assert acc.rows == 3 and acc.hessian.tobytes() == before.tobytes()
    with pytest.raises(ValueError, match="K = 16 columns"):
        acc.add(np.ones((4, 15), np.float32))
    with pytest.raises(bitsink.MLIRError, match="K > 0"):
        bitsink.HessianAccumulator(0)
