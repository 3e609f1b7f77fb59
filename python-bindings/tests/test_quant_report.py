"""Tests of bitsink.quantize's report: bits per weight as stored on sizes the
group size does not divide.

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
