//===- TestRandom.h - fixed-seed random numbers for the tests -*- C++ -*-===//
//-*-===//
//
// splitmix64 with uniform and normal draws: every platform sees the same
// cases. Shared by the quantizer's tests and its speed driver.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_UNITTESTS_QUANT_TESTRANDOM_H
#define BITSINK_UNITTESTS_QUANT_TESTRANDOM_H

#include <cmath>
#include <cstdint>
#include <vector>

namespace bitsink::quant::test {

/// Fixed-seed splitmix64.
class Random {
public:
  explicit Random(uint64_t seed) : state(seed) {}
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return (next() >> 11) * 0x1.0p-53; }
  /// Standard normal (Box-Muller).
  double normal() {
    double u = uniform() + 0x1.0p-60, v = uniform();
    return std::sqrt(-2 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

private:
  uint64_t state;
};

/// rows × cols standard normal draws of Random(seed), row-major.
inline std::vector<float> normalMatrix(int64_t rows, int64_t cols,
                                       uint64_t seed) {
  Random random(seed);
  std::vector<float> m(rows * cols);
  for (float &value : m)
    value = static_cast<float>(random.normal());
  return m;
}

} // namespace bitsink::quant::test

#endif // BITSINK_UNITTESTS_QUANT_TESTRANDOM_H
