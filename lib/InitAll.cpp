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

#include <mutex>

void bitsink::registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<bitsink::BitSinkDialect>();
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
