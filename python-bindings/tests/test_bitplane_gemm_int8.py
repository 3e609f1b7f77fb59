"""The bit-plane GEMM on int8 inputs (gemm-int8) through the Python API.

`bitsink-cpu-pipeline{gemm-int8=true}` JIT-compiled for a CPU with
AVX512-VNNI (vpdpbusd on zmm; the weight's bytes by the select chain, or
with AVX512-VBMI by table lookups) and, where the host has AVX-VNNI, for one
with AVX-VNNI and no AVX-512 (alderlake: vpdpbusd on ymm) rounds the input and
the dequantized weight to int8 and multiplies bytes (docs/bitplane-lowering.md,
"The int8 GEMM"). Its contract, per slab of 128 rows of K:
- input row m: s_x = max |x| / 127 (f32), q = clamp(round_even(x · (127 /
  max |x|)), ±127);
- weight column n: s_w = peak / 127 with peak the largest |Ŵ| any code of
  the slab's groups can give (binary: |c0 + Σ max(c, 0)| or |c0 + Σ min(c,
  0)|; signed and ternary |c0| + Σ |c|, both as f32 sums in coefficient
  order), the coefficients times 127 / peak, the weight built from them as
  the f32 GEMM builds it (F = Σ c, then the corrections of the clear bits in
  stream order), rounded to even and clamped to ±127;
- y += f32(Σ q·q_w) · s_w, then fma with s_x, slab after slab.

Checked here, on odd shapes (M past a register tile of 6 rows, K not a
multiple of 4, 32 or 128, N not a multiple of 16 or 64, every plane kind,
groups of 32 to 256 and one per channel, plane words with bits of rows >= K
set):
- against a numpy emulation of that contract, to f32 accuracy;
- against the exact float64 result of docs/semantics.md, within the bound
  the two roundings allow, and below 2e-2 relative error;
- a NaN input makes its row's outputs NaN and leaves the other rows alone;
- f16 inputs and accumulator;
- the option's refusal on a target without VNNI, and the JIT's refusal of
  VNNI code compiled for a CPU without it.
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
    host_flags, random_gemv, reference)

PIPELINE = "bitsink-cpu-pipeline{gemm-int8=true}"
SLAB = 128


_FLAGS = host_flags()
HOST_AVX512VNNI = {"avx512f", "avx512bw", "avx512vl", "avx512_vnni"} <= _FLAGS
HOST_AVXVNNI = {"avx2", "fma", "avx_vnni"} <= _FLAGS

HOST_AVX512VBMI = HOST_AVX512VNNI and "avx512vbmi" in _FLAGS

# cascadelake: AVX-512 with VNNI (zmm), the weight's bytes by the select
# chain; icelake-server: with VBMI too, the bytes by table lookups
# (vpermd, vpermi2b); alderlake: AVX-VNNI without AVX-512 (ymm).
CPUS = [
    pytest.param("cascadelake", marks=pytest.mark.skipif(
        not HOST_AVX512VNNI, reason="needs a host with AVX512-VNNI")),
    pytest.param("icelake-server", marks=pytest.mark.skipif(
        not HOST_AVX512VBMI, reason="needs a host with AVX512-VNNI and VBMI")),
    pytest.param("alderlake", marks=pytest.mark.skipif(
        not HOST_AVXVNNI, reason="needs a host with AVX-VNNI")),
]

CASES = [
    # kind, planes, m, k, n, group_size
    ("binary", 3, 9, 300, 40, 128),
    ("binary", 2, 16, 256, 64, 64),
    ("binary", 1, 13, 33, 17, 32),
    ("binary", 4, 37, 1000, 150, 256),
    ("signed", 2, 12, 500, 97, 128),
    ("signed", 3, 9, 129, 80, 32),
    ("ternary", 2, 20, 384, 130, 128),
    ("ternary", 4, 9, 260, 33, 64),
    ("binary", 3, 11, 200, 70, 200),  # one group per channel
]


def stream_bits(words, kind):
    """The bits the kernel selects on, S x K' x N (K' = 32 · words):
    plane l (binary, signed); m and m & s per ternary pair."""
    w = words.view(np.uint32).astype(np.uint64)
    shifts = np.arange(32, dtype=np.uint64)[None, None, :, None]
    bits = ((w[:, :, None, :] >> shifts) & np.uint64(1)).astype(bool)
    bits = bits.reshape(w.shape[0], -1, w.shape[2])
    if kind != "ternary":
        return bits
    out = []
    for pair in range(bits.shape[0] // 2):
        m, s = bits[2 * pair], bits[2 * pair + 1]
        out += [m, m & s]
    return np.stack(out)


def emulate(x, words, coeffs, acc, kind, group_size):
    """y of the gemm-int8 contract (module docstring), and the bound on
    |y - exact| that its roundings allow."""
    f32 = np.float32
    m, k = x.shape
    n = words.shape[2]
    x = x.astype(f32)
    c = coeffs.astype(f32)
    terms = c.shape[1] - 1
    bits = stream_bits(words, kind)
    exact_w = reference(np.eye(k, dtype=np.float32), words, coeffs,
                        np.zeros((k, n)), kind, group_size)
    y = acc.astype(np.float64).astype(f32)
    bound = np.zeros((m, n))
    for s0 in range(0, k, SLAB):
        rows = min(SLAB, k - s0)
        xs = x[:, s0:s0 + rows]
        top = np.abs(xs).max(axis=1).astype(f32)
        with np.errstate(divide="ignore"):
            inv = np.where(top > 0, f32(127) / top, f32(0)).astype(f32)
        q = np.clip(np.rint((xs * inv[:, None]).astype(f32)), -127, 127)
        sx = (top / f32(127)).astype(f32)
        # Column scales from the coefficients of the slab's groups.
        peak = np.zeros(n, f32)
        for g in range(s0 // group_size, (s0 + rows - 1) // group_size + 1):
            high, low = c[g, 0].copy(), c[g, 0].copy()
            for l in range(1, terms + 1):
                if kind == "binary":
                    high = (high + np.maximum(c[g, l], 0)).astype(f32)
                    low = (low + np.minimum(c[g, l], 0)).astype(f32)
                else:
                    high = (high + np.abs(c[g, l])).astype(f32)
                    low = (low - np.abs(c[g, l])).astype(f32)
            peak = np.maximum(peak, np.maximum(np.abs(high), np.abs(low)))
        sw = (peak / f32(127)).astype(f32)
        with np.errstate(divide="ignore"):
            winv = np.where(peak > 0, f32(127) / peak, f32(0)).astype(f32)
        qw = np.zeros((rows, n))
        for r in range(rows):
            kk = s0 + r
            g = (kk // 32 * 32) // group_size
            cs = (c[g] * winv[None, :]).astype(f32)
            full = cs[0].copy()
            for l in range(1, terms + 1):
                full = (full + cs[l]).astype(f32)
            corrections = []
            for l in range(1, terms + 1):
                if kind == "binary":
                    corrections.append(-cs[l])
                elif kind == "signed":
                    corrections.append((f32(-2) * cs[l]).astype(f32))
                else:
                    corrections += [cs[l], (f32(-2) * cs[l]).astype(f32)]
            w = full
            for j, corr in enumerate(corrections):
                w = np.where(~bits[j, kk], (w + corr).astype(f32), w)
            qw[r] = np.clip(np.rint(w), -127, 127)
        sums = (q.astype(np.int64) @ qw.astype(np.int64)).astype(f32)
        t = (sums * sw[None, :]).astype(f32)
        y = (t.astype(np.float64) * sx[:, None] + y).astype(f32)
        # |x·w - x̂·ŵ| <= |x - x̂|·|w| + |x̂|·|w - ŵ|, each rounding at most
        # half a step (plus f32 slack on the weight's few operations).
        wslab = np.abs(exact_w[s0:s0 + rows])
        xabs = np.abs(xs).astype(np.float64)
        bound += (0.5 * sx[:, None] * wslab.sum(0)[None, :]
                  + (xabs + 0.5 * sx[:, None]).sum(1, keepdims=True)
                  * (0.5 * 1.001 * sw[None, :]))
    return y, bound


def check(y, x, words, coeffs, acc, kind, group_size):
    emulated, bound = emulate(x, words, coeffs, acc, kind, group_size)
    exact = reference(x, words, coeffs, acc, kind, group_size)
    scale = np.abs(x).astype(np.float64) @ np.abs(
        reference(np.eye(x.shape[1], dtype=np.float32), words, coeffs,
                  np.zeros((x.shape[1], words.shape[2])), kind, group_size))
    np.testing.assert_allclose(y, emulated, rtol=2e-5,
                               atol=2e-6 * scale.max())
    assert np.all(np.abs(y - exact) <= bound + 1e-5 * scale + 1e-6)
    product = exact - acc
    rel = np.linalg.norm(y - exact) / np.linalg.norm(product)
    assert rel < 2e-2, rel


@pytest.mark.parametrize("cpu", CPUS)
@pytest.mark.parametrize("kind,planes,m,k,n,group_size", CASES)
def test_gemm_int8_matches_contract(cpu, kind, planes, m, k, n, group_size):
    x, words, coeffs, acc, ir, _ = random_gemv(
        kind, planes, m, k, n, group_size, planes * 1000 + m * 10 + n)
    y = bitsink.compile(ir, pipeline=PIPELINE, cpu=cpu)(x, words, coeffs, acc)
    check(y, x, words, coeffs, acc, kind, group_size)


@pytest.mark.parametrize("cpu", CPUS)
def test_gemm_int8_nan_input_stays_in_its_row(cpu):
    x, words, coeffs, acc, ir, _ = random_gemv("binary", 2, 10, 200, 50, 64, 5)
    x[3, 150] = np.nan
    y = bitsink.compile(ir, pipeline=PIPELINE, cpu=cpu)(x, words, coeffs, acc)
    assert np.all(np.isnan(y[3]))
    keep = np.arange(10) != 3
    emulated, _ = emulate(x[keep], words, coeffs, acc[keep], "binary", 64)
    np.testing.assert_allclose(y[keep], emulated, rtol=2e-5, atol=1e-4)


@pytest.mark.parametrize("cpu", CPUS)
def test_gemm_int8_f16(cpu):
    k, n, g = 300, 72, 128
    x, words, coeffs, acc, _, _ = random_gemv("signed", 3, 21, k, n, g, 11)
    kw, groups = (k + 31) // 32, (k + g - 1) // g
    xt, p = f"tensor<21x{k}xf16>", f"tensor<3x{kw}x{n}xi32>"
    c, yt = f"tensor<{groups}x4x{n}xf32>", f"tensor<21x{n}xf16>"
    ir = (f"func.func @main(%x: {xt}, %p: {p}, %c: {c}, %acc: {yt}) -> {yt} {{\n"
          f"  %y = bitsink.bitplane_matmul ins(%x, %p, %c : {xt}, {p}, {c}) "
          f"outs(%acc : {yt}) {{plane_kind = #bitsink.plane_kind<signed>, "
          f"group_size = {g}}} -> {yt}\n  return %y : {yt}\n}}\n")
    x16, acc16 = x.astype(np.float16), acc.astype(np.float16)
    y = bitsink.compile(ir, pipeline=PIPELINE, cpu=cpu)(x16, words, coeffs,
                                                        acc16)
    assert y.dtype == np.float16 and y.shape == (21, n)
    # The f32 sums are rounded to f16 once, at the end.
    emulated, _ = emulate(x16.astype(np.float32), words, coeffs,
                          acc16.astype(np.float32), "signed", g)
    np.testing.assert_allclose(y.astype(np.float32), emulated, rtol=2e-3,
                               atol=2e-3 * np.abs(emulated).max())


def test_gemm_int8_refused_without_vnni():
    _, _, _, _, ir, _ = random_gemv("binary", 2, 16, 64, 16, 32, 1)
    with pytest.raises(Exception, match="gemm-int8 needs a target with "
                       "avx512vnni or avxvnni"):
        bitsink.compile(ir, pipeline=PIPELINE, cpu="x86-64-v3")


@pytest.mark.parametrize("target,isa", [("cascadelake", "AVX512-VNNI"),
                                        ("alderlake", "AVX-VNNI")])
def test_gemm_int8_code_refused_for_a_cpu_without_vnni(target, isa):
    """A pipeline lowered for a VNNI CPU but compiled for one without:
    the JIT names the intrinsic and the missing instruction set instead of
    letting LLVM's code generator abort."""
    _, _, _, _, ir, _ = random_gemv("binary", 2, 16, 64, 16, 32, 1)
    pipeline = ("bitsink-cpu-pipeline{gemm-int8=true target-cpu="
                f"{target}}}")
    with pytest.raises(Exception, match=rf"vpdpbusd\.\d+, which CPU "
                       rf"'x86-64-v3' \(x86-64-v3\) lacks \({isa}\)"):
        bitsink.compile(ir, pipeline=pipeline, cpu="x86-64-v3")
