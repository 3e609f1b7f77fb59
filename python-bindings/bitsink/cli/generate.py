"""bitsink-generate: stream text from a Llama GGUF model compiled by bitsink.

  bitsink-generate model.gguf --prompt "..." [--bits 2|3|4 [--calibration F]]
      [--sinks 4] [--cache 1024] [--chunk 64] [--max-new-tokens N]
      [--temperature T] [--top-k K] [--top-p P] [--seed S] [--stop TEXT]

Reads the model (bitsink.models.llama), optionally quantizes its linear
weights to `--bits` bit-planes (bitsink.models.quantize, calibrated on the
activations of the text of `--calibration`), compiles the prefill and decode
entries (bitsink.Decoder) and generates: progress lines and the timings go
to stderr, the tokens to stdout as they come. docs/tools.md describes it.
"""

from __future__ import annotations

import argparse
import inspect
import sys
import time
from typing import List, Optional

PROG = "bitsink-generate"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Generate text with a Llama GGUF model compiled by bitsink "
                    "(StreamingLLM caches: unlimited length).")
    p.add_argument("model", help="a Llama-family .gguf file")
    prompt = p.add_mutually_exclusive_group(required=True)
    prompt.add_argument("--prompt", help="the prompt text (special tokens such "
                        "as <|im_start|> are recognised)")
    prompt.add_argument("--prompt-file", help="read the prompt from this file")
    p.add_argument("--no-bos", action="store_true",
                   help="do not put the BOS token before the prompt")
    p.add_argument("--bits", type=int, choices=(1, 2, 3, 4),
                   help="quantize the linear weights to this many bit-planes")
    p.add_argument("--method", default="bpdq", choices=("rtn", "bpdq", "trit"),
                   help="quantizer with --bits (default bpdq)")
    p.add_argument("--group-size", type=int, default=128,
                   help="rows per coefficient group with --bits (default 128)")
    p.add_argument("--calibration", metavar="FILE",
                   help="text whose activations calibrate the quantizer (not "
                        "the text the model is evaluated on); without it the "
                        "weights are quantized without activations")
    p.add_argument("--quant-cache", metavar="DIR",
                   help="keep the packed weights of --bits in DIR, for later "
                        "runs with the same model, options and calibration")
    p.add_argument("--sinks", type=int, default=4,
                   help="attention sinks kept for ever (default 4)")
    p.add_argument("--cache", type=int, default=1024,
                   help="KV cache slots per layer (default 1024)")
    p.add_argument("--cache-dtype", default="f32", choices=("f32", "f16"),
                   help="element type of the KV caches (default f32; f16 "
                        "halves their memory)")
    p.add_argument("--chunk", type=int, default=64,
                   help="prompt tokens per prefill call (default 64)")
    p.add_argument("--max-new-tokens", type=int, default=128,
                   help="tokens to generate at most (default 128)")
    p.add_argument("--temperature", type=float, default=0.0,
                   help="sampling temperature; 0 is greedy (default)")
    p.add_argument("--top-k", type=int, help="sample among the K likeliest tokens")
    p.add_argument("--top-p", type=float,
                   help="sample among the likeliest tokens of total probability P")
    p.add_argument("--seed", type=int, help="seed of the sampler")
    p.add_argument("--stop", action="append", default=[], metavar="TEXT",
                   help="stop when the text contains TEXT (repeatable); the "
                        "model's EOS token always stops")
    p.add_argument("--target", default="cpu", choices=("cpu", "cuda"),
                   help="where the model runs (default cpu)")
    p.add_argument("--cpu", help="CPU model to compile for (as bitsink-run --cpu)")
    tables = p.add_mutually_exclusive_group()
    tables.add_argument("--gemv-lut-int8", action="store_true",
                        help="with --bits: bit-plane GEMVs through byte tables "
                        "and vpshufb (bitsink-cpu-pipeline{gemv-lut-int8=true}; "
                        "needs AVX2 or AVX-512BW; results within about 1e-3 of "
                        "the default f32 tables)")
    tables.add_argument("--gemv-lut-int16", action="store_true",
                        help="with --bits: bit-plane GEMVs through 16-bit tables "
                        "and vpermw (bitsink-cpu-pipeline{gemv-lut-int16=true}; "
                        "needs AVX-512BW; results within about 6e-4 of the "
                        "default f32 tables)")
    p.add_argument("--gemm-int8", action="store_true",
                   help="with --bits: bit-plane GEMMs (the prompt's prefill) "
                   "on int8 inputs with vpdpbusd "
                   "(bitsink-cpu-pipeline{gemm-int8=true}; needs AVX512-VNNI "
                   "or AVX-VNNI; results within about 1e-2 of the f32 GEMM)")
    return p


def _error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return 1


def _quantization(args, model, say):
    """Decoder options that quantize the linear weights to --bits planes,
    or an error message: bitsink.models.quantize.quantize_weights (packed
    weights passed as arguments, the layers in one shared function), else
    its quantize_module as the module transform (layers inline)."""
    try:
        from ..models import quantize
    except ImportError as error:
        return None, f"--bits needs bitsink.models.quantize ({error})"
    calibration = {}
    if args.calibration:
        try:
            with open(args.calibration, encoding="utf-8") as f:
                calibration["calibration_text"] = f.read()
        except OSError as error:
            return None, f"cannot read --calibration: {error}"
    else:
        say("no --calibration: the weights are quantized without activations "
            "(identity Hessian)")
        calibration["calibration"] = {}
    hook = getattr(quantize, "quantize_weights", None)
    if hook is None:
        hook = getattr(quantize, "quantize_module", None)
    if hook is None:
        return None, ("--bits needs bitsink.models.quantize.quantize_weights or "
                      "quantize_module, which this build does not have")
    parameters = inspect.signature(hook).parameters
    if "calibration_text" in parameters and "calibration_text" not in calibration:
        calibration["calibration_text"] = ""  # unused: `calibration` is given
    options = {}
    for name, value in (*calibration.items(), ("method", args.method),
                        ("group_size", args.group_size),
                        ("cache_dir", args.quant_cache), ("progress", say)):
        if name in parameters and value is not None:
            options[name] = value
    if hook.__name__ == "quantize_weights":
        return {"quantized": hook(model, args.bits, **options)}, None

    def transform(module):
        return hook(module, model, args.bits, **options)

    return {"module_transform": transform, "layers": "inline"}, None


def main(argv: Optional[List[str]] = None) -> int:
    args = _parser().parse_args(argv)
    if args.prompt_file:
        try:
            with open(args.prompt_file, encoding="utf-8") as f:
                prompt = f.read()
        except OSError as error:
            return _error(f"cannot read --prompt-file: {error}")
    else:
        prompt = args.prompt
    if args.max_new_tokens < 0:
        return _error("--max-new-tokens must be >= 0")

    def say(message: str) -> None:
        print(f"{PROG}: {message}", file=sys.stderr, flush=True)

    import bitsink
    from ..models import llama

    started = time.perf_counter()
    try:
        model = llama.load_gguf(args.model)
    except (OSError, ValueError) as error:
        return _error(str(error))
    say(f"loaded {model!r} in {time.perf_counter() - started:.1f} s")

    options = {}
    for flag, on in (("--gemv-lut-int8", args.gemv_lut_int8),
                     ("--gemv-lut-int16", args.gemv_lut_int16),
                     ("--gemm-int8", args.gemm_int8)):
        if on and (args.bits is None or args.target != "cpu"):
            return _error(f"{flag} needs --bits and the cpu target")
    try:
        if args.bits is not None:
            options, problem = _quantization(args, model, say)
            if problem:
                return _error(problem)
        int8 = [name + "=true" for name, on in
                (("gemv-lut-int8", args.gemv_lut_int8),
                 ("gemv-lut-int16", args.gemv_lut_int16),
                 ("gemm-int8", args.gemm_int8)) if on]
        if int8:
            options["pipeline"] = "bitsink-cpu-pipeline{" + " ".join(int8) + "}"
        decoder = bitsink.Decoder(model, cache=args.cache, sinks=args.sinks,
                                  chunk=args.chunk, target=args.target, cpu=args.cpu,
                                  cache_dtype=args.cache_dtype, progress=say,
                                  **options)
    except (ValueError, TypeError) as error:
        return _error(str(error))
    except bitsink.MLIRError as error:
        return _error(str(error).rstrip())

    def show(token, piece):
        sys.stdout.write(piece)
        sys.stdout.flush()

    stop = [model.config.eos_id] + list(args.stop)
    try:
        result = bitsink.generate(
            decoder, prompt, args.max_new_tokens, temperature=args.temperature,
            top_k=args.top_k, top_p=args.top_p, seed=args.seed, stop=stop,
            callback=show, add_bos=False if args.no_bos else None)
    except ValueError as error:
        return _error(str(error))
    except KeyboardInterrupt:
        sys.stdout.write("\n")
        return 130
    sys.stdout.write("\n")
    sys.stdout.flush()
    say(f"prefill: {result.prompt_tokens} tokens in {result.prefill_seconds:.2f} s "
        f"({result.prefill_tokens_per_second:.1f} tokens/s)")
    say(f"decode: {result.decode_steps} tokens in {result.decode_seconds:.2f} s "
        f"({result.decode_tokens_per_second:.1f} tokens/s); "
        f"{len(result.tokens)} generated, stopped by {result.stop_reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
