#!/usr/bin/env python3
"""Whole models on the CPU, one command, one table: all-MiniLM-L6-v2 through
bitsink (fp32 and 3-bit) against PyTorch eager fp32 and ONNX Runtime (fp32
and its dynamic int8 quantisation), then SmolLM2-135M's prefill tokens/s
against PyTorch and llama.cpp.

    bash bench/model_cpu/run.sh                 # setup, build, every part
    python bench/model_cpu/run.py --only torch ort --shapes 16x16
    python bench/model_cpu/run.py --report      # the saved table

Parts (--only; default all, each in a process of its own, one after the
other, so that no engine's spinning thread pool runs beside another's; the
MiniLM parts take turns --rounds times and each time is the best round's,
so that a machine whose load changes weighs on every engine alike):
  torch      MiniLM in PyTorch eager fp32 (examples/minilm/import_minilm.py's
             module, the computation of Hugging Face's BertModel + mean
             pooling + L2 normalisation): time per call and the embeddings,
             which are the reference of every check below.
  ort        the same module with its weights bound, exported per shape by
             torch.onnx.export (TorchScript exporter) and run by ONNX
             Runtime (graph optimisations on, intra_op_num_threads = the
             thread count); then onnxruntime.quantization.quantize_dynamic
             of it (int8 weights of every MatMul with a constant B, u8
             activations quantised per call) run the same way.
  bitsink    the torch-mlir import of the shape (examples/minilm: the
             committed minilm-b16x16.mlir, other shapes imported into
             build/bench-cache/model_cpu), its 36 linear weights bound as
             constants (bind_weights.py), attention raised to
             bitsink.sink_attention (dense: no sparsify policy, so the
             result is the model's), compiled by bitsink.compile
             (bitsink-cpu-pipeline) as examples/minilm/demo.py does; fp32,
             and 3-bit: bitsink-quantize-weights bpdq, 3 bit-planes, groups
             of 128, calibrated as the demo (run_minilm.py calibration;
             the quantised module is cached under build/bench-cache); and
             "3-bit i8", the same module with bitsink-cpu-pipeline{gemm-int8
             =true} (its GEMMs on int8 inputs, vpdpbusd; only on hosts with
             AVX512-VNNI or AVX-VNNI).
             Threads: the OpenMP runtime's thread count
             (bench/decoder_cpu/bitsink_side.set_threads).
  decoder    SmolLM2-135M-Instruct (bench/decoder_cpu): prefill tokens/s of
             512 tokens from an empty cache (and decode tokens/s of the
             128 greedy steps after it) for bitsink f32 and 3-bit, PyTorch
             eager fp32 and llama.cpp Q4_1 (the source GGUF) and Q3_K_M, by
             bench/decoder_cpu's own speed functions, each engine in a
             process of its own.

MiniLM inputs per shape BxS: 16x16 is examples/minilm/testdata (16
sentences, padded to 16 tokens, as the demo); 1x128 is one passage of 128
tokens of held-out text of sentences.txt (lines i % 4 == 3, not the
calibration lines), every token valid. Time per sentence is the median call
time over --runs calls after --warmup calls, divided by B (best round). Every output is
checked against PyTorch's embeddings of the same run (max |diff|, mean and
smallest cosine per sentence, every thread count); an fp32 engine beyond
--fp32-tol, or a quantised one below --min-cosine, makes the command fail.
"""

import argparse
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
MINILM = ROOT / "examples" / "minilm"
DECODER = ROOT / "bench" / "decoder_cpu"
sys.path.insert(0, str(MINILM))
sys.path.insert(0, str(ROOT / "bench" / "common"))

from bind_weights import load_weights, read_params, resources_mode  # noqa: E402
from extract_layers import WordPiece, find_model_dir  # noqa: E402
from mlirlib import host_isa  # noqa: E402

CACHE_DIR = ROOT / "build" / "bench-cache" / "model_cpu"
PARTS = ("torch", "ort", "bitsink", "decoder")
MINILM_PARTS = ("torch", "ort", "bitsink")
ENGINES = ("bitsink fp32", "bitsink 3-bit", "bitsink 3-bit i8", "torch fp32",
           "ort fp32", "ort int8")
FP32 = ("bitsink fp32", "torch fp32", "ort fp32")
TARGETS = {"bitsink fp32": 0.8, "bitsink 3-bit": 0.5, "bitsink 3-bit i8": 0.5}
LLAMACPP_TYPES = ("Q4_1", "Q3_K_M")
PLANES, GROUP = 3, 128
HEAD_BITS = 4  # the decoder row with a quantized output projection


def log(message):
    print(message, file=sys.stderr, flush=True)


def decoder_bench():
    """bench/decoder_cpu/run.py as a module (its name, run, is ours too)."""
    spec = importlib.util.spec_from_file_location("decoder_cpu_run",
                                                  DECODER / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def demo():
    """examples/minilm/demo.py: transform, median_time, its pipeline."""
    import demo as d
    return d


# Shapes, inputs, the saved results.


def parse_shape(text):
    b, s = text.lower().split("x")
    return int(b), int(s)


def shape_inputs(shape):
    """(input_ids, attention_mask), int64 [B, S]."""
    b, s = parse_shape(shape)
    if (b, s) == (16, 16):
        data = MINILM / "testdata"
        return np.load(data / "ids.npy"), np.load(data / "mask.npy")
    wp = WordPiece(find_model_dir() / "vocab.txt")
    lines = [t.strip() for t in (MINILM / "sentences.txt").read_text(
        encoding="utf-8").splitlines() if t.strip()]
    held_out = [t for i, t in enumerate(lines) if i % 4 == 3]
    rows = []
    for r in range(b):
        text, i = "", r
        while len(wp.encode(text, s + 1)) < s:
            text += " " + held_out[i % len(held_out)]
            i += b
        rows.append(wp.encode(text, s))
    ids = np.array(rows, dtype=np.int64)
    return ids, np.ones_like(ids)


def save_part(part, result, arrays):
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    result.setdefault("date", datetime.datetime.now().isoformat(
        timespec="seconds"))
    result.setdefault("loadavg_end", os.getloadavg())
    (CACHE_DIR / f"{part}.json").write_text(json.dumps(result, indent=1))
    np.savez(CACHE_DIR / f"{part}.npz", **arrays)


def load_part(part):
    path = CACHE_DIR / f"{part}.json"
    if not path.exists():
        return None, {}
    npz = CACHE_DIR / f"{part}.npz"
    return (json.loads(path.read_text()),
            dict(np.load(npz)) if npz.exists() else {})


def timed(fn, args):
    """Median seconds of args.runs calls after args.warmup; the output of
    the first call."""
    out = fn()
    for _ in range(args.warmup - 1):
        fn()
    times = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def measure(engine, shape, run, threads, set_threads, args, result, arrays):
    """Times `run` at each thread count; per-sentence ms into result, the
    outputs into arrays."""
    b, _ = parse_shape(shape)
    for t in threads:
        set_threads(t)
        secs, out = timed(run, args)
        ms = 1e3 * secs / b
        result.setdefault(engine, {}).setdefault(shape, {})[str(t)] = ms
        arrays[f"{engine}/{shape}/{t}"] = np.asarray(out, dtype=np.float32)
        log(f"  {engine:14s} {shape:6s} {t} thread(s): {ms:8.3f} ms/sentence")


# MiniLM parts.


def torch_module():
    """(module bound to the weights: forward(ids, mask) -> embeddings,
    torch)."""
    import torch
    from import_minilm import make_module
    model_dir = find_model_dir()
    cfg = json.loads((model_dir / "config.json").read_text())
    module, names = make_module(cfg)
    weights = load_weights(model_dir)

    class Bound(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = module
            for i, n in enumerate(names):
                self.register_buffer(f"w{i}", torch.from_numpy(
                    np.ascontiguousarray(weights[n])))

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids, attention_mask,
                              *[getattr(self, f"w{i}")
                                for i in range(len(names))])

    return Bound().eval(), torch


def part_torch(args):
    bound, torch = torch_module()
    result, arrays = {"version": torch.__version__}, {}
    for shape in args.shapes:
        ids, mask = (torch.from_numpy(a) for a in shape_inputs(shape))

        def run():
            with torch.no_grad():
                return bound(ids, mask).numpy()

        measure("torch fp32", shape, run, args.threads, torch.set_num_threads,
                args, result, arrays)
    return result, arrays


def onnx_paths(shape, bound, torch):
    """The fp32 export of `shape` and its dynamic int8 quantisation (made
    once, cached)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    out = CACHE_DIR / "onnx"
    out.mkdir(parents=True, exist_ok=True)
    fp32 = out / f"minilm-b{shape}.onnx"
    int8 = out / f"minilm-b{shape}.int8.onnx"
    if not fp32.exists():
        ids, mask = (torch.from_numpy(a) for a in shape_inputs(shape))
        tmp = out / f"tmp-{fp32.name}"
        torch.onnx.export(bound, (ids, mask), str(tmp), dynamo=False,
                          input_names=["input_ids", "attention_mask"],
                          output_names=["sentence_embedding"],
                          opset_version=17)
        os.replace(tmp, fp32)
        log(f"  torch.onnx.export -> {fp32}")
    if not int8.exists():
        tmp = out / f"tmp-{int8.name}"
        quantize_dynamic(str(fp32), str(tmp), weight_type=QuantType.QInt8,
                         extra_options={"MatMulConstBOnly": True})
        os.replace(tmp, int8)
        log(f"  quantize_dynamic -> {int8}")
    return {"ort fp32": fp32, "ort int8": int8}


def part_ort(args):
    import onnxruntime as ort
    bound, torch = torch_module()
    result, arrays = {"version": ort.__version__}, {}
    for shape in args.shapes:
        ids, mask = shape_inputs(shape)
        feed = {"input_ids": ids, "attention_mask": mask}
        for engine, path in onnx_paths(shape, bound, torch).items():
            sessions = {}

            def set_threads(t):
                options = ort.SessionOptions()
                options.intra_op_num_threads = t
                options.inter_op_num_threads = 1
                options.graph_optimization_level = \
                    ort.GraphOptimizationLevel.ORT_ENABLE_ALL
                sessions.clear()  # the previous session's threads go first
                sessions["s"] = ort.InferenceSession(
                    str(path), options, providers=["CPUExecutionProvider"])

            measure(engine, shape, lambda: sessions["s"].run(None, feed)[0],
                    args.threads, set_threads, args, result, arrays)
            sessions.clear()
    return result, arrays


def minilm_import(shape):
    """The torch-mlir import of `shape` (the committed one, or imported
    once into the cache with import_minilm.py)."""
    b, s = parse_shape(shape)
    committed = MINILM / f"minilm-b{b}x{s}.mlir"
    if committed.exists():
        return committed
    out = CACHE_DIR / "import"
    path = out / committed.name
    if not path.exists():
        out.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(MINILM / "import_minilm.py"),
                        "--batch", str(b), "--seq", str(s), "--out",
                        str(out)], check=True, stdout=subprocess.DEVNULL)
        log(f"  torch-mlir import -> {path}")
    return path


def calibration_file():
    path = CACHE_DIR / "calibration.npz"
    if not path.exists():
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, str(MINILM / "run_minilm.py"),
                        "calibration", str(path), "--rows", "2048"],
                       check=True, stdout=subprocess.DEVNULL)
    return path


def bitsink_modules(shape, weights, names):
    """{engine: (module, weight names left as arguments)}: the import with
    its linear weights as constants, raised; fp32 and quantised. The
    quantised module is cached as text (keyed by the import and the
    calibration file)."""
    import hashlib

    import bitsink
    d = demo()
    path = minilm_import(shape)
    work = CACHE_DIR / "bitsink" / shape
    resources_mode(path.read_text().splitlines(), names, weights,
                   work / "const")
    kept = json.loads((work / "const.args.json").read_text())
    text = (work / "const.mlir").read_text()
    fp32 = d.transform(text, "bitsink-raise-attention", "minilm-fp32")
    calibration = calibration_file()
    quantize = (f"bitsink-quantize-weights{{method=bpdq planes={PLANES} "
                f"group-size={GROUP} calibration={calibration}}}")
    key = hashlib.sha256(text.encode() + calibration.read_bytes()
                         + quantize.encode()).hexdigest()[:16]
    cached = work / f"q{PLANES}-{key}.mlir"
    if cached.exists():
        q = bitsink.Context().parse(cached.read_text(), "minilm-q")
        log(f"  quantised module from the cache: {cached}")
    else:
        t0 = time.time()
        q = d.transform(text, f"bitsink-raise-attention,{quantize}",
                        "minilm-q")
        cached.write_text(str(q))
        log(f"  bpdq P={PLANES} g={GROUP}: {time.time() - t0:.1f} s -> "
            f"{cached}")
    modules = {"bitsink fp32": (fp32, kept), "bitsink 3-bit": (q, kept)}
    if host_has_vnni():
        modules["bitsink 3-bit i8"] = (q, kept)
    else:
        log("  bitsink 3-bit i8 skipped: the host has neither AVX512-VNNI "
            "nor AVX-VNNI (gemm-int8)")
    return modules


def host_has_vnni():
    """Whether this CPU runs gemm-int8 code (vpdpbusd)."""
    try:
        flags = Path("/proc/cpuinfo").read_text().split()
    except OSError:
        return False
    return "avx512_vnni" in flags or "avx_vnni" in flags


def bitsink_pipeline(engine):
    """The demo's pipeline; the i8 engine's GEMMs (prefill, M > 8) on int8
    inputs (gemm-int8)."""
    cpu = ("bitsink-cpu-pipeline{gemm-int8=true}" if engine.endswith(" i8")
           else "bitsink-cpu-pipeline")
    return f"builtin.module(linalg-fuse-elementwise-ops,canonicalize,{cpu})"


def part_bitsink(args):
    import bitsink
    sys.path.insert(0, str(DECODER))
    import bitsink_side
    weights = load_weights(find_model_dir())
    names = read_params(MINILM / "minilm.params.json")
    result, arrays = {"pipeline": bitsink_pipeline("bitsink fp32"),
                      "pipeline_i8": bitsink_pipeline("bitsink 3-bit i8"),
                      "compile_seconds": {}}, {}
    for shape in args.shapes:
        ids, mask = shape_inputs(shape)
        for engine, (module, kept) in bitsink_modules(shape, weights,
                                                      names).items():
            raised = str(module).count("bitsink.sink_attention ")
            if raised != 6:
                raise SystemExit(f"{engine} {shape}: {raised} attention "
                                 "subgraphs raised, expected 6")
            t0 = time.time()
            exe = bitsink.compile(module, pipeline=bitsink_pipeline(engine))
            result["compile_seconds"][f"{engine}/{shape}"] = time.time() - t0
            inputs = [ids, mask] + [np.ascontiguousarray(weights[n],
                                                         dtype=np.float32)
                                    for n in kept]
            measure(engine, shape, lambda: exe.call_inplace(*inputs),
                    args.threads, bitsink_side.set_threads, args, result,
                    arrays)
            del exe
    return result, arrays


# The decoder part: bench/decoder_cpu's speed functions.


def part_decoder(args):
    """Runs each engine in a process of its own (--part decoder-ENGINE) and
    gathers their speeds."""
    result = {}
    for engine in ("bitsink", "torch", "llamacpp"):
        rc = subprocess.call([sys.executable, os.path.abspath(__file__),
                              "--part", "decoder-" + engine] + args.argv)
        if rc != 0:
            raise SystemExit(f"decoder {engine} failed (exit {rc})")
        part, _ = load_part("decoder-" + engine)
        result.update(part["rows"])
    return result, {}


def decoder_speed(measure_fn, label):
    """{threads: {prefill, decode}} of measure_fn(threads) -> (prefill tok/s,
    decode tok/s) at 1 and 2 threads (decoder_cpu's THREADS)."""
    return decoder_bench()._speeds(measure_fn, label)


def part_decoder_bitsink(args):
    dec = decoder_bench()
    import bitsink_side as B
    ids = dec.corpus.eval_tokens(args.prefill + 128 + 8)
    model = B.load_model(dec.corpus.gguf_path())
    rows = {}
    # (planes, int8 GEMMs, planes of the tied output projection: 0 keeps
    # it f32; llama.cpp's Q3_K_M quantizes its output too, and in decode
    # the f32 head's 113 MB are 43 % of a step).
    variants = [(0, False, 0), (PLANES, False, 0), (PLANES, False, HEAD_BITS)]
    if host_has_vnni():
        variants.append((PLANES, True, 0))
    for bits, int8, head in variants:
        B.set_threads(max(args.threads))
        quantized = bits and B.quantized_weights(
            model, bits, dec.corpus.calib_text(), dec.WEIGHTS_DIR,
            head_bits=head, log=log)
        decoder, secs = B.make_decoder(model, cache=args.prefill + 128 + 8,
                                       sinks=0, quantized=quantized, log=log,
                                       gemm_int8=int8)
        label = (f"bitsink {bits}-bit" if bits else "bitsink f32") + (
            " i8" if int8 else "") + (f", {head}-bit head" if head else "")
        rows[label] = {"speed": decoder_speed(
            lambda t: B.speed(decoder, ids, t, prefill=args.prefill),
            label), "build_seconds": secs,
            "bpw": B.linear_bpw(model, bits) if bits else 32}
        del decoder
    return {"rows": rows}, {}


def part_decoder_torch(args):
    import torch
    dec = decoder_bench()
    import torch_llama
    ids = dec.corpus.eval_tokens(args.prefill + 8)
    model = torch_llama.TorchLlama(dec.corpus.gguf_path())
    speed = decoder_speed(
        lambda t: dec._torch_speed(model, ids, t, prefill=args.prefill),
        "torch fp32")
    return {"rows": {"torch fp32": {"speed": speed, "bpw": 32,
                                    "version": torch.__version__}}}, {}


def part_decoder_llamacpp(args):
    import llama_cpp
    dec = decoder_bench()
    import llamacpp_peer as L
    ids = dec.corpus.eval_tokens(args.prefill + 8)
    paths = L.requantize(dec.corpus.gguf_path(), str(dec.CACHE_DIR),
                         names=[t for t in LLAMACPP_TYPES if t != L.SOURCE],
                         log=log)
    rows = {}
    for name in LLAMACPP_TYPES:
        label = f"llama.cpp {name}"
        rows[label] = {
            "speed": decoder_speed(
                lambda t: L.speed(paths[name], ids, t, prefill=args.prefill),
                label),
            "bpw": L.tensor_summary(paths[name])["linear_bpw"],
            "version": llama_cpp.__version__}
    return {"rows": rows}, {}


# Checks and the report.


def check_outputs(arrays, args):
    """Per (engine, shape): max |diff| and min cosine of every thread
    count's embeddings against torch's at the first thread count; the list
    of failures."""
    checks, failures = {}, []
    ref_t = str(args.threads[0])
    for key, out in sorted(arrays.items()):
        engine, shape, t = key.split("/")
        ref = arrays.get(f"torch fp32/{shape}/{ref_t}")
        if ref is None or ref.shape != out.shape:
            continue
        cos = np.sum(out * ref, 1) / (np.linalg.norm(out, axis=1)
                                      * np.linalg.norm(ref, axis=1))
        c = checks.setdefault(f"{engine}/{shape}", {"max_abs_diff": 0.0,
                                                    "min_cosine": 1.0,
                                                    "mean_cosine": 1.0})
        c["max_abs_diff"] = max(c["max_abs_diff"],
                                float(np.abs(out - ref).max()))
        c["min_cosine"] = min(c["min_cosine"], float(cos.min()))
        c["mean_cosine"] = min(c["mean_cosine"], float(cos.mean()))
    for key, c in checks.items():
        engine = key.split("/")[0]
        if engine in FP32 and not c["max_abs_diff"] <= args.fp32_tol:
            failures.append(f"{key}: max |diff| to torch {c['max_abs_diff']:.2e}"
                            f" > {args.fp32_tol:g}")
        if engine not in FP32 and not c["min_cosine"] >= args.min_cosine:
            failures.append(f"{key}: min cosine to torch {c['min_cosine']:.4f}"
                            f" < {args.min_cosine:g}")
    return checks, failures


def minilm_table(parts, args):
    rows, arrays = {}, {}
    for p in MINILM_PARTS:
        result, arr = parts.get(p, (None, {}))
        if result:
            rows.update({e: v for e, v in result.items() if e in ENGINES})
            arrays.update(arr)
    checks, failures = check_outputs(arrays, args)
    shapes = sorted({s for v in rows.values() for s in v},
                    key=lambda s: parse_shape(s))
    threads = sorted({int(t) for v in rows.values() for s in v.values()
                      for t in s})
    lines = ["| shape B×S | engine | " + " | ".join(
        f"ms/sentence {t} thr | × best fp32 peer {t} thr" for t in threads)
        + " | max abs diff to torch | cosine to torch, mean / min |",
        "| --- | --- | " + " | ".join("---: | ---:" for _ in threads)
        + " | ---: | ---: |"]
    verdicts = []
    for shape in shapes:
        for engine in ENGINES:
            if shape not in rows.get(engine, {}):
                continue
            cells = []
            for t in threads:
                ms = rows[engine][shape].get(str(t))
                peers = [rows[p][shape][str(t)] for p in ("torch fp32",
                                                          "ort fp32")
                         if str(t) in rows.get(p, {}).get(shape, {})]
                ratio = ms / min(peers) if peers and ms else None
                cells += [f"{ms:.3f}" if ms else "–",
                          f"{ratio:.2f}" if ratio else "–"]
                if engine in TARGETS and ratio:
                    goal = TARGETS[engine]
                    verdicts.append(
                        f"- {engine}, {shape}, {t} thread(s): {ratio:.2f} × "
                        f"the faster fp32 peer (target ≤ {goal}): "
                        + ("**met**" if ratio <= goal else "**not met**"))
            c = checks.get(f"{engine}/{shape}", {})
            diff = f"{c['max_abs_diff']:.1e}" if c else "–"
            cos = (f"{c['mean_cosine']:.4f} / {c['min_cosine']:.4f}" if c
                   else "–")
            lines.append(f"| {shape} | {engine} | " + " | ".join(cells)
                         + f" | {diff} | {cos} |")
    return lines, verdicts, failures


def decoder_table(result):
    rows = result or {}
    best = {}
    for t in ("1", "2"):
        peers = [r["speed"][t]["prefill"] for k, r in rows.items()
                 if not k.startswith("bitsink") and t in r["speed"]]
        best[t] = max(peers) if peers else None
    lines = ["| engine | bpw lin | prefill tok/s 1 thr | × best peer | "
             "prefill tok/s 2 thr | × best peer | decode tok/s 1 thr | "
             "2 thr |", "| --- | ---: | ---: | ---: | ---: | ---: | ---: | "
             "---: |"]
    for k, r in rows.items():
        sp = r["speed"]
        cells = []
        for t in ("1", "2"):
            pf = sp[t]["prefill"]
            cells += [f"{pf:.0f}",
                      f"{pf / best[t]:.2f}" if best[t] and
                      k.startswith("bitsink") else ""]
        lines.append(f"| {k} | {r['bpw']:.2f} | " + " | ".join(cells)
                     + f" | {sp['1']['decode']:.1f} | {sp['2']['decode']:.1f}"
                     " |")
    return lines


def report(parts, args):
    out = []
    meta = [(p, r) for p, (r, _) in parts.items() if r]
    if meta:
        isa = next((r.get("isa") for _, r in meta if r.get("isa")), "")
        out.append(f"ISA: {isa}")
        for p, r in meta:
            start, end = r.get("loadavg_start", []), r.get("loadavg_end", [])
            if "rounds" in r:  # one 1-minute load average per round
                la = ", ".join(f"{a[0]:.1f}-{b[0]:.1f}"
                               for a, b in zip(start, end))
                load = f"{r['rounds']} rounds, load average {la}"
            else:
                load = f"load average {start[0]:.1f}-{end[0]:.1f}"
            out.append(f"{p}: {r.get('date', '?')}, {load}"
                       + (f", version {r['version']}" if "version" in r
                          else ""))
    lines, verdicts, failures = minilm_table(parts, args)
    timing = next((r for _, r in meta if "runs" in r), vars(args))
    out += ["", "all-MiniLM-L6-v2, time per sentence (median of "
            f"{timing['runs']} calls after {timing['warmup']}, best of "
            f"{timing.get('rounds', 1)} rounds); × best fp32 peer = "
            "time over the faster of torch fp32 and ort fp32 at the same "
            "shape and threads", ""] + lines + [""] + verdicts
    if parts.get("decoder", (None,))[0]:
        pf = parts["decoder"][0].get("prefill", args.prefill)
        out += ["", f"SmolLM2-135M-Instruct: prefill of {pf} "
                "tokens from an empty cache (bench/decoder_cpu speed "
                "functions, best of 3); × best peer = bitsink's tokens/s "
                "over the fastest peer's (torch, llama.cpp) at the same "
                "threads (higher is faster)", ""]
        out += decoder_table({k: v for k, v in parts["decoder"][0].items()
                              if isinstance(v, dict) and "speed" in v})
    if failures:
        out += ["", "OUTPUT CHECK FAILED:"] + ["  " + f for f in failures]
    return "\n".join(out), failures


def run_part(part, args, extra):
    t0 = time.time()
    rc = subprocess.call([sys.executable, os.path.abspath(__file__),
                          "--part", part] + extra + args.argv)
    if rc != 0:
        raise SystemExit(f"== {part} failed (exit {rc})")
    log(f"== {part}: {time.time() - t0:.0f} s")


def merge_rounds(part, rounds):
    """The part's result over its rounds (each a process of its own, the
    parts taking turns, so that a change of the machine's load falls on
    every engine alike): per engine, shape and thread count the best of
    the rounds' medians (the round that other jobs on the machine disturbed
    least; every round's in "per_round"); the outputs of the first round;
    the load averages of all."""
    saved = [load_part(f"{part}-r{r}") for r in range(rounds)]
    result, arrays = saved[0]
    result["rounds"] = rounds
    result["per_round"] = {}
    result["loadavg_start"] = [s[0]["loadavg_start"] for s in saved]
    result["loadavg_end"] = [s[0]["loadavg_end"] for s in saved]
    for engine in ENGINES:
        for shape, per_thread in result.get(engine, {}).items():
            for t in per_thread:
                values = [s[0][engine][shape][t] for s in saved]
                per_thread[t] = float(min(values))
                result["per_round"][f"{engine}/{shape}/{t}"] = values
    save_part(part, result, arrays)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--shapes", nargs="+", default=["16x16", "1x128"])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--runs", type=int, default=20,
                    help="timed calls per measurement (median)")
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--prefill", type=int, default=512,
                    help="decoder prefill tokens")
    ap.add_argument("--fp32-tol", type=float, default=1e-4,
                    help="largest max |diff| of an fp32 engine's embeddings "
                         "(unit vectors) to torch's")
    ap.add_argument("--min-cosine", type=float, default=0.7,
                    help="smallest cosine of a quantised engine's embedding "
                         "to torch's (a guard against broken kernels: 3-bit "
                         "and int8 MiniLM reach 0.83-0.95 on good ones)")
    ap.add_argument("--report", action="store_true",
                    help="print the saved results, run nothing")
    ap.add_argument("--rounds", type=int, default=3,
                    help="MiniLM: the parts take turns this many times; "
                         "each time is the best round's median")
    ap.add_argument("--part", help=argparse.SUPPRESS)
    ap.add_argument("--round", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    # The arguments a worker gets (the parts pass them on, less --part and
    # --round).
    argv = sys.argv[1:]
    args.argv = [a for i, a in enumerate(argv)
                 if a not in ("--part", "--round")
                 and not a.startswith(("--part=", "--round="))
                 and (i == 0 or argv[i - 1] not in ("--part", "--round"))]

    if args.part:  # a worker: run one part, save it
        loadavg = os.getloadavg()
        result, arrays = globals()["part_" + args.part.replace("-", "_")](args)
        result["loadavg_start"] = loadavg
        result.update(isa=host_isa(), runs=args.runs, warmup=args.warmup,
                      prefill=args.prefill)
        save_part(args.part + (f"-r{args.round}" if args.round is not None
                               else ""), result, arrays)
        return
    if not args.report:
        started = time.time()
        minilm = [p for p in MINILM_PARTS if p in args.only]
        for r in range(args.rounds if minilm else 0):
            for part in minilm:
                log(f"== {part}, round {r + 1} of {args.rounds}")
                run_part(part, args, ["--round", str(r)])
        for part in minilm:
            merge_rounds(part, args.rounds)
        if "decoder" in args.only:
            log("== decoder")
            run_part("decoder", args, [])
        log(f"whole run: {(time.time() - started) / 60:.1f} min")
    parts = {p: load_part(p) for p in PARTS}
    text, failures = report(parts, args)
    print(text)
    if failures:
        sys.exit(1)


if __name__ == "__main__":
    main()
