"""Bit-plane quantisation of an imported decoder, calibrated on the model's
own activations.

``quantize_module(module, model, bits, calibration_text=...)`` binds the
linear weights of a module emitted by ``bitsink.models.llama`` as
``dense_resource`` constants, records the input activations of every linear
layer while the float model (numpy, the weights of ``model``) reads the
calibration text, and runs ``bitsink-quantize-weights`` (bpdq by default)
with those activations: every ``linalg.matmul`` over a bound weight becomes a
``bitsink.bitplane_matmul`` over packed planes. The calibration text must not
be the text the model is evaluated on.

The tied output projection (``token_embd.weight`` read by the LM head) is
quantised with ``head="quantized"`` and kept in f32 with ``head="f32"``; the
embedding lookup always reads the float table.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections import ChainMap
from pathlib import Path
from typing import (Callable, Dict, Iterable, List, Mapping, Optional,
                    Sequence)

import numpy as np

__all__ = [
    "calibration_activations",
    "calibration_hessians",
    "dequantize_weight",
    "layer_importance",
    "layer_inputs",
    "linear_bits_per_weight",
    "linear_weight_names",
    "quantize_module",
    "stored_bits_per_weight",
    "quantize_weights",
    "quantize_weights_budget",
]


def linear_weight_names(config) -> List[str]:
    """GGUF names of the linear weights of every layer, in layer order."""
    names = []
    for layer in range(config.num_layers):
        for part in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate",
                     "ffn_up", "ffn_down"):
            names.append(f"blk.{layer}.{part}.weight")
    return names


def _rms_norm(x: np.ndarray, weight: np.ndarray, eps: float) -> np.ndarray:
    variance = np.mean(x * x, axis=-1, keepdims=True)
    return (x / np.sqrt(variance + eps)) * weight


def _rope(x: np.ndarray, positions: np.ndarray, theta: float, dims: int,
          style: str) -> np.ndarray:
    """Rotates x [heads, T, D] by `positions` [T]."""
    pairs = np.arange(dims // 2, dtype=np.float64)
    frequency = theta ** (-2.0 * pairs / dims)
    angle = positions[:, None].astype(np.float64) * frequency[None, :]
    cos = np.cos(angle).astype(np.float32)
    sin = np.sin(angle).astype(np.float32)
    out = x.copy()
    if style == "interleaved":
        a, b = x[..., 0:dims:2], x[..., 1:dims:2]
        out[..., 0:dims:2] = a * cos - b * sin
        out[..., 1:dims:2] = a * sin + b * cos
    else:
        a, b = x[..., : dims // 2], x[..., dims // 2 : dims]
        out[..., : dims // 2] = a * cos - b * sin
        out[..., dims // 2 : dims] = a * sin + b * cos
    return out


def layer_inputs(model, ids: Sequence[int],
                 record: Callable[[str, np.ndarray], None], *,
                 weights: Optional[Mapping[str, np.ndarray]] = None,
                 start: int = 0, hidden: Optional[np.ndarray] = None,
                 streams: Optional[List[np.ndarray]] = None) -> np.ndarray:
    """Runs the float model (numpy, dense causal attention) over `ids` from
    position 0 and calls `record(weight_name, X)` with the input rows
    X [T, K] of every linear layer. Returns the final hidden states [T, d]
    (after the output norm). `weights` replaces weights of the model by
    name (``[out, in]``, as ``model.weights``); with `start` > 0 the layers
    before it are skipped and `hidden` is the residual stream [T, d]
    entering layer `start`; `streams`, a list, receives the residual stream
    entering each layer that runs."""
    cfg = model.config
    w = model.weights if weights is None else ChainMap(weights, model.weights)
    hq, hkv, d = cfg.num_heads, cfg.num_kv_heads, cfg.head_dim
    t = len(ids)
    positions = np.arange(t)
    x = (w["token_embd.weight"][np.asarray(ids)].astype(np.float32)
         if start == 0 else hidden)
    causal = np.triu(np.full((t, t), -np.inf, np.float32), 1)
    for layer in range(start, cfg.num_layers):
        if streams is not None:
            streams.append(x)
        p = f"blk.{layer}."
        h = _rms_norm(x, w[p + "attn_norm.weight"], cfg.rms_eps)
        for part in ("attn_q", "attn_k", "attn_v"):
            record(p + part + ".weight", h)
        q = (h @ w[p + "attn_q.weight"].T).reshape(t, hq, d).transpose(1, 0, 2)
        k = (h @ w[p + "attn_k.weight"].T).reshape(t, hkv, d).transpose(1, 0, 2)
        v = (h @ w[p + "attn_v.weight"].T).reshape(t, hkv, d).transpose(1, 0, 2)
        q = _rope(q, positions, cfg.rope_theta, cfg.rope_dims, cfg.rope_style)
        k = _rope(k, positions, cfg.rope_theta, cfg.rope_dims, cfg.rope_style)
        group = hq // hkv
        k = np.repeat(k, group, axis=0)
        v = np.repeat(v, group, axis=0)
        scores = q @ k.transpose(0, 2, 1) / np.float32(np.sqrt(d)) + causal
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        attention = (scores @ v).transpose(1, 0, 2).reshape(t, hq * d)
        record(p + "attn_output.weight", attention)
        x = x + attention @ w[p + "attn_output.weight"].T
        h = _rms_norm(x, w[p + "ffn_norm.weight"], cfg.rms_eps)
        record(p + "ffn_gate.weight", h)
        record(p + "ffn_up.weight", h)
        gate = h @ w[p + "ffn_gate.weight"].T
        up = h @ w[p + "ffn_up.weight"].T
        act = gate / (1.0 + np.exp(-gate)) * up
        record(p + "ffn_down.weight", act)
        x = x + act @ w[p + "ffn_down.weight"].T
    out = _rms_norm(x, w["output_norm.weight"], cfg.rms_eps)
    record("token_embd.weight", out)
    return out


def _read_calibration(model, ids: Sequence[int], rows: int, sequence: int,
                      record) -> None:
    """The float model reads the first `rows` tokens of `ids` in sequences
    of `sequence` tokens (each from position 0, with BOS; `rows` rows in
    all), calling `record(weight name, input rows)` (layer_inputs)."""
    taken = 0
    for start in range(0, len(ids), sequence - 1):
        if taken >= rows:
            break
        tokens = [model.config.bos_id] + list(ids[start : start + sequence - 1])
        tokens = tokens[: rows - taken]
        layer_inputs(model, tokens, record)
        taken += len(tokens)


def calibration_activations(model, text: str, rows: int = 2048,
                            sequence: int = 512) -> Dict[str, np.ndarray]:
    """Input activations of every linear layer while the float model reads
    the first `rows` tokens of `text` in sequences of `sequence` tokens
    (each from position 0, with BOS): `rows` rows per weight."""
    ids = model.encode(text, add_bos=False)
    if not ids:
        raise ValueError("calibration text is empty")
    gathered: Dict[str, List[np.ndarray]] = {}

    def record(name, x):
        gathered.setdefault(name, []).append(np.ascontiguousarray(x))

    _read_calibration(model, ids, rows, sequence, record)
    return {name: np.concatenate(parts).astype(np.float32)
            for name, parts in gathered.items()}


class _Input:
    """The calibration of one linear input (the rows one or several weights
    read) while the float model produces it batch by batch: the rows
    themselves while there are at most 2K of them (T·K floats, no more room
    than the K² doubles of their Hessian), then their Hessian XᵀX/T in the
    library's accumulator (fed the kept rows first, in order: the Hessian
    depends only on the rows in order). Either gives the result
    quantize(calibration=X) gives from all the rows, bit for bit: with
    more than K/2 rows that is quantize() from the rows' XᵀX/T. With
    `keep_rows` False it accumulates from the first row."""

    def __init__(self, k: int, keep_rows: bool):
        self.k = k
        self.count = 0
        self.rows: Optional[List[np.ndarray]] = [] if keep_rows else None
        self.accumulator = None if keep_rows else self._accumulator()

    def _accumulator(self):
        from .. import HessianAccumulator

        return HessianAccumulator(self.k)

    def add(self, x: np.ndarray) -> None:
        rows = np.ascontiguousarray(x, dtype=np.float32).reshape(-1, self.k)
        self.count += rows.shape[0]
        if self.accumulator is None:
            if self.count <= 2 * self.k:
                self.rows.append(rows)
                return
            self.accumulator = self._accumulator()
            for kept in self.rows:
                self.accumulator.add(kept)
            self.rows = None
        self.accumulator.add(rows)

    def calibration(self) -> Dict[str, np.ndarray]:
        """bitsink.quantize's calibration argument: ``calibration`` (the
        rows, when kept) or ``calibration_hessian``."""
        if self.accumulator is None:
            return {"calibration": np.concatenate(self.rows)}
        return {"calibration_hessian": self.accumulator.hessian}


def _accumulate_calibration(model, text: str, rows: int, sequence: int,
                            keep_rows: bool) -> Dict[str, Dict[str, np.ndarray]]:
    """What calibration_activations records, accumulated per linear input
    as the float model produces it (one _Input per distinct input: q, k and
    v read one, gate and up another), never stored whole: {weight name:
    bitsink.quantize calibration argument}; weights reading one input
    share one argument (the same arrays)."""
    ids = model.encode(text, add_bos=False)
    if not ids:
        raise ValueError("calibration text is empty")
    inputs: Dict[str, _Input] = {}
    owner: Dict[str, str] = {}
    last = {"array": None, "name": ""}

    def record(name, x):
        # layer_inputs hands the weights that read one input the same
        # array, one after the other: they share its accumulator.
        if x is last["array"]:
            if owner.setdefault(name, last["name"]) != last["name"]:
                raise RuntimeError(f"calibration: {name!r} read another input "
                                   "in an earlier sequence")
            return
        if owner.setdefault(name, name) != name:
            raise RuntimeError(f"calibration: {name!r} read a shared input in "
                               "an earlier sequence")
        if name not in inputs:
            inputs[name] = _Input(x.shape[-1], keep_rows)
        inputs[name].add(x)
        last["array"], last["name"] = x, name

    _read_calibration(model, ids, rows, sequence, record)
    last["array"] = None
    arguments = {}
    # One input at a time, so that its accumulator is gone before the next
    # Hessian is copied out.
    for name in list(inputs):
        arguments[name] = inputs.pop(name).calibration()
    return {name: arguments[source] for name, source in owner.items()}


def calibration_hessians(model, text: str, rows: int = 2048,
                         sequence: int = 512) -> Dict[str, np.ndarray]:
    """The Hessians XᵀX/T of the input activations of every linear layer
    over the rows calibration_activations records (the first `rows` tokens
    of `text` in sequences of `sequence` tokens), summed sequence by
    sequence with ``bitsink.HessianAccumulator`` instead of stored: K x K
    float64 per input, however many rows (weights that read one input, q, k
    and v or gate and up, share one array). Each is the Hessian
    ``bitsink.quantize(calibration=X)`` forms from the rows, bit for bit,
    for ``calibration_hessian=``, ``quantize_weights(calibration_hessians=)``
    and bitsink-quantize-weights' ``<name>.hessian`` archive entries."""
    arguments = _accumulate_calibration(model, text, rows, sequence,
                                        keep_rows=False)
    return {name: a["calibration_hessian"] for name, a in arguments.items()}


def _calibration_arguments(model, calibration_text: str, calibration,
                           calibration_hessians, rows: int, say
                           ) -> Dict[str, Dict[str, np.ndarray]]:
    """{weight name: bitsink.quantize calibration argument} from the rows
    or Hessians given, or, with neither, from `rows` tokens of the
    calibration text: per linear input its rows while at most 2K, else
    their Hessian accumulated batch by batch (_Input), so that every weight
    gets quantize(calibration=X)'s result, bit for bit, and an input holds
    min(T·K floats, K² doubles)."""
    if calibration is not None and calibration_hessians is not None:
        raise ValueError("give calibration (the rows) or calibration_hessians "
                         "(their Hessians), not both")
    if calibration is not None:
        return {name: {"calibration": x} for name, x in calibration.items()}
    if calibration_hessians is not None:
        return {name: {"calibration_hessian": h}
                for name, h in calibration_hessians.items()}
    say(f"calibration: float model over {rows} rows of calibration text "
        "(Hessians accumulated per input)")
    return _accumulate_calibration(model, calibration_text, rows, 512,
                                   keep_rows=True)


def quantize_module(module, model, bits: int, *, calibration_text: str,
                    entries: Sequence[str] = ("prefill", "decode"),
                    method: str = "bpdq",
                    group_size: int = 128, head: str = "f32",
                    layer_config: Iterable[str] = (), rows: int = 2048,
                    calibration: Optional[Dict[str, np.ndarray]] = None,
                    progress: Optional[Callable[[str], None]] = None,
                    rotation: int = 0, sub_block: int = 0) -> None:
    """Quantises the linear weights of `module` (a ``bitsink.Module`` emitted
    by ``model.ir(..., weights="arguments")``) in place.

    `bits` stored bit-planes (1-4) per weight with `method` (rtn, bpdq,
    trit) and groups of `group_size` rows, calibrated on activations of
    `calibration_text` (or the given `calibration` arrays keyed by weight
    name). `layer_config` entries ``PATTERN=P[:G]`` override the planes of
    matching weights (bitsink-quantize-weights' layer-config); from the
    text, inputs with more than 2K rows reach the pass as their Hessians
    (``<name>.hessian`` archive entries), not as rows. `head`:
    "quantized" quantises the tied output projection too, "f32" keeps it.
    The linear weight arguments of `entries` are bound as ``dense_resource``
    constants first (one blob per weight, shared by the entries, so each is
    quantised once); the embedding table stays an argument. `rotation`:
    the pass's rotation option (docs/quantizer.md, "Rotation");
    `sub_block`: its sub-block option (scale codes every S rows).
    """
    if head not in ("f32", "quantized"):
        raise ValueError(f"head must be 'f32' or 'quantized', got {head!r}")
    if "func.call @" in str(module):
        raise ValueError(
            "quantize_module: the module's layers are in the shared-layer form "
            "(model.ir(layers='call'), bitsink.Decoder's default), whose layer "
            "function reads its weights as arguments, which the pass cannot "
            "quantize. Use layers='inline', or quantize_weights + "
            "Decoder(quantized=...)")
    say = progress or (lambda message: None)
    started = time.time()
    if calibration is None:
        # Per linear input its rows while at most 2K, else their Hessian
        # accumulated sequence by sequence: the archive holds `<name>` rows
        # or `<name>.hessian` entries, which bitsink-quantize-weights turns
        # into the same quantization, bit for bit (docs/quantize-weights.md).
        say(f"calibration: float model over {rows} rows of calibration text "
            "(Hessians accumulated per input)")
        arguments = _accumulate_calibration(model, calibration_text, rows,
                                            512, keep_rows=True)
        calibration = {}
        for name, argument in arguments.items():
            if "calibration" in argument:
                calibration[name] = argument["calibration"]
            else:
                calibration[name + ".hessian"] = argument["calibration_hessian"]
    if head == "f32":
        calibration = {k: v for k, v in calibration.items()
                       if not k.startswith("token_embd.weight")}
    bound = [n for n in linear_weight_names(model.config)]
    if head == "quantized":
        bound.append("token_embd.weight" if model.config.tied_embeddings
                     else "output.weight")
    with tempfile.TemporaryDirectory(prefix="bitsink-calibration-") as tmp:
        path = Path(tmp) / "calibration.npz"
        np.savez(path, **calibration)
        for name in _entries(module, entries):
            present = set(module.argument_names(name))
            module.bind_arguments(name, {n: model.weights[n] for n in bound
                                         if n in present})
        options = [f"method={method}", f"planes={bits}",
                   f"group-size={group_size}", f"calibration={path}"]
        if rotation:
            options.append(f"rotation={rotation}")
        if sub_block:
            options.append(f"sub-block={sub_block}")
        config = list(layer_config)
        if config:
            options.append("layer-config=" + ",".join(config))
        say(f"quantize: {method}, {bits} bit-planes, groups of {group_size}, "
            f"{len(bound)} weights"
            + (", output projection included" if head == "quantized" else ""))
        module.run_pipeline(
            "builtin.module(bitsink-quantize-weights{" + " ".join(options) + "})")
    say(f"quantize: done in {time.time() - started:.1f} s")


def _entries(module, entries: Sequence[str]) -> List[str]:
    """The entries of `entries` that `module` defines."""
    from .. import MLIRError

    present = []
    for name in entries:
        try:
            module.argument_names(name)
        except MLIRError:
            continue
        present.append(name)
    if not present:
        raise ValueError(f"the module defines none of the entries {list(entries)}")
    return present


def stored_bits_per_weight(k: int, planes: int, coefficients: int,
                           group_size: int, coefficient_bits: int = 16,
                           sub_block: int = 0) -> float:
    """Bits stored per weight of a K-row bit-plane weight, as the quantizer
    library reports them (``bitsink::quant::storedBitsPerWeight``): per
    output column, `planes` planes of ceil(K/32) 32-bit words and
    ceil(K/group_size) groups of `coefficients` coefficients, over K. A
    group size <= 0 or >= K is one group. K = 576, 3 planes, 4 f16
    coefficients, groups of 128: 3 + 16·4·5/576 = 3.556. With sub-block
    scale codes (`sub_block` S > 0) also ceil(ceil(K/S)/8) 32-bit words of
    4-bit codes."""
    if k <= 0:
        return 0.0
    groups = 1 if group_size <= 0 or group_size >= k else -(-k // group_size)
    words = -(-k // 32)
    scale_words = -(-(-(-k // sub_block)) // 8) if sub_block > 0 else 0
    return (planes * 32 * words + coefficient_bits * coefficients * groups
            + 32 * scale_words) / k


def linear_bits_per_weight(model, quantized) -> float:
    """Bits per weight over the quantised weights of `model`
    (``{name: QuantizedWeight}`` from ``quantize_weights``), each weighted by
    its size: everything stored (planes with their padding words and every
    group's coefficients) over the number of weights."""
    bits = weights = 0
    for name, q in quantized.items():
        n, k = model.weights[name].shape
        bits += q.bits_per_weight * k * n
        weights += k * n
    return bits / weights if weights else 0.0


def _layer_override(name: str, layer_config: Iterable[str], planes: int,
                    group_size: int):
    """bitsink-quantize-weights' layer-config rule: the first PATTERN=P[:G]
    (or PATTERN=none) entry whose PATTERN is part of `name`."""
    for entry in layer_config:
        pattern, _, value = entry.rpartition("=")
        if not pattern or not value:
            raise ValueError(f"layer-config entry {entry!r} is not PATTERN=P, "
                             "PATTERN=P:G or PATTERN=none")
        if pattern not in name:
            continue
        if value == "none":
            return None
        p, _, g = value.partition(":")
        return int(p), int(g) if g else group_size
    return planes, group_size


def quantize_weights(model, bits: int, *, calibration_text: str = "",
                     calibration: Optional[Dict[str, np.ndarray]] = None,
                     calibration_hessians: Optional[Dict[str, np.ndarray]] = None,
                     method: str = "bpdq", group_size: int = 128,
                     head: str = "f32", layer_config: Iterable[str] = (),
                     rows: int = 2048, cache_dir=None,
                     progress: Optional[Callable[[str], None]] = None,
                     budget: float = 0.0, rotation: int = 0,
                     damp: Optional[float] = None, sub_block: int = 0,
                     _arguments: Optional[Dict[str, Dict[str, np.ndarray]]] = None
                     ) -> Dict[str, "object"]:
    """Quantises the linear weights of `model` with the quantizer library
    (``bitsink.quantize``: the one bitsink-quantize-weights runs, with the
    same options and calibration rule) and returns ``{name:
    QuantizedWeight}`` for ``model.ir(..., quantized=...)``, which emits
    ``bitsink.bitplane_matmul`` over planes and coefficients passed as
    arguments. That form keeps the layers in one shared function
    (``layers="call"``), which compiles ~10x faster than the inline form
    that bitsink-quantize-weights needs (it rewrites matmuls whose weight is
    a constant). With `cache_dir`, the packed weights are kept there as an
    .npz keyed by the model file, the method and the calibration (each
    weight stored under its name, plane count and group size; given both
    `calibration_text` and `calibration` or `calibration_hessians`, the
    arrays must be the text's, and the cache is keyed by the text).

    A weight's calibration is its rows in `calibration` ({name: X [T, K]}),
    or their Hessian in `calibration_hessians` ({name: XᵀX/T [K, K]}, e.g.
    from ``calibration_hessians``), not both; with neither, the activations
    of the first `rows` tokens of `calibration_text`, summed into one
    Hessian per linear input while the float model produces them
    (``bitsink.HessianAccumulator``: K² doubles per input, not T·K floats
    per weight; an input's rows are kept as rows while there are at most
    2K, which take no more room). The result is the one the stored rows
    give, bit for bit: with more than K/2 rows quantize() from the rows'
    XᵀX/T is quantize() from the rows.

    `budget` > 0 chooses planes and group size per weight instead
    (``quantize_weights_budget``: an average of at most `budget` stored bits
    per weight, least summed calibration error); `bits` is then unused and
    the allocation table goes to `progress`.

    `rotation` > 0 quantizes every weight with the Walsh–Hadamard rotation
    of ``bitsink.quantize(rotation=)`` (seed 0, so weights of one K share
    their signs): the graph of ``model.ir`` then multiplies each rotated
    weight's input by R (docs/quantizer.md, "Rotation"). `damp`: the
    quantizer's Hessian damping (None: the library's default, 0.01;
    docs/quantizer.md measures 0.1 on SmolLM2). `sub_block` > 0: every
    weight with sub-block scale codes (``bitsink.quantize(sub_block=)``;
    docs/quantizer.md, "Sub-block scale codes")."""
    import hashlib

    if budget:
        out, allocation = quantize_weights_budget(
            model, budget, calibration_text=calibration_text,
            calibration=calibration, calibration_hessians=calibration_hessians,
            method=method, head=head, layer_config=layer_config, rows=rows,
            cache_dir=cache_dir, progress=progress, rotation=rotation)
        return out

    from .. import QuantizedWeight, quantize

    if head not in ("f32", "quantized"):
        raise ValueError(f"head must be 'f32' or 'quantized', got {head!r}")
    if calibration is not None and calibration_hessians is not None:
        raise ValueError("give calibration (the rows) or calibration_hessians "
                         "(their Hessians), not both")
    say = progress or (lambda message: None)
    layer_config = list(layer_config)
    names = linear_weight_names(model.config)
    if head == "quantized":
        names.append("token_embd.weight" if model.config.tied_embeddings
                     else "output.weight")
    # The cache: one archive per (model file, method, calibration), holding
    # each weight under its name and configuration, so another bit width or
    # head choice reuses the weights already done. The text's Hessians give
    # the results its rows gave, so the key of a text is what it was.
    path = None
    cached: Dict[str, np.ndarray] = {}
    if cache_dir is not None:
        key = hashlib.sha256()
        source = getattr(model, "path", "")
        if source and os.path.exists(source):
            stat = os.stat(source)
            key.update(f"{source}:{stat.st_size}:{stat.st_mtime_ns}".encode())
        key.update(repr((model.config, method, rows)).encode())
        if rotation:
            key.update(f"rotation={rotation}".encode())
        if damp is not None:
            key.update(f"damp={damp!r}".encode())
        if (calibration is None and calibration_hessians is None) \
                or calibration_text:
            # Given both, the arrays are the text's.
            key.update(calibration_text.encode())
            if calibration_hessians is not None:
                # Hessians alone measure rel_error otherwise with <= K/2 rows.
                key.update(b"calibration_hessians")
        elif calibration is not None:
            for name in sorted(calibration):
                key.update(name.encode())
                key.update(np.ascontiguousarray(calibration[name]).tobytes())
        else:
            key.update(b"calibration_hessians")
            for name in sorted(calibration_hessians):
                key.update(name.encode())
                key.update(np.ascontiguousarray(calibration_hessians[name],
                                                dtype=np.float64).tobytes())
        path = Path(cache_dir) / f"weights-{method}-{key.hexdigest()[:16]}.npz"
        if path.exists():
            with np.load(path) as archive:
                cached = {k: archive[k] for k in archive.files}
    plan = {}
    for name in names:
        config = _layer_override(name, layer_config, bits, group_size)
        if config is not None:
            plan[name] = config
    out = {}
    suffix = f"S{sub_block}" if sub_block else ""
    for name, (planes, group) in plan.items():
        prefix = f"{name}/P{planes}G{group}{suffix}"
        if f"{prefix}/meta" in cached:
            meta = cached[f"{prefix}/meta"]
            planes_, coefficients = (cached[f"{prefix}/planes"],
                                     cached[f"{prefix}/coefficients"])
            # Bits per weight from what is stored (older caches recorded
            # P + 16·C/g, which under-counts a short last group).
            signs = cached.get(f"{prefix}/rotation_signs")
            scales = cached.get(f"{prefix}/scales")
            out[name] = QuantizedWeight(
                planes=planes_, coefficients=coefficients,
                dequantized=None, plane_kind=str(meta[0]),
                group_size=int(meta[1]), rel_error=float(meta[2]),
                weight_rel_error=float(meta[3]),
                bits_per_weight=stored_bits_per_weight(
                    model.weights[name].shape[1], planes_.shape[0],
                    coefficients.shape[1], int(meta[1]),
                    sub_block=sub_block),
                damp=float(meta[5]), rtn_columns=int(meta[6]),
                rotation_block=int(meta[7]) if len(meta) > 7 else 0,
                rotation_signs=signs, scales=scales,
                sub_block=sub_block if scales is not None else 0)
    if len(out) == len(plan):
        say(f"quantize: {len(out)} weights from {path}")
        return out
    started = time.time()
    arguments = _arguments
    if arguments is None:
        arguments = _calibration_arguments(model, calibration_text,
                                           calibration, calibration_hessians,
                                           rows, say)
    for index, (name, (planes, group)) in enumerate(plan.items()):
        if name in out:
            continue
        weight = np.ascontiguousarray(model.weights[name].T)  # K x N
        q = quantize(weight, method=method, planes=planes, group_size=group,
                     rotation=rotation, damp=damp, sub_block=sub_block,
                     **arguments.get(name, {}))
        out[name] = q
        prefix = f"{name}/P{planes}G{group}{suffix}"
        cached[f"{prefix}/planes"] = q.planes
        cached[f"{prefix}/coefficients"] = q.coefficients
        cached[f"{prefix}/meta"] = np.array(
            [q.plane_kind, q.group_size, q.rel_error, q.weight_rel_error,
             q.bits_per_weight, q.damp, q.rtn_columns, q.rotation_block])
        if q.rotation_block:
            cached[f"{prefix}/rotation_signs"] = q.rotation_signs
        if q.sub_block:
            cached[f"{prefix}/scales"] = q.scales
        say(f"quantize: {index + 1}/{len(plan)} {name} P={planes} "
            f"rel_error {q.rel_error:.4f}")
    say(f"quantize: {len(plan)} weights in {time.time() - started:.1f} s")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".partial.npz")
        np.savez(partial, **cached)
        partial.replace(path)
    return out


def quantize_weights_budget(model, budget: float, *,
                            calibration_text: str = "",
                            calibration: Optional[Dict[str, np.ndarray]] = None,
                            calibration_hessians: Optional[
                                Dict[str, np.ndarray]] = None,
                            method: str = "bpdq", head: str = "f32",
                            layer_config: Iterable[str] = (),
                            configs: Optional[Sequence] = None,
                            importance: Optional[Dict[str, float]] = None,
                            rows: int = 2048, cache_dir=None,
                            progress: Optional[Callable[[str], None]] = None,
                            objective: str = "absolute", rotation: int = 0,
                            check_tokens: int = 0, check_skip: int = 0):
    """Mixed precision by bit budget (docs/quantize-weights.md, "Bit
    budgets"), as bitsink-quantize-weights{budget=B}: every linear weight is
    quantised with each (planes, group size) of `configs`
    (``bitsink.budget.DEFAULT_CONFIGS``: planes 1-4 x groups 64/128/256),
    (or (planes, group size, sub-block), with scale codes: e.g.
    ``bitsink.budget.SUB_BLOCK_CONFIGS``), its error ‖X(W − Ŵ)‖²_F / T on
    the calibration rows recorded (or, with
    ``objective="relative"``, that over ‖XW‖²_F; times ``importance[name]``
    when given; ``bitsink.budget.candidate_error`` and ``output_energy``,
    the pass's own code), and ``bitsink.budget.allocate_budget``
    picks one configuration per weight so that the weight-count weighted
    average of the stored bits per weight is at most `budget`. Weights a
    `layer_config` entry names keep that entry's configuration and count
    toward the budget. `importance` (e.g. ``layer_importance``) needs an
    entry for every other weight. The calibration is that of
    quantize_weights: rows (`calibration`) or their Hessians XᵀX/T
    (`calibration_hessians`; the errors are then wᵀHw-weighted, in the
    same units), not both, or else the text's, accumulated once for every
    configuration. Returns ({name: QuantizedWeight}, BudgetAllocation);
    with `cache_dir` every candidate is kept as quantize_weights keeps
    it. `rotation`: every candidate rotated (quantize_weights).

    `check_tokens` > 0 (needs `calibration_text`) checks the allocation on
    the model, which one matmul at a time cannot: the mean KL divergence of
    the next-token distributions over the first `check_tokens` calibration
    tokens after the first `check_skip` (as layer_importance; skip the
    tokens that measured the importance, or the check favours the
    allocation fitted to them), of the allocation and of every uniform
    allocation of `configs` that fits the budget (one candidate for every
    weight; layer-config weights keep theirs), and returns the one with the
    least. The summed calibration errors are a proxy: on SmolLM2-135M at
    3.11 bits the allocator's choice gave a higher perplexity than uniform
    3 planes per channel at 3.09 (docs/quantize-weights.md, "Bit budgets").
    The returned allocation's ``checked`` holds each tried allocation's KL
    ("allocator", "uniform P=p g=g") and ``selected`` the one returned."""
    from ..budget import (DEFAULT_CONFIGS, OBJECTIVES, BudgetCandidate,
                          BudgetLayer, _config, allocate_budget,
                          candidate_error, distinct_configs, effective_config)

    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got "
                         f"{objective!r}")

    say = progress or (lambda message: None)
    configs = [tuple(int(v) for v in c) for c in (configs or DEFAULT_CONFIGS)]
    layer_config = list(layer_config)
    arguments = _calibration_arguments(model, calibration_text, calibration,
                                       calibration_hessians, rows, say)
    results = {}
    for config in configs:
        planes, group, sub_block = _config(config)
        say(f"budget: candidates P={planes} g={group}"
            + (f" S={sub_block}" if sub_block else ""))
        results[config] = quantize_weights(
            model, planes, calibration_text=calibration_text,
            calibration=calibration, calibration_hessians=calibration_hessians,
            method=method, group_size=group, head=head,
            layer_config=layer_config, rows=rows, cache_dir=cache_dir,
            progress=progress, rotation=rotation, sub_block=sub_block,
            _arguments=arguments)
    names = list(results[configs[0]])
    layers = {}
    for name in names:
        n, k = model.weights[name].shape  # N x K
        energy = _output_energy(model, name, arguments)
        fixed = _layer_override(name, layer_config, -1, -1)
        if importance is not None and name not in importance \
                and fixed == (-1, -1):
            # As the pass: every weight the budget chooses for needs one.
            raise ValueError(f"importance has no entry for {name!r}")
        weight_importance = (importance or {}).get(name, 1.0)

        def error_of(q):
            return candidate_error(q.rel_error, energy, objective,
                                   weight_importance)

        if fixed != (-1, -1):
            q = results[configs[0]][name]
            layers[name] = BudgetLayer(k * n, [BudgetCandidate(
                fixed[0], q.group_size, q.bits_per_weight, error_of(q))],
                fixed=0)
            continue
        candidates = []
        for config in distinct_configs(configs, k):
            planes, group, sub_block = _config(config)
            q = results[config][name]
            candidates.append(BudgetCandidate(planes, group, q.bits_per_weight,
                                              error_of(q), sub_block))
        layers[name] = BudgetLayer(k * n, candidates)
    allocation = allocate_budget(layers, budget)

    def chosen_weights(alloc):
        out = {}
        for choice in alloc.layers:
            key = (configs[0] if choice.fixed
                   else (choice.planes, choice.group_size)
                   + ((choice.sub_block,) if choice.sub_block else ()))
            out[choice.name] = results[key][choice.name]
        return out

    out = chosen_weights(allocation)
    if check_tokens > 0:
        if not calibration_text:
            raise ValueError("check_tokens needs calibration_text")
        model_kl = _model_divergence(model, calibration_text, check_tokens,
                                     skip=check_skip)

        def divergence(quantized):
            return model_kl(_dequantized_weights(model, quantized))

        checked = {"allocator": (divergence(out), allocation, out)}
        for config in configs:
            planes, group, sub_block = _config(config)
            # Every free weight at this configuration (its effective one: a
            # group at least K is per channel), if that fits the budget.
            uniform = {}
            for name, layer in layers.items():
                if layer.fixed is not None:
                    uniform[name] = layer
                    continue
                k = model.weights[name].shape[1]
                effective = effective_config(planes, group, k, sub_block)
                match = [c for c in layer.candidates
                         if effective_config(c.planes, c.group_size, k,
                                             c.sub_block) == effective]
                uniform[name] = BudgetLayer(layer.weights, match[:1])
            total = sum(layer.weights for layer in uniform.values())
            bits = sum(layer.weights * layer.candidates[
                layer.fixed or 0].bits_per_weight
                for layer in uniform.values()) / total
            if bits > budget:
                continue
            alloc = allocate_budget(uniform, budget)
            weights = chosen_weights(alloc)
            label = f"uniform P={planes} g={group}" + (
                f" S={sub_block}" if sub_block else "")
            checked[label] = (divergence(weights), alloc, weights)
            say(f"budget check: {label} KL {checked[label][0]:.6g}")
        say(f"budget check: allocator KL {checked['allocator'][0]:.6g}")
        selected = min(checked, key=lambda label: checked[label][0])
        _, allocation, out = checked[selected]
        allocation.checked = {label: v[0] for label, v in checked.items()}
        allocation.selected = selected
    say("budget allocation:\n" + allocation.table())
    return out, allocation


def _model_divergence(model, text: str, tokens: int, skip: int = 0):
    """A function of replaced weights ({name: [out, in] array}, as
    layer_inputs takes them) giving the mean KL divergence of the
    next-token distributions of the float model from those of the model
    with them, over `tokens` tokens of `text` (numpy model, from position
    0): BOS, then the text's tokens after the first `skip`. With `start`,
    the layers before it are skipped (none of the replaced weights may lie
    there)."""
    encoded = model.encode(text, add_bos=False)
    if skip and len(encoded) <= skip:
        raise ValueError(f"the calibration text has {len(encoded)} tokens, "
                         f"none after the {skip} to skip")
    ids = ([model.config.bos_id] + encoded[skip:])[:tokens]
    head = model.weights["token_embd.weight" if model.config.tied_embeddings
                         else "output.weight"]

    def log_probs(hidden):
        z = (hidden @ head.T).astype(np.float64)
        z -= z.max(axis=1, keepdims=True)
        return z - np.log(np.exp(z).sum(axis=1, keepdims=True))

    def ignore(name, x):
        pass

    streams: List[np.ndarray] = []
    reference = log_probs(layer_inputs(model, ids, ignore, streams=streams))
    p_reference = np.exp(reference)

    def divergence(weights: Mapping[str, np.ndarray],
                   start: int = 0) -> float:
        hidden = layer_inputs(model, ids, ignore, weights=weights, start=start,
                              hidden=streams[start] if start else None)
        return float(np.mean(np.sum(
            p_reference * (reference - log_probs(hidden)), axis=1)))

    return divergence


def _dequantized_weights(model, quantized) -> Dict[str, np.ndarray]:
    """{name: Ŵ as [out, in]} of QuantizedWeights, for layer_inputs."""
    return {name: np.ascontiguousarray(
        dequantize_weight(q, model.weights[name].shape[1]).T)
        for name, q in quantized.items()}


def _output_energy(model, name: str, arguments) -> float:
    """‖XW‖²_F / T of weight `name` on its calibration rows, or Σ wᵀHw with
    their Hessian (‖W‖²_F without either; `arguments` as
    _calibration_arguments makes them), as bitsink-quantize-weights
    computes it (``bitsink.budget.output_energy``): the absolute error of a
    candidate is rel_error² times this."""
    from ..budget import output_energy

    w = np.ascontiguousarray(model.weights[name].T)  # K x N
    return output_energy(w, **arguments.get(name, {}))


def dequantize_weight(q, k: int) -> np.ndarray:
    """Ŵ [K][N] (f32) of a QuantizedWeight of K rows, also one read back
    from quantize_weights' cache (whose ``dequantized`` is None): the
    bit-plane format of docs/semantics.md, Ŵ = c0 + Σ_l c_{l+1}·t_l per
    group, t_l = b_l (binary), 2b_l − 1 (signed) or m·(2s − 1) (ternary,
    planes 2l and 2l + 1), times (q + 1)/16 with sub-block scale codes; a
    rotated weight's R·Ŵ."""
    if q.dequantized is not None:
        return np.asarray(q.dequantized, np.float32)
    planes = np.ascontiguousarray(np.asarray(q.planes).astype("<u4"))
    by = np.ascontiguousarray(planes.transpose(0, 2, 1)).view(np.uint8)
    bits = np.unpackbits(by, axis=-1, bitorder="little")[:, :, :k]
    bits = bits.transpose(0, 2, 1).astype(np.float32)  # P, K, N
    if q.plane_kind == "ternary":
        terms = bits[0::2] * (2 * bits[1::2] - 1)
    elif q.plane_kind == "signed":
        terms = 2 * bits - 1
    elif q.plane_kind == "binary":
        terms = bits
    else:
        raise ValueError(f"unknown plane kind {q.plane_kind!r}")
    c = np.asarray(q.coefficients, np.float32)  # G, C, N
    g = k if q.group_size <= 0 or q.group_size >= k else q.group_size
    cr = c[np.arange(k) // g]  # K, C, N
    w = cr[:, 0, :].copy()
    for term in range(terms.shape[0]):
        w += terms[term] * cr[:, term + 1, :]
    sub_block = int(getattr(q, "sub_block", 0) or 0)
    if sub_block:
        unit = np.arange(k) // sub_block
        words = np.asarray(q.scales).astype(np.uint32)[unit // 8]  # K, N
        codes = (words >> (4 * (unit % 8)).astype(np.uint32)[:, None]) & 15
        w *= (codes.astype(np.float32) + 1) / 16
    if getattr(q, "rotation_block", 0):
        # R·Ŵ: back in the input's basis (x·W ≈ (x·R)·Ŵ).
        from .. import unrotate_weight
        w = unrotate_weight(w, q.rotation_signs, q.rotation_block)
    return w


def layer_importance(model, *, calibration_text: str,
                     calibration: Optional[Dict[str, np.ndarray]] = None,
                     calibration_hessians: Optional[Dict[str, np.ndarray]] = None,
                     probe=(2, 128), tokens: int = 256,
                     method: str = "bpdq", rows: int = 2048, cache_dir=None,
                     progress: Optional[Callable[[str], None]] = None,
                     rotation: int = 0) -> Dict[str, float]:
    """End-to-end importance of every linear weight, for
    ``quantize_weights_budget(importance=...)`` (docs/quantize-weights.md,
    "Bit budgets"): the mean KL divergence of the next-token distributions
    of the float model from those of the model with only that weight
    quantized at `probe` (planes, group size[, sub-block]), over the first
    `tokens`
    tokens of the calibration text (numpy model, from position 0), divided
    by the weight's calibration error ‖X(W − Ŵ)‖²_F / T at the probe. It
    is the model-level loss per unit of the layer error the allocator
    sums, which one matmul at a time cannot tell (how much an error in the
    layer moves the output). Costs one quantization of the model at the
    probe and, per weight, the float model from that weight's layer on.
    `calibration` / `calibration_hessians` as in quantize_weights (the
    text is still read for the KL divergence); `rotation` too (the probe
    quantized with the rotation the budget's candidates use)."""
    say = progress or (lambda message: None)
    names = linear_weight_names(model.config)
    arguments = _calibration_arguments(model, calibration_text, calibration,
                                       calibration_hessians, rows, say)
    planes, group, *sub_block = probe
    quantized = quantize_weights(
        model, planes, calibration_text=calibration_text,
        calibration=calibration, calibration_hessians=calibration_hessians,
        method=method, group_size=group, rows=rows, cache_dir=cache_dir,
        rotation=rotation, sub_block=sub_block[0] if sub_block else 0,
        _arguments=arguments)
    divergence = _model_divergence(model, calibration_text, tokens)
    started = time.time()
    out = {}
    for index, name in enumerate(names):
        layer = int(name.split(".")[1])
        q = quantized[name]
        kl = divergence(_dequantized_weights(model, {name: q}), start=layer)
        error = q.rel_error ** 2 * _output_energy(model, name, arguments)
        out[name] = max(kl, 1e-12) / max(error, 1e-30)
        if (index + 1) % 10 == 0 or index + 1 == len(names):
            say(f"importance: {index + 1}/{len(names)} weights, "
                f"{time.time() - started:.0f} s")
    return out
