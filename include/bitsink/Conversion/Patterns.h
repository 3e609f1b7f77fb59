//===- Patterns.h - bitsink CPU lowering patterns ---------------*- C++ -*-===//
//
// The CPU lowerings of bitsink ops as rewrite patterns, for use outside
// their passes (a custom pipeline, a transform script). Each op lowering is
// a BitSinkLoweringPattern: it reports every reason to refuse an op as an
// error on that op before it creates any IR, takes ops on tensors or on
// memrefs, and replaces the op by loops over scf, vector, arith, math and
// memref. Apply them with `walkAndApplyPatterns` (each op visited once, so
// a refusal is reported once); an op left afterwards was refused.
//
// The options are the passes' own (Passes.td) and must satisfy the checks
// the passes make before populating (e.g. `key-tile` in [1, 64]); the
// patterns assert them.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_CONVERSION_PATTERNS_H
#define BITSINK_CONVERSION_PATTERNS_H

#include "bitsink/Conversion/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace bitsink {

/// Collects the pattern that lowers `bitsink.sink_attention` to tiled
/// online-softmax loops with structural tile skipping: one parallel loop
/// over (batch, head, query tile), or for few queries (`Nq <=
/// decode-max-queries`) over splits of the key range merged with
/// log-sum-exp. Refuses (with an error) ops whose head dimensions D or Dv
/// are dynamic.
void populateBitSinkLowerAttentionPatterns(
    mlir::RewritePatternSet &patterns,
    const BitSinkLowerAttentionOptions &options);

/// Collects the pattern that lowers `bitsink.cache_append` to in-place slot
/// writes (sinks, then a ring of `C - S` slots), the rebuilt slot positions
/// and the advanced length. It has no options and refuses nothing.
void populateBitSinkLowerCacheAppendPatterns(mlir::RewritePatternSet &patterns);

/// Collects the pattern that lowers `bitsink.bitplane_matmul` to a GEMV
/// kernel (static `M <= gemv-max-rows`) that reads the packed planes bit by
/// bit, or with `gemv-lut` through 16-entry partial-sum tables (AVX-512
/// only: the caller checks the target, see `target-features`), or to a GEMM
/// kernel over dequantized tiles. Refuses (with an error) ops with a blocked
/// `#bitsink.layout`.
void populateBitSinkLowerBitplaneMatmulPatterns(
    mlir::RewritePatternSet &patterns,
    const BitSinkLowerBitplaneMatmulOptions &options);

/// Collects the patterns of bitsink-approximate-math: MLIR's polynomial
/// approximations of math ops (exp, log, tanh, erf, ...), so that a math op
/// on a vector becomes vector arithmetic rather than one libm call per lane.
void populateBitSinkApproximateMathPatterns(mlir::RewritePatternSet &patterns);

} // namespace bitsink

#endif // BITSINK_CONVERSION_PATTERNS_H
