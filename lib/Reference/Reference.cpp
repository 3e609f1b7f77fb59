//===- Reference.cpp - naive reference semantics of the bitsink ops -------===//
//
// Each function follows the formulas of docs/semantics.md §2 line by line;
// there is no tiling, no online softmax and no shortcut, so a disagreement with
// a compiled kernel points at the kernel.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Reference/Reference.h"

#include <algorithm>
#include <cmath>
#include <limits>

using namespace bitsink::reference;

/// Checks that `array` (named `name`) has `expected` elements.
template <typename T>
static bool checkSize(const std::vector<T> &array, int64_t expected,
                      const char *name, std::string &error) {
  if (static_cast<int64_t>(array.size()) == expected)
    return true;
  error = std::string(name) + " has " + std::to_string(array.size()) +
          " elements, expected " + std::to_string(expected);
  return false;
}

//===----------------------------------------------------------------------===//
// sink_attention
//===----------------------------------------------------------------------===//

/// Is the key at position `pos` in the window of the query at position `p`?
static bool inWindow(int64_t p, int64_t pos, int64_t window, bool causal) {
  if (window < 0)
    return true;
  if (window == 0)
    return false;
  if (causal)
    return p - window < pos && pos <= p;
  return std::llabs(p - pos) < window;
}

bool bitsink::reference::keyVisible(const SinkAttentionProblem &pr, int64_t b,
                                    int64_t h, int64_t i, int64_t j) {
  const int64_t Nk = pr.numKeys;
  const int64_t L = pr.kvLen.empty() ? Nk : pr.kvLen[b];
  const int64_t W = pr.window.empty()       ? -1
                    : pr.window.size() == 1 ? pr.window[0]
                                            : pr.window[h];
  const int64_t S = std::min(pr.numSinks, Nk);
  const int64_t p = i + L - pr.numQueries;
  const int64_t pos = pr.keyPositions.empty() ? j : pr.keyPositions[b * Nk + j];
  return j < L && pos >= 0 && (pr.keyMask.empty() || pr.keyMask[b * Nk + j]) &&
         (pos < S || inWindow(p, pos, W, pr.causal)) &&
         (!pr.causal || pos <= p);
}

void bitsink::reference::applyRope(const SinkAttentionProblem::Rope &rope,
                                   int64_t pos, std::vector<double> &x) {
  for (int64_t m = 0; m < rope.dims / 2; ++m) {
    const int64_t a = rope.interleaved ? 2 * m : m;
    const int64_t b = rope.interleaved ? 2 * m + 1 : m + rope.dims / 2;
    const double angle =
        double(pos) *
        std::pow(rope.theta, -2.0 * double(m) / double(rope.dims));
    const double c = std::cos(angle), s = std::sin(angle);
    const double xa = x[a], xb = x[b];
    x[a] = xa * c - xb * s;
    x[b] = xa * s + xb * c;
  }
}

bool bitsink::reference::sinkAttention(const SinkAttentionProblem &pr,
                                       std::vector<double> &output,
                                       std::string &error) {
  const int64_t B = pr.batch, Hq = pr.queryHeads, Hkv = pr.kvHeads,
                Nq = pr.numQueries, Nk = pr.numKeys, D = pr.headDim,
                Dv = pr.valueDim;
  if (B < 0 || Hq < 0 || Hkv <= 0 || Nq < 0 || Nk < 0 || D < 0 || Dv < 0 ||
      Hq % Hkv != 0) {
    error = "bad attention shape (Hkv must be positive and divide Hq)";
    return false;
  }
  if (!checkSize(pr.query, B * Hq * Nq * D, "query", error) ||
      !checkSize(pr.key, B * Hkv * Nk * D, "key", error) ||
      !checkSize(pr.value, B * Hkv * Nk * Dv, "value", error) ||
      (!pr.sinkLogits.empty() &&
       !checkSize(pr.sinkLogits, Hq, "sink_logits", error)) ||
      (!pr.kvLen.empty() && !checkSize(pr.kvLen, B, "kv_len", error)) ||
      (!pr.keyMask.empty() &&
       !checkSize(pr.keyMask, B * Nk, "key_mask", error)) ||
      (!pr.keyPositions.empty() &&
       !checkSize(pr.keyPositions, B * Nk, "key_positions", error)))
    return false;
  if (pr.window.size() > 1 && static_cast<int64_t>(pr.window.size()) != Hq) {
    error = "window has " + std::to_string(pr.window.size()) +
            " entries, expected 1 or Hq = " + std::to_string(Hq);
    return false;
  }
  if (pr.rope && (pr.rope->dims < 0 || pr.rope->dims % 2 != 0 ||
                  pr.rope->dims > D || !(pr.rope->theta > 0))) {
    error = "rope dims must be even and at most D = " + std::to_string(D) +
            ", and theta positive";
    return false;
  }

  const double scale = pr.scale ? *pr.scale : 1.0 / std::sqrt(double(D));
  const int64_t groupSize = Hq / std::max<int64_t>(Hkv, 1);
  const double negInf = -std::numeric_limits<double>::infinity();
  output.assign(B * Hq * Nq * Dv, 0.0);

  std::vector<double> scores(Nk);
  std::vector<bool> visible(Nk);
  std::vector<double> qi(D), kj(D);
  for (int64_t b = 0; b < B; ++b) {
    for (int64_t h = 0; h < Hq; ++h) {
      const int64_t kvHead = h / groupSize;
      const double sigma = pr.sinkLogits.empty() ? negInf : pr.sinkLogits[h];
      for (int64_t i = 0; i < Nq; ++i) {
        // data() + offset: an array may be empty (Nk = 0 or Dv = 0).
        const float *q = pr.query.data() + ((b * Hq + h) * Nq + i) * D;
        const int64_t L = pr.kvLen.empty() ? Nk : pr.kvLen[b];
        qi.assign(q, q + D);
        if (pr.rope)
          applyRope(*pr.rope, i + L - Nq, qi);
        bool any = false;
        double m = sigma;
        for (int64_t j = 0; j < Nk; ++j) {
          visible[j] = keyVisible(pr, b, h, i, j);
          if (!visible[j])
            continue;
          const float *k = pr.key.data() + ((b * Hkv + kvHead) * Nk + j) * D;
          kj.assign(k, k + D);
          if (pr.rope)
            applyRope(*pr.rope,
                      pr.keyPositions.empty() ? j : pr.keyPositions[b * Nk + j],
                      kj);
          double dot = 0;
          for (int64_t d = 0; d < D; ++d)
            dot += qi[d] * kj[d];
          scores[j] = scale * dot;
          m = std::max(m, scores[j]);
          any = true;
        }
        if (!any || m == negInf)
          continue; // The row stays zero.
        double denominator = std::exp(sigma - m);
        double *o = output.data() + ((b * Hq + h) * Nq + i) * Dv;
        for (int64_t j = 0; j < Nk; ++j) {
          if (!visible[j])
            continue;
          const double e = std::exp(scores[j] - m);
          denominator += e;
          const float *v = pr.value.data() + ((b * Hkv + kvHead) * Nk + j) * Dv;
          for (int64_t d = 0; d < Dv; ++d)
            o[d] += e * double(v[d]);
        }
        for (int64_t d = 0; d < Dv; ++d)
          o[d] /= denominator;
      }
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// cache_append
//===----------------------------------------------------------------------===//

int64_t bitsink::reference::cacheSlot(int64_t token, int64_t numSinks,
                                      int64_t capacity) {
  if (token < numSinks)
    return token;
  return numSinks + (token - numSinks) % (capacity - numSinks);
}

std::vector<int64_t> bitsink::reference::cachePositions(int64_t length,
                                                        int64_t numSinks,
                                                        int64_t capacity,
                                                        PositionMode mode) {
  std::vector<int64_t> positions(capacity, -1);
  // Tokens still held: the sinks 0..min(L, S)−1, and the last C − S tokens
  // after them.
  const int64_t firstWindowToken =
      std::max(numSinks, length - (capacity - numSinks));
  for (int64_t t = 0; t < std::min(length, numSinks); ++t)
    positions[cacheSlot(t, numSinks, capacity)] = t;
  for (int64_t t = firstWindowToken; t < length; ++t)
    positions[cacheSlot(t, numSinks, capacity)] =
        mode == PositionMode::Original ? t : numSinks + (t - firstWindowToken);
  return positions;
}

bool bitsink::reference::cacheAppend(const CacheAppendProblem &pr,
                                     CacheState &state, std::string &error) {
  const int64_t B = pr.batch, H = pr.kvHeads, T = pr.newTokens, C = pr.capacity,
                D = pr.headDim, Dv = pr.valueDim, S = pr.numSinks;
  if (S < 0 || S >= C) {
    error = "num_sinks must be in [0, C), got " + std::to_string(S) +
            " with C = " + std::to_string(C);
    return false;
  }
  if (!checkSize(pr.newKeys, B * H * T * D, "new_keys", error) ||
      !checkSize(pr.newValues, B * H * T * Dv, "new_values", error) ||
      !checkSize(state.keys, B * H * C * D, "key_cache", error) ||
      !checkSize(state.values, B * H * C * Dv, "value_cache", error) ||
      !checkSize(state.positions, B * C, "positions", error) ||
      !checkSize(state.length, B, "length", error))
    return false;
  for (int64_t b = 0; b < B; ++b) {
    const int64_t L = state.length[b];
    if (L < 0) {
      error = "length[" + std::to_string(b) + "] is negative";
      return false;
    }
    for (int64_t t = 0; t < T; ++t) {
      const int64_t slot = cacheSlot(L + t, S, C);
      for (int64_t h = 0; h < H; ++h) {
        for (int64_t d = 0; d < D; ++d)
          state.keys[((b * H + h) * C + slot) * D + d] =
              pr.newKeys[((b * H + h) * T + t) * D + d];
        for (int64_t d = 0; d < Dv; ++d)
          state.values[((b * H + h) * C + slot) * Dv + d] =
              pr.newValues[((b * H + h) * T + t) * Dv + d];
      }
    }
    state.length[b] = L + T;
    std::vector<int64_t> row = cachePositions(L + T, S, C, pr.positionMode);
    std::copy(row.begin(), row.end(), state.positions.begin() + b * C);
  }
  return true;
}

//===----------------------------------------------------------------------===//
// bitplane_matmul
//===----------------------------------------------------------------------===//

bool bitsink::reference::dequantizeBitplanes(const BitplaneMatmulProblem &pr,
                                             std::vector<double> &weight,
                                             std::string &error) {
  const int64_t K = pr.k, N = pr.n, P = pr.numPlanes;
  if (K < 0 || N < 0 || pr.groupSize <= 0) {
    error = "bad bitplane shape or group size";
    return false;
  }
  const bool ternary = pr.kind == PlaneKind::Ternary;
  if (P < 1 || P > 4 || (ternary && P != 2 && P != 4)) {
    error = "bad plane count " + std::to_string(P);
    return false;
  }
  const int64_t terms = ternary ? P / 2 : P, C = terms + 1;
  const int64_t KW = (K + 31) / 32, G = (K + pr.groupSize - 1) / pr.groupSize;
  if (!checkSize(pr.planes, P * KW * N, "planes", error) ||
      !checkSize(pr.coeffs, G * C * N, "coeffs", error))
    return false;
  const int64_t S = pr.subBlock;
  if (S < 0 || (S > 0 && !checkSize(pr.scales, ((K + S - 1) / S + 7) / 8 * N,
                                    "scales", error)))
    return false;
  auto bit = [&](int64_t p, int64_t k, int64_t n) -> int {
    return (pr.planes[(p * KW + k / 32) * N + n] >> (k % 32)) & 1;
  };
  weight.assign(K * N, 0.0);
  for (int64_t k = 0; k < K; ++k) {
    const int64_t g = k / pr.groupSize;
    for (int64_t n = 0; n < N; ++n) {
      double w = pr.coeffs[(g * C + 0) * N + n];
      for (int64_t l = 0; l < terms; ++l) {
        double t;
        switch (pr.kind) {
        case PlaneKind::Binary:
          t = bit(l, k, n);
          break;
        case PlaneKind::Signed:
          t = 2 * bit(l, k, n) - 1;
          break;
        case PlaneKind::Ternary:
          t = bit(2 * l, k, n) * (2 * bit(2 * l + 1, k, n) - 1);
          break;
        }
        w += double(pr.coeffs[(g * C + l + 1) * N + n]) * t;
      }
      if (S > 0) {
        const int64_t s = k / S;
        const uint32_t q = (pr.scales[(s / 8) * N + n] >> (4 * (s % 8))) & 15;
        w *= double(q + 1) / 16.0;
      }
      weight[k * N + n] = w;
    }
  }
  return true;
}

bool bitsink::reference::bitplaneMatmul(const BitplaneMatmulProblem &pr,
                                        std::vector<double> &output,
                                        std::string &error) {
  std::vector<double> weight;
  if (!dequantizeBitplanes(pr, weight, error))
    return false;
  const int64_t M = pr.m, K = pr.k, N = pr.n;
  if (M < 0 || !checkSize(pr.input, M * K, "input", error) ||
      !checkSize(pr.acc, M * N, "acc", error))
    return false;
  output.assign(M * N, 0.0);
  for (int64_t i = 0; i < M; ++i)
    for (int64_t n = 0; n < N; ++n) {
      double sum = pr.acc[i * N + n];
      for (int64_t k = 0; k < K; ++k)
        sum += double(pr.input[i * K + k]) * weight[k * N + n];
      output[i * N + n] = sum;
    }
  return true;
}
