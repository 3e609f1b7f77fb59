//===- PipelineParts.h - pieces both bitsink pipelines use -------*- C++
//-*-===//
//
// Private to lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_PIPELINES_PIPELINEPARTS_H
#define BITSINK_LIB_PIPELINES_PIPELINEPARTS_H

#include "mlir/Conversion/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"

#include <string>

namespace bitsink {

/// Registers pipeline `name` whose options are `OptionsTy` and whose passes
/// `build(pm, options, error)` adds. Registered by hand rather than with
/// PassPipelineRegistration so that options `build` refuses (an unknown
/// target CPU, a chip ptxas rejects) are reported through the parser's
/// error handler before any pass runs, instead of aborting.
template <typename OptionsTy>
void registerCheckedPipeline(llvm::StringRef name, llvm::StringRef description,
                             llvm::LogicalResult (*build)(mlir::OpPassManager &,
                                                          const OptionsTy &,
                                                          std::string &)) {
  mlir::registerPassPipeline(
      name, description,
      [build](mlir::OpPassManager &pm, llvm::StringRef text,
              llvm::function_ref<llvm::LogicalResult(const llvm::Twine &)>
                  errorHandler) {
        OptionsTy options;
        if (llvm::failed(options.parseFromString(text)))
          return llvm::failure();
        std::string error;
        if (llvm::failed(build(pm, options, error)))
          return errorHandler(error);
        return llvm::success();
      },
      [](llvm::function_ref<void(const mlir::detail::PassOptions &)>
             optHandler) { optHandler(OptionsTy()); });
}

/// The host code's scalar dialects to LLVM, in the order both pipelines
/// need: math, arith, index, cf, func.
inline void addScalarToLLVMPasses(mlir::OpPassManager &pm) {
  pm.addPass(mlir::createConvertMathToLLVMPass());
  pm.addPass(mlir::createArithToLLVMConversionPass());
  pm.addPass(mlir::createConvertIndexToLLVMPass());
  pm.addPass(mlir::createConvertControlFlowToLLVMPass());
  pm.addPass(mlir::createConvertFuncToLLVMPass());
}

} // namespace bitsink

#endif // BITSINK_LIB_PIPELINES_PIPELINEPARTS_H
