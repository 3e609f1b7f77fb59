//===- NVPTXPipeline.cpp - bitsink-nvptx-pipeline ---------------*- C++ -*-===//
//
// From bitsink ops (and linalg) on tensors to host code in the LLVM dialect
// that launches NVPTX kernels embedded as gpu.binary, through the bitsink
// CUDA runtime (`mgpu*`, lib/Runtime/CUDA). Like the CPU pipeline it is
// built from upstream passes plus ours through their create functions, so
// `--dump-pass-pipeline` shows every pass with its options. The order
// follows upstream's gpu-lower-to-nvvm-pipeline, with bufferization and our
// kernels in front.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Pipelines/Pipelines.h"
#include "bitsink/Support/OptionChecks.h"

#include "PipelineParts.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/Transforms/RequestCWrappers.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

namespace {
/// A chip and the lowest PTX ISA version (times 10) that can target it.
struct ChipInfo {
  llvm::StringLiteral name;
  unsigned minPtx;
};
} // namespace

/// The chips the kernels are written for (tensor cores from sm_80; wgmma and
/// TMA only on sm_90a). PTX minima from the PTX ISA "target" table.
static constexpr ChipInfo kChips[] = {
    {"sm_80", 70}, {"sm_86", 71}, {"sm_89", 78}, {"sm_90", 78}, {"sm_90a", 80}};

/// PTX ISA versions that LLVM 22's NVPTX backend knows (`+ptxNN`); CUDA 13's
/// ptxas reads all of them up to 9.0.
static bool isKnownPtxVersion(unsigned version) {
  static constexpr unsigned kOlder[] = {32, 40, 41, 42, 43, 50,
                                        60, 61, 62, 63, 64, 65};
  return llvm::is_contained(kOlder, version) ||
         (version >= 70 && version <= 78) || (version >= 80 && version <= 88) ||
         version == 90;
}

/// The checks of chip, features, opt-level, toolkit and cubin-format.
static void checkTargetOptions(const bitsink::NVPTXPipelineOptions &options,
                               bitsink::OptionChecker &checker) {
  SmallVector<StringRef> chipNames;
  const ChipInfo *chip = nullptr;
  for (const ChipInfo &info : kChips) {
    chipNames.push_back(info.name);
    if (options.chip.getValue() == info.name)
      chip = &info;
  }
  // CUDA 13's ptxas rejects anything below sm_75; the kernels need sm_80.
  checker.oneOf("chip", options.chip.getValue(), chipNames);
  StringRef features = options.features.getValue();
  unsigned ptx = 0;
  bool knownPtx = features.consume_front("+ptx") &&
                  !features.getAsInteger(10, ptx) && isKnownPtxVersion(ptx);
  checker.require(knownPtx,
                  "unsupported features '" + options.features.getValue() +
                      "' (expected one PTX ISA version as +ptxNN, e.g. "
                      "+ptx80; LLVM 22 knows up to +ptx90)");
  if (chip && knownPtx)
    checker.require(ptx >= chip->minPtx,
                    "chip " + chip->name + " needs PTX ISA " +
                        Twine(chip->minPtx / 10) + "." +
                        Twine(chip->minPtx % 10) + " or newer (features=+ptx" +
                        Twine(chip->minPtx) + " or above), got '" +
                        options.features.getValue() + "'");
  checker.inRange("opt-level", options.optLevel, 0, 3);
  checker.require(llvm::sys::fs::exists(options.toolkit.getValue() +
                                        "/nvvm/libdevice/libdevice.10.bc"),
                  "no CUDA toolkit at '" + options.toolkit.getValue() +
                      "' (nvvm/libdevice/libdevice.10.bc is missing); pass "
                      "toolkit=DIR");
  checker.oneOf("cubin-format", options.cubinFormat.getValue(),
                {"bin", "fatbin", "isa"});
}

std::string
bitsink::validateNVPTXPipelineOptions(const NVPTXPipelineOptions &options) {
  OptionChecker checker("bitsink-nvptx-pipeline");
  checkTargetOptions(options, checker);
  return checker.message();
}

/// Reads `text` into `pass`'s options with the pass's own parser; a text
/// that does not parse is a violation of `option`.
static void parseKernelOptions(Pass &pass, StringRef option, StringRef text,
                               bitsink::OptionChecker &checker) {
  std::string message;
  LogicalResult parsed = pass.initializeOptions(text, [&](const Twine &reason) {
    message = reason.str();
    return failure();
  });
  // LLVM's option parser prints some errors (a bad value) itself.
  StringRef reason = StringRef(message).trim();
  checker.require(succeeded(parsed), "bad " + option + " '" + text + "'" +
                                         (reason.empty() ? "" : ": ") + reason);
}

const char *bitsink::defaultCUDAToolkitPath() {
  return BITSINK_CUDA_TOOLKIT_DIR;
}

LogicalResult bitsink::buildNVPTXPipeline(OpPassManager &pm,
                                          const NVPTXPipelineOptions &options,
                                          std::string &error) {
  OptionChecker checker("bitsink-nvptx-pipeline");
  checkTargetOptions(options, checker);
  std::unique_ptr<Pass> attention = createBitSinkGPULowerAttention();
  parseKernelOptions(*attention, "attention-options", options.attentionOptions,
                     checker);
  std::unique_ptr<Pass> bitplane = createBitSinkGPULowerBitplaneMatmul();
  parseKernelOptions(*bitplane, "matmul-options", options.matmulOptions,
                     checker);
  error = checker.message();
  if (!checker.ok())
    return failure();

  // linalg.softmax as the generics it is made of (no lowering of its own).
  pm.addNestedPass<func::FuncOp>(createBitSinkDecomposeAggregates());
  buildBufferizationPipeline(pm);
  // Our kernels first: they see every memref function argument as device
  // memory and allocate their temporaries with gpu.alloc.
  pm.addPass(createBitSinkGPULowerCacheAppend());
  pm.addPass(std::move(attention));
  pm.addPass(std::move(bitplane));
  // Host buffers become device buffers (and leftovers without a GPU
  // lowering are rejected) before the remaining linalg ops (fills, copies,
  // element-wise glue) become kernels: the innermost parallel dimension is
  // tiled into threadIdx.x (coalesced), the others map to the grid, and
  // reductions stay loops inside the kernel.
  pm.addPass(createBitSinkGPUHostToDeviceMemory());
  OpPassManager &loops = pm.nest<func::FuncOp>();
  loops.addPass(createConvertLinalgToParallelLoopsPass());
  loops.addPass(createBitSinkGPUTileParallelLoops());
  GpuMapParallelLoopsPassOptions mapping;
  mapping.mappingPolicyStr = "innermost-first";
  loops.addPass(createGpuMapParallelLoopsPass(mapping));
  loops.addPass(createConvertParallelLoopToGpuPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Constants and index arithmetic move into the launch bodies: outlined,
  // they would be kernel parameters (more registers).
  pm.addPass(createGpuLaunchSinkIndexComputationsPass());
  pm.addPass(createGpuKernelOutliningPass());
  pm.addNestedPass<gpu::GPUModuleOp>(createBitSinkGPUAlignWorkgroupBuffers());
  GpuNVVMAttachTargetOptions target;
  target.chip = options.chip;
  target.features = options.features;
  target.optLevel = options.optLevel;
  pm.addPass(createGpuNVVMAttachTarget(target));
  // Host: one stream per function, launches and copies ordered on it, one
  // synchronisation before returning.
  pm.addNestedPass<func::FuncOp>(createGpuAsyncRegionPass());
  // Device: scf must be cf before gpu-to-nvvm (which maps math to
  // libdevice); the rest of the kernel body to LLVM.
  OpPassManager &device = pm.nest<gpu::GPUModuleOp>();
  device.addPass(memref::createExpandStridedMetadataPass());
  device.addPass(createLowerAffinePass());
  device.addPass(createConvertVectorToSCFPass());
  device.addPass(createSCFToControlFlowPass());
  device.addPass(createConvertNVGPUToNVVMPass());
  device.addPass(createConvertGpuOpsToNVVMOps());
  device.addPass(createConvertVectorToLLVMPass());
  device.addPass(createConvertMathToLLVMPass());
  device.addPass(createArithToLLVMConversionPass());
  device.addPass(createConvertIndexToLLVMPass());
  device.addPass(createConvertNVVMToLLVMPass());
  device.addPass(createCanonicalizerPass());
  device.addPass(createCSEPass());
  device.addPass(createReconcileUnrealizedCastsPass());
  // The toolkit is explicit: without it, MLIR looks only at CUDA_HOME-style
  // variables and, when they are unset, emits PTX that calls libdevice
  // functions it never linked (the driver rejects it at load time).
  GpuModuleToBinaryPassOptions binary;
  binary.compilationTarget = options.cubinFormat;
  binary.toolkitPath = options.toolkit;
  pm.addPass(createGpuModuleToBinaryPass(binary));
  if (options.cInterface)
    pm.addNestedPass<func::FuncOp>(LLVM::createLLVMRequestCWrappersPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(createGpuToLLVMConversionPass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  addScalarToLLVMPasses(pm);
  pm.addPass(createReconcileUnrealizedCastsPass());
  return success();
}

void bitsink::registerNVPTXPipeline() {
  registerCheckedPipeline<NVPTXPipelineOptions>(
      "bitsink-nvptx-pipeline",
      "Lower bitsink ops and linalg on tensors to NVPTX kernels (gpu.binary) "
      "and host code in the LLVM dialect calling the bitsink CUDA runtime",
      buildNVPTXPipeline);
}
