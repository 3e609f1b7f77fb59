//===- Pipelines.h - bitsink lowering pipelines -----------------*- C++ -*-===//
//
// The pipelines that take a module with bitsink ops on tensors to the LLVM
// dialect. Tools, the C API and Python build them through these functions.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_PIPELINES_PIPELINES_H
#define BITSINK_PIPELINES_PIPELINES_H

#include "mlir/Pass/PassOptions.h"

namespace mlir {
class OpPassManager;
} // namespace mlir

namespace bitsink {

/// Whether the host CPU has AVX-512F (the default of gemv-lut).
bool hostHasAvx512();

struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<int64_t> queryTile{*this, "query-tile",
                            llvm::cl::desc("Attention queries per tile"),
                            llvm::cl::init(32)};
  Option<int64_t> keyTile{*this, "key-tile",
                          llvm::cl::desc("Attention keys per tile"),
                          llvm::cl::init(16)};
  Option<int64_t> decodeMaxQueries{
      *this, "decode-max-queries",
      llvm::cl::desc("Use split-KV decode attention when Nq <= this"),
      llvm::cl::init(4)};
  Option<int64_t> splitSize{
      *this, "split-size", llvm::cl::desc("Keys per split of decode attention"),
      llvm::cl::init(512)};
  Option<int64_t> gemvMaxRows{
      *this, "gemv-max-rows",
      llvm::cl::desc("Largest M of bitplane_matmul that uses GEMV"),
      llvm::cl::init(8)};
  Option<int64_t> gemvColumnTile{
      *this, "gemv-column-tile",
      llvm::cl::desc("Output columns per parallel task of the bit-plane GEMV "
                     "(at most N / threads keeps every thread busy)"),
      llvm::cl::init(512)};
  Option<bool> gemvLut{
      *this, "gemv-lut",
      llvm::cl::desc("Bit-plane GEMV through 4-row partial-sum tables "
                     "(needs AVX-512; default: whether the host has it)"),
      llvm::cl::init(hostHasAvx512())};
  Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run parallel loops on threads (OpenMP dialect)"),
      llvm::cl::init(true)};
  Option<bool> cInterface{
      *this, "c-interface",
      llvm::cl::desc("Emit a _mlir_ciface_ wrapper for every function"),
      llvm::cl::init(false)};
};

/// bufferize (function boundaries, identity layouts; results returned in
/// place through an argument are dropped and recorded in
/// `bitsink.result_aliases`, the others become out-params)
/// -> bitsink lowerings -> linalg to loops -> scf.parallel to OpenMP ->
/// vector lowering and math approximations -> LLVM dialect.
void buildCPUPipeline(mlir::OpPassManager &pm,
                      const CPUPipelineOptions &options);

/// Registers `bitsink-cpu-pipeline` (and later pipelines) with the global
/// pass registry.
void registerPipelines();

} // namespace bitsink

#endif // BITSINK_PIPELINES_PIPELINES_H
