//===- Patterns.h - bitsink GPU lowering patterns ---------------*- C++ -*-===//
//
// The GPU lowerings of bitsink ops as rewrite patterns, for use outside
// their passes (a custom pipeline, a transform script). Each op lowering is
// a BitSinkLoweringPattern: it reports every reason to refuse an op as an
// error on that op before it creates any IR, takes ops on tensors or on
// memrefs (every memref is device memory), and replaces the op by host code
// with `gpu.launch` ops that are not yet outlined. Apply them with
// `walkAndApplyPatterns` (each op visited once, so a refusal is reported
// once); an op left afterwards was refused.
//
// The options are the passes' own (Passes.td) and must satisfy the checks
// the passes make before populating; the patterns assert them.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_CONVERSION_GPU_PATTERNS_H
#define BITSINK_CONVERSION_GPU_PATTERNS_H

#include "bitsink/Conversion/GPU/Passes.h"

#include "mlir/IR/PatternMatch.h"

namespace bitsink {

/// Collects the pattern that lowers `bitsink.sink_attention` to a
/// tensor-core prefill kernel (f16/bf16, `D` and `Dv` multiples of 16), a
/// SIMT prefill kernel (any other case) or, for a static `Nq <=
/// decode-max-queries`, a split-KV decode kernel and its merge kernel.
/// Refuses (with an error) dynamic `D` or `Dv`, memrefs with non-identity
/// layouts, and head dimensions whose tiles cannot fit 48 KiB of shared
/// memory.
void populateBitSinkGPULowerAttentionPatterns(
    mlir::RewritePatternSet &patterns,
    const BitSinkGPULowerAttentionOptions &options);

/// Collects the pattern that lowers `bitsink.cache_append` to one kernel
/// with a CTA per batch entry: the new rows go to their slots (sinks, then
/// a ring of `C - S` slots), the slot positions are rebuilt and the length
/// advanced. Refuses (with an error) memrefs with non-identity layouts.
void populateBitSinkGPULowerCacheAppendPatterns(
    mlir::RewritePatternSet &patterns);

/// Collects the pattern that lowers `bitsink.bitplane_matmul` to a split-K
/// GEMV (static `M <= gemv-max-rows`; through partial-sum tables for `M <=
/// gemv-lut-max-rows`) or to a GEMM over dequantized tiles (tensor cores
/// unless `tensor-cores=false`). Refuses (with an error) ops with a blocked
/// `#bitsink.layout` and memrefs with non-identity layouts.
void populateBitSinkGPULowerBitplaneMatmulPatterns(
    mlir::RewritePatternSet &patterns,
    const BitSinkGPULowerBitplaneMatmulOptions &options);

} // namespace bitsink

#endif // BITSINK_CONVERSION_GPU_PATTERNS_H
