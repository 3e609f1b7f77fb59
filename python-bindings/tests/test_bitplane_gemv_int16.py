"""The bit-plane GEMV's int16 table kernel (gemv-lut-int16) through the Python API.

`bitsink-cpu-pipeline{gemv-lut-int16=true}` JIT-compiled for x86-64-v4
(AVX-512BW) looks the set bits of each plane word up with `vpermw` in
tables of 4-row partial sums rounded to 16-bit integers
(docs/bitplane-lowering.md). Its contract is the int8 kernel's with a finer
rounding: each table of 16 partial sums (f32, summed in row order) is
rounded to round(e / s) with s = max |e| / L over the block of
gcd(group_size / 32, 4) words (4 per channel) and input row, halves away
from zero, where L = 32767 // (4 · block words) (2047, 4095 or 8191); the
rest is exact integer arithmetic and f32.

Checked here on the int8 test's odd shapes (K not a multiple of 32 or of the
group, N not a multiple of 16, M = 1..4, every plane kind, per-channel
groups, random words with bits of rows >= K set):
- against a numpy emulation of that contract, to f32 accuracy;
- against the exact float64 result of docs/semantics.md, within the bound
  the rounding allows (half a step per lookup) and below 1e-3 relative
  error (up to about 6e-4 measured, as documented);
- sums at the largest entry in every lookup (no 16-bit overflow);
- a NaN or infinity in x gives non-finite outputs like the f32 kernel;
- the option's refusal on a target without AVX-512BW, and code lowered for
  AVX-512BW refused when compiled for a CPU without it.
"""

import numpy as np
import pytest

import bitsink

from test_bitplane_gemv_avx2 import gemv_ir, random_gemv
from test_bitplane_gemv_int8 import (CASES, block_words, check_contract,
                                     host_has_avx512bw)

pytestmark = pytest.mark.skipif(not host_has_avx512bw(),
                                reason="x86-64-v4 code needs AVX-512BW")

PIPELINE = "bitsink-cpu-pipeline{gemv-lut-int16=true}"


def entry_limit(group_size, k):
    return 32767 // (4 * block_words(group_size, k))


@pytest.mark.parametrize("kind,planes,m,k,n,group_size", CASES)
def test_int16_kernel_matches_its_contract(kind, planes, m, k, n, group_size):
    x, words, coeffs, acc, ir, terms = random_gemv(
        kind, planes, m, k, n, group_size, planes * 1000 + m * 100 + n + k)
    y = bitsink.compile(ir, PIPELINE, cpu="x86-64-v4")(x, words, coeffs, acc)
    # The documented size: up to about 6e-4 relative.
    check_contract(y, x, words, coeffs, acc, kind, group_size, terms,
                   entry_limit(group_size, k), 1e-3)


@pytest.mark.parametrize("group_size", [32, 64, 128, 4096])
def test_int16_kernel_largest_sums_do_not_overflow(group_size):
    """Every lookup of a block at the largest entry: all bits set and a
    constant input, so each 16-bit lane sums 4 · block words entries of
    exactly the limit (32752, 32764 or 32764)."""
    m, k, n = 1, 512, 48
    ir = gemv_ir(m, k, n, 1, (k + group_size - 1) // group_size, 1, "binary",
                 group_size)
    x = np.full((m, k), 3.0, np.float32)
    words = np.full((1, k // 32, n), -1, np.int32)
    groups = (k + group_size - 1) // group_size
    coeffs = np.zeros((groups, 2, n), np.float32)
    coeffs[:, 1] = 1.0
    acc = np.zeros((m, n), np.float32)
    y = bitsink.compile(ir, PIPELINE, cpu="x86-64-v4")(x, words, coeffs, acc)
    np.testing.assert_allclose(y, np.full((m, n), 3.0 * k), rtol=1e-6)
    # And with alternating signs of the input per chunk.
    x = np.where((np.arange(k) // 4) % 2, -2.5, 2.5).astype(np.float32)[None]
    y = bitsink.compile(ir, PIPELINE, cpu="x86-64-v4")(x, words, coeffs, acc)
    np.testing.assert_allclose(y, np.zeros((m, n)), atol=1e-3)


def test_int16_kernel_non_finite_input():
    x, words, coeffs, acc, ir, _ = random_gemv("binary", 2, 2, 300, 70, 128, 7)
    x[0, 5] = np.nan
    x[1, 200] = np.inf
    y = bitsink.compile(ir, PIPELINE, cpu="x86-64-v4")(x, words, coeffs, acc)
    f32 = bitsink.compile(ir, cpu="x86-64-v4")(x, words, coeffs, acc)
    assert not np.isfinite(y).any()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(f32))


def test_int16_kernel_refused_without_avx512bw():
    ir = gemv_ir(1, 64, 32, 2, 1, 2, "binary", 64)
    with pytest.raises(bitsink.MLIRError,
                       match="gemv-lut-int16 needs a target with avx512bw"):
        bitsink.compile(ir, PIPELINE, cpu="x86-64-v3")


@pytest.mark.parametrize("cpu", ["knl", "x86-64-v3"])
def test_int16_code_refused_for_a_cpu_without_avx512bw(cpu):
    """Lowered for an AVX-512BW CPU but compiled for one without it (knl has
    AVX-512F only): the JIT names vpermw's intrinsic and the missing
    instruction set instead of letting LLVM's code generator abort."""
    ir = gemv_ir(1, 64, 32, 2, 1, 2, "binary", 64)
    pipeline = ("bitsink-cpu-pipeline{gemv-lut-int16=true "
                "target-cpu=skylake-avx512}")
    with pytest.raises(bitsink.MLIRError,
                       match=rf"permvar\.hi\.512, which CPU '{cpu}' "
                       rf"\({cpu}\) lacks \(AVX-512BW\)"):
        bitsink.compile(ir, pipeline, cpu=cpu)
