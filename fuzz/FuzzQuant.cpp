//===- FuzzQuant.cpp - libFuzzer target for the quantizer ---------------===//
//
// Decodes the input into a quantization problem (K, N, method, planes,
// group size, calibration rows, and the matrix values themselves, NaN and
// Inf included) and a hostile packed buffer. Checks:
// - quantize() either fails with a message or returns a packed weight that
//   quant::validate accepts, whose dequantization is finite and whose
//   reported errors are finite and consistent with a recomputation;
// - validate() rejects every inconsistent packed buffer, and dequantize()
//   of an accepted one stays in bounds and finite.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Quantizer.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace bitsink;

namespace {
/// Reads fixed-size fields off the front of the input; zeros once empty.
struct Reader {
  const uint8_t *data;
  size_t size;

  template <typename T> T take() {
    T value{};
    size_t n = size < sizeof(T) ? size : sizeof(T);
    std::memcpy(&value, data, n);
    data += n;
    size -= n;
    return value;
  }
  /// A value in [lo, hi].
  int64_t range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(take<uint16_t>() % (hi - lo + 1));
  }
  /// A float that is mostly ordinary, sometimes extreme or non-finite.
  float value() {
    uint8_t kind = take<uint8_t>();
    if (kind < 240)
      return static_cast<float>(take<int16_t>()) / 4096.0f;
    return take<float>();
  }
};

[[noreturn]] void fail(const char *what, const std::string &detail = "") {
  std::fprintf(stderr, "FuzzQuant: %s %s\n", what, detail.c_str());
  std::abort();
}

float maxAbs(const std::vector<float> &values) {
  float m = 0;
  for (float v : values)
    m = std::max(m, std::fabs(v));
  return m;
}

void fuzzQuantize(Reader &in) {
  static const quant::Method methods[] = {quant::Method::RTN,
                                          quant::Method::BPDQ,
                                          quant::Method::Trit};
  quant::Options options;
  options.method = methods[in.range(0, 2)];
  options.planes = static_cast<int>(in.range(0, 5));
  static const int64_t groups[] = {0, 32, 64, 128, 48, -1, 1, 4096};
  options.groupSize = groups[in.range(0, 7)];
  options.iterations = static_cast<int>(in.range(1, 3));
  options.actOrder = in.take<uint8_t>() & 1;
  options.threads = 1;
  int64_t K = in.range(1, 80), N = in.range(1, 12), T = in.range(0, 6);
  std::vector<float> W(K * N), X(T * K);
  for (float &w : W)
    w = in.value();
  for (float &x : X)
    x = in.value();
  // Sub-block scale codes last, so that older inputs keep their meaning
  // (a valid size, none, or a bad one).
  static const int64_t subBlocks[] = {0, 0, 8, 16, 32, 12};
  options.subBlock = subBlocks[in.range(0, 5)];
  quant::Result result;
  std::string error;
  if (!quant::quantize(W.data(), K, N, T ? X.data() : nullptr, T, options,
                       result, error)) {
    if (error.empty())
      fail("quantize failed without a message");
    return;
  }
  if (!quant::validate(result.packed, error))
    fail("quantize produced an invalid packed weight:", error);
  std::vector<float> What(K * N);
  quant::dequantize(result.packed, What.data());
  for (float w : What)
    if (!std::isfinite(w))
      fail("non-finite dequantized weight");
  const quant::Report &report = result.report;
  // relError is +inf, by definition, when ||XW|| = 0 but ||X(W - Ŵ)|| > 0.
  if (std::isnan(report.relError) || report.relError < 0 ||
      !std::isfinite(report.weightRelError) || report.weightRelError < 0)
    fail("bad error report:",
         "relError " + std::to_string(report.relError) + " weightRelError " +
             std::to_string(report.weightRelError) + " K " +
             std::to_string(K) + " N " + std::to_string(N) + " T " +
             std::to_string(T) + " method " +
             quant::methodName(options.method) + " planes " +
             std::to_string(options.planes) + " group " +
             std::to_string(options.groupSize) + " sub-block " +
             std::to_string(options.subBlock) + " max|W| " +
             std::to_string(maxAbs(W)) + " max|X| " + std::to_string(maxAbs(X)));
  double num = 0, den = 0;
  for (int64_t i = 0; i < K * N; ++i) {
    num += (double(W[i]) - What[i]) * (double(W[i]) - What[i]);
    den += double(W[i]) * W[i];
  }
  if (den > 1e-20 && den < 1e30) {
    double recomputed = std::sqrt(num / den);
    if (std::fabs(recomputed - report.weightRelError) >
        1e-3 * (1 + recomputed))
      fail("weight error report differs from a recomputation");
  }
}

/// A packed buffer that is consistent, then (usually) broken in one way:
/// validate() must accept the first and reject the second, and dequantize()
/// of anything accepted must stay in bounds and finite.
void fuzzValidate(Reader &in) {
  quant::Packed packed;
  packed.kind = static_cast<quant::PlaneKind>(in.range(0, 2));
  packed.numPlanes = packed.kind == quant::PlaneKind::Ternary
                         ? 2 * in.range(1, 2)
                         : in.range(1, 4);
  packed.K = in.range(1, 70);
  packed.N = in.range(1, 9);
  packed.groupSize = in.take<uint8_t>() & 1 ? 32 * in.range(1, 3) : packed.K;
  packed.numGroups = (packed.K + packed.groupSize - 1) / packed.groupSize;
  packed.numCoeffs = (packed.kind == quant::PlaneKind::Ternary
                          ? packed.numPlanes / 2
                          : packed.numPlanes) +
                     1;
  packed.numWords = (packed.K + 31) / 32;
  packed.planes.resize(packed.numPlanes * packed.numWords * packed.N);
  uint32_t unused = packed.K % 32 ? ~((1u << (packed.K % 32)) - 1) : 0;
  for (int64_t p = 0; p < packed.numPlanes; ++p)
    for (int64_t w = 0; w < packed.numWords; ++w)
      for (int64_t n = 0; n < packed.N; ++n)
        packed.planes[(p * packed.numWords + w) * packed.N + n] =
            in.take<uint32_t>() &
            (w == packed.numWords - 1 ? ~unused : 0xffffffffu);
  packed.coeffs.resize(packed.numGroups * packed.numCoeffs * packed.N);
  for (float &c : packed.coeffs)
    c = static_cast<float>(in.take<int16_t>()) / 1024.0f;

  // Which field to break (0: none).
  int64_t broken = in.range(0, 12);
  int64_t delta = in.range(1, 3) * (in.take<uint8_t>() & 1 ? 1 : -1);
  switch (broken) {
  case 1: packed.K += delta; break;
  case 2: packed.N += delta; break;
  case 3: packed.numPlanes += delta; break;
  case 4: packed.groupSize += delta; break;
  case 5: packed.numGroups += delta; break;
  case 6: packed.numCoeffs += delta; break;
  case 7: packed.numWords += delta; break;
  case 8:
    packed.planes.resize(std::max<int64_t>(0, packed.planes.size() + delta));
    break;
  case 9:
    packed.coeffs.resize(std::max<int64_t>(0, packed.coeffs.size() + delta));
    break;
  case 10:
    packed.coeffs[in.range(0, packed.coeffs.size() - 1)] =
        in.take<uint8_t>() & 1 ? NAN : INFINITY;
    break;
  case 11:
    for (float &c : packed.coeffs)
      c = 3e38f;
    break;
  case 12:
    if (!unused)
      broken = 0;
    else
      packed.planes[packed.planes.size() - 1 - in.range(0, packed.N - 1)] |=
          unused & (1u << (31 - in.range(0, 31 - packed.K % 32)));
    break;
  default:
    break;
  }
  std::string error;
  bool accepted = quant::validate(packed, error);
  if (!accepted && error.empty())
    fail("validate rejected without a message");
  if (broken == 0 && !accepted)
    fail("validate rejected a consistent packed weight:", error);
  // Some perturbations leave a consistent buffer (a group size that is
  // still >= K, for instance); what matters is that anything accepted is
  // safe to read.
  if (!accepted)
    return;
  int64_t K = packed.K, N = packed.N;
  if (K <= 0 || N <= 0)
    fail("validate accepted a non-positive size");
  std::vector<float> What(K * N);
  quant::dequantize(packed, What.data());
  for (float w : What)
    if (!std::isfinite(w))
      fail("validate accepted coefficients that dequantize to non-finite");
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  Reader in{data, size};
  if (in.take<uint8_t>() & 1)
    fuzzValidate(in);
  else
    fuzzQuantize(in);
  return 0;
}
