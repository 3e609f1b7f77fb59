//===- Budget.h - bits-per-weight budgets over layers -----------*- C++ -*-===//
//
// Mixed precision by budget (docs/quantize-weights.md, "Bit budgets"): each
// layer has a few candidate quantizer configurations (planes, group size),
// each with its stored bits per weight and a measured error; the allocator
// picks one candidate per layer so that the weight-count weighted average of
// the stored bits per weight stays within a budget B and the summed error is
// as small as it can make it. The pass bitsink-quantize-weights, the C API
// and Python share it. Plain C++17, no MLIR or LLVM dependency.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_QUANT_BUDGET_H
#define BITSINK_QUANT_BUDGET_H

#include "bitsink/Quant/Quantizer.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace bitsink::quant {

/// One configuration a layer may be quantized with, and what it costs.
struct BudgetCandidate {
  int planes = 0;
  int64_t groupSize = 0;
  /// Stored bits per weight (Report::bitsPerWeight).
  double bitsPerWeight = 0;
  /// The error the allocator minimises, summed over layers: non-negative
  /// and finite (bitsink-quantize-weights: ‖X(W − Ŵ)‖²_F / T).
  double error = 0;
};

struct BudgetLayer {
  std::string name;
  /// Weights in the layer (K·N): the weight of its bits in the average.
  int64_t numWeights = 0;
  std::vector<BudgetCandidate> candidates;
  /// Index of the candidate the layer must use (a layer-config override:
  /// its bits count toward the budget, nothing is chosen), or -1.
  int fixed = -1;
};

struct BudgetAllocation {
  /// Per layer, the index of the chosen candidate.
  std::vector<int> choice;
  /// Weight-count weighted average of the chosen stored bits per weight.
  double bitsPerWeight = 0;
  /// Sum of the chosen candidates' errors.
  double error = 0;
  /// The smallest and largest averages any allocation reaches (every free
  /// layer at its cheapest, resp. most expensive candidate).
  double minBitsPerWeight = 0;
  double maxBitsPerWeight = 0;
  /// Whether the exact dynamic program ran (else the marginal analysis).
  bool exact = false;
};

/// Chooses one candidate per layer with
///   Σ_i bitsPerWeight_i · numWeights_i ≤ budget · Σ_i numWeights_i
/// minimising Σ_i error_i, deterministically. Exact when it can be: when
/// every candidate's stored bits (bitsPerWeight · numWeights) are integers
/// (as the quantizer's are) and the table of layers × (budget left in units
/// of the gcd of the candidates' bit differences) has at most 64 Mi cells,
/// a dynamic program over the budget (a multiple-choice knapsack) finds the
/// optimum. Otherwise marginal analysis on each layer's lower convex hull
/// of (bits, error): the step with the largest error reduction per bit
/// while it fits (ties: the earlier layer; a layer whose next step does not
/// fit stops there), then changes of one or two layers to any candidate
/// that fit into what is left, largest error reduction first. Every
/// allocation the marginal analysis passes through is optimal for its own
/// bit total, so that result is within one step's error of the optimum. Returns
/// false with a message when the input is malformed (no candidates, a bad fixed
/// index, negative or non-finite values, fewer than one weight) or the budget
/// is not reachable (below minBitsPerWeight, or outside (0, 32]); `allocation`
/// then still holds the feasible range.
bool allocateBudget(const std::vector<BudgetLayer> &layers, double budget,
                    BudgetAllocation &allocation, std::string &error);

/// The (planes, group size) configurations bitsink-quantize-weights'
/// budget measures for each layer of `method`: planes 1-4 (trit: 2 and 4)
/// times groups of 64, 128 and 256 rows.
std::vector<std::pair<int, int64_t>> budgetCandidateConfigs(Method method);

/// A plain-text table of an allocation, one line per layer (name, weights,
/// planes, group size, bits per weight, error, whether fixed) and a total
/// line with the exact weighted average.
std::string formatBudgetAllocation(const std::vector<BudgetLayer> &layers,
                                   const BudgetAllocation &allocation,
                                   double budget);

} // namespace bitsink::quant

#endif // BITSINK_QUANT_BUDGET_H
