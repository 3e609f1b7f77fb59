//===- bitsink-quantize.cpp - quantize one weight matrix from .npy --------===//
//
// Runs the rtn / bpdq / trit quantizer (include/bitsink/Quant) on W[K][N]
// from a .npy file, optionally with calibration activations X[T][K], prints
// the error report and writes the packed planes and coefficients
// (docs/semantics.md §2.3 canonical layout) to an .npz archive.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Quantizer.h"
#include "bitsink/Support/Npy.h"

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>

using namespace bitsink;

namespace {

const char *kUsage =
    "usage: bitsink-quantize --weight W.npy [--calibration X.npy]\n"
    "         --method rtn|bpdq|trit --planes P --group-size G\n"
    "         [--f32-coefficients] [--iterations N] [--damp D] [--ridge R]\n"
    "         [--act-order] [--plain-rtn] [--threads T] [--out packed.npz]\n"
    "         [--rotation B] [--rotation-seed S] [--sub-block S] [--json]\n"
    "\n"
    "W is K x N (input features x outputs), X is T x K. G <= 0 or >= K means\n"
    "one group per column. --plain-rtn: rtn (and bpdq's rtn candidate) keep\n"
    "the plain min-max grid, without the per-group search. The .npz holds\n"
    "'planes' (int32 [P][ceil(K/32)][N]), 'coeffs' (f16 or f32 [G][C][N]) and\n"
    "'config' (int64 [K, N, P, group size, plane kind: 0 binary, 1 signed,\n"
    "2 ternary]).\n"
    "--rotation B (a power of two): quantize R^T W for the Walsh-Hadamard\n"
    "rotation R of blocks of the largest power of two <= B dividing K\n"
    "(docs/quantizer.md, \"Rotation\"); the input must be multiplied by R.\n"
    "The .npz then also holds 'rotation_signs' (f32 [K]) and the report the\n"
    "block.\n"
    "--sub-block S (8, 16 or 32; bpdq and trit): a 4-bit scale code per S\n"
    "rows and column multiplies the grid by (q + 1)/16 (docs/quantizer.md,\n"
    "\"Sub-block scale codes\"); the .npz then also holds 'scales' (int32\n"
    "[ceil(ceil(K/S)/8)][N], nibble j of word w: sub-block 8w + j).\n";

int fail(const std::string &message) {
  std::fprintf(stderr, "bitsink-quantize: error: %s\n", message.c_str());
  return 1;
}

bool parseInt(const std::string &text, int64_t &value) {
  char *end = nullptr;
  errno = 0;
  long long parsed = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0)
    return false;
  value = parsed;
  return true;
}

bool parseDouble(const std::string &text, double &value) {
  char *end = nullptr;
  errno = 0;
  value = std::strtod(text.c_str(), &end);
  return !text.empty() && *end == '\0' && errno == 0;
}

/// JSON number, or null for values JSON cannot hold.
std::string jsonNumber(double value) {
  if (!std::isfinite(value))
    return "null";
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.9g", value);
  return buffer;
}

bool loadMatrix(const std::string &path, const char *what,
                std::vector<float> &values, int64_t &rows, int64_t &cols,
                std::string &error) {
  npy::Array array;
  if (!npy::readNpy(path, array, error)) {
    error = std::string(what) + " '" + path + "': " + error;
    return false;
  }
  if (array.shape.size() != 2) {
    error = std::string(what) + " '" + path + "' must be 2-D, got " +
            std::to_string(array.shape.size()) + " dimensions";
    return false;
  }
  if (array.dtype == npy::DType::Bool) {
    error = std::string(what) + " '" + path + "' must be numeric, got bool";
    return false;
  }
  rows = array.shape[0];
  cols = array.shape[1];
  values = npy::toFloat(array);
  return true;
}

} // namespace

int main(int argc, char **argv) {
  std::string weightPath, calibrationPath, outPath, methodText;
  bool json = false, haveMethod = false, havePlanes = false, haveGroup = false;
  quant::Options options;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](std::string &out) {
      if (i + 1 >= argc)
        return false;
      out = argv[++i];
      return true;
    };
    std::string text;
    int64_t integer = 0;
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (arg == "--json") {
      json = true;
    } else if (arg == "--f32-coefficients") {
      options.f16Coefficients = false;
    } else if (arg == "--act-order") {
      options.actOrder = true;
    } else if (arg == "--plain-rtn") {
      options.rtnSearch = false;
    } else if (arg == "--weight" || arg == "--calibration" || arg == "--out" ||
               arg == "--method") {
      if (!value(text))
        return fail(arg + " needs a value");
      if (arg == "--weight")
        weightPath = text;
      else if (arg == "--calibration")
        calibrationPath = text;
      else if (arg == "--out")
        outPath = text;
      else if (!quant::parseMethod(text, options.method))
        return fail("unknown method '" + text +
                    "' (expected rtn, bpdq or trit)");
      else
        haveMethod = true;
    } else if (arg == "--planes" || arg == "--group-size" ||
               arg == "--iterations" || arg == "--threads" ||
               arg == "--rotation" || arg == "--rotation-seed" ||
               arg == "--sub-block") {
      if (!value(text) || !parseInt(text, integer))
        return fail(arg + " needs an integer");
      if (arg == "--planes") {
        options.planes = static_cast<int>(integer);
        havePlanes = true;
      } else if (arg == "--group-size") {
        options.groupSize = integer;
        haveGroup = true;
      } else if (arg == "--iterations") {
        options.iterations = static_cast<int>(integer);
      } else if (arg == "--rotation") {
        options.rotationBlock = integer;
      } else if (arg == "--sub-block") {
        options.subBlock = integer;
      } else if (arg == "--rotation-seed") {
        if (integer < 0)
          return fail("--rotation-seed needs a non-negative integer");
        options.rotationSeed = static_cast<uint64_t>(integer);
      } else {
        options.threads = static_cast<int>(integer);
      }
    } else if (arg == "--damp" || arg == "--ridge") {
      double number = 0;
      if (!value(text) || !parseDouble(text, number))
        return fail(arg + " needs a number");
      (arg == "--damp" ? options.damp : options.ridge) = number;
    } else {
      std::fputs(kUsage, stderr);
      return fail("unknown argument '" + arg + "'");
    }
  }
  if (weightPath.empty() || !haveMethod || !havePlanes || !haveGroup) {
    std::fputs(kUsage, stderr);
    return fail("--weight, --method, --planes and --group-size are required");
  }

  std::string error;
  std::vector<float> W, X;
  int64_t K = 0, N = 0, T = 0, XK = 0;
  if (!loadMatrix(weightPath, "weight", W, K, N, error))
    return fail(error);
  if (!calibrationPath.empty()) {
    if (!loadMatrix(calibrationPath, "calibration", X, T, XK, error))
      return fail(error);
    if (XK != K)
      return fail("calibration data has " + std::to_string(XK) +
                  " columns but the weight has K = " + std::to_string(K) +
                  " rows");
  }

  quant::Result result;
  auto start = std::chrono::steady_clock::now();
  if (!quant::quantize(W.data(), K, N, X.empty() ? nullptr : X.data(), T,
                       options, result, error))
    return fail(error);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  const quant::Packed &packed = result.packed;
  const quant::Report &report = result.report;

  if (!outPath.empty()) {
    std::map<std::string, npy::Array> arrays;
    npy::Array planes = npy::Array::zeros(
        npy::DType::I32, {packed.numPlanes, packed.numWords, packed.N});
    std::memcpy(planes.data.data(), packed.planes.data(),
                packed.planes.size() * sizeof(uint32_t));
    npy::Array coeffs = npy::Array::zeros(
        npy::DType::F32, {packed.numGroups, packed.numCoeffs, packed.N});
    std::memcpy(coeffs.data.data(), packed.coeffs.data(),
                packed.coeffs.size() * sizeof(float));
    if (options.f16Coefficients)
      coeffs = npy::convert(coeffs, npy::DType::F16);
    npy::Array config = npy::Array::zeros(npy::DType::I64, {5});
    int64_t *c = config.as<int64_t>();
    c[0] = packed.K;
    c[1] = packed.N;
    c[2] = packed.numPlanes;
    c[3] = packed.groupSize;
    c[4] = static_cast<int64_t>(packed.kind);
    arrays["planes"] = std::move(planes);
    arrays["coeffs"] = std::move(coeffs);
    arrays["config"] = std::move(config);
    if (result.rotation.enabled()) {
      npy::Array signs =
          npy::Array::zeros(npy::DType::F32, {result.rotation.K});
      std::memcpy(signs.data.data(), result.rotation.signs.data(),
                  result.rotation.signs.size() * sizeof(float));
      arrays["rotation_signs"] = std::move(signs);
    }
    if (packed.hasScales()) {
      npy::Array scales =
          npy::Array::zeros(npy::DType::I32, {packed.numScaleWords, packed.N});
      std::memcpy(scales.data.data(), packed.scales.data(),
                  packed.scales.size() * sizeof(uint32_t));
      arrays["scales"] = std::move(scales);
    }
    if (!npy::writeNpz(outPath, arrays, error))
      return fail("writing '" + outPath + "': " + error);
  }

  if (json) {
    std::printf(
        "{\"method\": \"%s\", \"plane_kind\": \"%s\", \"planes\": %lld, "
        "\"group_size\": %lld, \"K\": %lld, \"N\": %lld, "
        "\"calibration_rows\": %lld, \"bits_per_weight\": %s, "
        "\"rel_error\": %s, \"weight_rel_error\": %s, \"rtn_columns\": %lld, "
        "\"damp\": %s, \"rotation_block\": %lld, \"sub_block\": %lld, "
        "\"seconds\": %s}\n",
        quant::methodName(options.method), quant::planeKindName(packed.kind),
        static_cast<long long>(packed.numPlanes),
        static_cast<long long>(packed.groupSize), static_cast<long long>(K),
        static_cast<long long>(N), static_cast<long long>(T),
        jsonNumber(report.bitsPerWeight).c_str(),
        jsonNumber(report.relError).c_str(),
        jsonNumber(report.weightRelError).c_str(),
        static_cast<long long>(report.rtnColumns),
        jsonNumber(report.damp).c_str(),
        static_cast<long long>(result.rotation.block),
        static_cast<long long>(packed.subBlock), jsonNumber(seconds).c_str());
  } else {
    std::printf("method            %s (%s planes)\n",
                quant::methodName(options.method),
                quant::planeKindName(packed.kind));
    std::printf("shape             K = %lld, N = %lld, calibration rows %lld\n",
                static_cast<long long>(K), static_cast<long long>(N),
                static_cast<long long>(T));
    std::printf("planes, group     %lld, %lld (%lld groups)\n",
                static_cast<long long>(packed.numPlanes),
                static_cast<long long>(packed.groupSize),
                static_cast<long long>(packed.numGroups));
    std::printf("bits per weight   %.4f\n", report.bitsPerWeight);
    std::printf("rel error         %.6g (%s)\n", report.relError,
                X.empty() ? "weights" : "||X(W-W^)|| / ||XW||");
    std::printf("weight rel error  %.6g\n", report.weightRelError);
    if (options.method == quant::Method::BPDQ)
      std::printf("rtn columns       %lld of %lld\n",
                  static_cast<long long>(report.rtnColumns),
                  static_cast<long long>(N));
    if (result.rotation.enabled())
      std::printf("rotation          blocks of %lld rows\n",
                  static_cast<long long>(result.rotation.block));
    if (packed.hasScales())
      std::printf("sub-block codes   one per %lld rows\n",
                  static_cast<long long>(packed.subBlock));
    std::printf("seconds           %.3f\n", seconds);
  }
  return 0;
}
