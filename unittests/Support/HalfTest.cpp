//===- HalfTest.cpp - IEEE half and bfloat16 bit conversions --------------===//
//
// Round trips over every 16-bit pattern and the corners of the rounding:
// signed zeros, subnormals (including rounding up into the normals),
// overflow to infinity, and NaN (kept quiet, sign and payload kept).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Support/Half.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>

using namespace bitsink::npy;

namespace {

float fromBits(uint32_t bits) {
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}

uint32_t bitsOf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, 4);
  return bits;
}

TEST(Half, EveryPatternRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t h = static_cast<uint16_t>(bits);
    float f = halfToFloat(h);
    bool isNaN = (h & 0x7c00) == 0x7c00 && (h & 0x3ff) != 0;
    ASSERT_EQ(std::isnan(f), isNaN) << bits;
    // A NaN comes back quiet (bit 9 set) with its sign and payload.
    ASSERT_EQ(floatToHalf(f), isNaN ? (h | 0x0200) : h) << bits;
  }
}

TEST(Half, SubnormalsAreExactMultiplesOfTwoToTheMinus24) {
  for (uint16_t m = 1; m < 0x400; ++m) {
    EXPECT_EQ(halfToFloat(m), std::ldexp(static_cast<float>(m), -24)) << m;
    EXPECT_EQ(halfToFloat(0x8000 | m), -std::ldexp(static_cast<float>(m), -24))
        << m;
  }
}

TEST(Half, RoundsSubnormalsToNearestEven) {
  // In units of 2^-24: 1.5 ties to 2, 2.5 ties to 2, 1.25 rounds to 1.
  EXPECT_EQ(floatToHalf(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(floatToHalf(std::ldexp(5.0f, -25)), 0x0002);
  EXPECT_EQ(floatToHalf(std::ldexp(5.0f, -26)), 0x0001);
  // Just above 2^-25 rounds up to the smallest subnormal.
  EXPECT_EQ(floatToHalf(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  // 1023.5 units ties to the even 1024 = 2^-14, the smallest normal.
  EXPECT_EQ(floatToHalf(std::ldexp(2047.0f, -25)), 0x0400);
  // The float's own smallest values round to signed zeros.
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::denorm_min()), 0x0000);
  EXPECT_EQ(floatToHalf(-std::numeric_limits<float>::denorm_min()), 0x8000);
}

TEST(Half, SignedZerosInfinitiesAndOverflow) {
  EXPECT_EQ(floatToHalf(0.0f), 0x0000);
  EXPECT_EQ(floatToHalf(-0.0f), 0x8000);
  EXPECT_TRUE(std::signbit(halfToFloat(0x8000)));
  EXPECT_EQ(floatToHalf(INFINITY), 0x7c00);
  EXPECT_EQ(floatToHalf(-INFINITY), 0xfc00);
  EXPECT_EQ(halfToFloat(0xfc00), -INFINITY);
  EXPECT_EQ(floatToHalf(-65520.0f), 0xfc00);
  EXPECT_EQ(floatToHalf(-65504.0f), 0xfbff);
  EXPECT_EQ(floatToHalf(std::numeric_limits<float>::max()), 0x7c00);
}

TEST(Half, NaNsStayQuietNaNs) {
  // A signalling float NaN becomes a quiet half NaN; sign and the top payload
  // bits are kept.
  EXPECT_EQ(floatToHalf(fromBits(0x7f800001)), 0x7e00);
  EXPECT_EQ(floatToHalf(fromBits(0xffc00000)), 0xfe00);
  EXPECT_EQ(floatToHalf(fromBits(0x7fc02000)), 0x7e01);
  EXPECT_EQ(bitsOf(halfToFloat(0x7e01)), 0x7fc02000u);
}

TEST(BFloat16, EveryPatternRoundTrips) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    uint16_t b = static_cast<uint16_t>(bits);
    float f = bfloat16ToFloat(b);
    ASSERT_EQ(bitsOf(f), bits << 16) << bits;
    bool isNaN = (b & 0x7f80) == 0x7f80 && (b & 0x7f) != 0;
    ASSERT_EQ(floatToBFloat16(f), isNaN ? (b | 0x40) : b) << bits;
  }
}

TEST(BFloat16, RoundsToNearestEvenAndKeepsNaNs) {
  // Halfway between two bfloat16 values: 0x3f808000 ties to the even 0x3f80,
  // 0x3f818000 to the even 0x3f82; anything above halfway rounds up.
  EXPECT_EQ(floatToBFloat16(fromBits(0x3f808000)), 0x3f80);
  EXPECT_EQ(floatToBFloat16(fromBits(0x3f818000)), 0x3f82);
  EXPECT_EQ(floatToBFloat16(fromBits(0x3f808001)), 0x3f81);
  // Float subnormals round like any other value.
  EXPECT_EQ(floatToBFloat16(fromBits(0x00018000)), 0x0002);
  EXPECT_EQ(floatToBFloat16(-0.0f), 0x8000);
  // The largest float rounds up to infinity.
  EXPECT_EQ(floatToBFloat16(std::numeric_limits<float>::max()), 0x7f80);
  EXPECT_EQ(floatToBFloat16(-INFINITY), 0xff80);
  // A NaN whose payload sits in the low bits only must not round to
  // infinity: it becomes a quiet NaN.
  EXPECT_EQ(floatToBFloat16(fromBits(0x7f800001)), 0x7fc0);
  EXPECT_EQ(floatToBFloat16(fromBits(0xff800001)), 0xffc0);
}

} // namespace
