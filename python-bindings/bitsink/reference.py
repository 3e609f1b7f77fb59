"""Reference semantics of the bitsink ops (naive loops in double precision,
the same code the C++ tests compare against)."""

from __future__ import annotations

from typing import Optional, Sequence, Tuple, Union

import numpy as np

from . import _default_context
from ._bitsink import _reference_sink_attention

__all__ = ["sink_attention"]


def _array(value, dtype, name, ndim):
    array = np.ascontiguousarray(value, dtype=dtype)
    if array.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D, got shape {array.shape}")
    return array


def sink_attention(
    query,
    key,
    value,
    *,
    num_sinks: int = 0,
    window: Union[None, int, Sequence[int]] = None,
    causal: bool = False,
    scale: Optional[float] = None,
    sink_logits=None,
    kv_len=None,
    key_mask=None,
    key_positions=None,
    rope: Optional[Tuple[float, int, str]] = None,
) -> np.ndarray:
    """``bitsink.sink_attention`` (docs/semantics.md §2.1), float64 output.

    query B x Hq x Nq x D, key B x Hkv x Nk x D, value B x Hkv x Nk x Dv
    (float32 or float16). ``window``: None (unbounded), one int for every
    head, or one per query head (negative: unbounded). ``sink_logits`` [Hq],
    ``kv_len`` [B], ``key_mask`` [B, Nk] (bool), ``key_positions`` [B, Nk]
    (-1: empty slot). ``rope``: ``(theta, dims, style)`` with style "half"
    (rotate-half pairs) or "interleaved" (adjacent pairs): q is rotated by its
    position and k by its key position before the dot product.
    """
    rope_args = None
    if rope is not None:
        theta, dims, style = rope
        if style not in ("half", "interleaved"):
            raise ValueError(f"rope style must be 'half' or 'interleaved', got {style!r}")
        rope_args = (float(theta), int(dims), style == "interleaved")
    q = _array(query, np.float32, "query", 4)
    k = _array(key, np.float32, "key", 4)
    v = _array(value, np.float32, "value", 4)
    keep = [q, k, v]

    def optional(x, dtype, name, ndim):
        if x is None:
            return None
        a = _array(x, dtype, name, ndim)
        keep.append(a)
        return (a.dtype.str, tuple(a.shape), a.ctypes.data)

    if window is None:
        windows = []
    elif np.ndim(window) == 0:
        windows = [int(window)]
    else:
        windows = [int(w) for w in window]
    out = np.empty((q.shape[0], q.shape[1], q.shape[2], v.shape[3]), np.float64)
    _reference_sink_attention(
        _default_context(),
        (q.dtype.str, q.shape, q.ctypes.data),
        (k.dtype.str, k.shape, k.ctypes.data),
        (v.dtype.str, v.shape, v.ctypes.data),
        optional(sink_logits, np.float32, "sink_logits", 1),
        optional(kv_len, np.int64, "kv_len", 1),
        optional(key_mask, np.bool_, "key_mask", 2),
        optional(key_positions, np.int64, "key_positions", 2),
        int(num_sinks),
        windows,
        bool(causal),
        None if scale is None else float(scale),
        rope_args,
        out.ctypes.data,
    )
    return out
