//===- Packing.cpp - canonical bit-plane layout ---------------------------===//
//
// docs/semantics.md §2.3: the value grids of the plane kinds, packing codes
// into planes[P][KW][N] (bit i of word w is row 32w+i), dequantization and
// validation of a packed buffer.
//
//===----------------------------------------------------------------------===//

#include "QuantInternal.h"

#include <cmath>
#include <limits>

using namespace bitsink::quant;
using namespace bitsink::quant::detail;

int detail::termsFor(PlaneKind kind, int planes) {
  return kind == PlaneKind::Ternary ? planes / 2 : planes;
}

Grid detail::makeGrid(PlaneKind kind, int planes) {
  Grid grid;
  grid.kind = kind;
  grid.planes = planes;
  grid.terms = termsFor(kind, planes);
  if (kind == PlaneKind::Ternary) {
    grid.numCodes = 1;
    for (int l = 0; l < grid.terms; ++l)
      grid.numCodes *= 3;
    for (int code = 0; code < grid.numCodes; ++code) {
      uint32_t bits = 0;
      int rest = code;
      for (int l = 0; l < grid.terms; ++l, rest /= 3) {
        // Digit 0 -> t = 0 (m = 0, s = 0), 1 -> t = +1 (m = 1, s = 1),
        // 2 -> t = -1 (m = 1, s = 0).
        int digit = rest % 3;
        float term = digit == 0 ? 0.0f : (digit == 1 ? 1.0f : -1.0f);
        grid.termValues.push_back(term);
        if (digit != 0)
          bits |= 1u << (2 * l);
        if (digit == 1)
          bits |= 1u << (2 * l + 1);
      }
      grid.bits.push_back(bits);
    }
    return grid;
  }
  grid.numCodes = 1 << planes;
  for (int code = 0; code < grid.numCodes; ++code) {
    for (int l = 0; l < planes; ++l) {
      int bit = (code >> l) & 1;
      grid.termValues.push_back(kind == PlaneKind::Binary
                                    ? static_cast<float>(bit)
                                    : static_cast<float>(2 * bit - 1));
    }
    grid.bits.push_back(static_cast<uint32_t>(code));
  }
  return grid;
}

float detail::roundCoefficient(float value, bool toF16) {
  if (!toF16 || !std::isfinite(value))
    return value;
  double magnitude = std::fabs(static_cast<double>(value));
  if (magnitude >= 65504.0)
    return std::copysign(65504.0f, value);
  int exponent = 0;
  std::frexp(magnitude, &exponent);
  // Spacing of f16 values around `magnitude`: 10 mantissa bits below the
  // leading one, and 2^-24 throughout the subnormal range.
  int lead = exponent - 1 < -14 ? -14 : exponent - 1;
  double ulp = std::ldexp(1.0, lead - 10);
  double rounded = std::nearbyint(magnitude / ulp) * ulp;
  return static_cast<float>(std::copysign(rounded, static_cast<double>(value)));
}

std::vector<uint32_t> bitsink::quant::packPlanes(const uint8_t *bits, int64_t K,
                                                 int64_t N, int64_t numPlanes) {
  int64_t numWords = (K + 31) / 32;
  std::vector<uint32_t> planes(numPlanes * numWords * N, 0);
  for (int64_t k = 0; k < K; ++k) {
    int64_t word = k / 32;
    uint32_t mask = 1u << (k % 32);
    for (int64_t p = 0; p < numPlanes; ++p) {
      uint32_t *row = planes.data() + (p * numWords + word) * N;
      for (int64_t n = 0; n < N; ++n)
        if ((bits[k * N + n] >> p) & 1)
          row[n] |= mask;
    }
  }
  return planes;
}

std::vector<uint8_t> bitsink::quant::unpackPlanes(const Packed &packed) {
  int64_t K = packed.K, N = packed.N, KW = packed.numWords;
  std::vector<uint8_t> bits(K * N, 0);
  for (int64_t p = 0; p < packed.numPlanes; ++p)
    for (int64_t k = 0; k < K; ++k) {
      const uint32_t *row = packed.planes.data() + (p * KW + k / 32) * N;
      for (int64_t n = 0; n < N; ++n)
        bits[k * N + n] |=
            static_cast<uint8_t>(((row[n] >> (k % 32)) & 1) << p);
    }
  return bits;
}

Packed detail::pack(const Grid &grid, const Unpacked &unpacked) {
  Packed packed;
  packed.K = unpacked.K;
  packed.N = unpacked.N;
  packed.kind = grid.kind;
  packed.numPlanes = grid.planes;
  packed.groupSize = unpacked.groupSize;
  packed.numGroups = unpacked.numGroups;
  packed.numCoeffs = unpacked.numCoeffs;
  packed.numWords = (unpacked.K + 31) / 32;
  std::vector<uint8_t> bits(unpacked.codes.size());
  for (size_t i = 0; i < bits.size(); ++i)
    bits[i] = static_cast<uint8_t>(grid.bits[unpacked.codes[i]]);
  packed.planes = packPlanes(bits.data(), unpacked.K, unpacked.N, grid.planes);
  packed.coeffs = unpacked.coeffs;
  if (unpacked.subBlock > 0) {
    packed.subBlock = unpacked.subBlock;
    packed.numScaleWords = numScaleWords(unpacked.K, unpacked.subBlock);
    packed.scales =
        packScaleCodes(unpacked.scaleCodes.data(),
                       numSubBlocks(unpacked.K, unpacked.subBlock), unpacked.N);
  }
  return packed;
}

std::vector<uint32_t> bitsink::quant::packScaleCodes(const uint8_t *codes,
                                                     int64_t numSubBlocks,
                                                     int64_t N) {
  int64_t numWords = (numSubBlocks + 7) / 8;
  std::vector<uint32_t> words(numWords * N, 0);
  for (int64_t s = 0; s < numSubBlocks; ++s) {
    uint32_t *row = words.data() + (s / 8) * N;
    int shift = static_cast<int>(4 * (s % 8));
    for (int64_t n = 0; n < N; ++n)
      row[n] |= static_cast<uint32_t>(codes[s * N + n] & 15) << shift;
  }
  return words;
}

void bitsink::quant::dequantize(const Packed &packed, float *What) {
  int64_t K = packed.K, N = packed.N, C = packed.numCoeffs;
  int numTerms = static_cast<int>(C - 1);
  std::vector<uint8_t> bits = unpackPlanes(packed);
  // The terms t_l of each of the 2^P stored bit patterns (P <= 4).
  float terms[16][4] = {};
  for (unsigned b = 0; b < 16; ++b)
    for (int l = 0; l < numTerms; ++l) {
      switch (packed.kind) {
      case PlaneKind::Binary:
        terms[b][l] = static_cast<float>((b >> l) & 1);
        break;
      case PlaneKind::Signed:
        terms[b][l] =
            static_cast<float>(2 * static_cast<int>((b >> l) & 1) - 1);
        break;
      case PlaneKind::Ternary: {
        int m = (b >> (2 * l)) & 1, s = (b >> (2 * l + 1)) & 1;
        terms[b][l] = static_cast<float>(m * (2 * s - 1));
        break;
      }
      }
    }
  for (int64_t k = 0; k < K; ++k) {
    int64_t g = k / packed.groupSize;
    const float *groupCoeffs = packed.coeffs.data() + g * C * N;
    for (int64_t n = 0; n < N; ++n)
      What[k * N + n] =
          dequantValue(groupCoeffs + n, N, terms[bits[k * N + n]], numTerms);
    if (packed.hasScales()) {
      int64_t s = k / packed.subBlock;
      const uint32_t *words = packed.scales.data() + (s / 8) * N;
      int shift = static_cast<int>(4 * (s % 8));
      for (int64_t n = 0; n < N; ++n)
        What[k * N + n] *= scaleMultiplier((words[n] >> shift) & 15);
    }
  }
}

bool bitsink::quant::validate(const Packed &packed, std::string &error) {
  auto fail = [&](const std::string &message) {
    error = message;
    return false;
  };
  // 2^40 rows or columns is far beyond any weight and keeps every size
  // computation below in range.
  constexpr int64_t kMaxDim = int64_t(1) << 40;
  if (packed.K <= 0 || packed.N <= 0 || packed.K > kMaxDim ||
      packed.N > kMaxDim)
    return fail("K and N must be positive and at most 2^40, got K = " +
                std::to_string(packed.K) +
                " and N = " + std::to_string(packed.N));
  if (packed.groupSize > kMaxDim)
    return fail("group size " + std::to_string(packed.groupSize) +
                " is larger than 2^40");
  int64_t P = packed.numPlanes;
  if (packed.kind == PlaneKind::Ternary ? (P != 2 && P != 4) : (P < 1 || P > 4))
    return fail(std::string(planeKindName(packed.kind)) + " planes must be " +
                (packed.kind == PlaneKind::Ternary ? "2 or 4" : "1 to 4") +
                ", got " + std::to_string(P));
  if (packed.groupSize <= 0 ||
      (packed.groupSize < packed.K && packed.groupSize % 32 != 0))
    return fail("group size must be a positive multiple of 32 or >= K = " +
                std::to_string(packed.K) + ", got " +
                std::to_string(packed.groupSize));
  int64_t G = (packed.K + packed.groupSize - 1) / packed.groupSize;
  if (packed.numGroups != G)
    return fail("expected " + std::to_string(G) + " groups, got " +
                std::to_string(packed.numGroups));
  int64_t C = termsFor(packed.kind, static_cast<int>(P)) + 1;
  if (packed.numCoeffs != C)
    return fail("expected " + std::to_string(C) + " coefficients, got " +
                std::to_string(packed.numCoeffs));
  int64_t KW = (packed.K + 31) / 32;
  if (packed.numWords != KW)
    return fail("expected " + std::to_string(KW) + " words, got " +
                std::to_string(packed.numWords));
  // Sizes from a file may be hostile: products are checked, not wrapped.
  int64_t numWords, numCoeffs;
  if (__builtin_mul_overflow(P * KW, packed.N, &numWords) ||
      __builtin_mul_overflow(G * C, packed.N, &numCoeffs))
    return fail("K = " + std::to_string(packed.K) + " by N = " +
                std::to_string(packed.N) + " overflows 64-bit sizes");
  if (static_cast<int64_t>(packed.planes.size()) != numWords)
    return fail("planes hold " + std::to_string(packed.planes.size()) +
                " words, expected " + std::to_string(numWords));
  if (static_cast<int64_t>(packed.coeffs.size()) != numCoeffs)
    return fail("coefficients hold " + std::to_string(packed.coeffs.size()) +
                " values, expected " + std::to_string(numCoeffs));
  for (float c : packed.coeffs)
    if (!std::isfinite(c))
      return fail("coefficients must be finite");
  // Every weight is c0 + Σ ±c_l: the sum of magnitudes must be a float too,
  // or some dequantized weight is ±inf.
  for (int64_t g = 0; g < G; ++g) {
    for (int64_t n = 0; n < packed.N; ++n) {
      double bound = 0;
      for (int64_t c = 0; c < C; ++c)
        bound += std::fabs(packed.coeffs[(g * C + c) * packed.N + n]);
      if (bound > std::numeric_limits<float>::max())
        return fail("coefficients of group " + std::to_string(g) + ", column " +
                    std::to_string(n) + " can sum beyond the f32 range");
    }
  }
  if (packed.subBlock != 0) {
    if (!isSubBlockSize(packed.subBlock))
      return fail("sub-block size must be 8, 16 or 32, got " +
                  std::to_string(packed.subBlock));
    int64_t numSub = numSubBlocks(packed.K, packed.subBlock);
    int64_t SW = numScaleWords(packed.K, packed.subBlock);
    if (packed.numScaleWords != SW)
      return fail("expected " + std::to_string(SW) + " scale words, got " +
                  std::to_string(packed.numScaleWords));
    if (static_cast<int64_t>(packed.scales.size()) != SW * packed.N)
      return fail("scale codes hold " + std::to_string(packed.scales.size()) +
                  " words, expected " + std::to_string(SW * packed.N));
    if (numSub % 8 != 0) {
      uint32_t unused = ~((1u << (4 * (numSub % 8))) - 1);
      const uint32_t *row = packed.scales.data() + (SW - 1) * packed.N;
      for (int64_t n = 0; n < packed.N; ++n)
        if (row[n] & unused)
          return fail("scale codes are set past the last sub-block " +
                      std::to_string(numSub - 1) + " (column " +
                      std::to_string(n) + ")");
    }
  } else if (packed.numScaleWords != 0 || !packed.scales.empty()) {
    return fail("scale codes are given without a sub-block size");
  }
  if (packed.K % 32 != 0) {
    uint32_t unused = ~((1u << (packed.K % 32)) - 1);
    for (int64_t p = 0; p < P; ++p) {
      const uint32_t *row = packed.planes.data() + (p * KW + KW - 1) * packed.N;
      for (int64_t n = 0; n < packed.N; ++n)
        if (row[n] & unused)
          return fail(
              "plane " + std::to_string(p) + " has bits set in rows >= K = " +
              std::to_string(packed.K) + " (column " + std::to_string(n) + ")");
    }
  }
  return true;
}
