"""The bitsink side of bench/decoder_cpu: SmolLM2 from the GGUF through
`bitsink.models.llama`, `bitsink.Decoder` (the compiled prefill and decode
entries over StreamingLLM KV caches) and `bitsink.models.quantize` (bit-plane
weights calibrated with bpdq on the calibration text of corpus.py).

Threads: the compiled entries run OpenMP parallel loops on LLVM's libomp,
which the JIT loads from /usr/lib/llvm-22/lib; `set_threads` sets that
runtime's thread count for the calls that follow from this thread (the same
ICV OMP_NUM_THREADS sets at start-up)."""

import ctypes
import math
import sys
import time

import numpy as np

LIBOMP = "/usr/lib/llvm-22/lib/libomp.so"
GROUP_SIZE = 128


def set_threads(n):
    ctypes.CDLL(LIBOMP).omp_set_num_threads(int(n))


def load_model(path):
    from bitsink.models import llama
    return llama.load_gguf(path)


def quantized_weights(model, bits, calibration_text, cache_dir, head_bits=0,
                      log=print, rotation=0, sub_block=0):
    """{name: QuantizedWeight} of every linear weight at `bits` bit-planes
    (bpdq, groups of GROUP_SIZE rows, f16 coefficients), calibrated on
    `calibration_text`; the tied output projection stays f32, or with
    `head_bits` gets that many planes (the embedding lookup reads the f32
    table either way). Kept under `cache_dir` (keyed by the model file and
    the calibration text, each weight under its planes and group), so only
    the first run quantises. `rotation`: quantize_weights' (the Walsh-
    Hadamard rotation block; 0 none). `sub_block` S: one grid per column
    and scale codes every S rows instead of groups of GROUP_SIZE."""
    from bitsink.models import quantize
    extra = {}
    if head_bits:
        extra = dict(head="quantized",
                     layer_config=[f"token_embd={head_bits}"])
    return quantize.quantize_weights(model, bits,
                                     calibration_text=calibration_text,
                                     group_size=0 if sub_block
                                     else GROUP_SIZE,
                                     cache_dir=cache_dir,
                                     progress=lambda s: log("    " + s),
                                     rotation=rotation, sub_block=sub_block,
                                     **extra)


def cpu_pipeline(gemv_lut_int8=False, gemm_int8=False, gemv_lut_int16=False):
    """bitsink-cpu-pipeline with the integer-table kernels asked for (None:
    the default pipeline)."""
    options = [name + "=true" for name, on in (("gemv-lut-int8", gemv_lut_int8),
                                               ("gemv-lut-int16", gemv_lut_int16),
                                               ("gemm-int8", gemm_int8)) if on]
    return ("bitsink-cpu-pipeline{" + " ".join(options) + "}") if options \
        else None


def make_decoder(model, cache, sinks, quantized=None, chunk=64,
                 layers="call", log=print, gemv_lut_int8=False,
                 gemm_int8=False, gemv_lut_int16=False):
    """A bitsink.Decoder over `cache` slots with `sinks` sinks, on the f32
    weights or on `quantized` (quantized_weights); `gemv_lut_int8`: the
    bit-plane GEMVs through int8 tables (AVX2); `gemv_lut_int16`: through
    int16 tables (AVX-512BW); `gemm_int8`: the bit-plane
    GEMMs (prefill) on int8 inputs (VNNI). Returns (decoder, seconds to
    build it)."""
    import bitsink
    started = time.time()
    label = "f32" if not quantized else "quantized"
    log(f"  bitsink: building the {label} decoder, cache {cache}, sinks "
        f"{sinks}, layers {layers} ...")
    decoder = bitsink.Decoder(model, cache=cache, sinks=sinks, chunk=chunk,
                              layers=layers, quantized=quantized or None,
                              pipeline=cpu_pipeline(gemv_lut_int8, gemm_int8,
                                                    gemv_lut_int16),
                              progress=lambda s: log("    " + s))
    secs = time.time() - started
    log(f"  bitsink: built in {secs:.0f} s")
    return decoder, secs


def linear_bpw(model, bits, group_size=GROUP_SIZE):
    """Bits per linear weight of `bits` binary planes (bpdq) with f16
    coefficients, exactly as stored: P planes of ceil(K/32) 32-bit words
    per column and (P + 1) f16 coefficients per group of g rows
    (docs/semantics.md: P + 16·C/g, with the last group of a column
    shorter when g does not divide K)."""
    from bitsink.models.quantize import linear_weight_names
    stored = params = 0
    for name in linear_weight_names(model.config):
        n, k = model.weights[name].shape
        stored += bits * 32 * math.ceil(k / 32) * n
        stored += 16 * (bits + 1) * math.ceil(k / group_size) * n
        params += n * k
    return stored / params


def _nll(logits, target):
    z = np.asarray(logits, dtype=np.float64)
    m = z.max()
    return float(m + math.log(np.exp(z - m).sum()) - z[target])


def stream_nll(decoder, ids, log=print, label="", keep_logits=0):
    """Token by token through the decode entry from an empty stream:
    step(ids[i]) gives the logits that score ids[i + 1]. Returns (nll [n-1],
    seconds of each step [n-1], the first `keep_logits` logits rows)."""
    n = len(ids)
    nll = np.empty(n - 1)
    secs = np.empty(n - 1)
    kept = []
    decoder.reset()
    started = time.time()
    for i in range(n - 1):
        t0 = time.perf_counter()
        logits = decoder.step(ids[i])
        secs[i] = time.perf_counter() - t0
        nll[i] = _nll(logits, ids[i + 1])
        if i < keep_logits:
            kept.append(np.array(logits, dtype=np.float32))
        if (i + 1) % 1024 == 0 or i == n - 2:
            el = time.time() - started
            log(f"    {label}: {i + 1}/{n - 1} steps, {el:.0f} s, ppl so far "
                f"{math.exp(nll[:i + 1].mean()):.3f}, eta "
                f"{el / (i + 1) * (n - 2 - i):.0f} s")
    return nll, secs, (np.stack(kept) if kept else None)


def speed(decoder, ids, threads, prefill=512, steps=128, rounds=3):
    """Prefill tokens/s (Decoder.prefill of `prefill` tokens from an empty
    stream: chunks of the decoder's chunk size) and decode tokens/s (`steps`
    greedy Decoder.step calls after it), best of `rounds`, at `threads`
    OpenMP threads."""
    set_threads(threads)
    best_pf = best_dec = float("inf")
    for _ in range(rounds):
        decoder.reset()
        t0 = time.perf_counter()
        logits = decoder.prefill(ids[:prefill])
        best_pf = min(best_pf, time.perf_counter() - t0)
        tok = int(np.argmax(logits))
        t0 = time.perf_counter()
        for _ in range(steps):
            tok = int(np.argmax(decoder.step(tok)))
        best_dec = min(best_dec, time.perf_counter() - t0)
    return prefill / best_pf, steps / best_dec


def log_stderr(message):
    print(message, file=sys.stderr, flush=True)
