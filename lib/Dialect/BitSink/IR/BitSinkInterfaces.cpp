//===- BitSinkInterfaces.cpp - tiling and bufferization hooks ---*- C++ -*-===//
//
// TilingInterface (over the parallel dimensions of each op) and one
// BufferizableOpInterface external model shared by the bitsink ops
// (destination-passing style: results alias their inits). The choice of tiled
// dimensions is explained in docs/dialect.md.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace bitsink;
using mlir::bufferization::AnalysisState;
using mlir::bufferization::BufferizationOptions;
using mlir::bufferization::BufferizationState;

//===----------------------------------------------------------------------===//
// Shared helpers
//===----------------------------------------------------------------------===//

namespace {
/// Size of dimension `dim` of a tensor or memref.
OpFoldResult dimSize(OpBuilder &b, Location loc, Value v, int64_t dim) {
  if (isa<MemRefType>(v.getType()))
    return memref::getMixedSize(b, loc, v, dim);
  return tensor::getMixedSize(b, loc, v, dim);
}

/// A unit-stride slice of a tensor (extract_slice) or memref (subview).
Value slice(OpBuilder &b, Location loc, Value v, ArrayRef<OpFoldResult> offsets,
            ArrayRef<OpFoldResult> sizes) {
  SmallVector<OpFoldResult> strides(offsets.size(), b.getIndexAttr(1));
  if (isa<MemRefType>(v.getType()))
    return memref::SubViewOp::create(b, loc, v, offsets, sizes, strides);
  return tensor::ExtractSliceOp::create(b, loc, v, offsets, sizes, strides);
}

/// Creates a copy of `op` (same name, attributes and properties) on new
/// operands with new result types.
Operation *cloneWithOperands(OpBuilder &b, Operation *op, ValueRange operands,
                             TypeRange resultTypes) {
  OperationState state(op->getLoc(), op->getName(), operands, resultTypes,
                       op->getDiscardableAttrDictionary().getValue());
  state.propertiesAttr = op->getPropertiesAsAttribute();
  return b.create(state);
}

/// Clones `op` on operand slices and collects the tiling result. Result types
/// are the types of the sliced inits (none on memrefs).
TilingResult tileWithSlices(OpBuilder &b, DestinationStyleOpInterface op,
                            ArrayRef<Value> slicedOperands) {
  SmallVector<Type> resultTypes;
  if (op.hasPureTensorSemantics())
    for (OpOperand &init : op.getDpsInitsMutable())
      resultTypes.push_back(slicedOperands[init.getOperandNumber()].getType());
  Operation *tiled = cloneWithOperands(b, op, slicedOperands, resultTypes);
  SmallVector<Operation *> slices;
  for (Value v : slicedOperands)
    if (Operation *def = v.getDefiningOp();
        def && isa<tensor::ExtractSliceOp, memref::SubViewOp>(def))
      slices.push_back(def);
  return TilingResult{{tiled}, SmallVector<Value>(tiled->getResults()), slices};
}

/// Offset and size of a tile along one dimension.
using TileRange = std::pair<OpFoldResult, OpFoldResult>;

/// The groups of `group` consecutive elements that the tile [off, off + size)
/// covers: [off / group, size / group). Only a tile whose size is a constant
/// multiple of `group` (and whose offset, when constant, is aligned) covers
/// whole groups; otherwise returns nullopt.
std::optional<TileRange> wholeGroups(OpBuilder &b, Location loc,
                                     OpFoldResult off, OpFoldResult size,
                                     int64_t group) {
  std::optional<int64_t> constSize = getConstantIntValue(size);
  std::optional<int64_t> constOff = getConstantIntValue(off);
  if (!constSize || *constSize % group != 0 ||
      (constOff && *constOff % group != 0))
    return std::nullopt;
  AffineExpr d0;
  bindDims(b.getContext(), d0);
  return TileRange{
      affine::makeComposedFoldedAffineApply(b, loc, d0.floorDiv(group), {off}),
      b.getIndexAttr(*constSize / group)};
}

/// Iteration domain [0, size) with unit step for dimensions `dims` of `v`.
SmallVector<Range> domainOf(OpBuilder &b, Location loc,
                            ArrayRef<std::pair<Value, int64_t>> dims) {
  SmallVector<Range> domain;
  for (auto [v, d] : dims)
    domain.push_back(
        Range{b.getIndexAttr(0), dimSize(b, loc, v, d), b.getIndexAttr(1)});
  return domain;
}

} // namespace

//===----------------------------------------------------------------------===//
// SinkAttentionOp: tiled over (B, Hq, Dv)
//===----------------------------------------------------------------------===//
//
// Nq is not a tiling dimension: query positions are bottom-right aligned to
// Nq (p_i = i + L_b - Nq), so a slice of the queries would change them. The
// attention lowering tiles queries itself.

SmallVector<utils::IteratorType> SinkAttentionOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel);
}

SmallVector<Range> SinkAttentionOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(),
                  {{getQuery(), 0}, {getQuery(), 1}, {getValue(), 3}});
}

FailureOr<TilingResult>
SinkAttentionOp::getTiledImplementation(OpBuilder &b,
                                        ArrayRef<OpFoldResult> offsets,
                                        ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  OpFoldResult zero = b.getIndexAttr(0);
  OpFoldResult bOff = offsets[0], bSize = sizes[0];
  OpFoldResult hOff = offsets[1], hSize = sizes[1];
  OpFoldResult dvOff = offsets[2], dvSize = sizes[2];
  OpFoldResult nq = dimSize(b, loc, getQuery(), 2);
  OpFoldResult nk = dimSize(b, loc, getKey(), 2);
  OpFoldResult d = dimSize(b, loc, getQuery(), 3);

  // Key/value heads of the query-head tile. Query head h reads kv head
  // h / r, so a tile of query heads maps to a contiguous range of kv heads
  // only if it starts and ends on a multiple of r.
  OpFoldResult kvOff = hOff, kvSize = hSize;
  bool allHeads =
      isConstantIntValue(hOff, 0) &&
      isEqualConstantIntOrValue(hSize, dimSize(b, loc, getQuery(), 1));
  DenseI64ArrayAttr windowSlice;
  if (allHeads) {
    kvSize = dimSize(b, loc, getKey(), 1);
  } else {
    std::optional<int64_t> ratio = getGroupRatio();
    if (!ratio)
      return emitOpError() << "expects static Hq and Hkv to tile query heads";
    if (*ratio != 1) {
      std::optional<TileRange> kvHeads =
          wholeGroups(b, loc, hOff, hSize, *ratio);
      if (!kvHeads)
        return emitOpError()
               << "expects query head tiles of a constant size that is a "
                  "multiple of the GQA ratio ("
               << *ratio << ")";
      std::tie(kvOff, kvSize) = *kvHeads;
    }
    if (auto perHead = dyn_cast_or_null<DenseI64ArrayAttr>(getWindowAttr())) {
      std::optional<int64_t> constOff = getConstantIntValue(hOff);
      std::optional<int64_t> constSize = getConstantIntValue(hSize);
      if (!constOff || !constSize)
        return emitOpError() << "expects constant query head tiles with a "
                                "per-head window";
      windowSlice = DenseI64ArrayAttr::get(
          getContext(), perHead.asArrayRef().slice(*constOff, *constSize));
    }
  }

  SmallVector<Value> operands;
  operands.push_back(slice(b, loc, getQuery(), {bOff, hOff, zero, zero},
                           {bSize, hSize, nq, d}));
  operands.push_back(slice(b, loc, getKey(), {bOff, kvOff, zero, zero},
                           {bSize, kvSize, nk, d}));
  operands.push_back(slice(b, loc, getValue(), {bOff, kvOff, zero, dvOff},
                           {bSize, kvSize, nk, dvSize}));
  if (Value s = getSinkLogits())
    operands.push_back(slice(b, loc, s, {hOff}, {hSize}));
  if (Value len = getKvLen())
    operands.push_back(slice(b, loc, len, {bOff}, {bSize}));
  if (Value m = getKeyMask())
    operands.push_back(slice(b, loc, m, {bOff, zero}, {bSize, nk}));
  if (Value p = getKeyPositions())
    operands.push_back(slice(b, loc, p, {bOff, zero}, {bSize, nk}));
  operands.push_back(slice(b, loc, getInit(), {bOff, hOff, zero, dvOff},
                           {bSize, hSize, nq, dvSize}));

  TilingResult result = tileWithSlices(b, *this, operands);
  if (windowSlice)
    cast<SinkAttentionOp>(result.tiledOps.front()).setWindowAttr(windowSlice);
  return result;
}

LogicalResult SinkAttentionOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  Location loc = getLoc();
  resultOffsets = {offsets[0], offsets[1], b.getIndexAttr(0), offsets[2]};
  resultSizes = {sizes[0], sizes[1], dimSize(b, loc, getInit(), 2), sizes[2]};
  return success();
}

//===----------------------------------------------------------------------===//
// CacheAppendOp: tiled over B
//===----------------------------------------------------------------------===//
//
// Heads are not a tiling dimension: positions and length are shared by all
// heads of a batch entry and are read-modify-write, so two head tiles would
// each advance the length.

SmallVector<utils::IteratorType> CacheAppendOp::getLoopIteratorTypes() {
  return {utils::IteratorType::parallel};
}

SmallVector<Range> CacheAppendOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(), {{getKeyCache(), 0}});
}

FailureOr<TilingResult>
CacheAppendOp::getTiledImplementation(OpBuilder &b,
                                      ArrayRef<OpFoldResult> offsets,
                                      ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  SmallVector<Value> operands;
  for (Value v : getOperands()) {
    auto type = cast<ShapedType>(v.getType());
    SmallVector<OpFoldResult> off(type.getRank(), b.getIndexAttr(0));
    SmallVector<OpFoldResult> size;
    for (int64_t d = 0; d < type.getRank(); ++d)
      size.push_back(dimSize(b, loc, v, d));
    off[0] = offsets[0];
    size[0] = sizes[0];
    operands.push_back(slice(b, loc, v, off, size));
  }
  return tileWithSlices(b, *this, operands);
}

LogicalResult CacheAppendOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  Value init = getDpsInitOperand(resultNumber)->get();
  int64_t rank = cast<ShapedType>(init.getType()).getRank();
  resultOffsets.assign(rank, b.getIndexAttr(0));
  resultSizes.clear();
  for (int64_t d = 0; d < rank; ++d)
    resultSizes.push_back(dimSize(b, getLoc(), init, d));
  resultOffsets[0] = offsets[0];
  resultSizes[0] = sizes[0];
  return success();
}

//===----------------------------------------------------------------------===//
// BitplaneMatmulOp: tiled over (M, N)
//===----------------------------------------------------------------------===//

SmallVector<utils::IteratorType> BitplaneMatmulOp::getLoopIteratorTypes() {
  return SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel);
}

SmallVector<Range> BitplaneMatmulOp::getIterationDomain(OpBuilder &b) {
  return domainOf(b, getLoc(), {{getAcc(), 0}, {getAcc(), 1}});
}

FailureOr<TilingResult>
BitplaneMatmulOp::getTiledImplementation(OpBuilder &b,
                                         ArrayRef<OpFoldResult> offsets,
                                         ArrayRef<OpFoldResult> sizes) {
  Location loc = getLoc();
  OpFoldResult zero = b.getIndexAttr(0);
  OpFoldResult mOff = offsets[0], mSize = sizes[0];
  OpFoldResult nOff = offsets[1], nSize = sizes[1];
  auto full = [&](Value v, int64_t d) { return dimSize(b, loc, v, d); };

  Value planes;
  if (PlaneLayoutAttr layout = getLayoutAttr()) {
    // Blocked planes can only be cut at whole blocks of n_tile outputs.
    int64_t nTile = layout.getNTile();
    bool allColumns = isConstantIntValue(nOff, 0) &&
                      isEqualConstantIntOrValue(nSize, full(getAcc(), 1));
    OpFoldResult blockOff = zero, blockSize = full(getPlanes(), 0);
    if (!allColumns) {
      std::optional<TileRange> blocks = wholeGroups(b, loc, nOff, nSize, nTile);
      if (!blocks)
        return emitOpError() << "expects output tiles of a constant size that "
                                "is a multiple of the layout's n_tile ("
                             << nTile << ")";
      std::tie(blockOff, blockSize) = *blocks;
    }
    planes = slice(b, loc, getPlanes(), {blockOff, zero, zero, zero, zero},
                   {blockSize, full(getPlanes(), 1), full(getPlanes(), 2),
                    full(getPlanes(), 3), full(getPlanes(), 4)});
  } else {
    planes = slice(b, loc, getPlanes(), {zero, zero, nOff},
                   {full(getPlanes(), 0), full(getPlanes(), 1), nSize});
  }

  SmallVector<Value> operands = {
      slice(b, loc, getInput(), {mOff, zero}, {mSize, full(getInput(), 1)}),
      planes,
      slice(b, loc, getCoeffs(), {zero, zero, nOff},
            {full(getCoeffs(), 0), full(getCoeffs(), 1), nSize})};
  if (Value scales = getScales())
    operands.push_back(
        slice(b, loc, scales, {zero, nOff}, {full(scales, 0), nSize}));
  operands.push_back(slice(b, loc, getAcc(), {mOff, nOff}, {mSize, nSize}));
  return tileWithSlices(b, *this, operands);
}

LogicalResult BitplaneMatmulOp::getResultTilePosition(
    OpBuilder &b, unsigned resultNumber, ArrayRef<OpFoldResult> offsets,
    ArrayRef<OpFoldResult> sizes, SmallVector<OpFoldResult> &resultOffsets,
    SmallVector<OpFoldResult> &resultSizes) {
  resultOffsets.assign(offsets.begin(), offsets.end());
  resultSizes.assign(sizes.begin(), sizes.end());
  return success();
}

//===----------------------------------------------------------------------===//
// Bufferization
//===----------------------------------------------------------------------===//

namespace {
/// Destination-passing style bufferization: results are their inits'
/// buffers, inputs are only read, inits are read if OpTy::readsInits(). The
/// op is recreated on memrefs without results.
template <typename OpTy>
struct DpsBufferizationModel
    : bufferization::DstBufferizableOpInterfaceExternalModel<
          DpsBufferizationModel<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const AnalysisState &) const {
    return OpTy::readsInits() ||
           !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }

  LogicalResult bufferize(Operation *op, RewriterBase &rewriter,
                          const BufferizationOptions &options,
                          BufferizationState &state) const {
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPoint(op);
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      if (!isa<TensorType>(operand.getType())) {
        operands.push_back(operand);
        continue;
      }
      FailureOr<Value> buffer =
          bufferization::getBuffer(rewriter, operand, options, state);
      if (failed(buffer))
        return failure();
      operands.push_back(*buffer);
    }
    cloneWithOperands(rewriter, op, operands, TypeRange{});
    SmallVector<Value> initBuffers;
    for (OpOperand &init :
         cast<DestinationStyleOpInterface>(op).getDpsInitsMutable())
      initBuffers.push_back(operands[init.getOperandNumber()]);
    bufferization::replaceOpWithBufferizedValues(rewriter, op, initBuffers);
    return success();
  }
};
} // namespace

void BitSinkDialect::attachBufferizationModels() {
  SinkAttentionOp::attachInterface<DpsBufferizationModel<SinkAttentionOp>>(
      *getContext());
  CacheAppendOp::attachInterface<DpsBufferizationModel<CacheAppendOp>>(
      *getContext());
  BitplaneMatmulOp::attachInterface<DpsBufferizationModel<BitplaneMatmulOp>>(
      *getContext());
}
