//===- Half.cpp - IEEE half and bfloat16 bits -----------------------------===//
//
// Conversions between float and the bits of IEEE binary16 and bfloat16,
// rounding to nearest even, with the subnormal, infinity and NaN cases
// written out (no dependence on the host's half support).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Support/Half.h"

#include <cmath>
#include <cstring>

uint16_t bitsink::npy::floatToHalf(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000);
  x &= 0x7fffffff;
  if (x >= 0x7f800000) {
    if (x > 0x7f800000) // NaN: keep it quiet and keep the top payload bits.
      return sign | 0x7e00 | static_cast<uint16_t>((x >> 13) & 0x3ff);
    return sign | 0x7c00;
  }
  if (x >= 0x477ff000) // >= 65520 rounds to infinity.
    return sign | 0x7c00;
  if (x < 0x38800000) { // Below 2^-14: a half subnormal or zero.
    if (x < 0x33000000) // <= 2^-25 rounds to zero (2^-25 ties to even 0).
      return sign;
    uint32_t exponent = x >> 23;
    uint32_t mantissa = (x & 0x7fffff) | 0x800000;
    // value = mantissa * 2^(exponent - 150); in units of 2^-24 that is
    // mantissa >> (126 - exponent).
    uint32_t shift = 126 - exponent;
    uint32_t result = mantissa >> shift;
    uint32_t rest = mantissa & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (result & 1)))
      ++result;
    return sign | static_cast<uint16_t>(result);
  }
  // Normal: rebias the exponent (127 -> 15) and round the low 13 bits.
  uint32_t result = (x - 0x38000000) >> 13;
  uint32_t rest = x & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (result & 1)))
    ++result;
  return sign | static_cast<uint16_t>(result);
}

float bitsink::npy::halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
  uint32_t x;
  if (exponent == 0x1f) {
    x = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {
    x = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    x = sign;
  } else {
    float value = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -value : value;
  }
  float value;
  std::memcpy(&value, &x, 4);
  return value;
}

uint16_t bitsink::npy::floatToBFloat16(float value) {
  uint32_t x;
  std::memcpy(&x, &value, 4);
  if ((x & 0x7fffffff) > 0x7f800000)
    return static_cast<uint16_t>((x >> 16) | 0x40);
  x += 0x7fff + ((x >> 16) & 1);
  return static_cast<uint16_t>(x >> 16);
}

float bitsink::npy::bfloat16ToFloat(uint16_t bits) {
  uint32_t x = uint32_t(bits) << 16;
  float value;
  std::memcpy(&value, &x, 4);
  return value;
}
