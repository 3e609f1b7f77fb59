"""IR text and input rounding shared by the attention tests."""

import numpy as np


def attention_ir(b, hq, hkv, nq, nk, d, dtype, attrs, sinks=False,
                 kv_len=False, mask=False, positions=False):
    """`@main` with one `bitsink.sink_attention` (D = Dv) and the optional
    operands asked for, in the op's order: q, k, v, [sink_logits], [kv_len],
    [key_mask], [key_positions]."""
    q, k = f"tensor<{b}x{hq}x{nq}x{d}x{dtype}>", f"tensor<{b}x{hkv}x{nk}x{d}x{dtype}>"
    args, extra = f"%q: {q}, %k: {k}, %v: {k}", ""
    optional = [(sinks, "s", "sink_logits", f"tensor<{hq}xf32>"),
                (kv_len, "len", "kv_len", f"tensor<{b}xi64>"),
                (mask, "m", "key_mask", f"tensor<{b}x{nk}xi1>"),
                (positions, "pos", "key_positions", f"tensor<{b}x{nk}xi64>")]
    for wanted, name, keyword, type_ in optional:
        if wanted:
            args += f", %{name}: {type_}"
            extra += f" {keyword}(%{name} : {type_})"
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
