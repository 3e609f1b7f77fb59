"""Tests of the bitsink Python package as built, from the build tree.

BITSINK_PYTHON_PACKAGES names the folder holding the built `bitsink` package
(default: <repo>/build/python_packages).
"""

import gc
import os
import pathlib
import sys

import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(
    0,
    os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages")),
)

import bitsink  # noqa: E402

# Grouped-query attention: Hq = 4 query heads over Hkv = 2 key/value heads.
ATTENTION = """\
func.func @f(%q: tensor<1x4x8x16xf32>, %k: tensor<1x2x32x16xf32>, %v: tensor<1x2x32x16xf32>, %init: tensor<1x4x8x16xf32>) -> tensor<1x4x8x16xf32> {
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8x16xf32>, tensor<1x2x32x16xf32>, tensor<1x2x32x16xf32>) outs(%init : tensor<1x4x8x16xf32>) {causal = true} -> tensor<1x4x8x16xf32>
  return %o : tensor<1x4x8x16xf32>
}
"""

SPARSIFY = "builtin.module(bitsink-sparsify-attention{num-sinks=4 window=16})"


@pytest.fixture
def ctx():
    return bitsink.Context()


def attention_line(module):
    return next(
        line for line in str(module).splitlines() if "bitsink.sink_attention" in line
    )


def test_print_parse_round_trip(ctx):
    text = str(ctx.parse(ATTENTION))
    assert "bitsink.sink_attention" in text
    assert str(ctx.parse(text)) == text


def test_sparsify_sets_sinks_and_window(ctx):
    module = ctx.parse(ATTENTION)
    assert "num_sinks" not in attention_line(module)
    module.run_pipeline(SPARSIFY)
    line = attention_line(module)
    assert "num_sinks = 4" in line
    assert "window = 16" in line
    module.verify()


def test_malformed_ir_reports_line_and_column(ctx):
    with pytest.raises(
        bitsink.MLIRError, match=r"bad\.mlir:2:22: error: expected attribute value"
    ):
        ctx.parse(
            "func.func @f() {\n  %0 = arith.constant : i32\n}", source_name="bad.mlir"
        )


def test_notes_follow_their_error_once(ctx):
    # A redefined SSA value: one error and one note pointing at the first
    # definition, each on its own line.
    with pytest.raises(bitsink.MLIRError) as error:
        ctx.parse(
            "func.func @f() {\n  %0 = arith.constant 0 : i32\n"
            "  %0 = arith.constant 1 : i32\n  return\n}",
            source_name="redef.mlir",
        )
    lines = str(error.value).splitlines()
    errors = [l for l in lines if ": error: " in l]
    notes = [l for l in lines if ": note: " in l]
    assert len(errors) == 1 and "redef.mlir:3:3" in errors[0]
    assert len(notes) == 1 and notes[0].startswith("redef.mlir:2:3: note: ")


def test_verifier_error_on_parse(ctx):
    # Hq = 3 query heads cannot be shared out over Hkv = 2 key/value heads.
    with pytest.raises(bitsink.MLIRError) as error:
        ctx.parse(ATTENTION.replace("1x4x8x16", "1x3x8x16"))
    message = str(error.value)
    assert "<string>:2:8: error: 'bitsink.sink_attention' op" in message
    assert "multiple of the key/value head count" in message


def test_unknown_pass(ctx):
    with pytest.raises(
        bitsink.MLIRError,
        match="'no-such-pass' does not refer to a registered pass",
    ):
        ctx.parse(ATTENTION).run_pipeline("builtin.module(no-such-pass)")


def test_pipeline_anchored_on_another_op(ctx):
    with pytest.raises(
        bitsink.MLIRError,
        match="can't run 'func.func' pass manager on 'builtin.module' op",
    ):
        ctx.parse(ATTENTION).run_pipeline("func.func(canonicalize)")


def test_pass_failure(ctx):
    # head-windows needs one window per query head and the op has four.
    with pytest.raises(
        bitsink.MLIRError,
        match=r"<string>:2:8: error: bitsink-sparsify-attention: head-windows "
        r"has 2 entries but attention #0 has 4 query heads",
    ):
        ctx.parse(ATTENTION).run_pipeline(
            "builtin.module(bitsink-sparsify-attention{head-windows=8,16})"
        )


def test_remarks_of_a_successful_pipeline(ctx):
    module = ctx.parse(ATTENTION.replace(" {causal = true}", ""))
    module.run_pipeline(SPARSIFY)
    assert "<string>:2:8: remark: attention #0 left dense" in ctx.diagnostics
    assert "num_sinks" not in attention_line(module)


def test_module_keeps_its_context_alive():
    module = bitsink.Context().parse(ATTENTION)
    gc.collect()
    module.run_pipeline(SPARSIFY)
    assert "num_sinks = 4" in attention_line(module)
