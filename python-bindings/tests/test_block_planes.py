"""Blocked bit-planes (#bitsink.layout, docs/semantics.md §2.3).

`bitsink.block_planes` is checked against the layout's definition, element
by element. Every CPU kernel that reads planes (the GEMV's bit tests, f32,
int8 and int16 tables, and the GEMM) must give bit-identical results on
blocked and canonical planes of the same weight: the layout changes where
the words are and which task reads which column vectors, not the order of
any sum. Results are also checked against a numpy reference. The shapes are
odd (K not a multiple of 32 or of k_tile words, N not a multiple of 16), and
the planes random words, so padding columns of the canonical operand and
bits of rows k >= K are set; the blocked copy pads with zeros. The
bitsink-block-planes pass (constant planes) is checked end to end against
the reference interpreter in the lit suite
(test/Integration/CPU/bitplane-gemv-blocked.mlir).
"""

import itertools

import numpy as np
import pytest

from test_bitplane_gemv_avx2 import (  # noqa: E402  (sets sys.path)
    bitsink, host_flags, random_gemv, reference)


def blocked_ir(ir, planes, kw, n, n_tile, k_tile):
    """The canonical-planes GEMV IR of random_gemv with blocked planes."""
    canonical = f"tensor<{planes}x{kw}x{n}xi32>"
    blocked = (f"tensor<{-(-n // n_tile)}x{-(-kw // k_tile)}x{planes}x"
               f"{k_tile}x{n_tile}xi32>")
    assert ir.count(canonical) == 2
    ir = ir.replace(canonical, blocked)
    return ir.replace(
        "} -> tensor", f", layout = #bitsink.layout<n_tile = {n_tile}, "
        f"k_tile = {k_tile}>}} -> tensor")


def test_block_planes_matches_layout_definition():
    rng = np.random.default_rng(0)
    words = rng.integers(-2**31, 2**31, size=(3, 7, 37), dtype=np.int64)
    words = words.astype(np.int32)
    for n_tile, k_tile in [(16, 4), (32, 3), (5, 1), (64, 8)]:
        out = bitsink.block_planes(words, n_tile, k_tile)
        nb, kb = -(-37 // n_tile), -(-7 // k_tile)
        assert out.shape == (nb, kb, 3, k_tile, n_tile)
        assert out.dtype == np.int32 and out.flags.c_contiguous
        for b_n, b_k, p, w, nn in itertools.product(
                range(nb), range(kb), range(3), range(k_tile), range(n_tile)):
            word, col = b_k * k_tile + w, b_n * n_tile + nn
            want = words[p, word, col] if word < 7 and col < 37 else 0
            assert out[b_n, b_k, p, w, nn] == want


@pytest.mark.parametrize("bad,message", [
    (np.zeros((2, 3), np.int32), "canonical P x KW x N int32"),
    (np.zeros((1, 2, 3), np.float32), "canonical P x KW x N int32"),
])
def test_block_planes_rejects_non_planes(bad, message):
    with pytest.raises(ValueError, match=message):
        bitsink.block_planes(bad)
    with pytest.raises(ValueError, match="at least 1"):
        bitsink.block_planes(np.zeros((1, 2, 3), np.int32), 0, 4)


def kernels():
    """(name, pipeline) of each CPU kernel this host runs."""
    flags = host_flags()
    out = [("bit tests", "bitsink-cpu-pipeline{gemv-lut=false}")]
    if "avx2" in flags or "avx512f" in flags:
        out.append(("f32 tables", "bitsink-cpu-pipeline{gemv-lut=true}"))
    if "avx2" in flags:
        out.append(("int8 tables", "bitsink-cpu-pipeline{gemv-lut-int8=true}"))
    if "avx512bw" in flags:
        out.append(("int16 tables",
                    "bitsink-cpu-pipeline{gemv-lut-int16=true}"))
    return out


CASES = [
    # kind, planes, M, K, N, group_size, n_tile, k_tile
    ("binary", 2, 1, 257, 129, 128, 16, 4),
    ("binary", 3, 3, 100, 37, 32, 32, 3),
    ("signed", 1, 1, 4097, 45, 128, 16, 4),
    ("signed", 4, 2, 161, 1040, 64, 16, 2),
    ("ternary", 2, 1, 257, 160, 128, 48, 1),
    ("ternary", 4, 4, 100, 23, 100, 16, 5),
    # The GEMM (M above gemv-max-rows = 8) reads blocked planes too.
    ("binary", 2, 12, 257, 70, 128, 16, 4),
]


@pytest.mark.parametrize("kernel,pipeline", kernels())
@pytest.mark.parametrize("kind,planes,m,k,n,group_size,n_tile,k_tile", CASES)
def test_blocked_planes_give_the_canonical_result(kernel, pipeline, kind,
                                                  planes, m, k, n, group_size,
                                                  n_tile, k_tile):
    x, words, coeffs, acc, ir, terms = random_gemv(
        kind, planes, m, k, n, group_size, planes * 1000 + m * 100 + n)
    kw = (k + 31) // 32
    canonical = bitsink.compile(ir, pipeline=pipeline)(x, words, coeffs, acc)
    blocked_words = bitsink.block_planes(words, n_tile, k_tile)
    blocked = bitsink.compile(
        blocked_ir(ir, planes, kw, n, n_tile, k_tile),
        pipeline=pipeline)(x, blocked_words, coeffs, acc)
    np.testing.assert_array_equal(blocked, canonical, err_msg=kernel)
    # And both are right (the table kernels round their sums: int8 to
    # about 1e-2, int16 to about 1e-3 of the outputs' scale).
    ref = reference(x, words, coeffs, acc, kind, group_size)
    scale = np.sqrt(k) * (np.abs(coeffs).max() * (terms + 1))
    tol = {"int8 tables": 2e-2, "int16 tables": 2e-3}.get(kernel, 2e-6)
    if m > 8:
        tol = 2e-6
    np.testing.assert_allclose(blocked, ref, rtol=1e-4, atol=tol * scale)


def test_blocked_planes_need_whole_column_vectors():
    x, words, coeffs, acc, ir, _ = random_gemv("binary", 1, 1, 64, 16, 64, 1)
    with pytest.raises(bitsink.MLIRError,
                       match="n_tile that is a multiple of 16"):
        bitsink.compile(blocked_ir(ir, 1, 2, 16, 8, 1))
