"""Tests of Executable.call_inplace (the caller's arrays are the entry's
memory: caches updated in place, no copy), Executable.bind_inplace (the
same call with its arrays bound once) and Module.bind_arguments
(entry arguments become dense_resource constants, no text)."""

import os
import pathlib
import re
import subprocess
import sys
import textwrap

import numpy as np
import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
_PACKAGES = os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages"))
sys.path.insert(0, _PACKAGES)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))

import bitsink  # noqa: E402
from tiny_decoder import TinyModel  # noqa: E402

C, S = 8, 2

# One decode step of a one-layer cache: append k/v (1 token), return the
# attention output and the updated cache (in place: bitsink.result_aliases).
STEP = f"""\
func.func @step(%q: tensor<1x2x1x4xf32>, %k: tensor<1x1x1x4xf32>, %v: tensor<1x1x1x4xf32>,
                %kc: tensor<1x1x{C}x4xf32>, %vc: tensor<1x1x{C}x4xf32>,
                %pos: tensor<1x{C}xi64>, %len: tensor<1xi64>)
    -> (tensor<1x2x1x4xf32>, tensor<1x1x{C}x4xf32>, tensor<1x1x{C}x4xf32>,
        tensor<1x{C}xi64>, tensor<1xi64>) {{
  %c:4 = bitsink.cache_append ins(%k, %v : tensor<1x1x1x4xf32>, tensor<1x1x1x4xf32>)
      outs(%kc, %vc, %pos, %len : tensor<1x1x{C}x4xf32>, tensor<1x1x{C}x4xf32>,
           tensor<1x{C}xi64>, tensor<1xi64>)
      {{num_sinks = {S} : i64, position_mode = #bitsink.position_mode<original>}}
      -> tensor<1x1x{C}x4xf32>, tensor<1x1x{C}x4xf32>, tensor<1x{C}xi64>, tensor<1xi64>
  %init = tensor.empty() : tensor<1x2x1x4xf32>
  %o = bitsink.sink_attention ins(%q, %c#0, %c#1 : tensor<1x2x1x4xf32>,
      tensor<1x1x{C}x4xf32>, tensor<1x1x{C}x4xf32>) kv_len(%c#3 : tensor<1xi64>)
      key_positions(%c#2 : tensor<1x{C}xi64>) outs(%init : tensor<1x2x1x4xf32>)
      {{causal = true, num_sinks = {S} : i64, window = {C - S} : i64}} -> tensor<1x2x1x4xf32>
  return %o, %c#0, %c#1, %c#2, %c#3 : tensor<1x2x1x4xf32>, tensor<1x1x{C}x4xf32>,
      tensor<1x1x{C}x4xf32>, tensor<1x{C}xi64>, tensor<1xi64>
}}
"""

MATMUL = """\
func.func @mm(%x: tensor<4x64xf32>, %w: tensor<64x32xf32> loc("fc1.weight"),
              %b: tensor<4x32xf32> {bitsink.name = "bias"}) -> tensor<4x32xf32> {
  %mm = linalg.matmul ins(%x, %w : tensor<4x64xf32>, tensor<64x32xf32>)
      outs(%b : tensor<4x32xf32>) -> tensor<4x32xf32>
  return %mm : tensor<4x32xf32>
}
"""


@pytest.fixture(scope="module")
def step():
    return bitsink.compile(STEP, entry="step")


def empty_cache():
    return [np.zeros((1, 1, C, 4), np.float32), np.zeros((1, 1, C, 4), np.float32),
            np.full((1, C), -1, np.int64), np.zeros(1, np.int64)]


def step_inputs(rng):
    return [rng.standard_normal(s, dtype=np.float32)
            for s in ((1, 2, 1, 4), (1, 1, 1, 4), (1, 1, 1, 4))]


def test_result_aliases(step):
    assert step.result_aliases == [-1, 3, 4, 5, 6]


def test_cache_updated_in_caller_arrays(step):
    """Over 3 C steps (the ring rolls over), the caller's arrays are the
    cache: the in-place call equals the copying call fed its own results."""
    rng = np.random.default_rng(0)
    cache = empty_cache()
    copied = [a.copy() for a in cache]
    for t in range(3 * C):
        q, k, v = step_inputs(rng)
        out = step.call_inplace(q, k, v, *cache)
        expected, *copied = step(q, k, v, *copied)
        # Only the attention output comes back: the rest aliases inputs.
        assert isinstance(out, np.ndarray)
        np.testing.assert_array_equal(out, expected)
        for mine, theirs in zip(cache, copied):
            np.testing.assert_array_equal(mine, theirs)
        assert cache[3][0] == t + 1
    # Slot of the last token: S + (t - S) mod (C - S).
    last = 3 * C - 1
    assert cache[2][0, S + (last - S) % (C - S)] == last
    np.testing.assert_array_equal(cache[0][0, 0, S + (last - S) % (C - S)], k[0, 0, 0])


def test_no_copy(step):
    """The entry writes into the caller's buffers: a view taken before the
    call sees the new rows, and the arrays are the same objects."""
    rng = np.random.default_rng(1)
    cache = empty_cache()
    keys_view = cache[0][0, 0]  # a view of the caller's memory
    address = cache[0].ctypes.data
    q, k, v = step_inputs(rng)
    step.call_inplace(q, k, v, *cache)
    assert np.shares_memory(keys_view, cache[0])
    assert cache[0].ctypes.data == address
    np.testing.assert_array_equal(keys_view[0], k[0, 0, 0])
    assert cache[3][0] == 1 and cache[2][0, 0] == 0
    # The copying call leaves the caller's arrays alone.
    before = [a.copy() for a in cache]
    step(q, k, v, *cache)
    for a, b in zip(cache, before):
        np.testing.assert_array_equal(a, b)


def test_in_place_views_of_a_larger_buffer(step):
    """A C-contiguous slice of a bigger array is used where it lies."""
    rng = np.random.default_rng(2)
    pool = np.zeros((3, 1, 1, C, 4), np.float32)
    cache = empty_cache()
    cache[0] = pool[1]
    q, k, v = step_inputs(rng)
    step.call_inplace(q, k, v, *cache)
    np.testing.assert_array_equal(pool[1, 0, 0, 0], k[0, 0, 0])
    assert not pool[0].any() and not pool[2].any()


def test_bound_call_equals_call_inplace(step):
    """bind_inplace binds the arrays once; each call sees their current
    contents (new q/k/v written into the same arrays) and updates the
    cache in place, as call_inplace on the same arrays does."""
    rng = np.random.default_rng(5)
    q, k, v = step_inputs(rng)
    cache = empty_cache()
    bound = step.bind_inplace(q, k, v, *cache)
    assert isinstance(bound, bitsink.BoundCall)
    assert all(a is b for a, b in zip(bound.arrays, (q, k, v, *cache)))
    other = empty_cache()
    for t in range(3 * C):
        q[...], k[...], v[...] = step_inputs(rng)
        out = bound()
        expected = step.call_inplace(q, k, v, *other)
        np.testing.assert_array_equal(out, expected)
        for mine, theirs in zip(cache, other):
            np.testing.assert_array_equal(mine, theirs)
        assert cache[3][0] == t + 1


def test_bound_call_keeps_its_arrays_alive(step):
    """The BoundCall holds the arrays (and the executable): dropping the
    caller's names does not free the memory the entry writes into."""
    rng = np.random.default_rng(6)
    bound = step.bind_inplace(*step_inputs(rng), *empty_cache())
    for _ in range(C + 2):
        bound()
    import gc
    gc.collect()
    assert bound.arrays[6][0] == C + 2


@pytest.mark.parametrize(
    "index, array, message",
    [
        (3, np.zeros((1, 1, C, 4), np.float64), "expected dtype float32, got float64"),
        (3, np.zeros((1, 1, C + 1, 4), np.float32), f"expected shape (1, 1, {C}, 4)"),
        (3, np.zeros((1, 1, 4, C), np.float32).transpose(0, 1, 3, 2), "not C-contiguous"),
        (5, np.full((1, C), -1, np.int32), "expected dtype int64, got int32"),
        (6, [0], "expected a numpy.ndarray, got list"),
    ],
)
@pytest.mark.parametrize("call", ["call_inplace", "bind_inplace"])
def test_bad_arrays(step, index, array, message, call):
    """call_inplace checks each call's arrays, bind_inplace the bound ones."""
    rng = np.random.default_rng(3)
    inputs = step_inputs(rng) + empty_cache()
    inputs[index] = array
    with pytest.raises(bitsink.MLIRError, match=f"argument {index}.*{re.escape(message)}"):
        getattr(step, call)(*inputs)


def test_c_api_checks(step):
    """The C API checks dtype and shape itself (for callers other than
    call_inplace)."""
    rng = np.random.default_rng(3)
    inputs = step_inputs(rng) + empty_cache()
    described = [(a.dtype.str, a.shape, a.ctypes.data) for a in inputs]
    described[5] = ("<i4", (1, C), inputs[5].ctypes.data)
    with pytest.raises(bitsink.MLIRError, match="argument 5 .*expected dtype int64, got int32"):
        step._handle.run_in_place(described)
    described[5] = ("<i8", (C,), inputs[5].ctypes.data)
    with pytest.raises(bitsink.MLIRError, match=re.escape(f"expected shape (1, {C}), got ({C},)")):
        step._handle.run_in_place(described)


def test_read_only_aliased_input(step):
    rng = np.random.default_rng(4)
    inputs = step_inputs(rng) + empty_cache()
    inputs[4].setflags(write=False)
    with pytest.raises(bitsink.MLIRError, match="argument 4.*read-only"):
        step.call_inplace(*inputs)
    # A read-only input that no result aliases is fine.
    inputs = step_inputs(rng) + empty_cache()
    inputs[0].setflags(write=False)
    step.call_inplace(*inputs)


def test_wrong_count(step):
    with pytest.raises(bitsink.MLIRError, match="takes 7 arguments, got 2"):
        step.call_inplace(*empty_cache()[:2])
    with pytest.raises(bitsink.MLIRError, match="takes 7 arguments, got 2"):
        step.bind_inplace(*empty_cache()[:2])


def test_bf16_refused():
    text = """\
func.func @f(%a: tensor<4xbf16>) -> tensor<4xbf16> {
  return %a : tensor<4xbf16>
}
"""
    exe = bitsink.compile(text, entry="f")
    np.testing.assert_array_equal(exe(np.arange(4, dtype=np.float32)), np.arange(4))
    with pytest.raises(bitsink.MLIRError, match="bfloat16 tensors cannot be passed in place"):
        exe.call_inplace(np.arange(4, dtype=np.float32))


def test_all_results_aliased_returns_none():
    text = """\
func.func @f(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %s = linalg.add ins(%a, %b : tensor<4xf32>, tensor<4xf32>) outs(%a : tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}
"""
    exe = bitsink.compile(text, entry="f")
    a, b = np.arange(4, dtype=np.float32), np.ones(4, np.float32)
    if exe.result_aliases == [0]:
        assert exe.call_inplace(a, b) is None
        np.testing.assert_array_equal(a, [1, 2, 3, 4])
    else:  # bufferization chose a new buffer: the result comes back
        np.testing.assert_array_equal(exe.call_inplace(a, b), [1, 2, 3, 4])


# Binding arguments.


def test_argument_names():
    module = bitsink.Context().parse(MATMUL)
    assert module.argument_names("mm") == ["", "fc1.weight", "bias"]
    with pytest.raises(bitsink.MLIRError, match="no function with a body named 'nope'.*mm"):
        module.argument_names("nope")


def test_bind_equals_arguments():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((4, 64), dtype=np.float32)
    w = rng.standard_normal((64, 32), dtype=np.float32)
    b = rng.standard_normal((4, 32), dtype=np.float32)
    expected = bitsink.compile(MATMUL, entry="mm")(x, w, b)
    module = bitsink.Context().parse(MATMUL)
    module.bind_arguments("mm", {"fc1.weight": w, 2: b})
    text = str(module)
    assert "dense_resource<fc1.weight>" in text
    assert 'bitsink.name = "fc1.weight"' in text and 'bitsink.name = "bias"' in text
    assert "func.func @mm(%arg0: tensor<4x64xf32>) -> tensor<4x32xf32>" in text
    assert module.argument_names("mm") == [""]
    # The constants hold copies: changing the arrays changes nothing.
    w += 1
    got = bitsink.compile(module, entry="mm")(x)
    np.testing.assert_array_equal(got, expected)


def test_bind_errors_leave_module_unchanged():
    module = bitsink.Context().parse(MATMUL)
    before = str(module)
    w = np.zeros((64, 32), np.float32)
    with pytest.raises(bitsink.MLIRError, match=r"argument 2 \('bias'\).*expected shape \(4, 32\), got \(4, 31\)"):
        module.bind_arguments("mm", {"fc1.weight": w, "bias": np.zeros((4, 31), np.float32)})
    with pytest.raises(bitsink.MLIRError, match="expected dtype float32, got float64"):
        module.bind_arguments("mm", {1: np.zeros((64, 32))})
    with pytest.raises(bitsink.MLIRError, match="no arguments of 'mm' are named 'fc2.weight'"):
        module.bind_arguments("mm", {"fc2.weight": w})
    with pytest.raises(bitsink.MLIRError, match="argument index 3 out of range"):
        module.bind_arguments("mm", {3: w})
    assert str(module) == before


def test_bind_then_quantize(tmp_path):
    """A bound matmul weight is a constant bitsink-quantize-weights turns
    into bitplane_matmul, calibrated by the argument's name."""
    rng = np.random.default_rng(6)
    x = rng.standard_normal((4, 64), dtype=np.float32)
    w = rng.standard_normal((64, 32), dtype=np.float32)
    b = np.zeros((4, 32), np.float32)
    calibration = tmp_path / "calibration.npz"
    np.savez(calibration, **{"fc1.weight": rng.standard_normal((16, 64), dtype=np.float32)})
    module = bitsink.Context().parse(MATMUL)
    module.bind_arguments("mm", {"fc1.weight": w})
    module.run_pipeline(
        f"bitsink-quantize-weights{{method=rtn planes=4 group-size=32 calibration={calibration}}}")
    text = str(module)
    assert "bitsink.bitplane_matmul" in text and "linalg.matmul" not in text
    assert 'calibration = "fc1.weight"' in text
    got = bitsink.compile(module, entry="mm")(x, b)
    np.testing.assert_allclose(got, x @ w, rtol=0, atol=0.15 * np.abs(x @ w).max())


def test_bind_shared_by_two_entries():
    """Binding the same named array in two entries of a module holds the
    data once: both constants are the same attribute."""
    model = TinyModel()
    module = bitsink.Context().parse(model.ir(entry=["prefill", "decode"], tokens=2,
                                              cache=C, sinks=S))
    name = "blk.0.attn_q.weight"
    for entry in ("prefill", "decode"):
        module.bind_arguments(entry, {name: model.weights[name]})
    text = str(module)
    assert text.count(f"dense_resource<{name}>") == 2
    assert f"{name}_1" not in text


# target="cuda" without a GPU: the fake driver of unittests/Runtime copies
# memory but runs no kernel, so an entry that returns its arguments as they
# are checks the copies in and back (see test_cuda.py).
_FAKE_CUDA = pathlib.Path(_PACKAGES).parent / "unittests" / "Runtime" / "libbitsink_fake_cuda.so"

CUDA_PROGRAM = """
import sys, numpy as np
sys.path.insert(0, {packages!r})
import bitsink
IR = '''
func.func @main(%a: tensor<3x5xf32>, %b: tensor<3x5xi32>) -> (tensor<3x5xi32>, tensor<3x5xf32>) {{
  return %b, %a : tensor<3x5xi32>, tensor<3x5xf32>
}}
func.func @copy(%a: tensor<64xf32>) -> tensor<64xf32> {{
  %e = tensor.empty() : tensor<64xf32>
  %c = linalg.copy ins(%a : tensor<64xf32>) outs(%e : tensor<64xf32>) -> tensor<64xf32>
  return %c : tensor<64xf32>
}}
'''
exe = bitsink.compile(IR, target="cuda", pipeline="chip=sm_90")
assert exe.result_aliases == [1, 0], exe.result_aliases
a = np.arange(15, dtype=np.float32).reshape(3, 5)
b = np.arange(15, dtype=np.int32).reshape(3, 5) * -3
assert exe.call_inplace(a, b) is None
assert np.array_equal(a, np.arange(15, dtype=np.float32).reshape(3, 5))
assert np.array_equal(b, np.arange(15, dtype=np.int32).reshape(3, 5) * -3)
try:
    exe.call_inplace(a, b.astype(np.int64))
except bitsink.MLIRError as e:
    assert "expected dtype int32, got int64" in str(e), e
else:
    raise AssertionError("no error")
print("RESULT ok")
"""


@pytest.mark.skipif(not _FAKE_CUDA.exists(),
                    reason="a build without BITSINK_ENABLE_CUDA (no fake driver)")
def test_cuda_in_place_copies_back():
    env = dict(os.environ, BITSINK_CUDA_LIBRARY=str(_FAKE_CUDA))
    code = textwrap.dedent(CUDA_PROGRAM.format(packages=_PACKAGES))
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "RESULT ok" in out.stdout
