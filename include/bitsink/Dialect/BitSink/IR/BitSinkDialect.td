//===- BitSinkDialect.td - bitsink dialect definition ------*- tablegen -*-===//
//
// The bitsink dialect: sink-preserving sparse attention, the streaming KV
// cache that feeds it, and bit-plane quantized matmuls. Semantics are fixed by
// docs/semantics.md §2; the remaining decisions are in docs/dialect.md.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_IR_BITSINKDIALECT_TD
#define BITSINK_DIALECT_BITSINK_IR_BITSINKDIALECT_TD

include "mlir/IR/OpBase.td"

def BitSink_Dialect : Dialect {
  let name = "bitsink";
  let summary = "Sink-preserving sparse attention and bit-plane quantized matmuls";
  let description = [{
    The `bitsink` dialect holds the ops that upstream MLIR does not express
    well: attention where each query sees a few "sink" tokens plus a sliding
    window of recent tokens (`bitsink.sink_attention`), the fixed-capacity
    streaming KV cache that feeds it (`bitsink.cache_append`), and matmuls
    whose weight is a sum of packed binary, signed or ternary bit-planes with
    per-group coefficients (`bitsink.bitplane_matmul`).

    All ops are in destination-passing style like `linalg` ops: they take
    their destinations in `outs(...)`, work on ranked tensors (one result per
    init) or on memrefs (no results, after bufferization), implement
    `BufferizableOpInterface` and `TilingInterface` over their parallel
    dimensions.
  }];
  let cppNamespace = "::bitsink";
  let dependentDialects = [
    "::mlir::affine::AffineDialect",
    "::mlir::arith::ArithDialect",
    "::mlir::tensor::TensorDialect",
    "::mlir::memref::MemRefDialect"
  ];
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
  private:
    /// Attaches the BufferizableOpInterface external model to every op.
    void attachBufferizationModels();
  }];
}

#endif // BITSINK_DIALECT_BITSINK_IR_BITSINKDIALECT_TD
