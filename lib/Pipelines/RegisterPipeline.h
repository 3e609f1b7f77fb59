//===- RegisterPipeline.h - registering a bitsink pipeline ------*- C++ -*-===//
//
// Private to lib/Pipelines.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_PIPELINES_REGISTERPIPELINE_H
#define BITSINK_LIB_PIPELINES_REGISTERPIPELINE_H

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

} // namespace bitsink

#endif // BITSINK_LIB_PIPELINES_REGISTERPIPELINE_H
