//===- GridSolver.cpp - bpdq and trit: assignment and refit ---------------===//
//
// Both methods minimise, per output column n, the true objective
//   f(n) = (w_n - ŵ_n)ᵀ H (w_n - ŵ_n)
// (columns are separable: H = XᵀX/T is shared, coefficients are per column),
// over a grid of values c_0 + Σ_l c_{l+1}·t_l per group. They alternate
//  (a) assignment: rows in processing order take the nearest grid value of
//      their current target, and the rounding error of row i, divided by
//      U[i][i], is subtracted times U[i][i2] from every later row i2 (GPTQ;
//      UᵀU = (H + δI)^-1). Targets of a block of rows are brought up to date
//      with one product Uᵀ[block][earlier rows] · ν[earlier rows] (GPTQ's
//      lazy block updates, left-looking), then updated row by row inside
//      the block;
//  (b) refit: one Gauss-Seidel sweep over the groups; for group g with its
//      codes fixed, the coefficient change Δ solves the ridge system
//      (DᵀH_gg D + λI) Δ = Dᵀ r_g - λ c  with r = H(w - ŵ) and D the design
//      (1, t_0, ...) of the rows' codes, which minimises f exactly in c_g
//      given the other groups; r_g is brought up to date with the changes
//      of the groups before g when g is reached, by one product
//      H[g][earlier rows] · δe.
// Every iterate (after (a) and after (b)) is a candidate, as is an optional
// baseline (rtn for bpdq); each column keeps its best candidate by f, and
// two last refit sweeps (back, then forward) start from it, with the
// gradient state the candidate was kept with.
//
// After a GPTQ pass the error is e = -Uᵀν (ν: the scaled rounding errors),
// so (H + δI)e = -Rν with R = U^-1: the gradient costs one triangular
// product, and no pass over H is needed to evaluate an iterate.
//
// Columns are processed in panels of kTileWidth-multiples, one task per
// panel; every column's arithmetic is the same whatever panel it is in and
// no sum runs across columns, so results do not depend on the thread count
// or the panel width.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

// One copy of the solver per instruction set (see PanelSolver.inc;
// BITSINK_QUANT_X86 comes from QuantInternal.h).
#ifdef BITSINK_QUANT_X86
#if defined(__clang__)
#pragma clang attribute push(                                                  \
    __attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma"))),    \
    apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx512dq,avx2,fma")
#endif
#define BITSINK_SOLVER_VARIANT avx512
#include "PanelSolver.inc"
#undef BITSINK_SOLVER_VARIANT
#if defined(__clang__)
#pragma clang attribute pop
#pragma clang attribute push(__attribute__((target("avx2,fma"))),              \
                             apply_to = function)
#else
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#endif
#define BITSINK_SOLVER_VARIANT avx2
#include "PanelSolver.inc"
#undef BITSINK_SOLVER_VARIANT
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif

#define BITSINK_SOLVER_VARIANT baseline
#include "PanelSolver.inc"
#undef BITSINK_SOLVER_VARIANT

namespace {
using SolvePanel = int64_t (*)(const float *, int64_t, int64_t, int64_t,
                               const Grid &, const HessianContext &,
                               const Options &, int64_t, int64_t, int64_t,
                               const Unpacked *, Unpacked &,
                               std::vector<double> &);

SolvePanel selectSolver(CpuLevel level) {
  switch (level) {
#ifdef BITSINK_QUANT_X86
  case CpuLevel::Avx512:
    return avx512::solvePanel;
  case CpuLevel::Avx2:
    return avx2::solvePanel;
#endif
  default:
    return baseline::solvePanel;
  }
}
} // namespace

int64_t detail::panelWidth(int64_t N, int64_t K, int threads) {
  // Up to 4 tiles per panel, 8 for layers of kWidePanelRows rows and more
  // (wider panels reuse each row of the factors more, which the products
  // read from memory when they are large), picked so that the panels
  // spread evenly over the threads: the fewest tile-times on the busiest
  // thread, then the widest.
  int64_t tiles = (N + kTileWidth - 1) / kTileWidth;
  int64_t workers = std::max(1, resolveThreads(threads));
  int64_t widest = K >= kWidePanelRows ? 8 : 4;
  int64_t best = 1, bestCost = -1;
  for (int64_t perPanel = 1; perPanel <= widest; ++perPanel) {
    int64_t panels = (tiles + perPanel - 1) / perPanel;
    int64_t cost = (panels + workers - 1) / workers * perPanel;
    if (bestCost < 0 || cost <= bestCost) {
      best = perPanel;
      bestCost = cost;
    }
  }
  return kTileWidth * best;
}

void detail::solveGrid(const float *W, int64_t K, int64_t N, int64_t groupSize,
                       const Grid &grid, const HessianContext &context,
                       const Options &options, const Unpacked *baseline,
                       Unpacked &out, int64_t &baselineColumns,
                       std::vector<double> &objective) {
  int64_t G = (K + groupSize - 1) / groupSize;
  out.K = K;
  out.N = N;
  out.groupSize = groupSize;
  out.numGroups = G;
  out.numCoeffs = grid.numCoeffs();
  out.codes.assign(K * N, 0);
  out.coeffs.assign(G * out.numCoeffs * N, 0.0f);
  out.subBlock = options.subBlock;
  out.scaleCodes.assign(
      options.subBlock > 0 ? numSubBlocks(K, options.subBlock) * N : 0, 15);
  objective.assign(N, 0.0);
  int64_t width = panelWidth(N, K, options.threads);
  int64_t panels = (N + width - 1) / width;
  std::vector<int64_t> perPanel(panels, 0);
  SolvePanel solvePanel = selectSolver(cpuLevel());
  parallelFor(panels, options.threads, [&](int64_t panel) {
    int64_t n0 = panel * width;
    int64_t columns = std::min(width, N - n0);
    int64_t ld = (columns + kTileWidth - 1) / kTileWidth * kTileWidth;
    perPanel[panel] = solvePanel(W, K, N, groupSize, grid, context, options, n0,
                                 columns, ld, baseline, out, objective);
  });
  baselineColumns = 0;
  for (int64_t count : perPanel)
    baselineColumns += count;
}
