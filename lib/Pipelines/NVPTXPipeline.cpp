//===- NVPTXPipeline.cpp - bitsink-nvptx-pipeline ---------------*- C++ -*-===//
//
// From bitsink ops (and linalg) on tensors to host code in the LLVM dialect
// that launches NVPTX kernels embedded as gpu.binary, through the bitsink
// CUDA runtime (`mgpu*`, lib/Runtime/CUDA). Like the CPU pipeline it is a
// textual pipeline of upstream passes plus ours, so `--dump-pass-pipeline`
// shows exactly what runs. The order follows upstream's
// gpu-lower-to-nvvm-pipeline, with bufferization and our kernels in front.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
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

std::string
bitsink::validateNVPTXPipelineOptions(const NVPTXPipelineOptions &options) {
  std::string message;
  llvm::raw_string_ostream os(message);
  const ChipInfo *chip = nullptr;
  for (const ChipInfo &info : kChips)
    if (options.chip.getValue() == info.name)
      chip = &info;
  if (!chip) {
    os << "bitsink-nvptx-pipeline: unsupported chip '" << options.chip
       << "' (expected one of sm_80, sm_86, sm_89, sm_90, sm_90a; CUDA 13's "
          "ptxas rejects anything below sm_75)";
    return message;
  }
  StringRef features = options.features.getValue();
  unsigned ptx = 0;
  if (!features.consume_front("+ptx") || features.getAsInteger(10, ptx) ||
      !isKnownPtxVersion(ptx)) {
    os << "bitsink-nvptx-pipeline: unsupported features '" << options.features
       << "' (expected one PTX ISA version as +ptxNN, e.g. +ptx80; LLVM 22 "
          "knows up to +ptx90)";
    return message;
  }
  if (ptx < chip->minPtx) {
    os << "bitsink-nvptx-pipeline: chip " << chip->name << " needs PTX ISA "
       << chip->minPtx / 10 << "." << chip->minPtx % 10
       << " or newer (features=+ptx" << chip->minPtx << " or above), got '"
       << options.features << "'";
    return message;
  }
  if (options.optLevel > 3) {
    os << "bitsink-nvptx-pipeline: opt-level must be 0-3, got "
       << static_cast<unsigned>(options.optLevel);
    return message;
  }
  if (!llvm::sys::fs::exists(options.toolkit.getValue() +
                             "/nvvm/libdevice/libdevice.10.bc")) {
    os << "bitsink-nvptx-pipeline: no CUDA toolkit at '" << options.toolkit
       << "' (nvvm/libdevice/libdevice.10.bc is missing); pass toolkit=DIR";
    return message;
  }
  StringRef format = options.cubinFormat.getValue();
  if (format != "bin" && format != "fatbin" && format != "isa") {
    os << "bitsink-nvptx-pipeline: unsupported cubin-format '" << format
       << "' (expected bin, fatbin or isa)";
    return message;
  }
  return message;
}

/// `name{options}`, or `name` when there are none.
static std::string passWithOptions(StringRef name, StringRef options) {
  if (StringRef(options).trim().empty())
    return name.str();
  return (name + "{" + options + "}").str();
}

static std::string nvptxPipelineText(const bitsink::NVPTXPipelineOptions &o) {
  std::string text;
  // Our kernels first: they see every memref function argument as device
  // memory and allocate their temporaries with gpu.alloc.
  text += "bitsink-gpu-lower-cache-append,";
  text +=
      passWithOptions("bitsink-gpu-lower-attention", o.attentionOptions) + "," +
      passWithOptions("bitsink-gpu-lower-bitplane-matmul", o.matmulOptions) +
      ",";
  // Host buffers become device buffers (and leftovers without a GPU
  // lowering are rejected) before the remaining linalg ops (fills, copies,
  // element-wise glue) become kernels: the innermost parallel dimension is
  // tiled into threadIdx.x (coalesced), the others map to the grid, and
  // reductions stay loops inside the kernel.
  text += "bitsink-gpu-host-to-device-memory,"
          "func.func(convert-linalg-to-parallel-loops,"
          "bitsink-gpu-tile-parallel-loops,"
          "gpu-map-parallel-loops{mapping-policy=innermost-first},"
          "convert-parallel-loops-to-gpu),"
          "canonicalize,cse,"
          // Constants and index arithmetic move into the launch bodies:
          // outlined, they would be kernel parameters (more registers).
          "gpu-launch-sink-index-computations,"
          "gpu-kernel-outlining,"
          "gpu.module(bitsink-gpu-align-workgroup-buffers),";
  text += llvm::formatv("nvvm-attach-target{{chip={0} features={1} O={2}},",
                        o.chip.getValue(), o.features.getValue(),
                        static_cast<unsigned>(o.optLevel));
  // Host: one stream per function, launches and copies ordered on it, one
  // synchronisation before returning.
  text += "func.func(gpu-async-region),";
  // Device: scf must be cf before gpu-to-nvvm (which maps math to
  // libdevice); the rest of the kernel body to LLVM.
  text += "gpu.module(expand-strided-metadata,lower-affine,"
          "convert-vector-to-scf,convert-scf-to-cf,convert-nvgpu-to-nvvm,"
          "convert-gpu-to-nvvm,convert-vector-to-llvm,convert-math-to-llvm,"
          "convert-arith-to-llvm,convert-index-to-llvm,convert-nvvm-to-llvm,"
          "canonicalize,cse,reconcile-unrealized-casts),";
  // The toolkit is explicit: without it, MLIR looks only at CUDA_HOME-style
  // variables and, when they are unset, emits PTX that calls libdevice
  // functions it never linked (the driver rejects it at load time).
  text += llvm::formatv("gpu-module-to-binary{{format={0} toolkit={1}},",
                        o.cubinFormat.getValue(), o.toolkit.getValue());
  if (o.cInterface)
    text += "func.func(llvm-request-c-wrappers),";
  text += "expand-strided-metadata,lower-affine,convert-scf-to-cf,"
          "gpu-to-llvm,finalize-memref-to-llvm,convert-math-to-llvm,"
          "convert-arith-to-llvm,convert-index-to-llvm,convert-cf-to-llvm,"
          "convert-func-to-llvm,reconcile-unrealized-casts";
  return text;
}

const char *bitsink::defaultCUDAToolkitPath() {
  return BITSINK_CUDA_TOOLKIT_DIR;
}

LogicalResult bitsink::buildNVPTXPipeline(OpPassManager &pm,
                                          const NVPTXPipelineOptions &options,
                                          std::string &error) {
  error = validateNVPTXPipelineOptions(options);
  if (!error.empty())
    return failure();
  buildBufferizationPipeline(pm);
  // Only the pass-through kernel options can make this text fail to parse.
  llvm::raw_string_ostream os(error);
  if (failed(parsePassPipeline(nvptxPipelineText(options), pm, os))) {
    error = "bitsink-nvptx-pipeline: bad attention-options or "
            "matmul-options: " +
            StringRef(error).trim().str();
    return failure();
  }
  return success();
}

void bitsink::registerNVPTXPipeline() {
  // Registered by hand rather than with PassPipelineRegistration so that bad
  // options are reported (before any pass runs) instead of aborting LLVM.
  registerPassPipeline(
      "bitsink-nvptx-pipeline",
      "Lower bitsink ops and linalg on tensors to NVPTX kernels (gpu.binary) "
      "and host code in the LLVM dialect calling the bitsink CUDA runtime",
      [](OpPassManager &pm, StringRef text,
         function_ref<LogicalResult(const Twine &)> errorHandler) {
        NVPTXPipelineOptions options;
        if (failed(options.parseFromString(text)))
          return failure();
        std::string error;
        if (failed(buildNVPTXPipeline(pm, options, error)))
          return errorHandler(error);
        return success();
      },
      [](function_ref<void(const detail::PassOptions &)> optHandler) {
        optHandler(NVPTXPipelineOptions());
      });
}
