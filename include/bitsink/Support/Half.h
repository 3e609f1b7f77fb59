//===- Half.h - IEEE half and bfloat16 bits ---------------------*- C++ -*-===//
//
// Conversions between float and the 16-bit patterns of IEEE binary16 (half)
// and bfloat16, for code that stores or reads such values in plain memory:
// .npy arrays, packed coefficients, test harnesses. Plain C++17.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_SUPPORT_HALF_H
#define BITSINK_SUPPORT_HALF_H

#include <cstdint>

namespace bitsink::npy {

/// float to half bits, rounding to nearest even: values of magnitude 65520
/// or more become infinity, values below 2^-14 become subnormals (2^-25 and
/// less round to a signed zero), NaN stays a quiet NaN with the top payload
/// bits kept.
uint16_t floatToHalf(float value);
/// Half bits to float; exact (every half is a float).
float halfToFloat(uint16_t bits);
/// float to bfloat16 bits (the top half of the float), rounding to nearest
/// even; NaN stays a quiet NaN.
uint16_t floatToBFloat16(float value);
/// bfloat16 bits to float; exact.
float bfloat16ToFloat(uint16_t bits);

} // namespace bitsink::npy

#endif // BITSINK_SUPPORT_HALF_H
