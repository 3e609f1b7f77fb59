//===- CacheAppendRules.cpp - cache_append math of CPU and GPU --*- C++ -*-===//

#include "CacheAppendRules.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cache_append;

SlotLayout cache_append::slotLayout(EmitBuilder &eb, Value sinks,
                                    Value capacity) {
  return {sinks, eb.sub(capacity, sinks), Value(), Value()};
}

/// `made` if set, else `make()` here.
template <typename Fn> static Value orMake(Value made, Fn make) {
  return made ? made : make();
}

TokenSlot cache_append::tokenSlot(EmitBuilder &eb, const SlotLayout &layout,
                                  Value token) {
  Value isSink = eb.ult(token, layout.sinks);
  // (token − S) mod (C − S), on a non-negative operand for sink tokens too
  // (their value is not used).
  Value rel = eb.select(isSink, orMake(layout.zero, [&] { return eb.idx(0); }),
                        eb.sub(token, layout.sinks));
  Value ringSlot = eb.add(layout.sinks, eb.remU(rel, layout.ring));
  return {isSink, eb.select(isSink, token, ringSlot)};
}

CacheWindow cache_append::cacheWindow(EmitBuilder &eb, const SlotLayout &layout,
                                      Value newLength) {
  Value first = eb.maxS(layout.sinks, eb.sub(newLength, layout.ring));
  Value firstOffset = eb.remU(eb.sub(first, layout.sinks), layout.ring);
  return {first, firstOffset};
}

Value cache_append::slotPosition(EmitBuilder &eb, const SlotLayout &layout,
                                 const CacheWindow &window, Value newLength,
                                 Value slot, PositionMode mode) {
  Value isSinkSlot = eb.ult(slot, layout.sinks);
  // r = slot − S for ring slots (0 for sink slots, unused).
  Value r =
      eb.select(isSinkSlot, orMake(layout.zero, [&] { return eb.idx(0); }),
                eb.sub(slot, layout.sinks));
  // The ring slot S + r holds token first + k with
  // k = (r − firstOffset) mod (C − S); both are in [0, C − S): one compare
  // instead of a division per slot.
  Value wraps = eb.ult(r, window.firstOffset);
  Value k =
      eb.sub(eb.select(wraps, eb.add(r, layout.ring), r), window.firstOffset);
  Value token = eb.select(isSinkSlot, slot, eb.add(window.first, k));
  Value present = eb.slt(token, newLength);
  Value position = token;
  if (mode == PositionMode::Cache)
    position = eb.select(isSinkSlot, slot, eb.add(layout.sinks, k));
  return eb.select(present, eb.indexCast(position, eb.b.getI64Type()),
                   orMake(layout.empty, [&] { return eb.i64(-1); }));
}
