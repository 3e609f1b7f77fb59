//===- CPUPipeline.cpp - bitsink-cpu-pipeline -------------------*- C++ -*-===//
//
// From bitsink ops (and linalg) on tensors to the LLVM dialect for the host
// CPU. Built from upstream passes plus ours, as a textual pipeline so that
// `--dump-pass-pipeline` shows exactly what runs.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

using namespace mlir;

// Tensors to buffers: caches updated in place, identity layouts at function
// boundaries so callers pass plain dense arrays, results turned into
// caller-allocated out-params. Deallocation runs on the bufferized program;
// the lowerings free what they allocate themselves.
static constexpr const char *kBufferizationPipeline =
    "canonicalize,"
    "one-shot-bufferize{bufferize-function-boundaries=true "
    "function-boundary-type-conversion=identity-layout-map},"
    "bitsink-drop-aliased-results,"
    "buffer-results-to-out-params{hoist-static-allocs=true "
    "modify-public-functions=true},"
    "buffer-deallocation-pipeline";

static std::string cpuPipelineText(const bitsink::CPUPipelineOptions &opts) {
  std::string lowerings =
      llvm::formatv("bitsink-lower-cache-append,"
                    "bitsink-lower-attention{{query-tile={0} key-tile={1} "
                    "decode-max-queries={2} split-size={3}},"
                    "bitsink-lower-bitplane-matmul{{gemv-max-rows={4} "
                    "gemv-column-tile={5} gemv-lut={6}}",
                    opts.queryTile.getValue(), opts.keyTile.getValue(),
                    opts.decodeMaxQueries.getValue(), opts.splitSize.getValue(),
                    opts.gemvMaxRows.getValue(), opts.gemvColumnTile.getValue(),
                    opts.gemvLut.getValue() ? "true" : "false");
  if (opts.tileContractions)
    lowerings += llvm::formatv(
        ",bitsink-tile-contractions{{cache-tile-m={0} cache-tile-n={1} "
        "cache-tile-k={2} register-tile-m={3} register-tile-n={4}}",
        opts.matmulTileM.getValue(), opts.matmulTileN.getValue(),
        opts.matmulTileK.getValue(), opts.matmulRegisterTileM.getValue(),
        opts.matmulRegisterTileN.getValue());
  std::string text = "func.func(" + lowerings +
                     ",convert-linalg-to-loops),"
                     "canonicalize,cse,";
  if (opts.openmp)
    text += "convert-scf-to-openmp,";
  text += "bitsink-hoist-static-allocas,func.func(bitsink-approximate-math),"
          "convert-vector-to-scf,convert-scf-to-cf,expand-strided-metadata,"
          "lower-affine,";
  if (opts.cInterface)
    text += "func.func(llvm-request-c-wrappers),";
  text += "convert-vector-to-llvm,finalize-memref-to-llvm,"
          "convert-math-to-llvm,convert-arith-to-llvm,convert-index-to-llvm,"
          "convert-cf-to-llvm,convert-func-to-llvm,convert-ub-to-llvm,";
  if (opts.openmp)
    text += "convert-openmp-to-llvm,";
  text += "reconcile-unrealized-casts";
  return text;
}

/// -1: the host decides; 0 or 1: a ScopedTargetAvx512 does.
static thread_local int targetAvx512Override = -1;

bool bitsink::hostHasAvx512() {
  if (targetAvx512Override >= 0)
    return targetAvx512Override == 1;
  llvm::StringMap<bool> features = llvm::sys::getHostCPUFeatures();
  auto it = features.find("avx512f");
  return it != features.end() && it->second;
}

bitsink::ScopedTargetAvx512::ScopedTargetAvx512(bool hasAvx512)
    : previous(targetAvx512Override) {
  targetAvx512Override = hasAvx512 ? 1 : 0;
}

bitsink::ScopedTargetAvx512::~ScopedTargetAvx512() {
  targetAvx512Override = previous;
}

void bitsink::buildBufferizationPipeline(OpPassManager &pm) {
  // A built-in text of known pass names: a parse failure is a bug here.
  if (failed(parsePassPipeline(kBufferizationPipeline, pm, llvm::errs())))
    llvm::report_fatal_error("bitsink: bad built-in bufferization pipeline");
}

void bitsink::buildCPUPipeline(OpPassManager &pm,
                               const CPUPipelineOptions &options) {
  buildBufferizationPipeline(pm);
  // The text is generated here from known pass names; a parse failure is a
  // bug in this file, reported through the pass manager's diagnostics.
  if (failed(parsePassPipeline(cpuPipelineText(options), pm, llvm::errs())))
    llvm::report_fatal_error("bitsink-cpu-pipeline: bad built-in pipeline");
}

void bitsink::registerPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "bitsink-cpu-pipeline",
      "Lower bitsink ops and linalg on tensors to the LLVM dialect for the "
      "host CPU (vectorised, OpenMP threads)",
      buildCPUPipeline);
#ifdef BITSINK_ENABLE_CUDA
  registerNVPTXPipeline();
#endif
}
