#!/usr/bin/env python3
"""Run an imported MiniLM with bitsink-run and check its embeddings (numpy
only; the test path of test/Examples/minilm-*.mlir).

  run_minilm.py run MODEL.mlir --bitsink-run BIN --out emb.npy
      Binds the weight arguments of MODEL.mlir (the import, raised or
      quantized; bind_weights.py) from the safetensors as .npy inputs and
      runs it on testdata/ids.npy and mask.npy. --arg-names: the weight
      arguments are those listed by `bind_weights.py ... resources`.

  run_minilm.py compare emb.npy [--rtol R] [--min-cosine C]
                        [--min-spearman S]
      Compares with testdata/ref.npy (PyTorch): the relative L2 error of
      every embedding (must be <= R), the cosine to the reference (>= C),
      and the Spearman rank correlation between the pair similarities and
      the reference's pair similarities (>= S). Prints the numbers.

  run_minilm.py calibration OUT.npz [--rows N]
      Activations entering every linear layer for the calibration
      sentences of sentences.txt (line i with i % 4 != 3; none is a test
      sentence), from the numpy forward pass of extract_layers.py, keyed by
      the safetensors weight name (the resource key bind_weights.py gives
      the weight constant). Keeps the first N token rows per layer.
"""

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bind_weights import load_weights, npy_mode, read_params  # noqa: E402
from extract_layers import LINEARS, MiniLM, WordPiece, find_model_dir  # noqa: E402

DATA = HERE / "testdata"


def cmd_run(args):
    names = read_params(args.params)
    weights = load_weights(find_model_dir(args.model_dir))
    lines = Path(args.mlir).read_text().splitlines()
    wdir = Path(args.out).with_suffix(".weights")
    arg_names = (json.loads(Path(args.arg_names).read_text())
                 if args.arg_names else None)
    opts = npy_mode(lines, names, weights, wdir, arg_names)
    cmd = [args.bitsink_run, args.mlir, "-i", str(DATA / "ids.npy"),
           "-i", str(DATA / "mask.npy")]
    for o in opts:
        cmd += o.split()
    cmd += ["-o", args.out]
    subprocess.run(cmd, check=True)


def spearman(a, b):
    ra = np.argsort(np.argsort(a)).astype(np.float64)
    rb = np.argsort(np.argsort(b)).astype(np.float64)
    ra -= ra.mean()
    rb -= rb.mean()
    return float((ra * rb).sum() / np.sqrt((ra * ra).sum() * (rb * rb).sum()))


def cmd_compare(args):
    e = np.load(args.emb).astype(np.float64)
    r = np.load(DATA / "ref.npy").astype(np.float64)
    if e.shape != r.shape:
        sys.exit(f"error: embeddings have shape {e.shape}, reference {r.shape}")
    rel = np.linalg.norm(e - r, axis=1) / np.linalg.norm(r, axis=1)
    cos = (e * r).sum(1) / (np.linalg.norm(e, axis=1) * np.linalg.norm(r, axis=1))
    sim_e = (e[0::2] * e[1::2]).sum(1)
    sim_r = (r[0::2] * r[1::2]).sum(1)
    pairs = json.loads((DATA / "sentences.json").read_text())["pairs"]
    human = np.array([p["score"] for p in pairs])
    rho_ref = spearman(sim_e, sim_r)
    rho_human = spearman(sim_e, human)
    print(f"max_rel_err={rel.max():.3e} min_cosine={cos.min():.6f} "
          f"mean_cosine={cos.mean():.6f} spearman_vs_fp32={rho_ref:.4f} "
          f"spearman_vs_human={rho_human:.4f} "
          f"spearman_fp32_vs_human={spearman(sim_r, human):.4f}")
    ok = True
    if args.rtol is not None and not rel.max() <= args.rtol:
        print(f"FAIL: relative error {rel.max():.3e} > {args.rtol}")
        ok = False
    if args.min_cosine is not None and not cos.min() >= args.min_cosine:
        print(f"FAIL: cosine {cos.min():.6f} < {args.min_cosine}")
        ok = False
    if args.min_spearman is not None and not rho_ref >= args.min_spearman:
        print(f"FAIL: Spearman {rho_ref:.4f} < {args.min_spearman}")
        ok = False
    print("PASS" if ok else "FAIL")
    sys.exit(0 if ok else 1)


def cmd_calibration(args):
    model_dir = find_model_dir(args.model_dir)
    model = MiniLM(model_dir)
    wp = WordPiece(model_dir / "vocab.txt")
    lines = [s.strip() for s in (HERE / "sentences.txt").read_text(
        encoding="utf-8").splitlines() if s.strip()]
    cal = [s for i, s in enumerate(lines) if i % 4 != 3]
    rec = {}

    def record(i, name, x):
        rec.setdefault((i, name), []).append(x.astype(np.float32))

    rows = 0
    for b in range(0, len(cal), 8):
        model.forward([wp.encode(s, 128) for s in cal[b:b + 8]], record)
        rows = sum(x.shape[0] for x in rec[(0, "q")])
        if rows >= args.rows:
            break
    out = {}
    for (i, name), xs in rec.items():
        key = f"encoder.layer.{i}.{dict(LINEARS)[name]}.weight"
        out[key] = np.concatenate(xs)[:args.rows]
    np.savez(args.out, **out)
    print(f"wrote {len(out)} arrays of {min(rows, args.rows)} rows to {args.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("mlir")
    r.add_argument("--bitsink-run", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--params", default=str(HERE / "minilm.params.json"))
    r.add_argument("--model-dir")
    r.add_argument("--arg-names", help="args.json of bind_weights.py "
                   "resources (the weights left as arguments)")
    c = sub.add_parser("compare")
    c.add_argument("emb")
    c.add_argument("--rtol", type=float)
    c.add_argument("--min-cosine", type=float)
    c.add_argument("--min-spearman", type=float)
    k = sub.add_parser("calibration")
    k.add_argument("out")
    k.add_argument("--rows", type=int, default=512)
    k.add_argument("--model-dir")
    args = ap.parse_args()
    {"run": cmd_run, "compare": cmd_compare,
     "calibration": cmd_calibration}[args.cmd](args)


if __name__ == "__main__":
    main()
