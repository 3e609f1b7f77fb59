//===- ProfileInstrument.cpp - time every kernel of a program --*- C++ -*-===//
//
// bitsink-profile-instrument: wraps each kernel of the bufferized program in
// bitsink_profile_begin(id) / bitsink_profile_end(id) calls and records a
// label per id in the module's `bitsink.profile_labels`. The runtime that
// counts (lib/Execution/Profile.cpp) and the table it prints are described
// in docs/profiling.md.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../Common/EmitBuilder.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKPROFILEINSTRUMENT
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

constexpr llvm::StringLiteral kBeginName = "bitsink_profile_begin";
constexpr llvm::StringLiteral kEndName = "bitsink_profile_end";
constexpr llvm::StringLiteral kLabelsAttrName = "bitsink.profile_labels";

/// Whether `op` is one kernel by itself: a linalg or bitsink op, a copy, a
/// call of an external function, or a parallel loop (its body runs on
/// other threads, where the runtime does not count).
bool isKernel(Operation *op, SymbolTableCollection &symbols) {
  Dialect *dialect = op->getDialect();
  if (dialect && isa<linalg::LinalgDialect, BitSinkDialect>(dialect))
    return true;
  if (isa<memref::CopyOp, scf::ParallelOp, scf::ForallOp>(op))
    return true;
  if (auto call = dyn_cast<func::CallOp>(op)) {
    auto callee =
        symbols.lookupNearestSymbolFrom<func::FuncOp>(op, call.getCalleeAttr());
    return callee && callee.isExternal() && callee.getName() != kBeginName &&
           callee.getName() != kEndName;
  }
  return false;
}

/// "16x96" ("scalar" for rank 0, "?" for a dynamic size).
std::string shapeText(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (auto [i, size] : llvm::enumerate(shape))
    text +=
        (i ? "x" : "") +
        (ShapedType::isDynamic(size) ? std::string("?") : std::to_string(size));
  return text;
}

std::string typeText(Type type) {
  std::string text;
  llvm::raw_string_ostream os(text);
  os << type;
  return text;
}

/// "model.mlir:12:5" (the file's base name), with the name of a NameLoc
/// in front; empty when the location holds neither.
std::string locationText(Location loc) {
  std::string name, place;
  loc->walk([&](Location nested) {
    if (auto named = dyn_cast<NameLoc>(nested)) {
      if (name.empty())
        name = named.getName().str();
    } else if (auto file = dyn_cast<FileLineColLoc>(nested)) {
      if (place.empty())
        place = (llvm::sys::path::filename(file.getFilename().getValue()) +
                 ":" + Twine(file.getLine()) + ":" + Twine(file.getColumn()))
                    .str();
    }
    return WalkResult::advance();
  });
  if (!name.empty() && !place.empty())
    return "\"" + name + "\" " + place;
  return name.empty() ? place : "\"" + name + "\"";
}

/// Whether the body of `generic` yields `out + a * b` with a != b (also a
/// contraction with more inputs than two, e.g. a bias and an activation
/// fused in).
bool isMultiplyAccumulate(linalg::GenericOp generic) {
  if (generic.getNumDpsInits() != 1)
    return false;
  Operation *add =
      generic.getBody()->getTerminator()->getOperand(0).getDefiningOp();
  if (!isa_and_nonnull<arith::AddFOp, arith::AddIOp>(add))
    return false;
  Value out = generic.getRegionOutputArgs()[0];
  for (unsigned i : {0u, 1u}) {
    if (add->getOperand(i) != out)
      continue;
    // Not a square (a sum of squares is a reduction).
    Operation *mul = add->getOperand(1 - i).getDefiningOp();
    return isa_and_nonnull<arith::MulFOp, arith::MulIOp>(mul) &&
           mul->getOperand(0) != mul->getOperand(1);
  }
  return false;
}

/// "elementwise(3 ops: arith.subf, math.exp, arith.divf)" for a
/// linalg.generic: its kind and the ops of its body (the first four
/// names), or "copy" for one that only moves elements. A contraction is a
/// reduction whose body multiplies and accumulates, whatever else it
/// computes (an activation fused into it).
std::string genericKind(linalg::GenericOp generic) {
  StringRef kind = "elementwise";
  if (generic.getNumReductionLoops() > 0)
    kind = isMultiplyAccumulate(generic) ? "contraction" : "reduction";
  llvm::SetVector<StringRef> names;
  unsigned count = 0;
  for (Operation &op : generic.getBody()->without_terminator()) {
    ++count;
    names.insert(op.getName().getStringRef());
  }
  // Only a yield: a copy, broadcast or transpose.
  if (count == 0 && generic.getNumReductionLoops() == 0)
    return "copy";
  std::string text =
      (kind + "(" + Twine(count) + " op" + (count == 1 ? "" : "s")).str();
  for (auto [i, name] : llvm::enumerate(names)) {
    if (i == 4) {
      text += ", ...";
      break;
    }
    text += (i ? ", " : ": ") + name.str();
  }
  return text + ")";
}

/// The label of kernel `op`: op name, kind, shape, element type, location.
std::string kernelLabel(Operation *op) {
  std::string text = op->getName().getStringRef().str();
  SmallVector<std::string> parts;
  auto shapedOperand = [&](unsigned index) -> ShapedType {
    return index < op->getNumOperands()
               ? dyn_cast<ShapedType>(op->getOperand(index).getType())
               : ShapedType();
  };
  if (auto call = dyn_cast<func::CallOp>(op)) {
    parts.push_back("@" + call.getCallee().str());
  } else if (auto attention = dyn_cast<SinkAttentionOp>(op)) {
    auto query = cast<ShapedType>(attention.getQuery().getType());
    auto key = cast<ShapedType>(attention.getKey().getType());
    parts.push_back("q " + shapeText(query.getShape()));
    parts.push_back("kv " + shapeText(key.getShape()));
    parts.push_back(typeText(query.getElementType()));
  } else if (auto append = dyn_cast<CacheAppendOp>(op)) {
    auto keys = cast<ShapedType>(append.getNewKeys().getType());
    auto cache = cast<ShapedType>(append.getKeyCache().getType());
    parts.push_back(shapeText(keys.getShape()));
    parts.push_back("into " + shapeText(cache.getShape()));
    parts.push_back(typeText(cache.getElementType()));
  } else if (auto bitplane = dyn_cast<BitplaneMatmulOp>(op)) {
    // M x N x K as for linalg.matmul, then the plane count.
    auto input = cast<ShapedType>(bitplane.getInput().getType());
    auto acc = cast<ShapedType>(bitplane.getAcc().getType());
    auto planes = cast<ShapedType>(bitplane.getPlanes().getType());
    parts.push_back(shapeText({acc.getDimSize(0), acc.getDimSize(1),
                               input.getDimSize(input.getRank() - 1)}));
    parts.push_back(typeText(input.getElementType()));
    parts.push_back(std::to_string(planes.getDimSize(0)) + " planes");
    if (int64_t subBlock = bitplane.getSubBlockRows())
      parts.push_back("codes/" + std::to_string(subBlock));
  } else if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (auto generic = dyn_cast<linalg::GenericOp>(op))
      parts.push_back(genericKind(generic));
    parts.push_back(shapeText(linalgOp.getStaticLoopRanges()));
    if (linalgOp.getNumDpsInits() > 0)
      parts.push_back(
          typeText(getElementTypeOrSelf(linalgOp.getDpsInits()[0].getType())));
  } else if (ShapedType shaped = shapedOperand(0)) {
    parts.push_back(shapeText(shaped.getShape()));
    parts.push_back(typeText(shaped.getElementType()));
  } else if (op->getNumRegions() > 0 &&
             !isa<scf::ParallelOp, scf::ForallOp>(op)) {
    parts.push_back("loop nest");
  }
  for (const std::string &part : parts)
    text += " " + part;
  std::string place = locationText(op->getLoc());
  if (!place.empty())
    text += " (" + place + ")";
  return text;
}

struct ProfileInstrumentPass
    : bitsink::impl::BitSinkProfileInstrumentBase<ProfileInstrumentPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    if (module->hasAttr(kLabelsAttrName)) {
      module.emitError() << getArgument()
                         << ": the module is already instrumented (it has `"
                         << kLabelsAttrName << "`)";
      return signalPassFailure();
    }
    if (failed(declareRuntime(module)))
      return signalPassFailure();

    SymbolTableCollection symbols;
    SmallVector<Attribute> labels;
    for (auto func : llvm::to_vector(module.getOps<func::FuncOp>()))
      if (!func.isExternal())
        instrumentRegion(func.getBody(), symbols, labels);
    module->setAttr(kLabelsAttrName, ArrayAttr::get(&getContext(), labels));
  }

  /// Declares the two runtime functions (private, `(i64) -> ()`), or checks
  /// declarations that are already there.
  LogicalResult declareRuntime(ModuleOp module) {
    auto type = FunctionType::get(&getContext(),
                                  {IntegerType::get(&getContext(), 64)}, {});
    for (StringRef name : {kBeginName, kEndName}) {
      Operation *existing = SymbolTable::lookupSymbolIn(module, name);
      if (auto func = dyn_cast_or_null<func::FuncOp>(existing);
          func && func.isExternal() && func.getFunctionType() == type)
        continue;
      if (existing)
        return existing->emitError()
               << getArgument() << ": @" << name
               << " is taken; the profile runtime declares it as an external "
               << "function of type " << type;
      OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
      auto func = func::FuncOp::create(b, module.getLoc(), name, type);
      func.setPrivate();
    }
    return success();
  }

  /// Wraps each kernel of `region`, entering region ops that hold kernels.
  void instrumentRegion(Region &region, SymbolTableCollection &symbols,
                        SmallVectorImpl<Attribute> &labels) {
    for (Block &block : region)
      for (Operation &op : llvm::make_early_inc_range(block)) {
        if (isKernel(&op, symbols)) {
          wrap(&op, labels);
          continue;
        }
        if (op.getNumRegions() == 0)
          continue;
        bool holdsKernels = false;
        op.walk([&](Operation *nested) {
          if (nested != &op && isKernel(nested, symbols)) {
            holdsKernels = true;
            return WalkResult::interrupt();
          }
          return WalkResult::advance();
        });
        if (!holdsKernels) {
          wrap(&op, labels);
          continue;
        }
        for (Region &nested : op.getRegions())
          instrumentRegion(nested, symbols, labels);
      }
  }

  void wrap(Operation *op, SmallVectorImpl<Attribute> &labels) {
    int64_t id = labels.size();
    labels.push_back(StringAttr::get(&getContext(), kernelLabel(op)));
    ImplicitLocOpBuilder b(op->getLoc(), op);
    Value idValue = EmitBuilder(b).i64(id);
    func::CallOp::create(b, kBeginName, TypeRange(), idValue);
    b.setInsertionPointAfter(op);
    func::CallOp::create(b, kEndName, TypeRange(), idValue);
  }
};

} // namespace
