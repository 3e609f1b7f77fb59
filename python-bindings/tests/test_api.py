"""Tests of bitsink.compile, bitsink.quantize and bitsink.reference.

Results are checked against independent numpy computations (attention by
dense softmax, dequantization by unpacking the planes here).
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

ATTENTION = """\
func.func @main(%q: tensor<1x4x9x16xf32>, %k: tensor<1x2x21x16xf32>, %v: tensor<1x2x21x8xf32>) -> tensor<1x4x9x8xf32> {
  %init = tensor.empty() : tensor<1x4x9x8xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x9x16xf32>, tensor<1x2x21x16xf32>, tensor<1x2x21x8xf32>) outs(%init : tensor<1x4x9x8xf32>) {causal = true, num_sinks = 2 : i64, window = 5 : i64} -> tensor<1x4x9x8xf32>
  return %o : tensor<1x4x9x8xf32>
}
"""

TWO_RESULTS = """\
func.func @pair(%a: tensor<3x5xf32>, %b: tensor<3x5xi32>) -> (tensor<3x5xf32>, tensor<3x5xi32>) {
  %init = tensor.empty() : tensor<3x5xf32>
  %s = linalg.add ins(%a, %a : tensor<3x5xf32>, tensor<3x5xf32>) outs(%init : tensor<3x5xf32>) -> tensor<3x5xf32>
  return %s, %b : tensor<3x5xf32>, tensor<3x5xi32>
}
"""


def dense_sink_attention(q, k, v, num_sinks, window):
    """softmax(QKᵀ/√D + mask)·V with the sink + causal window mask, GQA."""
    b, hq, nq, d = q.shape
    hkv, nk = k.shape[1], k.shape[2]
    out = np.zeros((b, hq, nq, v.shape[3]))
    for h in range(hq):
        kh, vh = k[0, h // (hq // hkv)], v[0, h // (hq // hkv)]
        s = q[0, h].astype(np.float64) @ kh.T.astype(np.float64) / np.sqrt(d)
        for i in range(nq):
            p = i + nk - nq  # bottom-right aligned position
            j = np.arange(nk)
            visible = (j <= p) & ((j < num_sinks) | (j > p - window))
            row = np.where(visible, s[i], -np.inf)
            w = np.exp(row - row.max())
            out[0, h, i] = (w / w.sum()) @ vh
    return out


def random_attention_inputs(seed=0):
    rng = np.random.default_rng(seed)
    q = rng.standard_normal((1, 4, 9, 16), dtype=np.float32)
    k = rng.standard_normal((1, 2, 21, 16), dtype=np.float32)
    v = rng.standard_normal((1, 2, 21, 8), dtype=np.float32)
    return q, k, v


def test_compile_runs_attention_against_numpy():
    q, k, v = random_attention_inputs()
    exe = bitsink.compile(ATTENTION)
    assert exe.inputs == [
        (np.dtype("float32"), (1, 4, 9, 16)),
        (np.dtype("float32"), (1, 2, 21, 16)),
        (np.dtype("float32"), (1, 2, 21, 8)),
    ]
    out = exe(q, k, v)
    assert out.shape == (1, 4, 9, 8) and out.dtype == np.float32
    np.testing.assert_allclose(out, dense_sink_attention(q, k, v, 2, 5), atol=2e-5)
    # A second call reuses the compiled code.
    q2, k2, v2 = random_attention_inputs(1)
    np.testing.assert_allclose(
        exe(q2, k2, v2), dense_sink_attention(q2, k2, v2, 2, 5), atol=2e-5
    )


def test_compile_module_with_pipeline_and_several_results():
    ctx = bitsink.Context()
    module = ctx.parse(TWO_RESULTS)
    exe = bitsink.compile(
        module, pipeline="bitsink-cpu-pipeline{openmp=false}", entry="pair"
    )
    a = np.arange(15, dtype=np.float32).reshape(3, 5)
    b = np.arange(15, dtype=np.int32).reshape(3, 5) - 7
    s, b2 = exe(a, b)
    np.testing.assert_array_equal(s, 2 * a)
    np.testing.assert_array_equal(b2, b)
    # The module itself is not lowered by compile().
    assert "linalg.add" in str(module)


def test_compile_reports_bad_inputs():
    exe = bitsink.compile(ATTENTION)
    q, k, v = random_attention_inputs()
    with pytest.raises(bitsink.MLIRError, match="takes 3 arguments, got 2"):
        exe(q, k)
    with pytest.raises(bitsink.MLIRError, match="shape"):
        exe(q[:, :, :4], k, v)
    with pytest.raises(bitsink.MLIRError, match="dtype|float64|<f8"):
        exe(q.astype(np.float64), k, v)


def test_compile_reports_bad_ir_entry_pipeline_and_target():
    with pytest.raises(bitsink.MLIRError, match=r"<string>:1:\d+: error"):
        bitsink.compile("func.func @main(%a: tensor<2xf32>) {")
    with pytest.raises(bitsink.MLIRError, match="nope"):
        bitsink.compile(ATTENTION, entry="nope")
    with pytest.raises(bitsink.MLIRError, match="no-such-pass"):
        bitsink.compile(ATTENTION, pipeline="builtin.module(no-such-pass)")
    with pytest.raises(ValueError, match="unknown target"):
        bitsink.compile(ATTENTION, target="tpu")
    with pytest.raises(TypeError):
        bitsink.compile(42)


def unpack_dequantize(planes, coeffs, k, plane_kind):
    """Ŵ from the canonical layout (docs/semantics.md §2.3), written
    independently."""
    p, kw, n = planes.shape
    g, c, _ = coeffs.shape
    rows = np.arange(k)
    bits = (planes[:, rows // 32, :] >> (rows % 32)[None, :, None].astype(np.uint32)) & 1
    group = rows // (-(-k // g)) if g > 1 else np.zeros(k, dtype=int)
    w = coeffs[group, 0, :].astype(np.float64)
    if plane_kind == "binary":
        terms = bits.astype(np.float64)
    elif plane_kind == "ternary":
        terms = (bits[0::2] * (2.0 * bits[1::2] - 1.0)).astype(np.float64)
    else:
        terms = 2.0 * bits - 1.0
    for l in range(terms.shape[0]):
        w += coeffs[group, l + 1, :] * terms[l]
    return w


@pytest.mark.parametrize("method,planes", [("rtn", 3), ("bpdq", 2), ("trit", 2)])
def test_quantize_packs_what_it_reports(method, planes):
    rng = np.random.default_rng(3)
    k, n = 96, 40
    w = rng.standard_normal((k, n), dtype=np.float32)
    x = rng.standard_normal((200, k), dtype=np.float32)
    q = bitsink.quantize(w, method=method, planes=planes, group_size=32, calibration=x)
    assert q.planes.dtype == np.uint32 and q.planes.shape == (planes, 3, n)
    assert q.coefficients.dtype == np.float32 and q.coefficients.shape[0] == 3
    assert q.plane_kind == ("ternary" if method == "trit" else "binary")
    w_hat = unpack_dequantize(q.planes, q.coefficients, k, q.plane_kind)
    np.testing.assert_allclose(q.dequantize(), w_hat, rtol=1e-6, atol=1e-6)
    rel = np.linalg.norm(x @ (w - w_hat)) / np.linalg.norm(x @ w)
    assert q.rel_error == pytest.approx(rel, rel=1e-4)
    assert 0 < q.rel_error < 0.6
    assert q.weight_rel_error == pytest.approx(
        np.linalg.norm(w - w_hat) / np.linalg.norm(w), rel=1e-4
    )


def test_quantize_more_planes_is_more_accurate():
    rng = np.random.default_rng(4)
    w = rng.standard_normal((128, 64), dtype=np.float32)
    errors = [bitsink.quantize(w, planes=p).rel_error for p in (1, 2, 3, 4)]
    assert errors == sorted(errors, reverse=True)
    assert errors[-1] < 0.1


def test_quantize_reports_bad_arguments():
    w = np.ones((64, 8), np.float32)
    with pytest.raises(bitsink.MLIRError, match="method"):
        bitsink.quantize(w, method="gptq")
    with pytest.raises(bitsink.MLIRError, match="plane"):
        bitsink.quantize(w, planes=7)
    with pytest.raises(bitsink.MLIRError, match="group"):
        bitsink.quantize(w, group_size=48)
    with pytest.raises(ValueError, match="calibration"):
        bitsink.quantize(w, calibration=np.ones((5, 63), np.float32))
    with pytest.raises(ValueError, match="2-D"):
        bitsink.quantize(np.ones(64, np.float32))
    w[3, 2] = np.nan
    with pytest.raises(bitsink.MLIRError, match="finite|NaN|nan"):
        bitsink.quantize(w)


def test_reference_sink_attention_matches_dense_numpy():
    q, k, v = random_attention_inputs(5)
    out = bitsink.reference.sink_attention(q, k, v, num_sinks=2, window=5, causal=True)
    assert out.dtype == np.float64 and out.shape == (1, 4, 9, 8)
    np.testing.assert_allclose(out, dense_sink_attention(q, k, v, 2, 5), atol=1e-6)
    # Unbounded, non-causal: plain softmax attention.
    full = bitsink.reference.sink_attention(q, k, v)
    s = np.einsum("hid,hjd->hij", q[0].astype(np.float64), np.repeat(k[0], 2, 0)) / 4.0
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(full[0], p @ np.repeat(v[0], 2, 0), atol=1e-6)


def test_reference_sink_attention_options_and_errors():
    q, k, v = random_attention_inputs(6)
    # A key mask hiding keys 10.. equals kv_len = 10.
    mask = np.zeros((1, 21), bool)
    mask[0, :10] = True
    a = bitsink.reference.sink_attention(q, k, v, key_mask=mask)
    b = bitsink.reference.sink_attention(q, k, v, kv_len=np.array([10]))
    np.testing.assert_allclose(a, b, atol=1e-12)
    # A learned sink logit only shrinks the weights: |out| decreases.
    s = bitsink.reference.sink_attention(q, k, v, sink_logits=np.full(4, 3.0, np.float32))
    assert np.abs(s).sum() < np.abs(bitsink.reference.sink_attention(q, k, v)).sum()
    with pytest.raises(bitsink.MLIRError, match="kv_len"):
        bitsink.reference.sink_attention(q, k, v, kv_len=np.array([1, 2]))
    with pytest.raises(bitsink.MLIRError):
        bitsink.reference.sink_attention(q, k[:, :, :, :8], v)
    with pytest.raises(ValueError, match="4-D"):
        bitsink.reference.sink_attention(q[0], k, v)


@pytest.mark.parametrize(
    "text",
    [
        "linalg.transpose permutation=",
        "func.func @f() {\n  linalg.broadcast dimensions = [1,\n}",
        "linalg.transpose permutation = x",
    ],
)
def test_malformed_linalg_arrays_are_errors_not_crashes(text):
    # MLIR 22's linalg.transpose / linalg.broadcast parsers dereference a null
    # attribute on these (found by fuzz/FuzzIR.cpp); the C API rejects them.
    with pytest.raises(bitsink.MLIRError, match="malformed integer array"):
        bitsink.Context().parse(text)


EMBED = """\
func.func @main(%ids: tensor<5xi64>, %table: tensor<7x33xf32>) -> tensor<5x33xf32> {
  %c7 = arith.constant 7 : index
  %e = tensor.empty() : tensor<5x33xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(t, h) -> (t)>, affine_map<(t, h) -> (t, h)>], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<5xi64>) outs(%e : tensor<5x33xf32>) {
  ^bb0(%id: i64, %o: f32):
    %row = arith.index_cast %id : i64 to index
    %ok = arith.cmpi ult, %row, %c7 : index
    cf.assert %ok, "index must be smaller than dim size"
    %col = linalg.index 1 : index
    %v = tensor.extract %table[%row, %col] : tensor<7x33xf32>
    linalg.yield %v : f32
  } -> tensor<5x33xf32>
  return %r : tensor<5x33xf32>
}
"""


def test_failed_assert_is_an_error_exit_not_an_abort():
    """An id outside the table (torch-mlir's gather assert): the rows come
    back for good ids; a bad one ends the process with status 1 and the
    assert's message on stderr, not SIGABRT (compiled code cannot raise)."""
    import subprocess
    import textwrap

    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages"))!r})
        import numpy as np
        import bitsink
        exe = bitsink.compile({EMBED!r})
        table = np.arange(7 * 33, dtype=np.float32).reshape(7, 33)
        ids = np.array([int(a) for a in sys.argv[1:]], dtype=np.int64)
        out = exe(ids, table)
        assert np.array_equal(out, table[ids]), out
        print("RESULT ok", flush=True)
    """)
    good = subprocess.run([sys.executable, "-c", code, "0", "6", "3", "3", "1"],
                          capture_output=True, text=True, timeout=300)
    assert good.returncode == 0, good.stderr
    assert "RESULT ok" in good.stdout
    bad = subprocess.run([sys.executable, "-c", code, "0", "6", "7", "3", "1"],
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1, (bad.returncode, bad.stderr)
    assert ("bitsink: error: the compiled code's assertion failed: "
            "index must be smaller than dim size (<string>:8:5)") in bad.stderr
    assert "RESULT ok" not in bad.stdout
