#!/usr/bin/env python3
"""bitsink's decoder LLM (SmolLM2-135M-Instruct from its Q4_1 GGUF) against
llama.cpp (llama-cpp-python) and PyTorch eager fp32, one command, one table.

    bash bench/decoder_cpu/run.sh                 # setup, build, all parts
    python bench/decoder_cpu/run.py --only llamacpp torch --tokens 8192

Parts (--only; default all, each in a process of its own, one after the
other):
  llamacpp   llama.cpp's quantiser requantises the Q4_1 GGUF (Q2_K pure,
             Q2_K, Q3_K_M, Q4_K_M; cached under build/bench-cache); per type
             the bits per weight, the perplexity of the evaluation tokens
             (one context of all of them, full causal attention), prefill
             and decode tokens/s at 1 and 2 threads; for the source Q4_1
             also the perplexity with a fresh context every C tokens and
             the sliding window with re-computation (a fresh window of C
             tokens for every --recompute-stride-th token).
  torch      SmolLM2 in eager fp32 from the dequantized GGUF: perplexity,
             tokens/s at 1 and 2 threads; its first logits are kept for the
             check part.
  check      bitsink's f32 decoder (the GGUF's weights dequantized, as
             torch) on the first --check-tokens tokens: its logits against
             torch's (an independent implementation of the same model).
  streaming  the StreamingLLM table: bitsink at --stream-bits bits, token by
             token through the decode entry over the evaluation tokens,
             dense (cache = every token), window only (S = 0) and sinks +
             window (S = 4) at each --caches C; step time at tokens 1,100
             and 8,000 (C = 1024, S = 4).
  quant      bitsink at 2/3/4 bits (--bits): perplexity with a dense cache
             (the same tokens and attention as llama.cpp's), bits per
             weight, prefill and decode tokens/s at 1 and 2 threads
             (groups of 128 rows, or with --sub-block S one grid per
             column and scale codes every S rows).
The printed table holds what this run measured; --report prints the last
saved results of every part (each with its date) without running anything.

Text (corpus.py): evaluation = GPL-3, LGPL-2.1, GPL-2 from Debian's
/usr/share/common-licenses (first --tokens tokens, BOS first);
bitsink's quantiser calibrates on Apache-2.0, MPL-2.0, Artistic, CC0-1.0,
BSD, GFDL-1.3 (other documents).
"""

import argparse
import datetime
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "bench", "common"))

import corpus  # noqa: E402

CACHE_DIR = os.path.join(ROOT, "build", "bench-cache")
RESULTS_DIR = os.path.join(CACHE_DIR, "decoder_cpu")
WEIGHTS_DIR = os.path.join(CACHE_DIR, "bitsink-weights")
PARTS = ("llamacpp", "torch", "check", "streaming", "quant")
THREADS = (1, 2)
NEAREST = {2: "Q2_K", 3: "Q3_K_M", 4: "Q4_K_M"}  # bitsink bits -> llama.cpp


def log(message):
    print(message, file=sys.stderr, flush=True)


def ppl(nll):
    return float(math.exp(np.mean(nll))) if len(nll) else float("nan")


def nll_from_logits(logits, ids):
    """NLL of ids[1:] under logits rows 0..n-2 (float64 log-softmax)."""
    z = np.asarray(logits, dtype=np.float64)
    m = z.max(axis=1, keepdims=True)
    lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
    return lse - z[np.arange(len(ids) - 1), np.asarray(ids[1:])]


def summary(nll, caches):
    """ppl over every scored token and over the tokens scored after the
    cache of C slots is full (step i >= C: token i + 1 is predicted from a
    stream of i + 1 > C tokens)."""
    out = {"ppl": ppl(nll), "scored": int(len(nll))}
    for c in caches:
        out[f"ppl_after_{c}"] = ppl(nll[c:])
    return out


def save_part(part, result, arrays):
    os.makedirs(RESULTS_DIR, exist_ok=True)
    result["date"] = datetime.datetime.now().isoformat(timespec="seconds")
    with open(os.path.join(RESULTS_DIR, part + ".json"), "w") as f:
        json.dump(result, f, indent=1)
    np.savez(os.path.join(RESULTS_DIR, part + ".npz"), **arrays)


def load_part(part):
    path = os.path.join(RESULTS_DIR, part + ".json")
    if not os.path.exists(path):
        return None, {}
    with open(path) as f:
        result = json.load(f)
    npz = os.path.join(RESULTS_DIR, part + ".npz")
    arrays = dict(np.load(npz)) if os.path.exists(npz) else {}
    return result, arrays


# Parts (each runs in a process of its own).


def _speeds(measure, label):
    """{threads: {prefill, decode}} from measure(threads) -> (prefill tok/s,
    decode tok/s), for every thread count."""
    out = {}
    for t in THREADS:
        pf, dec = measure(t)
        out[str(t)] = {"prefill": pf, "decode": dec}
        log(f"  {label} {t} thread(s): prefill {pf:.0f} tok/s, decode "
            f"{dec:.1f} tok/s")
    return out


def _saved(part, tokens):
    """The saved result of `part` (for --speed-only, which measures the
    speeds again and keeps the perplexities)."""
    result, arrays = load_part(part)
    if result is None or result.get("tokens") != tokens:
        raise SystemExit(f"--speed-only: no saved {part} result over {tokens} "
                         "tokens; run the part in full first")
    result["speed_only_rerun"] = True
    return result, arrays


def part_llamacpp(args, ids):
    import llamacpp_peer as L
    paths = L.requantize(corpus.gguf_path(), CACHE_DIR, log=log)
    order = ["Q2_K-pure", "Q2_K", "Q3_K_M", "Q4_K_M", L.SOURCE]
    if args.speed_only:
        result, arrays = _saved("llamacpp", len(ids))
        for name in order:
            result["types"][name]["speed"] = _speeds(
                lambda t: L.speed(paths[name], ids, t), f"llama.cpp {name}")
        return result, arrays
    result = {"types": {}, "tokens": len(ids)}
    arrays = {}
    threads = max(THREADS)
    for name in order:
        path = paths[name]
        row = {"tensors": L.tensor_summary(path)}
        nll, secs = L.perplexity_nll(path, ids, threads)
        arrays[f"{name}/dense"] = nll
        row["dense"] = summary(nll, args.caches)
        row["dense_seconds"] = secs
        log(f"  llama.cpp {name}: ppl {row['dense']['ppl']:.3f} over "
            f"{len(nll)} tokens ({secs:.0f} s)")
        row["chunks"] = {}
        for c in (args.caches if name == L.SOURCE else ()):
            nll_c = L.chunked_nll(path, ids, threads, c)
            arrays[f"{name}/chunks{c}"] = nll_c
            row["chunks"][str(c)] = summary(nll_c, args.caches)
        row["speed"] = _speeds(lambda t: L.speed(path, ids, t),
                               f"llama.cpp {name}")
        result["types"][name] = row
    # Sliding window with re-computation (llama.cpp, the source Q4_1).
    result["recompute"] = {}
    for c in (args.caches if args.recompute_stride else ()):
        targets = list(range(c, len(ids), args.recompute_stride))
        t0 = time.time()
        nll = L.recompute_nll(paths[L.SOURCE], ids, threads, c, targets)
        arrays[f"recompute{c}"] = nll
        arrays[f"recompute{c}/targets"] = np.asarray(targets)
        dense = arrays[f"{L.SOURCE}/dense"][np.asarray(targets) - 1]
        result["recompute"][str(c)] = {
            "ppl": ppl(nll), "dense_same_tokens": ppl(dense),
            "scored": len(targets), "stride": args.recompute_stride,
            "seconds": time.time() - t0}
        log(f"  llama.cpp {L.SOURCE} sliding window {c} with re-computation:"
            f" ppl {ppl(nll):.3f} on {len(targets)} tokens (dense on the same"
            f" tokens {ppl(dense):.3f})")
    import llama_cpp
    result["version"] = llama_cpp.__version__
    result["system_info"] = llama_cpp.llama_print_system_info().decode()
    return result, arrays


def part_torch(args, ids):
    import torch
    import torch_llama
    model = torch_llama.TorchLlama(corpus.gguf_path())
    if args.speed_only:
        result, arrays = _saved("torch", len(ids))
        result["speed"] = _speeds(lambda t: _torch_speed(model, ids, t),
                                  "torch fp32")
        return result, arrays
    result = {"tokens": len(ids), "version": torch.__version__}
    torch.set_num_threads(max(THREADS))
    model.reset()
    t0 = time.time()
    rows = []
    for i in range(0, len(ids), 512):  # KV cache kept: full causal attention
        rows.append(model.forward(ids[i:i + 512]).numpy())
    logits = np.concatenate(rows)
    nll = nll_from_logits(logits[:-1], ids)
    result["dense"] = summary(nll, args.caches)
    result["dense_seconds"] = time.time() - t0
    log(f"  torch fp32: ppl {result['dense']['ppl']:.3f} over {len(nll)} "
        f"tokens ({result['dense_seconds']:.0f} s)")
    arrays = {"dense": nll, "logits": logits[:args.check_tokens]}
    result["speed"] = _speeds(lambda t: _torch_speed(model, ids, t),
                              "torch fp32")
    return result, arrays


def _torch_speed(model, ids, threads, prefill=512, steps=128, rounds=3):
    """As llamacpp_peer.speed: prefill of 512 tokens from an empty cache,
    then 128 greedy single-token steps; best of 3."""
    import torch
    torch.set_num_threads(threads)
    best_pf = best_dec = float("inf")
    for _ in range(rounds):
        model.reset()
        t0 = time.perf_counter()
        out = model.forward(ids[:prefill], all_logits=False)
        best_pf = min(best_pf, time.perf_counter() - t0)
        tok = int(out[-1].argmax())
        t0 = time.perf_counter()
        for _ in range(steps):
            tok = int(model.forward([tok])[-1].argmax())
        best_dec = min(best_dec, time.perf_counter() - t0)
    return prefill / best_pf, steps / best_dec


def part_check(args, ids):
    import bitsink_side as B
    torch_result, torch_arrays = load_part("torch")
    model = B.load_model(corpus.gguf_path())
    n = args.check_tokens
    result = {"tokens": n,
              "encode_matches": model.encode(corpus.eval_text(), add_bos=True)[
                  :len(ids)] == list(ids)}
    B.set_threads(max(THREADS))
    decoder, secs = B.make_decoder(model, cache=max(64, n), sinks=4,
                                   layers=args.layers, log=log)
    result["build_seconds"] = secs
    nll, step_secs, logits = B.stream_nll(decoder, ids[:n + 1], log=log,
                                          label="f32 check", keep_logits=n)
    result["f32_step_ms"] = float(np.median(step_secs) * 1e3)
    arrays = {"logits": logits}
    ref = torch_arrays.get("logits")
    if ref is not None and len(ref) >= n:
        diff = np.abs(logits - ref[:n])
        result["max_abs_diff"] = float(diff.max())
        result["max_abs_logit"] = float(np.abs(ref[:n]).max())
        result["argmax_agree"] = float(
            np.mean(logits.argmax(1) == ref[:n].argmax(1)))
        result["nll_bitsink"] = float(np.mean(nll))
        result["nll_torch"] = float(np.mean(nll_from_logits(ref[:n], ids[:n + 1])))
        log(f"  check: bitsink f32 vs torch fp32 over {n} tokens: max |diff| "
            f"{result['max_abs_diff']:.2e} (logits up to "
            f"{result['max_abs_logit']:.1f}), argmax agree "
            f"{100 * result['argmax_agree']:.0f}%")
    else:
        log("  check: no torch logits saved (run --only torch first)")
    return result, arrays


def _bitsink_rows(args):
    """(key, cache, sinks) of the streaming table."""
    rows = [("dense", None, 0)]
    for c in args.caches:
        rows += [(f"window{c}", c, 0), (f"sinks{c}", c, 4)]
    return rows


def part_streaming(args, ids):
    import bitsink_side as B
    model = B.load_model(corpus.gguf_path())
    B.set_threads(max(THREADS))
    bits = args.stream_bits or None
    quantized = bits and B.quantized_weights(model, bits, corpus.calib_text(),
                                             WEIGHTS_DIR, args.head_bits,
                                             log=log)
    result = {"tokens": len(ids), "bits": bits, "layers": args.layers,
              "head_bits": args.head_bits, "rows": {}}
    arrays = {}
    for key, cache, sinks in _bitsink_rows(args):
        c = cache or len(ids)
        decoder, secs = B.make_decoder(model, cache=c, sinks=sinks,
                                       quantized=quantized,
                                       layers=args.layers, log=log)
        nll, step_secs, _ = B.stream_nll(decoder, ids, log=log, label=key)
        arrays[key] = nll
        arrays[key + "/step_seconds"] = step_secs
        row = summary(nll, args.caches)
        row.update(cache=c, sinks=sinks, build_seconds=secs,
                   step_ms_median=float(np.median(step_secs) * 1e3))
        for at in (1100, 8000):
            lo, hi = at - 32, at + 32
            if hi <= len(step_secs):
                row[f"step_ms_at_{at}"] = float(
                    np.median(step_secs[lo:hi]) * 1e3)
        result["rows"][key] = row
        log(f"  bitsink {key}: ppl {row['ppl']:.3f}, step "
            f"{row['step_ms_median']:.2f} ms (median)")
        del decoder
    return result, arrays


def _quant_key(bits, head_bits, int8=False, gemm_int8=False, rotation=0,
               int16=False, sub_block=0):
    """The quant part's row: "3" (f32 output projection) or "3h4" (the tied
    output projection quantised to 4 bit-planes); "i8" / "i16" appended when
    the GEMVs used int8 / int16 tables (--gemv-lut-int8 / --gemv-lut-int16),
    "g8" when the GEMMs ran on
    int8 inputs (--gemm-int8), "r64" with the Walsh-Hadamard rotation
    (--rotation 64), "s16" with scale codes (--sub-block 16)."""
    key = f"{bits}h{head_bits}" if head_bits else str(bits)
    return (key + ("i8" if int8 else "") + ("i16" if int16 else "")
            + ("g8" if gemm_int8 else "")
            + (f"r{rotation}" if rotation else "")
            + (f"s{sub_block}" if sub_block else ""))


def _quant_bits(key, row):
    """(bits, head_bits) of a quant row (rows saved before head_bits was
    per row carry neither and have an f32 output projection)."""
    bits = row["bits"] if "bits" in row else int(key.split("h")[0])
    return bits, row.get("head_bits", 0)


def _quant_label(key, row):
    bits, head = _quant_bits(key, row)
    return (f"{bits}-bit" + (f" h{head}" if head else "")
            + (" i8" if row.get("gemv_lut_int8") else "")
            + (" i16" if row.get("gemv_lut_int16") else "")
            + (" gemm-i8" if row.get("gemm_int8") else "")
            + (f" rotated {row['rotation']}" if row.get("rotation") else "")
            + (f" codes/{row['sub_block']}" if row.get("sub_block") else ""))


def part_quant(args, ids):
    import bitsink_side as B
    from bitsink.models import quantize
    model = B.load_model(corpus.gguf_path())
    result = {"tokens": len(ids), "layers": args.layers, "bits": {}}
    arrays = {}
    if args.speed_only:
        result, arrays = _saved("quant", len(ids))
    else:
        # Rows of other bit widths (or output projections) measured before
        # stay in the table.
        saved, saved_arrays = load_part("quant")
        if saved and saved.get("tokens") == len(ids) \
                and saved.get("layers") == args.layers:
            result, arrays = saved, saved_arrays
            result.pop("head_bits", None)
            result.pop("speed_only_rerun", None)
    for bits in args.bits:
        key = _quant_key(bits, args.head_bits, args.gemv_lut_int8,
                         args.gemm_int8, args.rotation, args.gemv_lut_int16,
                         args.sub_block)
        B.set_threads(max(THREADS))
        t0 = time.time()
        quantized = B.quantized_weights(model, bits, corpus.calib_text(),
                                        WEIGHTS_DIR, args.head_bits, log=log,
                                        rotation=args.rotation,
                                        sub_block=args.sub_block)
        quantize_secs = time.time() - t0
        # The dense cache holds every scored token (a larger one would only
        # add copying in the call form).
        n = args.quant_tokens
        reuse = None
        if bits == args.stream_bits:
            done, done_arrays = load_part("streaming")
            if done and done.get("bits") == bits and "dense" in done_arrays \
                    and done.get("head_bits", 0) == args.head_bits \
                    and done["tokens"] == len(ids) \
                    and len(done_arrays["dense"]) >= n - 1:
                reuse = done_arrays["dense"][:n - 1]
                row_from = done["date"]
                log(f"  bitsink {bits}-bit: the dense perplexity is the "
                    f"streaming part's dense row (saved {row_from})")
        cache = max(n, 512 + 128)  # and the speed runs' 512 + 128 tokens
        decoder, secs = B.make_decoder(model, cache=cache, sinks=0,
                                       quantized=quantized,
                                       layers=args.layers, log=log,
                                       gemv_lut_int8=args.gemv_lut_int8,
                                       gemv_lut_int16=args.gemv_lut_int16,
                                       gemm_int8=args.gemm_int8)
        if args.speed_only:
            result["bits"][key]["speed"] = _speeds(
                lambda t: B.speed(decoder, ids, t), f"bitsink {key}")
            del decoder
            continue
        row = {"bits": bits, "head_bits": args.head_bits,
               "gemv_lut_int8": args.gemv_lut_int8,
               "gemv_lut_int16": args.gemv_lut_int16,
               "gemm_int8": args.gemm_int8, "rotation": args.rotation,
               "sub_block": args.sub_block,
               # Exactly as stored (codes and per-column grids included),
               # over the linear weights (the output projection apart, as
               # linear_bpw counts).
               "bpw": (quantize.linear_bits_per_weight(model, {
                   n: quantized[n] for n in
                   quantize.linear_weight_names(model.config)})
                       if args.sub_block else B.linear_bpw(model, bits)),
               "build_seconds": secs,
               "quantize_seconds": quantize_secs,
               "rel_error": float(np.mean([q.rel_error for q in
                                           quantized.values()]))}
        if reuse is not None:
            arrays[f"{key}/dense"] = reuse
            row["dense"] = summary(reuse, args.caches)
            row["dense_from_streaming"] = row_from
        elif n:
            nll, _, _ = B.stream_nll(decoder, ids[:n], log=log,
                                     label=f"{key}")
            arrays[f"{key}/dense"] = nll
            row["dense"] = summary(nll, args.caches)
        row["speed"] = _speeds(lambda t: B.speed(decoder, ids, t),
                               f"bitsink {key}")
        result["bits"][key] = row
        del decoder
    return result, arrays


# Report.


def fmt(x, spec=".2f", width=8):
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-".rjust(width)
    return format(x, spec).rjust(width)


def report(parts, args):
    """The tables from {part: (result, arrays)}."""
    from mlirlib import host_isa
    results = {k: v[0] for k, v in parts.items()}
    arrays = {k: v[1] for k, v in parts.items()}
    out = [f"ISA: {host_isa()}", f"cores: {os.cpu_count()}, load average "
           f"{os.getloadavg()[0]:.1f} at the end"]
    L, T = results.get("llamacpp"), results.get("torch")
    S, Q, K = (results.get("streaming"), results.get("quant"),
               results.get("check"))
    for name, part in results.items():
        if part and args.report:
            out.append(f"  {name}: saved {part.get('date')}")
    if S:
        n = S["tokens"]
        label = f"{S['bits']}-bit" if S["bits"] else "f32"
        if S.get("head_bits"):
            label += f" (output projection {S['head_bits']}-bit)"
        out.append("")
        out.append(f"StreamingLLM, bitsink {label} (decode entry, token by "
                   f"token), first {n} tokens of the evaluation text")
        head = f"{'configuration':<28}{'C':>6}{'S':>3}{'ppl all':>9}"
        for c in args.caches:
            head += f"{'>' + str(c):>9}{'x dense':>8}"
        out.append(head + f"{'step ms':>9}")
        dense = S["rows"].get("dense")
        names = {"dense": "dense (nothing evicted)"}
        for key, row in S["rows"].items():
            kind = ("dense (nothing evicted)" if key == "dense" else
                    "window only" if row["sinks"] == 0 else "sinks + window")
            line = (f"{kind:<28}{row['cache']:>6}{row['sinks']:>3}"
                    f"{fmt(row['ppl'], '.3f', 9)}")
            for c in args.caches:
                v = row.get(f"ppl_after_{c}")
                d = dense.get(f"ppl_after_{c}") if dense else None
                line += fmt(v, ".3f", 9) + fmt(v / d if v and d else None,
                                               ".2f", 8)
            out.append(line + fmt(row["step_ms_median"], ".2f", 9))
        del names
        if L and L.get("recompute"):
            for c, r in L["recompute"].items():
                out.append(f"sliding window + recompute  {int(c):>6}  -"
                           f" ppl {r['ppl']:.3f} against dense "
                           f"{r['dense_same_tokens']:.3f} (x "
                           f"{r['ppl'] / r['dense_same_tokens']:.2f}) on "
                           f"{r['scored']} tokens (every {r['stride']}th "
                           f"from {c}), llama.cpp Q4_1")
        s4 = S["rows"].get("sinks1024", {})
        if s4.get("step_ms_at_8000"):
            out.append(f"step time (C = 1024, S = 4, median of 64 steps): "
                       f"{s4['step_ms_at_1100']:.2f} ms at token 1,100, "
                       f"{s4['step_ms_at_8000']:.2f} ms at token 8,000 "
                       f"(x {s4['step_ms_at_8000'] / s4['step_ms_at_1100']:.2f})")
    # Perplexities with every earlier token visible, over the tokens all
    # present engines scored (a prefix of the evaluation tokens: the NLL of
    # token i does not depend on later tokens).
    dense = {}
    if L:
        for name in L["types"]:
            dense[("llama.cpp", name)] = arrays["llamacpp"][name + "/dense"]
    if Q:
        for key, row in Q["bits"].items():
            if key + "/dense" in arrays["quant"]:
                dense[("bitsink", key)] = arrays["quant"][key + "/dense"]
            elif S and (S["bits"], S.get("head_bits", 0)) == _quant_bits(
                    key, row) and "dense" in arrays.get("streaming", {}):
                dense[("bitsink", key)] = arrays["streaming"]["dense"]
    if T:
        dense[("torch", "fp32")] = arrays["torch"]["dense"]
    scored = min((len(v) for v in dense.values()), default=0)

    def dppl(engine, name):
        v = dense.get((engine, name))
        return ppl(v[:scored]) if v is not None else None

    if L or T or Q:
        out.append("")
        out.append(f"Quality and speed, perplexity of the first {scored} "
                   "scored tokens with every earlier token visible (bitsink: "
                   "dense cache, decode entry; llama.cpp: one context of "
                   f"{(L or {}).get('tokens', '-')} tokens; torch: KV cache)")
        out.append(f"{'engine':<11}{'weights':<11}{'bpw lin':>8}{'bpw file':>9}"
                   f"{'ppl':>9}  {'prefill tok/s':>14}  {'decode tok/s':>13}")
        out.append(f"{'':<39}{'':9}  {'1 thr':>6} {'2 thr':>7}  {'1 thr':>6}"
                   f" {'2 thr':>6}")

        def speeds(sp):
            return (fmt(sp.get("1", {}).get("prefill"), ".0f", 6) + " "
                    + fmt(sp.get("2", {}).get("prefill"), ".0f", 7) + "  "
                    + fmt(sp.get("1", {}).get("decode"), ".1f", 6) + " "
                    + fmt(sp.get("2", {}).get("decode"), ".1f", 6))
        if L:
            for name, row in L["types"].items():
                t = row["tensors"]
                out.append(f"{'llama.cpp':<11}{name:<11}"
                           f"{fmt(t['linear_bpw'], '.2f')}"
                           f"{fmt(t['file_bpw'], '.2f', 9)}"
                           f"{fmt(dppl('llama.cpp', name), '.3f', 9)}  "
                           + speeds(row["speed"]))
        if Q:
            for key, row in Q["bits"].items():
                p = dppl("bitsink", key)
                weights = _quant_label(key, row)
                out.append(f"{'bitsink':<11}{weights:<11}"
                           f"{fmt(row['bpw'], '.2f')}{fmt(None, '', 9)}"
                           f"{fmt(p, '.3f', 9)}  " + speeds(row["speed"]))
        if T:
            out.append(f"{'torch':<11}{'fp32':<11}{fmt(32.0, '.2f')}"
                       f"{fmt(32.0, '.2f', 9)}{fmt(dppl('torch', 'fp32'), '.3f', 9)}"
                       f"  " + speeds(T["speed"]))
        if L:
            out.append("llama.cpp tensor types (linear weights):")
            for name, row in L["types"].items():
                t = row["tensors"]
                types = "; ".join(f"{ty} {', '.join(v)}" for ty, v in
                                  t["linear_types"].items())
                out.append(f"  {name}: {types}; token_embd {t['embd_type']}")
            for c in args.caches:
                src = L["types"].get("Q4_1", {}).get("chunks", {}).get(str(c))
                if src:
                    out.append(f"llama.cpp Q4_1, fresh context every {c} "
                               f"tokens: ppl {src['ppl']:.3f}")
    if Q and L:
        out.append("")
        out.append("bitsink against the nearest llama.cpp type")
        for key, row in Q["bits"].items():
            bits = _quant_bits(key, row)[0]
            peer = L["types"].get(NEAREST.get(bits, ""))
            if not peer:
                continue
            p, pp = dppl("bitsink", key), dppl("llama.cpp", NEAREST[bits])
            line = (f"  {_quant_label(key, row)} vs {NEAREST[bits]}: bpw "
                    f"{row['bpw']:.2f} vs {peer['tensors']['linear_bpw']:.2f}, "
                    f"ppl {fmt(p, '.3f', 0)} vs {fmt(pp, '.3f', 0)}")
            for t in THREADS:
                a = row["speed"][str(t)]["decode"]
                b = peer["speed"][str(t)]["decode"]
                line += f", decode {t} thr x{a / b:.2f}"
            out.append(line)
    targets = _targets(S, Q, L, dppl)
    if targets:
        out.append("")
        out.append("Targets")
        out += targets
    if K:
        out.append("")
        if "max_abs_diff" in K:
            out.append(f"check: bitsink f32 against torch fp32 (same "
                       f"dequantized weights), first {K['tokens']} tokens: max "
                       f"|logit diff| {K['max_abs_diff']:.2e} (|logits| up to "
                       f"{K['max_abs_logit']:.1f}), argmax agrees on "
                       f"{100 * K['argmax_agree']:.0f}%, mean NLL "
                       f"{K['nll_bitsink']:.5f} vs {K['nll_torch']:.5f}; "
                       f"f32 step {K['f32_step_ms']:.1f} ms")
        out.append("bitsink's tokenizer gives the benchmark's token ids: "
                   + ("yes" if K["encode_matches"] else "NO"))
    return "\n".join(out)


def _targets(S, Q, L, dppl):
    """One line per target of the benchmark: met or not, with both
    figures."""
    out = []

    def say(ok, text):
        out.append(f"  [{'met' if ok else 'NOT met'}] {text}")

    rows = S["rows"] if S else {}
    if {"dense", "sinks1024", "window1024"} <= set(rows):
        d = rows["dense"]["ppl_after_1024"]
        sw = rows["sinks1024"]["ppl_after_1024"]
        w = rows["window1024"]["ppl_after_1024"]
        say(sw <= 1.05 * d,
            f"C = 1024, tokens after eviction: sinks + window {sw:.3f} within "
            f"5 % of dense {d:.3f} (x {sw / d:.3f})")
        say(w >= 2 * d,
            f"C = 1024, tokens after eviction: window only {w:.3f} >= 2 x "
            f"dense {d:.3f} (x {w / d:.2f})")
        s = rows["sinks1024"]
        if "step_ms_at_8000" in s:
            r = s["step_ms_at_8000"] / s["step_ms_at_1100"]
            say(r <= 1.1, f"step time flat: {s['step_ms_at_8000']:.2f} ms at "
                f"token 8,000 <= 1.1 x {s['step_ms_at_1100']:.2f} ms at 1,100 "
                f"(x {r:.2f})")
    if Q and L and NEAREST[3] in L["types"]:
        peer = L["types"][NEAREST[3]]
        for key, q in Q["bits"].items():
            p, pp = dppl("bitsink", key), dppl("llama.cpp", NEAREST[3])
            if _quant_bits(key, q)[0] != 3 or p is None:
                continue
            b, pb = q["bpw"], peer["tensors"]["linear_bpw"]
            say(p <= pp and b <= pb + 0.1,
                f"{_quant_label(key, q)} ppl {p:.3f} <= llama.cpp "
                f"{NEAREST[3]} {pp:.3f} at <= its bpw + 0.1 ({b:.2f} vs "
                f"{pb:.2f}, linear weights)")
    if Q and L:
        for key, q in Q["bits"].items():
            bits = _quant_bits(key, q)[0]
            peer = L["types"].get(NEAREST.get(bits, ""))
            if not peer:
                continue
            for t in THREADS:
                a = q["speed"][str(t)]["decode"]
                b = peer["speed"][str(t)]["decode"]
                say(a >= 1.5 * b,
                    f"{_quant_label(key, q)} decode {a:.1f} tok/s >= 1.5 x "
                    f"llama.cpp {NEAREST[bits]} {b:.1f} tok/s at {t} "
                    f"thread(s) (x {a / b:.2f})")
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    ap.add_argument("--tokens", type=int, default=8192,
                    help="evaluation tokens (BOS included; <= 8192, the "
                         "model's context)")
    ap.add_argument("--quant-tokens", type=int, default=None,
                    help="tokens for the perplexity of --bits (default "
                         "--tokens; 0: speed only)")
    ap.add_argument("--caches", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--bits", type=int, nargs="+", default=[2, 3, 4])
    ap.add_argument("--stream-bits", type=int, default=4,
                    help="bit-planes of the streaming table's model (0: the "
                         "f32 weights)")
    ap.add_argument("--check-tokens", type=int, default=32)
    ap.add_argument("--head-bits", type=int, default=0,
                    help="bit-planes of bitsink's tied output projection "
                         "(0: f32, the default; llama.cpp keeps it Q8_0)")
    ap.add_argument("--layers", choices=("call", "inline"), default="call",
                    help="bitsink.Decoder's IR form: one shared block "
                         "function (fast compile; the caches are copied in "
                         "and out of it every call) or every layer inline")
    ap.add_argument("--recompute-stride", type=int, default=256,
                    help="sliding window with re-computation (llama.cpp, "
                         "Q4_1): every this many tokens from C on, one "
                         "fresh window of C tokens each (0: not run)""")
    tables = ap.add_mutually_exclusive_group()
    tables.add_argument("--gemv-lut-int8", action="store_true",
                        help="quant part: bitsink's GEMVs through int8 "
                        "tables (bitsink-cpu-pipeline{gemv-lut-int8=true}, "
                        "AVX2); the rows are labelled i8")
    tables.add_argument("--gemv-lut-int16", action="store_true",
                        help="quant part: bitsink's GEMVs through int16 "
                        "tables (bitsink-cpu-pipeline{gemv-lut-int16=true}, "
                        "AVX-512BW); the rows are labelled i16")
    ap.add_argument("--gemm-int8", action="store_true",
                    help="quant part: bitsink's GEMMs (prefill and the "
                    "perplexity's chunks) on int8 inputs "
                    "(bitsink-cpu-pipeline{gemm-int8=true}, AVX512-VNNI or "
                    "AVX-VNNI); the rows are labelled gemm-i8")
    ap.add_argument("--rotation", type=int, default=0,
                    help="quant part: weights quantized with this "
                         "Walsh-Hadamard rotation block (docs/quantizer.md, "
                         "\"Rotation\"); rows keyed with r<block>")
    ap.add_argument("--sub-block", type=int, choices=[8, 16, 32], default=0,
                    help="quant part: one grid per column and scale codes "
                         "every S rows (docs/quantizer.md, \"Sub-block scale "
                         "codes\"); rows keyed with s<S>")
    ap.add_argument("--speed-only", action="store_true",
                    help="llamacpp, torch, quant: measure the tokens/s again "
                         "and keep the saved perplexities (for a quieter "
                         "moment of a shared machine)")
    ap.add_argument("--report", action="store_true",
                    help="print the saved results of every part, run nothing")
    ap.add_argument("--part", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quant_tokens is None:
        args.quant_tokens = args.tokens
    ids = corpus.eval_tokens(args.tokens)
    if len(ids) < args.tokens:
        raise SystemExit(f"the evaluation text has only {len(ids)} tokens")

    if args.part:  # a worker: run one part, save it
        result, arrays = globals()["part_" + args.part](args, ids)
        save_part(args.part, result, arrays)
        return
    if args.report:
        parts = {p: load_part(p) for p in PARTS}
        print(report({k: v for k, v in parts.items() if v[0]}, args))
        return
    started = time.time()
    results = {}
    argv = sys.argv[1:]
    for part in PARTS:
        if part not in args.only:
            continue
        log(f"== {part}")
        t0 = time.time()
        rc = subprocess.call([sys.executable, os.path.abspath(__file__),
                              "--part", part] + argv)
        if rc != 0:
            log(f"== {part} failed (exit {rc})")
            continue
        results[part] = load_part(part)
        log(f"== {part}: {time.time() - t0:.0f} s")
    print(report(results, args))
    print(f"whole run: {(time.time() - started) / 60:.1f} min")


if __name__ == "__main__":
    main()
