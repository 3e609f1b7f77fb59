//===- BitSinkOpsTest.cpp - C++ API of the bitsink ops ----------*- C++ -*-===//
//
// Checks the accessors that lowerings rely on (windows per head, default
// scale, GQA ratio, plane/term/coefficient counts), the memory effects of the
// bufferized ops, and that verifier diagnostics reach C++ callers.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"

#include "gtest/gtest.h"

#include <cmath>
#include <string>

using namespace mlir;
using namespace bitsink;

namespace {
class BitSinkOpsTest : public ::testing::Test {
protected:
  BitSinkOpsTest() { context.loadDialect<BitSinkDialect, func::FuncDialect>(); }

  /// Parses `body` as the body of a function and returns its first op of
  /// type OpTy; diagnostics go to `diagnostics`.
  template <typename OpTy> OpTy parseFirst(StringRef args, StringRef body) {
    std::string text =
        ("func.func @f(" + args + ") {\n" + body + "\n  return\n}\n").str();
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      diagnostics += diag.str() + "\n";
      return success();
    });
    module = parseSourceString<ModuleOp>(text, &context);
    if (!module)
      return nullptr;
    OpTy found;
    module->walk([&](OpTy op) {
      if (!found)
        found = op;
    });
    return found;
  }

  SinkAttentionOp parseAttention(StringRef attrs, StringRef q = "1x4x8x16",
                                 StringRef kv = "1x2x32x16") {
    std::string qt = ("memref<" + q + "xf32>").str();
    std::string kvt = ("memref<" + kv + "xf32>").str();
    return parseFirst<SinkAttentionOp>(
        "%q: " + qt + ", %k: " + kvt + ", %v: " + kvt + ", %o: " + qt,
        "  bitsink.sink_attention ins(%q, %k, %v : " + qt + ", " + kvt + ", " +
            kvt + ") outs(%o : " + qt + ") " + attrs.str());
  }

  MLIRContext context;
  OwningOpRef<ModuleOp> module;
  std::string diagnostics;
};

TEST_F(BitSinkOpsTest, ScalarWindowAppliesToEveryHead) {
  SinkAttentionOp op = parseAttention("{num_sinks = 4, window = 64}");
  ASSERT_TRUE(op) << diagnostics;
  for (int64_t h = 0; h < 4; ++h)
    EXPECT_EQ(op.getWindowForHead(h), 64);
  EXPECT_EQ(op.getMaxWindow(), 64);
  EXPECT_FALSE(op.hasUnboundedWindow());
}

TEST_F(BitSinkOpsTest, MissingWindowIsUnbounded) {
  SinkAttentionOp op = parseAttention("{causal = true}");
  ASSERT_TRUE(op) << diagnostics;
  EXPECT_LT(op.getWindowForHead(3), 0);
  EXPECT_TRUE(op.hasUnboundedWindow());
}

TEST_F(BitSinkOpsTest, PerHeadWindows) {
  // Head 1 is dense: the largest window over the heads is unbounded, but the
  // op as a whole is not dense attention.
  SinkAttentionOp op = parseAttention("{window = array<i64: 16, -1, 0, 8>}");
  ASSERT_TRUE(op) << diagnostics;
  EXPECT_EQ(op.getWindowForHead(0), 16);
  EXPECT_EQ(op.getWindowForHead(1), -1);
  EXPECT_EQ(op.getWindowForHead(2), 0);
  EXPECT_EQ(op.getMaxWindow(), -1);
  EXPECT_FALSE(op.hasUnboundedWindow());

  SinkAttentionOp bounded =
      parseAttention("{window = array<i64: 16, 32, 0, 8>}");
  ASSERT_TRUE(bounded) << diagnostics;
  EXPECT_EQ(bounded.getMaxWindow(), 32);
}

TEST_F(BitSinkOpsTest, ScaleDefaultsToInverseSqrtHeadDim) {
  SinkAttentionOp op = parseAttention("");
  ASSERT_TRUE(op) << diagnostics;
  ASSERT_TRUE(op.getEffectiveScale().has_value());
  EXPECT_DOUBLE_EQ(*op.getEffectiveScale(), 0.25); // D = 16

  SinkAttentionOp explicitScale = parseAttention("{scale = 0.5 : f32}");
  ASSERT_TRUE(explicitScale) << diagnostics;
  EXPECT_DOUBLE_EQ(*explicitScale.getEffectiveScale(), 0.5);

  SinkAttentionOp dynamicD = parseAttention("", "1x4x8x?", "1x2x32x?");
  ASSERT_TRUE(dynamicD) << diagnostics;
  EXPECT_FALSE(dynamicD.getEffectiveScale().has_value());
}

TEST_F(BitSinkOpsTest, GroupRatio) {
  SinkAttentionOp gqa = parseAttention("", "1x8x8x16", "1x2x32x16");
  ASSERT_TRUE(gqa) << diagnostics;
  EXPECT_EQ(gqa.getGroupRatio(), 4);
  SinkAttentionOp dynamic = parseAttention("", "1x?x8x16", "1x2x32x16");
  ASSERT_TRUE(dynamic) << diagnostics;
  EXPECT_FALSE(dynamic.getGroupRatio().has_value());
}

TEST_F(BitSinkOpsTest, AttentionMemoryEffects) {
  // On memrefs, q/k/v are read and the output is written without being read.
  SinkAttentionOp op = parseAttention("");
  ASSERT_TRUE(op) << diagnostics;
  SmallVector<MemoryEffects::EffectInstance> effects;
  op.getEffects(effects);
  int reads = 0, writes = 0;
  for (const MemoryEffects::EffectInstance &effect : effects) {
    if (isa<MemoryEffects::Read>(effect.getEffect())) {
      ++reads;
      EXPECT_NE(effect.getValue(), op.getInit());
    }
    if (isa<MemoryEffects::Write>(effect.getEffect())) {
      ++writes;
      EXPECT_EQ(effect.getValue(), op.getInit());
    }
  }
  EXPECT_EQ(reads, 3);
  EXPECT_EQ(writes, 1);
}

TEST_F(BitSinkOpsTest, PlaneCounts) {
  struct Case {
    const char *kind;
    int64_t planes, terms;
  } cases[] = {
      {"binary", 3, 3}, {"signed", 2, 2}, {"ternary", 4, 2}, {"ternary", 2, 1}};
  for (const Case &c : cases) {
    std::string p = "memref<" + std::to_string(c.planes) + "x2x8xi32>";
    std::string coeffs = "memref<1x" + std::to_string(c.terms + 1) + "x8xf16>";
    BitplaneMatmulOp op = parseFirst<BitplaneMatmulOp>(
        "%x: memref<4x64xf32>, %p: " + p + ", %c: " + coeffs +
            ", %acc: memref<4x8xf32>",
        "  bitsink.bitplane_matmul ins(%x, %p, %c : memref<4x64xf32>, " + p +
            ", " + coeffs +
            ") outs(%acc : memref<4x8xf32>) {plane_kind = "
            "#bitsink.plane_kind<" +
            c.kind + ">, group_size = 64}");
    ASSERT_TRUE(op) << c.kind << ": " << diagnostics;
    EXPECT_EQ(op.getNumPlanes(), c.planes) << c.kind;
    EXPECT_EQ(op.getNumTerms(), c.terms) << c.kind;
    EXPECT_EQ(op.getNumCoefficients(), c.terms + 1) << c.kind;
  }
}

TEST_F(BitSinkOpsTest, BlockedLayoutReadsPlaneCountFromBlocks) {
  BitplaneMatmulOp op = parseFirst<BitplaneMatmulOp>(
      "%x: memref<1x128xf32>, %p: memref<2x2x3x2x8xi32>, %c: "
      "memref<1x4x16xf32>, %acc: memref<1x16xf32>",
      "  bitsink.bitplane_matmul ins(%x, %p, %c : memref<1x128xf32>, "
      "memref<2x2x3x2x8xi32>, memref<1x4x16xf32>) outs(%acc : "
      "memref<1x16xf32>) {plane_kind = #bitsink.plane_kind<signed>, "
      "group_size = 128, layout = #bitsink.layout<n_tile = 8, k_tile = 2>}");
  ASSERT_TRUE(op) << diagnostics;
  EXPECT_EQ(op.getNumPlanes(), 3);
  EXPECT_EQ(op.getLayoutAttr().getNTile(), 8);
  EXPECT_EQ(op.getLayoutAttr().getKTile(), 2);
}

TEST_F(BitSinkOpsTest, TilingSlicesPerHeadWindowsAndKvHeads) {
  // Hq = 8 over Hkv = 2 (ratio 4): the tile of query heads [4, 8) reads kv
  // head 1 and keeps the windows of heads 4..7.
  SinkAttentionOp op = parseAttention(
      "{num_sinks = 2, window = array<i64: 1, 2, 3, 4, 5, 6, 7, 8>}",
      "2x8x8x16", "2x2x32x16");
  ASSERT_TRUE(op) << diagnostics;
  OpBuilder b(op);
  auto index = [&](int64_t v) -> OpFoldResult { return b.getIndexAttr(v); };
  FailureOr<TilingResult> tiled = op.getTiledImplementation(
      b, {index(1), index(4), index(0)}, {index(1), index(4), index(16)});
  ASSERT_TRUE(succeeded(tiled)) << diagnostics;
  auto tile = cast<SinkAttentionOp>(tiled->tiledOps.front());
  EXPECT_EQ(tile.getWindowAttr(), b.getDenseI64ArrayAttr({5, 6, 7, 8}));
  EXPECT_EQ(tile.getNumSinks(), 2u);
  EXPECT_EQ(tile.getGroupRatio(), 4);
  auto keys = tile.getKey().getDefiningOp<memref::SubViewOp>();
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys.getStaticOffsets()[1], 1); // kv head 4 / 4
  EXPECT_TRUE(succeeded(verify(tile)));
  tile->erase();
}

TEST_F(BitSinkOpsTest, VerifierDiagnosticReachesCaller) {
  SinkAttentionOp op = parseAttention("", "1x3x8x16", "1x2x32x16");
  EXPECT_FALSE(op);
  EXPECT_NE(diagnostics.find("expects the query head count (Hq = 3) to be a "
                             "multiple of the key/value head count (Hkv = 2)"),
            std::string::npos)
      << diagnostics;
}
} // namespace
