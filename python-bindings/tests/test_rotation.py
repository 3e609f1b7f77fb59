"""The Walsh–Hadamard rotation of the quantizer (docs/quantizer.md,
"Rotation"): bitsink.quantize(rotation=b) and
bitsink-quantize-weights{rotation=b}, checked against numpy."""

import numpy as np
import pytest

import bitsink


def _hadamard(block):
    """Sylvester's construction, written here independently of bitsink."""
    h = np.array([[1.0]])
    while h.shape[0] < block:
        h = np.kron(np.array([[1.0, 1.0], [1.0, -1.0]]), h)
    return h / np.sqrt(block)


def _rotation_matrix(signs, block):
    """R = diag(signs)·blockdiag(H_b, …) as a dense K x K matrix."""
    k = len(signs)
    r = np.zeros((k, k))
    for i in range(0, k, block):
        r[i:i + block, i:i + block] = _hadamard(block)
    return np.asarray(signs, np.float64)[:, None] * r


def _dequantize(planes, coeffs, k, group_size):
    """Ŵ of binary planes in the canonical layout (docs/semantics.md
    §2.3): c0 + Σ_p c_{p+1}·bit_p per group of rows."""
    rows = np.arange(k)
    bits = (planes[:, rows // 32, :] >> (rows % 32)[None, :, None].astype(np.uint32)) & 1
    group = rows // min(group_size, k)
    w = coeffs[group, 0, :].astype(np.float64)
    for p in range(planes.shape[0]):
        w += coeffs[group, p + 1, :] * bits[p]
    return w


def _layer(k=192, n=48, t=1500, seed=5):
    """A weight with a few large rows and activations with outlier
    channels: what rotation is for."""
    rng = np.random.default_rng(seed)
    w = rng.standard_normal((k, n)).astype(np.float32)
    w[rng.integers(0, k, 4)] *= 12
    scale = np.exp(rng.standard_normal(k))
    scale[rng.integers(0, k, 3)] *= 30
    x = (rng.standard_normal((t, k)) * scale).astype(np.float32)
    held = (rng.standard_normal((400, k)) * scale).astype(np.float32)
    return w, x, held


def test_rotated_weight_is_r_transpose_w_and_errors_are_in_the_original_basis():
    w, x, held = _layer()
    q = bitsink.quantize(w, "bpdq", 3, 64, calibration=x, heldout=held,
                         rotation=64, rotation_seed=9)
    assert q.rotation_block == 64
    assert q.rotation_signs.shape == (192,)
    assert set(np.unique(q.rotation_signs)) == {-1.0, 1.0}
    r = _rotation_matrix(q.rotation_signs, 64)
    np.testing.assert_allclose(r.T @ r, np.eye(192), atol=1e-12)
    # The packed planes are a quantization of RᵀW; dequantized is R times it.
    packed = _dequantize(q.planes, q.coefficients, 192, 64)
    np.testing.assert_allclose(r @ packed, q.dequantized, rtol=0, atol=2e-4)
    # x·W ≈ (x·R)·packed: rotate_input is x·R.
    np.testing.assert_allclose(q.rotate_input(held), held @ r, rtol=1e-5, atol=1e-4)
    # The reported errors are those of x @ dequantized.
    for rows, reported in ((x, q.rel_error), (held, q.heldout_rel_error)):
        rows = rows.astype(np.float64)
        ref = rows @ w
        err = np.linalg.norm(rows @ q.dequantized - ref) / np.linalg.norm(ref)
        assert abs(err - reported) < 1e-4 * err
    # The rotation lowers the held-out error on this layer.
    plain = bitsink.quantize(w, "bpdq", 3, 64, calibration=x, heldout=held)
    assert q.heldout_rel_error < 0.9 * plain.heldout_rel_error


def test_block_follows_k_and_seed():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((96, 8)).astype(np.float32)
    # 96 = 32·3: a request of 64 (or more) gives blocks of 32.
    assert bitsink.quantize(w, rotation=64, group_size=32).rotation_block == 32
    assert bitsink.quantize(w, rotation=4096, group_size=32).rotation_block == 32
    assert bitsink.quantize(w, rotation=8, group_size=32).rotation_block == 8
    a = bitsink.quantize(w, rotation=32, rotation_seed=1, group_size=32)
    b = bitsink.quantize(w, rotation=32, rotation_seed=2, group_size=32)
    assert not np.array_equal(a.rotation_signs, b.rotation_signs)
    # No rotation: odd K, or rotation=0.
    odd = rng.standard_normal((33, 8)).astype(np.float32)
    q = bitsink.quantize(odd, rotation=64, group_size=0)
    p = bitsink.quantize(odd, group_size=0)
    assert q.rotation_block == 0 and q.rotation_signs is None
    np.testing.assert_array_equal(q.planes, p.planes)
    np.testing.assert_array_equal(q.coefficients, p.coefficients)
    np.testing.assert_array_equal(q.rotate_input(np.ones((2, 33))), np.ones((2, 33)))


@pytest.mark.parametrize("bad", [3, 48, -2])
def test_rotation_must_be_a_power_of_two(bad):
    w = np.ones((64, 4), np.float32)
    with pytest.raises(bitsink.MLIRError, match="rotation block must be 0"):
        bitsink.quantize(w, rotation=bad)


def test_rotation_is_deterministic_across_threads_and_hessian_paths():
    w, x, _ = _layer(k=128, n=40, seed=8)
    one = bitsink.quantize(w, "bpdq", 2, 64, calibration=x, rotation=128, threads=1)
    two = bitsink.quantize(w, "bpdq", 2, 64, calibration=x, rotation=128, threads=2)
    np.testing.assert_array_equal(one.planes, two.planes)
    np.testing.assert_array_equal(one.coefficients, two.coefficients)
    # The calibration as its Hessian (of the unrotated rows; the library
    # forms RᵀHR): the same signs, and close to the rows' result.
    h = bitsink.HessianAccumulator(128)
    h.add(x)
    viah = bitsink.quantize(w, "bpdq", 2, 64, calibration_hessian=h.hessian,
                            rotation=128)
    np.testing.assert_array_equal(viah.rotation_signs, one.rotation_signs)
    assert abs(viah.rel_error - one.rel_error) < 0.02 * one.rel_error


def _matmul_module(context, weights):
    """x0 @ W0 and x0 @ W1 (a shared input, as q/k/v share one), and
    x1 @ W2 with another K."""
    lines = []
    args = ["%x0: tensor<5x96xf32>", "%x1: tensor<5x64xf32>"]
    for i, w in enumerate(weights):
        args.append(f"%w{i}: tensor<{w.shape[0]}x{w.shape[1]}xf32> "
                    f"{{bitsink.name = \"w{i}\"}}")
    results = []
    for i, w in enumerate(weights):
        k, n = w.shape
        x = "%x0" if k == 96 else "%x1"
        lines += [f"  %e{i} = tensor.empty() : tensor<5x{n}xf32>",
                  f"  %c{i} = arith.constant 0.0 : f32",
                  f"  %a{i} = linalg.fill ins(%c{i} : f32) outs(%e{i} : tensor<5x{n}xf32>) -> tensor<5x{n}xf32>",
                  f"  %y{i} = linalg.matmul ins({x}, %w{i} : tensor<5x{k}xf32>, tensor<{k}x{n}xf32>) "
                  f"outs(%a{i} : tensor<5x{n}xf32>) -> tensor<5x{n}xf32>"]
        results.append((f"%y{i}", f"tensor<5x{n}xf32>"))
    text = (f"func.func @main({', '.join(args)}) -> ({', '.join(t for _, t in results)}) {{\n"
            + "\n".join(lines) + f"\n  return {', '.join(v for v, _ in results)} : "
            + f"{', '.join(t for _, t in results)}\n}}\n")
    module = context.parse(text)
    module.bind_arguments("main", {2 + i: w for i, w in enumerate(weights)})
    return module


def test_pass_rotates_the_input_and_matches_numpy(tmp_path):
    rng = np.random.default_rng(4)
    weights = [rng.standard_normal((96, 40)).astype(np.float32),
               rng.standard_normal((96, 24)).astype(np.float32),
               rng.standard_normal((64, 33)).astype(np.float32)]
    for w in weights:
        w[rng.integers(0, w.shape[0], 3)] *= 10
    calibration = {f"w{i}": (rng.standard_normal((300, w.shape[0]))
                             * np.exp(rng.standard_normal(w.shape[0]))).astype(np.float32)
                   for i, w in enumerate(weights)}
    np.savez(tmp_path / "cal.npz", **calibration)
    context = bitsink.Context()
    module = _matmul_module(context, weights)
    module.run_pipeline(
        "builtin.module(bitsink-quantize-weights{method=bpdq planes=3 "
        f"group-size=32 rotation=64 rotation-seed=3 calibration={tmp_path / 'cal.npz'}}},"
        "cse)")
    text = str(module)
    assert text.count("bitsink.bitplane_matmul") == 3
    # One rotation per (input, K, block): x0 (K = 96, blocks of 32) is
    # rotated once for both of its weights, x1 (K = 64) once; each is the
    # signs (an element-wise generic) then one matmul with the Hadamard
    # matrix of its block (the weights' own matmuls are all replaced).
    assert text.count("linalg.generic") == 2
    assert text.count("linalg.matmul") == 2
    assert "tensor<96xf32>" in text and "tensor<64xf32>" in text
    assert "tensor<32x32xf32>" in text and "tensor<64x64xf32>" in text
    assert text.count("rotation_block = 32") == 2 and text.count("rotation_block = 64") == 1
    x0 = rng.standard_normal((5, 96)).astype(np.float32)
    x1 = rng.standard_normal((5, 64)).astype(np.float32)
    got = bitsink.compile(module)(x0, x1)
    for i, (w, y) in enumerate(zip(weights, got)):
        q = bitsink.quantize(w, "bpdq", 3, 32, calibration=calibration[f"w{i}"],
                             rotation=64, rotation_seed=3)
        x = x0 if w.shape[0] == 96 else x1
        expected = x.astype(np.float64) @ q.dequantized.astype(np.float64)
        np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-3 * np.abs(expected).max())
        # And the quantization is closer to x @ W than the plain one's scale
        # of error suggests: the rotation did not scramble the product.
        assert np.linalg.norm(y - x @ w) < 0.5 * np.linalg.norm(x @ w)


def test_pass_rejects_a_bad_rotation():
    context = bitsink.Context()
    module = _matmul_module(context, [np.ones((96, 8), np.float32)])
    with pytest.raises(bitsink.MLIRError, match="rotation must be 0 \\(off\\) or a power of two, got 24"):
        module.run_pipeline("builtin.module(bitsink-quantize-weights{rotation=24})")
