//===- CacheAppendRules.h - cache_append math of CPU and GPU ----*- C++ -*-===//
//
// The one copy of the slot rules of `bitsink.cache_append`
// (docs/semantics.md §2.2) that the CPU and the GPU lowering both emit:
//
//   - the slot of a stream token (tokenSlot): token t goes to slot t if
//     t < S, else to S + (t − S) mod (C − S);
//   - the positions row rebuilt from the new length L' (cacheWindow,
//     slotPosition): sink slot s < S holds token s when s < L'; the window
//     holds tokens first..L'−1 with first = max(S, L' − (C − S)), and ring
//     slot S + r holds the one token of that range with (t − S) mod (C − S)
//     = r, if any.
//
// All arithmetic is on index values and unsigned where it divides, so a
// length that is out of range (the lowerings clamp negative lengths to 0)
// still gives slots inside the caches. Each function emits IR through an
// EmitBuilder; the integer ops fold as they are built, so with constant
// inputs every result is a constant: unittests/Conversion/
// CacheAppendRulesTest.cpp checks them that way against lib/Reference.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_CACHEAPPENDCOMMON_CACHEAPPENDRULES_H
#define BITSINK_LIB_CONVERSION_CACHEAPPENDCOMMON_CACHEAPPENDRULES_H

#include "../Common/EmitBuilder.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

namespace bitsink {
namespace cache_append {

/// The slot layout of a cache: S sink slots, then a ring of C − S slots
/// (C − S >= 1: the verifier requires S < C). Index values.
struct SlotLayout {
  mlir::Value sinks, ring;
  /// The index 0 and the i64 −1 of an empty slot that the rules use. Where
  /// null, each rule makes its own where it needs it (a caller that made
  /// them once, outside its loops, passes them in).
  mlir::Value zero, empty;
};

/// The layout of S = `sinks` and C = `capacity` (index values).
SlotLayout slotLayout(EmitBuilder &eb, mlir::Value sinks, mlir::Value capacity);

/// Where stream token `token` goes: whether it is a sink token (token < S)
/// and its slot.
struct TokenSlot {
  mlir::Value isSink, slot;
};
TokenSlot tokenSlot(EmitBuilder &eb, const SlotLayout &layout,
                    mlir::Value token);

/// The tokens a cache of length `newLength` keeps in its ring: first..L'−1
/// with first = max(S, L' − (C − S)); firstOffset = (first − S) mod (C − S)
/// is the ring slot of `first`, relative to S.
struct CacheWindow {
  mlir::Value first, firstOffset;
};
CacheWindow cacheWindow(EmitBuilder &eb, const SlotLayout &layout,
                        mlir::Value newLength);

/// positions[b, slot] (i64) of a cache of length `newLength`: the position
/// of the token slot `slot` holds (its stream index, or with
/// PositionMode::Cache its place S + k in the window's order), −1 when the
/// slot is empty.
mlir::Value slotPosition(EmitBuilder &eb, const SlotLayout &layout,
                         const CacheWindow &window, mlir::Value newLength,
                         mlir::Value slot, PositionMode mode);

} // namespace cache_append
} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_CACHEAPPENDCOMMON_CACHEAPPENDRULES_H
