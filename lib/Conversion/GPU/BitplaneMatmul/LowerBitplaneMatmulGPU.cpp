//===- LowerBitplaneMatmulGPU.cpp - bitplane_matmul on GPUs -----*- C++ -*-===//
//
// Lowers bitsink.bitplane_matmul (on device memrefs) to host code with
// gpu.launch ops: a split-K GEMV that reads every packed plane word once,
// coalesced, and sums x through partial-sum tables (small M) or rebuilds
// the weights in registers (Gemv.cpp, GemvLut.cpp); and a GEMM that
// dequantizes weight tiles into shared memory and multiplies them with
// nvgpu.ldmatrix + nvgpu.mma.sync (or f32 FMAs) (Gemm.cpp). This file holds
// the pattern that picks a kernel per op and the pass around it. See
// docs/gpu-bitplane.md.
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitterGPU.h"

#include "bitsink/Conversion/GPU/Patterns.h"
#include "bitsink/Support/OptionChecks.h"

#include "../../Common/LoweringPattern.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPULOWERBITPLANEMATMUL
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

using Options = BitSinkGPULowerBitplaneMatmulOptions;

BitplaneEmitterGPU::BitplaneEmitterGPU(ImplicitLocOpBuilder &b,
                                       BitplaneMatmulOp op,
                                       const Options &options)
    : GPUEmitBuilder(b), options(options) {
  f32Type = b.getF32Type();
  i32Type = b.getI32Type();
  read(*this, op, /*withPlaneWords=*/true);
}

namespace {

constexpr StringLiteral kPassName = "bitsink-gpu-lower-bitplane-matmul";

/// The option values a kernel can be built for.
OptionChecker checkOptions(const Options &o) {
  OptionChecker check(kPassName);
  check.positiveMultipleOf("tile-m", o.tileM, 32)
      .positiveMultipleOf("tile-n", o.tileN, 32)
      .positiveMultipleOf("tile-k", o.tileK, 32)
      // (Multiples of 32 are also the multiples of 16 that the CUDA-core
      // GEMM's 16 × 16 threads need.)
      .require(!o.tensorCores ||
                   (o.tileM / 32) * (o.tileN / 32) * bitsink::kWarpSize <= 1024,
               "tile-m × tile-n needs more than 1024 threads (one warp per "
               "32 × 32 block), got " +
                   Twine(o.tileM) + " × " + Twine(o.tileN))
      // Up to 32 rows of x (or 4 of tables) fit the GEMV's 32 KiB of
      // staging with one warp on K, and 32 sums per thread its registers.
      .inRange("gemv-max-rows", o.gemvMaxRows, 0, 32)
      .inRange("gemv-lut-max-rows", o.gemvLutMaxRows, 0, 4)
      .oneOf("gemv-columns-per-thread", o.gemvColumnsPerThread, {1, 2, 4})
      .inRange("gemv-warps-k", o.gemvWarpsK, 1, 32)
      .atLeast("split-k", o.splitK, 0)
      .positive("sm-count", o.smCount)
      .positive("gemv-ctas-per-sm", o.gemvCtasPerSm);
  return check;
}

/// One bitplane_matmul: the GEMV for a static M <= gemv-max-rows, the GEMM
/// otherwise.
struct LowerBitplaneMatmulGPU : BitSinkLoweringPattern<BitplaneMatmulOp> {
  LowerBitplaneMatmulGPU(MLIRContext *context, const Options &options)
      : BitSinkLoweringPattern(context), options(options) {
    assert(checkOptions(options).ok() && "invalid options");
  }

  LogicalResult checkLowerable(BitplaneMatmulOp op) const override {
    if (failed(BitplaneOperands::checkCanonicalPlanes(op, kPassName)))
      return failure();
    return checkIdentityLayouts(
        op, "expects memrefs with identity layouts on the GPU, got ");
  }

  void lower(BitplaneMatmulOp op, ImplicitLocOpBuilder &b) const override {
    int64_t rows = cast<MemRefType>(op.getInput().getType()).getDimSize(0);
    BitplaneEmitterGPU emitter(b, op, options);
    if (!ShapedType::isDynamic(rows) && rows <= options.gemvMaxRows)
      emitter.emitGemv(rows);
    else
      emitter.emitGemm();
  }

  Options options;
};

} // namespace

void bitsink::populateBitSinkGPULowerBitplaneMatmulPatterns(
    RewritePatternSet &patterns, const Options &options) {
  patterns.add<LowerBitplaneMatmulGPU>(patterns.getContext(), options);
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct GpuLowerBitplaneMatmulPass
    : bitsink::impl::BitSinkGPULowerBitplaneMatmulBase<
          GpuLowerBitplaneMatmulPass> {
  using BitSinkGPULowerBitplaneMatmulBase::BitSinkGPULowerBitplaneMatmulBase;

  void runOnOperation() override {
    Options options;
    options.gemvMaxRows = gemvMaxRows;
    options.gemvLutMaxRows = gemvLutMaxRows;
    options.gemvColumnsPerThread = gemvColumnsPerThread;
    options.gemvWarpsK = gemvWarpsK;
    options.splitK = splitK;
    options.smCount = smCount;
    options.gemvCtasPerSm = gemvCtasPerSm;
    options.tileM = tileM;
    options.tileN = tileN;
    options.tileK = tileK;
    options.tensorCores = tensorCores;
    if (failed(runLowering<BitplaneMatmulOp>(
            getOperation(), checkOptions(options),
            populateBitSinkGPULowerBitplaneMatmulPatterns, options)))
      signalPassFailure();
  }
};
} // namespace
