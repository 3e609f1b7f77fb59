"""Tests of bitsink.compile(..., profile=True): time per kernel
(docs/profiling.md)."""

import io
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

# A matmul, a softmax as torch-mlir writes it (four generics) and sink
# attention.
MODEL = """\
#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @main(%x: tensor<8x32xf32>, %w: tensor<32x48xf32>,
                %q: tensor<1x2x8x16xf32>, %k: tensor<1x2x8x16xf32>,
                %v: tensor<1x2x8x16xf32>) -> (tensor<8x48xf32>, tensor<1x2x8x16xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<8x48xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<8x48xf32>) -> tensor<8x48xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<8x32xf32>, tensor<32x48xf32>)
                      outs(%acc : tensor<8x48xf32>) -> tensor<8x48xf32>
  %er = tensor.empty() : tensor<8xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%er : tensor<8xf32>) -> tensor<8xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%mm : tensor<8x48xf32>) outs(%m0 : tensor<8xf32>) {
  ^bb0(%a: f32, %m: f32):
    %r = arith.maximumf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %ex = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %max : tensor<8x48xf32>, tensor<8xf32>) outs(%e0 : tensor<8x48xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<8x48xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%er : tensor<8xf32>) -> tensor<8xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%ex : tensor<8x48xf32>) outs(%s0 : tensor<8xf32>) {
  ^bb0(%a: f32, %s: f32):
    %r = arith.addf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<8xf32>
  %sm = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%ex, %sum : tensor<8x48xf32>, tensor<8xf32>) outs(%e0 : tensor<8x48xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %r = arith.divf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<8x48xf32>
  %e1 = tensor.empty() : tensor<1x2x8x16xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x8x16xf32>,
      tensor<1x2x8x16xf32>, tensor<1x2x8x16xf32>) outs(%e1 : tensor<1x2x8x16xf32>)
      {num_sinks = 1, window = 4, causal = true} -> tensor<1x2x8x16xf32>
  return %sm, %o : tensor<8x48xf32>, tensor<1x2x8x16xf32>
}
"""

KERNELS = {
    "linalg.fill 8x48 f32 (model.mlir:9:10)",
    "linalg.matmul 8x48x32 f32 (model.mlir:10:9)",
    "linalg.fill 8 f32 (model.mlir:13:9)",
    "linalg.generic reduction(1 op: arith.maximumf) 8x48 f32 (model.mlir:14:10)",
    "linalg.generic elementwise(2 ops: arith.subf, math.exp) 8x48 f32 (model.mlir:20:9)",
    "linalg.fill 8 f32 (model.mlir:27:9)",
    "linalg.generic reduction(1 op: arith.addf) 8x48 f32 (model.mlir:28:10)",
    "linalg.generic elementwise(1 op: arith.divf) 8x48 f32 (model.mlir:34:9)",
    "bitsink.sink_attention q 1x2x8x16 kv 1x2x8x16 f32 (model.mlir:41:8)",
}


@pytest.fixture(scope="module")
def module():
    return bitsink.Context().parse(MODEL, source_name="model.mlir")


@pytest.fixture(scope="module")
def inputs(module):
    plain = bitsink.compile(module)
    rng = np.random.default_rng(0)
    return [rng.standard_normal(shape).astype(dtype) for dtype, shape in plain.inputs]


def test_profile_lists_every_kernel_and_keeps_results(module, inputs):
    plain = bitsink.compile(module)
    profiled = bitsink.compile(module, profile=True)
    for a, b in zip(plain(*inputs), profiled(*inputs)):
        np.testing.assert_array_equal(a, b)

    # The call above counts; after a reset only the next calls do.
    profiled.reset_profile()
    assert profiled.profile_total() == (0, 0.0)
    for _ in range(3):
        profiled(*inputs)
    rows = profiled.profile()
    assert {row.label for row in rows} == KERNELS
    assert len(rows) == len(KERNELS)
    assert all(row.calls == 3 for row in rows)
    assert all(row.ms >= 0 for row in rows)
    assert [row.ms for row in rows] == sorted((row.ms for row in rows), reverse=True)
    calls, total = profiled.profile_total()
    assert calls == 3
    # Kernels run inside the calls.
    assert sum(row.ms for row in rows) <= total


def test_print_profile(module, inputs):
    profiled = bitsink.compile(module, profile=True)
    profiled(*inputs)
    profiled.reset_profile()
    profiled(*inputs)
    out = io.StringIO()
    profiled.print_profile(file=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("profile of 'main': 1 call, ")
    assert lines[0].endswith(" ms per call, 9 kernels")
    assert lines[1].split() == ["ms", "%", "runs", "kernel"]
    for label in KERNELS:
        assert any(line.endswith(label) for line in lines[2:11]), label
    assert "(in no kernel" in lines[11]
    assert lines[12].split() == [lines[12].split()[0], "100.0%", "total"]

    table = profiled.profile_table(max_rows=2)
    assert "(7 other kernels)" in table
    assert len(table.splitlines()) == 2 + 2 + 1 + 2


def test_explicit_pipeline_and_call_inplace(module, inputs):
    profiled = bitsink.compile(
        module, pipeline="builtin.module(canonicalize,bitsink-cpu-pipeline)", profile=True
    )
    profiled.call_inplace(*inputs)
    assert all(row.calls == 1 for row in profiled.profile())


def test_profile_errors(module):
    plain = bitsink.compile(module)
    with pytest.raises(ValueError, match=r"compiled without profiling"):
        plain.profile()
    with pytest.raises(ValueError, match=r"compiled without profiling"):
        plain.print_profile()
    with pytest.raises(ValueError, match=r"profile=True applies to target 'cpu' only"):
        bitsink.compile(module, target="cuda", profile=True)
    with pytest.raises(
        bitsink.MLIRError,
        match=r"profiling needs the kernels instrumented by "
        r"bitsink-cpu-pipeline\{profile=true\}.*the pipeline 'canonicalize' has "
        r"neither",
    ):
        bitsink.compile(module, pipeline="canonicalize", profile=True)
