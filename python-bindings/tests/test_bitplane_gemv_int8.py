"""The bit-plane GEMV's int8 table kernel (gemv-lut-int8) through the Python API.

`bitsink-cpu-pipeline{gemv-lut-int8=true}` JIT-compiled for x86-64-v3 (AVX2,
no AVX-512; so it runs on any AVX2 host: vpshufb on ymm) and, where the host
has AVX-512BW, for x86-64-v4 (vpshufb on zmm) sums the input over the set
bits of each plane through byte tables of 4-row partial sums
(docs/bitplane-lowering.md). Its contract: each table of 16 partial sums
(f32, summed in row order) is rounded to round(e / s) with s = max |e| / 1023
over the block of int8 block words (gcd(group_size / 32, 4) words; 4 per
channel) and input row, halves away from zero; the rest is exact integer
arithmetic and f32.

Checked here, on odd shapes (K not a multiple of 32 or of the group, N not
a multiple of 32, M = 1..4, every plane kind, per-channel groups, planes of
random words so that bits of rows >= K are set):
- against a numpy emulation of that contract (the same rounded entries), to
  f32 accuracy;
- against the exact float64 result of docs/semantics.md, within the bound
  the rounding allows (half a step per lookup), and within about 1e-3
  relative error, as documented;
- the option's refusal on a target without AVX2.
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

from test_bitplane_gemv_avx2 import (  # noqa: E402
    gemv_ir, host_flags, host_has_avx2, random_gemv, reference)

pytestmark = pytest.mark.skipif(not host_has_avx2(),
                                reason="x86-64-v3 code needs an AVX2 host")


def host_has_avx512bw():
    return {"avx512f", "avx512bw", "avx512vl"} <= host_flags()


# The kernel for an AVX2 CPU (ymm, 32 columns per lookup) on any AVX2 host,
# and the AVX-512BW one (zmm, 64 columns) where the host runs it.
CPUS = [
    "x86-64-v3",
    pytest.param("x86-64-v4", marks=pytest.mark.skipif(
        not host_has_avx512bw(), reason="x86-64-v4 code needs AVX-512BW")),
]

PIPELINE = "bitsink-cpu-pipeline{gemv-lut-int8=true}"


def round_half_away(v):
    """f32 rounding to the nearest integer, halves away from zero."""
    t = np.trunc(v)
    return t + np.sign(v) * (np.abs(v - t) >= np.float32(0.5))


def block_words(group_size, k):
    if group_size % 32:
        return 4  # per channel (group_size >= K): the only group
    return int(np.gcd(group_size // 32, 4))


def int8_tables(x, k, group_size, limit=1023):
    """Rounded tables q[m, chunk, 16] and scales s[m, block] of the contract
    (entries rounded to at most `limit` in magnitude)."""
    m = x.shape[0]
    kw = (k + 31) // 32
    xs = np.zeros((m, kw * 32), np.float32)
    xs[:, :k] = x
    chunks = xs.reshape(m, kw * 8, 4)
    entries = np.arange(16)
    tables = np.zeros((m, kw * 8, 16), np.float32)
    for i in range(4):  # f32 sums in row order, as the kernel's FMAs
        bit = ((entries >> i) & 1).astype(np.float32)
        tables = (tables + chunks[:, :, i:i + 1] * bit).astype(np.float32)
    bw = block_words(group_size, k)
    blocks = (kw + bw - 1) // bw
    q = np.zeros_like(tables)
    scales = np.zeros((m, blocks), np.float32)
    for blk in range(blocks):
        sl = slice(blk * bw * 8, min((blk + 1) * bw * 8, kw * 8))
        top = np.abs(tables[:, sl]).max(axis=(1, 2)).astype(np.float32)
        scales[:, blk] = top / np.float32(limit)
        inverse = np.where(top > 0, np.float32(limit) / np.where(top > 0, top, 1),
                           0).astype(np.float32)
        q[:, sl] = round_half_away((tables[:, sl] * inverse[:, None, None])
                                   .astype(np.float32))
    return q, scales, bw


def emulate(x, planes, coeffs, acc, kind, group_size, limit=1023):
    """y of the int8 contract, and the bound on |y - exact| (binary and
    signed planes; emulate_any maps ternary onto binary streams)."""
    m, k = x.shape
    n = planes.shape[2]
    q, scales, bw = int8_tables(x, k, group_size, limit)
    words = planes.view(np.uint32).astype(np.int64)
    kw = words.shape[1]
    # Nibble c of each word: the index of chunk 8w + c.
    nib = np.stack([(words >> (4 * c)) & 15 for c in range(8)], axis=2)
    nib = nib.reshape(planes.shape[0], kw * 8, n)  # P x chunks x N
    chunk_block = np.arange(kw * 8) // (bw * 8)
    rows = np.arange(k)
    g_of_row = rows // group_size
    groups = coeffs.shape[0]
    c64 = coeffs.astype(np.float64)
    y = acc.astype(np.float64).copy()
    bound = np.zeros_like(y)
    chunk_group = (np.arange(kw * 8) * 4) // group_size
    for r in range(m):
        # Set-bit sums per plane and group: s_blk * q[chunk, nibble].
        picked = q[r][np.arange(kw * 8)[None, :, None], nib]  # P x chunks x N
        picked = picked * scales[r, chunk_block][None, :, None]
        step = scales[r, chunk_block] / 2  # per chunk: the rounding bound
        s_group = np.array([x[r, g_of_row == g].astype(np.float64).sum()
                            for g in range(groups)])
        for g in range(groups):
            in_g = chunk_group == g
            u = picked[:, in_g, :].sum(axis=1)  # P x N
            e = step[in_g].sum()
            s = s_group[g]
            if kind == "binary":
                terms, slack = u, np.full(u.shape[0], e)
            elif kind == "signed":
                terms, slack = 2 * u - s, np.full(u.shape[0], 2 * e)
            else:
                raise ValueError("ternary: see emulate_any")
            y[r] += c64[g, 0] * s + (c64[g, 1:] * terms).sum(axis=0)
            bound[r] += (np.abs(c64[g, 1:]) * slack[:, None]).sum(axis=0)
    return y, bound


def streams_of(planes, kind):
    """The bit streams the kernel sums over: the planes, or for ternary
    pairs (m, m & s)."""
    if kind != "ternary":
        return planes
    w = planes.view(np.uint32)
    out = []
    for l in range(planes.shape[0] // 2):
        out.append(w[2 * l])
        out.append(w[2 * l] & w[2 * l + 1])
    return np.stack(out).view(np.int32)


def emulate_any(x, planes, coeffs, acc, kind, group_size, limit=1023):
    if kind != "ternary":
        return emulate(x, planes, coeffs, acc, kind, group_size, limit)
    # t = m(2s − 1) = 2·(m&s) − m: the binary emulation of the streams
    # (m, m&s) with coefficients (−c, 2c) per pair.
    streams = streams_of(planes, kind)
    terms = planes.shape[0] // 2
    c2 = np.zeros((coeffs.shape[0], 2 * terms + 1, coeffs.shape[2]),
                  np.float64)
    c2[:, 0] = coeffs[:, 0]
    c2[:, 1::2] = -coeffs[:, 1:].astype(np.float64)
    c2[:, 2::2] = 2 * coeffs[:, 1:].astype(np.float64)
    return emulate(x, streams, c2, acc, "binary", group_size, limit)


CASES = [
    # kind, planes, M, K, N, group_size
    ("binary", 1, 1, 257, 129, 32),
    ("binary", 2, 2, 95, 33, 128),
    ("binary", 3, 3, 100, 37, 100),
    ("binary", 4, 4, 161, 23, 64),
    ("binary", 2, 1, 1000, 200, 128),
    ("binary", 3, 1, 4097, 45, 96),
    ("signed", 1, 4, 62, 17, 62),
    ("signed", 2, 1, 4097, 45, 128),
    ("signed", 3, 2, 190, 45, 32),
    ("ternary", 2, 1, 257, 129, 128),
    ("ternary", 2, 3, 33, 31, 4096),
    ("ternary", 4, 2, 161, 71, 64),
    ("binary", 2, 1, 640, 300, 128),  # several 64-column steps, a partial one
]


@pytest.mark.parametrize("cpu", CPUS)
@pytest.mark.parametrize("kind,planes,m,k,n,group_size", CASES)
def test_int8_kernel_matches_its_contract(kind, planes, m, k, n, group_size,
                                          cpu):
    x, words, coeffs, acc, ir, terms = random_gemv(
        kind, planes, m, k, n, group_size, planes * 1000 + m * 100 + n + k)
    y = bitsink.compile(ir, PIPELINE, cpu=cpu)(x, words, coeffs, acc)
    # The documented size: about 1e-3 relative.
    check_contract(y, x, words, coeffs, acc, kind, group_size, terms, 1023,
                   3e-3)


def check_contract(y, x, words, coeffs, acc, kind, group_size, terms, limit,
                   max_rel):
    """y of an integer-table kernel whose entries are rounded to at most
    `limit`: the emulation to f32 accuracy, the rounding bound against the
    exact result, and a relative error below `max_rel`."""
    k = x.shape[1]
    emulated, bound = emulate_any(x, words, coeffs, acc, kind, group_size,
                                  limit)
    exact = reference(x, words, coeffs, acc, kind, group_size)
    # Same rounded entries: f32 accuracy (sums of about K/4 scaled integers).
    scale = np.sqrt(k) * np.abs(coeffs).max() * (terms + 1)
    np.testing.assert_allclose(y, emulated, rtol=1e-4, atol=2e-6 * scale)
    # The rounding bound holds against the exact result.
    assert np.all(np.abs(y - exact) <= bound + 2e-6 * scale + 1e-4 * np.abs(exact))
    rel = np.linalg.norm(y - exact) / np.linalg.norm(exact - acc)
    assert rel < max_rel, rel


@pytest.mark.parametrize("cpu", CPUS)
def test_int8_kernel_non_finite_input(cpu):
    """A NaN or an infinity in x makes the outputs non-finite, as with the f32
    kernels (the group sums carry it), and never a finite wrong number."""
    x, words, coeffs, acc, ir, _ = random_gemv("binary", 2, 2, 300, 70, 128, 7)
    x[0, 5] = np.nan
    x[1, 200] = np.inf
    y = bitsink.compile(ir, PIPELINE, cpu=cpu)(x, words, coeffs, acc)
    f32 = bitsink.compile(ir, cpu=cpu)(x, words, coeffs, acc)
    assert not np.isfinite(y).any()
    np.testing.assert_array_equal(np.isnan(y), np.isnan(f32))


def test_int8_kernel_refused_without_avx2():
    ir = gemv_ir(1, 64, 32, 2, 1, 2, "binary", 64)
    with pytest.raises(bitsink.MLIRError,
                       match="gemv-lut-int8 needs a target with avx2 or "
                       "avx512bw"):
        bitsink.compile(ir, PIPELINE, cpu="x86-64")
