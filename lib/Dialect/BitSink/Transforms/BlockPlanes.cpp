//===- BlockPlanes.cpp - store constant bit-planes blocked ------*- C++ -*-===//
//
// The bitsink-block-planes pass: sets `layout = #bitsink.layout<n_tile,
// k_tile>` on the bitplane_matmul ops of a GEMV size whose planes are a
// constant, and repacks the constant into the blocked rank-5 form
// (docs/semantics.md §2.3), so that a CPU GEMV task reads each of its column
// blocks as one sequential stream (docs/bitplane-lowering.md).
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Dialect/BitSink/Transforms/Passes.h"

#include "PackedConstants.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/ADT/DenseMap.h"

#include <cstring>
#include <vector>

namespace bitsink {
#define GEN_PASS_DEF_BITSINKBLOCKPLANES
#include "bitsink/Dialect/BitSink/Transforms/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

/// The words of an i32 constant (a splat expanded), or failure with `why`
/// (an elided or short blob).
static LogicalResult readWords(ElementsAttr attr, std::vector<uint32_t> &words,
                               std::string &why) {
  ArrayRef<char> bytes;
  bool splat = false;
  if (failed(readPackedBytes(attr, sizeof(uint32_t), "constant", bytes, splat,
                             why)))
    return failure();
  words.resize(attr.getNumElements());
  if (splat && !words.empty()) {
    uint32_t word;
    std::memcpy(&word, bytes.data(), sizeof(word));
    std::fill(words.begin(), words.end(), word);
    return success();
  }
  std::memcpy(words.data(), bytes.data(), words.size() * sizeof(uint32_t));
  return success();
}

struct BlockPlanesPass
    : bitsink::impl::BitSinkBlockPlanesBase<BlockPlanesPass> {
  using BitSinkBlockPlanesBase::BitSinkBlockPlanesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    int64_t nTile = this->nTile, kTile = this->kTile, maxRows = this->maxRows;
    if (nTile < 0 || kTile < 1) {
      module.emitError() << "bitsink-block-planes: n-tile must be at least 0 "
                            "and k-tile at least 1, got n-tile="
                         << nTile << " k-tile=" << kTile;
      return signalPassFailure();
    }
    // One blocked constant per canonical constant and tile (ops sharing a
    // weight share its blocked copy).
    llvm::DenseMap<std::pair<Attribute, int64_t>, Value> blockedOf;
    WalkResult walk = module.walk([&](BitplaneMatmulOp op) {
      if (op.getLayoutAttr() ||
          !isa<RankedTensorType>(op.getPlanes().getType()))
        return WalkResult::advance();
      auto inputType = cast<ShapedType>(op.getInput().getType());
      int64_t rows = inputType.getDimSize(0);
      if (maxRows >= 0 && (ShapedType::isDynamic(rows) || rows > maxRows)) {
        op.emitRemark() << "planes left canonical: M = "
                        << (ShapedType::isDynamic(rows) ? std::string("?")
                                                        : std::to_string(rows))
                        << " is above max-rows = " << maxRows;
        return WalkResult::advance();
      }
      auto constant = op.getPlanes().getDefiningOp<arith::ConstantOp>();
      auto attr = constant ? dyn_cast<ElementsAttr>(constant.getValue())
                           : ElementsAttr();
      if (!attr || !isa<DenseElementsAttr, DenseResourceElementsAttr>(attr)) {
        op.emitRemark() << "planes left canonical: they are not a dense or "
                           "dense_resource arith.constant";
        return WalkResult::advance();
      }
      int64_t columns = cast<ShapedType>(attr.getType()).getDimSize(2);
      int64_t opTile = nTile ? nTile : autoColumnTile(columns);
      Value &blocked = blockedOf[{attr, opTile}];
      if (!blocked) {
        FailureOr<Value> made = makeBlocked(op, constant, attr, opTile, kTile);
        if (failed(made))
          return WalkResult::interrupt();
        blocked = *made;
      }
      op.getPlanesMutable().assign(blocked);
      op.setLayoutAttr(PlaneLayoutAttr::get(&getContext(), opTile, kTile));
      if (constant->use_empty())
        constant->erase();
      return WalkResult::advance();
    });
    if (walk.wasInterrupted())
      signalPassFailure();
  }

  /// n-tile = 0: at least 8 blocks of at most 512 columns, in whole steps
  /// of 64 columns: min(512, 64·ceil(N / (8·64))).
  static int64_t autoColumnTile(int64_t n) {
    constexpr int64_t kStripCols = 512, kMinTasks = 8, kStepCols = 64;
    return std::min<int64_t>(
        kStripCols, llvm::alignTo(llvm::divideCeil(n, kMinTasks), kStepCols));
  }

  /// The copy of `attr` (canonical P × KW × N planes) blocked by `a`
  /// columns and `b` words, as a new constant next to `constant`.
  FailureOr<Value> makeBlocked(BitplaneMatmulOp op, arith::ConstantOp constant,
                               ElementsAttr attr, int64_t a, int64_t b) {
    auto type = cast<ShapedType>(attr.getType());
    int64_t numPlanes = type.getDimSize(0), kw = type.getDimSize(1),
            n = type.getDimSize(2);
    std::vector<uint32_t> canonical;
    std::string why;
    if (failed(readWords(attr, canonical, why)))
      return op.emitOpError() << "planes cannot be blocked: " << why;
    int64_t nBlocks = llvm::divideCeil(n, a), kBlocks = llvm::divideCeil(kw, b);
    // planes[nb, kb, p, w, nn] = canonical[p, kb·b + w, nb·a + nn], zero
    // padded.
    std::vector<uint32_t> words(nBlocks * kBlocks * numPlanes * b * a, 0);
    uint32_t *out = words.data();
    for (int64_t nb = 0; nb < nBlocks; ++nb)
      for (int64_t kb = 0; kb < kBlocks; ++kb)
        for (int64_t p = 0; p < numPlanes; ++p)
          for (int64_t w = 0; w < b; ++w, out += a) {
            int64_t word = kb * b + w, col = nb * a;
            if (word >= kw)
              continue;
            int64_t cols = std::min(a, n - col);
            std::memcpy(out, &canonical[(p * kw + word) * n + col],
                        cols * sizeof(uint32_t));
          }
    auto blockedType = RankedTensorType::get(
        {nBlocks, kBlocks, numPlanes, b, a}, type.getElementType());
    ElementsAttr blocked = makePackedConstant(
        blockedType,
        ArrayRef<char>(reinterpret_cast<const char *>(words.data()),
                       words.size() * sizeof(uint32_t)),
        alignof(uint32_t), "bitsink_planes_blocked");
    OpBuilder builder(constant);
    return arith::ConstantOp::create(builder, constant.getLoc(), blocked)
        .getResult();
  }
};

} // namespace
