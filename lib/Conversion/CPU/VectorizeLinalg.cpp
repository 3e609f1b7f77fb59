//===- VectorizeLinalg.cpp - vectorised element-wise ops and reductions ---===//
//
// bitsink-vectorize-linalg: the linalg ops on buffers that are not matmuls
// (element-wise chains, broadcasts, reductions) and the small-M contractions
// that bitsink-tile-contractions handles badly become a parallel loop over
// rows, a loop over chunks of the innermost dimension, and vector code per
// chunk. Built from upstream linalg tiling, loop peeling, linalg::vectorize
// (masked for the partial chunk), transfer hoisting and vector lowering
// patterns. See docs/cpu-vectorize.md.
//
//===----------------------------------------------------------------------===//

#include "VectorizeLinalg.h"

#include "TargetFeatures.h"
#include "TilingSupport.h"
#include "bitsink/Conversion/Passes.h"
#include "bitsink/Support/OptionChecks.h"

#include "mlir/Analysis/SliceAnalysis.h"
#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/ControlFlow/IR/ControlFlowOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Hoisting.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKVECTORIZELINALG
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using bitsink::simplifyTiles;
using bitsink::tileAndErase;

/// Marks the chunk-sized linalg ops between tiling and vectorisation
/// (peeling clones them, attributes included).
static constexpr llvm::StringLiteral kChunkAttr = "bitsink.vector_chunk";

/// The vector register width of the target described by `features`: 512
/// bits with AVX-512F, 256 with AVX, 128 otherwise (SSE, NEON, or a target
/// this does not know).
static int64_t vectorBitsOf(llvm::StringRef features) {
  if (bitsink::targetHasFeature(features, "avx512f"))
    return 512;
  if (bitsink::targetHasFeature(features, "avx"))
    return 256;
  return 128;
}

namespace {
/// How one op is vectorised.
struct Plan {
  /// Along the innermost dimension of the inputs, a reduction dimension:
  /// partial results in a vector carried through the chunk loop. Otherwise
  /// along the innermost dimension of the output, a parallel dimension.
  bool rowReduction = false;
  /// The vectorised loop dimension.
  unsigned dim = 0;
  /// Elements of `dim` per chunk (a multiple of the vector length).
  int64_t chunk = 0;
  /// A transpose: the parallel dimension that is the innermost one of an
  /// input (not `dim`). Chunks are then square tiles of one vector length
  /// along both, read along it and written along `dim`.
  std::optional<unsigned> transposeDim;
  /// An element-wise op whose body reads a buffer it does not iterate over
  /// (an embedding gather) or asserts: each chunk computes the row indices
  /// and asserts once and reads the gathered rows as inputs
  /// (hoistGathers).
  bool gathers = false;
};

/// The options of one run, resolved.
struct Settings {
  int64_t vectorBits;
  int64_t unroll;
  int64_t parallelChunk;
  bool elementwise;
  bool reductions;
  int64_t contractionMaxRows;
};
} // namespace

/// The buffer or tensor that `nested`, an op of the body of `op`, reads an
/// element of, if it is defined outside `op` (an embedding gather:
/// tensor.extract on tensors, memref.load once bufferized).
static Value gatherSource(Operation *nested, linalg::LinalgOp op) {
  Value source;
  if (auto load = dyn_cast<memref::LoadOp>(nested))
    source = load.getMemRef();
  else if (auto extract = dyn_cast<tensor::ExtractOp>(nested))
    source = extract.getTensor();
  else
    return {};
  if (op->getRegion(0).isAncestor(source.getParentRegion()))
    return {};
  return source;
}

/// The indices of a gather (see gatherSource).
static ValueRange gatherIndices(Operation *gather) {
  if (auto load = dyn_cast<memref::LoadOp>(gather))
    return load.getIndices();
  return cast<tensor::ExtractOp>(gather).getIndices();
}

/// Whether every op of the body of `op` can become vector code: arithmetic
/// and math ops that apply element-wise, constants, linalg.index and
/// affine.apply on indices (linalg::vectorize expands it); also gathers and
/// asserts, which planFor then checks against the vectorised
/// dimension (gathersAlong). Ops with regions cannot.
static bool hasVectorizableBody(linalg::LinalgOp op) {
  for (Operation &nested : op.getBlock()->without_terminator()) {
    if (isa<linalg::IndexOp, affine::AffineApplyOp, arith::ConstantOp,
            cf::AssertOp>(nested) ||
        gatherSource(&nested, op))
      continue;
    if (nested.getNumRegions() != 0 ||
        !OpTrait::hasElementwiseMappableTraits(&nested) || !isPure(&nested))
      return false;
  }
  return true;
}

/// Whether the body of `op` has gathers or asserts.
static bool hasGathers(linalg::LinalgOp op) {
  return llvm::any_of(
      op.getBlock()->without_terminator(), [&](Operation &nested) {
        return isa<cf::AssertOp>(nested) || gatherSource(&nested, op);
      });
}

/// The values of the body of `op` that vary along loop dimension `dim`: the
/// block arguments of operands indexed by it, linalg.index `dim`, and what
/// is computed from them.
static llvm::DenseSet<Value> valuesVaryingAlong(linalg::LinalgOp op,
                                                unsigned dim) {
  llvm::DenseSet<Value> varying;
  for (OpOperand &operand : op->getOpOperands())
    if (op.getMatchingIndexingMap(&operand).isFunctionOfDim(dim))
      varying.insert(op.getMatchingBlockArgument(&operand));
  for (Operation &nested : op.getBlock()->without_terminator()) {
    bool varies;
    if (auto index = dyn_cast<linalg::IndexOp>(nested))
      varies = index.getDim() == dim;
    else
      varies = llvm::any_of(nested.getOperands(),
                            [&](Value v) { return varying.contains(v); });
    if (varies)
      varying.insert(nested.getResults().begin(), nested.getResults().end());
  }
  return varying;
}

/// Whether `value` is linalg.index `dim`, or (in a tile, where tiling has
/// offset the index) an affine.apply that adds to it something that does
/// not vary along `dim`.
static bool isIndexPlusInvariant(Value value, unsigned dim,
                                 const llvm::DenseSet<Value> &varying) {
  if (auto index = value.getDefiningOp<linalg::IndexOp>())
    return index.getDim() == dim;
  auto apply = value.getDefiningOp<affine::AffineApplyOp>();
  if (!apply)
    return false;
  AffineMap map = apply.getAffineMap();
  std::optional<unsigned> position;
  for (auto [i, operand] : llvm::enumerate(apply.getMapOperands())) {
    if (!varying.contains(operand))
      continue;
    auto index = operand.getDefiningOp<linalg::IndexOp>();
    if (!index || index.getDim() != dim || position)
      return false;
    position = i;
  }
  if (!position)
    return false;
  unsigned numDims = map.getNumDims();
  AffineExpr x =
      *position < numDims
          ? getAffineDimExpr(*position, map.getContext())
          : getAffineSymbolExpr(*position - numDims, map.getContext());
  AffineExpr sum = map.getResult(0);
  AffineExpr rest = sum.replace(x, getAffineConstantExpr(0, map.getContext()));
  return simplifyAffineExpr(sum - rest, numDims, map.getNumSymbols()) == x;
}

/// Whether the gathers and asserts of `op` allow vectorising it along
/// `dim`: asserts on values that do not vary along it, gathers whose
/// indices do not vary along it but the last, which is linalg.index `dim`
/// (plus an invariant offset, in a tile). A chunk then reads one
/// contiguous row per gather.
static bool gathersAlong(linalg::LinalgOp op, unsigned dim) {
  llvm::DenseSet<Value> varying = valuesVaryingAlong(op, dim);
  for (Operation &nested : op.getBlock()->without_terminator()) {
    if (auto assertOp = dyn_cast<cf::AssertOp>(nested)) {
      if (varying.contains(assertOp.getArg()))
        return false;
      continue;
    }
    if (!gatherSource(&nested, op))
      continue;
    ValueRange indices = gatherIndices(&nested);
    if (indices.empty())
      return false;
    if (llvm::any_of(indices.drop_back(),
                     [&](Value v) { return varying.contains(v); }))
      return false;
    if (!isIndexPlusInvariant(indices.back(), dim, varying))
      return false;
  }
  return true;
}

/// The widest element type in bits of what a chunk of a gather reads or
/// writes as vectors along `dim`: operands indexed by it and the gathered
/// sources (the row indices are scalars).
static int64_t gatherElementBits(linalg::LinalgOp op, unsigned dim) {
  int64_t widest = 0;
  auto account = [&](Type type) {
    Type element = getElementTypeOrSelf(type);
    if (element.isIntOrFloat())
      widest = std::max<int64_t>(widest, element.getIntOrFloatBitWidth());
  };
  for (OpOperand &operand : op->getOpOperands())
    if (op.getMatchingIndexingMap(&operand).isFunctionOfDim(dim))
      account(operand.get().getType());
  for (Operation &nested : op.getBlock()->without_terminator())
    if (Value source = gatherSource(&nested, op))
      account(source.getType());
  return widest;
}

/// The widest element type of the operands in bits; 0 when one of them is
/// not an integer or float type of whole bytes (i1 vectors are packed in
/// memory, scalars are not).
static int64_t widestElementBits(linalg::LinalgOp op) {
  int64_t widest = 0;
  for (Value operand : op->getOperands()) {
    Type element = getElementTypeOrSelf(operand.getType());
    if (!element.isIntOrFloat())
      return 0;
    unsigned bits = element.getIntOrFloatBitWidth();
    if (bits % 8 != 0)
      return 0;
    widest = std::max<int64_t>(widest, bits);
  }
  return widest;
}

/// The loop dimension of the last result of `map`, if it is one.
static std::optional<unsigned> innermostDim(AffineMap map) {
  if (map.getNumResults() == 0)
    return std::nullopt;
  auto dim = dyn_cast<AffineDimExpr>(map.getResults().back());
  if (!dim)
    return std::nullopt;
  return dim.getPosition();
}

/// The reduction dimension that is the innermost dimension of every input
/// that reads a reduction dimension, if there is one.
static std::optional<unsigned> innermostReductionDim(linalg::LinalgOp op) {
  SmallVector<unsigned> reductionDims;
  op.getReductionDims(reductionDims);
  std::optional<unsigned> result;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    if (llvm::none_of(reductionDims,
                      [&](unsigned dim) { return map.isFunctionOfDim(dim); }))
      continue;
    std::optional<unsigned> last = innermostDim(map);
    if (!last || !llvm::is_contained(reductionDims, *last) ||
        (result && *result != *last))
      return std::nullopt;
    result = last;
  }
  return result;
}

/// For an op without reductions vectorised along `outputDim`: the parallel
/// dimension that is the innermost one of an input which also reads
/// `outputDim` (a transposed input, which that input is contiguous along),
/// if every such input agrees on it.
static std::optional<unsigned> transposedInputDim(linalg::LinalgOp op,
                                                  unsigned outputDim) {
  if (op.getNumReductionLoops() != 0)
    return std::nullopt;
  std::optional<unsigned> result;
  for (OpOperand *input : op.getDpsInputOperands()) {
    AffineMap map = op.getMatchingIndexingMap(input);
    std::optional<unsigned> last = innermostDim(map);
    if (!last || *last == outputDim || !map.isFunctionOfDim(outputDim))
      continue;
    if (result && *result != *last)
      return std::nullopt;
    result = last;
  }
  return result;
}

/// A float contraction with fewer than `maxRows` rows (static M) whose
/// innermost K dimension is the innermost dimension of both inputs: a
/// dot product per output element (a matvec against an N x K matrix).
static std::optional<unsigned> matchSmallContraction(linalg::LinalgOp op,
                                                     int64_t maxRows) {
  if (maxRows <= 0 || op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1)
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return std::nullopt;
  Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!isa<FloatType>(element))
    return std::nullopt;
  for (Value operand : op->getOperands())
    if (getElementTypeOrSelf(operand.getType()) != element)
      return std::nullopt;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  int64_t rows = 1;
  for (unsigned dim : dims->m) {
    if (ShapedType::isDynamic(ranges[dim]))
      return std::nullopt;
    rows *= ranges[dim];
  }
  if (rows >= maxRows)
    return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  std::optional<unsigned> a = innermostDim(maps[0]);
  std::optional<unsigned> b = innermostDim(maps[1]);
  if (!a || !b || *a != *b || !llvm::is_contained(dims->k, *a))
    return std::nullopt;
  return a;
}

/// Decides whether and how `op` is vectorised: an op on buffers, or with
/// `onTensors` the same op on tensors before bufferization (what
/// bitsink-fuse-elementwise asks of the ops it would build).
static std::optional<Plan> planFor(linalg::LinalgOp op, const Settings &s,
                                   bool onTensors = false) {
  if (!(onTensors ? op.hasPureTensorSemantics()
                  : op.hasPureBufferSemantics()) ||
      op.getNumLoops() == 0 || op.getNumDpsInits() == 0 ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) {
                      return map.isProjectedPermutation(
                          /*allowZeroInResults=*/true);
                    }) ||
      !hasVectorizableBody(op))
    return std::nullopt;
  int64_t bits = widestElementBits(op);
  if (bits == 0)
    return std::nullopt;
  Plan plan;
  plan.chunk = std::max<int64_t>(1, s.vectorBits / bits) * s.unroll;
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();

  // A contraction whose reduction dimensions all have extent 1 (the partial
  // register tiles bitsink-tile-contractions leaves for dynamic sizes: one
  // K step of C += A x B) is an element-wise update of C.
  SmallVector<unsigned> reductionDims;
  op.getReductionDims(reductionDims);
  bool unitReductions =
      !reductionDims.empty() && llvm::all_of(reductionDims, [&](unsigned dim) {
        return ranges[dim] == 1;
      });
  bool gathers = hasGathers(op);
  if (gathers && op.getNumReductionLoops() != 0)
    return std::nullopt;
  if (linalg::isaContractionOpInterface(op) && !unitReductions) {
    std::optional<unsigned> k = matchSmallContraction(op, s.contractionMaxRows);
    if (!k)
      return std::nullopt;
    plan.rowReduction = true;
    plan.dim = *k;
    return plan;
  }

  if (op.getNumReductionLoops() == 0 || unitReductions ? !s.elementwise
                                                       : !s.reductions)
    return std::nullopt;
  // Every output indexed the same way.
  AffineMap outputMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (OpOperand &init : op.getDpsInitsMutable())
    if (op.getMatchingIndexingMap(&init) != outputMap)
      return std::nullopt;
  // A reduction along the innermost dimension of the inputs: vectorised
  // along it (one output, a combiner with a vector form).
  std::optional<unsigned> reductionDim =
      op.getNumReductionLoops() == 0 ? std::nullopt : innermostReductionDim(op);
  if (!reductionDim) {
    // Otherwise along the innermost output dimension, a parallel one.
    std::optional<unsigned> outputDim = innermostDim(outputMap);
    if (!outputDim ||
        !linalg::isParallelIterator(op.getIteratorTypesArray()[*outputDim]) ||
        ranges[*outputDim] == 1)
      return std::nullopt;
    plan.dim = *outputDim;
    if (gathers) {
      if (!gathersAlong(op, plan.dim) ||
          transposedInputDim(op, plan.dim).has_value())
        return std::nullopt;
      int64_t gatherBits = gatherElementBits(op, plan.dim);
      if (gatherBits % 8 != 0 || gatherBits == 0)
        return std::nullopt;
      plan.gathers = true;
      plan.chunk = std::max<int64_t>(1, s.vectorBits / gatherBits) * s.unroll;
      return plan;
    }
    if (std::optional<unsigned> other = transposedInputDim(op, *outputDim)) {
      int64_t lanes = std::max<int64_t>(1, s.vectorBits / bits);
      if (lanes > 1 && !ShapedType::isDynamic(ranges[*other]) &&
          ranges[*other] > 1) {
        plan.transposeDim = other;
        plan.chunk = lanes;
      }
    }
    return plan;
  }
  if (op.getNumDpsInits() != 1 || ranges[*reductionDim] == 1)
    return std::nullopt;
  SmallVector<Operation *> combiners;
  if (!matchReduction(op.getRegionOutputArgs(), 0, combiners) ||
      combiners.size() != 1)
    return std::nullopt;
  plan.rowReduction = true;
  plan.dim = *reductionDim;
  return plan;
}

/// The AtomicRMWKind (for its identity value) of a combining kind.
static std::optional<arith::AtomicRMWKind>
atomicKindOf(vector::CombiningKind kind, Type element) {
  bool isFloat = isa<FloatType>(element);
  switch (kind) {
  case vector::CombiningKind::ADD:
    return isFloat ? arith::AtomicRMWKind::addf : arith::AtomicRMWKind::addi;
  case vector::CombiningKind::MUL:
    return isFloat ? arith::AtomicRMWKind::mulf : arith::AtomicRMWKind::muli;
  case vector::CombiningKind::MINNUMF:
    return arith::AtomicRMWKind::minnumf;
  case vector::CombiningKind::MAXNUMF:
    return arith::AtomicRMWKind::maxnumf;
  case vector::CombiningKind::MINIMUMF:
    return arith::AtomicRMWKind::minimumf;
  case vector::CombiningKind::MAXIMUMF:
    return arith::AtomicRMWKind::maximumf;
  case vector::CombiningKind::MINSI:
    return arith::AtomicRMWKind::mins;
  case vector::CombiningKind::MAXSI:
    return arith::AtomicRMWKind::maxs;
  case vector::CombiningKind::MINUI:
    return arith::AtomicRMWKind::minu;
  case vector::CombiningKind::MAXUI:
    return arith::AtomicRMWKind::maxu;
  case vector::CombiningKind::AND:
    return arith::AtomicRMWKind::andi;
  case vector::CombiningKind::OR:
    return arith::AtomicRMWKind::ori;
  case vector::CombiningKind::XOR:
    return std::nullopt;
  }
  return std::nullopt;
}

/// Carries the partial results of a row reduction through the chunk loop
/// `loop` in a vector. After transfer hoisting the loop carries the
/// reduced value `acc` and each iteration reduces its chunk `x` into it
/// (`vector.multi_reduction <kind>, x, acc`), a horizontal reduction per
/// chunk in a chain. Instead the loop carries a vector of x's shape,
/// starting at the kind's identity and combined with x lane by lane, and
/// one multi_reduction after the loop reduces it into the incoming acc.
/// The sum is then taken in another order (floating-point reassociation,
/// as any vectorised reduction).
static void carryPartialVector(RewriterBase &rewriter, scf::ForOp loop) {
  auto yield = cast<scf::YieldOp>(loop.getBody()->getTerminator());
  for (unsigned i = 0; i < loop.getNumRegionIterArgs(); ++i) {
    BlockArgument acc = loop.getRegionIterArgs()[i];
    auto reduction =
        yield.getOperand(i).getDefiningOp<vector::MultiDimReductionOp>();
    if (!reduction || reduction.getAcc() != acc || !acc.hasOneUse() ||
        !reduction->hasOneUse() ||
        reduction->getParentOp() != loop.getOperation() ||
        isa<vector::MaskOp>(reduction->getParentOp()))
      continue;
    VectorType sourceType = reduction.getSourceVectorType();
    std::optional<arith::AtomicRMWKind> kind =
        atomicKindOf(reduction.getKind(), sourceType.getElementType());
    if (!kind || sourceType.isScalable())
      continue;
    // The partial vector is carried flat (a 1-D vector of as many lanes).
    auto flatType = VectorType::get({sourceType.getNumElements()},
                                    sourceType.getElementType());
    Location loc = reduction.getLoc();
    rewriter.setInsertionPoint(loop);
    TypedAttr identity = arith::getIdentityValueAttr(
        *kind, sourceType.getElementType(), rewriter, loc);
    Value init = arith::ConstantOp::create(
        rewriter, loc, DenseElementsAttr::get(flatType, identity));
    Value outerAcc = loop.getInitArgs()[i];
    vector::CombiningKind combining = reduction.getKind();
    SmallVector<bool> reducedDims = reduction.getReductionMask();
    FailureOr<LoopLikeOpInterface> widened = loop.replaceWithAdditionalYields(
        rewriter, init, /*replaceInitOperandUsesInLoop=*/false,
        [&](OpBuilder &b, Location, ArrayRef<BlockArgument> args) {
          b.setInsertionPoint(reduction);
          Value flat = vector::ShapeCastOp::create(b, loc, flatType,
                                                   reduction.getSource());
          Value combined =
              vector::makeArithReduction(b, loc, combining, flat, args.front());
          return SmallVector<Value>{combined};
        });
    if (failed(widened))
      return;
    auto newLoop = cast<scf::ForOp>(widened->getOperation());
    // The old carried value passes through unchanged (canonicalization
    // drops it); the partial vector is reduced into the incoming acc after
    // the loop instead.
    auto newYield = cast<scf::YieldOp>(newLoop.getBody()->getTerminator());
    Operation *chained = newYield.getOperand(i).getDefiningOp();
    rewriter.modifyOpInPlace(newYield, [&] {
      newYield->setOperand(i, newLoop.getRegionIterArgs()[i]);
    });
    if (chained && chained->use_empty())
      rewriter.eraseOp(chained);
    rewriter.setInsertionPointAfter(newLoop);
    Value partial = vector::ShapeCastOp::create(rewriter, loc, sourceType,
                                                newLoop.getResults().back());
    Value result = vector::MultiDimReductionOp::create(
        rewriter, loc, partial, outerAcc, reducedDims, combining);
    rewriter.replaceAllUsesWith(newLoop.getResult(i), result);
    return;
  }
}

/// Sets `reassoc` on float add and mul reductions nested in `root` (made
/// here from row reductions): LLVM then reduces a vector as a tree instead
/// of one lane after the other.
static void allowReassociation(Operation *root) {
  root->walk([](vector::ReductionOp reduction) {
    if (!isa<FloatType>(reduction.getDest().getType()))
      return;
    if (reduction.getKind() != vector::CombiningKind::ADD &&
        reduction.getKind() != vector::CombiningKind::MUL)
      return;
    arith::FastMathFlags flags = reduction.getFastmath();
    reduction.setFastmath(flags | arith::FastMathFlags::reassoc);
  });
}

/// In a chunk of a gather (every loop but `dim` of extent 1, after tiling),
/// computes what does not vary along `dim` once, before the chunk: the
/// invariant inputs are loaded as scalars, the row indices and the asserts
/// are computed from them. Each gathered row becomes an input of the chunk,
/// a sub-view of its source at the row's indices. The new chunk (returned;
/// `tile` is erased) is element-wise with projected-permutation maps, which
/// linalg::vectorize takes: a gather is then one contiguous vector load per
/// row and vector. Fails, changing nothing, where planFor's forms do not
/// hold in the tile.
static FailureOr<linalg::GenericOp>
hoistGathers(RewriterBase &rewriter, linalg::GenericOp tile, unsigned dim) {
  if (!tile.hasPureBufferSemantics() || !gathersAlong(tile, dim))
    return failure();
  SmallVector<int64_t> ranges = tile.getStaticLoopRanges();
  for (auto [i, range] : llvm::enumerate(ranges))
    if (i != dim && range != 1)
      return failure();
  llvm::DenseSet<Value> varying = valuesVaryingAlong(tile, dim);

  Location loc = tile.getLoc();
  Block *body = tile.getBlock();
  rewriter.setInsertionPoint(tile);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  IRMapping hoisted;
  // Invariant inputs: the chunk's one element of each.
  for (OpOperand *input : tile.getDpsInputOperands()) {
    BlockArgument arg = tile.getMatchingBlockArgument(input);
    if (varying.contains(arg) || arg.use_empty())
      continue;
    auto type = dyn_cast<MemRefType>(input->get().getType());
    if (!type) {
      hoisted.map(arg, input->get());
      continue;
    }
    SmallVector<Value> zeros(type.getRank(), zero);
    hoisted.map(arg,
                memref::LoadOp::create(rewriter, loc, input->get(), zeros));
  }
  // Invariant body ops (the row indices, asserts); the other dimensions'
  // indices are 0 in the chunk (tiling added its offset in affine.apply).
  for (Operation &nested : body->without_terminator()) {
    if (llvm::any_of(nested.getResults(),
                     [&](Value v) { return varying.contains(v); }) ||
        llvm::any_of(nested.getOperands(),
                     [&](Value v) { return varying.contains(v); }))
      continue;
    if (auto index = dyn_cast<linalg::IndexOp>(nested)) {
      hoisted.map(index.getResult(), zero);
      continue;
    }
    rewriter.clone(nested, hoisted);
  }
  // The gathered rows: sub-views of one row along `dim`, from the chunk's
  // offset (the last index with linalg.index `dim` at 0).
  OpFoldResult extent = cast<linalg::LinalgOp>(tile.getOperation())
                            .createLoopRanges(rewriter, loc)[dim]
                            .size;
  unsigned numLoops = tile.getNumLoops();
  SmallVector<Value> inputs;
  SmallVector<AffineMap> maps;
  SmallVector<BlockArgument> keptArgs;
  for (OpOperand *input : tile.getDpsInputOperands()) {
    BlockArgument arg = tile.getMatchingBlockArgument(input);
    if (!varying.contains(arg))
      continue;
    inputs.push_back(input->get());
    maps.push_back(tile.getMatchingIndexingMap(input));
    keptArgs.push_back(arg);
  }
  SmallVector<Operation *> gathers;
  for (Operation &nested : body->without_terminator()) {
    if (!gatherSource(&nested, tile) || !varying.contains(nested.getResult(0)))
      continue;
    auto load = cast<memref::LoadOp>(nested);
    ValueRange indices = load.getIndices();
    Value offset = zero;
    if (auto apply = indices.back().getDefiningOp<affine::AffineApplyOp>()) {
      IRMapping atZero = hoisted;
      for (Value operand : apply.getMapOperands())
        if (auto index = operand.getDefiningOp<linalg::IndexOp>();
            index && index.getDim() == dim)
          atZero.map(operand, zero);
      offset = rewriter.clone(*apply, atZero)->getResult(0);
    }
    SmallVector<OpFoldResult> offsets, sizes, strides;
    for (Value index : indices.drop_back()) {
      offsets.push_back(hoisted.lookupOrDefault(index));
      sizes.push_back(rewriter.getIndexAttr(1));
      strides.push_back(rewriter.getIndexAttr(1));
    }
    offsets.push_back(offset);
    sizes.push_back(extent);
    strides.push_back(rewriter.getIndexAttr(1));
    inputs.push_back(memref::SubViewOp::create(rewriter, loc, load.getMemRef(),
                                               offsets, sizes, strides));
    SmallVector<AffineExpr> results(indices.size() - 1,
                                    rewriter.getAffineConstantExpr(0));
    results.push_back(rewriter.getAffineDimExpr(dim));
    maps.push_back(AffineMap::get(numLoops, 0, results, rewriter.getContext()));
    gathers.push_back(load);
  }
  SmallVector<Value> outputs = tile.getDpsInits();
  for (OpOperand &init : tile.getDpsInitsMutable())
    maps.push_back(tile.getMatchingIndexingMap(&init));

  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{}, inputs, outputs, maps,
      tile.getIteratorTypesArray(),
      [&](OpBuilder &b, Location nestedLoc, ValueRange args) {
        IRMapping mapping = hoisted;
        unsigned next = 0;
        for (BlockArgument arg : keptArgs)
          mapping.map(arg, args[next++]);
        for (Operation *gather : gathers)
          mapping.map(gather->getResult(0), args[next++]);
        for (OpOperand &init : tile.getDpsInitsMutable())
          mapping.map(tile.getMatchingBlockArgument(&init), args[next++]);
        for (Operation &nested : body->without_terminator()) {
          bool varies = llvm::any_of(nested.getResults(), [&](Value v) {
            return varying.contains(v);
          });
          if (varies && !llvm::is_contained(gathers, &nested))
            b.clone(nested, mapping);
        }
        SmallVector<Value> yielded;
        for (Value v : body->getTerminator()->getOperands())
          yielded.push_back(mapping.lookupOrDefault(v));
        linalg::YieldOp::create(b, nestedLoc, yielded);
      });
  // What only fed the gathers' indices is dead in the new body.
  SmallVector<Operation *> cloned;
  for (Operation &nested : generic.getBlock()->without_terminator())
    cloned.push_back(&nested);
  for (Operation *nested : llvm::reverse(cloned))
    if (isOpTriviallyDead(nested))
      rewriter.eraseOp(nested);
  rewriter.eraseOp(tile);
  return generic;
}

bool bitsink::isVectorizedLinalgForm(linalg::LinalgOp op) {
  // The form does not depend on the vector width or chunk sizes; these are
  // the pass's defaults for an AVX-512 target.
  Settings defaults;
  defaults.vectorBits = 512;
  defaults.unroll = 4;
  defaults.parallelChunk = 4096;
  defaults.elementwise = true;
  defaults.reductions = true;
  defaults.contractionMaxRows = 0;
  return planFor(op, defaults, /*onTensors=*/op.hasPureTensorSemantics())
      .has_value();
}

namespace {
struct VectorizeLinalgPass
    : bitsink::impl::BitSinkVectorizeLinalgBase<VectorizeLinalgPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(bitsink::OptionChecker("bitsink-vectorize-linalg")
                   .inRange("vector-bits", vectorBits, 0, 4096)
                   .positive("unroll", unroll)
                   .positive("parallel-chunk", parallelChunk)
                   .atLeast("contraction-max-rows", contractionMaxRows, 0)
                   .emit(getOperation())))
      return signalPassFailure();
    Settings settings;
    settings.vectorBits =
        vectorBits > 0 ? vectorBits : vectorBitsOf(targetFeatures);
    settings.unroll = unroll;
    settings.parallelChunk = parallelChunk;
    settings.elementwise = elementwise;
    settings.reductions = reductions;
    settings.contractionMaxRows = contractionMaxRows;

    SmallVector<std::pair<linalg::LinalgOp, Plan>> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (std::optional<Plan> plan = planFor(op, settings))
        candidates.emplace_back(op, *plan);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[op, plan] : candidates)
      vectorizeOne(rewriter, op, plan, settings);
  }

  /// Tiles `op` into chunks of `plan.dim`, vectorises every chunk and
  /// lowers the vector code to 1-D loads, stores and arithmetic. The op is
  /// first wrapped in an scf.execute_region so that every rewrite stays
  /// inside; the region is inlined at the end.
  void vectorizeOne(RewriterBase &rewriter, linalg::LinalgOp op,
                    const Plan &plan, const Settings &s) {
    MLIRContext *ctx = &getContext();
    Location loc = op.getLoc();
    rewriter.setInsertionPoint(op);
    auto region = scf::ExecuteRegionOp::create(rewriter, loc, TypeRange{});
    Block *regionBlock = rewriter.createBlock(&region.getRegion());
    scf::YieldOp::create(rewriter, loc);
    rewriter.moveOpBefore(op, regionBlock->getTerminator());

    unsigned numLoops = op.getNumLoops();
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
    bool nested = region->getParentOfType<scf::ParallelOp>() != nullptr;
    auto needsTiling = [&](unsigned dim, int64_t size) {
      return ShapedType::isDynamic(ranges[dim]) || ranges[dim] > size;
    };

    // Sizes of the parallel tiles (one task each) and of the chunks.
    SmallVector<int64_t> outer(numLoops, 0), inner(numLoops, 0);
    SmallVector<int64_t> &rowTiles = nested ? inner : outer;
    int64_t chunk = plan.chunk;
    for (unsigned dim = 0; dim < numLoops; ++dim) {
      if (dim == plan.dim || ranges[dim] == 1)
        continue;
      if (dim == plan.transposeDim)
        rowTiles[dim] = needsTiling(dim, chunk) ? chunk : 0;
      else if (linalg::isParallelIterator(iterators[dim]))
        rowTiles[dim] = 1;
      else
        inner[dim] = 1;
    }
    if (needsTiling(plan.dim, chunk))
      inner[plan.dim] = chunk;
    if (!plan.rowReduction && !nested && needsTiling(plan.dim, s.parallelChunk))
      outer[plan.dim] = llvm::divideCeil(s.parallelChunk, chunk) * chunk;

    // Chunk loops: the parallel ones first, then the vectorised dimension
    // and the reductions (element-wise ops), or the other reductions and
    // the vectorised reduction dimension (row reductions).
    SmallVector<unsigned> interchange;
    for (unsigned dim = 0; dim < numLoops; ++dim)
      if (dim != plan.dim && linalg::isParallelIterator(iterators[dim]))
        interchange.push_back(dim);
    if (!plan.rowReduction)
      interchange.push_back(plan.dim);
    for (unsigned dim = 0; dim < numLoops; ++dim)
      if (dim != plan.dim && !linalg::isParallelIterator(iterators[dim]))
        interchange.push_back(dim);
    if (plan.rowReduction)
      interchange.push_back(plan.dim);

    linalg::LinalgOp current = op;
    if (llvm::any_of(outer, [](int64_t size) { return size != 0; })) {
      FailureOr<linalg::TiledLinalgOp> tiled =
          tileAndErase(rewriter, current, outer, {},
                       linalg::LinalgTilingLoopType::ParallelLoops);
      if (failed(tiled))
        return inlineRegion(rewriter, region);
      current = tiled->op;
    }
    scf::ForOp chunkLoop;
    if (llvm::any_of(inner, [](int64_t size) { return size != 0; })) {
      FailureOr<linalg::TiledLinalgOp> tiled =
          tileAndErase(rewriter, current, inner, interchange,
                       linalg::LinalgTilingLoopType::Loops);
      if (failed(tiled))
        return inlineRegion(rewriter, region);
      current = tiled->op;
      if (inner[plan.dim] != 0) {
        unsigned position = 0;
        for (unsigned dim : interchange) {
          if (dim == plan.dim)
            break;
          if (inner[dim] != 0)
            ++position;
        }
        chunkLoop = dyn_cast<scf::ForOp>(tiled->loops[position]);
      }
    }
    current->setAttr(kChunkAttr, rewriter.getUnitAttr());
    // Full chunks in the main loop, the partial one after it.
    if (chunkLoop) {
      scf::ForOp partial;
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, chunkLoop, partial);
    }
    simplifyTiles(region);

    // Vectorise every chunk: static shapes as they are, the partial chunk
    // masked to chunk-sized vectors.
    SmallVector<linalg::LinalgOp> chunks;
    region->walk([&](linalg::LinalgOp tile) {
      if (tile->hasAttr(kChunkAttr))
        chunks.push_back(tile);
    });
    // Loop order of the chunks: the unit dimensions first, then the
    // transposed one, then the vectorised one, so that vector shapes end in
    // the vectorised dimension (their leading unit dimensions are cast away
    // later; a trailing one would make a vector of one-element rows).
    SmallVector<unsigned> order;
    for (unsigned dim = 0; dim < numLoops; ++dim)
      if (dim != plan.dim && dim != plan.transposeDim)
        order.push_back(dim);
    if (plan.transposeDim)
      order.push_back(*plan.transposeDim);
    order.push_back(plan.dim);
    bool reorder = !llvm::equal(order, llvm::seq<unsigned>(0, numLoops));
    for (linalg::LinalgOp tile : chunks) {
      tile->removeAttr(kChunkAttr);
      if (plan.gathers) {
        auto generic = dyn_cast<linalg::GenericOp>(tile.getOperation());
        FailureOr<linalg::GenericOp> hoisted =
            generic ? hoistGathers(rewriter, generic, plan.dim)
                    : FailureOr<linalg::GenericOp>(failure());
        if (failed(hoisted))
          continue; // Stays a linalg op: scalar loops later.
        tile = *hoisted;
      }
      if (reorder) {
        rewriter.setInsertionPoint(tile);
        auto generic = dyn_cast<linalg::GenericOp>(tile.getOperation());
        if (!generic) {
          FailureOr<linalg::GenericOp> generalized =
              linalg::generalizeNamedOp(rewriter, tile);
          if (failed(generalized))
            continue;
          generic = *generalized;
        }
        FailureOr<linalg::GenericOp> interchanged =
            linalg::interchangeGenericOp(rewriter, generic, order);
        if (failed(interchanged))
          continue;
        tile = *interchanged;
      }
      SmallVector<int64_t> vectorSizes;
      if (tile.hasDynamicShape()) {
        for (int64_t size : tile.getStaticLoopRanges())
          vectorSizes.push_back(ShapedType::isDynamic(size) ? chunk : size);
      }
      rewriter.setInsertionPoint(tile);
      if (failed(linalg::vectorizeOpPrecondition(
              tile, vectorSizes, SmallVector<bool>(vectorSizes.size(), false))))
        continue; // Stays a linalg op: scalar loops later.
      SmallVector<bool> scalable(vectorSizes.size(), false);
      FailureOr<linalg::VectorizationResult> result =
          linalg::vectorize(rewriter, tile, vectorSizes, scalable);
      if (failed(result))
        continue;
      rewriter.eraseOp(tile);
    }

    // Masked transfers, then transfers on the base buffers (not sub-views)
    // so that a reduction's output can be hoisted out of the chunk loop
    // into loop-carried vectors.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorMaskLoweringPatternsForSideEffectingOps(patterns);
      (void)applyPatternsGreedily(region, std::move(patterns));
    }
    {
      RewritePatternSet patterns(ctx);
      memref::populateFoldMemRefAliasOpPatterns(patterns);
      (void)applyPatternsGreedily(region, std::move(patterns));
    }
    {
      DominanceInfo domInfo;
      eliminateCommonSubExpressions(rewriter, domInfo, region);
    }
    region->walk(
        [](LoopLikeOpInterface loop) { (void)moveLoopInvariantCode(loop); });
    linalg::hoistRedundantVectorTransfers(region);
    if (plan.rowReduction) {
      SmallVector<scf::ForOp> loops;
      region->walk([&](scf::ForOp loop) { loops.push_back(loop); });
      for (scf::ForOp loop : loops)
        carryPartialVector(rewriter, loop);
    }

    // Vector code to 1-D loads, stores and arithmetic: unit dimensions
    // first (the multi_reduction lowering below makes 1-D reductions 2-D
    // again, which these patterns would undo), then the lowerings.
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      (void)applyPatternsGreedily(region, std::move(patterns));
    }
    {
      // Element-wise ops on n-D vectors (a transposed tile) row by row.
      RewritePatternSet patterns(ctx);
      vector::UnrollVectorOptions rows;
      rows.setNativeShapeFn(
          [](Operation *op) -> std::optional<SmallVector<int64_t>> {
            if (!OpTrait::hasElementwiseMappableTraits(op) ||
                op->getNumResults() != 1)
              return std::nullopt;
            auto type = dyn_cast<VectorType>(op->getResult(0).getType());
            if (!type || type.getRank() < 2 || type.getShape().back() == 1)
              return std::nullopt;
            SmallVector<int64_t> shape(type.getRank(), 1);
            shape.back() = type.getShape().back();
            return shape;
          });
      vector::populateVectorUnrollPatterns(patterns, rows);
      (void)applyPatternsGreedily(region, std::move(patterns));
    }
    {
      RewritePatternSet patterns(ctx);
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      vector::MultiDimReductionOp::getCanonicalizationPatterns(patterns, ctx);
      vector::ShapeCastOp::getCanonicalizationPatterns(patterns, ctx);
      vector::BroadcastOp::getCanonicalizationPatterns(patterns, ctx);
      vector::ExtractOp::getCanonicalizationPatterns(patterns, ctx);
      (void)applyPatternsGreedily(region, std::move(patterns));
    }
    {
      RewritePatternSet patterns(ctx);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateVectorMultiReductionLoweringPatterns(
          patterns, vector::VectorMultiReductionLowering::InnerReduction);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::Shuffle16x16);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      vector::populateVectorBroadcastLoweringPatterns(patterns);
      vector::populateVectorMaskOpLoweringPatterns(patterns);
      vector::populateVectorStepLoweringPatterns(patterns);
      populateVectorToSCFConversionPatterns(
          patterns, VectorTransferToSCFOptions().enableFullUnroll());
      vector::populateVectorTransferLoweringPatterns(patterns,
                                                     /*maxTransferRank=*/1);
      (void)applyPatternsGreedily(region, std::move(patterns));
    }
    allowReassociation(region);
    simplifyTiles(region);
    region->walk(
        [](LoopLikeOpInterface loop) { (void)moveLoopInvariantCode(loop); });
    {
      DominanceInfo domInfo;
      eliminateCommonSubExpressions(rewriter, domInfo, region);
    }
    inlineRegion(rewriter, region);
  }

  /// Replaces the wrapper by its contents.
  static void inlineRegion(RewriterBase &rewriter,
                           scf::ExecuteRegionOp region) {
    Block *block = &region.getRegion().front();
    rewriter.eraseOp(block->getTerminator());
    rewriter.inlineBlockBefore(block, region);
    rewriter.eraseOp(region);
  }
};
} // namespace
