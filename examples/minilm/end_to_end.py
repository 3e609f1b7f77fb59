#!/usr/bin/env python3
"""End-to-end effect of quantizing all 36 linear layers of all-MiniLM-L6-v2.

For each configuration, quantizes every linear layer with bitsink-quantize
(calibration activations from extract_layers.py, i.e. the full-precision
model's activations), dequantizes the packed result in numpy (bitplane.py),
runs the numpy encoder with all 36 weights replaced (biases, embeddings and
LayerNorms stay in f32) on the held-out sentences and reports the cosine
between each quantized and full-precision sentence embedding, plus the
largest change of any pairwise similarity between held-out sentences.

  python3 examples/minilm/end_to_end.py /tmp/minilm-layers \\
      --tool build-m/bin/bitsink-quantize
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bitplane as bp  # noqa: E402
import extract_layers as ex  # noqa: E402

CONFIGS = ["rtn:2:128", "bpdq:2:128", "trit:2:128", "rtn:3:128", "bpdq:3:128",
           "rtn:4:128", "trit:4:128"]
KIND = {"rtn": "binary", "bpdq": "binary", "trit": "ternary"}


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("layers", help="directory written by extract_layers.py")
    ap.add_argument("--tool", required=True)
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help="comma list of method:planes:group_size")
    args = ap.parse_args()

    ldir = Path(args.layers)
    man, model_dir, model, _, ev = ex.load_split(ldir)
    assert len(ev) == man["sentences"]["eval"]
    toks, _ = ex.make_tokenizer(model_dir, ev, 256)
    ref = model.embed(toks)
    ref_sim = ref @ ref.T
    orig = dict(model.w)
    print("| config | bits/weight | mean cos(fp, quantized) | min cos | "
          "max abs change of a pairwise similarity | quantize s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for cfg in args.configs.split(","):
        method, P, g = cfg.split(":")
        P, g = int(P), int(g)
        t0 = time.time()
        bpw = None
        with tempfile.TemporaryDirectory() as tmp:
            for L in man["layers"]:
                name = L["name"]
                i, short = int(name[1:name.index(".")]), name.split(".", 1)[1]
                out = Path(tmp) / "p.npz"
                cmd = [args.tool, "--weight", str(ldir / f"{name}.W.npy"),
                       "--calibration", str(ldir / f"{name}.Xcal.npy"),
                       "--method", method, "--planes", str(P),
                       "--group-size", str(g), "--json", "--out", str(out)]
                r = subprocess.run(cmd, capture_output=True, text=True, check=True)
                bpw = json.loads(r.stdout.strip().splitlines()[-1])["bits_per_weight"]
                z = np.load(out)
                What = bp.dequantize(z["planes"], z["coeffs"], L["K"], g,
                                     KIND[method])
                key = f"encoder.layer.{i}.{dict(ex.LINEARS)[short]}.weight"
                model.w[key] = What.T.astype(np.float32)
        dt = time.time() - t0
        e = model.embed(toks)
        cos = np.sum(e * ref, axis=1)
        dsim = np.abs(e @ e.T - ref_sim).max()
        print(f"| {method} P={P} g={g} | {bpw:.3f} | {cos.mean():.4f} | "
              f"{cos.min():.4f} | {dsim:.4f} | {dt:.0f} |", flush=True)
        model.w.update(orig)


if __name__ == "__main__":
    main()
