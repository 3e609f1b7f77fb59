//===- JitRunnerTest.cpp - JIT-compiled decode steps vs the reference -----===//
//
// A decode step (one cache_append of one token) is JIT-compiled through
// bitsink-cpu-pipeline and run for 3·C tokens, each step's outputs fed back
// as the next step's caches; after every step the caches, positions and
// length must equal bitsink::reference::cacheAppend's exactly.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/JitRunner.h"
#include "bitsink/Reference/Reference.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <random>

using namespace bitsink;

namespace {

constexpr int64_t kBatch = 2, kHeads = 2, kCapacity = 5, kSinks = 2, kDim = 4;

/// One decode step: B = 2, Hkv = 2, T = 1, C = 5, S = 2, D = Dv = 4.
std::string decodeStep(const std::string &mode) {
  return R"(
!new = tensor<2x2x1x4xf32>
!cache = tensor<2x2x5x4xf32>
func.func @step(%k: !new, %v: !new, %kc: !cache, %vc: !cache,
                %pos: tensor<2x5xi64>, %len: tensor<2xi64>)
    -> (!cache, !cache, tensor<2x5xi64>, tensor<2xi64>) {
  %r:4 = bitsink.cache_append ins(%k, %v : !new, !new)
      outs(%kc, %vc, %pos, %len : !cache, !cache, tensor<2x5xi64>, tensor<2xi64>)
      {num_sinks = 2, position_mode = #bitsink.position_mode<)" +
         mode + R"(>}
      -> !cache, !cache, tensor<2x5xi64>, tensor<2xi64>
  return %r#0, %r#1, %r#2, %r#3
      : !cache, !cache, tensor<2x5xi64>, tensor<2xi64>
}
)";
}

npy::Array floats(std::vector<int64_t> shape, const std::vector<float> &v) {
  npy::Array a = npy::Array::zeros(npy::DType::F32, std::move(shape));
  std::copy(v.begin(), v.end(), a.as<float>());
  return a;
}

npy::Array ints(std::vector<int64_t> shape, const std::vector<int64_t> &v) {
  npy::Array a = npy::Array::zeros(npy::DType::I64, std::move(shape));
  std::copy(v.begin(), v.end(), a.as<int64_t>());
  return a;
}

std::vector<int64_t> toInts(const npy::Array &a) {
  return {a.as<int64_t>(), a.as<int64_t>() + a.numElements()};
}

void runDecodeLoop(const std::string &mode, reference::PositionMode refMode) {
  mlir::MLIRContext context;
  std::string error;
  JitOptions options;
  options.entry = "step";
  std::unique_ptr<JitRunner> runner = JitRunner::compileSource(
      context, decodeStep(mode), "step.mlir", options, error);
  ASSERT_TRUE(runner) << error;
  ASSERT_EQ(runner->signature().inputs.size(), 6u);
  ASSERT_EQ(runner->signature().results.size(), 4u);

  // Batch entry 1 starts with 3 tokens already counted (slots hold zeros).
  reference::CacheState state;
  state.keys.assign(kBatch * kHeads * kCapacity * kDim, 0.0f);
  state.values = state.keys;
  state.positions.assign(kBatch * kCapacity, -1);
  state.length = {0, 3};
  std::vector<npy::Array> caches = {
      floats({kBatch, kHeads, kCapacity, kDim}, state.keys),
      floats({kBatch, kHeads, kCapacity, kDim}, state.values),
      ints({kBatch, kCapacity}, state.positions), ints({kBatch}, state.length)};

  std::mt19937 rng(42);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t step = 0; step < 3 * kCapacity; ++step) {
    reference::CacheAppendProblem problem;
    problem.batch = kBatch;
    problem.kvHeads = kHeads;
    problem.newTokens = 1;
    problem.capacity = kCapacity;
    problem.headDim = problem.valueDim = kDim;
    problem.numSinks = kSinks;
    problem.positionMode = refMode;
    for (int64_t i = 0; i < kBatch * kHeads * kDim; ++i) {
      problem.newKeys.push_back(dist(rng));
      problem.newValues.push_back(dist(rng));
    }
    std::vector<npy::Array> inputs = {
        floats({kBatch, kHeads, 1, kDim}, problem.newKeys),
        floats({kBatch, kHeads, 1, kDim}, problem.newValues),
        caches[0],
        caches[1],
        caches[2],
        caches[3]};
    std::vector<npy::Array> outputs;
    ASSERT_TRUE(runner->run(inputs, outputs, error)) << error;
    ASSERT_TRUE(reference::cacheAppend(problem, state, error)) << error;
    ASSERT_EQ(outputs.size(), 4u);
    EXPECT_EQ(npy::toFloat(outputs[0]), state.keys) << "step " << step;
    EXPECT_EQ(npy::toFloat(outputs[1]), state.values) << "step " << step;
    EXPECT_EQ(toInts(outputs[2]), state.positions) << "step " << step;
    EXPECT_EQ(toInts(outputs[3]), state.length) << "step " << step;
    caches = std::move(outputs);
  }
  // 15 tokens in entry 0 and 18 in entry 1 went through a ring of 3 slots.
  EXPECT_EQ(state.length, (std::vector<int64_t>{15, 18}));
}

TEST(JitRunner, DecodeStepsMatchTheReferenceOriginalPositions) {
  runDecodeLoop("original", reference::PositionMode::Original);
}

TEST(JitRunner, DecodeStepsMatchTheReferenceCachePositions) {
  runDecodeLoop("cache", reference::PositionMode::Cache);
}

TEST(JitRunner, ReferenceInterpreterAgreesWithTheCompiledStep) {
  mlir::MLIRContext context;
  JitRunner::prepareContext(context);
  std::string error;
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(decodeStep("cache"),
                                              mlir::ParserConfig(&context));
  ASSERT_TRUE(module);
  JitOptions options;
  options.entry = "step";
  std::unique_ptr<JitRunner> runner =
      JitRunner::compileModule(*module, options, error);
  ASSERT_TRUE(runner) << error;
  std::vector<npy::Array> inputs;
  std::mt19937 rng(7);
  std::normal_distribution<float> dist;
  for (const TensorSpec &spec : runner->signature().inputs) {
    npy::Array a = npy::Array::zeros(spec.fileDType(), spec.shape);
    for (int64_t i = 0; i < a.numElements(); ++i) {
      if (a.dtype == npy::DType::F32)
        a.as<float>()[i] = dist(rng);
      else
        a.as<int64_t>()[i] = 7 + i; // Lengths 7 and 8: past the ring.
    }
    inputs.push_back(std::move(a));
  }
  std::vector<npy::Array> compiled, interpreted;
  ASSERT_TRUE(runner->run(inputs, compiled, error)) << error;
  auto func =
      mlir::cast<mlir::FunctionOpInterface>(module->lookupSymbol("step"));
  ASSERT_TRUE(evaluateWithReference(func, inputs, interpreted, error)) << error;
  ASSERT_EQ(compiled.size(), interpreted.size());
  for (size_t i = 0; i < compiled.size(); ++i) {
    EXPECT_EQ(compiled[i].shape, interpreted[i].shape);
    EXPECT_EQ(compiled[i].data, interpreted[i].data) << "output " << i;
  }
  // Length 8 + 1 = 9 tokens, S = 2, C = 5: window tokens 6, 7, 8 in slots
  // 2 + (t - 2) mod 3 = 3, 4, 2; cache positions 2, 3, 4.
  EXPECT_EQ(toInts(interpreted[2])[5 + 2], 4);
  EXPECT_EQ(toInts(interpreted[2])[5 + 3], 2);
  EXPECT_EQ(toInts(interpreted[3]), (std::vector<int64_t>{8, 9}));
}

TEST(JitRunner, ReportsBadEntriesAndInputs) {
  mlir::MLIRContext context;
  std::string error;
  JitOptions options;
  options.entry = "nope";
  EXPECT_FALSE(JitRunner::compileSource(context, decodeStep("original"),
                                        "step.mlir", options, error));
  EXPECT_EQ(error, "no function named 'nope' in the module (functions: step)");

  options.entry = "step";
  options.pipeline = "not-a-pass";
  EXPECT_FALSE(JitRunner::compileSource(context, decodeStep("original"),
                                        "step.mlir", options, error));
  EXPECT_NE(error.find("bad pass pipeline 'not-a-pass'"), std::string::npos)
      << error;

  EXPECT_FALSE(JitRunner::compileSource(context, "func.func @step(", "x.mlir",
                                        JitOptions(), error));
  EXPECT_NE(error.find("x.mlir:1:"), std::string::npos) << error;

  options.pipeline = "bitsink-cpu-pipeline";
  std::unique_ptr<JitRunner> runner = JitRunner::compileSource(
      context, decodeStep("original"), "step.mlir", options, error);
  ASSERT_TRUE(runner) << error;
  std::vector<npy::Array> inputs, outputs;
  for (const TensorSpec &spec : runner->signature().inputs)
    inputs.push_back(npy::Array::zeros(spec.fileDType(), spec.shape));
  inputs[5] = npy::Array::zeros(npy::DType::I32, {2});
  EXPECT_FALSE(runner->run(inputs, outputs, error));
  EXPECT_EQ(error, "argument 5 (tensor<2xi64>): expected dtype int64, got int32");
  inputs[5] = npy::Array::zeros(npy::DType::I64, {3});
  EXPECT_FALSE(runner->run(inputs, outputs, error));
  EXPECT_EQ(error, "argument 5 (tensor<2xi64>): expected shape (2,), got (3,)");
  inputs.pop_back();
  EXPECT_FALSE(runner->run(inputs, outputs, error));
  EXPECT_EQ(error, "the entry takes 6 arguments, got 5 inputs");
}

} // namespace
