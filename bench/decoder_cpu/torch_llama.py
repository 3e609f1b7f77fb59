"""SmolLM2 (Llama) in PyTorch eager fp32 from the GGUF's dequantized weights:
the PyTorch peer of bench/decoder_cpu and an independent check of bitsink's
logits (same weights, written from the Llama definition, not from bitsink).

The GGUF stores attn_q / attn_k rows permuted (llama.cpp's converter) so that
RoPE rotates the interleaved pairs (2m, 2m+1) of each head; this model does
exactly that, on the GGUF's rows as they are. The output projection is tied
to token_embd (the GGUF has no output.weight)."""

import numpy as np
import torch
import torch.nn.functional as F


def gguf_config(reader):
    def scalar(key):
        field = reader.fields[key]
        return field.parts[field.data[0]][0].item()

    arch = "llama"
    cfg = dict(
        layers=int(scalar(f"{arch}.block_count")),
        dim=int(scalar(f"{arch}.embedding_length")),
        ffn=int(scalar(f"{arch}.feed_forward_length")),
        heads=int(scalar(f"{arch}.attention.head_count")),
        kv_heads=int(scalar(f"{arch}.attention.head_count_kv")),
        theta=float(scalar(f"{arch}.rope.freq_base")),
        eps=float(scalar(f"{arch}.attention.layer_norm_rms_epsilon")),
        context=int(scalar(f"{arch}.context_length")),
    )
    cfg["head_dim"] = cfg["dim"] // cfg["heads"]
    return cfg


def gguf_weights(path):
    """{name: float32 array} of every tensor, dequantized with gguf.quants
    (rows = output features, as torch.nn.Linear stores them)."""
    from gguf import GGUFReader
    from gguf.quants import dequantize
    reader = GGUFReader(path)
    out = {}
    for t in reader.tensors:
        arr = dequantize(t.data, t.tensor_type).astype(np.float32)
        out[t.name] = arr.reshape([int(x) for x in reversed(t.shape)])
    return gguf_config(reader), out


class TorchLlama:
    def __init__(self, path):
        cfg, w = gguf_weights(path)
        self.cfg = cfg
        t = lambda a: torch.from_numpy(np.ascontiguousarray(a))
        self.embd = t(w["token_embd.weight"])
        self.out = self.embd  # tied
        self.norm = t(w["output_norm.weight"])
        self.layers = []
        for i in range(cfg["layers"]):
            p = f"blk.{i}."
            self.layers.append({k: t(w[p + k + ".weight"]) for k in (
                "attn_norm", "attn_q", "attn_k", "attn_v", "attn_output",
                "ffn_norm", "ffn_gate", "ffn_up", "ffn_down")})
        d = cfg["head_dim"]
        self.inv_freq = cfg["theta"] ** (
            -torch.arange(0, d, 2, dtype=torch.float64) / d)
        self.reset()

    def reset(self):
        self.k_cache = [None] * self.cfg["layers"]
        self.v_cache = [None] * self.cfg["layers"]
        self.pos = 0

    def _rms(self, x, w):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True)
                               + self.cfg["eps"]) * w

    def _rope(self, x, pos):
        # x: [T, H, D]; rotate pairs (2m, 2m+1) by pos * inv_freq[m].
        ang = (pos[:, None].double() * self.inv_freq[None, :]).float()
        cos, sin = ang.cos()[:, None, :], ang.sin()[:, None, :]
        a, b = x[..., 0::2], x[..., 1::2]
        return torch.stack((a * cos - b * sin, a * sin + b * cos),
                           dim=-1).flatten(-2)

    @torch.inference_mode()
    def forward(self, ids, all_logits=True):
        """Appends `ids` to the KV cache (full causal attention over
        everything seen since reset) and returns the logits [T, vocab] (or
        of the last token only)."""
        cfg = self.cfg
        H, Hkv, D = cfg["heads"], cfg["kv_heads"], cfg["head_dim"]
        ids = torch.as_tensor(ids, dtype=torch.long)
        T = ids.numel()
        pos = torch.arange(self.pos, self.pos + T)
        x = self.embd[ids]
        for i, L in enumerate(self.layers):
            h = self._rms(x, L["attn_norm"])
            q = self._rope((h @ L["attn_q"].T).view(T, H, D), pos)
            k = self._rope((h @ L["attn_k"].T).view(T, Hkv, D), pos)
            v = (h @ L["attn_v"].T).view(T, Hkv, D)
            if self.k_cache[i] is not None:
                k = torch.cat((self.k_cache[i], k))
                v = torch.cat((self.v_cache[i], v))
            self.k_cache[i], self.v_cache[i] = k, v
            qh = q.transpose(0, 1)[None]               # [1, H, T, D]
            kh = k.transpose(0, 1)[None]               # [1, Hkv, N, D]
            vh = v.transpose(0, 1)[None]
            N = kh.shape[2]
            if T == 1:
                mask = None
            else:
                # query t sees keys 0 .. N - T + t
                mask = (torch.arange(N)[None, :]
                        <= torch.arange(N - T, N)[:, None])
            o = F.scaled_dot_product_attention(qh, kh, vh, attn_mask=mask,
                                               enable_gqa=True)
            x = x + o[0].transpose(0, 1).reshape(T, H * D) @ L["attn_output"].T
            h = self._rms(x, L["ffn_norm"])
            x = x + (F.silu(h @ L["ffn_gate"].T) * (h @ L["ffn_up"].T)) \
                @ L["ffn_down"].T
        self.pos += T
        if not all_logits:
            x = x[-1:]
        return self._rms(x, self.norm) @ self.out.T
