"""Mixed precision by bit budget (docs/quantize-weights.md, "Bit budgets").

``allocate_budget(layers, budget)`` chooses one quantizer configuration per
layer so that the weight-count weighted average of the stored bits per weight
is at most ``budget`` and the summed error is least: the allocator that
``bitsink-quantize-weights{budget=B}`` runs (``bitsink::quant::allocateBudget``
through the C API). ``measure_candidates(weight, calibration, configs)``
quantizes one weight with each configuration and returns the candidates with
the error the pass uses, ‖X(W − Ŵ)‖²_F / T.

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
    "allocate_budget",
    "calibration_error",
    "measure_candidates",
]

# (planes, group size): what bitsink-quantize-weights measures per layer
# (bitsink::quant::budgetCandidateConfigs for rtn and bpdq).
DEFAULT_CONFIGS: Tuple[Tuple[int, int], ...] = tuple(
    (p, g) for p in (1, 2, 3, 4) for g in (64, 128, 256))


@dataclass(frozen=True)
class BudgetCandidate:
    """One configuration of a layer: stored bits per weight (the quantizer's
    ``bits_per_weight``) and the error the allocator minimises (summed over
    layers)."""

    planes: int
    group_size: int
    bits_per_weight: float
    error: float


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

    def __post_init__(self):
        self.choice = {c.name: c for c in self.layers}

    def configs(self) -> Dict[str, Tuple[int, int]]:
        """{layer: (planes, group size)}."""
        return {c.name: (c.planes, c.group_size) for c in self.layers}

    def table(self) -> str:
        """The allocation as the pass prints it: one line per layer, then
        the total."""
        width = max([5] + [len(c.name) for c in self.layers])
        lines = [f"{'layer':<{width}} {'weights':>10} {'planes':>6} "
                 f"{'group':>6} {'bits/w':>8} {'error':>12}"]
        for c in self.layers:
            lines.append(
                f"{c.name:<{width}} {c.weights:>10} {c.planes:>6} "
                f"{c.group_size:>6} {c.bits_per_weight:>8.4f} "
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
                                   c.bits_per_weight, c.error, index, f >= 0))
    return BudgetAllocation(chosen, bpw, error, float(budget), lo, hi,
                            bool(exact))


def calibration_error(weight: np.ndarray, calibration: Optional[np.ndarray],
                      rel_error: float) -> float:
    """The allocator's error of a quantized weight from its ``rel_error``:
    ‖X(W − Ŵ)‖²_F / T = rel_error² · ‖XW‖²_F / T with calibration rows X
    (T x K), else ‖W − Ŵ‖²_F = rel_error² · ‖W‖²_F."""
    w = np.asarray(weight, dtype=np.float64)
    if calibration is None:
        return float(rel_error) ** 2 * float(np.sum(w * w))
    x = np.asarray(calibration, dtype=np.float32)
    y = (x @ np.asarray(weight, dtype=np.float32)).astype(np.float64)
    return float(rel_error) ** 2 * float(np.sum(y * y)) / x.shape[0]


def measure_candidates(weight: np.ndarray,
                       calibration: Optional[np.ndarray] = None,
                       configs: Sequence[Tuple[int, int]] = DEFAULT_CONFIGS,
                       method: str = "bpdq", **options):
    """Quantizes ``weight`` (K x N) with every (planes, group size) of
    ``configs`` (``bitsink.quantize``, ``options`` passed on) and returns
    (candidates, {(planes, group): QuantizedWeight}); each candidate's error
    is ``calibration_error``."""
    from . import quantize

    candidates, results = [], {}
    scale = None
    for planes, group in configs:
        q = quantize(weight, method=method, planes=planes, group_size=group,
                     calibration=calibration, **options)
        if scale is None:
            # ‖XW‖²/T (or ‖W‖²) once; each candidate's error is rel² · it.
            scale = calibration_error(weight, calibration, 1.0)
        candidates.append(BudgetCandidate(planes, group, q.bits_per_weight,
                                          q.rel_error ** 2 * scale))
        results[(planes, group)] = q
    return candidates, results
