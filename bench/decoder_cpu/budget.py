#!/usr/bin/env python3
"""SmolLM2-135M at a bit budget against uniform bit-planes: perplexity of
the same evaluation tokens (docs/quantize-weights.md, "Bit budgets").

Every configuration quantizes the 210 linear weights with bpdq on the
calibration text of corpus.py (bitsink.models.quantize, the quant part's
cache under build/bench-cache/bitsink-weights, so uniform 3-bit groups of
128 are the quant part's weights):

  uniform P:G    every weight at P planes, groups of G rows (P:G:S: with
                 sub-block scale codes every S rows, G = 0 one grid per
                 column; docs/quantizer.md, "Sub-block scale codes")
  budget B       quantize_weights_budget(model, B): per weight one of the
                 candidates (--configs) with the least summed calibration
                 error ‖X(W − Ŵ)‖²/T within an average of B stored bits per
                 weight (what bitsink-quantize-weights{budget=B} does)
  budget B (checked)
                 with --check-tokens N: the allocation or a uniform one
                 within the budget, whichever has the least KL divergence
                 on N calibration tokens (quantize_weights_budget's
                 check_tokens)
  budget B (importance)
                 the same with each weight's errors times its
                 bitsink.models.quantize.layer_importance (the KL divergence
                 of the next-token distributions on --importance-tokens
                 calibration tokens when that weight alone is quantized at
                 P = 2, g = 128, per unit of its calibration error), with
                 --importance; kept in build/bench-cache/decoder_cpu/
                 importance.json (--importance-probe P:G[:S] measures it at
                 another configuration, kept in importance-probe-P-G-S.json)

The perplexity is the quant part's: the decode entry token by token over the
first --tokens evaluation tokens (dense cache, every earlier token visible).
One f32 decoder is compiled once and each configuration's dequantized
weights are written into its weight arguments (the decoder reads them where
they lie), which is the bit-plane decoder's arithmetic up to f32 rounding
order and compiles once instead of once per configuration (a per-weight
allocation needs layers="inline", ~10x the compile time). The tied output
projection stays f32, as in the quant part. Bits per weight: stored bits
over the linear weights, exactly (planes and every group's f16
coefficients).

  PYTHONPATH=build/python_packages python3 bench/decoder_cpu/budget.py \\
      --tokens 2048 --uniform 3:128 --budgets 3.0 3.5417

Results go to build/bench-cache/decoder_cpu/budget.json.
"""

import argparse
import datetime
import json
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

import bitsink_side as B  # noqa: E402
import corpus  # noqa: E402

CACHE_DIR = os.path.join(ROOT, "build", "bench-cache")
WEIGHTS_DIR = os.path.join(CACHE_DIR, "bitsink-weights")
RESULT = os.path.join(CACHE_DIR, "decoder_cpu", "budget.json")


def log(message):
    print(message, file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokens", type=int, default=2048,
                    help="evaluation tokens (BOS included)")
    ap.add_argument("--uniform", nargs="*", default=["3:128"],
                    help="uniform P:G (or P:G:S with scale codes) "
                         "configurations")
    ap.add_argument("--budgets", type=float, nargs="*", default=[3.0])
    ap.add_argument("--configs", nargs="+", default=None,
                    help="budget candidates P:G or P:G:S (default: planes "
                         "1-4 x groups 64/128/256, bitsink.budget."
                         "DEFAULT_CONFIGS)")
    ap.add_argument("--with-sub-blocks", type=int, nargs="*", default=[],
                    help="add planes 1-4 per column with scale codes every "
                         "S rows to the candidates, for each S (what "
                         "bitsink-quantize-weights{budget-sub-blocks=...} "
                         "does)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--importance", choices=("none", "also", "only"),
                    default="none",
                    help="allocate each budget also (or only) with "
                         "layer_importance")
    ap.add_argument("--importance-tokens", type=int, default=256)
    ap.add_argument("--importance-probe", default="2:128",
                    help="P:G or P:G:S the importance is measured at (the "
                         "KL of the model with one weight at it, per unit of "
                         "its calibration error)")
    ap.add_argument("--check-tokens", type=int, default=0,
                    help="quantize_weights_budget(check_tokens=N): return the "
                         "allocator's choice or a uniform allocation that "
                         "fits, whichever has the least KL divergence over "
                         "N calibration tokens")
    ap.add_argument("--damp", type=float, default=None,
                    help="the quantizer's Hessian damping for the uniform "
                         "rows (default: the library's)")
    ap.add_argument("--rotations", type=int, nargs="+", default=[0],
                    help="run every configuration with each of these "
                         "Walsh-Hadamard rotation blocks (0: none; "
                         "docs/quantizer.md, \"Rotation\"); the importance "
                         "is measured per rotation")
    args = ap.parse_args()

    from bitsink.budget import DEFAULT_CONFIGS, SUB_BLOCK_CONFIGS
    from bitsink.models import quantize
    configs = ([tuple(int(v) for v in c.split(":")) for c in args.configs]
               if args.configs else list(DEFAULT_CONFIGS))
    configs += [c for c in SUB_BLOCK_CONFIGS if c[2] in args.with_sub_blocks]

    ids = corpus.eval_tokens(args.tokens)
    model = B.load_model(corpus.gguf_path())
    names = quantize.linear_weight_names(model.config)
    text = corpus.calib_text()
    B.set_threads(args.threads)
    started = time.time()
    log("calibration activations ...")
    calibration = quantize.calibration_activations(model, text)
    log(f"  {time.time() - started:.0f} s")

    rows = []  # (label, {name: QuantizedWeight}, bits per weight, extra)
    for rotation in args.rotations:
        run_configs(args, model, names, text, calibration, configs, rotation,
                    rows)
    evaluate(model, names, ids, rows, configs)


def run_configs(args, model, names, text, calibration, configs, rotation,
                rows):
    """Appends the uniform and budget rows of one rotation block."""
    from bitsink.models import quantize
    tag = f" rotated {rotation}" if rotation else ""
    uniform_tag = tag + (f" damp {args.damp:g}" if args.damp is not None
                         else "")
    for text_config in args.uniform:
        p, g, *rest = (int(v) for v in text_config.split(":"))
        s = rest[0] if rest else 0
        t0 = time.time()
        out = quantize.quantize_weights(
            model, p, calibration_text=text, calibration=calibration,
            group_size=g, cache_dir=WEIGHTS_DIR, rotation=rotation,
            damp=args.damp, sub_block=s)
        count = sum(model.weights[n].size for n in names)
        bpw = sum(out[n].bits_per_weight * model.weights[n].size
                  for n in names) / count
        label = f"uniform P={p} g={g}" + (f" S={s}" if s else "")
        log(f"{label}{uniform_tag}: {bpw:.4f} bits/weight "
            f"({time.time() - t0:.0f} s)")
        rows.append((f"{label}{uniform_tag}", out, bpw, {}))
    importance = None
    if args.importance != "none":
        probe = tuple(int(v) for v in args.importance_probe.split(":"))
        path = os.path.join(CACHE_DIR, "decoder_cpu", "importance.json")
        if rotation:
            path = path.replace(".json", f"-rotation{rotation}.json")
        if probe != (2, 128):
            path = path.replace(".json", "-probe" + "-".join(
                str(v) for v in probe) + ".json")
        saved = json.load(open(path)) if os.path.exists(path) else {}
        if saved.get("tokens") != args.importance_tokens:
            t0 = time.time()
            saved = {"tokens": args.importance_tokens,
                     "rotation": rotation, "probe": list(probe),
                     "importance": quantize.layer_importance(
                         model, calibration_text=text,
                         calibration=calibration,
                         tokens=args.importance_tokens,
                         cache_dir=WEIGHTS_DIR, progress=log,
                         rotation=rotation, probe=probe)}
            log(f"importance: {time.time() - t0:.0f} s")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                json.dump(saved, f, indent=1)
        importance = saved["importance"]
    kinds = {"none": [False], "also": [False, True], "only": [True]}
    for weighted, budget in [(w, b) for w in kinds[args.importance]
                             for b in args.budgets]:
        t0 = time.time()
        out, allocation = quantize.quantize_weights_budget(
            model, budget, calibration_text=text, calibration=calibration,
            configs=configs, cache_dir=WEIGHTS_DIR, rotation=rotation,
            importance=importance if weighted else None,
            check_tokens=args.check_tokens,
            # On text the importance did not measure.
            check_skip=args.importance_tokens if weighted else 0,
            progress=lambda s: log("  " + s) if "allocation" in s
            or s.startswith("budget:") else None)
        def config_name(c):
            return f"P{c.planes}g{c.group_size}" + (
                f"s{c.sub_block}" if c.sub_block else "")

        mix = {}
        for c in allocation.layers:
            mix[config_name(c)] = mix.get(config_name(c), 0) + 1
        by_part = {}
        for c in allocation.layers:
            part = c.name.split(".")[2]
            by_part.setdefault(part, {}).setdefault(config_name(c), 0)
            by_part[part][config_name(c)] += 1
        log(f"budget {budget}{' (importance)' if weighted else ''}{tag}: "
            f"{allocation.bits_per_weight:.4f} bits/weight, "
            f"{' '.join(f'{k}x{v}' for k, v in sorted(mix.items()))} "
            f"({time.time() - t0:.0f} s)")
        label = (f"budget {budget}" + (" (importance)" if weighted else "")
                 + (" (checked)" if args.check_tokens else "") + tag)
        if args.check_tokens:
            log(f"  checked on {args.check_tokens} calibration tokens: "
                + ", ".join(f"{k} KL {v:.5f}"
                            for k, v in allocation.checked.items())
                + f"; selected {allocation.selected}")
        rows.append((label, out, allocation.bits_per_weight,
                     {"mix": mix, "by_part": by_part,
                      "error": allocation.error,
                      "checked": allocation.checked,
                      "selected": allocation.selected}))



def evaluate(model, names, ids, rows, configs):
    """The perplexity of every row, printed and saved to RESULT."""
    from bitsink.models import quantize
    # Writable copies of the weights (the model's are read-only), which
    # the decoder then passes without copying.
    model.weights = {n: np.array(model.weights[n]) for n in model.weight_names}
    log(f"f32 decoder, cache {len(ids)} ...")
    decoder, secs = B.make_decoder(model, cache=len(ids), sinks=0, log=log)
    # The arrays the decoder passes (model.weights' own, without copy).
    passed = {id(a) for a in decoder._weights["decode"]}
    if not all(id(model.weights[n]) in passed for n in names):
        raise SystemExit("the decoder copied its weight arguments")
    originals = {n: model.weights[n].copy() for n in names}
    result = {"tokens": len(ids), "configs": [list(c) for c in configs],
              "rows": []}
    for label, out, bpw, extra in rows:
        for n in names:
            k = model.weights[n].shape[1]
            model.weights[n][...] = quantize.dequantize_weight(out[n], k).T
        t0 = time.time()
        nll, _, _ = B.stream_nll(decoder, ids, log=log, label=label)
        ppl = math.exp(float(np.mean(nll)))
        log(f"{label}: ppl {ppl:.3f} over {len(nll)} tokens "
            f"({time.time() - t0:.0f} s)")
        result["rows"].append(dict(label=label, bpw=bpw, ppl=ppl,
                                   scored=len(nll), **extra))
        for n in names:
            model.weights[n][...] = originals[n]
    result["date"] = datetime.datetime.now().isoformat(timespec="seconds")
    os.makedirs(os.path.dirname(RESULT), exist_ok=True)
    with open(RESULT, "w") as f:
        json.dump(result, f, indent=1)
    print(f"SmolLM2-135M, perplexity of the first {len(ids)} evaluation "
          "tokens (decode entry, dense cache):")
    print("| configuration | bits/weight | ppl |")
    print("| --- | ---: | ---: |")
    for row in result["rows"]:
        print(f"| {row['label']} | {row['bpw']:.4f} | {row['ppl']:.3f} |")
    for row in result["rows"]:
        if "by_part" in row:
            print(f"{row['label']}: " + "; ".join(
                f"{part} " + " ".join(f"{k}x{v}" for k, v in sorted(
                    mix.items())) for part, mix in row["by_part"].items()))


if __name__ == "__main__":
    main()
