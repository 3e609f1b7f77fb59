//===- FuseElementwise.cpp - element-wise chains as one op ------*- C++ -*-===//
//
// bitsink-fuse-elementwise: upstream linalg element-wise fusion on tensors
// (`linalg::populateElementwiseOpsFusionPatterns`) and reshape propagation
// (`linalg::populateFoldReshapeOpsByExpansionPatterns`), each with a control
// function that refuses what makes the CPU code slower: a fused op that
// bitsink-vectorize-linalg would no longer vectorise, an expensive producer
// recomputed for many consumer elements, a producer fused into a reduction
// or contraction that reads each of its elements more than once, and a
// reshape moved across a contraction where it splits N or K. A zero fill
// shared by several destinations is cloned per destination. Then a generic
// that only adds terms (bias, residual) to a contraction's result goes into
// the contraction's accumulator. See docs/cpu-vectorize.md, "Fusion".
//
//===----------------------------------------------------------------------===//

#include "VectorizeLinalg.h"

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Dialect/Utils/ReshapeOpsUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKFUSEELEMENTWISE
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

/// Math ops that cost about as much as an arithmetic op once vectorised
/// (one instruction, or an estimate and a Newton step for rsqrt).
static bool isCheapMath(Operation &op) {
  return isa<math::RsqrtOp, math::SqrtOp, math::AbsFOp, math::AbsIOp,
             math::FmaOp, math::CopySignOp, math::FloorOp, math::CeilOp,
             math::RoundOp, math::RoundEvenOp, math::TruncOp>(op);
}

/// Whether the body of `op` computes a transcendental function (exp, erf,
/// tanh, log, pow, ...): a polynomial per element after
/// bitsink-approximate-math.
static bool hasExpensiveOp(linalg::GenericOp op) {
  return llvm::any_of(op.getBlock()->without_terminator(), [](Operation &op) {
    return op.getDialect() &&
           op.getDialect()->getNamespace() ==
               math::MathDialect::getDialectNamespace() &&
           !isCheapMath(op);
  });
}

/// Builds the op that fusing `use` would give, asks whether
/// bitsink-vectorize-linalg takes it, and erases it again. The rewriter is
/// not the pattern driver's, which never sees the op.
static bool fusedOpIsVectorized(OpOperand *use) {
  Operation *consumer = use->getOwner();
  IRRewriter rewriter(consumer->getContext());
  rewriter.setInsertionPoint(consumer);
  FailureOr<linalg::ElementwiseOpFusionResult> fused =
      linalg::fuseElementwiseOps(rewriter, use);
  if (failed(fused))
    return false;
  bool vectorized =
      bitsink::isVectorizedLinalgForm(cast<linalg::LinalgOp>(fused->fusedOp));
  rewriter.eraseOp(fused->fusedOp);
  return vectorized;
}

/// Marks a producer that shouldFuse lets fuse into its one reader. A
/// producer whose body asserts (torch-mlir's index checks around an
/// embedding gather) is not trivially dead once fused, although the fused
/// op asserts the same; the pass erases it after fusion.
static constexpr llvm::StringLiteral kFusedAttr = "bitsink.fused";

/// Whether to fuse the producer of `use` (a generic whose loops are all
/// parallel) into its consumer.
static bool shouldFuse(OpOperand *use) {
  auto producer = use->get().getDefiningOp<linalg::GenericOp>();
  auto consumer = dyn_cast<linalg::GenericOp>(use->getOwner());
  // A producer with other users would be computed twice.
  if (!producer || !consumer || !producer->hasOneUse() ||
      !linalg::areElementwiseOpsFusable(use))
    return false;
  // The consumer reads each producer element once when its map is a
  // permutation of its loops. Otherwise the producer is computed again for
  // every value of the loops the map leaves out: refused for consumers with
  // reductions (a GELU fused into the matmul it feeds is computed once per
  // output column) and for expensive producers.
  AffineMap map = consumer.getMatchingIndexingMap(use);
  if (!map.isPermutation() &&
      (consumer.getNumReductionLoops() != 0 || hasExpensiveOp(producer)))
    return false;
  if (!fusedOpIsVectorized(use))
    return false;
  producer->setAttr(kFusedAttr, UnitAttr::get(producer->getContext()));
  return true;
}

/// Whether `use` would be fused if its producer had no other user: checked
/// on a copy of the producer that only `use` reads, erased again (with a
/// rewriter the pattern driver does not see).
static bool fusesAlone(OpOperand *use) {
  Operation *producer = use->get().getDefiningOp();
  IRRewriter rewriter(producer->getContext());
  rewriter.setInsertionPoint(producer);
  Operation *copy = rewriter.clone(*producer);
  Value original = use->get();
  use->set(copy->getResult(0));
  bool fuses = shouldFuse(use);
  use->set(original);
  rewriter.eraseOp(copy);
  return fuses;
}

/// Bytes of one element of `type`, or 0 when it is not a whole number of
/// bytes.
static int64_t elementBytes(Type type) {
  Type element = getElementTypeOrSelf(type);
  if (!element.isIntOrFloat() || element.getIntOrFloatBitWidth() % 8 != 0)
    return 0;
  return element.getIntOrFloatBitWidth() / 8;
}

namespace {
/// A cheap producer read by several generics that each fuse it (the f64
/// copy of a row that MiniLM's LayerNorm sums twice): one copy per reader,
/// which the fusion patterns then fuse, when recomputing it moves fewer
/// bytes than writing its result once and reading it per reader. Per
/// element, n readers: (n - 1) x input bytes (full-size inputs; broadcast
/// ones stay in cache) against (n + 1) x result bytes.
struct CloneCheapProducer : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp producer,
                                PatternRewriter &rewriter) const override {
    if (!producer.hasPureTensorSemantics() || producer->getNumResults() != 1 ||
        producer.getNumReductionLoops() != 0 || producer->use_empty() ||
        producer->hasOneUse() || hasExpensiveOp(producer))
      return failure();
    int64_t in = 0;
    for (OpOperand *input : producer.getDpsInputOperands()) {
      if (!producer.getMatchingIndexingMap(input).isPermutation())
        continue;
      int64_t bytes = elementBytes(input->get().getType());
      if (bytes == 0)
        return failure();
      in += bytes;
    }
    int64_t out = elementBytes(producer->getResult(0).getType());
    SmallVector<OpOperand *> uses = llvm::map_to_vector(
        producer->getResult(0).getUses(), [](OpOperand &use) { return &use; });
    int64_t n = uses.size();
    if (out == 0 || (n - 1) * in >= (n + 1) * out ||
        !llvm::all_of(uses, fusesAlone))
      return failure();
    for (OpOperand *use : llvm::drop_begin(uses)) {
      rewriter.setInsertionPoint(producer);
      Operation *copy = rewriter.clone(*producer);
      rewriter.modifyOpInPlace(use->getOwner(),
                               [&] { use->set(copy->getResult(0)); });
    }
    return success();
  }
};

/// A named element-wise op (transpose, broadcast, copy, add, ...) next to a
/// generic it could fuse with (its input's producer, read by it alone, or
/// the one generic that reads its result) becomes a generic, which the
/// fusion patterns take (MiniLM's bias add before the head transpose).
/// bitsink-vectorize-linalg vectorises either form the same way.
struct GeneralizeNextToGeneric : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    if (isa<linalg::GenericOp, linalg::FillOp>(op) ||
        !op.hasPureTensorSemantics() || op.getNumReductionLoops() != 0 ||
        op->getNumResults() != 1)
      return failure();
    auto fusableGeneric = [](Operation *other) {
      auto generic = dyn_cast_or_null<linalg::GenericOp>(other);
      return generic && generic.getNumReductionLoops() == 0 &&
             generic->hasOneUse();
    };
    bool nextToGeneric =
        llvm::any_of(op.getDpsInputOperands(),
                     [&](OpOperand *input) {
                       return fusableGeneric(input->get().getDefiningOp());
                     }) ||
        (op->hasOneUse() &&
         isa<linalg::GenericOp>(*op->getResult(0).getUsers().begin()));
    if (!nextToGeneric || failed(linalg::generalizeNamedOp(rewriter, op)))
      return failure();
    return success();
  }
};
} // namespace

/// The loop dimensions of `op` that a reshape moved across it would split:
/// those read through the tensor dimensions `expanded` of `operand`.
static SmallVector<unsigned> loopDimsOf(linalg::LinalgOp op, OpOperand *operand,
                                        ArrayRef<unsigned> expanded) {
  AffineMap map = op.getMatchingIndexingMap(operand);
  SmallVector<unsigned> dims;
  for (unsigned dim : expanded)
    if (auto loop = dyn_cast<AffineDimExpr>(map.getResult(dim)))
      dims.push_back(loop.getPosition());
  return dims;
}

/// Whether to move a reshape across the linalg op of `use`: the consumer of
/// a collapse_shape, or the producer of an expand_shape. Across element-wise
/// generics, and across a contraction when it only splits M (or batch)
/// dimensions (MiniLM's 256 x 384 rows become 16 x 16 sentence by token,
/// which bitsink-tile-contractions merges again). Never when it splits N or
/// K: a 64 x 576 projection of SmolLM2 became a 1 x 64 x 9 x 64
/// contraction, which bitsink-tile-contractions tiles badly.
static bool shouldMoveReshape(OpOperand *use) {
  Operation *producer = use->get().getDefiningOp();
  if (!producer || !producer->hasOneUse())
    return false;
  linalg::LinalgOp op;
  SmallVector<unsigned> split;
  if (auto consumer = dyn_cast<linalg::LinalgOp>(use->getOwner())) {
    auto collapse = dyn_cast<tensor::CollapseShapeOp>(producer);
    if (!collapse)
      return false;
    op = consumer;
    SmallVector<unsigned> expanded;
    for (auto [dim, group] :
         llvm::enumerate(collapse.getReassociationIndices()))
      if (group.size() > 1)
        expanded.push_back(dim);
    split = loopDimsOf(op, use, expanded);
  } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(use->getOwner())) {
    op = dyn_cast<linalg::LinalgOp>(producer);
    if (!op || op->getNumResults() != 1)
      return false;
    SmallVector<unsigned> expanded;
    for (auto [dim, group] : llvm::enumerate(expand.getReassociationIndices()))
      if (group.size() > 1)
        expanded.push_back(dim);
    split = loopDimsOf(op, op.getDpsInitOperand(0), expanded);
  } else {
    return false;
  }
  if (op.getNumReductionLoops() == 0)
    return isa<linalg::GenericOp>(op);
  if (!linalg::isaContractionOpInterface(op))
    return false;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  return succeeded(dims) && llvm::all_of(split, [&](unsigned dim) {
           return llvm::is_contained(dims->m, dim) ||
                  llvm::is_contained(dims->batch, dim);
         });
}

namespace {
/// A linalg.fill on tensors that initialises several destinations (the
/// zero accumulator that torch-mlir shares between the Q, K and V
/// projections): one-shot bufferization fills one buffer and copies it for
/// every other destination, reading and writing the whole buffer again.
/// Each destination gets a fill of its own (and an empty tensor of its own
/// when the fill writes into one), so the copies become fills.
struct CloneSharedFill : OpRewritePattern<linalg::FillOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::FillOp fill,
                                PatternRewriter &rewriter) const override {
    if (!fill.hasPureTensorSemantics())
      return failure();
    SmallVector<OpOperand *> inits;
    size_t uses = 0;
    for (OpOperand &use : fill->getResult(0).getUses()) {
      ++uses;
      auto user = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
      if (user && user.isDpsInit(&use))
        inits.push_back(&use);
    }
    // The original fill stays with its other users, or with the first
    // destination when it has no other users.
    if (uses == inits.size() && !inits.empty())
      inits.erase(inits.begin());
    if (uses < 2 || inits.empty())
      return failure();
    for (OpOperand *init : inits) {
      rewriter.setInsertionPoint(init->getOwner());
      auto clone = linalg::FillOp::create(
          rewriter, fill.getLoc(), fill.getInputs()[0], fill.getOutputs()[0]);
      rewriter.modifyOpInPlace(init->getOwner(),
                               [&] { init->set(clone.getResult(0)); });
    }
    return success();
  }
};

/// A linalg.transpose that moves only unit dimensions (the others keep
/// their order, as in a decode step's [1, 1, H, D] -> [1, H, 1, D]) is a
/// reshape: collapse to the non-unit dimensions, expand to the result.
/// Bufferized, both are views of the input's buffer instead of a copy
/// kernel (four per SmolLM2 layer and token).
struct UnitDimTransposeToReshape : OpRewritePattern<linalg::TransposeOp> {
  explicit UnitDimTransposeToReshape(MLIRContext *ctx)
      : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(linalg::TransposeOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics())
      return failure();
    auto input = dyn_cast<RankedTensorType>(op.getInput().getType());
    auto result = dyn_cast<RankedTensorType>(op.getResult()[0].getType());
    if (!input || !result || !input.hasStaticShape() ||
        !result.hasStaticShape())
      return failure();
    // Result dimension i is input dimension perm[i].
    SmallVector<int64_t> kept;
    int64_t last = -1;
    for (int64_t from : op.getPermutation()) {
      if (input.getDimSize(from) == 1)
        continue;
      if (from < last)
        return failure();
      last = from;
      kept.push_back(input.getDimSize(from));
    }
    // All unit (a rank-0 collapse), or nothing to drop (an identity, which
    // canonicalisation folds).
    if (kept.empty() || static_cast<int64_t>(kept.size()) == input.getRank())
      return failure();
    auto collapsedType = RankedTensorType::get(kept, input.getElementType());
    std::optional<SmallVector<ReassociationIndices>> into =
        getReassociationIndicesForReshape(input, collapsedType);
    std::optional<SmallVector<ReassociationIndices>> outOf =
        getReassociationIndicesForReshape(result, collapsedType);
    if (!into || !outOf)
      return failure();
    Location loc = op.getLoc();
    Value collapsed = tensor::CollapseShapeOp::create(
        rewriter, loc, collapsedType, op.getInput(), *into);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(op, result, collapsed,
                                                       *outOf);
    return success();
  }
};

/// A transpose read only by a contraction (the `x Wᵀ` of an imported
/// linear layer: linalg.transpose of the weight, then linalg.matmul; K
/// transposed for attention scores) goes into the contraction's indexing
/// map: the contraction (generalized when named) reads the transpose's
/// input directly. The transpose was a copy kernel of the whole operand on
/// every call; bitsink-tile-contractions packs an N x K B by a transposing
/// copy of each tile instead. The transpose is a linalg.transpose or a
/// generic that only copies its input through a permutation (what
/// GeneralizeNextToGeneric makes of a transpose next to a generic).
struct FoldTransposeIntoContraction
    : OpInterfaceRewritePattern<linalg::LinalgOp> {
  using OpInterfaceRewritePattern::OpInterfaceRewritePattern;

  /// The input map of `op` when it is a transpose (a permutation, identity
  /// output, one input copied), else null.
  static AffineMap transposeMap(linalg::LinalgOp op) {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInputs() != 1 ||
        op.getNumDpsInits() != 1 ||
        op.getNumLoops() != op.getNumParallelLoops())
      return {};
    if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation())) {
      Block *body = generic.getBlock();
      auto yield = cast<linalg::YieldOp>(body->getTerminator());
      if (!body->without_terminator().empty() ||
          yield.getOperand(0) !=
              generic.getMatchingBlockArgument(generic.getDpsInputOperand(0)))
        return {};
    } else if (!isa<linalg::TransposeOp>(op)) {
      return {};
    }
    AffineMap input = op.getMatchingIndexingMap(op.getDpsInputOperand(0));
    AffineMap output = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
    if (!input.isPermutation() || !output.isIdentity())
      return {};
    return input;
  }

  LogicalResult matchAndRewrite(linalg::LinalgOp op,
                                PatternRewriter &rewriter) const override {
    AffineMap inputMap = transposeMap(op);
    if (!inputMap || !op->hasOneUse())
      return failure();
    OpOperand &use = *op->getResult(0).getUses().begin();
    auto consumer = dyn_cast<linalg::LinalgOp>(use.getOwner());
    // Only the right-hand side B: bitsink-tile-contractions packs it (also
    // read N x K); A is read in place by the register tiles, which want it
    // as it is.
    if (!consumer || !consumer.hasPureTensorSemantics() ||
        consumer.getNumDpsInputs() != 2 ||
        &use != consumer.getDpsInputOperand(1) ||
        !linalg::isaContractionOpInterface(consumer))
      return failure();
    // The consumer reads the transpose's element at map(loops), the
    // transpose's loops; those read its input at inputMap(loops).
    AffineMap read = inputMap.compose(consumer.getMatchingIndexingMap(&use));
    linalg::GenericOp generic;
    if (auto existing = dyn_cast<linalg::GenericOp>(consumer.getOperation())) {
      generic = existing;
    } else {
      rewriter.setInsertionPoint(consumer);
      FailureOr<linalg::GenericOp> generalized =
          linalg::generalizeNamedOp(rewriter, consumer);
      if (failed(generalized))
        return failure();
      generic = *generalized;
    }
    unsigned operand = use.getOperandNumber();
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    maps[operand] = read;
    Value input = op.getDpsInputOperand(0)->get();
    rewriter.modifyOpInPlace(generic, [&] {
      generic->setOperand(operand, input);
      generic.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
    });
    rewriter.eraseOp(op);
    return success();
  }
};

/// Whether `value` is a linalg.fill of +0.0 or -0.0, possibly reshaped.
static bool isZeroFill(Value value) {
  while (Operation *reshape = value.getDefiningOp()) {
    if (!isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(reshape))
      break;
    value = reshape->getOperand(0);
  }
  auto fill = value.getDefiningOp<linalg::FillOp>();
  FloatAttr zero;
  return fill && matchPattern(fill.getInputs()[0], m_Constant(&zero)) &&
         zero.getValue().isZero();
}

/// The accumulator of a contraction on tensors that adds its products to
/// its init (bitsink.bitplane_matmul, a linalg contraction), else null.
static OpOperand *accumulatorOf(Operation *op) {
  auto dps = dyn_cast_if_present<DestinationStyleOpInterface>(op);
  if (!dps || dps->getNumResults() != 1 || dps.getNumDpsInits() != 1 ||
      !dps.hasPureTensorSemantics())
    return nullptr;
  auto linalgOp = dyn_cast<linalg::LinalgOp>(op);
  if (isa<bitsink::BitplaneMatmulOp>(op) ||
      (linalgOp && linalg::isaContractionOpInterface(linalgOp)))
    return dps.getDpsInitOperand(0);
  return nullptr;
}

/// Epilogue fusion into the accumulator: an element-wise generic that
/// computes C + b + r + ... from a contraction's result C = A + Σ (read once,
/// element for element, possibly through a reshape) goes: the contraction
/// accumulates onto A + b + r + ... (a generic before it; A is left out when
/// it is a zero fill). So a bias add (and a residual add) no longer reads
/// and writes the contraction's result once more, and the zero fill goes.
/// The sum is rounded in another order: (b + r) + Σ in the kernel's order
/// instead of (Σ + b) + r.
struct FoldAddIntoAccumulator : OpRewritePattern<linalg::GenericOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(linalg::GenericOp op,
                                PatternRewriter &rewriter) const override {
    if (!op.hasPureTensorSemantics() || op.getNumDpsInits() != 1 ||
        op.getNumParallelLoops() != op.getNumLoops())
      return failure();
    OpOperand *out = op.getDpsInitOperand(0);
    if (!op.getMatchingBlockArgument(out).use_empty())
      return failure();
    Block *body = op.getBlock();
    for (OpOperand *in : op.getDpsInputOperands()) {
      // The contraction's result, possibly reshaped (MiniLM's projections
      // are read as 16 sentences x 16 tokens x 12 heads x 32), read once per
      // element (a permutation of the loops: a head transpose).
      Value result = in->get();
      Operation *reshape = result.getDefiningOp();
      if (isa_and_present<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(
              reshape))
        result = reshape->getOperand(0);
      else
        reshape = nullptr;
      Operation *producer = result.getDefiningOp();
      OpOperand *acc = accumulatorOf(producer);
      auto readType = dyn_cast<RankedTensorType>(in->get().getType());
      AffineMap readMap = op.getMatchingIndexingMap(in);
      // Same block: the contraction is moved down to the generic, never
      // into a loop.
      if (!acc || producer->getBlock() != op->getBlock() ||
          (reshape && reshape->getBlock() != op->getBlock()) ||
          !result.hasOneUse() || !in->get().hasOneUse() || !readType ||
          !readType.hasStaticShape() ||
          readType.getElementType() !=
              getElementTypeOrSelf(op.getResult(0).getType()) ||
          !readMap.isPermutation())
        continue;
      BlockArgument arg = op.getMatchingBlockArgument(in);
      // The body ops and values computed from arg.
      DenseSet<Value> dependent{arg};
      DenseSet<Operation *> dependentOps;
      for (Operation &bodyOp : body->without_terminator()) {
        if (llvm::none_of(bodyOp.getOperands(),
                          [&](Value x) { return dependent.contains(x); }))
          continue;
        dependentOps.insert(&bodyOp);
        dependent.insert(bodyOp.result_begin(), bodyOp.result_end());
      }
      // The additions arg + t0 + t1 + ..., each value read once, the terms
      // not computed from arg.
      SmallVector<Operation *> chain;
      SmallVector<Value> terms;
      Value last = arg;
      while (last.hasOneUse()) {
        auto add = dyn_cast<arith::AddFOp>(*last.getUsers().begin());
        if (!add)
          break;
        Value term = add.getLhs() == last ? add.getRhs() : add.getLhs();
        if (term == last || dependent.contains(term))
          break;
        chain.push_back(add);
        terms.push_back(term);
        last = add.getResult();
      }
      // Only where the generic then goes: it yields the sum and reads the
      // result as it writes its own. Where it stays (a GELU after the
      // bias, a head transpose), it reads and writes as much as before and
      // the new generic writes what the fill did, at a broadcast's cost.
      if (chain.empty() ||
          body->getTerminator()->getOperand(0) != chain.back()->getResult(0) ||
          readType != op.getResult(0).getType() ||
          readMap != op.getMatchingIndexingMap(out))
        continue;
      // The contraction (and its reshape) go right before the generic, the
      // accumulator right before them: the terms' producers all precede the
      // generic. The accumulator is computed as the generic reads the
      // result (its shape and map), then reshaped back.
      rewriter.moveOpBefore(producer, op);
      if (reshape)
        rewriter.moveOpBefore(reshape, op);
      rewriter.setInsertionPoint(producer);
      Location loc = op.getLoc();
      auto toReadShape = [&](Value v) -> Value {
        if (auto expand = dyn_cast_if_present<tensor::ExpandShapeOp>(reshape))
          return tensor::ExpandShapeOp::create(
              rewriter, loc, readType, v, expand.getReassociationIndices());
        if (auto collapse =
                dyn_cast_if_present<tensor::CollapseShapeOp>(reshape))
          return tensor::CollapseShapeOp::create(
              rewriter, loc, readType, v, collapse.getReassociationIndices());
        return v;
      };
      auto toResultShape = [&](Value v) -> Value {
        if (auto expand = dyn_cast_if_present<tensor::ExpandShapeOp>(reshape))
          return tensor::CollapseShapeOp::create(
              rewriter, loc, result.getType(), v,
              expand.getReassociationIndices());
        if (auto collapse =
                dyn_cast_if_present<tensor::CollapseShapeOp>(reshape))
          return tensor::ExpandShapeOp::create(
              rewriter, loc, result.getType(), v,
              collapse.getReassociationIndices());
        return v;
      };
      // A zero fill is dropped; another accumulator is the first term.
      bool zero = isZeroFill(acc->get());
      SmallVector<Value> inputs;
      SmallVector<AffineMap> maps;
      if (!zero) {
        inputs.push_back(toReadShape(acc->get()));
        maps.push_back(readMap);
      }
      for (OpOperand *other : op.getDpsInputOperands()) {
        if (other == in)
          continue;
        inputs.push_back(other->get());
        maps.push_back(op.getMatchingIndexingMap(other));
      }
      maps.push_back(readMap);
      Value init = tensor::EmptyOp::create(rewriter, loc, readType.getShape(),
                                           readType.getElementType());
      auto sum = linalg::GenericOp::create(
          rewriter, loc, TypeRange{readType}, inputs, ValueRange{init}, maps,
          op.getIteratorTypesArray(),
          [&](OpBuilder &b, Location loc, ValueRange args) {
            IRMapping mapping;
            unsigned i = zero ? 0 : 1;
            for (OpOperand *other : op.getDpsInputOperands())
              if (other != in)
                mapping.map(op.getMatchingBlockArgument(other), args[i++]);
            mapping.map(op.getMatchingBlockArgument(out), args.back());
            for (Operation &bodyOp : body->without_terminator())
              if (!dependentOps.contains(&bodyOp))
                b.clone(bodyOp, mapping);
            Value total = zero ? mapping.lookup(terms.front()) : args.front();
            for (Value term : ArrayRef(terms).drop_front(zero ? 1 : 0))
              total =
                  arith::AddFOp::create(b, loc, total, mapping.lookup(term));
            linalg::YieldOp::create(b, loc, total);
          });
      Value accumulator = toResultShape(sum.getResult(0));
      rewriter.modifyOpInPlace(producer, [&] { acc->set(accumulator); });
      // The generic computed C + terms: C' (reshaped as it read it).
      rewriter.replaceOp(op, in->get());
      return success();
    }
    return failure();
  }
};

struct FuseElementwisePass
    : bitsink::impl::BitSinkFuseElementwiseBase<FuseElementwisePass> {
  using Base::Base;

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, shouldFuse);
    patterns.add<CloneSharedFill, CloneCheapProducer>(ctx);
    patterns.add<GeneralizeNextToGeneric, UnitDimTransposeToReshape,
                 FoldTransposeIntoContraction>(ctx);
    if (reshapes) {
      linalg::populateFoldReshapeOpsByExpansionPatterns(patterns,
                                                        shouldMoveReshape);
      tensor::populateBubbleUpExpandShapePatterns(patterns);
    }
    // The clean-ups upstream linalg-fuse-elementwise-ops runs with them.
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(
        patterns);
    // Producers before consumers, as fuseElementwiseOps expects. Not
    // converging within the driver's iteration limit leaves valid IR, only
    // less fused.
    (void)applyPatternsGreedily(getOperation(), std::move(patterns),
                                GreedyRewriteConfig().setUseTopDownTraversal());
    // Fused producers left only because their asserts are side effects.
    getOperation()->walk([](linalg::GenericOp op) {
      if (!op->hasAttr(kFusedAttr))
        return;
      if (op->use_empty() && op.hasPureTensorSemantics())
        op->erase();
      else
        op->removeAttr(kFusedAttr);
    });
    if (!accumulators)
      return;
    // On the fused chains: a bias add fused with a head transpose or a
    // GELU stays (it would not go), bias + residual goes.
    RewritePatternSet folds(ctx);
    folds.add<FoldAddIntoAccumulator>(ctx);
    linalg::FillOp::getCanonicalizationPatterns(folds, ctx);
    tensor::EmptyOp::getCanonicalizationPatterns(folds, ctx);
    (void)applyPatternsGreedily(getOperation(), std::move(folds));
  }
};
} // namespace
