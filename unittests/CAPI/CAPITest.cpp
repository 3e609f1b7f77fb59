//===- CAPITest.cpp - tests of the C API as a C host uses it ------------===//
//
// Cases a C caller can reach but the Python package cannot: buffers without
// a NUL terminator, NULL arguments, raw array descriptors.
//
//===----------------------------------------------------------------------===//

#include "bitsink/CAPI/BitSink.h"

#include "gtest/gtest.h"

#include <cstring>
#include <string>
#include <vector>

namespace {
struct ContextTest : ::testing::Test {
  BitSinkContext context = bitsinkContextCreate();
  ~ContextTest() override { bitsinkContextDestroy(context); }
  std::string diagnostics() { return bitsinkContextGetDiagnostics(context); }
};

// The parser reads only `length` bytes: the text after them is not part of
// the IR. fuzz/FuzzIR.cpp found that MLIR's parser, given a buffer without
// a NUL terminator, reads a byte past its end (a heap-buffer-overflow under
// ASan, invisible otherwise); the C API now parses a terminated copy. This
// test catches a regression in the sanitizer build
// (-DBITSINK_ENABLE_SANITIZERS=ON), where that read is an error.
TEST_F(ContextTest, ParseStopsAtLength) {
  const char text[] = "func.func @f() {\n  return\n}\n%%% not IR";
  size_t length = std::strstr(text, "%%%") - text;
  BitSinkModule module = nullptr;
  ASSERT_EQ(bitsinkModuleParse(context, text, length, "buf", &module),
            BITSINK_SUCCESS)
      << diagnostics();
  bitsinkModuleDestroy(module);
}

TEST_F(ContextTest, ParseErrorHasLocation) {
  const char text[] = "func.func @f() {\n  retur\n}\n";
  BitSinkModule module = nullptr;
  EXPECT_EQ(
      bitsinkModuleParse(context, text, sizeof(text) - 1, "bad.mlir", &module),
      BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("bad.mlir:2:3: error:"), std::string::npos)
      << diagnostics();
}

// bitsinkModuleRunPipeline reads pipelines as the JIT does
// (bitsink::parseModulePipeline): with or without the builtin.module(...)
// anchor; a misspelt name is an error in the diagnostics.
TEST_F(ContextTest, RunPipelineWithOrWithoutAnchor) {
  const char text[] = R"(
func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %s = linalg.add ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}
)";
  for (const char *pipeline :
       {"bitsink-cpu-pipeline", "builtin.module(canonicalize,"
                                "bitsink-cpu-pipeline)"}) {
    BitSinkModule module = nullptr;
    ASSERT_EQ(
        bitsinkModuleParse(context, text, sizeof(text) - 1, nullptr, &module),
        BITSINK_SUCCESS);
    EXPECT_EQ(bitsinkModuleRunPipeline(module, pipeline), BITSINK_SUCCESS)
        << pipeline << ": " << diagnostics();
    char *lowered = bitsinkModulePrint(module);
    EXPECT_NE(std::string(lowered).find("llvm.func @main"), std::string::npos)
        << pipeline;
    bitsinkStringDestroy(lowered);
    bitsinkModuleDestroy(module);
  }
  for (const char *pipeline :
       {"bitsink-cpu-pipelin", "builtin.module(bitsink-cpu-pipelin)"}) {
    BitSinkModule module = nullptr;
    ASSERT_EQ(
        bitsinkModuleParse(context, text, sizeof(text) - 1, nullptr, &module),
        BITSINK_SUCCESS);
    EXPECT_EQ(bitsinkModuleRunPipeline(module, pipeline), BITSINK_FAILURE);
    EXPECT_NE(diagnostics().find("'bitsink-cpu-pipelin' does not refer to a "
                                 "registered pass or pass pipeline"),
              std::string::npos)
        << pipeline << ": " << diagnostics();
    bitsinkModuleDestroy(module);
  }
}

TEST_F(ContextTest, RunChecksArrayDescriptors) {
  const char text[] = R"(
func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %s = linalg.add ins(%a, %a : tensor<4xf32>, tensor<4xf32>) outs(%e : tensor<4xf32>) -> tensor<4xf32>
  return %s : tensor<4xf32>
}
)";
  BitSinkModule module = nullptr;
  ASSERT_EQ(
      bitsinkModuleParse(context, text, sizeof(text) - 1, nullptr, &module),
      BITSINK_SUCCESS);
  BitSinkExecutable exe = nullptr;
  ASSERT_EQ(bitsinkExecutableCreate(module, "main", nullptr, "cpu", &exe),
            BITSINK_SUCCESS)
      << diagnostics();
  float data[4] = {1, 2, 3, -4};
  int64_t shape[1] = {4};
  BitSinkArray good{"<f4", 1, shape, data};
  ASSERT_EQ(bitsinkExecutableRun(exe, &good, 1), BITSINK_SUCCESS)
      << diagnostics();
  BitSinkArray out = bitsinkExecutableGetOutput(exe, 0);
  ASSERT_STREQ(out.dtype, "<f4");
  ASSERT_EQ(out.rank, 1);
  EXPECT_EQ(static_cast<float *>(out.data)[3], -8.0f);

  BitSinkArray noData{"<f4", 1, shape, nullptr};
  EXPECT_EQ(bitsinkExecutableRun(exe, &noData, 1), BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("without data"), std::string::npos);
  BitSinkArray badDType{"<q9", 1, shape, data};
  EXPECT_EQ(bitsinkExecutableRun(exe, &badDType, 1), BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("dtype"), std::string::npos);
  int64_t negative[1] = {-4};
  BitSinkArray badShape{"<f4", 1, negative, data};
  EXPECT_EQ(bitsinkExecutableRun(exe, &badShape, 1), BITSINK_FAILURE);
  EXPECT_EQ(bitsinkExecutableRun(exe, nullptr, 1), BITSINK_FAILURE);
  bitsinkExecutableDestroy(exe);

  EXPECT_EQ(bitsinkExecutableCreate(module, "main", nullptr, "tpu", &exe),
            BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("unknown target 'tpu'"), std::string::npos);
  bitsinkModuleDestroy(module);
}

TEST_F(ContextTest, QuantizeRejectsBadArguments) {
  std::vector<float> w(64 * 4, 0.5f);
  BitSinkQuantizeOptions options = bitsinkQuantizeOptionsDefault();
  BitSinkQuantizeResult result = nullptr;
  EXPECT_EQ(
      bitsinkQuantize(context, nullptr, 64, 4, nullptr, 0, &options, &result),
      BITSINK_FAILURE);
  EXPECT_EQ(
      bitsinkQuantize(context, w.data(), 64, 4, w.data(), 0, &options, &result),
      BITSINK_FAILURE);
  options.method = nullptr;
  EXPECT_EQ(
      bitsinkQuantize(context, w.data(), 64, 4, nullptr, 0, &options, &result),
      BITSINK_FAILURE);
  EXPECT_NE(diagnostics().find("method"), std::string::npos);
}
} // namespace
