//===- StreamingDecodeTest.cpp - StreamingLLM decode vs the logical sequence
//===//
//
// docs/semantics.md §2.2's contract, end to end: a decode step (cache_append of
// one token into a C-slot cache that keeps S sinks, then sink_attention of one
// query over the cache) is JIT-compiled through bitsink-cpu-pipeline and run
// token by token for 4·C tokens, so the ring rolls over several times. After
// every step its output must equal causal attention over the logical
// sequence [first S tokens, last C − S tokens], computed by the reference on
// a plain (uncached) copy of exactly those tokens.
//
// Both position modes: `cache` (positions re-indexed in cache order, every
// slot visible, kv_len = min(length, C)) and `original` (absolute positions,
// kv_len = length, window = C − S so the window reaches back to the oldest
// kept token).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/JitRunner.h"
#include "bitsink/Reference/Reference.h"

#include "mlir/IR/MLIRContext.h"

#include "gtest/gtest.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

using namespace bitsink;

namespace {

constexpr int64_t kQueryHeads = 4, kKvHeads = 2, kCapacity = 12, kSinks = 3,
                  kDim = 16;

std::string decodeStep(bool cacheMode) {
  std::string mode = cacheMode ? "cache" : "original";
  // In cache mode positions run 0..C-1, so no window is needed: every kept
  // token is visible. In original mode the window covers the last C - S
  // absolute positions.
  std::string attrs = cacheMode ? "num_sinks = 3, causal = true"
                                : "num_sinks = 3, window = 9, causal = true";
  std::string kvLen = cacheMode ? R"(
  %c12 = arith.constant 12 : i64
  %n = tensor.extract %r#3[%c0] : tensor<1xi64>
  %m = arith.minsi %n, %c12 : i64
  %kvlen = tensor.from_elements %m : tensor<1xi64>)"
                                : R"(
  %kvlen = tensor.extract_slice %r#3[0] [1] [1] : tensor<1xi64> to tensor<1xi64>)";
  return R"(
!q = tensor<1x4x1x16xf32>
!new = tensor<1x2x1x16xf32>
!cache = tensor<1x2x12x16xf32>
func.func @step(%q: !q, %k: !new, %v: !new, %kc: !cache, %vc: !cache,
                %pos: tensor<1x12xi64>, %len: tensor<1xi64>)
    -> (!q, !cache, !cache, tensor<1x12xi64>, tensor<1xi64>) {
  %c0 = arith.constant 0 : index
  %r:4 = bitsink.cache_append ins(%k, %v : !new, !new)
      outs(%kc, %vc, %pos, %len : !cache, !cache, tensor<1x12xi64>, tensor<1xi64>)
      {num_sinks = 3, position_mode = #bitsink.position_mode<)" +
         mode + R"(>}
      -> !cache, !cache, tensor<1x12xi64>, tensor<1xi64>)" +
         kvLen + R"(
  %e = tensor.empty() : !q
  %o = bitsink.sink_attention ins(%q, %r#0, %r#1 : !q, !cache, !cache)
      kv_len(%kvlen : tensor<1xi64>) key_positions(%r#2 : tensor<1x12xi64>)
      outs(%e : !q) {)" +
         attrs + R"(} -> !q
  return %o, %r#0, %r#1, %r#2, %r#3
      : !q, !cache, !cache, tensor<1x12xi64>, tensor<1xi64>
}
)";
}

npy::Array randomArray(std::vector<int64_t> shape, std::mt19937 &rng) {
  npy::Array a = npy::Array::zeros(npy::DType::F32, std::move(shape));
  std::normal_distribution<float> normal;
  for (int64_t i = 0; i < a.numElements(); ++i)
    a.as<float>()[i] = normal(rng);
  return a;
}

/// With `nanCaches` the K and V caches start as NaN (an uninitialised
/// `np.empty` / `torch.empty` cache): slots not yet written are invisible
/// (past kv_len, position -1), so every step must still match the logical
/// sequence exactly as with zeroed caches (docs/semantics.md §2.1).
void runStreamingDecode(bool cacheMode, bool nanCaches = false) {
  mlir::MLIRContext context; // compileSource prepares it
  JitOptions options;
  options.entry = "step";
  std::string error;
  std::unique_ptr<JitRunner> runner = JitRunner::compileSource(
      context, decodeStep(cacheMode), "streaming-decode", options, error);
  ASSERT_TRUE(runner) << error;

  std::mt19937 rng(cacheMode ? 7 : 11);
  npy::Array keyCache =
      npy::Array::zeros(npy::DType::F32, {1, kKvHeads, kCapacity, kDim});
  if (nanCaches)
    std::fill_n(keyCache.as<float>(), keyCache.numElements(),
                std::numeric_limits<float>::quiet_NaN());
  npy::Array valueCache = keyCache;
  npy::Array positions = npy::Array::zeros(npy::DType::I64, {1, kCapacity});
  for (int64_t s = 0; s < kCapacity; ++s)
    positions.as<int64_t>()[s] = -1;
  npy::Array length = npy::Array::zeros(npy::DType::I64, {1});

  // The whole token history, to build the logical sequence.
  std::vector<std::vector<float>> keys, values; // [token][Hkv * D]
  const int64_t numTokens = 4 * kCapacity;
  for (int64_t t = 0; t < numTokens; ++t) {
    npy::Array query = randomArray({1, kQueryHeads, 1, kDim}, rng);
    npy::Array newKey = randomArray({1, kKvHeads, 1, kDim}, rng);
    npy::Array newValue = randomArray({1, kKvHeads, 1, kDim}, rng);
    keys.emplace_back(newKey.as<float>(), newKey.as<float>() + kKvHeads * kDim);
    values.emplace_back(newValue.as<float>(),
                        newValue.as<float>() + kKvHeads * kDim);

    std::vector<npy::Array> outputs;
    ASSERT_TRUE(runner->run(
        {query, newKey, newValue, keyCache, valueCache, positions, length},
        outputs, error))
        << error;
    ASSERT_EQ(outputs.size(), 5u);
    keyCache = outputs[1];
    valueCache = outputs[2];
    positions = outputs[3];
    length = outputs[4];
    ASSERT_EQ(length.as<int64_t>()[0], t + 1);

    // Logical sequence: tokens [0, S) and [max(S, n - (C - S)), n).
    int64_t n = t + 1;
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < std::min(kSinks, n); ++i)
      kept.push_back(i);
    for (int64_t i = std::max(kSinks, n - (kCapacity - kSinks)); i < n; ++i)
      kept.push_back(i);
    reference::SinkAttentionProblem problem;
    problem.queryHeads = kQueryHeads;
    problem.kvHeads = kKvHeads;
    problem.numQueries = 1;
    problem.numKeys = static_cast<int64_t>(kept.size());
    problem.headDim = problem.valueDim = kDim;
    problem.causal = true;
    problem.query.assign(query.as<float>(),
                         query.as<float>() + query.numElements());
    problem.key.resize(kKvHeads * kept.size() * kDim);
    problem.value.resize(problem.key.size());
    for (int64_t h = 0; h < kKvHeads; ++h)
      for (size_t j = 0; j < kept.size(); ++j)
        for (int64_t d = 0; d < kDim; ++d) {
          size_t at = (h * kept.size() + j) * kDim + d;
          problem.key[at] = keys[kept[j]][h * kDim + d];
          problem.value[at] = values[kept[j]][h * kDim + d];
        }
    std::vector<double> expected;
    ASSERT_TRUE(reference::sinkAttention(problem, expected, error)) << error;
    const float *got = outputs[0].as<float>();
    for (size_t i = 0; i < expected.size(); ++i)
      ASSERT_NEAR(got[i], expected[i], 1e-5 + 1e-4 * std::fabs(expected[i]))
          << "token " << t << " element " << i
          << (cacheMode ? " (cache mode)" : " (original mode)")
          << (nanCaches ? ", NaN-filled caches" : "");
  }
}

TEST(StreamingDecode, CachePositionsMatchLogicalSequence) {
  runStreamingDecode(/*cacheMode=*/true);
}

TEST(StreamingDecode, OriginalPositionsMatchLogicalSequence) {
  runStreamingDecode(/*cacheMode=*/false);
}

TEST(StreamingDecode, NanFilledCachesInCachePositions) {
  runStreamingDecode(/*cacheMode=*/true, /*nanCaches=*/true);
}

TEST(StreamingDecode, NanFilledCachesInOriginalPositions) {
  runStreamingDecode(/*cacheMode=*/false, /*nanCaches=*/true);
}

} // namespace
