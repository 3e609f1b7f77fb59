//===- InitAll.h - register bitsink and upstream pieces ---------*- C++ -*-===//
//
// One place that registers what a bitsink tool needs: our dialect and passes
// plus the upstream dialects, extensions, passes and LLVM IR translations a
// user of linalg/tensor/arith/math/scf/vector/gpu/nvvm/llvm expects.
// bitsink-opt, the C API and the Python package all call these.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_INITALL_H
#define BITSINK_INITALL_H

namespace mlir {
class DialectRegistry;
} // namespace mlir

namespace bitsink {

/// Adds the bitsink dialect, all upstream dialects, their extensions and the
/// LLVM IR translation interfaces to `registry`.
void registerAllDialects(mlir::DialectRegistry &registry);

/// Registers the bitsink passes and pipelines and all upstream passes with
/// the global pass registry (idempotent).
void registerAllPasses();

} // namespace bitsink

#endif // BITSINK_INITALL_H
