//===- PipelineTextTest.cpp - bitsink::parseModulePipeline ----------------===//
//
// The one reader of textual pipelines (the JIT behind bitsink-run and
// Python, and the C API: unittests/CAPI checks it there): with or without the
// builtin.module(...) anchor, misspelt names as errors, and the JIT's CPU
// handed to bitsink-cpu-pipeline as target-cpu.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/JitRunner.h"
#include "bitsink/InitAll.h"
#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <string>

using namespace bitsink;

namespace {

/// The pipeline `text` parses to, as MLIR prints it ("" with the errors in
/// `errors` when it does not parse).
std::string parsed(llvm::StringRef text, std::string &errors,
                   llvm::StringRef cpu = {}) {
  registerAllPasses();
  errors.clear();
  llvm::raw_string_ostream os(errors);
  llvm::FailureOr<mlir::OpPassManager> pm = parseModulePipeline(text, os, cpu);
  if (failed(pm))
    return "";
  std::string printed;
  llvm::raw_string_ostream out(printed);
  pm->printAsTextualPipeline(out);
  return printed;
}

bool isX86Host() {
#if defined(__x86_64__) || defined(__i386__)
  return true;
#else
  return false;
#endif
}

TEST(PipelineText, WithOrWithoutTheAnchor) {
  std::string errors;
  std::string bare = parsed("canonicalize,bitsink-cpu-pipeline", errors);
  ASSERT_FALSE(bare.empty()) << errors;
  EXPECT_EQ(parsed("builtin.module(canonicalize,bitsink-cpu-pipeline)", errors),
            bare)
      << errors;
  EXPECT_EQ(
      parsed("  builtin.module(canonicalize, bitsink-cpu-pipeline) ", errors),
      bare)
      << errors;
  EXPECT_EQ(bare.rfind("builtin.module(canonicalize", 0), 0u) << bare;
  // Nested op pipelines stay nested in a bare text.
  EXPECT_EQ(parsed("cse,func.func(canonicalize)", errors),
            parsed("builtin.module(cse,func.func(canonicalize))", errors));
}

TEST(PipelineText, OneOtherOpIsTheAnchor) {
  // Anchored on func.func, as MLIR reads it: running it on a module fails
  // with MLIR's message (the C API's test_pipeline_anchored_on_another_op).
  registerAllPasses();
  std::string errors;
  llvm::raw_string_ostream os(errors);
  llvm::FailureOr<mlir::OpPassManager> pm =
      parseModulePipeline("func.func(canonicalize)", os);
  ASSERT_TRUE(succeeded(pm)) << errors;
  EXPECT_EQ(pm->getOpAnchorName(), "func.func");
}

TEST(PipelineText, MisspeltNamesAreErrors) {
  std::string errors;
  for (const char *text :
       {"bitsink-cpu-pipelin", "builtin.module(bitsink-cpu-pipelin)",
        "canonicalize,func.func(bitsink-cpu-pipelin)"}) {
    EXPECT_EQ(parsed(text, errors), "") << text;
    EXPECT_NE(errors.find("'bitsink-cpu-pipelin' does not refer to a "
                          "registered pass or pass pipeline"),
              std::string::npos)
        << text << ": " << errors;
  }
  EXPECT_EQ(parsed("builtin.module(canonicalize", errors), "");
  EXPECT_FALSE(errors.empty());
}

TEST(PipelineText, TargetCpuReachesTheCpuPipeline) {
  if (!isX86Host())
    GTEST_SKIP() << "x86 CPU names";
  std::string errors;
  std::string given =
      parsed("builtin.module(canonicalize,bitsink-cpu-pipeline{openmp=false "
             "target-cpu=x86-64-v3})",
             errors);
  ASSERT_FALSE(given.empty()) << errors;
  // x86-64-v3 (AVX2, no AVX-512F) gets the AVX2 table kernel (it got the
  // bit-test kernel, gemv-lut=false, while only AVX-512 had a table kernel);
  // the absence of avx512f shows its features, not the host's, arrived.
  EXPECT_NE(given.find("gemv-lut=true"), std::string::npos) << given;
  EXPECT_EQ(given.find("avx512f"), std::string::npos) << given;
  // Added where the text names no target-cpu, with or without options.
  EXPECT_EQ(parsed("canonicalize,bitsink-cpu-pipeline{openmp=false}", errors,
                   "x86-64-v3"),
            given)
      << errors;
  EXPECT_EQ(parsed("builtin.module(canonicalize, bitsink-cpu-pipeline"
                   "{openmp=false} )",
                   errors, "x86-64-v3"),
            given)
      << errors;
  EXPECT_EQ(parsed("bitsink-cpu-pipeline", errors, "x86-64-v3"),
            parsed("bitsink-cpu-pipeline{target-cpu=x86-64-v3}", errors));
  // A target-cpu in the text stays.
  EXPECT_EQ(parsed("bitsink-cpu-pipeline{target-cpu=skylake-avx512}", errors,
                   "x86-64-v3"),
            parsed("bitsink-cpu-pipeline{target-cpu=skylake-avx512}", errors));
  // An unknown one is the pipeline's error.
  EXPECT_EQ(parsed("bitsink-cpu-pipeline", errors, "pentium9"), "");
  EXPECT_NE(errors.find("bitsink-cpu-pipeline: target-cpu: unknown CPU "
                        "'pentium9'"),
            std::string::npos)
      << errors;
}

constexpr const char *kAdd = R"mlir(
func.func @main(%a: tensor<8xf32>, %b: tensor<8xf32>) -> tensor<8xf32> {
  %e = tensor.empty() : tensor<8xf32>
  %s = linalg.add ins(%a, %b : tensor<8xf32>, tensor<8xf32>)
                  outs(%e : tensor<8xf32>) -> tensor<8xf32>
  return %s : tensor<8xf32>
}
)mlir";

TEST(PipelineText, JitReadsBothForms) {
  for (const char *pipeline :
       {"bitsink-cpu-pipeline", "builtin.module(bitsink-cpu-pipeline)"}) {
    mlir::MLIRContext context;
    std::string error;
    JitOptions options;
    options.pipeline = pipeline;
    std::unique_ptr<JitRunner> runner =
        JitRunner::compileSource(context, kAdd, "add.mlir", options, error);
    ASSERT_TRUE(runner) << pipeline << ": " << error;
    std::vector<npy::Array> inputs, outputs;
    for (const TensorSpec &spec : runner->signature().inputs)
      inputs.push_back(npy::Array::zeros(spec.fileDType(), spec.shape));
    EXPECT_TRUE(runner->run(inputs, outputs, error)) << error;
  }

  mlir::MLIRContext context;
  std::string error;
  JitOptions options;
  options.pipeline = "builtin.module(bitsink-cpu-pipelin)";
  EXPECT_FALSE(
      JitRunner::compileSource(context, kAdd, "add.mlir", options, error));
  EXPECT_NE(error.find("bad pass pipeline "
                       "'builtin.module(bitsink-cpu-pipelin)': "),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("'bitsink-cpu-pipelin' does not refer to a "
                       "registered pass or pass pipeline"),
            std::string::npos)
      << error;
}

} // namespace
