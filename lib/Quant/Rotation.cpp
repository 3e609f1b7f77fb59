//===- Rotation.cpp - Walsh–Hadamard incoherence rotation -------*- C++ -*-===//
//
// R = diag(s)·blockdiag(H_b, …, H_b), H_b the b×b Walsh–Hadamard matrix over
// √b: the quantizer packs RᵀW and the consumer multiplies its input by R
// (docs/quantizer.md, "Rotation"). Every product with H_b is a fast
// Walsh–Hadamard transform, b·log2(b) additions per vector instead of b².
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Quantizer.h"

#include <cmath>
#include <utility>

using namespace bitsink::quant;

namespace {

/// splitmix64: a fixed, platform-independent stream of 64-bit values.
uint64_t mix(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// v ← H_b·v for each b-long run of `count` contiguous values starting at
/// `base`, with consecutive entries of v `stride` values apart: the
/// butterflies combine whole runs at once (rows of a row-major matrix).
template <typename T>
void walshHadamard(T *base, int64_t block, int64_t stride, int64_t count) {
  T scale = T(1) / std::sqrt(T(block));
  for (int64_t half = 1; half < block; half *= 2)
    for (int64_t start = 0; start < block; start += 2 * half)
      for (int64_t i = start; i < start + half; ++i) {
        T *a = base + i * stride;
        T *b = base + (i + half) * stride;
        for (int64_t c = 0; c < count; ++c) {
          T x = a[c], y = b[c];
          a[c] = x + y;
          b[c] = x - y;
        }
      }
  for (int64_t i = 0; i < block; ++i)
    for (int64_t c = 0; c < count; ++c)
      base[i * stride + c] *= scale;
}

/// M[K][cols] ← blockdiag(H_b)·M (the rows of each block combined).
template <typename T>
void transformRows(const Rotation &rotation, T *M, int64_t cols) {
  for (int64_t k = 0; k < rotation.K; k += rotation.block)
    walshHadamard(M + k * cols, rotation.block, cols, cols);
}

/// M[rows][K] ← M·blockdiag(H_b) (each row's blocks transformed; H_b is
/// symmetric).
template <typename T>
void transformColumns(const Rotation &rotation, T *M, int64_t rows) {
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < rotation.K; k += rotation.block)
      walshHadamard(M + r * rotation.K + k, rotation.block, 1, 1);
}

} // namespace

int64_t bitsink::quant::effectiveRotationBlock(int64_t requested, int64_t K) {
  if (requested <= 0 || K <= 0)
    return 0;
  int64_t block = 1;
  while (block * 2 <= requested && K % (block * 2) == 0)
    block *= 2;
  return block > 1 ? block : 0;
}

Rotation bitsink::quant::makeRotation(int64_t K, int64_t requested,
                                      uint64_t seed) {
  Rotation rotation;
  rotation.K = K;
  rotation.block = effectiveRotationBlock(requested, K);
  if (!rotation.enabled())
    return rotation;
  rotation.signs.resize(K);
  uint64_t state = mix(seed);
  for (int64_t k = 0; k < K; ++k)
    rotation.signs[k] =
        (mix(state + static_cast<uint64_t>(k)) >> 63) ? -1.0f : 1.0f;
  return rotation;
}

void bitsink::quant::rotateRows(const Rotation &rotation, float *rows,
                                int64_t T) {
  if (!rotation.enabled())
    return;
  // (x∘s)·blockdiag(H_b).
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < rotation.K; ++k)
      rows[t * rotation.K + k] *= rotation.signs[k];
  transformColumns(rotation, rows, T);
}

void bitsink::quant::rotateWeight(const Rotation &rotation, float *W,
                                  int64_t N) {
  if (!rotation.enabled())
    return;
  // Rᵀ = blockdiag(H_b)·diag(s).
  for (int64_t k = 0; k < rotation.K; ++k)
    for (int64_t n = 0; n < N; ++n)
      W[k * N + n] *= rotation.signs[k];
  transformRows(rotation, W, N);
}

void bitsink::quant::unrotateWeight(const Rotation &rotation, float *W,
                                    int64_t N) {
  if (!rotation.enabled())
    return;
  transformRows(rotation, W, N);
  for (int64_t k = 0; k < rotation.K; ++k)
    for (int64_t n = 0; n < N; ++n)
      W[k * N + n] *= rotation.signs[k];
}

void bitsink::quant::rotateHessian(const Rotation &rotation, double *H) {
  if (!rotation.enabled())
    return;
  int64_t K = rotation.K;
  // From the lower triangle and the diagonal (what the quantizer reads).
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < i; ++j)
      H[j * K + i] = H[i * K + j];
  // RᵀHR = B·(S H S)·B with B = blockdiag(H_b).
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < K; ++j)
      H[i * K + j] *= double(rotation.signs[i]) * double(rotation.signs[j]);
  transformRows(rotation, H, K);
  transformColumns(rotation, H, K);
  // Exactly symmetric again (the two passes round differently).
  for (int64_t i = 0; i < K; ++i)
    for (int64_t j = 0; j < i; ++j) {
      double mean = 0.5 * (H[i * K + j] + H[j * K + i]);
      H[i * K + j] = H[j * K + i] = mean;
    }
}

std::vector<float> bitsink::quant::rotationBlocks(const Rotation &rotation) {
  if (!rotation.enabled())
    return {};
  int64_t b = rotation.block, K = rotation.K;
  // Block i: diag(s_i)·H_b, H_b from the transform of the identity.
  std::vector<double> hadamard(b * b, 0.0);
  for (int64_t i = 0; i < b; ++i)
    hadamard[i * b + i] = 1.0;
  walshHadamard(hadamard.data(), b, b, b);
  std::vector<float> blocks(K * b);
  for (int64_t i = 0; i < K / b; ++i)
    for (int64_t l = 0; l < b; ++l)
      for (int64_t j = 0; j < b; ++j)
        blocks[(i * b + l) * b + j] =
            static_cast<float>(rotation.signs[i * b + l] * hadamard[l * b + j]);
  return blocks;
}
