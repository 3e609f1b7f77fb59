#!/usr/bin/env python3
"""Bit budgets on all-MiniLM-L6-v2 (docs/quantize-weights.md, "Bit budgets").

For every one of the 36 linear layers and every candidate (planes, group
size), quantizes the layer with bitsink.quantize (bpdq, all calibration rows
of extract_layers.py) and records its stored bits per weight and its
calibration output error ‖X(W − Ŵ)‖²_F / T (bitsink.budget.measure_candidates:
the error bitsink-quantize-weights{budget=B} allocates on). Then, per budget,
bitsink.budget.allocate_budget picks one candidate per layer, the chosen
weights go into the numpy encoder, and the embeddings of the 59 held-out
sentences are compared with fp32 (mean / min cosine), beside uniform
configurations in the same run.

--objective absolute relative allocates with each of the pass's
budget-objective values: "absolute" sums ‖X(W − Ŵ)‖²_F / T (the default),
"relative" sums ‖X(W − Ŵ)‖²_F / ‖XW‖²_F, every layer weighing alike
(bitsink.budget.candidate_error, the library's code). A measured
importance is per unit of the objective's error (loss over that error at
the probe), so importance x error, and the allocation, is the same for
both objectives up to rounding; --write-importance writes it in the units
of the first --objective.

--importance model multiplies each layer's errors by a measured importance:
the end-to-end loss (1 − mean cosine on the calibration sentences, never the
held-out ones) when that layer alone is quantized at the probe configuration
(P = 2, g = 128), divided by its calibration error there. It is the
model-level output error per unit of layer error, which the pass cannot
measure (it sees one matmul at a time).

  PYTHONPATH=build/python_packages python3 examples/minilm/budget.py \\
      /tmp/minilm-layers --budgets 3.5 3.0 --importance none model \\
      --objective absolute relative \\
      --write-importance /tmp/minilm-importance.npz

Candidate errors are cached in LAYERS/budget-candidates.json, importances in
LAYERS/budget-importance.json. --write-importance writes the importances as
an .npz of scalars keyed by the safetensors weight names (the keys of
run_minilm.py's calibration archive), for
bitsink-quantize-weights{budget=B calibration=... importance=FILE.npz}.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import extract_layers as ex  # noqa: E402

PROBE = (2, 128)


class Model:
    def __init__(self, ldir):
        self.ldir = Path(ldir)
        man, model_dir, self.model, calibration, held_out = ex.load_split(
            self.ldir)
        self.names = [L["name"] for L in man["layers"]]
        self.held_out, _ = ex.make_tokenizer(model_dir, held_out, 256)
        self.calibration, _ = ex.make_tokenizer(model_dir, calibration, 256)
        self.ref = {"held_out": self.embed(self.held_out),
                    "calibration": self.embed(self.calibration)}
        self.orig = dict(self.model.w)

    def embed(self, toks, batch=16):
        """Embeddings of `toks` (in order), run in batches of sentences of
        similar length: the padding (masked out) costs nothing then."""
        order = sorted(range(len(toks)), key=lambda i: len(toks[i]))
        out = np.empty((len(toks), self.model.H), np.float32)
        for start in range(0, len(order), batch):
            part = order[start:start + batch]
            out[part] = self.model.embed([toks[i] for i in part])
        return out

    def weight(self, name):
        return np.load(self.ldir / f"{name}.W.npy")

    def activations(self, name):
        return np.load(self.ldir / f"{name}.Xcal.npy")

    def key(self, name):
        i, short = int(name[1:name.index(".")]), name.split(".", 1)[1]
        return f"encoder.layer.{i}.{dict(ex.LINEARS)[short]}.weight"

    def cosine(self, weights, split="held_out"):
        """weights: layer name -> dequantized K x N. (mean, min) cosine of
        the `split` sentences' embeddings to fp32."""
        for name, w in weights.items():
            self.model.w[self.key(name)] = w.T.astype(np.float32)
        toks = self.held_out if split == "held_out" else self.calibration
        e = self.embed(toks)
        self.model.w.update(self.orig)
        cos = np.sum(e * self.ref[split], axis=1)
        return float(cos.mean()), float(cos.min())


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layers_dir")
    ap.add_argument("--budgets", type=float, nargs="+", default=[3.5])
    ap.add_argument("--importance", nargs="+", default=["none", "model"],
                    choices=["none", "model"])
    ap.add_argument("--objective", nargs="+", default=["absolute"],
                    choices=["absolute", "relative"],
                    help="budget objectives to allocate with (the pass's "
                         "budget-objective)")
    ap.add_argument("--uniform", nargs="*", default=["3:128", "3:256"],
                    help="uniform P:G (or P:G:S with sub-block scale codes) "
                         "configurations to compare")
    ap.add_argument("--sub-blocks", type=int, nargs="*", default=[],
                    help="add planes 1-4 with one grid per column and scale "
                         "codes every S rows to the candidates, for each S "
                         "(bitsink-quantize-weights{budget-sub-blocks=...}; "
                         "docs/quantizer.md, \"Sub-block scale codes\")")
    ap.add_argument("--tables", action="store_true",
                    help="print each allocation table")
    ap.add_argument("--write-importance", metavar="FILE.npz",
                    help="write the importances for the pass's importance= "
                         "option (implies measuring them)")
    ap.add_argument("--rotation", type=int, default=0,
                    help="quantize every candidate with this Walsh-Hadamard "
                         "rotation block (0: none; docs/quantizer.md, "
                         "\"Rotation\")")
    args = ap.parse_args()

    import bitsink
    from bitsink.budget import (DEFAULT_CONFIGS, SUB_BLOCK_CONFIGS,
                                BudgetCandidate, BudgetLayer,
                                allocate_budget, candidate_error,
                                output_energy)

    m = Model(args.layers_dir)
    configs = list(DEFAULT_CONFIGS) + [c for c in SUB_BLOCK_CONFIGS
                                       if c[2] in args.sub_blocks]

    def ckey(name, planes, group, sub_block=0):
        return f"{name}|{planes}|{group}" + (f"|{sub_block}" if sub_block
                                             else "")

    tag = f"-rotation{args.rotation}" if args.rotation else ""
    cache_path = m.ldir / f"budget-candidates{tag}.json"
    cache = json.loads(cache_path.read_text()) if cache_path.exists() else {}
    started = time.time()
    for name in m.names:
        todo = [c for c in configs if ckey(name, *c) not in cache]
        if not todo and f"{name}|energy" in cache:
            continue
        w, x = m.weight(name), m.activations(name)
        # ‖XW‖²_F / T as the pass computes it (the library's Hessian).
        cache[f"{name}|energy"] = output_energy(w, x)
        for planes, group, *sub in todo:
            q = bitsink.quantize(w, planes=planes, group_size=group,
                                 calibration=x, rotation=args.rotation,
                                 sub_block=sub[0] if sub else 0)
            cache[ckey(name, planes, group, *sub)] = {
                "bpw": q.bits_per_weight, "rel": q.rel_error}
        print(f"candidates {name}: {time.time() - started:.0f} s", flush=True)
        cache_path.write_text(json.dumps(cache, indent=0))

    def error(name, planes, group, objective="absolute", importance=1.0,
              sub_block=0):
        """The candidate's budget error as the pass computes it."""
        return candidate_error(cache[ckey(name, planes, group, sub_block)]["rel"],
                               cache[f"{name}|energy"], objective, importance)

    def dequantized(name, planes, group, sub_block=0):
        q = bitsink.quantize(m.weight(name), planes=planes, group_size=group,
                             calibration=m.activations(name),
                             rotation=args.rotation, sub_block=sub_block)
        return q.dequantized.copy(), q.bits_per_weight

    def in_units(name, value, objective):
        """An importance per unit of absolute error as one per unit of
        `objective`'s error: relative errors are absolute ones over
        ‖XW‖²/T, so their importance is that much larger (importance x
        error, the model loss estimate, is the same either way)."""
        return value * (cache[f"{name}|energy"] if objective == "relative"
                        else 1.0)

    importance = {n: 1.0 for n in m.names}
    if "model" in args.importance or args.write_importance:
        importance_path = m.ldir / f"budget-importance{tag}.json"
        saved = (json.loads(importance_path.read_text())
                 if importance_path.exists() else {})
        if saved.get("probe") != list(PROBE) or set(saved.get(
                "importance", {})) != set(m.names):
            base = m.cosine({}, "calibration")[0]
            losses = {}
            for name in m.names:
                w, _ = dequantized(name, *PROBE)
                losses[name] = base - m.cosine({name: w}, "calibration")[0]
                print(f"importance {name}: loss {losses[name]:.3g} "
                      f"({time.time() - started:.0f} s)", flush=True)
            saved = {"probe": list(PROBE), "loss": losses, "importance": {
                name: max(losses[name], 1e-9) / error(name, *PROBE)
                for name in m.names}}
            importance_path.write_text(json.dumps(saved, indent=0))
        importance_model = saved["importance"]
        print("importance (calibration loss per unit error at P=2 g=128): "
              + ", ".join(f"{n} {v:.3g}" for n, v in importance_model.items()),
              flush=True)
        if args.write_importance:
            # Per unit of the first objective's error (the pass's
            # budget-objective must be that one).
            np.savez(args.write_importance,
                     **{m.key(n): np.float32(
                         in_units(n, v, args.objective[0]))
                        for n, v in importance_model.items()})
            print(f"wrote {len(m.names)} importances to "
                  f"{args.write_importance}", flush=True)

    rows = []
    for text in args.uniform:
        p, g, *sub = (int(v) for v in text.split(":"))
        s = sub[0] if sub else 0
        weights, bits, count = {}, 0.0, 0
        for name in m.names:
            w, bpw = dequantized(name, p, g, s)
            weights[name] = w
            bits += bpw * w.size
            count += w.size
        rows.append((f"uniform P={p} g={g}" + (f" S={s}" if s else ""),
                     bits / count, *m.cosine(weights)))
        print(rows[-1], flush=True)
    for mode in args.importance:
        scale = importance if mode == "none" else importance_model
        for objective in args.objective:
            for budget in args.budgets:
                layers = {}
                for name in m.names:
                    k, n = (np.load(m.ldir / f"{name}.W.npy", mmap_mode="r")
                            .shape)
                    layers[name] = BudgetLayer(k * n, [
                        BudgetCandidate(p, g, cache[ckey(name, p, g, *s)]["bpw"],
                                        error(name, p, g, objective,
                                              scale[name] if mode == "none"
                                              else in_units(name, scale[name],
                                                            objective), *s),
                                        *s)
                        for p, g, *s in configs])
                allocation = allocate_budget(layers, budget)
                if args.tables:
                    print(f"budget {budget}, importance {mode}, objective "
                          f"{objective}:")
                    print(allocation.table())
                weights = {c.name: dequantized(c.name, c.planes,
                                               c.group_size, c.sub_block)[0]
                           for c in allocation.layers}
                planes = {}
                for c in allocation.layers:
                    config = (c.planes, c.group_size, c.sub_block)
                    planes[config] = planes.get(config, 0) + 1
                rows.append((f"budget {budget} ({mode}, {objective}) "
                             + " ".join(f"P{p}g{g}" + (f"s{s}" if s else "")
                                        + f"x{v}" for (p, g, s), v
                                        in sorted(planes.items())),
                             allocation.bits_per_weight, *m.cosine(weights)))
                print(rows[-1], flush=True)
    print("| configuration | bits/weight | mean cos | min cos |")
    print("| --- | ---: | ---: | ---: |")
    for label, bpw, mean, low in rows:
        print(f"| {label} | {bpw:.4f} | {mean:.4f} | {low:.4f} |")


if __name__ == "__main__":
    main()
