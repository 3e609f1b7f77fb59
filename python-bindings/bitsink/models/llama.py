"""Llama-family decoders from GGUF files, emitted as bitsink IR.

``load_gguf(path)`` reads a GGUF file (llama.cpp's format) with the ``gguf``
package, checks that it holds a Llama decoder bitsink can run, and returns a
``LlamaModel``: its configuration, a ``tokenizers.Tokenizer`` rebuilt from
the tokenizer in the file's metadata, the dequantized weights and
``ir(...)``, which writes the model as MLIR (linalg on tensors plus
``bitsink.cache_append`` / ``bitsink.sink_attention``) for
``bitsink.compile``. docs/llama.md describes the import and the entries.

Facts of the GGUF format this module relies on:

* Tensors are stored with their dimensions in ggml order (innermost first);
  ``gguf.quants.dequantize`` gives a linear weight as ``[out, in]`` f32,
  which is the layout of the weight arguments of the emitted IR (matmuls
  with transposed-B indexing maps).
* llama.cpp's converter permutes the rows of ``attn_q`` / ``attn_k`` of a
  Llama checkpoint so that RoPE rotates *adjacent* pairs ``(2m, 2m + 1)``
  (``LLAMA_ROPE_TYPE_NORM``): ``rope_style`` is ``"interleaved"``.
* A file without ``output.weight`` ties the LM head to ``token_embd``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Dict, Iterator, List, Optional, Sequence, Tuple, Union

import numpy as np

__all__ = [
    "GGUFError",
    "LlamaConfig",
    "LlamaModel",
    "SUPPORTED_ARCHITECTURES",
    "load_gguf",
]

SUPPORTED_ARCHITECTURES = ("llama",)

_PREFIX = "bitsink.models.llama"

# llama.cpp's pre-tokenizer types (tokenizer.ggml.pre) that split like GPT-2
# after isolating every digit ("\p{N}" first: starcoder, smollm, ...), and
# those that split like GPT-2 only.
_PRE_DIGITS_THEN_GPT2 = ("smollm", "starcoder", "refact", "codeshell",
                         "command-r", "exaone", "minerva-7b")
_PRE_GPT2 = ("gpt2", "default", "mpt", "olmo", "jais", "trillion")

# GGUF token types (gguf.TokenType): normal, unknown, control,
# user-defined, unused, byte.
_TOKEN_CONTROL = 3
_TOKEN_USER_DEFINED = 4

_LAYER_TENSORS = ("attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                  "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")


class GGUFError(ValueError):
    """A GGUF file bitsink cannot import: unreadable or truncated, another
    architecture, a missing or misshapen tensor, unsupported metadata."""


@dataclass(frozen=True)
class LlamaConfig:
    """The hyper-parameters of a Llama decoder, from the GGUF metadata."""

    architecture: str
    num_layers: int
    hidden: int
    num_heads: int
    num_kv_heads: int
    head_dim: int
    ffn: int
    vocab: int
    rope_theta: float
    rope_dims: int
    rope_style: str
    rms_eps: float
    context_length: int
    bos_id: int
    eos_id: int
    tied_embeddings: bool


class _LazyWeights(Mapping):
    """GGUF tensor name -> f32 array, dequantized on first access (once)."""

    def __init__(self, tensors: Dict[str, object],
                 arrays: Optional[Dict[str, np.ndarray]] = None):
        self._tensors = tensors
        # Shared by the truncated models of `LlamaModel.with_layers`.
        self._arrays: Dict[str, np.ndarray] = {} if arrays is None else arrays

    def __getitem__(self, name: str) -> np.ndarray:
        tensor = self._tensors[name]  # KeyError for an unknown name
        array = self._arrays.get(name)
        if array is None:
            array = _dequantize(tensor)
            array.setflags(write=False)
            self._arrays[name] = array
        return array

    def __iter__(self) -> Iterator[str]:
        return iter(self._tensors)

    def __len__(self) -> int:
        return len(self._tensors)


def _dequantize(tensor) -> np.ndarray:
    import gguf

    shape = tuple(int(n) for n in reversed(tensor.shape))
    try:
        data = gguf.quants.dequantize(tensor.data, tensor.tensor_type)
    except Exception as error:  # the gguf package raises several kinds
        raise GGUFError(f"{_PREFIX}: cannot dequantize {tensor.name} "
                        f"({tensor.tensor_type.name}): {error}") from error
    return np.ascontiguousarray(np.asarray(data, dtype=np.float32).reshape(shape))


def _field(reader, key: str, default=None, required: bool = True):
    field = reader.fields.get(key)
    if field is None:
        if required and default is None:
            raise GGUFError(f"{_PREFIX}: metadata key {key!r} is missing")
        return default
    return field.contents()


def _build_tokenizer(reader):
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers

    kind = _field(reader, "tokenizer.ggml.model")
    if kind != "gpt2":
        raise GGUFError(f"{_PREFIX}: unsupported tokenizer model {kind!r} "
                        "(supported: gpt2, byte-level BPE)")
    pre = _field(reader, "tokenizer.ggml.pre", default="default")
    if pre in _PRE_DIGITS_THEN_GPT2:
        splitters = [pre_tokenizers.Digits(individual_digits=True)]
    elif pre in _PRE_GPT2:
        splitters = []
    else:
        raise GGUFError(
            f"{_PREFIX}: unsupported pre-tokenizer {pre!r} (supported: "
            + ", ".join(_PRE_DIGITS_THEN_GPT2 + _PRE_GPT2) + ")")
    tokens = list(_field(reader, "tokenizer.ggml.tokens"))
    merges = []
    for merge in _field(reader, "tokenizer.ggml.merges"):
        parts = merge.split(" ")
        if len(parts) != 2:
            raise GGUFError(f"{_PREFIX}: malformed BPE merge {merge!r}")
        merges.append((parts[0], parts[1]))
    types = _field(reader, "tokenizer.ggml.token_type", default=[],
                   required=False)
    vocab = {token: i for i, token in enumerate(tokens)}
    if len(vocab) != len(tokens):
        raise GGUFError(f"{_PREFIX}: tokenizer.ggml.tokens has duplicates")
    tokenizer = Tokenizer(models.BPE(vocab, merges, fuse_unk=False))
    splitters.append(pre_tokenizers.ByteLevel(add_prefix_space=False,
                                              use_regex=True))
    tokenizer.pre_tokenizer = (splitters[0] if len(splitters) == 1
                               else pre_tokenizers.Sequence(splitters))
    tokenizer.decoder = decoders.ByteLevel()
    specials = [AddedToken(tokens[i], special=(kind_ == _TOKEN_CONTROL),
                           normalized=False)
                for i, kind_ in enumerate(types)
                if kind_ in (_TOKEN_CONTROL, _TOKEN_USER_DEFINED)]
    if specials:
        tokenizer.add_tokens(specials)
    return tokenizer


def _open(path: str):
    import gguf

    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except OSError as error:
        raise GGUFError(f"{_PREFIX}: cannot open {path}: {error}") from error
    if magic != b"GGUF":
        raise GGUFError(f"{_PREFIX}: {path} is not a GGUF file "
                        f"(starts with {magic!r}, expected b'GGUF')")
    try:
        reader = gguf.GGUFReader(path)
    except Exception as error:  # IndexError, ValueError, struct errors ...
        raise GGUFError(f"{_PREFIX}: cannot read {path}: the file is truncated "
                        f"or corrupt ({type(error).__name__}: {error})") from error
    size = os.path.getsize(path)
    for tensor in reader.tensors:
        end = int(tensor.data_offset) + int(tensor.n_bytes)
        if end > size:
            raise GGUFError(f"{_PREFIX}: {path} is truncated: tensor "
                            f"{tensor.name} ends at byte {end}, the file has "
                            f"{size}")
    return reader


def load_gguf(path: Union[str, os.PathLike], *,
              num_layers: Optional[int] = None) -> "LlamaModel":
    """Reads a Llama GGUF file. `num_layers` keeps only the first layers
    (a truncated model, for tests); the embeddings, final norm and head are
    kept. Raises `GGUFError` (a `ValueError`) naming what is wrong."""
    path = os.fspath(path)
    reader = _open(path)
    arch = _field(reader, "general.architecture")
    if arch not in SUPPORTED_ARCHITECTURES:
        raise GGUFError(f"{_PREFIX}: unsupported architecture {arch!r} "
                        f"(supported: {', '.join(SUPPORTED_ARCHITECTURES)})")

    def meta(key, default=None):
        return _field(reader, f"{arch}.{key}", default)

    scaling = meta("rope.scaling.type", "none")
    if scaling not in ("none", None):
        raise GGUFError(f"{_PREFIX}: RoPE scaling {scaling!r} is not supported")
    layers = int(meta("block_count"))
    hidden = int(meta("embedding_length"))
    heads = int(meta("attention.head_count"))
    kv_heads = int(meta("attention.head_count_kv", heads))
    if heads <= 0 or kv_heads <= 0 or heads % kv_heads:
        raise GGUFError(f"{_PREFIX}: head_count {heads} is not a multiple of "
                        f"head_count_kv {kv_heads}")
    head_dim = int(meta("attention.key_length", hidden // heads))
    if int(meta("attention.value_length", head_dim)) != head_dim:
        raise GGUFError(f"{_PREFIX}: key and value head sizes differ")
    tensors = {t.name: t for t in reader.tensors}
    embd = tensors.get("token_embd.weight")
    vocab_default = (int(embd.shape[1]) if embd is not None
                     else len(_field(reader, "tokenizer.ggml.tokens")))
    if num_layers is not None:
        if not 1 <= num_layers <= layers:
            raise ValueError(f"num_layers must be in [1, {layers}], "
                             f"got {num_layers}")
        layers = num_layers
    config = LlamaConfig(
        architecture=arch,
        num_layers=layers,
        hidden=hidden,
        num_heads=heads,
        num_kv_heads=kv_heads,
        head_dim=head_dim,
        ffn=int(meta("feed_forward_length")),
        vocab=int(meta("vocab_size", vocab_default)),
        rope_theta=float(meta("rope.freq_base", 10000.0)),
        rope_dims=int(meta("rope.dimension_count", head_dim)),
        rope_style="interleaved",
        rms_eps=float(meta("attention.layer_norm_rms_epsilon")),
        context_length=int(meta("context_length", 0)),
        bos_id=int(_field(reader, "tokenizer.ggml.bos_token_id", -1,
                          required=False)),
        eos_id=int(_field(reader, "tokenizer.ggml.eos_token_id", -1,
                          required=False)),
        tied_embeddings="output.weight" not in tensors,
    )
    if config.rope_dims % 2 or not 0 <= config.rope_dims <= head_dim:
        raise GGUFError(f"{_PREFIX}: rope.dimension_count {config.rope_dims} "
                        f"must be even and at most the head size {head_dim}")
    expected = _expected_shapes(config)
    for name, shape in expected.items():
        tensor = tensors.get(name)
        if tensor is None:
            raise GGUFError(f"{_PREFIX}: tensor {name} is missing from {path}")
        got = tuple(int(n) for n in reversed(tensor.shape))
        if got != shape:
            raise GGUFError(f"{_PREFIX}: tensor {name} has shape {list(got)}, "
                            f"expected {list(shape)}")
    for layer in range(config.num_layers):
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            if f"blk.{layer}.{part}.bias" in tensors:
                raise GGUFError(f"{_PREFIX}: tensor blk.{layer}.{part}.bias: "
                                "attention biases are not supported")
    tokenizer = _build_tokenizer(reader)
    add_bos = bool(_field(reader, "tokenizer.ggml.add_bos_token", False,
                          required=False))
    return LlamaModel(path, config, tokenizer,
                      {name: tensors[name] for name in expected}, add_bos)


def _expected_shapes(c: LlamaConfig) -> Dict[str, Tuple[int, ...]]:
    """Every tensor the model reads, [out, in] for linear weights, in the
    order of the weight arguments of the emitted IR."""
    q, kv = c.num_heads * c.head_dim, c.num_kv_heads * c.head_dim
    shapes: Dict[str, Tuple[int, ...]] = {"token_embd.weight": (c.vocab, c.hidden)}
    per_layer = {"attn_norm": (c.hidden,), "attn_q": (q, c.hidden),
                 "attn_k": (kv, c.hidden), "attn_v": (kv, c.hidden),
                 "attn_output": (c.hidden, q), "ffn_norm": (c.hidden,),
                 "ffn_gate": (c.ffn, c.hidden), "ffn_up": (c.ffn, c.hidden),
                 "ffn_down": (c.hidden, c.ffn)}
    for layer in range(c.num_layers):
        for part in _LAYER_TENSORS:
            shapes[f"blk.{layer}.{part}.weight"] = per_layer[part]
    shapes["output_norm.weight"] = (c.hidden,)
    if not c.tied_embeddings:
        shapes["output.weight"] = (c.vocab, c.hidden)
    return shapes


class LlamaModel:
    """A Llama decoder read from a GGUF file (see `load_gguf`).

    ``weights`` maps GGUF tensor names to f32 arrays (``[out, in]`` for
    linear weights, as stored), dequantized on first use; ``weight_names``
    is the order of the weight arguments of every entry ``ir`` writes, and
    ``arguments()`` those arrays in that order.
    """

    def __init__(self, path: str, config: LlamaConfig, tokenizer,
                 tensors: Dict[str, object], add_bos: bool):
        self.path = path
        self.config = config
        self.tokenizer = tokenizer
        self.add_bos = add_bos
        self.weights: Mapping = _LazyWeights(tensors)
        self.weight_names: List[str] = list(tensors)

    def with_layers(self, num_layers: int) -> "LlamaModel":
        """The model truncated to its first `num_layers` layers (embeddings,
        final norm and head kept), sharing this one's tokenizer and
        dequantized weights; as `load_gguf(path, num_layers=...)` without
        reading the file again."""
        if not 1 <= num_layers <= self.config.num_layers:
            raise ValueError(f"num_layers must be in [1, {self.config.num_layers}], "
                             f"got {num_layers}")
        config = dataclasses.replace(self.config, num_layers=num_layers)
        tensors = self.weights._tensors
        model = LlamaModel(self.path, config, self.tokenizer,
                           {name: tensors[name] for name in _expected_shapes(config)},
                           self.add_bos)
        model.weights = _LazyWeights(model.weights._tensors, self.weights._arrays)
        return model

    def __repr__(self) -> str:
        c = self.config
        return (f"<LlamaModel {os.path.basename(self.path)}: {c.num_layers} "
                f"layers, hidden {c.hidden}, {c.num_heads}/{c.num_kv_heads} "
                f"heads of {c.head_dim}>")

    # Tokenizer.

    def encode(self, text: str, add_bos: Optional[bool] = None) -> List[int]:
        """Token ids of `text`; special tokens written in the text (e.g.
        ``<|im_start|>``) are recognised. `add_bos` defaults to the file's
        ``tokenizer.ggml.add_bos_token``."""
        ids = self.tokenizer.encode(text, add_special_tokens=False).ids
        if self.add_bos if add_bos is None else add_bos:
            ids = [self.config.bos_id] + ids
        return ids

    def decode(self, ids: Sequence[int], skip_special: bool = False) -> str:
        """The text of `ids` (special tokens kept unless `skip_special`)."""
        return self.tokenizer.decode([int(i) for i in ids],
                                     skip_special_tokens=skip_special)

    # Runtime helpers.

    def arguments(self) -> List[np.ndarray]:
        """The weight arguments of the emitted entries, in order."""
        return [self.weights[name] for name in self.weight_names]

    def empty_state(self, cache: int, cache_dtype: str = "f32") -> List[np.ndarray]:
        """The `length` input and the per-layer caches of an empty stream
        (length 0, zero caches, positions -1), in entry argument order."""
        c = self.config
        if cache_dtype not in _CACHE_DTYPES:
            raise ValueError(f"unknown cache_dtype {cache_dtype!r}; expected "
                             "'f32' or 'f16'")
        dtype = {"f32": np.float32, "f16": np.float16}[cache_dtype]
        state = [np.zeros(1, np.int64)]
        for _ in range(c.num_layers):
            kv = (1, c.num_kv_heads, cache, c.head_dim)
            state += [np.zeros(kv, dtype), np.zeros(kv, dtype),
                      np.full((1, cache), -1, np.int64)]
        return state

    # IR.

    def ir(self, entry: Union[str, Sequence[str]] = "decode", *,
           tokens: int = 1, cache: int = 1024, sinks: int = 4,
           form: str = "sink", weights: str = "arguments",
           layers: str = "inline",
           quantized: Optional[Mapping[str, object]] = None,
           cache_dtype: str = "f32", logits: str = "all") -> str:
        """The model as MLIR text (docs/llama.md).

        `entry`: "decode" (one token) or "prefill" (a chunk of `tokens`
        tokens), or a list of both for one module with both functions.
        `form="sink"`: a streaming entry over per-layer KV caches of `cache`
        slots with `sinks` attention sinks (cache_append + sink_attention
        with RoPE). `form="textbook"`: prefill only, dense causal attention
        over the chunk from position 0 written as matmul / softmax / matmul
        with RoPE in the graph (docs/rope-in-graphs.md), for
        bitsink-raise-attention; its signature is (tokens, weights) ->
        logits.

        `layers="inline"` writes every block in the entry (what
        bitsink-quantize-weights needs once the weights are bound as
        constants); `layers="call"` writes one private function per entry
        that every layer calls with its own weights and caches: the same
        model, compiled much faster (LLVM's optimiser is superlinear in the
        size of a function; docs/llama.md has the numbers).

        `quantized`: ``{weight name: bitsink.QuantizedWeight}`` (from
        ``bitsink.models.quantize.quantize_weights``). Each of those linear
        weights becomes ``bitsink.bitplane_matmul`` over two arguments,
        ``<name>.planes`` (i32 [P, ceil(K/32), N]) and ``<name>.coeffs`` (f16
        [G, C, N]), instead of the float weight (the embedding lookup keeps
        reading ``token_embd.weight`` when the tied output projection is
        quantised). With ``layers="call"`` every layer must use the same
        plane count and group size per projection.

        `cache_dtype`: the element type of the KV caches, "f32" or "f16"
        (half the bytes each decode step reads, as llama.cpp's default
        cache). With "f16" the new keys and values are rounded to f16
        before `cache_append`, the queries too (`sink_attention` takes one
        element type; its scores and softmax stay f32), and the attention
        output is widened back to f32.

        `logits`: "all" (the logits of every token of the chunk, [tokens,
        vocab]) or "last" (form "sink" only: of its last token, [1, vocab];
        the final norm and the LM head then run on one row, which is what a
        streaming prefill needs: the LM head over every row was half of
        SmolLM2's 3-bit prefill).
        """
        if cache_dtype not in _CACHE_DTYPES:
            raise ValueError(f"unknown cache_dtype {cache_dtype!r}; expected "
                             "'f32' or 'f16'")
        entries = [entry] if isinstance(entry, str) else list(entry)
        if not entries or len(set(entries)) != len(entries):
            raise ValueError(f"entry must name distinct entries, got {entry!r}")
        for name in entries:
            if name not in ("decode", "prefill"):
                raise ValueError(f"unknown entry {name!r}; expected 'decode' "
                                 "or 'prefill'")
        if form not in ("sink", "textbook"):
            raise ValueError(f"unknown form {form!r}; expected 'sink' or "
                             "'textbook'")
        if layers not in ("inline", "call"):
            raise ValueError(f"unknown layers {layers!r}; expected 'inline' or "
                             "'call'")
        if logits not in ("all", "last"):
            raise ValueError(f"unknown logits {logits!r}; expected 'all' or "
                             "'last'")
        if logits == "last" and form != "sink":
            raise ValueError("logits='last' is for form 'sink'")
        if weights != "arguments":
            raise ValueError(f"unknown weights {weights!r}; expected "
                             "'arguments'")
        if not isinstance(tokens, int) or tokens < 1:
            raise ValueError(f"tokens must be a positive integer, got {tokens!r}")
        if entries == ["decode"] and tokens != 1:
            raise ValueError("entry 'decode' takes one token; use "
                             f"entry='prefill' for {tokens}")
        if form == "textbook" and "decode" in entries:
            raise ValueError("form 'textbook' has a prefill entry only "
                             "(dense attention over the chunk from position 0)")
        if form == "sink":
            if cache < 1:
                raise ValueError(f"cache must be at least 1, got {cache}")
            if not 0 <= sinks < cache:
                raise ValueError(f"sinks must be in [0, cache), got {sinks} "
                                 f"with cache {cache}")
        quantized = dict(quantized or {})
        for name in quantized:
            if name not in self.weights or name.endswith("_norm.weight"):
                raise ValueError(f"quantized names {name!r}, which is not a "
                                 "linear weight of the model")
        funcs = []
        for name in entries:
            count = 1 if name == "decode" else tokens
            writer = _Writer(self, name, count, cache, sinks, layers, quantized,
                             cache_dtype, last_logits=logits == "last")
            funcs += writer.textbook() if form == "textbook" else writer.sink()
        header = (f"// {self.config.architecture} from {os.path.basename(self.path)}"
                  f" ({self.config.num_layers} layers), written by "
                  f"bitsink.models.llama (form={form}).\n")
        return header + "\n".join(funcs)


_CACHE_DTYPES = ("f32", "f16")
_FLOAT_BITS = {"f16": 16, "bf16": 16, "f32": 32}


def _quantized_suffixes(q) -> Tuple[str, ...]:
    """The argument suffixes of a QuantizedWeight: planes and coefficients,
    and the sub-block scale codes when it has them."""
    return (".planes", ".coeffs") + ((".scales",) if _sub_block(q) else ())


def _sub_block(q) -> int:
    return int(getattr(q, "sub_block", 0) or 0)


def _quantized_types(q) -> Tuple[str, ...]:
    """The planes (i32) and coefficient (f16) tensor types of a
    QuantizedWeight, and its scale codes' (i32) when it has them."""
    types = (_t(*q.planes.shape, elt="i32"), _t(*q.coefficients.shape, elt="f16"))
    if _sub_block(q):
        types += (_t(*q.scales.shape, elt="i32"),)
    return types


def _rotation(q, k: int) -> Optional[Tuple[str, str]]:
    """(argument name, type) of the rotation signs a rotated
    QuantizedWeight of K = `k` rows reads its input through (one argument
    per K and block: weights quantized with one seed share their signs),
    or None. The input is multiplied by the signs, then each block of b
    features by the b x b Walsh-Hadamard matrix (_hadamard)."""
    block = int(getattr(q, "rotation_block", 0) or 0)
    if not block:
        return None
    return f"%rotation.{k}.{block}", _t(k)


def _hadamard(q) -> Optional[Tuple[str, str]]:
    """(argument name, type) of the b x b Walsh-Hadamard matrix (over √b) a
    rotated QuantizedWeight's rotation multiplies by, or None: one argument
    per block size, shared by every K."""
    block = int(getattr(q, "rotation_block", 0) or 0)
    if not block:
        return None
    return f"%hadamard.{block}", _t(block, block)


def _t(*shape, elt: str = "f32") -> str:
    return "tensor<" + "x".join(str(s) for s in shape) + f"x{elt}>"


def _f32(value: float) -> str:
    """An f32 literal that parses to float32(value) exactly."""
    bits = int(np.array(value, dtype=np.float32).view(np.uint32))
    return f"0x{bits:08X}"


def _identity(rank: int) -> str:
    dims = ", ".join(f"d{i}" for i in range(rank))
    return f"affine_map<({dims}) -> ({dims})>"


def _parallel(rank: int) -> str:
    return "[" + ", ".join(['"parallel"'] * rank) + "]"


class _Writer:
    """Writes one entry function. Value names are `%v<n>`; names inside
    regions start with `%b_` so they never shadow an outer value."""

    def __init__(self, model: LlamaModel, entry: str, tokens: int, cache: int,
                 sinks: int, layers: str, quantized: Optional[Mapping] = None,
                 cache_elt: str = "f32", last_logits: bool = False):
        self.m = model
        # The sink entry returns the logits of its last token only.
        self.last_logits = last_logits
        # Element type of the KV caches and of the attention op.
        self.cache_elt = cache_elt
        self.quantized = quantized or {}
        # SSA name of a float weight -> its QuantizedWeight (see linear()).
        self.quantized_values: Dict[str, object] = {
            f"%{name}": q for name, q in self.quantized.items()}
        self.layers = layers
        self.c = model.config
        self.entry = entry
        self.T = tokens
        self.C = cache
        self.S = sinks
        self.lines: List[str] = []
        self.n = 0
        # (input value, rotation argument) -> the rotated input.
        self.rotated: Dict[Tuple[str, str], str] = {}

    def fresh(self) -> str:
        self.n += 1
        return f"%v{self.n}"

    def emit(self, line: str) -> None:
        self.lines.append("  " + line)

    # Building blocks.

    def const_f32(self, value: float) -> str:
        name = self.fresh()
        self.emit(f"{name} = arith.constant {_f32(value)} : f32")
        return name

    def empty(self, type_: str) -> str:
        name = self.fresh()
        self.emit(f"{name} = tensor.empty() : {type_}")
        return name

    def zeros(self, type_: str) -> str:
        zero = self.const_f32(0.0)
        empty = self.empty(type_)
        name = self.fresh()
        self.emit(f"{name} = linalg.fill ins({zero} : f32) outs({empty} : "
                  f"{type_}) -> {type_}")
        return name

    def elementwise(self, inputs: Sequence[Tuple[str, str, str]], out_type: str,
                    rank: int, body: Sequence[str], result: str,
                    out_elt: str = "f32") -> str:
        """A parallel generic; `inputs` are (value, type, map); `body` the
        scalar ops over block arguments %b_0, %b_1, ... ending in `result`."""
        maps = [m for _, _, m in inputs] + [_identity(rank)]
        empty = self.empty(out_type)
        name = self.fresh()
        ins = ", ".join(v for v, _, _ in inputs)
        types = ", ".join(t for _, t, _ in inputs)
        args = ", ".join(f"%b_{i}: {t[t.rindex('x') + 1:-1]}"
                         for i, (_, t, _) in enumerate(inputs))
        self.emit(f"{name} = linalg.generic {{indexing_maps = [{', '.join(maps)}], "
                  f"iterator_types = {_parallel(rank)}}} ins({ins} : {types}) "
                  f"outs({empty} : {out_type}) {{")
        self.emit(f"^bb0({args}, %b_out: {out_elt}):")
        for line in body:
            self.emit("  " + line)
        self.emit(f"  linalg.yield {result} : {out_elt}")
        self.emit(f"}} -> {out_type}")
        return name

    def add(self, a: str, b: str, rows: int, cols: int) -> str:
        t = _t(rows, cols)
        return self.elementwise([(a, t, _identity(2)), (b, t, _identity(2))], t, 2,
                                ["%b_r = arith.addf %b_0, %b_1 : f32"], "%b_r")

    def linear(self, x: str, weight: str, rows: int, k: int, n: int) -> str:
        """x [rows, k] times the [n, k] weight transposed: [rows, n]; a
        bitplane_matmul over `weight`.planes / .coeffs when it is quantized."""
        acc = self.zeros(_t(rows, n))
        q = self.quantized_values.get(weight)
        if q is not None:
            if _rotation(q, k) is not None:
                x = self.rotate(x, rows, k, q)
            planes_t, coeffs_t, *scales_t = _quantized_types(q)
            scales = (f"scales({weight}.scales : {scales_t[0]}) "
                      if scales_t else "")
            sub_block = (f", sub_block = {_sub_block(q)}" if scales_t else "")
            name = self.fresh()
            self.emit(f"{name} = bitsink.bitplane_matmul ins({x}, {weight}.planes, "
                      f"{weight}.coeffs : {_t(rows, k)}, {planes_t}, {coeffs_t}) "
                      f"{scales}outs({acc} : {_t(rows, n)}) {{plane_kind = "
                      f"#bitsink.plane_kind<{q.plane_kind}>, group_size = "
                      f"{int(q.group_size)}{sub_block}}} -> {_t(rows, n)}")
            return name
        name = self.fresh()
        self.emit(f"{name} = linalg.matmul indexing_maps = ["
                  "affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, "
                  "affine_map<(m, n, k) -> (m, n)>] "
                  f"ins({x}, {weight} : {_t(rows, k)}, {_t(n, k)}) "
                  f"outs({acc} : {_t(rows, n)}) -> {_t(rows, n)}")
        return name

    def rotate(self, x: str, rows: int, k: int, q) -> str:
        """x [rows, k] times the rotation R = diag(signs)·blockdiag(H_b, …)
        of a rotated weight (docs/quantizer.md, "Rotation"): x times the
        signs argument [k], viewed as [rows·k/b, b], times the one b x b
        Walsh-Hadamard argument (a small matmul whose right operand stays
        in L1, rather than k/b different blocks read from memory); once per
        input and rotation."""
        value, signs_t = _rotation(q, k)
        hadamard, hadamard_t = _hadamard(q)
        key = (x, value)
        if key in self.rotated:
            return self.rotated[key]
        b = int(q.rotation_block)
        signed = self.elementwise(
            [(x, _t(rows, k), _identity(2)),
             (value, signs_t, "affine_map<(i, j) -> (j)>")], _t(rows, k), 2,
            ["%b_r = arith.mulf %b_0, %b_1 : f32"], "%b_r")
        blocked_t, flat_t = _t(rows, k // b, b), _t(rows * k // b, b)
        blocked = self.fresh()
        self.emit(f"{blocked} = tensor.expand_shape {signed} [[0], [1, 2]] "
                  f"output_shape [{rows}, {k // b}, {b}] : {_t(rows, k)} "
                  f"into {blocked_t}")
        flat = self.fresh()
        self.emit(f"{flat} = tensor.collapse_shape {blocked} [[0, 1], [2]] : "
                  f"{blocked_t} into {flat_t}")
        init = self.zeros(flat_t)
        product = self.fresh()
        self.emit(f"{product} = linalg.matmul ins({flat}, {hadamard} : "
                  f"{flat_t}, {hadamard_t}) outs({init} : {flat_t}) -> "
                  f"{flat_t}")
        name = self.fresh()
        self.emit(f"{name} = tensor.collapse_shape {product} [[0, 1]] : "
                  f"{flat_t} into {_t(rows * k)}")
        shaped = self.fresh()
        self.emit(f"{shaped} = tensor.expand_shape {name} [[0, 1]] "
                  f"output_shape [{rows}, {k}] : {_t(rows * k)} into "
                  f"{_t(rows, k)}")
        self.rotated[key] = shaped
        return shaped

    def rms_norm(self, x: str, weight: str, rows: int) -> str:
        h = self.c.hidden
        sums = self.zeros(_t(rows))
        ss = self.fresh()
        self.emit(f"{ss} = linalg.generic {{indexing_maps = [affine_map<(i, j) -> (i, j)>, "
                  "affine_map<(i, j) -> (i)>], iterator_types = [\"parallel\", "
                  f"\"reduction\"]}} ins({x} : {_t(rows, h)}) outs({sums} : {_t(rows)}) {{")
        self.emit("^bb0(%b_0: f32, %b_acc: f32):")
        self.emit("  %b_sq = arith.mulf %b_0, %b_0 : f32")
        self.emit("  %b_r = arith.addf %b_acc, %b_sq : f32")
        self.emit("  linalg.yield %b_r : f32")
        self.emit(f"}} -> {_t(rows)}")
        return self.elementwise(
            [(x, _t(rows, h), "affine_map<(i, j) -> (i, j)>"),
             (ss, _t(rows), "affine_map<(i, j) -> (i)>"),
             (weight, _t(h), "affine_map<(i, j) -> (j)>")],
            _t(rows, h), 2,
            [f"%b_inv = arith.constant {_f32(1.0 / h)} : f32",
             f"%b_eps = arith.constant {_f32(self.c.rms_eps)} : f32",
             "%b_mean = arith.mulf %b_1, %b_inv : f32",
             "%b_var = arith.addf %b_mean, %b_eps : f32",
             "%b_rs = math.rsqrt %b_var : f32",
             "%b_n = arith.mulf %b_0, %b_rs : f32",
             "%b_r = arith.mulf %b_n, %b_2 : f32"], "%b_r")

    def swiglu(self, gate: str, up: str, rows: int) -> str:
        t = _t(rows, self.c.ffn)
        return self.elementwise(
            [(gate, t, _identity(2)), (up, t, _identity(2))], t, 2,
            ["%b_one = arith.constant 1.0 : f32",
             "%b_neg = arith.negf %b_0 : f32",
             "%b_exp = math.exp %b_neg : f32",
             "%b_den = arith.addf %b_exp, %b_one : f32",
             "%b_silu = arith.divf %b_0, %b_den : f32",
             "%b_r = arith.mulf %b_silu, %b_1 : f32"], "%b_r")

    def embed(self, tokens: str, table: str) -> str:
        c, T = self.c, self.T
        return self.elementwise(
            [(tokens, _t(T, elt="i64"), "affine_map<(t, h) -> (t)>")],
            _t(T, c.hidden), 2,
            ["%b_lo = arith.constant 0 : i64",
             f"%b_hi = arith.constant {c.vocab - 1} : i64",
             "%b_up = arith.maxsi %b_0, %b_lo : i64",
             "%b_id = arith.minsi %b_up, %b_hi : i64",
             "%b_row = arith.index_cast %b_id : i64 to index",
             "%b_col = linalg.index 1 : index",
             f"%b_r = tensor.extract {table}[%b_row, %b_col] : {_t(c.vocab, c.hidden)}"],
            "%b_r")

    def split_heads(self, x: str, heads: int) -> str:
        """[T, heads * D] -> [1, heads, T, D]."""
        T, d = self.T, self.c.head_dim
        expanded = self.fresh()
        self.emit(f"{expanded} = tensor.expand_shape {x} [[0, 1], [2, 3]] output_shape "
                  f"[1, {T}, {heads}, {d}] : {_t(T, heads * d)} into {_t(1, T, heads, d)}")
        empty = self.empty(_t(1, heads, T, d))
        name = self.fresh()
        self.emit(f"{name} = linalg.transpose ins({expanded} : {_t(1, T, heads, d)}) "
                  f"outs({empty} : {_t(1, heads, T, d)}) permutation = [0, 2, 1, 3]")
        return name

    def merge_heads(self, x: str, heads: int) -> str:
        """[1, heads, T, D] -> [T, heads * D]."""
        T, d = self.T, self.c.head_dim
        empty = self.empty(_t(1, T, heads, d))
        transposed = self.fresh()
        self.emit(f"{transposed} = linalg.transpose ins({x} : {_t(1, heads, T, d)}) "
                  f"outs({empty} : {_t(1, T, heads, d)}) permutation = [0, 2, 1, 3]")
        name = self.fresh()
        self.emit(f"{name} = tensor.collapse_shape {transposed} [[0, 1], [2, 3]] : "
                  f"{_t(1, T, heads, d)} into {_t(T, heads * d)}")
        return name

    # Attention, two ways.

    def rope_attr(self) -> str:
        c = self.c
        # A decimal: the attribute's parser reads a hex literal as the bits
        # of a double.
        theta = repr(float(c.rope_theta))
        return (f"#bitsink.rope<theta = {theta}, dims = {c.rope_dims}, "
                f"style = {c.rope_style}>")

    def sink_attention(self, q: str, k: str, v: str, kv_len: str,
                       state: Tuple[str, str, str, str]) -> Tuple[str, Tuple[str, str, str, str]]:
        c, T, C = self.c, self.T, self.C
        kc, vc, pos, length = state
        elt = self.cache_elt
        ct = _t(1, c.num_kv_heads, C, c.head_dim, elt=elt)
        pt, lt = _t(1, C, elt="i64"), _t(1, elt="i64")
        nt = _t(1, c.num_kv_heads, T, c.head_dim, elt=elt)
        if elt != "f32":
            k = self.convert(k, (1, c.num_kv_heads, T, c.head_dim), "f32", elt)
            v = self.convert(v, (1, c.num_kv_heads, T, c.head_dim), "f32", elt)
            q = self.convert(q, (1, c.num_heads, T, c.head_dim), "f32", elt)
        appended = self.fresh()
        self.emit(f"{appended}:4 = bitsink.cache_append ins({k}, {v} : {nt}, {nt}) "
                  f"outs({kc}, {vc}, {pos}, {length} : {ct}, {ct}, {pt}, {lt}) "
                  f"{{num_sinks = {self.S} : i64, position_mode = "
                  f"#bitsink.position_mode<cache>}} -> {ct}, {ct}, {pt}, {lt}")
        qt = _t(1, c.num_heads, T, c.head_dim, elt=elt)
        init = self.empty(qt)
        out = self.fresh()
        rope = f", rope = {self.rope_attr()}" if c.rope_dims else ""
        self.emit(f"{out} = bitsink.sink_attention ins({q}, {appended}#0, {appended}#1 : "
                  f"{qt}, {ct}, {ct}) kv_len({kv_len} : {lt}) key_positions("
                  f"{appended}#2 : {pt}) outs({init} : {qt}) "
                  f"{{causal = true{rope}}} -> {qt}")
        if elt != "f32":
            out = self.convert(out, (1, c.num_heads, T, c.head_dim), elt, "f32")
        return out, tuple(f"{appended}#{i}" for i in range(4))

    def convert(self, x: str, shape: Tuple[int, ...], src: str, dst: str) -> str:
        """x rounded (arith.truncf) or widened (arith.extf) to `dst`."""
        op = "arith.extf" if _FLOAT_BITS[dst] > _FLOAT_BITS[src] else "arith.truncf"
        rank = len(shape)
        return self.elementwise(
            [(x, _t(*shape, elt=src), _identity(rank))], _t(*shape, elt=dst),
            rank, [f"%b_r = {op} %b_0 : {src} to {dst}"], "%b_r", out_elt=dst)

    def rope_tables(self) -> Tuple[str, str]:
        """cos / sin [T, R/2] constants, computed as docs/rope-in-graphs.md
        says (the op's f32 angles)."""
        c, T = self.c, self.T
        r = c.rope_dims
        inv = (np.float32(c.rope_theta) ** (-np.arange(0, r, 2, dtype=np.float64) / r)
               ).astype(np.float32)
        angle = (np.arange(T, dtype=np.float32)[:, None] * inv[None, :]).astype(np.float32)
        names = []
        for fn in (np.cos, np.sin):
            table = fn(angle.astype(np.float64)).astype(np.float32)
            rows = ", ".join("[" + ", ".join(_f32(x) for x in row) + "]" for row in table)
            name = self.fresh()
            self.emit(f"{name} = arith.constant dense<[{rows}]> : {_t(T, r // 2)}")
            names.append(name)
        return names[0], names[1]

    def rope_in_graph(self, x: str, heads: int, tables: Tuple[str, str]) -> str:
        """docs/rope-in-graphs.md, form 2 (interleaved) on [1, heads, T, D]."""
        c, T = self.c, self.T
        d, r = c.head_dim, c.rope_dims
        if c.rope_style != "interleaved":
            raise ValueError(f"rope style {c.rope_style!r} has no graph form here")
        xt = _t(1, heads, T, d)
        rotated = x
        if r < d:
            rotated = self.fresh()
            self.emit(f"{rotated} = tensor.extract_slice {x}[0, 0, 0, 0] [1, {heads}, {T}, {r}] "
                      f"[1, 1, 1, 1] : {xt} to {_t(1, heads, T, r)}")
            rest = self.fresh()
            self.emit(f"{rest} = tensor.extract_slice {x}[0, 0, 0, {r}] [1, {heads}, {T}, "
                      f"{d - r}] [1, 1, 1, 1] : {xt} to {_t(1, heads, T, d - r)}")
        pt = _t(1, heads, T, r // 2, 2)
        expanded = self.fresh()
        self.emit(f"{expanded} = tensor.expand_shape {rotated} [[0], [1], [2], [3, 4]] "
                  f"output_shape [1, {heads}, {T}, {r // 2}, 2] : {_t(1, heads, T, r)} "
                  f"into {pt}")
        tt = _t(T, r // 2)
        pair = self.elementwise(
            [(expanded, pt, "affine_map<(b, h, t, m, c) -> (b, h, t, m, 0)>"),
             (expanded, pt, "affine_map<(b, h, t, m, c) -> (b, h, t, m, 1)>"),
             (tables[0], tt, "affine_map<(b, h, t, m, c) -> (t, m)>"),
             (tables[1], tt, "affine_map<(b, h, t, m, c) -> (t, m)>")],
            pt, 5,
            ["%b_ac = arith.mulf %b_0, %b_2 : f32",
             "%b_bs = arith.mulf %b_1, %b_3 : f32",
             "%b_re = arith.subf %b_ac, %b_bs : f32",
             "%b_as = arith.mulf %b_0, %b_3 : f32",
             "%b_bc = arith.mulf %b_1, %b_2 : f32",
             "%b_im = arith.addf %b_as, %b_bc : f32",
             "%b_i = linalg.index 4 : index",
             "%b_c0 = arith.constant 0 : index",
             "%b_first = arith.cmpi eq, %b_i, %b_c0 : index",
             "%b_r = arith.select %b_first, %b_re, %b_im : f32"], "%b_r")
        collapsed = self.fresh()
        self.emit(f"{collapsed} = tensor.collapse_shape {pair} [[0], [1], [2], [3, 4]] : "
                  f"{pt} into {_t(1, heads, T, r)}")
        if r == d:
            return collapsed
        name = self.fresh()
        self.emit(f"{name} = tensor.concat dim(3) {collapsed}, {rest} : "
                  f"({_t(1, heads, T, r)}, {_t(1, heads, T, d - r)}) -> {xt}")
        return name

    def repeat_kv(self, x: str) -> str:
        """[1, Hkv, T, D] -> [1, Hq, T, D], query head h reading kv head
        h / (Hq / Hkv) (Llama's repeat_kv: broadcast, then collapse)."""
        c, T = self.c, self.T
        group = c.num_heads // c.num_kv_heads
        if group == 1:
            return x
        bt = _t(1, c.num_kv_heads, group, T, c.head_dim)
        broadcast = self.elementwise(
            [(x, _t(1, c.num_kv_heads, T, c.head_dim),
              "affine_map<(b, g, r, t, d) -> (b, g, t, d)>")],
            bt, 5, [], "%b_0")
        name = self.fresh()
        self.emit(f"{name} = tensor.collapse_shape {broadcast} [[0], [1, 2], [3], [4]] : "
                  f"{bt} into {_t(1, c.num_heads, T, c.head_dim)}")
        return name

    def textbook_attention(self, q: str, k: str, v: str, tables, causal: str) -> str:
        c, T = self.c, self.T
        hq, d = c.num_heads, c.head_dim
        if c.rope_dims:
            q = self.rope_in_graph(q, hq, tables)
            k = self.rope_in_graph(k, c.num_kv_heads, tables)
        k = self.repeat_kv(k)
        v = self.repeat_kv(v)
        qt, st = _t(1, hq, T, d), _t(1, hq, T, T)
        acc = self.zeros(st)
        scores = self.fresh()
        self.emit(f"{scores} = linalg.generic {{indexing_maps = ["
                  "affine_map<(b, h, i, j, d) -> (b, h, i, d)>, "
                  "affine_map<(b, h, i, j, d) -> (b, h, j, d)>, "
                  "affine_map<(b, h, i, j, d) -> (b, h, i, j)>], iterator_types = "
                  "[\"parallel\", \"parallel\", \"parallel\", \"parallel\", \"reduction\"]} "
                  f"ins({q}, {k} : {qt}, {qt}) outs({acc} : {st}) {{")
        self.emit("^bb0(%b_0: f32, %b_1: f32, %b_acc: f32):")
        self.emit("  %b_m = arith.mulf %b_0, %b_1 : f32")
        self.emit("  %b_r = arith.addf %b_acc, %b_m : f32")
        self.emit("  linalg.yield %b_r : f32")
        self.emit(f"}} -> {st}")
        scaled = self.elementwise(
            [(scores, st, _identity(4))], st, 4,
            [f"%b_s = arith.constant {_f32(1.0 / np.sqrt(d))} : f32",
             "%b_r = arith.mulf %b_0, %b_s : f32"], "%b_r")
        masked = self.elementwise(
            [(scaled, st, "affine_map<(b, h, i, j) -> (b, h, i, j)>"),
             (causal, _t(T, T), "affine_map<(b, h, i, j) -> (i, j)>")], st, 4,
            ["%b_r = arith.addf %b_0, %b_1 : f32"], "%b_r")
        probs = self.softmax(masked, st, _t(1, hq, T))
        out_acc = self.zeros(qt)
        out = self.fresh()
        self.emit(f"{out} = linalg.generic {{indexing_maps = ["
                  "affine_map<(b, h, i, n, j) -> (b, h, i, j)>, "
                  "affine_map<(b, h, i, n, j) -> (b, h, j, n)>, "
                  "affine_map<(b, h, i, n, j) -> (b, h, i, n)>], iterator_types = "
                  "[\"parallel\", \"parallel\", \"parallel\", \"parallel\", \"reduction\"]} "
                  f"ins({probs}, {v} : {st}, {qt}) outs({out_acc} : {qt}) {{")
        self.emit("^bb0(%b_0: f32, %b_1: f32, %b_acc: f32):")
        self.emit("  %b_m = arith.mulf %b_0, %b_1 : f32")
        self.emit("  %b_r = arith.addf %b_acc, %b_m : f32")
        self.emit("  linalg.yield %b_r : f32")
        self.emit(f"}} -> {qt}")
        return out

    def reduce_rows(self, x: str, st: str, rt: str, init: str, op: str) -> str:
        """x [1, H, T, T] reduced over the last dimension with `op`."""
        fill = self.fresh()
        value = self.fresh()
        self.emit(f"{value} = arith.constant {init} : f32")
        empty = self.empty(rt)
        self.emit(f"{fill} = linalg.fill ins({value} : f32) outs({empty} : {rt}) -> {rt}")
        name = self.fresh()
        self.emit(f"{name} = linalg.generic {{indexing_maps = ["
                  "affine_map<(b, h, i, j) -> (b, h, i, j)>, "
                  "affine_map<(b, h, i, j) -> (b, h, i)>], iterator_types = "
                  "[\"parallel\", \"parallel\", \"parallel\", \"reduction\"]} "
                  f"ins({x} : {st}) outs({fill} : {rt}) {{")
        self.emit("^bb0(%b_0: f32, %b_acc: f32):")
        self.emit(f"  %b_r = {op} %b_acc, %b_0 : f32")
        self.emit("  linalg.yield %b_r : f32")
        self.emit(f"}} -> {rt}")
        return name

    def softmax(self, x: str, st: str, rt: str) -> str:
        """Softmax over the last dimension written out (exp(x - max) /
        sum), which the CPU pipeline lowers as it is (it has no lowering of
        linalg.softmax) and bitsink-raise-attention recognises."""
        row = "affine_map<(b, h, i, j) -> (b, h, i)>"
        peak = self.reduce_rows(x, st, rt, "0xFF800000", "arith.maximumf")
        e = self.elementwise([(x, st, _identity(4)), (peak, rt, row)], st, 4,
                             ["%b_d = arith.subf %b_0, %b_1 : f32",
                              "%b_r = math.exp %b_d : f32"], "%b_r")
        total = self.reduce_rows(e, st, rt, "0.0", "arith.addf")
        return self.elementwise([(e, st, _identity(4)), (total, rt, row)], st, 4,
                                ["%b_r = arith.divf %b_0, %b_1 : f32"], "%b_r")

    def causal_bias(self) -> str:
        T = self.T
        ninf = "0xFF800000"
        rows = ", ".join("[" + ", ".join("0.0" if j <= i else ninf for j in range(T)) + "]"
                         for i in range(T))
        name = self.fresh()
        self.emit(f"{name} = arith.constant dense<[{rows}]> : {_t(T, T)}")
        return name

    # The model.

    def layer(self, x: str, weight, attend) -> str:
        """One decoder block on x [T, hidden]; `weight(part)` names the
        block's weights, `attend(q, k, v)` is its attention."""
        c, T = self.c, self.T
        hq, hkv, d = c.num_heads, c.num_kv_heads, c.head_dim
        h = self.rms_norm(x, weight("attn_norm"), T)
        q = self.split_heads(self.linear(h, weight("attn_q"), T, c.hidden, hq * d), hq)
        k = self.split_heads(self.linear(h, weight("attn_k"), T, c.hidden, hkv * d), hkv)
        v = self.split_heads(self.linear(h, weight("attn_v"), T, c.hidden, hkv * d), hkv)
        a = self.merge_heads(attend(q, k, v), hq)
        x = self.add(x, self.linear(a, weight("attn_output"), T, hq * d, c.hidden),
                     T, c.hidden)
        h = self.rms_norm(x, weight("ffn_norm"), T)
        gate = self.linear(h, weight("ffn_gate"), T, c.hidden, c.ffn)
        up = self.linear(h, weight("ffn_up"), T, c.hidden, c.ffn)
        down = self.linear(self.swiglu(gate, up, T), weight("ffn_down"), T,
                           c.ffn, c.hidden)
        return self.add(x, down, T, c.hidden)

    def head(self, x: str, rows: int) -> str:
        """Final norm and LM head: the logits [rows, vocab] of the last
        `rows` of the T tokens."""
        c, T = self.c, self.T
        if rows != T:
            last = self.fresh()
            self.emit(f"{last} = tensor.extract_slice {x}[{T - rows}, 0] "
                      f"[{rows}, {c.hidden}] [1, 1] : {_t(T, c.hidden)} to "
                      f"{_t(rows, c.hidden)}")
            x = last
        x = self.rms_norm(x, "%output_norm.weight", rows)
        head = "token_embd.weight" if c.tied_embeddings else "output.weight"
        return self.linear(x, f"%{head}", rows, c.hidden, c.vocab)

    def layer_weight_types(self) -> List[str]:
        shapes = _expected_shapes(self.c)
        return [_t(*shapes[f"blk.0.{part}.weight"]) for part in _LAYER_TENSORS]

    def weight_args(self) -> List[str]:
        shapes = _expected_shapes(self.c)
        args = []
        for name in self.m.weight_names:
            q = self.quantized.get(name)
            # The embedding lookup reads the float table even when the tied
            # output projection is quantized.
            if q is None or name == "token_embd.weight":
                args.append(f"%{name}: {_t(*shapes[name])} {{bitsink.name = "
                            f"\"{name}\"}} loc(\"{name}\")")
            if q is not None:
                for suffix, t in zip(_quantized_suffixes(q), _quantized_types(q)):
                    args.append(f"%{name}{suffix}: {t} {{bitsink.name = "
                                f"\"{name}{suffix}\"}} loc(\"{name}{suffix}\")")
        for value, t in self.rotation_args():
            args.append(f"{value}: {t} {{bitsink.name = \"{value[1:]}\"}} "
                        f"loc(\"{value[1:]}\")")
        return args

    def rotation_args(self) -> List[Tuple[str, str]]:
        """(value, type) of every rotation argument the quantized weights
        read, signs per K and block and one Walsh-Hadamard matrix per block
        (bitsink.Decoder binds them); weights that share signs must have
        the same (ValueError otherwise)."""
        found: Dict[str, Tuple[str, np.ndarray]] = {}
        for name, q in self.quantized.items():
            k = self.m.weights[name].shape[1]
            rotation = _rotation(q, k)
            if rotation is None:
                continue
            value, t = rotation
            signs = np.asarray(q.rotation_signs, np.float32)
            if value in found and not np.array_equal(found[value][1], signs):
                raise ValueError(f"rotated weights with K = {k} use different "
                                 f"signs ({name}); quantize them with one "
                                 "rotation seed")
            found.setdefault(value, (t, signs))
            hadamard, hadamard_t = _hadamard(q)
            found.setdefault(hadamard, (hadamard_t, None))
        return [(value, t) for value, (t, _) in sorted(found.items())]

    def layer_weight_args(self, layer: Optional[int]) -> List[Tuple[str, str]]:
        """(value, type) of the block weights as the shared layer function
        takes them: `%part` (layer None, inside the function) or the
        entry's arguments of `layer`. Quantized projections are two values."""
        out = []
        for part, t in zip(_LAYER_TENSORS, self.layer_weight_types()):
            value = f"%{part}" if layer is None else f"%blk.{layer}.{part}.weight"
            q = self.layer_quantized(part)
            if q is None:
                out.append((value, t))
            else:
                out += list(zip((value + s for s in _quantized_suffixes(q)),
                                _quantized_types(q)))
        # The rotations the block's weights read (the same arguments in and
        # out of the layer function).
        used = {arg for part in _LAYER_TENSORS
                for q in [self.layer_quantized(part)] if q is not None
                for arg in (_rotation(
                    q, self.m.weights[f"blk.0.{part}.weight"].shape[1]),
                            _hadamard(q))}
        out += sorted(r for r in used if r is not None)
        return out

    def layer_quantized(self, part: str):
        """The QuantizedWeight of `part` shared by every layer (layers =
        "call"), or None when the projection is not quantized."""
        found = [self.quantized.get(f"blk.{layer}.{part}.weight")
                 for layer in range(self.c.num_layers)]
        if all(q is None for q in found):
            return None
        types = {None if q is None else _quantized_types(q) + (
            q.plane_kind, int(getattr(q, "rotation_block", 0) or 0),
            _sub_block(q)) for q in found}
        if len(types) != 1:
            raise ValueError(f"layers='call' needs one quantization of {part} for "
                             "every layer (same planes, group size, plane kind, "
                             "rotation and sub-block codes); "
                             "use layers='inline' for per-layer configurations")
        return found[0]

    def function(self, args: List[str], results: List[str], types: List[str],
                 private: bool = False) -> str:
        self.emit(f"return {', '.join(results)} : {', '.join(types)}")
        signature = ",\n    ".join(args)
        visibility = "private " if private else ""
        return (f"func.func {visibility}@{self.entry}(\n    {signature})\n    -> ("
                + ", ".join(types) + ") {\n" + "\n".join(self.lines) + "\n}\n")

    def call(self, callee: str, operands: List[Tuple[str, str]],
             result_types: List[str]) -> List[str]:
        name = self.fresh()
        count = f":{len(result_types)}" if len(result_types) > 1 else ""
        self.emit(f"{name}{count} = func.call @{callee}("
                  + ", ".join(v for v, _ in operands) + ") : ("
                  + ", ".join(t for _, t in operands) + ") -> ("
                  + ", ".join(result_types) + ")")
        if len(result_types) == 1:
            return [name]
        return [f"{name}#{i}" for i in range(len(result_types))]

    def layer_function(self, name: str, extra: List[Tuple[str, str]], attend,
                       extra_results: List[str], extra_types: List[str]) -> str:
        """The private function of one block shared by every layer (layers
        = "call"): (x, `extra`..., the block's weights) -> (x,
        `extra_results`...). `attend(writer, q, k, v)` writes the attention
        in it and may fill `extra_results`."""
        c, T = self.c, self.T
        writer = _Writer(self.m, name, T, self.C, self.S, self.layers,
                         cache_elt=self.cache_elt)
        xt = _t(T, c.hidden)
        args = [f"%x: {xt}"] + [f"{v}: {t}" for v, t in extra]
        args += [f"{v}: {t}" for v, t in self.layer_weight_args(None)]
        for part in _LAYER_TENSORS:
            q = self.layer_quantized(part)
            if q is not None:
                writer.quantized_values[f"%{part}"] = q
        y = writer.layer("%x", lambda part: f"%{part}",
                         lambda q, k, v: attend(writer, q, k, v))
        return writer.function(args, [y] + extra_results, [xt] + extra_types,
                               private=True)

    def sink(self) -> List[str]:
        c, T, C = self.c, self.T, self.C
        ct = _t(1, c.num_kv_heads, C, c.head_dim, elt=self.cache_elt)
        pt, lt = _t(1, C, elt="i64"), _t(1, elt="i64")
        args = [f"%tokens: {_t(T, elt='i64')} {{bitsink.name = \"tokens\"}}",
                f"%length: {lt} {{bitsink.name = \"length\"}}"]
        for layer in range(c.num_layers):
            args += [f"%k_cache_{layer}: {ct} {{bitsink.name = \"blk.{layer}.k_cache\"}}",
                     f"%v_cache_{layer}: {ct} {{bitsink.name = \"blk.{layer}.v_cache\"}}",
                     f"%positions_{layer}: {pt} {{bitsink.name = \"blk.{layer}.positions\"}}"]
        args += self.weight_args()
        # Every layer appends to its own cache from the same old length:
        # layer 0 updates %length (in place), the others copies made first.
        lengths = ["%length"]
        for _ in range(1, c.num_layers):
            empty = self.empty(lt)
            copy = self.fresh()
            self.emit(f"{copy} = linalg.copy ins(%length : {lt}) outs({empty} : {lt}) -> {lt}")
            lengths.append(copy)
        # The visible length in cache position mode: min(length + T, C).
        kv_len = self.elementwise(
            [("%length", lt, _identity(1))], lt, 1,
            [f"%b_t = arith.constant {T} : i64",
             f"%b_c = arith.constant {C} : i64",
             "%b_n = arith.addi %b_0, %b_t : i64",
             "%b_r = arith.minsi %b_n, %b_c : i64"], "%b_r", out_elt="i64")
        x = self.embed("%tokens", "%token_embd.weight")
        states = []
        functions = []
        if self.layers == "call":
            callee = f"{self.entry}_layer"
            state_args = [("%k_cache", ct), ("%v_cache", ct), ("%positions", pt),
                          ("%length", lt)]
            holder: List[str] = []

            def attend_in(writer, q, k, v):
                out, state = writer.sink_attention(q, k, v, "%kv_len",
                                                   tuple(n for n, _ in state_args))
                holder.extend(state)
                return out

            # The results list is filled while the body is written.
            functions.append(self.layer_function(
                callee, [("%kv_len", lt)] + state_args, attend_in, holder,
                [ct, ct, pt, lt]))
        for layer in range(c.num_layers):
            state = (f"%k_cache_{layer}", f"%v_cache_{layer}", f"%positions_{layer}",
                     lengths[layer])
            if self.layers == "call":
                weights = self.layer_weight_args(layer)
                results = self.call(
                    callee, [(x, _t(T, c.hidden)), (kv_len, lt)]
                    + list(zip(state, [ct, ct, pt, lt])) + weights,
                    [_t(T, c.hidden), ct, ct, pt, lt])
                x, new_state = results[0], tuple(results[1:])
            else:
                found = {}

                def attend(q, k, v, state=state, found=found):
                    out, found["state"] = self.sink_attention(q, k, v, kv_len, state)
                    return out

                x = self.layer(x, lambda part, layer=layer: f"%blk.{layer}.{part}.weight",
                               attend)
                new_state = found["state"]
            states.append(new_state)
        rows = 1 if self.last_logits else T
        logits = self.head(x, rows)
        results = [logits, states[0][3]]
        types = [_t(rows, c.vocab), lt]
        for layer in range(c.num_layers):
            results += list(states[layer][:3])
            types += [ct, ct, pt]
        return functions + [self.function(args, results, types)]

    def textbook(self) -> List[str]:
        c, T = self.c, self.T
        args = [f"%tokens: {_t(T, elt='i64')} {{bitsink.name = \"tokens\"}}"]
        args += self.weight_args()
        x = self.embed("%tokens", "%token_embd.weight")
        functions = []
        if self.layers == "call":
            callee = f"{self.entry}_layer"

            def attend_in(writer, q, k, v):
                tables = writer.rope_tables() if c.rope_dims else None
                return writer.textbook_attention(q, k, v, tables, writer.causal_bias())

            functions.append(self.layer_function(callee, [], attend_in, [], []))
            for layer in range(c.num_layers):
                weights = self.layer_weight_args(layer)
                x = self.call(callee, [(x, _t(T, c.hidden))] + weights,
                              [_t(T, c.hidden)])[0]
        else:
            tables = self.rope_tables() if c.rope_dims else None
            causal = self.causal_bias()
            for layer in range(c.num_layers):
                x = self.layer(x, lambda part, layer=layer: f"%blk.{layer}.{part}.weight",
                               lambda q, k, v: self.textbook_attention(q, k, v, tables,
                                                                       causal))
        logits = self.head(x, T)
        return functions + [self.function(args, [logits], [_t(T, c.vocab)])]
