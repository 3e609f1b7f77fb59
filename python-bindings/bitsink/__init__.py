"""The bitsink compiler from Python.

* ``compile(module_or_text, pipeline=..., target="cpu")`` lowers IR and
  returns a callable taking and returning numpy arrays.
* ``quantize(weight, method=..., planes=..., group_size=..., calibration=...)``
  runs the bit-plane quantizer (docs/semantics.md §3) and returns the packed
  planes, coefficients and error report; ``calibration_hessian=`` takes the
  calibration as its Hessian instead, e.g. from a ``HessianAccumulator``
  fed batch by batch.
* ``bitsink.reference.sink_attention(...)`` evaluates the op's semantics
  naively in double precision.
* ``Context`` / ``Module`` parse, transform and print IR;
  ``Module.bind_arguments`` turns entry arguments into ``dense_resource``
  constants backed by numpy data (no text).
* ``Executable.call_inplace(*arrays)`` calls an entry on the caller's arrays
  without copying them: results the entry updates in place (KV caches) stay
  in those arrays; ``Executable.bind_inplace(*arrays)`` checks and binds
  them once and returns a ``BoundCall`` for repeated calls (a decoder step).
* ``compile(..., profile=True)`` times every kernel: ``Executable.profile()``
  lists (label, calls, ms) per kernel, ``print_profile()`` prints the table
  of ``bitsink-run --profile`` (docs/profiling.md).
* ``Decoder`` / ``generate`` (``bitsink.generate``, loaded on first use)
  stream tokens from a decoder model with caches that stay in place.

Every failure raises ``MLIRError`` whose message holds the diagnostics as
``file:line:col: severity: message`` lines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, NamedTuple, Optional, Sequence, Tuple, Union

import numpy as np

from ._bitsink import Context, MLIRError, Module

__all__ = [
    "BoundCall",
    "Context",
    "Decoder",
    "Executable",
    "GenerationResult",
    "HessianAccumulator",
    "KernelTime",
    "MLIRError",
    "Module",
    "QuantizedWeight",
    "block_planes",
    "compile",
    "generate",
    "quantize",
    "reference",
]

# Loaded on first use, so that `import bitsink` stays light. `generate` is
# the module bitsink/generate.py, which calls its function `generate` when
# called.
_LAZY = {
    "Decoder": "generate",
    "GenerationResult": "generate",
    "generate": "generate",
}


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bitsink' has no attribute {name!r}")
    import importlib

    loaded = importlib.import_module(f".{module}", __name__)
    value = loaded if name == module else getattr(loaded, name)
    globals()[name] = value
    return value

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


class KernelTime(NamedTuple):
    """One kernel of a profile: its label (op, kind, shape, element type,
    source location), how many times it ran and the milliseconds it took in
    all, over the calls since the profile was last reset."""

    label: str
    calls: int
    ms: float


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

    @property
    def result_aliases(self):
        """Per result: the index of the input the entry updates in place and
        returns as this result (``bitsink.result_aliases``), or -1."""
        return list(self._handle.result_aliases)

    def __call__(self, *arrays):
        contiguous = [np.ascontiguousarray(a) for a in arrays]
        outputs = self._handle.run([_as_input(a) for a in contiguous])
        results = [_to_numpy(*out) for out in outputs]
        if len(results) == 1:
            return results[0]
        return tuple(results)

    def call_inplace(self, *arrays):
        """Calls the entry on ``arrays`` themselves, without copying them.

        Each array must be a C-contiguous, aligned ``numpy.ndarray`` of
        exactly the input's dtype and shape (no conversion; bf16 inputs
        cannot be passed this way), and writeable when a result aliases it
        (``result_aliases``). On target ``"cpu"`` the arrays are the entry's
        memory: a result the entry updates in place (a KV cache) is left in
        its input array, not returned, and the entry may write into any
        input it updates in place. Returns the other results, copied as by
        ``__call__``: one array, a tuple, or ``None`` when every result
        aliases an input. On ``"cuda"`` the inputs are copied to the device
        and the aliased results copied back into their arrays. A wrong
        array raises ``MLIRError`` naming the argument.
        """
        self._check_inplace(arrays)
        return _results(self._handle.run_in_place([_as_input(a) for a in arrays]))

    def bind_inplace(self, *arrays) -> "BoundCall":
        """``call_inplace`` with its arrays bound once: returns a
        ``BoundCall`` whose ``()`` calls the entry on the same arrays.

        The arrays are checked here, as by ``call_inplace``, and their
        addresses taken once; each call then passes them without another
        check or conversion (a decoder step has hundreds of weight and
        cache arguments). Change the arrays' contents between calls, never
        the arrays: the BoundCall holds them, so they live as long as it.
        """
        self._check_inplace(arrays)
        return BoundCall(self, arrays)

    def _check_inplace(self, arrays):
        specs = self.inputs
        if len(arrays) != len(specs):
            raise MLIRError(
                f"error: the entry takes {len(specs)} arguments, got "
                f"{len(arrays)} inputs\n"
            )
        aliased = {a for a in self._handle.result_aliases if a >= 0}
        for i, (array, (dtype, shape)) in enumerate(zip(arrays, specs)):
            what = f"argument {i} ({dtype.name}{list(shape)})"
            problem = None
            if not isinstance(array, np.ndarray):
                problem = f"expected a numpy.ndarray, got {type(array).__name__}"
            elif array.dtype != dtype:
                problem = (
                    f"expected dtype {dtype.name}, got {array.dtype.name} "
                    "(in-place calls do not convert)"
                )
            elif tuple(array.shape) != shape:
                problem = f"expected shape {shape}, got {tuple(array.shape)}"
            elif not array.flags.c_contiguous:
                problem = "the array is not C-contiguous"
            elif not array.flags.aligned:
                problem = "the array is not aligned"
            elif i in aliased and not array.flags.writeable:
                problem = "the array is read-only but the entry updates it in place"
            if problem:
                raise MLIRError(f"error: {what}: {problem}\n")

    def _profile_or_raise(self):
        profile = self._handle.profile()
        if profile is None:
            raise ValueError(
                f"{self!r} was compiled without profiling; compile it with "
                "bitsink.compile(..., profile=True)"
            )
        return profile

    def profile(self) -> List[KernelTime]:
        """Time per kernel since the executable was compiled or
        ``reset_profile()`` was called, the slowest first: one
        ``KernelTime(label, calls, ms)`` per kernel, ``ms`` summed over
        ``calls``. Needs ``compile(..., profile=True)``; raises
        ``ValueError`` otherwise."""
        _, _, kernels = self._profile_or_raise()
        return [KernelTime(label, runs, ms) for label, _, runs, ms in kernels]

    def profile_total(self) -> Tuple[int, float]:
        """``(calls, ms)``: the calls of the entry that the profile holds
        and their summed time, measured around each call (kernels plus
        what runs between them)."""
        calls, ms, _ = self._profile_or_raise()
        return calls, ms

    def profile_table(self, max_rows: Optional[int] = None) -> str:
        """The profile as ``bitsink-run --profile`` prints it: ms per call
        of the entry and share of its time per kernel, the slowest first,
        then the time in no kernel and the total. ``max_rows`` keeps that
        many kernel rows and sums the others in one row."""
        self._profile_or_raise()
        return self._handle.profile_table(max_rows or 0)

    def print_profile(self, max_rows: Optional[int] = None, file=None) -> None:
        """Prints ``profile_table(max_rows)`` (to ``file``, default
        stdout)."""
        print(self.profile_table(max_rows), end="", file=file)

    def reset_profile(self) -> None:
        """Clears the profile, e.g. after a warm-up call."""
        self._profile_or_raise()
        self._handle.reset_profile()

    def __repr__(self):
        return f"<bitsink.Executable {self.entry!r} on {self.target}>"


class BoundCall:
    """An entry and the arrays of an in-place call, bound by
    ``Executable.bind_inplace``. ``bound()`` calls the entry on them and
    returns what ``call_inplace`` would."""

    def __init__(self, executable: Executable, arrays):
        self.executable = executable
        self.arrays = tuple(arrays)
        self._bound = executable._handle.bind_in_place(
            [_as_input(a) for a in self.arrays])

    def __call__(self):
        return _results(self._bound.run())


def _results(outputs):
    results = [_to_numpy(*out) for out in outputs]
    if not results:
        return None
    if len(results) == 1:
        return results[0]
    return tuple(results)


def compile(
    module_or_text: Union[str, Module],
    pipeline: Optional[str] = None,
    target: str = "cpu",
    entry: str = "main",
    context: Optional[Context] = None,
    cpu: Optional[str] = None,
    profile: bool = False,
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
    ``profile=True`` (target ``"cpu"`` only) times every kernel, as
    ``bitsink-run --profile``: each ``bitsink-cpu-pipeline`` in the pipeline
    gets ``profile=true``, and the executable's ``profile()``,
    ``print_profile()`` and ``reset_profile()`` read and clear the times
    (docs/profiling.md).
    """
    if target not in _TARGETS:
        raise ValueError(f"unknown target {target!r}; expected one of {_TARGETS}")
    if cpu is not None and target != "cpu":
        raise ValueError("cpu= applies to target 'cpu' only")
    if profile and target != "cpu":
        raise ValueError(
            f"profile=True applies to target 'cpu' only: the {target!r} "
            "executable has no kernel profiler (time its calls instead)"
        )
    if isinstance(module_or_text, Module):
        module = module_or_text
    elif isinstance(module_or_text, str):
        module = (context or _default_context()).parse(module_or_text)
    else:
        raise TypeError("compile() takes IR text or a bitsink.Module")
    handle = module._compile(entry, pipeline or "", target, cpu or "", bool(profile))
    return Executable(handle, entry, target)


def _module_bind_arguments(self, entry, arrays):
    """Replaces arguments of the function ``entry`` by constants holding
    numpy data: ``arith.constant dense_resource<...>`` with an MLIR-owned
    copy of each array (no text), which compiles like the argument did and
    which ``bitsink-quantize-weights`` can quantize.

    ``arrays`` maps an argument (its index, or its name: see
    ``argument_names``) to an array of exactly its shape and dtype (float32
    for bf16 tensors). A named argument's constant carries the name as its
    ``bitsink.name`` attribute and blob key, the key of its calibration
    array. The bound arguments are removed from the entry's signature, so
    the later ones move up. Raises ``MLIRError`` (the module unchanged) if
    an array does not fit or an argument is unknown.
    """
    names = self.argument_names(entry)
    indices = []
    for key in arrays:
        if isinstance(key, (int, np.integer)):
            indices.append(int(key))
            continue
        matches = [i for i, name in enumerate(names) if name == key]
        if len(matches) != 1:
            raise MLIRError(
                f"error: {len(matches) or 'no'} arguments of '{entry}' are "
                f"named {key!r}\n"
            )
        indices.append(matches[0])
    contiguous = [np.ascontiguousarray(a) for a in arrays.values()]
    self._bind_arguments(entry, indices, [_as_input(a) for a in contiguous])


Module.bind_arguments = _module_bind_arguments


@dataclass
class QuantizedWeight:
    """Packed bit-plane weight (canonical layout, docs/semantics.md §2.3).

    ``planes``: uint32 [P, ceil(K/32), N]; ``coefficients``: float32
    [G, C, N]; ``dequantized``: float32 [K, N]; ``rel_error`` is
    ‖X(W−Ŵ)‖/‖XW‖ on the calibration rows with calibration data, else
    ‖W−Ŵ‖/‖W‖; ``heldout_rel_error`` is ‖X(W−Ŵ)‖/‖XW‖ on the held-out rows
    (None without them); ``bits_per_weight`` counts everything stored.
    With ``rotation_block`` > 0 the planes and coefficients hold RᵀW for the
    rotation R of ``quantize(rotation=)`` (``rotation_signs``: its K signs)
    and the input must go through ``rotate_input`` first; ``dequantized``
    is R times their weight, in the basis of the weight given.
    With ``sub_block`` S > 0 (``quantize(sub_block=)``), ``scales`` (uint32
    [ceil(ceil(K/S)/8), N]) holds a 4-bit code q per S rows and column, in
    nibble j of word w for sub-block 8w + j; the weight of those rows is
    (q + 1)/16 times the grid value (docs/semantics.md §2.3).
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
    heldout_rel_error: Optional[float] = None
    rotation_block: int = 0
    rotation_signs: Optional[np.ndarray] = None
    scales: Optional[np.ndarray] = None
    sub_block: int = 0

    def dequantize(self) -> np.ndarray:
        return self.dequantized

    def rotate_input(self, x) -> np.ndarray:
        """x·R (x: ... x K), what the packed weight multiplies: x @
        dequantized == rotate_input(x) @ (the packed weight) up to rounding.
        The identity without a rotation."""
        x = np.asarray(x, dtype=np.float32)
        if not self.rotation_block:
            return x.copy()
        return rotate_rows(x, self.rotation_signs, self.rotation_block)


def hadamard_matrix(block: int) -> np.ndarray:
    """The block x block Walsh–Hadamard matrix over √block (Sylvester's
    construction; symmetric and orthogonal), float64."""
    if block < 1 or block & (block - 1):
        raise ValueError(f"block must be a power of two, got {block}")
    h = np.ones((1, 1))
    while h.shape[0] < block:
        h = np.block([[h, h], [h, -h]])
    return h / np.sqrt(block)


def _rotation_signs(signs, k: int, block: int, what: str) -> np.ndarray:
    """`signs` as float64, checked to be K of them in whole blocks."""
    signs = np.asarray(signs, dtype=np.float64)
    if signs.shape != (k,) or k % block:
        raise ValueError(f"{k} {what} do not fit {signs.shape[0]} signs in "
                         f"blocks of {block}")
    return signs


def rotate_rows(x, signs, block: int) -> np.ndarray:
    """x·R for R = diag(signs)·blockdiag(H_block, …) (x: ... x K), in
    float64 and returned as float32: the rotation of ``quantize(rotation=)``
    given its ``rotation_signs`` and ``rotation_block``."""
    x = np.asarray(x, dtype=np.float64)
    k = x.shape[-1]
    signs = _rotation_signs(signs, k, block, "input features")
    y = (x * signs).reshape(*x.shape[:-1], k // block, block)
    return (y @ hadamard_matrix(block)).reshape(x.shape).astype(np.float32)


def unrotate_weight(w, signs, block: int) -> np.ndarray:
    """R·w (w: K x N) for R = diag(signs)·blockdiag(H_block, …): a
    weight packed by ``quantize(rotation=)`` back in its input's basis
    (what ``QuantizedWeight.dequantized`` holds), float32."""
    w = np.asarray(w, dtype=np.float64)
    k = w.shape[0]
    signs = _rotation_signs(signs, k, block, "rows")
    blocks = w.reshape(k // block, block, -1)
    y = np.einsum("lj,ijn->iln", hadamard_matrix(block), blocks)
    return (y.reshape(w.shape) * signs[:, None]).astype(np.float32)


def block_planes(planes, n_tile: int = 16, k_tile: int = 4) -> np.ndarray:
    """Canonical planes (P x KW x N, int32 or uint32) in the blocked layout
    ``#bitsink.layout<n_tile = n_tile, k_tile = k_tile>`` (docs/semantics.md
    §2.3): ``out[nb, kb, p, w, nn] = planes[p, kb·k_tile + w,
    nb·n_tile + nn]``, zero padded to whole blocks, of shape ceil(N/n_tile)
    x ceil(KW/k_tile) x P x k_tile x n_tile. What ``bitsink-block-planes``
    does to constant planes, for planes passed as arguments to an entry
    whose ``bitplane_matmul`` carries that layout."""
    planes = np.asarray(planes)
    if planes.ndim != 3 or planes.dtype not in (np.int32, np.uint32):
        raise ValueError("block_planes expects canonical P x KW x N int32 "
                         f"planes, got {planes.dtype} of shape "
                         f"{planes.shape}")
    if n_tile < 1 or k_tile < 1:
        raise ValueError("block_planes expects n_tile and k_tile of at "
                         f"least 1, got n_tile={n_tile} k_tile={k_tile}")
    p, kw, n = planes.shape
    nb, kb = -(-n // n_tile), -(-kw // k_tile)
    padded = np.zeros((p, kb * k_tile, nb * n_tile), dtype=planes.dtype)
    padded[:, :kw, :n] = planes
    blocked = padded.reshape(p, kb, k_tile, nb, n_tile).transpose(3, 1, 0, 2,
                                                                  4)
    return np.ascontiguousarray(blocked)


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
    threads: Optional[int] = None,
    heldout=None,
    heldout_hessian=None,
    calibration_hessian=None,
    rtn_search: bool = True,
    rotation: int = 0,
    rotation_seed: int = 0,
    sub_block: int = 0,
) -> QuantizedWeight:
    """Quantizes ``weight`` (K x N: ``y = x @ weight``) to ``planes``
    bit-planes with ``method`` in {"rtn", "bpdq", "trit"}.

    ``calibration``: optional activations (T x K) defining the Hessian metric.
    ``calibration_hessian``: their Hessian instead (K x K, symmetric, XᵀX at
    any scale), for calibration sets too large to keep: accumulate it over
    batches with ``HessianAccumulator``. With the accumulator's XᵀX/T of
    the rows X (or that times a power of two) the planes and coefficients
    are bit-identical to ``calibration=X``; ``rel_error`` too, except with
    at most K/2 rows, where the rows give it more precisely. At most one of
    the two; a wrong shape or a non-finite, non-symmetric or
    negative-diagonal Hessian raises ValueError.
    ``group_size``: rows per coefficient group (a multiple of 32), or 0 for
    one group per column. ``iterations``: bpdq refit / assignment rounds
    (trit: scale-fit rounds); None: by layer size, 8, or 2 rounds and 6
    last refit sweeps on layers with at least 32 groups per column
    (docs/quantizer.md). ``threads``: worker threads (None or 0: all
    hardware threads); the result is bit-identical for any count.
    ``heldout``: optional activations (T' x K) the quantizer does not fit
    to, or ``heldout_hessian`` (K x K, their XᵀX at any scale): the result's
    ``heldout_rel_error`` is the relative output error on them, beside
    ``rel_error`` on the calibration rows.
    ``rtn_search``: rtn (and bpdq's rtn candidate) searches each group's
    uniform grid, never worse than the plain min-max grid in squared weight
    error; False keeps the plain min-max grid (docs/quantizer.md, rtn).
    ``rotation``: 0, or a power of two b: quantize RᵀW instead of W, R =
    diag(s)·blockdiag(H_b', …) with H_b' the Walsh–Hadamard matrix of the
    largest power of two b' <= b dividing K and signs s drawn from
    ``rotation_seed`` (docs/quantizer.md, "Rotation"); errors are those of
    x·W against rotate_input(x)·(packed weight), the same numbers in either
    basis.
    ``sub_block``: 0, or 8, 16 or 32: a 4-bit scale code per that many rows
    and column that multiplies the group's grid by (q + 1)/16, chosen with
    the planes (bpdq and trit, without act_order; docs/quantizer.md,
    "Sub-block scale codes").
    """
    w = np.ascontiguousarray(weight, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"weight must be 2-D (K x N), got shape {w.shape}")
    x_address, t, hc_address = 0, 0, 0
    if calibration is not None and calibration_hessian is not None:
        raise ValueError(
            "give calibration (the rows) or calibration_hessian (their "
            "Hessian), not both"
        )
    if calibration_hessian is not None:
        hc = _checked_hessian(
            calibration_hessian, w.shape[0], "calibration_hessian", context
        )
        hc_address = hc.ctypes.data
    if calibration is not None:
        x = np.ascontiguousarray(calibration, dtype=np.float32)
        if x.ndim != 2 or x.shape[1] != w.shape[0]:
            raise ValueError(
                f"calibration must be T x K = T x {w.shape[0]}, got shape {x.shape}"
            )
        x_address, t = x.ctypes.data, x.shape[0]
    h_address, h_rows, hh_address = 0, 0, 0
    if heldout is not None:
        h = np.ascontiguousarray(heldout, dtype=np.float32)
        if h.ndim != 2 or h.shape[1] != w.shape[0] or h.shape[0] == 0:
            raise ValueError(
                f"heldout must be T x K = T x {w.shape[0]} with T > 0, "
                f"got shape {h.shape}"
            )
        h_address, h_rows = h.ctypes.data, h.shape[0]
    elif heldout_hessian is not None:
        hh = np.ascontiguousarray(heldout_hessian, dtype=np.float64)
        if hh.shape != (w.shape[0], w.shape[0]):
            raise ValueError(
                f"heldout_hessian must be K x K = {w.shape[0]} x {w.shape[0]}, "
                f"got shape {hh.shape}"
            )
        hh_address = hh.ctypes.data
    out = _bitsink_quantize(
        context or _default_context(),
        w.ctypes.data,
        w.shape[0],
        w.shape[1],
        x_address,
        t,
        hc_address,
        h_address,
        h_rows,
        hh_address,
        method,
        planes,
        group_size,
        iterations or 0,
        -1.0 if damp is None else damp,
        act_order,
        f16_coefficients,
        0 if threads is None else threads,
        rtn_search,
        rotation,
        rotation_seed,
        sub_block,
    )
    return _quantized_weight(out)


def _quantized_weight(fields) -> QuantizedWeight:
    """A QuantizedWeight from the native module's fields."""
    arrays = {k: _to_numpy(*fields[k])
              for k in ("planes", "coefficients", "dequantized", "rotation_signs",
                        "scales")}
    if not fields["rotation_block"]:
        arrays["rotation_signs"] = None
    if not fields["sub_block"]:
        arrays["scales"] = None
    scalars = {k: v for k, v in fields.items() if k not in arrays}
    return QuantizedWeight(**arrays, **scalars)


def _checked_hessian(hessian, k: int, what: str, context=None) -> np.ndarray:
    """``hessian`` as a contiguous K x K float64 array, checked by the
    library (finite, symmetric, non-negative diagonal); ValueError
    otherwise."""
    h = np.ascontiguousarray(hessian, dtype=np.float64)
    if h.shape != (k, k):
        raise ValueError(f"{what} must be K x K = {k} x {k}, got shape {h.shape}")
    try:
        _bitsink_check_hessian(context or _default_context(), h.ctypes.data, k, what)
    except MLIRError as e:
        raise ValueError(str(e).strip().removeprefix("error: ")) from None
    return h


class HessianAccumulator:
    """The calibration Hessian XᵀX/T of activation rows given in batches,
    without keeping them (K² doubles and at most 256 pending rows): the
    quantizer library's accumulator, the one ``quantize(calibration=X)`` and
    ``bitsink-quantize-weights`` use (docs/quantizer.md, "Hessians from
    batches"). The result depends only on the rows in order, not on how
    they were split into batches or on ``threads``.

        acc = bitsink.HessianAccumulator(K)
        for x in batches:            # each (..., K)
            acc.add(x)
        q = bitsink.quantize(w, calibration_hessian=acc.hessian)
    """

    def __init__(self, k: int, threads: Optional[int] = None,
                 context: Optional[Context] = None):
        self._handle = _BitsinkHessianAccumulator(
            context or _default_context(), int(k), 0 if threads is None else threads
        )

    @property
    def k(self) -> int:
        return self._handle.k

    @property
    def rows(self) -> int:
        """Rows added so far (T)."""
        return self._handle.rows

    def add(self, x) -> "HessianAccumulator":
        """Adds activation rows ``x`` (..., K; leading dimensions are rows,
        converted to float32 as ``quantize`` converts calibration). A
        non-finite value raises ValueError and adds nothing."""
        rows = np.ascontiguousarray(x, dtype=np.float32)
        if rows.ndim == 0 or rows.shape[-1] != self.k:
            raise ValueError(
                f"rows must have K = {self.k} columns (..., K), got shape "
                f"{rows.shape}"
            )
        rows = rows.reshape(-1, self.k)
        try:
            self._handle.add(rows.ctypes.data, rows.shape[0])
        except MLIRError as e:
            raise ValueError(str(e).strip().removeprefix("error: ")) from None
        return self

    @property
    def hessian(self) -> np.ndarray:
        """XᵀX/T of the rows so far (K x K float64, symmetric; zeros
        without rows). Reading it does not change the accumulator."""
        out = np.empty((self.k, self.k), dtype=np.float64)
        self._handle.hessian(out.ctypes.data)
        return out

    def __repr__(self):
        return f"<bitsink.HessianAccumulator K={self.k}, {self.rows} rows>"


from ._bitsink import _HessianAccumulator as _BitsinkHessianAccumulator  # noqa: E402
from ._bitsink import _check_hessian as _bitsink_check_hessian  # noqa: E402
from ._bitsink import _quantize as _bitsink_quantize  # noqa: E402
from . import reference  # noqa: E402
