#!/usr/bin/env python3
"""Which layers of all-MiniLM-L6-v2 limit the quantized sentence embeddings,
and what mixed-precision configurations give (docs/quantization.md, "Where
the error comes from, and mixed precision").

Quantizes layers with bitsink.quantize (bpdq; calibration rows from
extract_layers.py, i.e. the fp32 model's activations on the calibration
sentences), puts the dequantized weights into the numpy encoder and compares
the embeddings of the 59 held-out sentences of sentences.txt with fp32
(mean and min cosine). Needs the built Python package:

  PYTHONPATH=build/python_packages python3 examples/minilm/sensitivity.py \\
      /tmp/minilm-layers layers --planes 3 --group-size 128 --rows 2048
  PYTHONPATH=build/python_packages python3 examples/minilm/sensitivity.py \\
      /tmp/minilm-layers configs 3:128 3:256,l5.=4:128 4:128,l5.=4:64

`layers` quantizes one layer type, one encoder layer, then one linear at a
time (the rest stay fp32) and prints 1 - mean cosine. `configs` quantizes
every layer: BASE_P:BASE_G, then PATTERN=P:G overrides matched as
substrings of the layer names l{i}.{q,k,v,attn_out,ffn_in,ffn_out} (first
match wins, like the pass option layer-config), and prints the average bits
per weight (weighted by weight count), mean and min cosine.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import extract_layers as ex  # noqa: E402

TYPES = ["q", "k", "v", "attn_out", "ffn_in", "ffn_out"]


class Bench:
    def __init__(self, ldir, rows, options):
        import bitsink
        self.bitsink = bitsink
        self.ldir = Path(ldir)
        man, model_dir, self.model, _, held_out = ex.load_split(self.ldir)
        self.names = [L["name"] for L in man["layers"]]
        self.toks, _ = ex.make_tokenizer(model_dir, held_out, 256)
        self.ref = self.model.embed(self.toks)
        self.orig = dict(self.model.w)
        self.rows, self.options, self.cache = rows, options, {}

    def quantize(self, name, planes, group):
        key = (name, planes, group)
        if key not in self.cache:
            w = np.load(self.ldir / f"{name}.W.npy")
            x = np.load(self.ldir / f"{name}.Xcal.npy")
            x = x[:self.rows] if self.rows else x
            r = self.bitsink.quantize(w, method="bpdq", planes=planes,
                                      group_size=group, calibration=x,
                                      **self.options)
            self.cache[key] = (r.dequantized.copy(), r.bits_per_weight)
        return self.cache[key]

    def evaluate(self, weights):
        """weights: layer name -> dequantized K x N. Returns (mean, min)."""
        for name, w in weights.items():
            i, short = int(name[1:name.index(".")]), name.split(".", 1)[1]
            key = f"encoder.layer.{i}.{dict(ex.LINEARS)[short]}.weight"
            self.model.w[key] = w.T.astype(np.float32)
        e = self.model.embed(self.toks)
        self.model.w.update(self.orig)
        cos = np.sum(e * self.ref, axis=1)
        return float(cos.mean()), float(cos.min())


def parse_config(text):
    base, *overrides = text.split(",")
    p, g = (int(v) for v in base.split(":"))
    rules = []
    for o in overrides:
        pattern, value = o.rsplit("=", 1)
        op, _, og = value.partition(":")
        rules.append((pattern, int(op), int(og) if og else g))
    return lambda name: next(((rp, rg) for pat, rp, rg in rules
                              if pat in name), (p, g))


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layers_dir", help="directory written by extract_layers.py")
    ap.add_argument("mode", choices=["layers", "configs"])
    ap.add_argument("configs", nargs="*")
    ap.add_argument("--planes", type=int, default=3)
    ap.add_argument("--group-size", type=int, default=128)
    ap.add_argument("--rows", type=int, default=0,
                    help="first N calibration rows (0: all)")
    ap.add_argument("--act-order", action="store_true")
    ap.add_argument("--damp", type=float)
    ap.add_argument("--iterations", type=int)
    args = ap.parse_args()
    options = {"act_order": args.act_order, "damp": args.damp,
               "iterations": args.iterations}
    b = Bench(args.layers_dir, args.rows, options)

    if args.mode == "layers":
        P, g = args.planes, args.group_size
        m, mn = b.evaluate({n: b.quantize(n, P, g)[0] for n in b.names})
        print(f"all layers P={P} g={g}: mean cos {m:.4f} min {mn:.4f}")
        groups = [(f"all {t}", [n for n in b.names if n.endswith("." + t)])
                  for t in TYPES]
        groups += [(f"layer {i}", [n for n in b.names
                                   if n.startswith(f"l{i}.")])
                   for i in range(6)]
        groups += [(n, [n]) for n in b.names]
        for label, names in groups:
            m, _ = b.evaluate({n: b.quantize(n, P, g)[0] for n in names})
            print(f"{label}: 1 - mean cos {1 - m:.4f}", flush=True)
        return

    for text in args.configs:
        pick = parse_config(text)
        weights, bits, count = {}, 0.0, 0
        for n in b.names:
            w, bpw = b.quantize(n, *pick(n))
            weights[n] = w
            bits += bpw * w.size
            count += w.size
        m, mn = b.evaluate(weights)
        print(f"{text}: {bits / count:.4f} bits/weight, mean cos {m:.4f}, "
              f"min {mn:.4f}", flush=True)


if __name__ == "__main__":
    main()
