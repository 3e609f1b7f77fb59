//===- LoweringPattern.cpp - shared parts of the op lowerings ---*- C++ -*-===//

#include "LoweringPattern.h"

#include "bitsink/Support/OptionChecks.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Utils/Utils.h"
#include "mlir/Transforms/WalkPatternRewriteDriver.h"

using namespace mlir;

Operation *bitsink::toMemrefForm(RewriterBase &rewriter,
                                 DestinationStyleOpInterface op,
                                 bool readsInits) {
  if (!op.hasPureTensorSemantics())
    return op;
  Location loc = op.getLoc();
  auto toBuffer = [&](Value tensor) -> Value {
    auto type = cast<RankedTensorType>(tensor.getType());
    auto memrefType = MemRefType::get(type.getShape(), type.getElementType());
    return bufferization::ToBufferOp::create(rewriter, loc, memrefType, tensor,
                                             /*read_only=*/true);
  };
  SmallVector<Value> operands;
  SmallVector<Value> buffers;
  for (OpOperand &operand : op->getOpOperands()) {
    if (!op.isDpsInit(&operand)) {
      operands.push_back(toBuffer(operand.get()));
      continue;
    }
    auto type = cast<RankedTensorType>(operand.get().getType());
    Value buffer = memref::AllocOp::create(
        rewriter, loc, MemRefType::get(type.getShape(), type.getElementType()),
        tensor::createDynamicDimValues(rewriter, loc, operand.get()));
    if (readsInits)
      memref::CopyOp::create(rewriter, loc, toBuffer(operand.get()), buffer);
    operands.push_back(buffer);
    buffers.push_back(buffer);
  }
  OperationState state(loc, op->getName());
  state.addOperands(operands);
  state.propertiesAttr = op->getPropertiesAsAttribute();
  for (NamedAttribute attr : op->getDiscardableAttrs())
    state.addAttribute(attr.getName(), attr.getValue());
  Operation *memrefOp = rewriter.create(state);
  SmallVector<Value> results;
  for (auto [result, buffer] : llvm::zip_equal(op->getResults(), buffers))
    results.push_back(bufferization::ToTensorOp::create(
        rewriter, loc, result.getType(), buffer, /*restrict=*/true,
        /*writable=*/true));
  rewriter.replaceOp(op, results);
  return memrefOp;
}

LogicalResult
bitsink::applyLoweringPatterns(Operation *root,
                               const FrozenRewritePatternSet &patterns,
                               ArrayRef<StringRef> opNames) {
  walkAndApplyPatterns(root, patterns);
  bool left = false;
  root->walk([&](Operation *op) {
    if (llvm::is_contained(opNames, op->getName().getStringRef()))
      left = true;
  });
  return failure(left);
}

LogicalResult
bitsink::runLowering(Operation *root, const OptionChecker &options,
                     function_ref<void(RewritePatternSet &)> populate,
                     ArrayRef<StringRef> opNames) {
  if (failed(options.emit(root)))
    return failure();
  RewritePatternSet patterns(root->getContext());
  populate(patterns);
  return applyLoweringPatterns(root, std::move(patterns), opNames);
}
