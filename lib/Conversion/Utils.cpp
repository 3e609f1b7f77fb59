//===- Utils.cpp - helpers shared by the bitsink lowerings ------*- C++ -*-===//

#include "Utils.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"

#include <cmath>
#include <string>

using namespace mlir;

LogicalResult bitsink::AttentionOperands::read(SinkAttentionOp op,
                                               StringRef lowering) {
  q = op.getQuery();
  k = op.getKey();
  v = op.getValue();
  out = op.getInit();
  sinkLogits = op.getSinkLogits();
  kvLen = op.getKvLen();
  keyMask = op.getKeyMask();
  keyPositions = op.getKeyPositions();
  auto qType = cast<MemRefType>(q.getType());
  elemType = qType.getElementType();
  headDim = qType.getDimSize(3);
  valueDim = cast<MemRefType>(v.getType()).getDimSize(3);
  auto text = [](int64_t d) {
    return ShapedType::isDynamic(d) ? std::string("?") : std::to_string(d);
  };
  if (ShapedType::isDynamic(headDim) || ShapedType::isDynamic(valueDim))
    return op.emitOpError()
           << lowering << " needs static head dimensions D and Dv, got D = "
           << text(headDim) << ", Dv = " << text(valueDim);
  causal = op.getCausal();
  scale = static_cast<float>(
      op.getEffectiveScale().value_or(1.0 / std::sqrt(double(headDim))));
  return success();
}
