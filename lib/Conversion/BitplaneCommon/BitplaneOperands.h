//===- BitplaneOperands.h - what both bitplane kernels read -----*- C++ -*-===//
//
// The operands, attributes and sizes of a memref-form
// `bitsink.bitplane_matmul` (docs/semantics.md) that the CPU and the GPU
// bit-plane emitters both start from.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_BITPLANECOMMON_BITPLANEOPERANDS_H
#define BITSINK_LIB_CONVERSION_BITPLANECOMMON_BITPLANEOPERANDS_H

#include "../Common/EmitBuilder.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

namespace bitsink {

struct BitplaneOperands {
  PlaneKind kind = PlaneKind::Binary;
  int64_t numPlanes = 0, numTerms = 0, groupSize = 0;
  /// x (M × K), planes (P × KW × N), coeffs (G × C × N), acc (M × N), and
  /// the sub-block scale codes (SW × N; null without).
  mlir::Value x, planes, coeffs, acc, scales;
  /// Rows per scale code S (0 without codes).
  int64_t subBlock = 0;
  /// M, K, N, the plane words KW (only when read with `withPlaneWords`) and
  /// the coefficient groups G (index).
  mlir::Value m, k, n, numWords, numGroups;

  /// Reads them from `op`, the sizes as memref.dim (or constants) at `eb`.
  /// KW only `withPlaneWords`: the CPU kernels count words from K.
  void read(EmitBuilder &eb, BitplaneMatmulOp op, bool withPlaneWords) {
    kind = op.getPlaneKind();
    numPlanes = op.getNumPlanes();
    numTerms = op.getNumTerms();
    groupSize = static_cast<int64_t>(op.getGroupSize());
    x = op.getInput();
    planes = op.getPlanes();
    coeffs = op.getCoeffs();
    acc = op.getAcc();
    scales = op.getScales();
    subBlock = op.getSubBlockRows();
    m = eb.dim(x, 0);
    k = eb.dim(x, 1);
    n = eb.dim(acc, 1);
    if (withPlaneWords)
      numWords = eb.dim(planes, 1);
    numGroups = eb.dim(coeffs, 0);
  }

  /// Fails, with an error on `op` naming `lowering` (the pass), when the
  /// planes have a blocked #bitsink.layout: both targets' kernels read
  /// canonical P × KW × N planes. Creates no IR.
  static mlir::LogicalResult checkCanonicalPlanes(BitplaneMatmulOp op,
                                                  llvm::StringRef lowering) {
    if (op.getLayout())
      return op.emitOpError("with a blocked #bitsink.layout is not supported "
                            "by ")
             << lowering << "; expects canonical P x KW x N planes";
    return mlir::success();
  }
};

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_BITPLANECOMMON_BITPLANEOPERANDS_H
