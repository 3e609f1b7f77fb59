"""Sub-block scale codes (docs/semantics.md §2.3, docs/quantizer.md
"Sub-block scale codes"): bitsink.quantize(sub_block=S) and
bitsink-quantize-weights{sub-block=S}, checked against numpy.

Each S rows of a column carry a 4-bit code q in ``scales`` (nibble j of word
w for sub-block 8w + j) and their weights are (q + 1)/16 times the group's
grid value."""

import numpy as np
import pytest

import bitsink


def _dequantize(planes, coeffs, scales, k, group_size, sub_block):
    """Ŵ of binary planes with scale codes, written from the format alone."""
    rows = np.arange(k)
    bits = (planes[:, rows // 32, :].astype(np.uint64)
            >> (rows % 32)[None, :, None].astype(np.uint64)) & 1
    group = rows // min(group_size if group_size > 0 else k, k)
    w = coeffs[group, 0, :].astype(np.float64)
    for p in range(planes.shape[0]):
        w += coeffs[group, p + 1, :] * bits[p]
    sub = rows // sub_block
    codes = (scales[sub // 8, :].astype(np.uint64)
             >> (4 * (sub % 8))[:, None].astype(np.uint64)) & 15
    return w * (codes + 1) / 16.0


def _layer(k=160, n=40, t=800, seed=3):
    """A weight whose scale varies along K in blocks of 32 rows per column
    (what sub-block codes are for; a rotation within those blocks keeps
    it), and correlated activations."""
    rng = np.random.default_rng(seed)
    scale = 0.1 + 0.9 * rng.random((-(-k // 32), n))
    w = rng.standard_normal((k, n)) * scale[np.arange(k) // 32]
    a = rng.standard_normal((k, k)) / (1 + 0.1 * np.arange(k))[:, None]
    x = rng.standard_normal((t, k)) @ a
    held = rng.standard_normal((t // 2, k)) @ a
    return (w.astype(np.float32), x.astype(np.float32), held.astype(np.float32))


@pytest.mark.parametrize("group_size,sub_block", [(0, 8), (64, 16), (0, 32)])
def test_codes_follow_the_format(group_size, sub_block):
    w, x, _ = _layer()
    k, n = w.shape
    q = bitsink.quantize(w, "bpdq", 2, group_size, calibration=x,
                         sub_block=sub_block)
    assert q.sub_block == sub_block
    assert q.scales.dtype == np.uint32
    assert q.scales.shape == (-(-(-(-k // sub_block)) // 8), n)
    expected = _dequantize(q.planes, q.coefficients, q.scales, k, group_size,
                           sub_block)
    np.testing.assert_allclose(q.dequantized, expected, rtol=1e-6, atol=1e-7)
    words = -(-k // 32)
    groups = 1 if group_size == 0 else -(-k // group_size)
    assert q.bits_per_weight == pytest.approx(
        (2 * 32 * words + 16 * 3 * groups + 32 * q.scales.shape[0]) / k)


def test_without_codes_there_are_none():
    w, x, _ = _layer(k=64, n=8)
    q = bitsink.quantize(w, "bpdq", 2, 32, calibration=x)
    assert q.sub_block == 0 and q.scales is None


@pytest.mark.parametrize("method,planes", [("bpdq", 2), ("bpdq", 3),
                                           ("trit", 2)])
def test_codes_lower_the_held_out_error(method, planes):
    w, x, held = _layer()
    plain = bitsink.quantize(w, method, planes, 0, calibration=x,
                             heldout=held, rotation=32)
    coded = bitsink.quantize(w, method, planes, 0, calibration=x,
                             heldout=held, rotation=32, sub_block=16)
    assert coded.heldout_rel_error < 0.9 * plain.heldout_rel_error


@pytest.mark.parametrize("kwargs,message", [
    (dict(method="bpdq", sub_block=12), "sub-block size must be"),
    (dict(method="rtn", sub_block=16), "need method bpdq or trit"),
    (dict(method="bpdq", sub_block=16, act_order=True), "natural order"),
])
def test_bad_sub_blocks_are_rejected(kwargs, message):
    w = np.ones((64, 4), np.float32)
    with pytest.raises(Exception, match=message):
        bitsink.quantize(w, planes=2, group_size=32, **kwargs)


@pytest.mark.parametrize("pipeline", [
    "bitsink-cpu-pipeline{gemv-lut=false}",
    "bitsink-cpu-pipeline{gemv-lut=true}",
])
@pytest.mark.parametrize("rows", [1, 3, 12])
def test_quantize_weights_pass_runs_the_codes(tmp_path, pipeline, rows):
    """The pass stores the codes as the op's scales; the compiled program
    (GEMV for 1 and 3 rows, GEMM for 12) equals x @ Ŵ of the library's own
    quantization of the same weight with the same calibration."""
    w, x, _ = _layer(k=100, n=37)
    np.savez(tmp_path / "calibration.npz", w=x)
    text = (
        "func.func @main(%x: tensor<ROWSx100xf32>, %w: tensor<100x37xf32> "
        "{bitsink.name = \"w\"}) -> tensor<ROWSx37xf32> {\n"
        "  %z = tensor.empty() : tensor<ROWSx37xf32>\n"
        "  %c = arith.constant 0.0 : f32\n"
        "  %a = linalg.fill ins(%c : f32) outs(%z : tensor<ROWSx37xf32>) -> "
        "tensor<ROWSx37xf32>\n"
        "  %y = linalg.matmul ins(%x, %w : tensor<ROWSx100xf32>, "
        "tensor<100x37xf32>) outs(%a : tensor<ROWSx37xf32>) -> "
        "tensor<ROWSx37xf32>\n"
        "  return %y : tensor<ROWSx37xf32>\n}\n").replace("ROWS", str(rows))
    context = bitsink.Context()
    module = context.parse(text)
    module.bind_arguments("main", {"w": w})
    module.run_pipeline(
        "builtin.module(bitsink-quantize-weights{planes=3 group-size=0 "
        f"sub-block=8 calibration={tmp_path / 'calibration.npz'}}})")
    ir = str(module)
    assert "scales(" in ir and "sub_block = 8" in ir
    q = bitsink.quantize(w, "bpdq", 3, 0, calibration=x, sub_block=8)
    inputs = np.random.default_rng(rows).standard_normal((rows, 100)).astype(np.float32)
    y = bitsink.compile(module, pipeline)(inputs)
    expected = inputs.astype(np.float64) @ q.dequantized.astype(np.float64)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_dequantize_weight_reads_the_codes():
    """bitsink.models.quantize.dequantize_weight (what the decoder
    benchmarks dequantize cached weights with) applies the codes."""
    from bitsink.models.quantize import dequantize_weight
    w, x, _ = _layer(k=100, n=24)
    q = bitsink.quantize(w, "bpdq", 3, 0, calibration=x, sub_block=8)
    expected = q.dequantized
    q.dequantized = None
    np.testing.assert_allclose(dequantize_weight(q, 100), expected,
                               rtol=1e-6, atol=1e-7)
