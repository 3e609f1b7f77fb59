"""Mixed precision by bit budget (docs/quantize-weights.md, "Bit budgets").

``allocate_budget(layers, budget)`` chooses one quantizer configuration per
layer so that the weight-count weighted average of the stored bits per weight
is at most ``budget`` and the summed error is least: the allocator that
``bitsink-quantize-weights{budget=B}`` runs (``bitsink::quant::allocateBudget``
through the C API). ``measure_candidates(weight, calibration, configs)``
quantizes one weight with each configuration and returns the candidates with
the error the pass uses (``bitsink::quant::measureBudgetCandidates``, the
pass's own code): ‖X(W − Ŵ)‖²_F / T with ``objective="absolute"`` (the
pass's default), ‖X(W − Ŵ)‖²_F / ‖XW‖²_F with ``objective="relative"``
(``budget-objective=relative``), times an importance. ``candidate_error``
and ``output_energy`` give the same numbers from a quantizer report.

    from bitsink.budget import allocate_budget, measure_candidates
    layers = {name: BudgetLayer(w.size, measure_candidates(w, x)[0])
              for name, (w, x) in weights.items()}
    allocation = allocate_budget(layers, 3.5)
    print(allocation.table())
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

__all__ = [
    "BudgetAllocation",
    "BudgetCandidate",
    "BudgetChoice",
    "BudgetLayer",
    "DEFAULT_CONFIGS",
    "SUB_BLOCK_CONFIGS",
    "OBJECTIVES",
    "allocate_budget",
    "calibration_error",
    "candidate_error",
    "distinct_configs",
    "measure_candidates",
    "output_energy",
]

# What a candidate's error measures (bitsink-quantize-weights'
# budget-objective; bitsink::quant::BudgetObjective).
OBJECTIVES: Tuple[str, ...] = ("absolute", "relative")

# (planes, group size): what bitsink-quantize-weights measures per layer
# (bitsink::quant::budgetCandidateConfigs for rtn and bpdq).
DEFAULT_CONFIGS: Tuple[Tuple[int, int], ...] = tuple(
    (p, g) for p in (1, 2, 3, 4) for g in (64, 128, 256))

# (planes, group size, sub-block): one grid per column with sub-block scale
# codes (docs/quantizer.md, "Sub-block scale codes"), what
# bitsink-quantize-weights{budget-sub-blocks=8,16,32} adds to the
# candidates. A configuration of two entries has no codes.
SUB_BLOCK_CONFIGS: Tuple[Tuple[int, int, int], ...] = tuple(
    (p, 0, s) for s in (8, 16, 32) for p in (1, 2, 3, 4))


def _config(config) -> Tuple[int, int, int]:
    """(planes, group size, sub-block) of a configuration of 2 or 3
    entries."""
    planes, group, *rest = config
    return int(planes), int(group), int(rest[0]) if rest else 0


@dataclass(frozen=True)
class BudgetCandidate:
    """One configuration of a layer: stored bits per weight (the quantizer's
    ``bits_per_weight``) and the error the allocator minimises (summed over
    layers)."""

    planes: int
    group_size: int
    bits_per_weight: float
    error: float
    sub_block: int = 0


@dataclass
class BudgetLayer:
    """A layer: its weight count (K·N) and its candidates; ``fixed`` is the
    index of the candidate it must use (a layer-config override, still
    counted in the budget) or None."""

    weights: int
    candidates: Sequence[BudgetCandidate]
    fixed: Optional[int] = None


@dataclass(frozen=True)
class BudgetChoice:
    name: str
    weights: int
    planes: int
    group_size: int
    bits_per_weight: float
    error: float
    index: int
    fixed: bool
    sub_block: int = 0


@dataclass
class BudgetAllocation:
    """The allocator's answer: one ``BudgetChoice`` per layer (in the order
    given), the exact weighted average of the stored bits per weight, the
    summed error, the budget, the reachable range of averages and whether
    the exact dynamic program ran."""

    layers: List[BudgetChoice]
    bits_per_weight: float
    error: float
    budget: float
    min_bits_per_weight: float
    max_bits_per_weight: float
    exact: bool
    choice: Dict[str, BudgetChoice] = field(default_factory=dict)
    #: quantize_weights_budget(check_tokens=...): the model-level KL of each
    #: allocation it tried, and the label of the one it returned.
    checked: Dict[str, float] = field(default_factory=dict)
    selected: str = "allocator"

    def __post_init__(self):
        self.choice = {c.name: c for c in self.layers}

    def configs(self) -> Dict[str, Tuple[int, ...]]:
        """{layer: (planes, group size)}, or (planes, group size,
        sub-block) for a choice with scale codes."""
        return {c.name: (c.planes, c.group_size) + ((c.sub_block,)
                                                   if c.sub_block else ())
                for c in self.layers}

    def table(self, codes: Optional[bool] = None) -> str:
        """The allocation as the pass prints it: one line per layer, then
        the total; a column of sub-block sizes when some candidate had
        codes (`codes`; by default when some choice has them)."""
        if codes is None:
            codes = any(c.sub_block for c in self.layers)
        width = max([5] + [len(c.name) for c in self.layers])
        sub = f" {'sub':>5}" if codes else ""
        lines = [f"{'layer':<{width}} {'weights':>10} {'planes':>6} "
                 f"{'group':>6}{sub} {'bits/w':>8} {'error':>12}"]
        for c in self.layers:
            sub = f" {c.sub_block:>5}" if codes else ""
            lines.append(
                f"{c.name:<{width}} {c.weights:>10} {c.planes:>6} "
                f"{c.group_size:>6}{sub} {c.bits_per_weight:>8.4f} "
                f"{c.error:>12.6g}" + (" (layer-config)" if c.fixed else ""))
        total = sum(c.weights for c in self.layers)
        lines.append(f"total {total} weights: {self.bits_per_weight:.6f} bits "
                     f"per weight (budget {self.budget:.4f}), error "
                     f"{self.error:.6g}")
        return "\n".join(lines)


def allocate_budget(layers: Mapping[str, BudgetLayer], budget: float,
                    context=None) -> BudgetAllocation:
    """Chooses one candidate per layer: Σ bits_per_weight·weights ≤
    budget·Σ weights, least Σ error (exact when the stored bits are
    integers, as the quantizer's are). Raises ValueError for a budget
    outside (0, 32] or below the cheapest allocation, and for malformed
    layers."""
    from . import MLIRError, _default_context
    from ._bitsink import _allocate_budget

    names = list(layers)
    weights = [int(layers[n].weights) for n in names]
    candidates = [[(int(c.planes), int(c.group_size), float(c.bits_per_weight),
                    float(c.error)) for c in layers[n].candidates]
                  for n in names]
    fixed = [-1 if layers[n].fixed is None else int(layers[n].fixed)
             for n in names]
    try:
        choice, (bpw, error, lo, hi, exact) = _allocate_budget(
            context or _default_context(), weights, candidates, fixed,
            float(budget))
    except MLIRError as e:
        raise ValueError(f"allocate_budget: {str(e).strip()}") from None
    chosen = []
    for n, w, index, f in zip(names, weights, choice, fixed):
        c = layers[n].candidates[index]
        chosen.append(BudgetChoice(n, w, c.planes, c.group_size,
                                   c.bits_per_weight, c.error, index, f >= 0,
                                   getattr(c, "sub_block", 0)))
    return BudgetAllocation(chosen, bpw, error, float(budget), lo, hi,
                            bool(exact))


def effective_config(planes: int, group: int, k: int,
                     sub_block: int = 0) -> Tuple[int, ...]:
    """(planes, group size) as a K-row weight is quantized with them: group
    sizes <= 0 or >= K are one group per channel (K); with sub-block codes
    (planes, group size, sub-block)."""
    out = (int(planes), k if group <= 0 or group >= k else int(group))
    return out + ((int(sub_block),) if sub_block else ())


def distinct_configs(configs: Sequence[Tuple[int, ...]],
                     k: int) -> List[Tuple[int, ...]]:
    """``configs`` (planes, group size[, sub-block]) without those that
    quantize a K-row weight like an earlier one (group sizes <= 0 or >= K
    are all one group per channel): the candidates bitsink-quantize-weights
    measures for such a weight (``bitsink::quant::distinctBudgetConfigs``)."""
    seen, out = set(), []
    for config in configs:
        planes, group, sub_block = _config(config)
        effective = effective_config(planes, group, k, sub_block)
        if effective not in seen:
            seen.add(effective)
            out.append(tuple(int(v) for v in config))
    return out


def _calibration_arrays(weight, calibration, calibration_hessian):
    """(W, X or None, H or None) as the C API takes them."""
    from . import _checked_hessian

    w = np.ascontiguousarray(weight, dtype=np.float32)
    if w.ndim != 2:
        raise ValueError(f"weight must be 2-D (K x N), got shape {w.shape}")
    if calibration is not None and calibration_hessian is not None:
        raise ValueError("give calibration (the rows) or calibration_hessian "
                         "(their Hessian), not both")
    x = h = None
    if calibration is not None:
        x = np.ascontiguousarray(calibration, dtype=np.float32)
        if x.ndim < 1 or x.shape[-1] != w.shape[0] or x.size == 0:
            raise ValueError(f"calibration must be T x K = T x {w.shape[0]} "
                             f"with T > 0, got shape {x.shape}")
        x = x.reshape(-1, w.shape[0])
    elif calibration_hessian is not None:
        h = _checked_hessian(calibration_hessian, w.shape[0],
                             "calibration_hessian")
    return w, x, h


def output_energy(weight: np.ndarray, calibration: Optional[np.ndarray] = None,
                  calibration_hessian: Optional[np.ndarray] = None,
                  context=None) -> float:
    """‖XW‖²_F / T of ``weight`` (K x N) on calibration rows X (T x K), or
    Σ_n w_nᵀ H w_n with ``calibration_hessian`` H, or ‖W‖²_F without
    either: what the pass's absolute error scales a squared relative error
    by (``bitsink::quant::outputEnergy``, computed as the pass does)."""
    from . import _default_context
    from ._bitsink import _budget_output_energy

    w, x, h = _calibration_arrays(weight, calibration, calibration_hessian)
    return _budget_output_energy(
        context or _default_context(), w.ctypes.data, w.shape[0], w.shape[1],
        0 if x is None else x.ctypes.data, 0 if x is None else x.shape[0],
        0 if h is None else h.ctypes.data)


def candidate_error(rel_error: float, energy: float,
                    objective: str = "absolute", importance: float = 1.0,
                    context=None) -> float:
    """The allocator's error of a quantized weight from its ``rel_error``
    and the weight's ``output_energy``: importance · rel_error² · energy
    (``"absolute"``) or importance · rel_error² (``"relative"``), by the
    library's ``bitsink::quant::budgetError``. ValueError for an unknown
    objective or an error that is not finite and non-negative."""
    from . import MLIRError, _default_context
    from ._bitsink import _budget_error

    try:
        return _budget_error(context or _default_context(), objective,
                             float(rel_error), float(energy), float(importance))
    except MLIRError as e:
        raise ValueError(
            f"candidate_error: {str(e).strip().removeprefix('error: ')}"
        ) from None


def calibration_error(weight: np.ndarray, calibration: Optional[np.ndarray],
                      rel_error: float) -> float:
    """The allocator's (absolute) error of a quantized weight from its
    ``rel_error``: ‖X(W − Ŵ)‖²_F / T = rel_error² · ‖XW‖²_F / T with
    calibration rows X (T x K), else ‖W − Ŵ‖²_F = rel_error² · ‖W‖²_F."""
    return candidate_error(rel_error, output_energy(weight, calibration))


def measure_candidates(weight: np.ndarray,
                       calibration: Optional[np.ndarray] = None,
                       configs: Sequence[Tuple[int, int]] = DEFAULT_CONFIGS,
                       method: str = "bpdq", *,
                       calibration_hessian: Optional[np.ndarray] = None,
                       objective: str = "absolute", importance: float = 1.0,
                       iterations: Optional[int] = None,
                       damp: Optional[float] = None, act_order: bool = False,
                       f16_coefficients: bool = True,
                       threads: Optional[int] = None, context=None,
                       rtn_search: bool = True):
    """Quantizes ``weight`` (K x N) with every (planes, group size) of
    ``configs`` (or (planes, group size, sub-block) with scale codes) and
    returns (candidates, {config: QuantizedWeight})
    with each candidate's error under ``objective`` times ``importance``:
    ``bitsink::quant::measureBudgetCandidates``, what
    ``bitsink-quantize-weights{budget=B}`` runs per weight, so the numbers
    are the pass's. The calibration is ``calibration`` (rows, T x K) or
    ``calibration_hessian`` (their Hessian; XᵀX/T, e.g. a
    ``HessianAccumulator``'s, keeps absolute errors in the pass's units),
    or neither (the identity). The quantizer options are those of
    ``bitsink.quantize``."""
    from . import MLIRError, _default_context, _quantized_weight
    from ._bitsink import _measure_budget_candidates

    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {OBJECTIVES}, got "
                         f"{objective!r}")
    w, x, h = _calibration_arrays(weight, calibration, calibration_hessian)
    configs = [tuple(int(v) for v in c) for c in configs]
    # One library call per sub-block size (it applies to all of a call's
    # configurations), the results in the order given.
    by_config = {}
    for sub_block in dict.fromkeys(_config(c)[2] for c in configs):
        chosen = [c for c in configs if _config(c)[2] == sub_block]
        measured, weights = _measure_budget_candidates(
            context or _default_context(), w.ctypes.data, w.shape[0],
            w.shape[1], 0 if x is None else x.ctypes.data,
            0 if x is None else x.shape[0], 0 if h is None else h.ctypes.data,
            [_config(c)[:2] for c in chosen], objective, float(importance),
            method, iterations or 0, -1.0 if damp is None else damp,
            act_order, f16_coefficients, 0 if threads is None else threads,
            rtn_search, sub_block)
        for config, (p, g, bits, error), fields in zip(chosen, measured,
                                                       weights):
            by_config[config] = (BudgetCandidate(p, g, bits, error, sub_block),
                                 _quantized_weight(fields))
    candidates = [by_config[c][0] for c in configs]
    results = {c: by_config[c][1] for c in configs}
    return candidates, results
