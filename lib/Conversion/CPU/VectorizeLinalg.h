//===- VectorizeLinalg.h - what bitsink-vectorize-linalg takes --*- C++ -*-===//
//
// The question bitsink-fuse-elementwise asks bitsink-vectorize-linalg before
// it fuses two ops: would the fused op still be vectorised?
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_CPU_VECTORIZELINALG_H
#define BITSINK_LIB_CONVERSION_CPU_VECTORIZELINALG_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"

namespace bitsink {

/// Whether bitsink-vectorize-linalg, with its default options (element-wise
/// ops and reductions; small-M contractions are the pipeline's first run),
/// vectorises `op`: an op on buffers, or an op on tensors as it will be
/// once bufferized (the same loops, maps and body). Contractions other than
/// unit-K steps are not taken (bitsink-tile-contractions takes them).
bool isVectorizedLinalgForm(mlir::linalg::LinalgOp op);

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_CPU_VECTORIZELINALG_H
