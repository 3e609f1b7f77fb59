//===- CPUPipeline.cpp - bitsink-cpu-pipeline -------------------*- C++ -*-===//
//
// From bitsink ops (and linalg) on tensors to the LLVM dialect for a CPU
// (the host by default, or target-cpu). Built from upstream passes plus
// ours through their create functions and generated option structs;
// `--dump-pass-pipeline` shows every pass with the options it runs with.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Pipelines/Pipelines.h"
#include "bitsink/Pipelines/TargetCpu.h"
#include "bitsink/Support/OptionChecks.h"

#include "PipelineParts.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/Transforms/RequestCWrappers.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/Support/Threading.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

// Tensors to buffers: caches updated in place, identity layouts at function
// boundaries so callers pass plain dense arrays, results turned into
// caller-allocated out-params. Deallocation runs on the bufferized program;
// the lowerings free what they allocate themselves.
void bitsink::buildBufferizationPipeline(OpPassManager &pm) {
  pm.addPass(createCanonicalizerPass());
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  pm.addPass(createBitSinkDropAliasedResults());
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
}

LogicalResult bitsink::buildCPUPipeline(OpPassManager &pm,
                                        const CPUPipelineOptions &options,
                                        std::string &error) {
  TargetCpu cpu;
  std::string cpuError;
  bool resolved = resolveTargetCpu(options.targetCpu, cpu, cpuError);
  error = OptionChecker("bitsink-cpu-pipeline")
              .require(resolved, "target-cpu: " + cpuError)
              .message();
  if (!resolved)
    return failure();

  // linalg.softmax as the generics it is made of, then element-wise chains
  // as one op each, on tensors (docs/cpu-vectorize.md, "Fusion").
  pm.addNestedPass<func::FuncOp>(createBitSinkDecomposeAggregates());
  if (options.fuseElementwise)
    pm.addNestedPass<func::FuncOp>(createBitSinkFuseElementwise());
  buildBufferizationPipeline(pm);
  // Each kernel is one op on buffers here; the lowerings below see the
  // begin/end calls between kernels only.
  if (options.profile)
    pm.addPass(createBitSinkProfileInstrument());

  // The bitsink lowerings, then what is left of linalg becomes loops.
  OpPassManager &lowerings = pm.nest<func::FuncOp>();
  lowerings.addPass(createBitSinkLowerCacheAppend());
  BitSinkLowerAttentionOptions attention;
  // The score tile (query-tile lanes x key-tile keys) is sized to the
  // registers: 32 x 8 (two zmm per key) with AVX-512, 16 x 6 with AVX2 (two
  // ymm per key: 12 score registers, and as many for the probabilities that
  // P·V keeps), 8 x 8 otherwise (two xmm per key); a decode task's lanes
  // are one register's (docs/attention-lowering.md, "Tile sizes per
  // target").
  auto byIsa = [&](const CPUPipelineOptions::Option<int64_t> &given,
                   int64_t avx512, int64_t avx2, int64_t other) -> int64_t {
    if (given.hasValue())
      return given;
    return cpu.hasAvx512 ? avx512 : cpu.hasAvx2 ? avx2 : other;
  };
  attention.queryTile = byIsa(options.queryTile, 32, 16, 8);
  attention.keyTile = byIsa(options.keyTile, 8, 6, 8);
  attention.decodeLanes = byIsa(options.decodeLanes, 16, 8, 8);
  attention.decodeMaxQueries = options.decodeMaxQueries;
  attention.splitSize = options.splitSize;
  lowerings.addPass(createBitSinkLowerAttention(attention));
  BitSinkLowerBitplaneMatmulOptions bitplane;
  bitplane.gemvMaxRows = options.gemvMaxRows;
  bitplane.gemvColumnTile = options.gemvColumnTile;
  bitplane.prefetchDistance = options.gemvPrefetchDistance;
  // A JIT or artifact for this machine cuts each GEMV into as many strips
  // as it has threads (or a multiple): equal, wide strips whose rows are
  // long runs of plane words (docs/bitplane-lowering.md, "Strips").
  if (options.gemvMinTasks.hasValue())
    bitplane.gemvMinTasks = options.gemvMinTasks;
  else if (options.targetCpu == "host")
    bitplane.gemvMinTasks = std::max<int64_t>(
        1, llvm::hardware_concurrency().compute_thread_count());
  // The table kernel needs AVX-512F or AVX2 (the pass picks the lookup from
  // target-features): by default on where the target has one of them.
  bitplane.gemvLut = options.gemvLut.hasValue() ? options.gemvLut.getValue()
                                                : cpu.hasAvx512 || cpu.hasAvx2;
  bitplane.gemvLutInt8 = options.gemvLutInt8;
  bitplane.gemvLutInt16 = options.gemvLutInt16;
  bitplane.gemmInt8 = options.gemmInt8;
  bitplane.targetFeatures = cpu.enabledFeatures;
  lowerings.addPass(createBitSinkLowerBitplaneMatmul(bitplane));
  // Contractions with fewer rows than a register tile whose K dimension
  // is contiguous in both inputs (decode matvecs against N x K weights)
  // become dot products before bitsink-tile-contractions sees them.
  BitSinkVectorizeLinalgOptions vectorize;
  vectorize.targetFeatures = cpu.enabledFeatures;
  if (options.vectorizeLinalg && options.tileContractions) {
    BitSinkVectorizeLinalgOptions contractions = vectorize;
    contractions.elementwise = false;
    contractions.reductions = false;
    contractions.contractionMaxRows = options.matmulRegisterTileM;
    lowerings.addPass(createBitSinkVectorizeLinalg(contractions));
  }
  if (options.tileContractions) {
    BitSinkTileContractionsOptions tiles;
    tiles.cacheTileM = options.matmulTileM;
    tiles.cacheTileN = options.matmulTileN;
    tiles.cacheTileK = options.matmulTileK;
    tiles.registerTileM = options.matmulRegisterTileM;
    tiles.registerTileN = options.matmulRegisterTileN;
    tiles.packRhs = options.matmulPackRhs;
    tiles.packTileM = options.matmulPackTileM;
    tiles.prefetchRhs = options.matmulPrefetchRhs;
    lowerings.addPass(createBitSinkTileContractions(tiles));
  }
  // Element-wise ops and reductions, including the ones split off fused
  // contractions by bitsink-tile-contractions.
  if (options.vectorizeLinalg) {
    vectorize.contractionMaxRows = 0;
    lowerings.addPass(createBitSinkVectorizeLinalg(vectorize));
  }
  lowerings.addPass(createConvertLinalgToLoopsPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Layers that repeat share their kernels' code (LLVM time).
  if (options.outlineKernels)
    pm.addPass(createBitSinkOutlineKernels());

  if (options.openmp)
    pm.addPass(createConvertSCFToOpenMPPass());
  pm.addPass(createBitSinkHoistStaticAllocas());
  pm.addNestedPass<func::FuncOp>(createBitSinkApproximateMath());
  pm.addPass(createConvertVectorToSCFPass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  if (options.cInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(createConvertVectorToLLVMPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  addScalarToLLVMPasses(pm);
  pm.addPass(createUBToLLVMConversionPass());
  if (options.openmp)
    pm.addPass(createConvertOpenMPToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  return success();
}

void bitsink::registerPipelines() {
  registerCheckedPipeline<CPUPipelineOptions>(
      "bitsink-cpu-pipeline",
      "Lower bitsink ops and linalg on tensors to the LLVM dialect for the "
      "host CPU or target-cpu (vectorised, OpenMP threads)",
      buildCPUPipeline);
#ifdef BITSINK_ENABLE_CUDA
  registerNVPTXPipeline();
#endif
}
