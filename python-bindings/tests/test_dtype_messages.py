"""Dtype errors of compiled entries name the types as numpy does
(``float32``, ``int64``, ...), not by their descr codes (``f4``, ``i8``)."""

import os
import pathlib
import re
import sys

import numpy as np
import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(
    0,
    os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages")),
)

import bitsink  # noqa: E402

ENTRY = """\
func.func @main(%x: tensor<2x3xf32>, %h: tensor<4xf16>, %b: tensor<5xbf16>,
                %n: tensor<2xi64>, %i: tensor<3xi32>, %m: tensor<2xi1>)
    -> (tensor<2x3xf32>, tensor<4xf16>, tensor<5xbf16>, tensor<2xi64>,
        tensor<3xi32>, tensor<2xi1>) {
  return %x, %h, %b, %n, %i, %m : tensor<2x3xf32>, tensor<4xf16>,
      tensor<5xbf16>, tensor<2xi64>, tensor<3xi32>, tensor<2xi1>
}
"""


@pytest.fixture(scope="module")
def exe():
    return bitsink.compile(ENTRY)


def good_inputs():
    return [np.zeros((2, 3), np.float32), np.zeros(4, np.float16),
            np.zeros(5, np.float32), np.zeros(2, np.int64),
            np.zeros(3, np.int32), np.zeros(2, np.bool_)]


def test_good_inputs_run(exe):
    outs = exe(*good_inputs())
    assert [o.dtype for o in outs] == [np.float32, np.float16, np.float32,
                                       np.int64, np.int32, np.bool_]


@pytest.mark.parametrize("index, wrong, message", [
    (0, np.float64, "argument 0 (tensor<2x3xf32>): expected dtype float32, got float64"),
    (0, np.float16, "argument 0 (tensor<2x3xf32>): expected dtype float32, got float16"),
    (1, np.float32, "argument 1 (tensor<4xf16>): expected dtype float16, got float32"),
    (2, np.float16, "argument 2 (tensor<5xbf16>): expected dtype float32 "
                    "(bfloat16 tensors take float32 arrays), got float16"),
    (3, np.int32, "argument 3 (tensor<2xi64>): expected dtype int64, got int32"),
    (4, np.int64, "argument 4 (tensor<3xi32>): expected dtype int32, got int64"),
    (4, np.uint32, "argument 4 (tensor<3xi32>): expected dtype int32, got uint32"),
    (5, np.int8, "argument 5 (tensor<2xi1>): expected dtype bool, got int8"),
])
def test_dtype_errors_name_the_types(exe, index, wrong, message):
    inputs = good_inputs()
    inputs[index] = inputs[index].astype(wrong)
    with pytest.raises(bitsink.MLIRError, match=re.escape(message)) as info:
        exe(*inputs)
    # No numpy descr code like "f4" or "<i8" anywhere in the message.
    assert not re.search(r"\b[<|]?[fiub][1248]\b", str(info.value))
