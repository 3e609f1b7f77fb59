//===- OutlineKernels.cpp - one function per distinct CPU kernel -*- C++
//-*-===//
//
// bitsink-outline-kernels: every top-level `scf.parallel` of a function (a
// lowered kernel: a tiled contraction, a vectorised element-wise op, an
// attention or bit-plane matmul kernel) becomes a call of a private function
// that takes the values it uses as arguments; structurally identical kernels
// (the same layer repeated through a model) share one function. LLVM then
// optimises and generates each distinct kernel once instead of once per
// layer.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/SetVector.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKOUTLINEKERNELS
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
/// An outlined kernel and what identifies its body up to renaming.
struct Kernel {
  func::FuncOp func;
  llvm::hash_code hash;
};
} // namespace

/// The values `op` uses that are defined outside it, in first-use order
/// (its operands, then captures of its regions), without the results of
/// constant-like ops: those are cloned into the kernel so that it keeps
/// static bounds and shapes.
static SmallVector<Value> kernelArguments(Operation *op,
                                          SetVector<Operation *> &constants) {
  llvm::SetVector<Value> captured;
  getUsedValuesDefinedAbove(op->getRegions(), captured);
  SmallVector<Value> candidates(op->getOperands());
  candidates.append(captured.begin(), captured.end());
  llvm::SetVector<Value> used;
  for (Value value : candidates) {
    Operation *def = value.getDefiningOp();
    if (def && def->hasTrait<OpTrait::ConstantLike>())
      constants.insert(def);
    else
      used.insert(value);
  }
  return used.takeVector();
}

/// A hash of the body of `func` that ignores locations and value names.
static llvm::hash_code bodyHash(func::FuncOp func) {
  llvm::hash_code hash =
      llvm::hash_value(func.getFunctionType().getAsOpaquePointer());
  func.walk([&](Operation *op) {
    hash =
        llvm::hash_combine(hash, OperationEquivalence::computeHash(
                                     op, OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::ignoreHashValue,
                                     OperationEquivalence::IgnoreLocations));
  });
  return hash;
}

namespace {
struct OutlineKernelsPass
    : bitsink::impl::BitSinkOutlineKernelsBase<OutlineKernelsPass> {
  using Base::Base;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SymbolTable symbols(module);
    SmallVector<Kernel> kernels;
    SmallVector<func::FuncOp> funcs(module.getOps<func::FuncOp>());
    for (func::FuncOp func : funcs) {
      if (func.isExternal() || func->hasAttr(kKernelAttr))
        continue;
      SmallVector<scf::ParallelOp> roots;
      func.walk([&](scf::ParallelOp op) {
        if (!op->getParentOfType<scf::ParallelOp>())
          roots.push_back(op);
      });
      for (scf::ParallelOp root : roots)
        outline(root, func, symbols, kernels);
    }
  }

  void outline(scf::ParallelOp root, func::FuncOp parent, SymbolTable &symbols,
               SmallVector<Kernel> &kernels) {
    SetVector<Operation *> constants;
    SmallVector<Value> arguments = kernelArguments(root, constants);
    OpBuilder builder(parent);
    Location loc = root.getLoc();
    auto type = builder.getFunctionType(ValueRange(arguments).getTypes(),
                                        root.getResultTypes());
    auto func = func::FuncOp::create(
        builder, loc, (parent.getSymName() + "_kernel").str(), type);
    func.setPrivate();
    func->setAttr(kKernelAttr, builder.getUnitAttr());
    // Internal to the module once in LLVM: LLVM may inline a kernel called
    // once and drops what nothing calls.
    func->setAttr(
        "llvm.linkage",
        LLVM::LinkageAttr::get(builder.getContext(), LLVM::Linkage::Internal));
    Block *body = func.addEntryBlock();
    builder.setInsertionPointToStart(body);
    IRMapping mapping;
    for (auto [value, argument] : llvm::zip(arguments, body->getArguments()))
      mapping.map(value, argument);
    // Constants in the order the kernel first uses them: equal kernels get
    // equal bodies.
    for (Operation *constant : constants)
      builder.clone(*constant, mapping);
    Operation *clone = builder.clone(*root, mapping);
    // A loop with reductions returns their values.
    func::ReturnOp::create(builder, loc, clone->getResults());

    llvm::hash_code hash = bodyHash(func);
    func::FuncOp target;
    for (Kernel &kernel : kernels) {
      if (kernel.hash != hash ||
          kernel.func.getFunctionType() != func.getFunctionType())
        continue;
      if (OperationEquivalence::isRegionEquivalentTo(
              &kernel.func.getBody(), &func.getBody(),
              OperationEquivalence::IgnoreLocations)) {
        target = kernel.func;
        break;
      }
    }
    if (target) {
      func.erase();
    } else {
      symbols.insert(func); // Renames on collision: parent_kernel_<n>.
      kernels.push_back({func, hash});
      target = func;
    }
    OpBuilder callBuilder(root);
    auto call = func::CallOp::create(callBuilder, loc, target, arguments);
    root.replaceAllUsesWith(call.getResults());
    root.erase();
  }

  static constexpr llvm::StringLiteral kKernelAttr = "bitsink.kernel";
};
} // namespace
