//===- QuantizeToolTest.cpp - bitsink-quantize end to end -----------------===//
//
// Runs the built bitsink-quantize on .npy files written here and checks that
// its .npz holds exactly what the library returns for the same options, that
// the JSON line carries the report, and that bad command lines fail.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Quant/Quantizer.h"
#include "bitsink/Support/Npy.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sys/wait.h>
#include <unistd.h>

using namespace bitsink;

namespace {

/// Per-process names: ctest runs the tests of this binary in parallel.
std::string tempPath(const std::string &name) {
  return ::testing::TempDir() + "bitsink-quantize-" + std::to_string(getpid()) +
         "-" + name;
}

/// Removes the named temporary files when a test ends.
struct TempFiles {
  std::vector<std::string> names;
  ~TempFiles() {
    for (const std::string &name : names)
      std::remove(tempPath(name).c_str());
  }
};

/// Runs the tool with `args`; returns its exit status and stdout.
int runTool(const std::string &args, std::string &out) {
  std::string outPath = tempPath("stdout.txt");
  std::string command = std::string(BITSINK_QUANTIZE_PATH) + " " + args +
                        " > " + outPath + " 2> " + tempPath("stderr.txt");
  int status = std::system(command.c_str());
  std::ifstream in(outPath);
  out.assign(std::istreambuf_iterator<char>(in), {});
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The number after `"key": ` in a one-line JSON object.
double jsonField(const std::string &json, const std::string &key) {
  size_t at = json.find("\"" + key + "\": ");
  EXPECT_NE(at, std::string::npos) << key << " in " << json;
  if (at == std::string::npos)
    return NAN;
  return std::strtod(json.c_str() + at + key.size() + 4, nullptr);
}

npy::Array matrix(int64_t rows, int64_t cols, int salt) {
  npy::Array array = npy::Array::zeros(npy::DType::F32, {rows, cols});
  float *data = array.as<float>();
  for (int64_t i = 0; i < rows * cols; ++i)
    data[i] = static_cast<float>(std::sin(0.37 * i + salt) *
                                 std::cos(0.011 * i * salt));
  return array;
}

TEST(QuantizeTool, PackedOutputMatchesLibrary) {
  TempFiles files{{"W.npy", "X.npy", "packed.npz", "stdout.txt", "stderr.txt"}};
  const int64_t K = 70, N = 5, T = 40;
  npy::Array W = matrix(K, N, 3), X = matrix(T, K, 7);
  std::string error;
  ASSERT_TRUE(npy::writeNpy(tempPath("W.npy"), W, error)) << error;
  ASSERT_TRUE(npy::writeNpy(tempPath("X.npy"), X, error)) << error;
  for (bool f16 : {true, false}) {
    std::string out;
    std::string args = "--weight " + tempPath("W.npy") + " --calibration " +
                       tempPath("X.npy") +
                       " --method bpdq --planes 3 --group-size 32 --json "
                       "--out " +
                       tempPath("packed.npz") +
                       (f16 ? "" : " --f32-coefficients");
    ASSERT_EQ(runTool(args, out), 0) << out;

    quant::Options options;
    options.method = quant::Method::BPDQ;
    options.planes = 3;
    options.groupSize = 32;
    options.f16Coefficients = f16;
    quant::Result expected;
    ASSERT_TRUE(quant::quantize(W.as<float>(), K, N, X.as<float>(), T, options,
                                expected, error))
        << error;
    EXPECT_NEAR(jsonField(out, "rel_error"), expected.report.relError, 1e-8);
    EXPECT_NEAR(jsonField(out, "weight_rel_error"),
                expected.report.weightRelError, 1e-8);
    // The tool prints 9 significant digits; K = 70 stores 96 rows of plane
    // words and three groups, 6.857... bits per weight.
    EXPECT_NEAR(jsonField(out, "bits_per_weight"),
                expected.report.bitsPerWeight, 1e-8);
    EXPECT_NEAR(expected.report.bitsPerWeight,
                (3 * 96 + (f16 ? 16.0 : 32.0) * 4 * 3) / K, 1e-12);
    EXPECT_EQ(jsonField(out, "planes"), 3);
    EXPECT_EQ(jsonField(out, "group_size"), 32);
    EXPECT_NE(out.find("\"method\": \"bpdq\""), std::string::npos) << out;

    std::map<std::string, npy::Array> arrays;
    ASSERT_TRUE(npy::readNpz(tempPath("packed.npz"), arrays, error)) << error;
    const npy::Array &planes = arrays["planes"];
    const npy::Array &coeffs = arrays["coeffs"];
    const npy::Array &config = arrays["config"];
    EXPECT_EQ(planes.dtype, npy::DType::I32);
    EXPECT_EQ(planes.shape, (std::vector<int64_t>{3, 3, N}));
    EXPECT_EQ(coeffs.dtype, f16 ? npy::DType::F16 : npy::DType::F32);
    EXPECT_EQ(coeffs.shape, (std::vector<int64_t>{3, 4, N}));
    EXPECT_EQ(config.shape, (std::vector<int64_t>{5}));
    EXPECT_EQ(
        std::vector<int64_t>(config.as<int64_t>(), config.as<int64_t>() + 5),
        (std::vector<int64_t>{K, N, 3, 32, 0}));
    std::vector<uint32_t> words(planes.numElements());
    std::memcpy(words.data(), planes.data.data(), words.size() * 4);
    EXPECT_EQ(words, expected.packed.planes);
    EXPECT_EQ(npy::toFloat(coeffs), expected.packed.coeffs);
  }
}

TEST(QuantizeTool, PlainRtnKeepsTheMinMaxGrid) {
  // rtn searches its grids by default; --plain-rtn is the plain min-max
  // grid. Both give exactly the library's planes for the same option.
  TempFiles files{{"W4.npy", "packed4.npz", "stdout.txt", "stderr.txt"}};
  const int64_t K = 96, N = 6;
  npy::Array W = matrix(K, N, 5);
  std::string error;
  ASSERT_TRUE(npy::writeNpy(tempPath("W4.npy"), W, error)) << error;
  double errors[2];
  for (bool plain : {false, true}) {
    std::string out;
    ASSERT_EQ(runTool("--weight " + tempPath("W4.npy") +
                          " --method rtn --planes 2 --group-size 32 --json "
                          "--out " +
                          tempPath("packed4.npz") +
                          (plain ? " --plain-rtn" : ""),
                      out),
              0)
        << out;
    quant::Options options;
    options.method = quant::Method::RTN;
    options.planes = 2;
    options.groupSize = 32;
    options.rtnSearch = !plain;
    quant::Result expected;
    ASSERT_TRUE(quant::quantize(W.as<float>(), K, N, nullptr, 0, options,
                                expected, error))
        << error;
    errors[plain] = jsonField(out, "weight_rel_error");
    EXPECT_NEAR(errors[plain], expected.report.weightRelError, 1e-8);
    std::map<std::string, npy::Array> arrays;
    ASSERT_TRUE(npy::readNpz(tempPath("packed4.npz"), arrays, error)) << error;
    std::vector<uint32_t> words(arrays["planes"].numElements());
    std::memcpy(words.data(), arrays["planes"].data.data(), words.size() * 4);
    EXPECT_EQ(words, expected.packed.planes);
    EXPECT_EQ(npy::toFloat(arrays["coeffs"]), expected.packed.coeffs);
  }
  EXPECT_LT(errors[0], errors[1]);
}

TEST(QuantizeTool, ReportsWithoutOutputFile) {
  TempFiles files{{"W2.npy", "stdout.txt", "stderr.txt"}};
  std::string error;
  ASSERT_TRUE(npy::writeNpy(tempPath("W2.npy"), matrix(33, 4, 1), error));
  std::string out;
  ASSERT_EQ(runTool("--weight " + tempPath("W2.npy") +
                        " --method trit --planes 2 --group-size 0",
                    out),
            0);
  EXPECT_NE(out.find("ternary"), std::string::npos) << out;
  EXPECT_NE(out.find("bits per weight"), std::string::npos) << out;
}

TEST(QuantizeTool, RotationWritesItsSigns) {
  // --rotation 64 on K = 96 rotates in blocks of 32: the packed weight is
  // the library's, the signs come along, the report names the block.
  TempFiles files{
      {"WR.npy", "XR.npy", "rotated.npz", "stdout.txt", "stderr.txt"}};
  const int64_t K = 96, N = 6, T = 50;
  npy::Array W = matrix(K, N, 5), X = matrix(T, K, 9);
  std::string error;
  ASSERT_TRUE(npy::writeNpy(tempPath("WR.npy"), W, error)) << error;
  ASSERT_TRUE(npy::writeNpy(tempPath("XR.npy"), X, error)) << error;
  std::string out;
  ASSERT_EQ(runTool("--weight " + tempPath("WR.npy") + " --calibration " +
                        tempPath("XR.npy") +
                        " --method bpdq --planes 2 --group-size 32 --rotation "
                        "64 --rotation-seed 3 --json --out " +
                        tempPath("rotated.npz"),
                    out),
            0)
      << out;
  EXPECT_EQ(jsonField(out, "rotation_block"), 32);
  quant::Options options;
  options.planes = 2;
  options.groupSize = 32;
  options.rotationBlock = 64;
  options.rotationSeed = 3;
  quant::Result expected;
  ASSERT_TRUE(quant::quantize(W.as<float>(), K, N, X.as<float>(), T, options,
                              expected, error))
      << error;
  EXPECT_NEAR(jsonField(out, "rel_error"), expected.report.relError, 1e-8);
  std::map<std::string, npy::Array> arrays;
  ASSERT_TRUE(npy::readNpz(tempPath("rotated.npz"), arrays, error)) << error;
  ASSERT_EQ(arrays.count("rotation_signs"), 1u);
  EXPECT_EQ(npy::toFloat(arrays["rotation_signs"]), expected.rotation.signs);
  std::vector<uint32_t> words(arrays["planes"].numElements());
  std::memcpy(words.data(), arrays["planes"].data.data(), words.size() * 4);
  EXPECT_EQ(words, expected.packed.planes);
  // Without --rotation there are no signs, and the report says 0.
  ASSERT_EQ(runTool("--weight " + tempPath("WR.npy") +
                        " --method bpdq --planes 2 --group-size 32 --json "
                        "--out " +
                        tempPath("rotated.npz"),
                    out),
            0);
  EXPECT_EQ(jsonField(out, "rotation_block"), 0);
  arrays.clear();
  ASSERT_TRUE(npy::readNpz(tempPath("rotated.npz"), arrays, error)) << error;
  EXPECT_EQ(arrays.count("rotation_signs"), 0u);
}

TEST(QuantizeTool, SubBlockWritesItsCodes) {
  // --sub-block 16 on K = 100: 7 sub-blocks in one word of codes per
  // column, the library's, and the report says 16.
  TempFiles files{
      {"WS.npy", "XS.npy", "coded.npz", "stdout.txt", "stderr.txt"}};
  const int64_t K = 100, N = 6, T = 50;
  npy::Array W = matrix(K, N, 7), X = matrix(T, K, 8);
  std::string error;
  ASSERT_TRUE(npy::writeNpy(tempPath("WS.npy"), W, error)) << error;
  ASSERT_TRUE(npy::writeNpy(tempPath("XS.npy"), X, error)) << error;
  std::string out;
  ASSERT_EQ(runTool("--weight " + tempPath("WS.npy") + " --calibration " +
                        tempPath("XS.npy") +
                        " --method bpdq --planes 3 --group-size 0 "
                        "--sub-block 16 --json --out " +
                        tempPath("coded.npz"),
                    out),
            0)
      << out;
  EXPECT_EQ(jsonField(out, "sub_block"), 16);
  quant::Options options;
  options.planes = 3;
  options.groupSize = 0;
  options.subBlock = 16;
  quant::Result expected;
  ASSERT_TRUE(quant::quantize(W.as<float>(), K, N, X.as<float>(), T, options,
                              expected, error))
      << error;
  EXPECT_NEAR(jsonField(out, "bits_per_weight"), expected.report.bitsPerWeight,
              1e-9);
  std::map<std::string, npy::Array> arrays;
  ASSERT_TRUE(npy::readNpz(tempPath("coded.npz"), arrays, error)) << error;
  ASSERT_EQ(arrays.count("scales"), 1u);
  EXPECT_EQ(arrays["scales"].shape, (std::vector<int64_t>{1, N}));
  std::vector<uint32_t> words(arrays["scales"].numElements());
  std::memcpy(words.data(), arrays["scales"].data.data(), words.size() * 4);
  EXPECT_EQ(words, expected.packed.scales);
  // A size the format does not have fails with the library's message.
  EXPECT_NE(runTool("--weight " + tempPath("WS.npy") +
                        " --method bpdq --planes 3 --group-size 0 "
                        "--sub-block 12",
                    out),
            0);
  std::ifstream stderrFile(tempPath("stderr.txt"));
  std::string message((std::istreambuf_iterator<char>(stderrFile)), {});
  EXPECT_NE(message.find("sub-block size must be"), std::string::npos)
      << message;
}

TEST(QuantizeTool, BadCommandLinesFail) {
  TempFiles files{{"W3.npy", "X3.npy", "V3.npy", "stdout.txt", "stderr.txt"}};
  std::string error;
  ASSERT_TRUE(npy::writeNpy(tempPath("W3.npy"), matrix(64, 4, 2), error));
  ASSERT_TRUE(npy::writeNpy(tempPath("X3.npy"), matrix(8, 63, 2), error));
  npy::Array vector = npy::Array::zeros(npy::DType::F32, {64});
  ASSERT_TRUE(npy::writeNpy(tempPath("V3.npy"), vector, error));
  std::string w = " --weight " + tempPath("W3.npy");
  std::string out;
  EXPECT_EQ(runTool(w + " --method rtn --planes 2", out), 1);
  EXPECT_EQ(runTool(w + " --method gptq --planes 2 --group-size 32", out), 1);
  EXPECT_EQ(runTool(w + " --method rtn --planes 7 --group-size 32", out), 1);
  EXPECT_EQ(runTool(w + " --method rtn --planes two --group-size 32", out), 1);
  EXPECT_EQ(runTool(w + " --method rtn --planes 2 --group-size 48", out), 1);
  EXPECT_EQ(
      runTool(w + " --method rtn --planes 2 --group-size 32 --bogus", out), 1);
  EXPECT_EQ(
      runTool(w + " --method rtn --planes 2 --group-size 32 --rotation 24",
              out),
      1);
  EXPECT_EQ(runTool(w + " --method rtn --planes 2 --group-size 32 "
                        "--rotation-seed -1",
                    out),
            1);
  EXPECT_EQ(runTool(w + " --calibration " + tempPath("X3.npy") +
                        " --method bpdq --planes 2 --group-size 32",
                    out),
            1);
  EXPECT_EQ(runTool(" --weight " + tempPath("V3.npy") +
                        " --method rtn --planes 2 --group-size 32",
                    out),
            1);
  EXPECT_EQ(runTool(" --weight " + tempPath("missing.npy") +
                        " --method rtn --planes 2 --group-size 32",
                    out),
            1);
}

} // namespace
