//===- LowerAttentionGPU.cpp - sink_attention to GPU kernels ----*- C++ -*-===//
//
// Lowers `bitsink.sink_attention` (memref form, device memory; ops on
// tensors are bridged) to host code with `gpu.launch` ops: a tensor-core
// prefill kernel (mma.sync m16n8k16 on f16/bf16), a SIMT prefill kernel for
// every other case, and a split-KV decode kernel followed by a log-sum-exp
// merge kernel (docs/gpu-attention.md). This file holds the pattern, which
// plans the kernels (GPUAttentionPlanner) before it creates any IR and then
// runs the emitter's driver, and the pass that validates its options and
// applies the pattern; the kernels are in Simt.cpp, TensorCore.cpp and
// Decode.cpp.
//
//===----------------------------------------------------------------------===//

#include "GPUAttentionEmitter.h"

#include "../../Common/LoweringPattern.h"

#include "bitsink/Conversion/GPU/Patterns.h"
#include "bitsink/Support/OptionChecks.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPULOWERATTENTION
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;
using namespace bitsink::gpu_attention;

//===----------------------------------------------------------------------===//
// Kernel choice
//===----------------------------------------------------------------------===//

GPUAttentionPlanner::GPUAttentionPlanner(SinkAttentionOp op,
                                         const Options &opts)
    : op(op), opts(opts) {
  auto qType = cast<ShapedType>(op.getQuery().getType());
  elemType = qType.getElementType();
  headDim = qType.getDimSize(3);
  valueDim = cast<ShapedType>(op.getValue().getType()).getDimSize(3);
  if (RopeAttr rope = activeRope(op))
    ropeTableBytes = 4 * (rope.getDims() / 2);
}

// Static Nq <= decode-max-queries: split-KV decode. Otherwise tensor cores
// when the types and head dimensions allow them and their tiles fit, else
// the SIMT kernel.
FailureOr<GPUAttentionPlan> GPUAttentionPlanner::plan() const {
  if (failed(attention::AttentionOperands::checkStaticHeadDims(op,
                                                               "GPU lowering")))
    return failure();
  // cp.async and the vector loads assume dense rows.
  if (failed(checkIdentityLayouts(
          op, "GPU lowering needs memrefs with identity layouts, got ")))
    return failure();
  // Dv = 0: the output is empty.
  if (valueDim == 0)
    return GPUAttentionPlan();

  int64_t staticQueries =
      cast<ShapedType>(op.getQuery().getType()).getDimSize(2);
  if (!ShapedType::isDynamic(staticQueries) && staticQueries > 0 &&
      staticQueries <= opts.decodeMaxQueries)
    return planDecode(staticQueries);

  GPUAttentionPlan plan;
  if (tensorCoresApply()) {
    if (std::optional<TensorCoreTiles> tiles = fitTensorCoreTiles()) {
      plan.kernel = GPUAttentionPlan::Kernel::TensorCore;
      plan.tensorCore = *tiles;
      return plan;
    }
  }
  std::optional<SimtTiles> tiles =
      fitSimtTiles({opts.simtQueryTile, opts.simtKeyTile}, /*minRows=*/1);
  if (!tiles)
    return op.emitOpError("head dimensions D = ")
           << headDim << ", Dv = " << valueDim
           << " do not fit the SIMT kernel's shared memory ("
           << kSharedMemoryBytes << " bytes)";
  plan.kernel = GPUAttentionPlan::Kernel::Simt;
  plan.simt = *tiles;
  return plan;
}

//===----------------------------------------------------------------------===//
// Emitter driver
//===----------------------------------------------------------------------===//

GPUAttentionEmitter::GPUAttentionEmitter(ImplicitLocOpBuilder &b,
                                         SinkAttentionOp op,
                                         const GPUAttentionPlan &plan)
    : GPUEmitBuilder(b), op(op), plan(plan), rope(activeRope(op)) {
  read(op);
}

// The host-side sizes every kernel uses, then the planned kernels.
void GPUAttentionEmitter::emit() {
  if (plan.kernel == GPUAttentionPlan::Kernel::None)
    return;
  static_cast<attention::AttentionSizes &>(*this) =
      attention::sizes(*this, *this, op);
  switch (plan.kernel) {
  case GPUAttentionPlan::Kernel::None:
    return;
  case GPUAttentionPlan::Kernel::Decode:
    return emitDecode();
  case GPUAttentionPlan::Kernel::TensorCore:
    return emitTensorCoreKernel();
  case GPUAttentionPlan::Kernel::Simt: {
    SimtLaunch launch;
    launch.tiles = plan.simt;
    return emitSimtKernel(launch);
  }
  }
  llvm_unreachable("unknown kernel");
}

//===----------------------------------------------------------------------===//
// Pattern and pass
//===----------------------------------------------------------------------===//

namespace {

struct LowerAttentionGPUPattern : BitSinkLoweringPattern<SinkAttentionOp> {
  LowerAttentionGPUPattern(MLIRContext *context, const Options &opts)
      : BitSinkLoweringPattern(context), opts(opts) {}

  LogicalResult checkLowerable(SinkAttentionOp op) const override {
    return GPUAttentionPlanner(op, opts).plan();
  }

  void lower(SinkAttentionOp op, ImplicitLocOpBuilder &b) const override {
    // The plan depends only on static facts, which the memref form keeps:
    // checkLowerable accepted it.
    FailureOr<GPUAttentionPlan> plan = GPUAttentionPlanner(op, opts).plan();
    assert(succeeded(plan) && "checkLowerable accepted the op");
    GPUAttentionEmitter(b, op, *plan).emit();
  }

  Options opts;
};

/// The pass options' rules; the first one violated is the error.
OptionChecker checkOptions(const Options &opts) {
  OptionChecker check("bitsink-gpu-lower-attention");
  auto tensorTile = [](int64_t x) {
    return x >= 16 && x <= 128 && x % 16 == 0;
  };
  check
      .require(tensorTile(opts.queryTile),
               "query-tile must be a multiple of 16 in [16, 128], got " +
                   Twine(opts.queryTile))
      .require(tensorTile(opts.keyTile),
               "key-tile must be a multiple of 16 in [16, 128], got " +
                   Twine(opts.keyTile))
      .inRange("simt-query-tile", opts.simtQueryTile, 1, 128)
      .inRange("simt-key-tile", opts.simtKeyTile, 1, 128)
      .inRange("decode-max-queries", opts.decodeMaxQueries, 0, 128)
      .inRange("decode-key-tile", opts.decodeKeyTile, 1, 128)
      .require(opts.splitSize >= opts.decodeKeyTile,
               "split-size must be at least decode-key-tile, got " +
                   Twine(opts.splitSize));
  return check;
}

struct LowerAttentionGPUPass
    : bitsink::impl::BitSinkGPULowerAttentionBase<LowerAttentionGPUPass> {
  using BitSinkGPULowerAttentionBase::BitSinkGPULowerAttentionBase;

  void runOnOperation() override {
    Options options{queryTile,   keyTile,       simtQueryTile,
                    simtKeyTile, decodeKeyTile, decodeMaxQueries,
                    splitSize,   tensorCores};
    if (failed(runLowering<SinkAttentionOp>(
            getOperation(), checkOptions(options),
            populateBitSinkGPULowerAttentionPatterns, options)))
      signalPassFailure();
  }
};

} // namespace

void bitsink::populateBitSinkGPULowerAttentionPatterns(
    RewritePatternSet &patterns, const BitSinkGPULowerAttentionOptions &opts) {
  assert(checkOptions(opts).ok() && "invalid bitsink-gpu-lower-attention "
                                    "options");
  patterns.add<LowerAttentionGPUPattern>(patterns.getContext(), opts);
}
