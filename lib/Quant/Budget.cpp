//===- Budget.cpp - bits-per-weight budgets over layers ---------*- C++ -*-===//
//
// The allocator of include/bitsink/Quant/Budget.h: marginal analysis on the
// per-layer lower convex hulls of (stored bits, error), then a fill-up of
// what is left with single-layer changes. docs/quantize-weights.md, "Bit
// budgets", states the algorithm and the candidate set.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Budget.h"

#include "QuantInternal.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <set>

namespace bitsink::quant {

namespace {

/// A budget is met when the stored bits are at most budget · weights, up to
/// rounding in the double sums (the stored bits of a layer are an integer
/// computed as bitsPerWeight · numWeights).
constexpr double kRelativeSlack = 1e-12;

double layerBits(const BudgetLayer &layer, int index) {
  return layer.candidates[index].bitsPerWeight *
         static_cast<double>(layer.numWeights);
}

/// Indices of `layer`'s candidates on the lower convex hull of
/// (bits, error), by increasing bits and strictly decreasing error.
std::vector<int> lowerHull(const BudgetLayer &layer) {
  std::vector<int> order(layer.candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) {
    const BudgetCandidate &x = layer.candidates[a], &y = layer.candidates[b];
    if (x.bitsPerWeight != y.bitsPerWeight)
      return x.bitsPerWeight < y.bitsPerWeight;
    if (x.error != y.error)
      return x.error < y.error;
    return a < b;
  });
  std::vector<int> hull;
  for (int index : order) {
    const BudgetCandidate &c = layer.candidates[index];
    // Dominated: no cheaper in error than the last point kept (which costs
    // no more bits).
    if (!hull.empty() && c.error >= layer.candidates[hull.back()].error)
      continue;
    // Pop points above the segment from their predecessor to `c`.
    while (hull.size() >= 2) {
      const BudgetCandidate &a = layer.candidates[hull[hull.size() - 2]];
      const BudgetCandidate &b = layer.candidates[hull.back()];
      double cross = (b.bitsPerWeight - a.bitsPerWeight) * (c.error - a.error) -
                     (b.error - a.error) * (c.bitsPerWeight - a.bitsPerWeight);
      if (cross > 0)
        break;
      hull.pop_back();
    }
    hull.push_back(index);
  }
  return hull;
}

/// Cells of the exact table (layers × bit budget in units) above which
/// allocateBudget uses the marginal analysis instead.
constexpr int64_t kMaxExactCells = 64 << 20;

/// The exact multiple-choice knapsack: when every candidate's stored bits
/// (bitsPerWeight · numWeights) are an integer, the bits above each free
/// layer's cheapest candidate have a common unit (their gcd), and a table
/// of (free layers) × (budget left in units) fits in kMaxExactCells, a
/// dynamic program over the budget finds the least summed error exactly
/// (ties: fewer bits, then the earlier candidate). Returns false when it
/// does not apply.
bool exactAllocation(const std::vector<BudgetLayer> &layers, double limit,
                     std::vector<int> &choice) {
  size_t numLayers = layers.size();
  choice.assign(numLayers, 0);
  std::vector<std::vector<int64_t>> extra(numLayers);
  double base = 0;
  int64_t unit = 0, reachable = 0;
  std::vector<size_t> free;
  for (size_t i = 0; i < numLayers; ++i) {
    const BudgetLayer &layer = layers[i];
    if (layer.fixed >= 0) {
      choice[i] = layer.fixed;
      base += layerBits(layer, layer.fixed);
      continue;
    }
    if (layer.candidates.size() > 65535)
      return false;
    std::vector<int64_t> bits;
    for (int c = 0, e = layer.candidates.size(); c < e; ++c) {
      double exactBits = layerBits(layer, c);
      double rounded = std::nearbyint(exactBits);
      if (std::fabs(exactBits - rounded) > 1e-6 || rounded > 9e15)
        return false;
      bits.push_back(static_cast<int64_t>(rounded));
    }
    int64_t least = *std::min_element(bits.begin(), bits.end());
    int64_t most = 0;
    for (int64_t &b : bits) {
      b -= least;
      unit = std::gcd(unit, b);
      most = std::max(most, b);
    }
    base += static_cast<double>(least);
    reachable += most;
    extra[i] = std::move(bits);
    free.push_back(i);
  }
  if (free.empty())
    return true;
  if (unit == 0) {
    // Every candidate of a layer costs the same: the least error wins.
    for (size_t i : free) {
      const std::vector<BudgetCandidate> &cs = layers[i].candidates;
      for (int c = 1, e = cs.size(); c < e; ++c)
        if (cs[c].error < cs[choice[i]].error)
          choice[i] = c;
    }
    return true;
  }
  double room = std::floor((limit - base) / static_cast<double>(unit));
  int64_t capacity = reachable / unit;
  if (room < static_cast<double>(capacity))
    capacity = static_cast<int64_t>(std::max(room, 0.0));
  if (static_cast<double>(capacity + 1) * static_cast<double>(free.size()) >
      static_cast<double>(kMaxExactCells))
    return false;

  // best[w]: least summed error of the layers so far with at most w units
  // above their cheapest candidates; pick[l][w]: layer l's candidate there.
  size_t width = static_cast<size_t>(capacity) + 1;
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> best(width, 0), next(width);
  std::vector<uint16_t> pick(free.size() * width);
  for (size_t l = 0; l < free.size(); ++l) {
    const BudgetLayer &layer = layers[free[l]];
    const std::vector<int64_t> &units = extra[free[l]];
    uint16_t *row = pick.data() + l * width;
    for (size_t w = 0; w < width; ++w) {
      double value = inf;
      int chosen = -1;
      for (int c = 0, e = layer.candidates.size(); c < e; ++c) {
        int64_t u = units[c] / unit;
        if (u > static_cast<int64_t>(w))
          continue;
        double total = best[w - u] + layer.candidates[c].error;
        if (chosen < 0 || total < value ||
            (total == value && u < units[chosen] / unit)) {
          value = total;
          chosen = c;
        }
      }
      next[w] = value;
      row[w] = static_cast<uint16_t>(chosen < 0 ? 0 : chosen);
    }
    best.swap(next);
  }
  size_t w = width - 1;
  for (size_t l = free.size(); l-- > 0;) {
    int c = pick[l * width + w];
    choice[free[l]] = c;
    w -= static_cast<size_t>(extra[free[l]][c] / unit);
  }
  return true;
}

/// Marginal analysis and local search (allocateBudget's fallback when the
/// exact table would be too large or the stored bits are not integers).
void greedyAllocation(const std::vector<BudgetLayer> &layers, double limit,
                      std::vector<int> &choice) {
  // Start: fixed layers at their candidate, free ones at the cheapest point
  // of their hull (the hull starts at the cheapest candidate with the least
  // error).
  size_t numLayers = layers.size();
  std::vector<std::vector<int>> hulls(numLayers);
  std::vector<size_t> position(numLayers, 0);
  choice.assign(numLayers, 0);
  double bits = 0;
  for (size_t i = 0; i < numLayers; ++i) {
    if (layers[i].fixed >= 0) {
      choice[i] = layers[i].fixed;
    } else {
      hulls[i] = lowerHull(layers[i]);
      choice[i] = hulls[i].front();
    }
    bits += layerBits(layers[i], choice[i]);
  }

  // Marginal analysis: the hull step with the largest error reduction per
  // bit, while it fits. Hull slopes decrease along each hull, so the steps
  // taken are those of the Lagrangian solutions in order; a layer whose next
  // step does not fit is closed (its later steps need that one first).
  std::vector<bool> closed(numLayers, false);
  for (;;) {
    int best = -1;
    double bestSlope = 0;
    for (size_t i = 0; i < numLayers; ++i) {
      if (layers[i].fixed >= 0 || closed[i] ||
          position[i] + 1 >= hulls[i].size())
        continue;
      const BudgetCandidate &from = layers[i].candidates[hulls[i][position[i]]];
      const BudgetCandidate &to =
          layers[i].candidates[hulls[i][position[i] + 1]];
      double slope =
          (from.error - to.error) / ((to.bitsPerWeight - from.bitsPerWeight) *
                                     static_cast<double>(layers[i].numWeights));
      if (best < 0 || slope > bestSlope) {
        best = static_cast<int>(i);
        bestSlope = slope;
      }
    }
    if (best < 0)
      break;
    int next = hulls[best][position[best] + 1];
    double newBits = bits - layerBits(layers[best], choice[best]) +
                     layerBits(layers[best], next);
    if (newBits > limit) {
      closed[best] = true;
      continue;
    }
    bits = newBits;
    choice[best] = next;
    ++position[best];
  }

  // Local search: what is left may pay for a change off the hull, and
  // trading bits between two layers can beat the marginal analysis near the
  // budget. Take the single-layer change with the largest error reduction
  // that fits; when there is none, the best change of two layers at once;
  // until neither exists. Each round lowers the error, so it ends.
  auto change = [&](size_t i, int c) {
    return layerBits(layers[i], c) - layerBits(layers[i], choice[i]);
  };
  auto gain = [&](size_t i, int c) {
    return layers[i].candidates[choice[i]].error -
           layers[i].candidates[c].error;
  };
  for (;;) {
    int bestI = -1, bestA = -1, bestJ = -1, bestB = -1;
    double bestGain = 0;
    for (size_t i = 0; i < numLayers; ++i) {
      if (layers[i].fixed >= 0)
        continue;
      for (int a = 0, e = layers[i].candidates.size(); a < e; ++a) {
        double g = gain(i, a);
        if (g > bestGain && bits + change(i, a) <= limit) {
          bestI = static_cast<int>(i);
          bestA = a;
          bestGain = g;
        }
      }
    }
    if (bestI < 0) {
      for (size_t i = 0; i < numLayers; ++i) {
        if (layers[i].fixed >= 0)
          continue;
        for (size_t j = i + 1; j < numLayers; ++j) {
          if (layers[j].fixed >= 0)
            continue;
          for (int a = 0, ea = layers[i].candidates.size(); a < ea; ++a) {
            double ga = gain(i, a), ca = change(i, a);
            for (int b = 0, eb = layers[j].candidates.size(); b < eb; ++b) {
              double g = ga + gain(j, b);
              if (g > bestGain && bits + ca + change(j, b) <= limit) {
                bestI = static_cast<int>(i);
                bestA = a;
                bestJ = static_cast<int>(j);
                bestB = b;
                bestGain = g;
              }
            }
          }
        }
      }
    }
    if (bestI < 0)
      break;
    bits += change(bestI, bestA);
    choice[bestI] = bestA;
    if (bestJ >= 0) {
      bits += change(bestJ, bestB);
      choice[bestJ] = bestB;
    }
  }
}

} // namespace

bool allocateBudget(const std::vector<BudgetLayer> &layers, double budget,
                    BudgetAllocation &allocation, std::string &error) {
  allocation = BudgetAllocation();
  double totalWeights = 0, minBits = 0, maxBits = 0;
  for (const BudgetLayer &layer : layers) {
    std::string name = "layer '" + layer.name + "'";
    if (layer.candidates.empty()) {
      error = name + " has no candidates";
      return false;
    }
    if (layer.numWeights < 1) {
      error = name + " has no weights";
      return false;
    }
    if (layer.fixed < -1 ||
        layer.fixed >= static_cast<int>(layer.candidates.size())) {
      error = name + ": fixed candidate " + std::to_string(layer.fixed) +
              " is out of range";
      return false;
    }
    for (const BudgetCandidate &c : layer.candidates) {
      if (!(std::isfinite(c.bitsPerWeight) && c.bitsPerWeight > 0 &&
            std::isfinite(c.error) && c.error >= 0)) {
        error = name + " has a candidate with bits per weight " +
                std::to_string(c.bitsPerWeight) + " and error " +
                std::to_string(c.error) +
                " (both must be finite, bits positive, error non-negative)";
        return false;
      }
    }
    totalWeights += static_cast<double>(layer.numWeights);
    if (layer.fixed >= 0) {
      minBits += layerBits(layer, layer.fixed);
      maxBits += layerBits(layer, layer.fixed);
      continue;
    }
    double lo = layerBits(layer, 0), hi = lo;
    for (int i = 1, e = layer.candidates.size(); i < e; ++i) {
      lo = std::min(lo, layerBits(layer, i));
      hi = std::max(hi, layerBits(layer, i));
    }
    minBits += lo;
    maxBits += hi;
  }
  if (totalWeights > 0) {
    allocation.minBitsPerWeight = minBits / totalWeights;
    allocation.maxBitsPerWeight = maxBits / totalWeights;
  }
  if (!(std::isfinite(budget) && budget > 0 && budget <= 32)) {
    char text[160];
    std::snprintf(text, sizeof(text),
                  "the budget must be in (0, 32] bits per weight (32: a float "
                  "weight), got %g",
                  budget);
    error = text;
    return false;
  }
  double limit = budget * totalWeights * (1 + kRelativeSlack);
  if (minBits > limit) {
    char text[160];
    std::snprintf(text, sizeof(text),
                  "the budget of %.4f bits per weight is below the smallest "
                  "average the candidates reach, %.4f",
                  budget, allocation.minBitsPerWeight);
    error = text;
    return false;
  }

  if (!exactAllocation(layers, limit, allocation.choice))
    greedyAllocation(layers, limit, allocation.choice);
  else
    allocation.exact = true;
  double bits = 0;
  for (size_t i = 0; i < layers.size(); ++i)
    bits += layerBits(layers[i], allocation.choice[i]);
  allocation.bitsPerWeight = totalWeights > 0 ? bits / totalWeights : 0;
  allocation.error = 0;
  for (size_t i = 0; i < layers.size(); ++i)
    allocation.error += layers[i].candidates[allocation.choice[i]].error;
  return true;
}

bool parseBudgetObjective(const std::string &name, BudgetObjective &objective) {
  if (name == "absolute")
    objective = BudgetObjective::Absolute;
  else if (name == "relative")
    objective = BudgetObjective::Relative;
  else
    return false;
  return true;
}

const char *budgetObjectiveName(BudgetObjective objective) {
  return objective == BudgetObjective::Relative ? "relative" : "absolute";
}

double outputEnergy(const float *W, int64_t K, int64_t N, const double *H) {
  double sum = 0;
  if (!H) {
    for (int64_t i = 0; i < K * N; ++i)
      sum += static_cast<double>(W[i]) * W[i];
    return sum;
  }
  std::vector<double> row(N);
  for (int64_t i = 0; i < K; ++i) {
    std::fill(row.begin(), row.end(), 0.0);
    for (int64_t j = 0; j < K; ++j) {
      double h = H[i * K + j];
      if (h == 0)
        continue;
      const float *w = W + j * N;
      for (int64_t n = 0; n < N; ++n)
        row[n] += h * w[n];
    }
    const float *w = W + i * N;
    for (int64_t n = 0; n < N; ++n)
      sum += row[n] * w[n];
  }
  return sum;
}

bool budgetError(BudgetObjective objective, double relError, double energy,
                 double importance, double &error, std::string &message) {
  if (!(std::isfinite(importance) && importance >= 0)) {
    message = "the importance must be a non-negative finite number, got " +
              std::to_string(importance);
    return false;
  }
  if (!(relError >= 0) || !std::isfinite(relError)) {
    message = "the relative error " + std::to_string(relError) +
              " is not a finite non-negative number (the weight's output XW "
              "vanishes on the calibration rows while X(W - W^) does not)";
    return false;
  }
  double squared = relError * relError;
  error = importance *
          (objective == BudgetObjective::Relative ? squared : squared * energy);
  if (!std::isfinite(error) || error < 0) {
    message = "the error " + std::to_string(error) + " is not finite";
    return false;
  }
  return true;
}

bool measureBudgetCandidates(const float *W, int64_t K, int64_t N,
                             const float *X, int64_t T, const double *H,
                             const Options &options,
                             const std::vector<BudgetConfig> &configs,
                             BudgetObjective objective, double importance,
                             bool keepResults, BudgetMeasurement &measurement,
                             std::string &error) {
  measurement = BudgetMeasurement();
  if (!W || K <= 0 || N <= 0)
    return (error = "the weight must be a non-empty K x N matrix", false);
  if (X && H)
    return (error = "give calibration rows or their Hessian, not both", false);
  // The calibration Hessian, formed once for the energy and every
  // candidate: XᵀX/T of the rows (by the accumulator quantize() forms it
  // with), or the one given.
  std::vector<double> fromRows;
  const double *hessian = nullptr;
  if (X) {
    HessianAccumulator accumulator(K, options.threads);
    if (!accumulator.add(X, T, error))
      return false;
    fromRows = accumulator.hessian();
    hessian = fromRows.data();
  } else if (H) {
    if (!checkHessian(H, K, "the calibration Hessian", error))
      return false;
    hessian = H;
  }
  measurement.energy = outputEnergy(W, K, N, hessian);
  // With a rotation every candidate quantizes RᵀW against X·R (or RᵀHR):
  // rotated here once, as quantize() rotates (the rows' XᵀX formed from
  // the rotated rows), not once per candidate.
  Rotation rotation =
      makeRotation(K, options.rotationBlock, options.rotationSeed);
  Options unrotated = options;
  const float *candidateW = W, *candidateX = X;
  const double *candidateH = X ? hessian : H;
  std::vector<float> rotatedW, rotatedX;
  std::vector<double> rotatedH;
  if (rotation.enabled()) {
    unrotated.rotationBlock = 0;
    rotatedW.assign(W, W + K * N);
    rotateWeight(rotation, rotatedW.data(), N);
    if (!detail::checkWeightRange(rotatedW.data(), K, N, options,
                                  "the rotated weight RᵀW", error))
      return false;
    candidateW = rotatedW.data();
    if (X) {
      rotatedX.assign(X, X + T * K);
      rotateRows(rotation, rotatedX.data(), T);
      HessianAccumulator accumulator(K, options.threads);
      if (!accumulator.add(rotatedX.data(), T, error))
        return false;
      rotatedH = accumulator.takeHessian(/*symmetric=*/false);
      candidateX = rotatedX.data();
    } else if (H) {
      rotatedH.assign(H, H + K * K);
      rotateHessian(rotation, rotatedH.data());
    }
    if (!rotatedH.empty())
      candidateH = rotatedH.data();
  }
  for (const BudgetConfig &config : configs) {
    int planes = config.planes;
    int64_t group = config.groupSize;
    Options configured = unrotated;
    configured.planes = planes;
    configured.groupSize = group;
    configured.subBlock = config.subBlock;
    Result result;
    // With rows, quantize()'s result without forming XᵀX again (the rows
    // still give relError when T <= K/2, as quantize() measures it).
    bool ok = candidateX
                  ? detail::quantizeWithHessianOfRows(candidateW, K, N,
                                                      candidateH, candidateX, T,
                                                      configured, result, error)
              : candidateH ? quantizeWithHessian(candidateW, K, N, candidateH,
                                                 configured, result, error)
                           : quantize(candidateW, K, N, nullptr, 0, configured,
                                      result, error);
    if (!ok)
      return false;
    result.rotation = rotation;
    double candidateError = 0;
    double rel = result.report.relError;
    if (objective == BudgetObjective::Absolute && std::isinf(rel) &&
        std::isfinite(importance) && importance >= 0) {
      // XW vanishes on the calibration rows but X(W − Ŵ) does not: measure
      // the error itself.
      std::vector<float> difference(K * N);
      dequantizeResult(result, difference.data());
      for (int64_t i = 0; i < K * N; ++i)
        difference[i] -= W[i];
      candidateError =
          importance * outputEnergy(difference.data(), K, N, hessian);
    } else {
      std::string message;
      if (!budgetError(objective, rel, measurement.energy, importance,
                       candidateError, message)) {
        char text[96];
        std::snprintf(text, sizeof(text),
                      "%s budget error of P = %d, g = %lld: ",
                      budgetObjectiveName(objective), planes,
                      static_cast<long long>(group));
        error = text + message;
        return false;
      }
    }
    measurement.candidates.push_back({planes, group,
                                      result.report.bitsPerWeight,
                                      candidateError, config.subBlock});
    if (keepResults)
      measurement.results.push_back(std::move(result));
  }
  return true;
}

std::vector<BudgetConfig>
distinctBudgetConfigs(const std::vector<BudgetConfig> &configs, int64_t K) {
  std::set<BudgetConfig> effective;
  std::vector<BudgetConfig> out;
  for (const BudgetConfig &config : configs) {
    int64_t group = config.groupSize;
    if (effective
            .emplace(config.planes, group <= 0 || group >= K ? K : group,
                     config.subBlock)
            .second)
      out.push_back(config);
  }
  return out;
}

std::vector<BudgetConfig>
budgetCandidateConfigs(Method method, const std::vector<int64_t> &subBlocks) {
  std::vector<int> planes = {1, 2, 3, 4};
  if (method == Method::Trit)
    planes = {2, 4};
  std::vector<BudgetConfig> configs;
  for (int p : planes)
    for (int64_t g : {64, 128, 256})
      configs.emplace_back(p, g);
  for (int64_t s : subBlocks)
    for (int p : planes)
      configs.emplace_back(p, 0, s);
  return configs;
}

std::string formatBudgetAllocation(const std::vector<BudgetLayer> &layers,
                                   const BudgetAllocation &allocation,
                                   double budget) {
  size_t width = 5;
  for (const BudgetLayer &layer : layers)
    width = std::max(width, layer.name.size());
  // A column of sub-block sizes only when some candidate has codes.
  bool codes = false;
  for (const BudgetLayer &layer : layers)
    for (const BudgetCandidate &c : layer.candidates)
      codes = codes || c.subBlock > 0;
  std::string out;
  char line[512], sub[16] = "";
  if (codes)
    std::snprintf(sub, sizeof(sub), " %5s", "sub");
  std::snprintf(line, sizeof(line), "%-*s %10s %6s %6s%s %8s %12s\n",
                static_cast<int>(width), "layer", "weights", "planes", "group",
                sub, "bits/w", "error");
  out += line;
  int64_t weights = 0;
  for (size_t i = 0; i < layers.size() && i < allocation.choice.size(); ++i) {
    const BudgetLayer &layer = layers[i];
    const BudgetCandidate &c = layer.candidates[allocation.choice[i]];
    if (codes)
      std::snprintf(sub, sizeof(sub), " %5lld",
                    static_cast<long long>(c.subBlock));
    std::snprintf(line, sizeof(line),
                  "%-*s %10lld %6d %6lld%s %8.4f %12.6g%s\n",
                  static_cast<int>(width), layer.name.c_str(),
                  static_cast<long long>(layer.numWeights), c.planes,
                  static_cast<long long>(c.groupSize), sub, c.bitsPerWeight,
                  c.error, layer.fixed >= 0 ? " (layer-config)" : "");
    out += line;
    weights += layer.numWeights;
  }
  std::snprintf(line, sizeof(line),
                "total %lld weights: %.6f bits per weight (budget %.4f), "
                "error %.6g\n",
                static_cast<long long>(weights), allocation.bitsPerWeight,
                budget, allocation.error);
  out += line;
  return out;
}

} // namespace bitsink::quant
