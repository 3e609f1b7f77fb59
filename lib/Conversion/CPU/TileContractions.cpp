//===- TileContractions.cpp - tiled, vectorised linalg matmuls --*- C++ -*-===//
//
// bitsink-tile-contractions: matmul-like linalg ops on buffers become a
// parallel loop over cache tiles of C, a loop over K slabs, and register
// tiles of C kept in vectors across the K loop, each K step one broadcast
// FMA per register-tile row. Built from upstream linalg tiling, loop peeling,
// linalg::vectorize, transfer hoisting and vector lowering patterns.
//
//===----------------------------------------------------------------------===//

#include "TilingSupport.h"
#include "bitsink/Conversion/Passes.h"
#include "bitsink/Support/OptionChecks.h"

#include "mlir/Conversion/VectorToSCF/VectorToSCF.h"
#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/Dialect/SCF/Transforms/Transforms.h"
#include "mlir/Dialect/Vector/Transforms/LoweringPatterns.h"
#include "mlir/Dialect/Vector/Transforms/VectorRewritePatterns.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/LoopLikeInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/CSE.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "mlir/Transforms/LoopInvariantCodeMotionUtils.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallBitVector.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKTILECONTRACTIONS
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using bitsink::simplifyTiles;
using bitsink::tileAndErase;

/// Marks the register-tile linalg ops between tiling and vectorisation
/// (peeling clones them, attributes included).
static constexpr llvm::StringLiteral kRegisterTileAttr =
    "bitsink.register_tile";

namespace {
/// The loop dimensions of a contraction. The M, N and K dimensions that are
/// tiled (`m`, `n`, `k`) are the innermost ones of C (M, N) and A (K); the
/// other M and N dimensions are tiled by 1 like batch dimensions, the other
/// K dimensions by 1 in the register loop nest.
struct ContractionLoops {
  SmallVector<unsigned> unitTiled; // batch, outer M, outer N
  SmallVector<unsigned> outerK;
  unsigned m, n, k;
};
} // namespace

/// The dimension of `dims` that appears last among the results of `map`.
static unsigned innermostOf(ArrayRef<unsigned> dims, AffineMap map) {
  unsigned best = dims.front();
  int bestPos = -1;
  for (unsigned dim : dims) {
    std::optional<unsigned> pos =
        map.getResultPosition(getAffineDimExpr(dim, map.getContext()));
    if (pos && static_cast<int>(*pos) > bestPos) {
      bestPos = *pos;
      best = dim;
    }
  }
  return best;
}

/// Merges the loop dimensions of each class (batch, M, N, K) that every
/// operand indexes as one run in the same order, e.g. the (batch, token) rows
/// of a 16 x 16-token FFN projection into 256 rows, or a (head, head-dim)
/// output into one N dimension. Otherwise the outer ones would be tiled by 1
/// and a cache tile of 64 rows would hold 16. Upstream
/// linalg::collapseOpIterationDims rewrites the op on memref.collapse_shape
/// views; only identity-layout buffers are collapsed (always contiguous).
static linalg::LinalgOp collapseContiguousDims(RewriterBase &rewriter,
                                               linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || !isa<linalg::GenericOp>(op) ||
      op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(op))
    return op;
  for (Value operand : op->getOperands()) {
    auto type = dyn_cast<MemRefType>(operand.getType());
    if (!type || !type.getLayout().isIdentity())
      return op;
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims))
    return op;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  SmallVector<ReassociationIndices> groups;
  auto addGroup = [&](ArrayRef<unsigned> cls, AffineMap map) {
    if (cls.size() < 2)
      return;
    // Consecutive loop dimensions, listed in that order by `map`: the
    // precondition of collapseOpIterationDims.
    ReassociationIndices group;
    for (unsigned dim : cls)
      group.push_back(dim);
    llvm::sort(group);
    for (size_t i = 1; i < group.size(); ++i)
      if (group[i] != group[i - 1] + 1)
        return;
    std::optional<unsigned> first =
        map.getResultPosition(getAffineDimExpr(group.front(), op.getContext()));
    if (!first)
      return;
    for (size_t i = 0; i < group.size(); ++i)
      if (*first + i >= map.getNumResults() ||
          map.getResult(*first + i) !=
              getAffineDimExpr(group[i], op.getContext()))
        return;
    groups.push_back(group);
  };
  addGroup(dims->batch, maps[2]);
  addGroup(dims->m, maps[2]);
  addGroup(dims->n, maps[2]);
  addGroup(dims->k, maps[0]);
  if (groups.empty())
    return op;
  // Every other operand must see each group as one run too.
  SmallVector<ReassociationIndices> preserved;
  for (ReassociationIndices &group : groups)
    if (linalg::areDimSequencesPreserved(maps, {group}))
      preserved.push_back(group);
  if (preserved.empty())
    return op;
  rewriter.setInsertionPoint(op);
  FailureOr<linalg::CollapseResult> collapsed =
      linalg::collapseOpIterationDims(op, preserved, rewriter);
  if (failed(collapsed))
    return op;
  rewriter.eraseOp(op);
  return collapsed->collapsedOp;
}

/// A float contraction on buffers with the same element type everywhere (no
/// mixed-precision accumulation) and at least one M, N and K dimension.
static std::optional<ContractionLoops> matchContraction(linalg::LinalgOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInputs() != 2 ||
      op.getNumDpsInits() != 1 || !linalg::isaContractionOpInterface(op))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty() ||
      dims->batch.size() + dims->m.size() + dims->n.size() + dims->k.size() !=
          static_cast<size_t>(op.getNumLoops()))
    return std::nullopt;
  Type element = getElementTypeOrSelf(op.getDpsInits()[0].getType());
  if (!isa<FloatType>(element))
    return std::nullopt;
  for (Value operand : op->getOperands())
    if (getElementTypeOrSelf(operand.getType()) != element)
      return std::nullopt;
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  ContractionLoops loops;
  loops.m = innermostOf(dims->m, maps[2]);
  loops.n = innermostOf(dims->n, maps[2]);
  loops.k = innermostOf(dims->k, maps[0]);
  loops.unitTiled.assign(dims->batch.begin(), dims->batch.end());
  for (unsigned dim : dims->m)
    if (dim != loops.m)
      loops.unitTiled.push_back(dim);
  for (unsigned dim : dims->n)
    if (dim != loops.n)
      loops.unitTiled.push_back(dim);
  for (unsigned dim : dims->k)
    if (dim != loops.k)
      loops.outerK.push_back(dim);
  return loops;
}

/// Whether `op` and the ops nested in it at most read memory.
static bool onlyReads(Operation *op) {
  WalkResult result = op->walk([](Operation *nested) {
    if (nested->hasTrait<OpTrait::HasRecursiveMemoryEffects>())
      return WalkResult::advance();
    auto effects = dyn_cast<MemoryEffectOpInterface>(nested);
    if (!effects)
      return WalkResult::interrupt();
    SmallVector<MemoryEffects::EffectInstance> instances;
    effects.getEffects(instances);
    for (const MemoryEffects::EffectInstance &effect : instances)
      if (!isa<MemoryEffects::Read>(effect.getEffect()))
        return WalkResult::interrupt();
    return WalkResult::advance();
  });
  return !result.wasInterrupted();
}

/// Keeps a register tile of C in vectors across the K loop `loop`: when the
/// body reads C with one transfer_read and writes it back with one
/// transfer_write at the same loop-invariant indices, and does nothing else
/// with memory except read other buffers, the read moves before the loop,
/// the tile becomes an iteration argument and the write moves after it.
/// (`linalg::hoistRedundantVectorTransfers` also refuses when any access to
/// the C buffer follows the loop, which the peeled remainder tiles are.) A
/// loop without iterations then writes back what it read: same values, and
/// no other thread owns this tile.
static void hoistAccumulator(RewriterBase &rewriter, scf::ForOp loop) {
  vector::TransferWriteOp write;
  SmallVector<vector::TransferReadOp> reads;
  for (Operation &op : loop.getBody()->without_terminator()) {
    if (auto w = dyn_cast<vector::TransferWriteOp>(op)) {
      if (write)
        return;
      write = w;
    } else if (auto r = dyn_cast<vector::TransferReadOp>(op)) {
      reads.push_back(r);
    } else if (!onlyReads(&op)) {
      return;
    }
  }
  if (!write || write.getMask() || !isa<MemRefType>(write.getBase().getType()))
    return;
  vector::TransferReadOp read;
  for (vector::TransferReadOp r : reads) {
    if (r.getBase() != write.getBase())
      continue;
    if (read || r.getIndices() != write.getIndices() ||
        r.getVectorType() != write.getVectorType() ||
        r.getPermutationMap() != write.getPermutationMap() || r.getMask())
      return;
    read = r;
  }
  if (!read || !loop.isDefinedOutsideOfLoop(write.getBase()) ||
      !llvm::all_of(
          write.getIndices(),
          [&](Value index) { return loop.isDefinedOutsideOfLoop(index); }) ||
      !loop.isDefinedOutsideOfLoop(read.getPadding()))
    return;
  for (Operation *user : write.getBase().getUsers())
    if (user != read && user != write && loop->isAncestor(user))
      return;
  rewriter.moveOpBefore(read, loop);
  Value tile = write.getVector();
  FailureOr<LoopLikeOpInterface> hoisted = loop.replaceWithAdditionalYields(
      rewriter, read.getResult(), /*replaceInitOperandUsesInLoop=*/true,
      [&](OpBuilder &, Location, ArrayRef<BlockArgument>) {
        return SmallVector<Value>{tile};
      });
  if (failed(hoisted))
    return;
  Operation *newLoop = hoisted->getOperation();
  rewriter.moveOpAfter(write, newLoop);
  rewriter.modifyOpInPlace(write, [&] {
    write.getValueToStoreMutable().assign(newLoop->getResults().back());
  });
}

/// Rewrites a static register tile whose loops other than `m`, `n` and `k`
/// all have extent 1 (batch, outer M/N/K dimensions tiled by 1) as an
/// (M x N x K) contraction on rank-reduced sub-views: linalg.matmul for the
/// plain form, else a linalg.generic (vectorised through
/// vector.multi_reduction, turned back into a vector.contract later).
/// Its vectorisation is then one plain vector.contract; the unit dimensions
/// would otherwise stay in every vector shape and, in the middle of a shape,
/// keep the contraction from lowering to outer products. (Upstream
/// linalg::dropUnitDims does not apply to these buffer operands.)
/// linalg::specializeGenericOp for a generic with exactly linalg.matmul's
/// default indexing maps (MLIR 22 also "specialises" transposed forms into a
/// linalg.matmul with the default maps, which does not verify).
static linalg::LinalgOp specializeMatmul(RewriterBase &rewriter,
                                         linalg::GenericOp generic) {
  MLIRContext *ctx = generic.getContext();
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  SmallVector<AffineMap> matmulMaps = {AffineMap::get(3, 0, {m, k}, ctx),
                                       AffineMap::get(3, 0, {k, n}, ctx),
                                       AffineMap::get(3, 0, {m, n}, ctx)};
  if (generic.getIndexingMapsArray() != matmulMaps)
    return generic;
  rewriter.setInsertionPoint(generic);
  FailureOr<linalg::LinalgOp> named =
      linalg::specializeGenericOp(rewriter, generic);
  return succeeded(named) ? *named : linalg::LinalgOp(generic);
}

static linalg::LinalgOp flattenTile(RewriterBase &rewriter,
                                    linalg::LinalgOp tile, unsigned m,
                                    unsigned n, unsigned k) {
  SmallVector<int64_t> ranges = tile.getStaticLoopRanges();
  if (ranges.size() == 3) {
    auto generic = dyn_cast<linalg::GenericOp>(tile.getOperation());
    return generic ? specializeMatmul(rewriter, generic) : tile;
  }
  for (auto [dim, size] : llvm::enumerate(ranges))
    if (dim != m && dim != n && dim != k && size != 1)
      return tile;
  MLIRContext *ctx = tile->getContext();
  llvm::SmallDenseMap<unsigned, unsigned> newDim = {{m, 0}, {n, 1}, {k, 2}};
  Location loc = tile.getLoc();
  rewriter.setInsertionPoint(tile);
  SmallVector<Value> operands;
  SmallVector<AffineMap> maps;
  for (OpOperand &operand : tile->getOpOperands()) {
    auto type = cast<MemRefType>(operand.get().getType());
    AffineMap map = tile.getMatchingIndexingMap(&operand);
    SmallVector<AffineExpr> exprs;
    SmallVector<int64_t> shape;
    for (auto [pos, expr] : llvm::enumerate(map.getResults())) {
      auto dim = dyn_cast<AffineDimExpr>(expr);
      if (!dim)
        return tile;
      auto it = newDim.find(dim.getPosition());
      if (it == newDim.end())
        continue;
      exprs.push_back(getAffineDimExpr(it->second, ctx));
      shape.push_back(type.getDimSize(pos));
    }
    SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> strides(type.getRank(), rewriter.getIndexAttr(1));
    SmallVector<OpFoldResult> sizes;
    for (int64_t size : type.getShape())
      sizes.push_back(rewriter.getIndexAttr(size));
    auto reducedType = memref::SubViewOp::inferRankReducedResultType(
        shape, type, offsets, sizes, strides);
    operands.push_back(memref::SubViewOp::create(
        rewriter, loc, reducedType, operand.get(), offsets, sizes, strides));
    maps.push_back(AffineMap::get(3, 0, exprs, ctx));
  }
  SmallVector<utils::IteratorType> iterators = {utils::IteratorType::parallel,
                                                utils::IteratorType::parallel,
                                                utils::IteratorType::reduction};
  auto generic = linalg::GenericOp::create(
      rewriter, loc, TypeRange{}, ValueRange(operands).take_front(2),
      ValueRange(operands).take_back(1), maps, iterators);
  rewriter.cloneRegionBefore(tile->getRegion(0), generic.getRegion(),
                             generic.getRegion().begin());
  rewriter.eraseOp(tile);
  return specializeMatmul(rewriter, generic);
}

/// The ops of `body` that `value` depends on (in block order) and the block
/// arguments it reads; fails if it reads `forbidden`, a linalg.index or an op
/// that is not pure.
static LogicalResult
collectOperandSlice(Block &body, Value value, BlockArgument forbidden,
                    llvm::SetVector<Operation *> &ops,
                    llvm::SmallSetVector<unsigned, 4> &args) {
  SmallVector<Value> worklist = {value};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    if (auto arg = dyn_cast<BlockArgument>(v)) {
      if (arg.getOwner() != &body)
        continue; // Defined above the op.
      if (arg == forbidden)
        return failure();
      args.insert(arg.getArgNumber());
      continue;
    }
    Operation *def = v.getDefiningOp();
    if (def->getBlock() != &body)
      continue;
    if (isa<linalg::IndexOp>(def) || !isPure(def) || def->getNumRegions())
      return failure();
    if (ops.insert(def))
      llvm::append_range(worklist, def->getOperands());
  }
  SmallVector<unsigned> sortedArgs(args.begin(), args.end());
  llvm::sort(sortedArgs);
  args.clear();
  args.insert(sortedArgs.begin(), sortedArgs.end());
  SmallVector<Operation *> sorted(ops.begin(), ops.end());
  llvm::sort(sorted,
             [](Operation *a, Operation *b) { return a->isBeforeInBlock(b); });
  ops.clear();
  ops.insert(sorted.begin(), sorted.end());
  return success();
}

/// Splits a multiply-accumulate generic whose factors are computed from its
/// inputs (an elementwise producer that linalg-fuse-elementwise-ops fused
/// into a matmul, e.g. GELU before the second FFN projection) into
/// generics computing each such factor once per element into a new buffer,
/// and a plain contraction of the factors. Fused, the factor is recomputed
/// for every output column; split, the contraction is tiled and vectorised.
/// Only when all loop ranges are static and the split op is a contraction.
static void splitPrologue(RewriterBase &rewriter, linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0 || op.hasDynamicShape() ||
      !llvm::all_of(op.getIndexingMapsArray(),
                    [](AffineMap map) { return map.isProjectedPermutation(); }))
    return;
  Block &body = op.getRegion().front();
  BlockArgument acc = body.getArguments().back();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  auto add = yield.getValues()[0].getDefiningOp<arith::AddFOp>();
  if (!add)
    return;
  Value product = add.getLhs() == acc ? add.getRhs() : add.getLhs();
  if ((add.getLhs() != acc && add.getRhs() != acc) || product == acc)
    return;
  auto mul = product.getDefiningOp<arith::MulFOp>();
  if (!mul || mul->getBlock() != &body || !mul->hasOneUse() ||
      !add->hasOneUse())
    return;
  Value factors[2] = {mul.getLhs(), mul.getRhs()};
  llvm::SetVector<Operation *> sliceOps[2];
  llvm::SmallSetVector<unsigned, 4> sliceArgs[2];
  for (int i = 0; i < 2; ++i)
    if (failed(collectOperandSlice(body, factors[i], acc, sliceOps[i],
                                   sliceArgs[i])) ||
        sliceArgs[i].empty())
      return;
  if (sliceOps[0].empty() && sliceOps[1].empty())
    return; // Already a plain contraction (or not one at all).

  // Loop dimensions each factor depends on, in loop order.
  MLIRContext *ctx = op.getContext();
  unsigned numLoops = op.getNumLoops();
  SmallVector<AffineMap> inputMaps = op.getIndexingMapsArray();
  SmallVector<unsigned> factorDims[2];
  SmallVector<AffineMap> newMaps;
  for (int i = 0; i < 2; ++i) {
    llvm::SmallBitVector used(numLoops);
    for (unsigned arg : sliceArgs[i])
      for (AffineExpr expr : inputMaps[arg].getResults())
        used.set(cast<AffineDimExpr>(expr).getPosition());
    SmallVector<AffineExpr> exprs;
    for (unsigned dim = 0; dim < numLoops; ++dim)
      if (used.test(dim)) {
        factorDims[i].push_back(dim);
        exprs.push_back(getAffineDimExpr(dim, ctx));
      }
    newMaps.push_back(AffineMap::get(numLoops, 0, exprs, ctx));
  }
  newMaps.push_back(inputMaps.back());
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(newMaps);
  if (failed(dims) || dims->m.empty() || dims->n.empty() || dims->k.empty())
    return;

  Location loc = op.getLoc();
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  SmallVector<Value> newInputs;
  SmallVector<Value> temporaries;
  rewriter.setInsertionPoint(op);
  for (int i = 0; i < 2; ++i) {
    if (sliceOps[i].empty()) {
      // A plain input: read it as it is.
      unsigned arg = sliceArgs[i].front();
      newInputs.push_back(op.getDpsInputs()[arg]);
      newMaps[i] = inputMaps[arg];
      continue;
    }
    SmallVector<int64_t> shape;
    llvm::SmallDenseMap<unsigned, unsigned> position;
    for (unsigned dim : factorDims[i]) {
      position[dim] = shape.size();
      shape.push_back(ranges[dim]);
    }
    auto type = MemRefType::get(shape, factors[i].getType());
    Value buffer = memref::AllocOp::create(rewriter, loc, type);
    temporaries.push_back(buffer);
    // factor[dims] = f(inputs) over the factor's own dimensions.
    SmallVector<Value> producerInputs;
    SmallVector<AffineMap> producerMaps;
    for (unsigned arg : sliceArgs[i]) {
      producerInputs.push_back(op.getDpsInputs()[arg]);
      SmallVector<AffineExpr> exprs;
      for (AffineExpr expr : inputMaps[arg].getResults())
        exprs.push_back(getAffineDimExpr(
            position[cast<AffineDimExpr>(expr).getPosition()], ctx));
      producerMaps.push_back(AffineMap::get(shape.size(), 0, exprs, ctx));
    }
    producerMaps.push_back(
        AffineMap::getMultiDimIdentityMap(shape.size(), ctx));
    SmallVector<utils::IteratorType> parallel(shape.size(),
                                              utils::IteratorType::parallel);
    auto producer =
        linalg::GenericOp::create(rewriter, loc, TypeRange{}, producerInputs,
                                  ValueRange{buffer}, producerMaps, parallel);
    Block *producerBody = rewriter.createBlock(&producer.getRegion());
    IRMapping mapping;
    for (unsigned arg : sliceArgs[i])
      mapping.map(
          body.getArgument(arg),
          producerBody->addArgument(body.getArgument(arg).getType(), loc));
    producerBody->addArgument(factors[i].getType(), loc);
    for (Operation *sliceOp : sliceOps[i])
      rewriter.clone(*sliceOp, mapping);
    linalg::YieldOp::create(rewriter, loc, mapping.lookup(factors[i]));
    rewriter.setInsertionPoint(op);
    newInputs.push_back(buffer);
  }
  SmallVector<utils::IteratorType> iterators = op.getIteratorTypesArray();
  auto contraction =
      linalg::GenericOp::create(rewriter, loc, TypeRange{}, newInputs,
                                op.getDpsInits(), newMaps, iterators);
  Block *newBody = rewriter.createBlock(&contraction.getRegion());
  Value lhs = newBody->addArgument(factors[0].getType(), loc);
  Value rhs = newBody->addArgument(factors[1].getType(), loc);
  Value out = newBody->addArgument(acc.getType(), loc);
  Value newProduct =
      arith::MulFOp::create(rewriter, loc, lhs, rhs, mul.getFastmathAttr());
  Value sum = add.getLhs() == acc
                  ? arith::AddFOp::create(rewriter, loc, out, newProduct,
                                          add.getFastmathAttr())
                  : arith::AddFOp::create(rewriter, loc, newProduct, out,
                                          add.getFastmathAttr());
  linalg::YieldOp::create(rewriter, loc, sum);
  rewriter.setInsertionPointAfter(op);
  for (Value buffer : temporaries)
    memref::DeallocOp::create(rewriter, loc, buffer);
  rewriter.eraseOp(op);
}

/// packingPays: the packed tile of B must be read by at least this many
/// register tiles of rows.
static constexpr int64_t kPackMinRowTiles = 8;
/// With a packed B, the tiles per parallel task shrink until a static
/// contraction has at least this many tasks.
static constexpr int64_t kMinPackedTasks = 6;
/// packingPays: B must not fit in this many bytes (about an L1 data
/// cache).
static constexpr int64_t kPackMinRhsBytes = 32 * 1024;
/// packingPays: rows of B at least this many bytes apart (N >= 256 for
/// f32). Measured from N = 384 up (docs/cpu-matmul.md).
static constexpr int64_t kPackMinRowStrideBytes = 1024;

/// The B operand of `op` when it can be packed: a memref whose innermost
/// stride is 1, indexed (unit-tiled dims..., k, n), or (..., n, k) (B laid
/// out N x K, `x Wᵀ`: `transposed`, packed by a transposing copy), and no
/// other K dimension (those are tiled by 1 only in the register loops).
static OpOperand *packableRhs(linalg::LinalgOp op,
                              const ContractionLoops &loops, bool &transposed) {
  if (!loops.outerK.empty())
    return nullptr;
  OpOperand *rhs = op.getDpsInputOperand(1);
  auto type = dyn_cast<MemRefType>(rhs->get().getType());
  AffineMap map = op.getMatchingIndexingMap(rhs);
  unsigned rank = map.getNumResults();
  if (!type || rank < 2 || !map.isProjectedPermutation())
    return nullptr;
  unsigned second = map.getDimPosition(rank - 2);
  unsigned last = map.getDimPosition(rank - 1);
  transposed = second == loops.n && last == loops.k;
  if (!transposed && (second != loops.k || last != loops.n))
    return nullptr;
  for (unsigned i = 0; i + 2 < rank; ++i)
    if (!llvm::is_contained(loops.unitTiled, map.getDimPosition(i)))
      return nullptr;
  SmallVector<int64_t> strides;
  int64_t offset;
  if (failed(type.getStridesAndOffset(strides, offset)) || strides.back() != 1)
    return nullptr;
  return rhs;
}

/// The cost rule of `packRhsTile` on the whole contraction `op` (before
/// tiling): pack where the rows of B lie at least kPackMinRowStrideBytes
/// apart (or at an unknown stride) and a K x N cache tile of B is not
/// already one contiguous block, where B does not fit in L1 as it is, and
/// where the copy is amortised: every element of the packed tile is read by
/// at least `minRows` rows of C (a dynamic M counts as large).
static bool packingPays(linalg::LinalgOp op, const ContractionLoops &loops,
                        OpOperand *rhs, bool transposed, int64_t tileN,
                        int64_t tileK, int64_t minRows) {
  SmallVector<int64_t> ranges = op.getStaticLoopRanges();
  auto extent = [&](unsigned dim, int64_t tile) {
    return ShapedType::isDynamic(ranges[dim]) ? tile
                                              : std::min(ranges[dim], tile);
  };
  int64_t rows = ranges[loops.m];
  if (!ShapedType::isDynamic(rows) && rows < minRows)
    return false;
  if (extent(loops.k, tileK) < 2)
    return false;
  Type element = getElementTypeOrSelf(rhs->get().getType());
  int64_t elementBytes =
      std::max<int64_t>(1, element.getIntOrFloatBitWidth() / 8);
  if (!ShapedType::isDynamic(ranges[loops.k]) &&
      !ShapedType::isDynamic(ranges[loops.n]) &&
      ranges[loops.k] * ranges[loops.n] * elementBytes <= kPackMinRhsBytes)
    return false;
  // Unpacked, an N x K B is read one lane per column.
  if (transposed)
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  (void)cast<MemRefType>(rhs->get().getType())
      .getStridesAndOffset(strides, offset);
  int64_t rowStride = strides[strides.size() - 2];
  if (ShapedType::isDynamic(rowStride))
    return true;
  return rowStride > extent(loops.n, tileN) &&
         rowStride * elementBytes >= kPackMinRowStrideBytes;
}

/// Elements of `element` in a 64-byte cache line (at least one).
static int64_t cacheLineElements(Type element) {
  return std::max<int64_t>(1, 64 * 8 / element.getIntOrFloatBitWidth());
}

/// The offsets of the sub-view `view` (a chain of unit-stride sub-views of
/// the same rank) into `base`, or nothing for another chain.
static std::optional<SmallVector<OpFoldResult>>
offsetsIn(OpBuilder &b, Location loc, Value view, Value base) {
  int64_t rank = cast<MemRefType>(view.getType()).getRank();
  SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0));
  AffineExpr d0, d1;
  bindDims(b.getContext(), d0, d1);
  while (view != base) {
    auto subview = view.getDefiningOp<memref::SubViewOp>();
    if (!subview || subview.getSourceType().getRank() != rank ||
        !subview.hasUnitStride())
      return std::nullopt;
    for (auto [total, offset] :
         llvm::zip_equal(offsets, subview.getMixedOffsets()))
      total = affine::makeComposedFoldedAffineApply(b, loc, d0 + d1,
                                                    {total, offset});
    view = subview.getSource();
  }
  return offsets;
}

/// Prefetches, into L2, the tile of B that the packing copy after the one
/// at `view` will read: the next K slab of the same columns, or after the
/// last slab the first one of the next `tileN` columns (the next task along
/// N, which the same thread usually runs next). `view` is the K x N (or,
/// `transposed`, N x K) sub-view of `base` that the current copy reads.
/// Emitted after that copy, the prefetches run while the register tiles
/// work on the packed tile, and the next copy finds B in L2 instead of
/// memory (the copy is otherwise a burst of cache misses that the register
/// loops wait for). Nothing is emitted when `view` is not a chain of
/// unit-stride sub-views of `base`.
static void prefetchNextRhsTile(RewriterBase &rewriter, Location loc,
                                Value view, Value base, bool transposed,
                                int64_t tileK, int64_t tileN) {
  std::optional<SmallVector<OpFoldResult>> offsets =
      offsetsIn(rewriter, loc, view, base);
  if (!offsets)
    return;
  int64_t rank = offsets->size();
  unsigned kDim = transposed ? rank - 1 : rank - 2;
  unsigned nDim = transposed ? rank - 2 : rank - 1;
  auto index = [&](int64_t v) {
    return arith::ConstantIndexOp::create(rewriter, loc, v).getResult();
  };
  auto value = [&](OpFoldResult v) {
    return getValueOrCreateConstantIndexOp(rewriter, loc, v);
  };
  Value k0 = value((*offsets)[kDim]), n0 = value((*offsets)[nDim]);
  Value kSize = memref::DimOp::create(rewriter, loc, base, kDim);
  Value nSize = memref::DimOp::create(rewriter, loc, base, nDim);
  Value kNext = arith::AddIOp::create(rewriter, loc, k0, index(tileK));
  Value sameColumns = arith::CmpIOp::create(
      rewriter, loc, arith::CmpIPredicate::slt, kNext, kSize);
  Value kBegin =
      arith::SelectOp::create(rewriter, loc, sameColumns, kNext, index(0));
  Value nBegin = arith::SelectOp::create(
      rewriter, loc, sameColumns, n0,
      arith::AddIOp::create(rewriter, loc, n0, index(tileN)));
  Value kEnd = arith::MinSIOp::create(
      rewriter, loc, arith::AddIOp::create(rewriter, loc, kBegin, index(tileK)),
      kSize);
  Value nEnd = arith::MinSIOp::create(
      rewriter, loc, arith::AddIOp::create(rewriter, loc, nBegin, index(tileN)),
      nSize);
  // One prefetch per cache line of each row of the tile in B's layout:
  // rows are K (or N, transposed), lines along the contiguous dimension.
  int64_t lineElements = cacheLineElements(getElementTypeOrSelf(base));
  auto [rowBegin, rowEnd, colBegin, colEnd] =
      transposed ? std::tuple(nBegin, nEnd, kBegin, kEnd)
                 : std::tuple(kBegin, kEnd, nBegin, nEnd);
  SmallVector<Value> leading;
  for (int64_t i = 0; i + 2 < rank; ++i)
    leading.push_back(value((*offsets)[i]));
  scf::ForOp::create(
      rewriter, loc, rowBegin, rowEnd, index(1), ValueRange{},
      [&](OpBuilder &b, Location l, Value row, ValueRange) {
        scf::ForOp::create(
            b, l, colBegin, colEnd, index(lineElements), ValueRange{},
            [&](OpBuilder &b2, Location l2, Value col, ValueRange) {
              SmallVector<Value> indices(leading);
              indices.append({row, col});
              memref::PrefetchOp::create(b2, l2, base, indices,
                                         /*isWrite=*/false,
                                         /*localityHint=*/2,
                                         /*isDataCache=*/true);
              scf::YieldOp::create(b2, l2);
            });
        scf::YieldOp::create(b, l);
      });
}

/// Copies the B tile of the K-slab op `slabOp` (a sub-view of B at the
/// slab's K and N offsets) into a contiguous buffer of the cache tile's size
/// and lets `slabOp` read that instead. The buffer is allocated once per
/// cache tile, before the K loop `kLoop`, aligned to a cache line, and
/// freed after it; each K slab refills it with a linalg.copy (or, for an
/// N x K B, a linalg.transpose), which bitsink-vectorize-linalg, later in
/// the pipeline, turns into whole-vector row copies (masked for the last
/// columns of a partial tile) or register-tile transposes. The register tiles
/// of all the cache tile's rows then read the tile from one block of (at most)
/// `tileK` x `tileN` elements, rows a padded `tileN` apart, instead of rows B's
/// row stride apart.
static linalg::LinalgOp packRhsTile(RewriterBase &rewriter,
                                    linalg::LinalgOp slabOp, Operation *kLoop,
                                    bool transposed, int64_t tileK,
                                    int64_t tileN, Value rhsBase,
                                    bool prefetchNext) {
  Location loc = slabOp.getLoc();
  OpOperand &rhs = *slabOp.getDpsInputOperand(1);
  Value view = rhs.get();
  auto viewType = cast<MemRefType>(view.getType());
  int64_t rank = viewType.getRank();
  for (int64_t i = 0; i + 2 < rank; ++i)
    if (viewType.getDimSize(i) != 1)
      return slabOp;
  // The slab's tile of B is at most tileK x tileN; rows padded to whole
  // cache lines, so that each starts on one.
  Type element = viewType.getElementType();
  int64_t lineElements = cacheLineElements(element);
  SmallVector<int64_t> shape(viewType.getShape());
  shape[rank - 2] = tileK;
  shape[rank - 1] = llvm::alignTo(tileN, lineElements);
  rewriter.setInsertionPoint(kLoop);
  Value buffer =
      memref::AllocOp::create(rewriter, loc, MemRefType::get(shape, element),
                              rewriter.getI64IntegerAttr(64));
  rewriter.setInsertionPointAfter(kLoop);
  memref::DeallocOp::create(rewriter, loc, buffer);

  rewriter.setInsertionPoint(slabOp);
  SmallVector<OpFoldResult> sizes = memref::getMixedSizes(rewriter, loc, view);
  if (transposed)
    std::swap(sizes[rank - 2], sizes[rank - 1]);
  SmallVector<OpFoldResult> zeros(rank, rewriter.getIndexAttr(0));
  SmallVector<OpFoldResult> ones(rank, rewriter.getIndexAttr(1));
  auto packedType = memref::SubViewOp::inferResultType(
      cast<MemRefType>(buffer.getType()), zeros, sizes, ones);
  Value packed = memref::SubViewOp::create(
      rewriter, loc, cast<MemRefType>(packedType), buffer, zeros, sizes, ones);

  if (transposed) {
    // packed = viewᵀ; the slab then reads B as K x N.
    SmallVector<int64_t> permutation =
        llvm::to_vector(llvm::seq<int64_t>(0, rank));
    std::swap(permutation[rank - 2], permutation[rank - 1]);
    linalg::TransposeOp::create(rewriter, loc, view, packed, permutation);
    if (prefetchNext)
      prefetchNextRhsTile(rewriter, loc, view, rhsBase, transposed, tileK,
                          tileN);
    linalg::LinalgOp reader = slabOp;
    if (!isa<linalg::GenericOp>(slabOp.getOperation())) {
      FailureOr<linalg::GenericOp> generic =
          linalg::generalizeNamedOp(rewriter, slabOp);
      if (failed(generic))
        return slabOp; // The transposed copy is then unused: still correct.
      reader = *generic;
    }
    auto generic = cast<linalg::GenericOp>(reader.getOperation());
    SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
    AffineMap map = maps[1];
    SmallVector<AffineExpr> results(map.getResults());
    std::swap(results[rank - 2], results[rank - 1]);
    maps[1] = AffineMap::get(map.getNumDims(), map.getNumSymbols(), results,
                             map.getContext());
    rewriter.modifyOpInPlace(generic, [&] {
      generic.setIndexingMapsAttr(rewriter.getAffineMapArrayAttr(maps));
      generic->setOperand(1, packed);
    });
    return generic;
  }

  // packed = view.
  linalg::CopyOp::create(rewriter, loc, view, packed);
  if (prefetchNext)
    prefetchNextRhsTile(rewriter, loc, view, rhsBase, transposed, tileK, tileN);
  rewriter.modifyOpInPlace(slabOp, [&] { rhs.set(packed); });
  return slabOp;
}

namespace {
struct TileContractionsPass
    : bitsink::impl::BitSinkTileContractionsBase<TileContractionsPass> {
  using Base::Base;

  void runOnOperation() override {
    if (failed(bitsink::OptionChecker("bitsink-tile-contractions")
                   .positive("cache-tile-m", cacheTileM)
                   .positive("cache-tile-n", cacheTileN)
                   .positive("cache-tile-k", cacheTileK)
                   .positive("register-tile-m", registerTileM)
                   .positive("register-tile-n", registerTileN)
                   .positive("pack-tile-m", packTileM)
                   .oneOf("pack-rhs", packRhs, {"auto", "always", "never"})
                   .emit(getOperation())))
      return signalPassFailure();

    IRRewriter rewriter(&getContext());
    SmallVector<linalg::GenericOp> generics;
    getOperation()->walk([&](linalg::GenericOp op) { generics.push_back(op); });
    for (linalg::GenericOp op : generics)
      splitPrologue(rewriter, op);

    SmallVector<linalg::GenericOp> contractions;
    getOperation()->walk(
        [&](linalg::GenericOp op) { contractions.push_back(op); });
    for (linalg::GenericOp op : contractions)
      (void)collapseContiguousDims(rewriter, op);

    SmallVector<std::pair<linalg::LinalgOp, ContractionLoops>> candidates;
    getOperation()->walk([&](linalg::LinalgOp op) {
      if (std::optional<ContractionLoops> loops = matchContraction(op))
        candidates.emplace_back(op, *loops);
    });

    for (auto &[op, loops] : candidates) {
      if (failed(tileOne(rewriter, op, loops)))
        return signalPassFailure();
    }
  }

  /// The (rows, columns) of C per parallel task when B is packed: rows
  /// pack-tile-m, so that a packed tile of B serves many rows, columns
  /// cache-tile-n. While a contraction of static size would have fewer than
  /// kMinPackedTasks tasks (threads waiting on the last ones), the columns
  /// are halved first, down to two register tiles, then the rows, down to
  /// cache-tile-m: halving the columns keeps each packed tile serving all
  /// the rows.
  std::pair<int64_t, int64_t> packedTaskTiles(linalg::LinalgOp op,
                                              const ContractionLoops &loops) {
    SmallVector<int64_t> ranges = op.getStaticLoopRanges();
    int64_t rows = packTileM, cols = cacheTileN;
    if (llvm::any_of(ranges, ShapedType::isDynamic))
      return {rows, cols};
    int64_t unitTasks = 1; // Tasks along the dimensions tiled by 1.
    for (unsigned dim : loops.unitTiled)
      unitTasks *= ranges[dim];
    auto tasks = [&]() -> int64_t {
      return llvm::divideCeil(ranges[loops.m], rows) *
             llvm::divideCeil(ranges[loops.n], cols) * unitTasks;
    };
    while (tasks() < kMinPackedTasks) {
      if (cols / 2 >= 2 * registerTileN && cols / 2 < ranges[loops.n])
        cols /= 2;
      else if (rows / 2 >= cacheTileM && rows / 2 < ranges[loops.m])
        rows /= 2;
      else
        break;
    }
    return {rows, cols};
  }

  LogicalResult tileOne(RewriterBase &rewriter, linalg::LinalgOp op,
                        const ContractionLoops &loops) {
    unsigned rank = op.getNumLoops();
    Location loc = op.getLoc();
    SmallVector<int64_t> staticRanges = op.getStaticLoopRanges();
    bool transposed = false;
    OpOperand *rhs =
        packRhs == "never" ? nullptr : packableRhs(op, loops, transposed);
    bool pack =
        rhs && (packRhs == "always" ||
                packingPays(op, loops, rhs, transposed, cacheTileN, cacheTileK,
                            kPackMinRowTiles * registerTileM));
    Value rhsBase = pack ? rhs->get() : Value();

    // 1. Cache tiles of (batch, M, N) as one scf.parallel, or as scf.for
    // loops when the contraction already runs inside an scf.parallel (a
    // kernel that emits one per parallel task, e.g. the bit-plane GEMM): a
    // nested parallel loop would become a nested omp.parallel, entered once
    // per task and run by one thread.
    SmallVector<int64_t> sizes(rank, 0);
    for (unsigned dim : loops.unitTiled)
      sizes[dim] = 1;
    auto [taskRows, taskCols] =
        pack ? packedTaskTiles(op, loops)
             : std::pair<int64_t, int64_t>(cacheTileM, cacheTileN);
    sizes[loops.m] = taskRows;
    sizes[loops.n] = taskCols;
    linalg::LinalgTilingLoopType cacheLoops =
        op->getParentOfType<scf::ParallelOp>()
            ? linalg::LinalgTilingLoopType::Loops
            : linalg::LinalgTilingLoopType::ParallelLoops;
    FailureOr<linalg::TiledLinalgOp> outer =
        tileAndErase(rewriter, op, sizes, {}, cacheLoops);
    if (failed(outer) || outer->loops.empty())
      return emitError(loc, "bitsink-tile-contractions: cannot tile the "
                            "parallel dimensions of this contraction");
    Operation *root = outer->loops.front();

    // 2. K slabs.
    sizes.assign(rank, 0);
    sizes[loops.k] = cacheTileK;
    FailureOr<linalg::TiledLinalgOp> slab = tileAndErase(
        rewriter, outer->op, sizes, {}, linalg::LinalgTilingLoopType::Loops);
    if (failed(slab))
      return emitError(loc, "bitsink-tile-contractions: cannot tile the "
                            "reduction dimension of this contraction");
    if (pack && !slab->loops.empty()) {
      // The buffer holds the largest tile of B: the cache tile, or the whole
      // K or N of a contraction of smaller static size.
      auto bound = [](int64_t range, int64_t tile) {
        return ShapedType::isDynamic(range) ? tile : std::min(range, tile);
      };
      slab->op = packRhsTile(
          rewriter, slab->op, slab->loops.front(), transposed,
          bound(staticRanges[loops.k], cacheTileK),
          bound(staticRanges[loops.n], taskCols), rhsBase, prefetchRhs);
    }

    // 3. Register tiles M x N x 1, K innermost so that the C tile stays in
    // registers across it.
    sizes.assign(rank, 0);
    sizes[loops.m] = registerTileM;
    sizes[loops.n] = registerTileN;
    for (unsigned dim : loops.outerK)
      sizes[dim] = 1;
    sizes[loops.k] = 1;
    SmallVector<unsigned> interchange(loops.unitTiled);
    interchange.append({loops.m, loops.n});
    interchange.append(loops.outerK);
    interchange.push_back(loops.k);
    FailureOr<linalg::TiledLinalgOp> reg =
        tileAndErase(rewriter, slab->op, sizes, interchange,
                     linalg::LinalgTilingLoopType::Loops);
    if (failed(reg))
      return emitError(loc, "bitsink-tile-contractions: cannot tile this "
                            "contraction to register tiles");
    reg->op->setAttr(kRegisterTileAttr, rewriter.getUnitAttr());

    // Peel the N then M register loops: the main loops then cover full
    // tiles only (static shapes after simplification), the remainders keep
    // their dynamic shapes.
    SmallVector<scf::ForOp> registerLoops;
    for (Operation *loop : reg->loops)
      if (auto forOp = dyn_cast<scf::ForOp>(loop))
        registerLoops.push_back(forOp);
    if (registerLoops.size() >= 3) {
      scf::ForOp partial;
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, registerLoops[1],
                                              partial);
      (void)scf::peelForLoopAndSimplifyBounds(rewriter, registerLoops[0],
                                              partial);
    }
    simplifyTiles(root);

    // 4. Vectorise the full (static) register tiles.
    SmallVector<linalg::LinalgOp> tiles;
    root->walk([&](linalg::LinalgOp tile) {
      if (tile->hasAttr(kRegisterTileAttr))
        tiles.push_back(tile);
    });
    for (linalg::LinalgOp tile : tiles) {
      tile->removeAttr(kRegisterTileAttr);
      if (tile.hasDynamicShape())
        continue;
      tile = flattenTile(rewriter, tile, loops.m, loops.n, loops.k);
      rewriter.setInsertionPoint(tile);
      FailureOr<linalg::VectorizationResult> result = linalg::vectorize(
          rewriter, tile, /*inputVectorSizes=*/{},
          /*inputScalableVecDims=*/{}, /*vectorizeNDExtract=*/false,
          /*flatten1DDepthwiseConv=*/false,
          /*assumeDynamicDimsMatchVecSizes=*/false,
          /*createNamedContraction=*/true);
      if (failed(result))
        continue; // Stays a linalg op: scalar loops later.
      rewriter.eraseOp(tile);
    }

    // 5. vector.contract for generics too; transfers on the base buffers (not
    // sub-views) so that the C tile's read/write pair can be hoisted out of the
    // K loop into loop-carried vectors.
    {
      RewritePatternSet patterns(&getContext());
      memref::populateFoldMemRefAliasOpPatterns(patterns);
      // Generics vectorise to broadcasts, a multiply and a multi_reduction:
      // back to one vector.contract.
      vector::populateVectorReductionToContractPatterns(patterns);
      (void)applyPatternsGreedily(root, std::move(patterns));
    }
    {
      DominanceInfo domInfo;
      eliminateCommonSubExpressions(rewriter, domInfo, root);
    }
    root->walk(
        [](LoopLikeOpInterface loop) { (void)moveLoopInvariantCode(loop); });
    SmallVector<scf::ForOp> kLoops;
    root->walk([&](scf::ForOp loop) { kLoops.push_back(loop); });
    for (scf::ForOp loop : kLoops)
      hoistAccumulator(rewriter, loop);

    // 6. vector.contract -> outer products -> broadcast FMAs; n-D transfers
    // unrolled into 1-D loads and stores.
    {
      RewritePatternSet patterns(&getContext());
      vector::populateVectorContractLoweringPatterns(
          patterns, vector::VectorContractLowering::OuterProduct);
      vector::populateVectorOuterProductLoweringPatterns(patterns);
      vector::populateVectorTransposeLoweringPatterns(
          patterns, vector::VectorTransposeLowering::EltWise);
      vector::populateVectorTransferPermutationMapLoweringPatterns(patterns);
      vector::populateCastAwayVectorLeadingOneDimPatterns(patterns);
      vector::populateVectorShapeCastLoweringPatterns(patterns);
      populateVectorToSCFConversionPatterns(
          patterns, VectorTransferToSCFOptions().enableFullUnroll());
      vector::populateVectorTransferLoweringPatterns(patterns,
                                                     /*maxTransferRank=*/1);
      (void)applyPatternsGreedily(root, std::move(patterns));
    }
    simplifyTiles(root);
    return success();
  }
};
} // namespace
