"""The bit-plane GEMV's AVX2 table kernel through the Python API.

bitsink.compile(cpu="x86-64-v3") JIT-compiles for an AVX2 CPU without
AVX-512, so the default pipeline takes the AVX2 table kernel (vpermps on
8-entry tables of 3-row partial sums; docs/bitplane-lowering.md) on any
AVX2 host. Its results are checked against a numpy reference of
docs/semantics.md §2.3 and against the bit-test kernel ("generic" x86-64)
on odd shapes: K not a multiple of 32 or of the group, odd N, M = 1..4,
1-4 planes of each kind. The planes are random 32-bit words, so the bits of
rows k >= K are set too and must not matter.
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


def host_flags():
    """The CPU flags of /proc/cpuinfo (empty where there is none)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            return set(cpuinfo.read().split())
    except OSError:
        return set()


def host_has_avx2():
    return "avx2" in host_flags()


pytestmark = pytest.mark.skipif(not host_has_avx2(),
                                reason="x86-64-v3 code needs an AVX2 host")


def gemv_ir(m, k, n, planes, groups, terms, kind, group_size):
    kw = (k + 31) // 32
    x, p = f"tensor<{m}x{k}xf32>", f"tensor<{planes}x{kw}x{n}xi32>"
    c, y = f"tensor<{groups}x{terms + 1}x{n}xf32>", f"tensor<{m}x{n}xf32>"
    return (
        f"func.func @main(%x: {x}, %p: {p}, %c: {c}, %acc: {y}) -> {y} {{\n"
        f"  %y = bitsink.bitplane_matmul ins(%x, %p, %c : {x}, {p}, {c}) "
        f"outs(%acc : {y}) {{plane_kind = #bitsink.plane_kind<{kind}>, "
        f"group_size = {group_size}}} -> {y}\n"
        f"  return %y : {y}\n}}\n")


def reference(x, planes, coeffs, acc, kind, group_size):
    """y = acc + x · Ŵ with Ŵ[k,n] = c[g,0,n] + Σ_l c[g,l+1,n]·t_l[k,n]."""
    k = x.shape[1]
    words = planes.view(np.uint32).astype(np.uint64)
    rows = np.arange(k)
    shifts = (rows % 32).astype(np.uint64)[None, :, None]
    bits = (words[:, rows // 32, :] >> shifts) & np.uint64(1)
    bits = bits.astype(np.float64)  # P x K x N
    if kind == "binary":
        terms = bits
    elif kind == "signed":
        terms = 2 * bits - 1
    else:
        terms = bits[0::2] * (2 * bits[1::2] - 1)
    g = rows // group_size
    c = coeffs.astype(np.float64)
    w = c[g, 0, :] + np.einsum("lkn,kln->kn", terms, c[g, 1:, :])
    return acc + x.astype(np.float64) @ w


CASES = [
    # kind, planes, M, K, N, group_size
    ("binary", 1, 1, 257, 129, 32),
    ("binary", 2, 2, 95, 33, 128),
    ("binary", 3, 3, 100, 37, 100),
    ("binary", 4, 4, 161, 23, 64),
    ("signed", 1, 4, 62, 17, 62),
    ("signed", 2, 1, 4097, 45, 128),
    ("signed", 3, 2, 190, 45, 32),
    ("signed", 4, 3, 257, 37, 128),
    ("ternary", 2, 1, 257, 129, 128),
    ("ternary", 2, 3, 33, 31, 4096),
    ("ternary", 4, 2, 161, 23, 64),
    ("ternary", 4, 4, 100, 37, 32),
]


def random_gemv(kind, planes, m, k, n, group_size, seed):
    """Standard-normal x, coefficients and acc, random plane words (bits of
    rows >= K set too), and the IR of the GEMV: (x, words, coeffs, acc, ir,
    terms)."""
    rng = np.random.default_rng(seed)
    kw = (k + 31) // 32
    groups = (k + group_size - 1) // group_size
    terms = planes // 2 if kind == "ternary" else planes
    x = rng.standard_normal((m, k), dtype=np.float32)
    words = rng.integers(0, 2**32, size=(planes, kw, n), dtype=np.uint64)
    words = words.astype(np.uint32).view(np.int32)
    coeffs = rng.standard_normal((groups, terms + 1, n), dtype=np.float32)
    acc = rng.standard_normal((m, n), dtype=np.float32)
    ir = gemv_ir(m, k, n, planes, groups, terms, kind, group_size)
    return x, words, coeffs, acc, ir, terms


@pytest.mark.parametrize("kind,planes,m,k,n,group_size", CASES)
def test_avx2_table_kernel_matches_reference(kind, planes, m, k, n, group_size):
    x, words, coeffs, acc, ir, terms = random_gemv(
        kind, planes, m, k, n, group_size, planes * 1000 + m * 100 + n)
    avx2 = bitsink.compile(ir, cpu="x86-64-v3")(x, words, coeffs, acc)
    ref = reference(x, words, coeffs, acc, kind, group_size)
    # f32 sums over K rows of standard-normal products: the error grows
    # like sqrt(K) times the magnitude of the terms.
    scale = np.sqrt(k) * (np.abs(coeffs).max() * (terms + 1))
    np.testing.assert_allclose(avx2, ref, rtol=1e-4, atol=2e-6 * scale)
    # The bit-test kernel (x86-64: no table kernel) agrees as closely.
    bit_test = bitsink.compile(ir, cpu="generic")(x, words, coeffs, acc)
    np.testing.assert_allclose(avx2, bit_test, rtol=1e-4, atol=2e-6 * scale)
