"""The bitsink compiler from Python.

* ``compile(module_or_text, pipeline=..., target="cpu")`` lowers IR and
  returns a callable taking and returning numpy arrays.
* ``quantize(weight, method=..., planes=..., group_size=..., calibration=...)``
  runs the bit-plane quantizer (docs/semantics.md §3) and returns the packed
  planes, coefficients and error report.
* ``bitsink.reference.sink_attention(...)`` evaluates the op's semantics
  naively in double precision.
* ``Context`` / ``Module`` parse, transform and print IR.

Every failure raises ``MLIRError`` whose message holds the diagnostics as
``file:line:col: severity: message`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple, Union

import numpy as np

from ._bitsink import Context, MLIRError, Module

__all__ = [
    "Context",
    "Executable",
    "MLIRError",
    "Module",
    "QuantizedWeight",
    "compile",
    "quantize",
    "reference",
]

_TARGETS = ("cpu", "cuda")


def _default_context() -> Context:
    global _CONTEXT
    try:
        return _CONTEXT
    except NameError:
        _CONTEXT = Context()
        return _CONTEXT


def _as_input(array: np.ndarray) -> Tuple[str, Tuple[int, ...], int]:
    return (array.dtype.str, tuple(array.shape), array.ctypes.data)


def _to_numpy(descr: str, shape: Sequence[int], data: bytes) -> np.ndarray:
    return np.frombuffer(bytearray(data), dtype=np.dtype(descr)).reshape(shape)


class Executable:
    """An entry function compiled for a target; call it with numpy arrays.

    ``inputs`` and ``results`` list ``(dtype, shape)`` per tensor. bf16
    tensors are exchanged as float32 arrays (rounded to nearest even on the
    way in). Arrays of another dtype or shape raise ``MLIRError``; inputs
    are converted with ``np.ascontiguousarray`` (no dtype conversion).
    """

    def __init__(self, handle, entry: str, target: str):
        self._handle = handle
        self.entry = entry
        self.target = target

    @property
    def inputs(self):
        return [(np.dtype(d), tuple(s)) for d, s in self._handle.inputs]

    @property
    def results(self):
        return [(np.dtype(d), tuple(s)) for d, s in self._handle.results]

    def __call__(self, *arrays):
        contiguous = [np.ascontiguousarray(a) for a in arrays]
        outputs = self._handle.run([_as_input(a) for a in contiguous])
        results = [_to_numpy(*out) for out in outputs]
        if len(results) == 1:
            return results[0]
        return tuple(results)

    def __repr__(self):
        return f"<bitsink.Executable {self.entry!r} on {self.target}>"


def compile(
    module_or_text: Union[str, Module],
    pipeline: Optional[str] = None,
    target: str = "cpu",
    entry: str = "main",
    context: Optional[Context] = None,
    cpu: Optional[str] = None,
) -> Executable:
    """Lowers IR (text or a ``Module``, which is not changed) with
    ``pipeline`` (default: the target's pipeline, ``bitsink-cpu-pipeline``)
    and compiles ``entry`` for ``target``.

    ``pipeline`` is a textual pass pipeline, e.g.
    ``"bitsink-cpu-pipeline{openmp=false}"`` or
    ``"builtin.module(bitsink-sparsify-attention{window=64},bitsink-cpu-pipeline)"``.
    ``cpu`` (target ``"cpu"`` only) names the CPU model to compile for
    instead of the host's: ``"generic"`` x86-64 or an LLVM CPU name such as
    ``"x86-64-v3"`` (its code must run here), as ``bitsink-run --cpu``.
    """
    if target not in _TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {_TARGETS}")
    if cpu is not None and target != "cpu":
        raise ValueError("cpu= applies to target 'cpu' only")
    if isinstance(module_or_text, Module):
        module = module_or_text
    elif isinstance(module_or_text, str):
        module = (context or _default_context()).parse(module_or_text)
    else:
        raise TypeError("compile() takes IR text or a bitsink.Module")
    handle = module._compile(entry, pipeline or "", target, cpu or "")
    return Executable(handle, entry, target)


@dataclass
class QuantizedWeight:
    """Packed bit-plane weight (canonical layout, docs/semantics.md §2.3).

    ``planes``: uint32 [P, ceil(K/32), N]; ``coefficients``: float32
    [G, C, N]; ``dequantized``: float32 [K, N]; ``rel_error`` is
    ‖X(W−Ŵ)‖/‖XW‖ with calibration data, else ‖W−Ŵ‖/‖W‖.
    """

    planes: np.ndarray
    coefficients: np.ndarray
    dequantized: np.ndarray
    plane_kind: str
    group_size: int
    rel_error: float
    weight_rel_error: float
    bits_per_weight: float
    damp: float
    rtn_columns: int

    def dequantize(self) -> np.ndarray:
        return self.dequantized


def quantize(
    weight,
    method: str = "bpdq",
    planes: int = 2,
    group_size: int = 128,
    calibration=None,
    iterations: Optional[int] = None,
    damp: Optional[float] = None,
    act_order: bool = False,
    f16_coefficients: bool = True,
    context: Optional[Context] = None,
) -> QuantizedWeight:
    """Quantizes ``weight`` (K x N: ``y = x @ weight``) to ``planes``
    bit-planes with ``method`` in {"rtn", "bpdq", "trit"}.

    ``calibration``: optional activations (T x K) defining the Hessian metric.
    ``group_size``: rows per coefficient group (a multiple of 32), or 0 for
    one group per column.
    """
    w = np.ascontiguousarray(weight, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"weight must be 2-D (K x N), got shape {w.shape}")
    x_address, t = 0, 0
    if calibration is not None:
        x = np.ascontiguousarray(calibration, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != w.shape[0]:
            raise ValueError(
                f"calibration must be T x K = T x {w.shape[0]}, got shape {x.shape}"
            )
        x_address, t = x.ctypes.data, x.shape[0]
    out = _bitsink_quantize(
        context or _default_context(),
        w.ctypes.data,
        w.shape[0],
        w.shape[1],
        x_address,
        t,
        method,
        planes,
        group_size,
        iterations or 0,
        -1.0 if damp is None else damp,
        act_order,
        f16_coefficients,
    )
    arrays = {k: _to_numpy(*out[k]) for k in ("planes", "coefficients", "dequantized")}
    scalars = {k: v for k, v in out.items() if k not in arrays}
    return QuantizedWeight(**arrays, **scalars)


from ._bitsink import _quantize as _bitsink_quantize  # noqa: E402
from . import reference  # noqa: E402
