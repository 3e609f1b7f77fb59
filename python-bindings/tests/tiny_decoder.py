"""A tiny decoder with the entry signature of bitsink.models.llama, for the
tests of bitsink.generate and the in-place call, and for
bench/decoder_cpu/step_vs_capacity.py.

Per layer: q, k, v projections of the residual stream, a StreamingLLM cache
(`cache_append` in cache position mode), `sink_attention` over it (no RoPE),
the output projection added back; then the LM head. Weights are arguments
named with `bitsink.name` and `loc(...)` like the importer's. `reference`
computes the same logits in numpy, densely: a stream over a cache of C slots
with S sinks is causal attention to the first S tokens and the last C - S.

The tokenizer maps characters of ALPHABET to ids 2.. (0 = BOS, 1 = EOS).
"""

from dataclasses import dataclass
from typing import Dict, List, Sequence

import numpy as np

ALPHABET = "abcdefghijklmnopqrstuvwxyz .,!?"


@dataclass(frozen=True)
class TinyConfig:
    num_layers: int = 2
    hidden: int = 32
    num_heads: int = 4
    num_kv_heads: int = 2
    head_dim: int = 8
    vocab: int = 2 + len(ALPHABET)
    bos_id: int = 0
    eos_id: int = 1


def _t(*shape, elt="f32"):
    return "tensor<" + "x".join(str(s) for s in shape) + f"x{elt}>"


class TinyModel:
    def __init__(self, config: TinyConfig = TinyConfig(), seed: int = 0, scale: float = 1.0):
        self.config = c = config
        rng = np.random.default_rng(seed)

        def w(*shape):
            return (rng.standard_normal(shape) * scale / np.sqrt(shape[-1])).astype(np.float32)

        self.weights: Dict[str, np.ndarray] = {"token_embd.weight": w(c.vocab, c.hidden)}
        for layer in range(c.num_layers):
            p = f"blk.{layer}."
            self.weights[p + "attn_q.weight"] = w(c.num_heads * c.head_dim, c.hidden)
            self.weights[p + "attn_k.weight"] = w(c.num_kv_heads * c.head_dim, c.hidden)
            self.weights[p + "attn_v.weight"] = w(c.num_kv_heads * c.head_dim, c.hidden)
            self.weights[p + "attn_output.weight"] = w(c.hidden, c.num_heads * c.head_dim)
        self.weights["output.weight"] = w(c.vocab, c.hidden)
        self.weight_names: List[str] = list(self.weights)

    # Tokenizer.

    def encode(self, text: str, add_bos: bool = True) -> List[int]:
        ids = [2 + ALPHABET.index(ch) for ch in text]
        return ([self.config.bos_id] if add_bos else []) + ids

    def decode(self, ids: Sequence[int]) -> str:
        return "".join(ALPHABET[i - 2] for i in ids if i >= 2)

    # IR.

    def ir(self, entry="decode", *, tokens=1, cache=16, sinks=2, weights="arguments",
           layers="inline", quantized=None, logits="all"):
        """`layers` is accepted for bitsink.Decoder, which passes it: this
        model writes its layers inline whatever it says. `logits`: "all"
        rows or the "last" one, as LlamaModel.ir."""
        assert weights == "arguments" and not quantized
        assert logits in ("all", "last")
        entries = [entry] if isinstance(entry, str) else list(entry)
        return "\n".join(
            self._function(name, 1 if name == "decode" else tokens, cache, sinks,
                           1 if logits == "last" else None)
            for name in entries)

    def _function(self, name, T, C, S, logit_rows=None):
        c = self.config
        hq, hkv, d, h, V = c.num_heads, c.num_kv_heads, c.head_dim, c.hidden, c.vocab
        lines = []
        counter = [0]

        def fresh():
            counter[0] += 1
            return f"%v{counter[0]}"

        def emit(line):
            lines.append("  " + line)

        def linear(x, weight, k, n, rows=T):
            zero, empty, acc, out = fresh(), fresh(), fresh(), fresh()
            emit(f"{zero} = arith.constant 0.0 : f32")
            emit(f"{empty} = tensor.empty() : {_t(rows, n)}")
            emit(f"{acc} = linalg.fill ins({zero} : f32) outs({empty} : {_t(rows, n)}) "
                 f"-> {_t(rows, n)}")
            emit(f"{out} = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, "
                 "affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] "
                 f"ins({x}, {weight} : {_t(rows, k)}, {_t(n, k)}) outs({acc} : "
                 f"{_t(rows, n)}) -> {_t(rows, n)}")
            return out

        def heads(x, count):
            expanded, empty, out = fresh(), fresh(), fresh()
            emit(f"{expanded} = tensor.expand_shape {x} [[0, 1], [2, 3]] output_shape "
                 f"[1, {T}, {count}, {d}] : {_t(T, count * d)} into {_t(1, T, count, d)}")
            emit(f"{empty} = tensor.empty() : {_t(1, count, T, d)}")
            emit(f"{out} = linalg.transpose ins({expanded} : {_t(1, T, count, d)}) "
                 f"outs({empty} : {_t(1, count, T, d)}) permutation = [0, 2, 1, 3]")
            return out

        def unheads(x):
            empty, transposed, out = fresh(), fresh(), fresh()
            emit(f"{empty} = tensor.empty() : {_t(1, T, hq, d)}")
            emit(f"{transposed} = linalg.transpose ins({x} : {_t(1, hq, T, d)}) "
                 f"outs({empty} : {_t(1, T, hq, d)}) permutation = [0, 2, 1, 3]")
            emit(f"{out} = tensor.collapse_shape {transposed} [[0, 1], [2, 3]] : "
                 f"{_t(1, T, hq, d)} into {_t(T, hq * d)}")
            return out

        def add(a, b):
            empty, out = fresh(), fresh()
            emit(f"{empty} = tensor.empty() : {_t(T, h)}")
            emit(f"{out} = linalg.add ins({a}, {b} : {_t(T, h)}, {_t(T, h)}) "
                 f"outs({empty} : {_t(T, h)}) -> {_t(T, h)}")
            return out

        ct, pt, lt = _t(1, hkv, C, d), _t(1, C, elt="i64"), _t(1, elt="i64")
        args = [f"%tokens: {_t(T, elt='i64')} {{bitsink.name = \"tokens\"}}",
                f"%length: {lt} {{bitsink.name = \"length\"}}"]
        for layer in range(c.num_layers):
            args += [f"%k_cache_{layer}: {ct}", f"%v_cache_{layer}: {ct}",
                     f"%positions_{layer}: {pt}"]
        for weight in self.weight_names:
            shape = self.weights[weight].shape
            args.append(f"%{weight}: {_t(*shape)} {{bitsink.name = \"{weight}\"}} "
                        f"loc(\"{weight}\")")
        # Embedding.
        empty, x = fresh(), fresh()
        emit(f"{empty} = tensor.empty() : {_t(T, h)}")
        emit(f"{x} = linalg.generic {{indexing_maps = [affine_map<(t, j) -> (t)>, "
             "affine_map<(t, j) -> (t, j)>], iterator_types = [\"parallel\", \"parallel\"]} "
             f"ins(%tokens : {_t(T, elt='i64')}) outs({empty} : {_t(T, h)}) {{")
        emit("^bb0(%b_id: i64, %b_out: f32):")
        emit("  %b_row = arith.index_cast %b_id : i64 to index")
        emit("  %b_col = linalg.index 1 : index")
        emit(f"  %b_r = tensor.extract %token_embd.weight[%b_row, %b_col] : {_t(V, h)}")
        emit("  linalg.yield %b_r : f32")
        emit(f"}} -> {_t(T, h)}")
        # kv_len = min(length + T, C) (cache position mode).
        empty, kv_len = fresh(), fresh()
        emit(f"{empty} = tensor.empty() : {lt}")
        emit(f"{kv_len} = linalg.generic {{indexing_maps = [affine_map<(i) -> (i)>, "
             "affine_map<(i) -> (i)>], iterator_types = [\"parallel\"]} "
             f"ins(%length : {lt}) outs({empty} : {lt}) {{")
        emit("^bb0(%b_n: i64, %b_out: i64):")
        emit(f"  %b_t = arith.constant {T} : i64")
        emit(f"  %b_c = arith.constant {C} : i64")
        emit("  %b_s = arith.addi %b_n, %b_t : i64")
        emit("  %b_m = arith.minsi %b_s, %b_c : i64")
        emit("  linalg.yield %b_m : i64")
        emit(f"}} -> {lt}")
        # Layer 0 updates %length in place, the others copies made first.
        lengths = ["%length"]
        for _ in range(1, c.num_layers):
            empty, copy = fresh(), fresh()
            emit(f"{empty} = tensor.empty() : {lt}")
            emit(f"{copy} = linalg.copy ins(%length : {lt}) outs({empty} : {lt}) -> {lt}")
            lengths.append(copy)
        states = []
        for layer in range(c.num_layers):
            p = f"%blk.{layer}."
            q = heads(linear(x, p + "attn_q.weight", h, hq * d), hq)
            k = heads(linear(x, p + "attn_k.weight", h, hkv * d), hkv)
            v = heads(linear(x, p + "attn_v.weight", h, hkv * d), hkv)
            nt = _t(1, hkv, T, d)
            appended = fresh()
            emit(f"{appended}:4 = bitsink.cache_append ins({k}, {v} : {nt}, {nt}) "
                 f"outs(%k_cache_{layer}, %v_cache_{layer}, %positions_{layer}, "
                 f"{lengths[layer]} : {ct}, {ct}, {pt}, {lt}) {{num_sinks = {S} : i64, "
                 f"position_mode = #bitsink.position_mode<cache>}} -> {ct}, {ct}, {pt}, {lt}")
            init, att = fresh(), fresh()
            qt = _t(1, hq, T, d)
            emit(f"{init} = tensor.empty() : {qt}")
            emit(f"{att} = bitsink.sink_attention ins({q}, {appended}#0, {appended}#1 : "
                 f"{qt}, {ct}, {ct}) kv_len({kv_len} : {lt}) key_positions({appended}#2 : "
                 f"{pt}) outs({init} : {qt}) {{causal = true}} -> {qt}")
            x = add(x, linear(unheads(att), p + "attn_output.weight", hq * d, h))
            states.append([f"{appended}#{i}" for i in range(4)])
        rows = logit_rows or T
        if rows != T:
            last = fresh()
            emit(f"{last} = tensor.extract_slice {x}[{T - rows}, 0] [{rows}, {h}] "
                 f"[1, 1] : {_t(T, h)} to {_t(rows, h)}")
            x = last
        logits = linear(x, "%output.weight", h, V, rows)
        results = [logits, states[0][3]]
        types = [_t(rows, V), lt]
        for state in states:
            results += state[:3]
            types += [ct, ct, pt]
        emit(f"return {', '.join(results)} : {', '.join(types)}")
        return (f"func.func @{name}({', '.join(args)}) -> ({', '.join(types)}) {{\n"
                + "\n".join(lines) + "\n}\n")

    # Reference.

    def reference(self, ids: Sequence[int], cache: int, sinks: int) -> np.ndarray:
        """Logits [len(ids), vocab] of the stream, densely in float64."""
        c, w = self.config, self.weights
        hq, hkv, d = c.num_heads, c.num_kv_heads, c.head_dim
        n = len(ids)
        x = w["token_embd.weight"][np.asarray(ids)].astype(np.float64)
        t = np.arange(n)
        j = np.arange(n)
        visible = (j[None, :] <= t[:, None]) & (
            (j[None, :] < sinks) | (j[None, :] > t[:, None] - (cache - sinks)))
        for layer in range(c.num_layers):
            p = f"blk.{layer}."
            q = (x @ w[p + "attn_q.weight"].T).reshape(n, hq, d).transpose(1, 0, 2)
            k = (x @ w[p + "attn_k.weight"].T).reshape(n, hkv, d).transpose(1, 0, 2)
            v = (x @ w[p + "attn_v.weight"].T).reshape(n, hkv, d).transpose(1, 0, 2)
            k = np.repeat(k, hq // hkv, axis=0)
            v = np.repeat(v, hq // hkv, axis=0)
            s = q @ k.transpose(0, 2, 1) / np.sqrt(d)
            s = np.where(visible[None], s, -np.inf)
            s = np.exp(s - s.max(-1, keepdims=True))
            s /= s.sum(-1, keepdims=True)
            a = (s @ v).transpose(1, 0, 2).reshape(n, hq * d)
            x = x + a @ w[p + "attn_output.weight"].T
        return x @ w["output.weight"].T
