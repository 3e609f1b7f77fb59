"""bitsink.compile(cpu=...): code for a named CPU model instead of the host.

x86-64-v3 (AVX2, no AVX-512, no native bfloat conversion) runs on any AVX2
host, so an AVX-512 machine also runs what an AVX2-only one gets: bf16
stores call __truncsfbf2 (compiler-rt's, handed to the JIT), and the
bit-plane GEMV takes its AVX2 table kernel instead of the AVX-512 one.
Results are compared with bitsink.reference.
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
import bitsink.reference  # noqa: E402

from test_bitplane_gemv_avx2 import host_has_avx2  # noqa: E402


needs_avx2 = pytest.mark.skipif(not host_has_avx2(),
                                reason="x86-64-v3 code needs an AVX2 host")

ATTENTION_BF16 = """\
func.func @main(%q: tensor<1x4x20x32xbf16>, %k: tensor<1x2x20x32xbf16>, %v: tensor<1x2x20x16xbf16>) -> tensor<1x4x20x16xbf16> {
  %init = tensor.empty() : tensor<1x4x20x16xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x20x32xbf16>, tensor<1x2x20x32xbf16>, tensor<1x2x20x16xbf16>) outs(%init : tensor<1x4x20x16xbf16>) {causal = true, num_sinks = 2 : i64, window = 6 : i64} -> tensor<1x4x20x16xbf16>
  return %o : tensor<1x4x20x16xbf16>
}
"""

GEMV = """\
func.func @main(%x: tensor<1x257xf32>, %p: tensor<2x9x129xi32>, %c: tensor<3x3x129xf32>, %acc: tensor<1x129xf32>) -> tensor<1x129xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<1x257xf32>, tensor<2x9x129xi32>, tensor<3x3x129xf32>) outs(%acc : tensor<1x129xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 128} -> tensor<1x129xf32>
  return %y : tensor<1x129xf32>
}
"""


def bf16_round(x):
    """float32 values rounded to bfloat16 (nearest even), as float32."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32)


@needs_avx2
@pytest.mark.parametrize("cpu", ["x86-64-v3", "generic"])
def test_bf16_attention_for_a_cpu_model(cpu):
    rng = np.random.default_rng(5)
    q = bf16_round(rng.standard_normal((1, 4, 20, 32), dtype=np.float32))
    k = bf16_round(rng.standard_normal((1, 2, 20, 32), dtype=np.float32))
    v = bf16_round(rng.standard_normal((1, 2, 20, 16), dtype=np.float32))
    out = bitsink.compile(ATTENTION_BF16, cpu=cpu)(q, k, v)
    ref = bitsink.reference.sink_attention(q, k, v, num_sinks=2, window=6,
                                           causal=True)
    # One bf16 rounding of the output (2^-8 relative) plus f32 noise.
    np.testing.assert_allclose(out, ref, rtol=1e-2, atol=1e-2)


@needs_avx2
def test_bitplane_gemv_for_x86_64_v3():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((1, 257), dtype=np.float32)
    planes = rng.integers(0, 2**32, size=(2, 9, 129), dtype=np.uint64)
    planes = planes.astype(np.uint32).view(np.int32)
    coeffs = rng.standard_normal((3, 3, 129), dtype=np.float32)
    acc = rng.standard_normal((1, 129), dtype=np.float32)
    host = bitsink.compile(GEMV)(x, planes, coeffs, acc)
    v3 = bitsink.compile(GEMV, cpu="x86-64-v3")(x, planes, coeffs, acc)
    np.testing.assert_allclose(v3, host, rtol=1e-4, atol=1e-4)


def test_unknown_cpu_and_cpu_for_cuda_are_errors():
    with pytest.raises(bitsink.MLIRError, match="unknown CPU 'pentium9'"):
        bitsink.compile(GEMV, cpu="pentium9")
    with pytest.raises(ValueError, match="target 'cpu' only"):
        bitsink.compile(GEMV, target="cuda", cpu="x86-64-v3")
