"""IR text and input rounding shared by the attention tests."""

import numpy as np


def attention_ir(b, hq, hkv, nq, nk, d, dtype, attrs, sinks=False,
                 kv_len=False, mask=False, positions=False):
    """`@main` with one `bitsink.sink_attention` (D = Dv) and the optional
    operands asked for, in the op's order: q, k, v, [sink_logits], [kv_len],
    [key_mask], [key_positions]."""
    q, k = f"tensor<{b}x{hq}x{nq}x{d}x{dtype}>", f"tensor<{b}x{hkv}x{nk}x{d}x{dtype}>"
    args, extra = f"%q: {q}, %k: {k}, %v: {k}", ""
    if sinks:
        args += f", %s: tensor<{hq}xf32>"
        extra += f" sink_logits(%s : tensor<{hq}xf32>)"
    if kv_len:
        args += f", %len: tensor<{b}xi64>"
        extra += f" kv_len(%len : tensor<{b}xi64>)"
    if mask:
        args += f", %m: tensor<{b}x{nk}xi1>"
        extra += f" key_mask(%m : tensor<{b}x{nk}xi1>)"
    if positions:
        args += f", %pos: tensor<{b}x{nk}xi64>"
        extra += f" key_positions(%pos : tensor<{b}x{nk}xi64>)"
    return f"""
func.func @main({args}) -> {q} {{
  %init = tensor.empty() : {q}
  %o = bitsink.sink_attention ins(%q, %k, %v : {q}, {k}, {k}){extra} outs(%init : {q}) {{{attrs}}} -> {q}
  return %o : {q}
}}"""


def round_bf16(x):
    """float32 values rounded to bf16 (nearest even); NaN and Inf kept."""
    x = np.asarray(x)
    bits = x.astype(np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    out = bits.astype(np.uint32).view(np.float32)
    return np.where(np.isfinite(x), out, x.astype(np.float32))
