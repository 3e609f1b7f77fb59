"""Text generation with a compiled decoder whose KV caches stay in place.

``Decoder(model, cache=1024, sinks=4, chunk=64)`` compiles the ``prefill``
(a chunk of ``chunk`` tokens) and ``decode`` (one token) entries of a model
emitted by ``model.ir(...)`` (``bitsink.models.llama``; docs/llama.md) and
allocates the stream's state once: the ``length`` and, per layer, the key
and value caches and their positions, as numpy arrays. Every call passes
them to the entry in place, with the weights, as arguments bound once
(``Executable.bind_inplace``): the entry appends to the caches in those
arrays (``bitsink.cache_append``), nothing is copied or re-checked per
token, and the weights, arguments too, are read where they lie.

``generate(decoder_or_model, prompt, max_new_tokens, ...)`` prefills the
prompt and samples tokens one at a time (greedy, or with temperature,
top-k and top-p), streaming them to a callback, for as many tokens as
asked: past ``cache`` tokens the StreamingLLM ring keeps the first
``sinks`` tokens and the most recent ones (docs/semantics.md §2.2).

The model object needs ``config`` (``num_layers``, ``vocab``, ``eos_id``),
``weights`` (name -> float32 array), ``ir(entry=["prefill", "decode"],
tokens=T, cache=C, sinks=S, weights="arguments")`` whose entries take
``tokens`` [T] i64, ``length`` [1] i64, per layer the key cache, value cache
and positions, then the weights (arguments named by ``bitsink.name`` or
their location), and return the logits [T, vocab], the new length and the
updated caches; ``encode(text)`` and ``decode(ids)`` for text.
"""

from __future__ import annotations

import os
import re
import sys
import time
import types
from dataclasses import dataclass, field
from typing import Callable, Iterable, List, Mapping, Optional, Sequence, Union

import numpy as np

from . import Context, Executable, MLIRError, Module, compile as _compile

__all__ = ["Decoder", "GenerationResult", "generate", "sample_token"]

_ENTRIES = ("prefill", "decode")


def _state_count(num_layers: int) -> int:
    """Inputs (and results) after the tokens / logits: the length, then key
    cache, value cache and positions per layer."""
    return 1 + 3 * num_layers


# The decoder's CPU pipeline when none is given: the f32 GEMMs of a
# prefill chunk prefetch the next tile of their weights while they compute
# (the weights do not stay in cache from one chunk to the next).
DEFAULT_CPU_PIPELINE = "bitsink-cpu-pipeline{matmul-prefetch-rhs=true}"


def _rotation_argument(model, quantized, name: str) -> np.ndarray:
    """Argument "rotation.K.b" (models/llama.py): the K signs of the
    rotated weights of K rows with blocks of b (bitsink.quantize(rotation=);
    they share them), or "hadamard.b": the b x b Walsh-Hadamard matrix."""
    from . import hadamard_matrix
    kind, *sizes = name.split(".")
    if kind == "hadamard":
        return hadamard_matrix(int(sizes[0])).astype(np.float32)
    k, b = (int(v) for v in sizes)
    for weight, q in quantized.items():
        if (int(getattr(q, "rotation_block", 0) or 0) == b
                and model.weights[weight].shape[1] == k):
            return np.asarray(q.rotation_signs, np.float32)
    raise KeyError(name)


class Decoder:
    """The compiled ``prefill`` and ``decode`` entries of a decoder and the
    state of one token stream (see the module's docstring).

    ``model``: a model object, or the path of a GGUF file (read with
    ``bitsink.models.llama.load_gguf``). ``cache``: slots per layer (C);
    ``sinks``: tokens kept for ever (S < C); ``chunk``: tokens per prefill
    call (T <= C). ``module_transform(module)`` is called on the parsed
    ``bitsink.Module`` holding both entries before they are compiled (to
    bind and quantize weights, e.g. ``bitsink.models.quantize``); it may
    change the module in place or return another one. Weight arguments left
    in the entries are passed from ``model.weights`` by name, without copy.
    ``target``, ``pipeline`` and ``cpu`` go to ``bitsink.compile``; on the
    CPU the default pipeline is ``DEFAULT_CPU_PIPELINE``:
    ``bitsink-cpu-pipeline`` with ``matmul-prefetch-rhs`` on, since a
    decoder's f32 weights come from memory on every prefill chunk
    (docs/cpu-matmul.md: SmolLM2-135M f32 prefill 15-19 % faster).
    ``progress(message)`` receives a line per compilation step.
    ``layers`` goes to ``model.ir``: "call" (one block function shared by
    the layers, the fast compile) or "inline" (what bitsink-quantize-weights
    needs in ``module_transform``). ``quantized``: ``{weight name:
    bitsink.QuantizedWeight}`` (``bitsink.models.quantize.quantize_weights``)
    emitted as bitplane_matmul over planes and coefficient arguments, which
    are passed like the other weights. ``cache_dtype`` ("f32" or "f16")
    goes to ``model.ir``: the element type of the KV caches (f16 halves
    what a decode step reads from them).
    """

    def __init__(
        self,
        model,
        cache: int = 1024,
        sinks: int = 4,
        chunk: int = 64,
        module_transform: Optional[Callable[[Module], Optional[Module]]] = None,
        target: str = "cpu",
        pipeline: Optional[str] = None,
        cpu: Optional[str] = None,
        context: Optional[Context] = None,
        progress: Optional[Callable[[str], None]] = None,
        layers: str = "call",
        quantized: Optional[Mapping[str, object]] = None,
        cache_dtype: str = "f32",
    ):
        if isinstance(model, (str, os.PathLike)):
            from .models import llama

            model = llama.load_gguf(model)
        for name, value in (("cache", cache), ("sinks", sinks), ("chunk", chunk)):
            if not isinstance(value, (int, np.integer)) or isinstance(value, bool):
                raise TypeError(f"{name} must be an integer, got {value!r}")
        if cache < 1:
            raise ValueError(f"cache must be at least 1, got {cache}")
        if not 0 <= sinks < cache:
            raise ValueError(f"sinks must be in [0, cache), got {sinks} with cache {cache}")
        if not 1 <= chunk <= cache:
            raise ValueError(f"chunk must be in [1, cache], got {chunk} with cache {cache}")
        self.model = model
        self.cache_size = int(cache)
        self.sinks = int(sinks)
        self.chunk = int(chunk)
        self.target = target
        if pipeline is None and target == "cpu":
            pipeline = DEFAULT_CPU_PIPELINE
        self.pipeline = pipeline
        self.num_layers = int(model.config.num_layers)
        self.vocab = int(model.config.vocab)
        say = progress or (lambda message: None)

        self.quantized = dict(quantized or {})
        # The prefill chunk's logits of its last token only: the LM head on
        # one row (prefill() keeps a chunk's last row its last token).
        ir_options = {"layers": layers, "logits": "last"}
        if self.quantized:
            ir_options["quantized"] = self.quantized
        if cache_dtype != "f32":
            ir_options["cache_dtype"] = cache_dtype
        text = model.ir(entry=list(_ENTRIES), tokens=self.chunk, cache=self.cache_size,
                        sinks=self.sinks, weights="arguments", **ir_options)
        context = context or _context()
        module = context.parse(text, source_name="<decoder>")
        if module_transform is not None:
            started = time.perf_counter()
            returned = module_transform(module)
            if returned is not None:
                module = returned
            say(f"transform: {time.perf_counter() - started:.1f} s")
        self.module = module
        self._executables = {}
        self._weights = {}
        for entry in ("decode", "prefill"):
            tokens = self.chunk if entry == "prefill" else 1
            started = time.perf_counter()
            say(f"compile {entry} ({tokens} token{'s' if tokens > 1 else ''}, "
                f"cache {self.cache_size}) ...")
            executable = _compile(module, pipeline=pipeline, target=target,
                                  entry=entry, cpu=cpu)
            say(f"compile {entry}: {time.perf_counter() - started:.1f} s")
            self._executables[entry] = executable
            self._weights[entry] = self._weight_arrays(module, entry, executable)
            self._check_signature(entry, executable, tokens)

        # The state, allocated once from the decode entry's signature.
        specs = self._executables["decode"].inputs[1 : 1 + _state_count(self.num_layers)]
        self._state = [np.zeros(shape, dtype) for dtype, shape in specs]
        self._tokens = {
            entry: np.zeros(self._executables[entry].inputs[0][1], np.int64)
            for entry in _ENTRIES
        }
        # Per entry, the state results returned (not updated in place):
        # (result index among the returned ones, state index).
        self._copied = {entry: self._returned_state(entry) for entry in _ENTRIES}
        # The arrays are bound once: a step passes hundreds of weights and
        # caches, and checking them per call cost ~3 ms on SmolLM2.
        self._calls = {
            entry: self._executables[entry].bind_inplace(
                self._tokens[entry], *self._state, *self._weights[entry])
            for entry in _ENTRIES
        }
        self.reset()

    # Setup.

    def _weight_arrays(self, module, entry, executable) -> List[np.ndarray]:
        """The arrays of the weight arguments left in `entry`, by name."""
        first = 1 + _state_count(self.num_layers)
        names = module.argument_names(entry)[first:]
        arrays = []
        for index, (name, (dtype, shape)) in enumerate(
            zip(names, executable.inputs[first:]), start=first
        ):
            if not name:
                raise MLIRError(f"error: argument {index} of '{entry}' has no name "
                                "(a bitsink.name attribute or a loc(\"...\"))\n")
            try:
                array = self._weight(name)
            except KeyError:
                raise MLIRError(f"error: argument {index} of '{entry}' is named "
                                f"{name!r}, which is not a weight of the model\n") from None
            array = np.ascontiguousarray(array, dtype=dtype)
            if array.shape != shape:
                raise MLIRError(f"error: weight {name!r} has shape {array.shape}, "
                                f"argument {index} of '{entry}' takes {shape}\n")
            arrays.append(array)
        return arrays

    def _weight(self, name: str) -> np.ndarray:
        """The array of weight argument `name`: a float weight of the model,
        or the planes / coefficients / scale codes of a quantized one."""
        if name.startswith(("rotation.", "hadamard.")):
            return _rotation_argument(self.model, self.quantized, name)
        base, _, suffix = name.rpartition(".")
        if suffix in ("planes", "coeffs", "scales") and base in self.quantized:
            q = self.quantized[base]
            if suffix == "planes":
                return np.ascontiguousarray(q.planes).view(np.int32)
            if suffix == "scales":
                return np.ascontiguousarray(q.scales).view(np.int32)
            return np.ascontiguousarray(q.coefficients, dtype=np.float16)
        return self.model.weights[name]

    def _check_signature(self, entry: str, executable: Executable, tokens: int) -> None:
        inputs, results = executable.inputs, executable.results
        state = _state_count(self.num_layers)
        expected = [(np.dtype(np.int64), (tokens,)), (np.dtype(np.int64), (1,))]
        if len(inputs) < 1 + state or inputs[:2] != expected:
            raise MLIRError(f"error: '{entry}' must take tokens [{tokens}] i64, "
                            f"length [1] i64 and {state - 1} cache tensors; it takes "
                            f"{inputs}\n")
        if len(results) != 1 + state or results[0] != (np.dtype(np.float32),
                                                       (1, self.vocab)):
            raise MLIRError(f"error: '{entry}' must return the logits of its "
                            f"last token [1, {self.vocab}] f32, the length and "
                            f"the caches; it returns {results}\n")
        if results[1:] != inputs[1 : 1 + state]:
            raise MLIRError(f"error: the state results of '{entry}' do not have the "
                            "types of its state inputs\n")
        if entry == "prefill" and inputs[1 : 1 + state] != \
                self._executables["decode"].inputs[1 : 1 + state]:
            raise MLIRError("error: 'prefill' and 'decode' take different caches\n")

    def _returned_state(self, entry: str):
        """State results the entry returns instead of updating them in
        place (the decoder copies them back), as (returned index, state
        index) pairs."""
        aliases = self._executables[entry].result_aliases
        copied, returned = [], 0
        for result, alias in enumerate(aliases):
            if alias < 0:
                if result > 0:
                    copied.append((returned, result - 1))
                returned += 1
            elif alias != result:
                raise MLIRError(f"error: result {result} of '{entry}' is updated "
                                f"in place in argument {alias}, expected {result}\n")
        return copied

    # The stream.

    @property
    def length(self) -> int:
        """Tokens of the stream so far (it keeps growing past the cache)."""
        return int(self._state[0][0])

    @property
    def caches(self) -> List[np.ndarray]:
        """The state arrays: length, then per layer keys, values, positions."""
        return list(self._state)

    def reset(self) -> None:
        """Starts a new stream: length 0, empty caches."""
        self._state[0][0] = 0
        for layer in range(self.num_layers):
            keys, values, positions = self._state[1 + 3 * layer : 4 + 3 * layer]
            keys.fill(0)
            values.fill(0)
            positions.fill(-1)

    def _call(self, entry: str) -> np.ndarray:
        returned = self._calls[entry]()
        if not isinstance(returned, tuple):
            returned = (returned,)
        for index, state in self._copied[entry]:
            np.copyto(self._state[state], returned[index])
        return returned[0]

    def step(self, token: int) -> np.ndarray:
        """Appends one token and returns its logits [vocab]."""
        token = int(token)
        if not 0 <= token < self.vocab:
            raise ValueError(f"token ids must be in [0, {self.vocab}), got {token}")
        self._tokens["decode"][0] = token
        return self._call("decode")[0]

    def prefill(self, ids: Sequence[int]) -> np.ndarray:
        """Appends `ids` and returns the logits [vocab] of the last one.

        Tokens go by chunks of `chunk` while a chunk fits in the cache
        without rolling the ring over (the last chunk padded, and the
        padding then dropped from the stream), the rest one at a time: a
        chunk that rolls the ring over would overwrite keys that its own
        earlier tokens attend to, so every token sees exactly what it would
        see streamed one by one. The prefill entry returns the logits of a
        chunk's last row only, so a padded last chunk leaves out the last
        token, which goes by a decode step.
        """
        ids = np.asarray(ids, dtype=np.int64).ravel()
        if ids.size == 0:
            raise ValueError("prefill needs at least one token")
        if ids.min() < 0 or ids.max() >= self.vocab:
            raise ValueError(f"token ids must be in [0, {self.vocab})")
        logits = None
        T, C = self.chunk, self.cache_size
        i = 0
        while i < ids.size:
            take = min(T, ids.size - i)
            if take < T and i + take == ids.size:
                # The chunk's logits are of its row T - 1, here padding.
                take -= 1
            start = self.length
            # A padded chunk pays for T tokens: shorter rests go one by one.
            if T > 1 and start + T <= C and 8 * take >= T and take > 1:
                buffer = self._tokens["prefill"]
                buffer[:take] = ids[i : i + take]
                buffer[take:] = ids[i + take - 1]
                chunk_logits = self._call("prefill")
                # Row T - 1: the chunk's last token when it is not padded.
                logits = chunk_logits[0] if take == T else None
                if take < T:
                    # Drop the padding: the stream holds `take` new tokens
                    # and the slots the padding wrote were never written
                    # (no rollover: slot t holds token t).
                    self._state[0][0] = start + take
                    for layer in range(self.num_layers):
                        self._state[3 + 3 * layer][0, start + take : start + T] = -1
                i += take
            else:
                logits = self.step(ids[i])
                i += 1
        return logits

    def __repr__(self) -> str:
        return (f"<bitsink.Decoder {self.num_layers} layers, cache {self.cache_size}, "
                f"sinks {self.sinks}, chunk {self.chunk}, on {self.target}, "
                f"length {self.length}>")


def _context() -> Context:
    from . import _default_context

    return _default_context()


def sample_token(
    logits,
    temperature: float = 0.0,
    top_k: Optional[int] = None,
    top_p: Optional[float] = None,
    rng: Optional[np.random.Generator] = None,
) -> int:
    """Picks the next token from `logits` [vocab].

    ``temperature`` 0 (or None) is greedy: the first index of the largest
    logit. Otherwise the softmax of ``logits / temperature`` restricted to
    the ``top_k`` largest logits, then to the smallest set of the most
    likely tokens whose probability reaches ``top_p``, is sampled with
    ``rng`` (ties in order broken by index, so a seeded generator gives the
    same token every time). NaN logits never win.
    """
    z = np.asarray(logits, dtype=np.float64).ravel()
    z = np.where(np.isnan(z), -np.inf, z)
    if temperature is None or temperature == 0:
        return int(np.argmax(z))
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and (int(top_k) != top_k or top_k < 1):
        raise ValueError(f"top_k must be a positive integer, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    if not np.isfinite(z).any():
        return int(np.argmax(z))
    z = z / temperature
    if top_k is not None and top_k < z.size:
        candidates = np.argpartition(-z, int(top_k) - 1)[: int(top_k)]
    else:
        candidates = np.arange(z.size)
    # Most likely first, ties by index.
    order = candidates[np.lexsort((candidates, -z[candidates]))]
    p = np.exp(z[order] - z[order[0]])
    p /= p.sum()
    if top_p is not None and top_p < 1:
        keep = int(np.searchsorted(np.cumsum(p), top_p)) + 1
        order, p = order[:keep], p[:keep] / p[:keep].sum()
    rng = rng if rng is not None else np.random.default_rng()
    pick = int(np.searchsorted(np.cumsum(p), rng.random() * p.sum(), side="right"))
    return int(order[min(pick, order.size - 1)])


@dataclass
class GenerationResult:
    """What ``generate`` produced: the new token ids (without the stop
    token), their text (cut before a stop string), why it stopped ("eos":
    a stop token, "stop": a stop string, "length": max_new_tokens), and
    the timings of the prefill and of the decode steps."""

    tokens: List[int] = field(default_factory=list)
    text: str = ""
    stop_reason: str = "length"
    prompt_tokens: int = 0
    prefill_seconds: float = 0.0
    decode_steps: int = 0
    decode_seconds: float = 0.0

    @property
    def prefill_tokens_per_second(self) -> float:
        return self.prompt_tokens / self.prefill_seconds if self.prefill_seconds else 0.0

    @property
    def decode_tokens_per_second(self) -> float:
        return self.decode_steps / self.decode_seconds if self.decode_seconds else 0.0


class _TextStream:
    """Turns token ids into text pieces: decodes the ids generated so far
    and hands out what is new, holding back an incomplete UTF-8 character
    and any end that could begin a stop string."""

    def __init__(self, decode: Callable[[List[int]], str], stops: Sequence[str]):
        self.decode = decode
        self.stops = [s for s in stops if s]
        self.ids: List[int] = []
        self.text = ""
        self.sent = 0

    def push(self, token: int):
        """Returns (piece, stopped)."""
        self.ids.append(token)
        self.text = self.decode(self.ids)
        for stop in self.stops:
            at = self.text.find(stop, max(0, self.sent - len(stop) + 1))
            if at >= 0:
                self.text = self.text[:at]
                return self._send(len(self.text)), True
        end = len(self.text)
        if self.text.endswith("\ufffd"):
            end -= 1
        for stop in self.stops:
            for n in range(min(len(stop) - 1, end - self.sent), 0, -1):
                if self.text[end - n : end] == stop[:n]:
                    end -= n
                    break
        return self._send(end), False

    def flush(self) -> str:
        return self._send(len(self.text))

    def _send(self, end: int) -> str:
        end = max(end, self.sent)
        piece = self.text[self.sent : end]
        self.sent = end
        return piece


def generate(
    decoder_or_model,
    prompt: Union[str, Sequence[int]],
    max_new_tokens: int = 128,
    *,
    temperature: float = 0.0,
    top_k: Optional[int] = None,
    top_p: Optional[float] = None,
    seed: Optional[int] = None,
    stop: Optional[Iterable[Union[int, str]]] = None,
    callback: Optional[Callable[[Optional[int], str], None]] = None,
    reset: bool = True,
    add_bos: Optional[bool] = None,
) -> GenerationResult:
    """Generates up to `max_new_tokens` tokens after `prompt`.

    `decoder_or_model`: a ``Decoder``, or a model (or GGUF path) for which
    one is built with the default sizes. `prompt`: text (encoded with
    ``model.encode``; `add_bos` as the model's default unless given) or
    token ids. Sampling as ``sample_token`` (greedy by default) with a
    generator seeded by `seed`. `stop`: token ids and strings that end the
    generation (default: the model's ``eos_id``); a stop token is not part
    of the result, a stop string cuts the text before it. `callback(token,
    piece)` is called for every new token with the text it adds (possibly
    "": text is held back while it may begin a stop string or ends inside
    a character), and once with token None for held-back text at the end.
    With `reset` the stream starts over, else the prompt continues it (the
    last generated token is not in the stream yet: its logits were never
    needed, so a continuation's prompt starts with it). The length is not
    limited by the cache: the ring rolls over.
    """
    decoder = decoder_or_model if isinstance(decoder_or_model, Decoder) \
        else Decoder(decoder_or_model)
    model = decoder.model
    if max_new_tokens < 0:
        raise ValueError(f"max_new_tokens must be >= 0, got {max_new_tokens}")
    if isinstance(prompt, str):
        ids = model.encode(prompt) if add_bos is None else model.encode(prompt, add_bos=add_bos)
    else:
        ids = [int(t) for t in prompt]
    if stop is None:
        eos = getattr(model.config, "eos_id", None)
        stop = () if eos is None else (eos,)
    stop_ids = {int(s) for s in stop if not isinstance(s, str)}
    stop_strings = [s for s in stop if isinstance(s, str)]
    rng = np.random.default_rng(seed)
    stream = _TextStream(lambda tokens: model.decode(tokens), stop_strings)
    result = GenerationResult(prompt_tokens=len(ids))

    if reset:
        decoder.reset()
    started = time.perf_counter()
    logits = decoder.prefill(ids)
    result.prefill_seconds = time.perf_counter() - started

    for n in range(max_new_tokens):
        token = sample_token(logits, temperature, top_k, top_p, rng)
        if token in stop_ids:
            result.stop_reason = "eos"
            break
        result.tokens.append(token)
        piece, stopped = stream.push(token)
        if callback is not None:
            callback(token, piece)
        if stopped:
            result.stop_reason = "stop"
            break
        if n + 1 < max_new_tokens:
            started = time.perf_counter()
            logits = decoder.step(token)
            result.decode_seconds += time.perf_counter() - started
            result.decode_steps += 1
    rest = stream.flush()
    if rest and callback is not None:
        callback(None, rest)
    result.text = stream.text
    return result


class _CallableModule(types.ModuleType):
    """`bitsink.generate` is this module (the package attribute a submodule
    import sets); calling it calls the function `generate`."""

    def __call__(self, *args, **kwargs):
        return generate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
