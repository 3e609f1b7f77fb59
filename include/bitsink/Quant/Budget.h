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
#include <tuple>
#include <utility>
#include <vector>

namespace bitsink::quant {

/// What a candidate's error, the quantity the allocator sums over layers,
/// measures (bitsink-quantize-weights' budget-objective).
enum class BudgetObjective {
  /// ‖X(W − Ŵ)‖²_F / T on the calibration rows (‖W − Ŵ‖²_F without them):
  /// the output error the layer adds, so layers with large outputs weigh
  /// more.
  Absolute,
  /// ‖X(W − Ŵ)‖²_F / ‖XW‖²_F = relError² (‖W − Ŵ‖²_F / ‖W‖²_F without
  /// calibration rows): every layer weighs alike, as in the relative-error
  /// budget of bench/quant_quality.
  Relative,
};

/// Parses "absolute" / "relative"; returns false on anything else.
bool parseBudgetObjective(const std::string &name, BudgetObjective &objective);
const char *budgetObjectiveName(BudgetObjective objective);

/// Σ_n w_nᵀ H w_n over the columns of W[K][N] (row-major) with H[K][K]
/// symmetric and row-major: ‖XW‖²_F / T when H = XᵀX / T; ‖W‖²_F when H is
/// null. The output energy the absolute objective scales a relative error
/// by. Sums in f64, in a fixed order.
double outputEnergy(const float *W, int64_t K, int64_t N, const double *H);

/// The allocator's error of a quantized weight whose relative error is
/// `relError` (Report::relError) and whose output energy is `energy`
/// (outputEnergy): importance · relError² · energy with the absolute
/// objective, importance · relError² with the relative one. Returns false
/// with a message when that is not a finite non-negative number (a negative
/// or non-finite importance; an infinite relError, i.e. XW vanishes on the
/// calibration rows while X(W − Ŵ) does not).
bool budgetError(BudgetObjective objective, double relError, double energy,
                 double importance, double &error, std::string &message);

/// A quantizer configuration a budget chooses among: planes, group size
/// and sub-block scale codes (Options::subBlock; 0: none).
struct BudgetConfig {
  int planes = 0;
  int64_t groupSize = 0;
  int64_t subBlock = 0;
  BudgetConfig() = default;
  BudgetConfig(int planes, int64_t groupSize, int64_t subBlock = 0)
      : planes(planes), groupSize(groupSize), subBlock(subBlock) {}
  bool operator<(const BudgetConfig &o) const {
    return std::tie(planes, groupSize, subBlock) <
           std::tie(o.planes, o.groupSize, o.subBlock);
  }
  bool operator==(const BudgetConfig &o) const {
    return planes == o.planes && groupSize == o.groupSize &&
           subBlock == o.subBlock;
  }
};

/// One configuration a layer may be quantized with, and what it costs.
struct BudgetCandidate {
  int planes = 0;
  int64_t groupSize = 0;
  /// Stored bits per weight (Report::bitsPerWeight).
  double bitsPerWeight = 0;
  /// The error the allocator minimises, summed over layers: non-negative
  /// and finite (bitsink-quantize-weights: ‖X(W − Ŵ)‖²_F / T).
  double error = 0;
  /// Rows per sub-block scale code (0: none).
  int64_t subBlock = 0;
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

/// One weight's candidates (measureBudgetCandidates).
struct BudgetMeasurement {
  /// One per configuration, in the order given.
  std::vector<BudgetCandidate> candidates;
  /// The quantizer's result of each configuration (with keepResults).
  std::vector<Result> results;
  /// outputEnergy of the weight under its calibration Hessian.
  double energy = 0;
};

/// Measures the candidates of one weight W[K][N] as bitsink-quantize-weights'
/// budget does: quantizes it with each (planes, group size, sub-block) of
/// `configs` (`options` otherwise) and records each result's stored bits per
/// weight and budgetError under `objective`, times `importance`. The
/// calibration is the rows X[T][K], or a Hessian H[K][K] (quantizeWithHessian;
/// XᵀX/T keeps the absolute error in units of ‖X(W − Ŵ)‖²/T, another scale
/// scales every error of the weight alike), or neither (the identity);
/// both is an error. Rows are summed into XᵀX/T once (HessianAccumulator),
/// for the energy and every candidate, whose results are quantize()'s with
/// the rows bit for bit (relError measured on them when T <= K/2). With the
/// absolute objective a candidate whose relative error is infinite (XW
/// vanishes on the calibration rows) gets tr(EᵀHE) measured directly. The
/// pass, the C API (bitsinkMeasureBudgetCandidates) and Python
/// (bitsink.budget.measure_candidates) call it, so they measure the same
/// numbers. Returns false with a message on a quantizer failure or an
/// undefined error.
bool measureBudgetCandidates(const float *W, int64_t K, int64_t N,
                             const float *X, int64_t T, const double *H,
                             const Options &options,
                             const std::vector<BudgetConfig> &configs,
                             BudgetObjective objective, double importance,
                             bool keepResults, BudgetMeasurement &measurement,
                             std::string &error);

/// `configs` without those that quantize a K-row weight the same way as an
/// earlier one: group sizes of at least K (or <= 0) are all one group per
/// channel, measured once.
std::vector<BudgetConfig>
distinctBudgetConfigs(const std::vector<BudgetConfig> &configs, int64_t K);

/// The configurations bitsink-quantize-weights' budget measures for each
/// layer of `method`: planes 1-4 (trit: 2 and 4) times groups of 64, 128
/// and 256 rows, then for each S of `subBlocks` (the pass's
/// budget-sub-blocks) every plane count with one grid per column and codes
/// every S rows.
std::vector<BudgetConfig>
budgetCandidateConfigs(Method method,
                       const std::vector<int64_t> &subBlocks = {});

/// A plain-text table of an allocation, one line per layer (name, weights,
/// planes, group size, bits per weight, error, whether fixed) and a total
/// line with the exact weighted average.
std::string formatBudgetAllocation(const std::vector<BudgetLayer> &layers,
                                   const BudgetAllocation &allocation,
                                   double budget);

} // namespace bitsink::quant

#endif // BITSINK_QUANT_BUDGET_H
