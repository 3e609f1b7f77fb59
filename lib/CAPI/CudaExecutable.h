//===- CudaExecutable.h - run a CUDA artifact from the C API ----*- C++ -*-===//
//
// The "cuda" target of bitsinkExecutableCreate: the module is compiled by
// compileArtifact (bitsink-nvptx-pipeline) into a shared library in a
// private temporary folder, loaded with dlopen, and called through its
// `_bitsink_packed_<entry>` wrapper on device buffers that the runtime
// (libbitsink_cuda_runtime.so) allocates and fills from host arrays.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CAPI_CUDAEXECUTABLE_H
#define BITSINK_LIB_CAPI_CUDAEXECUTABLE_H

#include "bitsink/Execution/JitRunner.h"

#include <memory>
#include <string>
#include <vector>

namespace bitsink {

class CudaExecutable {
public:
  /// Compiles `entry` of (a clone of) `module`; `pipelineOptions` are
  /// options of bitsink-nvptx-pipeline ("chip=sm_90 features=+ptx80").
  /// Fails with a message for a pipeline failure, a missing driver or GPU,
  /// or a kernel image the GPU cannot run.
  static std::unique_ptr<CudaExecutable>
  create(mlir::ModuleOp module, const std::string &entry,
         const std::string &pipelineOptions, std::string &error);
  ~CudaExecutable();

  const EntrySignature &signature() const { return signature_; }
  /// Per result: the input it updates in place, or -1 (JitRunner's rule).
  const std::vector<int64_t> &resultAliases() const { return resultAliases_; }

  /// Copies `inputs` (file dtypes) to the device, calls the entry, copies
  /// the results back (bf16 results as f32).
  bool run(std::vector<npy::Array> &&inputs, std::vector<npy::Array> &outputs,
           std::string &error);

private:
  CudaExecutable() = default;

  EntrySignature signature_;
  std::vector<int64_t> resultAliases_;
  std::string directory_, library_;
  void *handle_ = nullptr;
  void (*packed_)(void **) = nullptr;
};

} // namespace bitsink

#endif // BITSINK_LIB_CAPI_CUDAEXECUTABLE_H
