//===- LowerBitplaneMatmul.cpp - bitplane_matmul to CPU kernels -*- C++ -*-===//
//
// The lowering of bitsink.bitplane_matmul to the CPU kernels of
// BitplaneEmitter.h (GEMV for small static M, GEMM otherwise) as a
// BitSinkLoweringPattern, and bitsink-lower-bitplane-matmul, which checks
// its options and the target, then applies the pattern.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Conversion/Patterns.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Support/OptionChecks.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"

#include "../../Common/LoweringPattern.h"
#include "../TargetFeatures.h"
#include "BitplaneEmitter.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKLOWERBITPLANEMATMUL
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

static constexpr llvm::StringLiteral kPassName =
    "bitsink-lower-bitplane-matmul";

/// The rules on the pass options, the target check of gemv-lut last (an
/// option out of range is reported first).
static OptionChecker
checkOptions(const BitSinkLowerBitplaneMatmulOptions &options) {
  OptionChecker checker(kPassName);
  checker.atLeast("gemv-max-rows", options.gemvMaxRows, 0)
      .positive("column-tile", options.columnTile)
      .positive("gemv-column-tile", options.gemvColumnTile)
      .positive("gemv-min-tasks", options.gemvMinTasks)
      .atLeast("prefetch-distance", options.prefetchDistance, 0);
  if (checker.ok() && options.gemvLutInt16)
    checker.require(gemvInt16TableIsa(options.targetFeatures) !=
                        GemvTableIsa::None,
                    "gemv-lut-int16 needs a target with avx512bw, "
                    "target-features = '" +
                        options.targetFeatures + "'");
  else if (checker.ok() && options.gemvLutInt8)
    checker.require(gemvInt8TableIsa(options.targetFeatures) !=
                        GemvTableIsa::None,
                    "gemv-lut-int8 needs a target with avx2 or avx512bw, "
                    "target-features = '" +
                        options.targetFeatures + "'");
  else if (checker.ok() && options.gemvLut)
    checker.require(gemvTableIsa(options.targetFeatures) != GemvTableIsa::None,
                    "gemv-lut needs a target with avx512f, avx2 or neon, "
                    "target-features = '" +
                        options.targetFeatures + "'");
  if (checker.ok() && options.gemmInt8)
    checker.require(gemmInt8Isa(options.targetFeatures) != GemmInt8Isa::None,
                    "gemm-int8 needs a target with avx512vnni or avxvnni, "
                    "target-features = '" +
                        options.targetFeatures + "'");
  return checker;
}

namespace {

struct LowerBitplaneMatmulPattern : BitSinkLoweringPattern<BitplaneMatmulOp> {
  /// The target's table ISA is looked up once (for "host", a query of the
  /// CPU).
  LowerBitplaneMatmulPattern(MLIRContext *context,
                             const BitSinkLowerBitplaneMatmulOptions &options)
      : BitSinkLoweringPattern(context), options(options),
        tableIsa(
            options.gemvLutInt16  ? gemvInt16TableIsa(options.targetFeatures)
            : options.gemvLutInt8 ? gemvInt8TableIsa(options.targetFeatures)
            : options.gemvLut     ? gemvTableIsa(options.targetFeatures)
                                  : GemvTableIsa::None),
        gemmIsa(options.gemmInt8 ? gemmInt8Isa(options.targetFeatures)
                                 : GemmInt8Isa::None) {}

  /// Blocked planes need whole 16-column vectors per block row.
  LogicalResult checkLowerable(BitplaneMatmulOp op) const override {
    PlaneLayoutAttr layout = op.getLayoutAttr();
    if (layout && layout.getNTile() % cpu::kLanes != 0)
      return op.emitOpError("with blocked planes needs an n_tile that is a "
                            "multiple of ")
             << cpu::kLanes << " for " << kPassName << ", got "
             << layout.getNTile();
    return success();
  }

  void lower(BitplaneMatmulOp op, ImplicitLocOpBuilder &b) const override {
    int64_t rows = cast<MemRefType>(op.getInput().getType()).getDimSize(0);
    // Sub-block scale codes are read by the f32 kernels: the bit-test GEMV,
    // the f32 table GEMV with 4-row chunks (a sub-block of 8 rows is two of
    // them; AVX2's 3-row chunks straddle sub-blocks) and the f32 GEMM. The
    // integer kernels' options are speed choices: such an op takes the f32
    // kernel of the same target (docs/bitplane-lowering.md).
    GemvTableIsa opTableIsa = tableIsa;
    GemmInt8Isa opGemmIsa = gemmIsa;
    if (op.getScales()) {
      if (opTableIsa != GemvTableIsa::None)
        opTableIsa = gemvTableIsa(options.targetFeatures);
      if (opTableIsa == GemvTableIsa::AVX2)
        opTableIsa = GemvTableIsa::None;
      opGemmIsa = GemmInt8Isa::None;
    }
    cpu::BitplaneMatmulEmitter emitter(b, op, options, opTableIsa, opGemmIsa);
    if (!ShapedType::isDynamic(rows) && rows <= options.gemvMaxRows)
      emitter.emitGemv();
    else
      emitter.emitGemm();
  }

  BitSinkLowerBitplaneMatmulOptions options;
  GemvTableIsa tableIsa;
  GemmInt8Isa gemmIsa;
};

struct LowerBitplaneMatmulPass
    : bitsink::impl::BitSinkLowerBitplaneMatmulBase<LowerBitplaneMatmulPass> {
  using BitSinkLowerBitplaneMatmulBase::BitSinkLowerBitplaneMatmulBase;

  void runOnOperation() override {
    BitSinkLowerBitplaneMatmulOptions options;
    options.gemvMaxRows = gemvMaxRows;
    options.columnTile = columnTile;
    options.gemvColumnTile = gemvColumnTile;
    options.gemvMinTasks = gemvMinTasks;
    options.prefetchDistance = prefetchDistance;
    options.gemvLut = gemvLut;
    options.gemvLutInt8 = gemvLutInt8;
    options.gemvLutInt16 = gemvLutInt16;
    options.gemmInt8 = gemmInt8;
    options.targetFeatures = targetFeatures;
    if (failed(runLowering<BitplaneMatmulOp>(
            getOperation(), checkOptions(options),
            populateBitSinkLowerBitplaneMatmulPatterns, options)))
      signalPassFailure();
  }
};

} // namespace

void bitsink::populateBitSinkLowerBitplaneMatmulPatterns(
    RewritePatternSet &patterns,
    const BitSinkLowerBitplaneMatmulOptions &options) {
  assert(checkOptions(options).ok() && "options the pass would refuse");
  patterns.add<LowerBitplaneMatmulPattern>(patterns.getContext(), options);
}
