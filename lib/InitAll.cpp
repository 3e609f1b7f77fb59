//===- InitAll.cpp - register bitsink and upstream pieces -------*- C++ -*-===//
//
// Implements bitsink::registerAllDialects / registerAllPasses.
//
//===----------------------------------------------------------------------===//

#include "bitsink/InitAll.h"

#include "bitsink/Conversion/Passes.h"
#ifdef BITSINK_ENABLE_CUDA
#include "bitsink/Conversion/GPU/Passes.h"
#endif
#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"
#include "bitsink/Dialect/BitSink/Transforms/Passes.h"
#include "bitsink/Pipelines/Pipelines.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Target/LLVMIR/LLVMTranslationInterface.h"

#include <mutex>

namespace {
/// bitsink attributes that reach the LLVM dialect (`bitsink.name` on the
/// arguments of an entry, `bitsink.result_aliases` on it) are information
/// for hosts, not LLVM IR: translation drops them (without this interface
/// it warns once per attribute, dumping the whole function).
struct BitSinkToLLVMIRTranslation
    : public mlir::LLVMTranslationDialectInterface {
  using LLVMTranslationDialectInterface::LLVMTranslationDialectInterface;
};
} // namespace

void bitsink::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<bitsink::BitSinkDialect>();
  registry.addExtension(
      +[](mlir::MLIRContext *, bitsink::BitSinkDialect *dialect) {
        dialect->addInterfaces<BitSinkToLLVMIRTranslation>();
      });
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
}

void bitsink::registerAllPasses() {
  static std::once_flag once;
  std::call_once(once, [] {
    mlir::registerAllPasses();
    bitsink::registerBitSinkPasses();
    bitsink::registerBitSinkConversionPasses();
#ifdef BITSINK_ENABLE_CUDA
    bitsink::registerBitSinkGPUConversionPasses();
#endif
    bitsink::registerPipelines();
  });
}
