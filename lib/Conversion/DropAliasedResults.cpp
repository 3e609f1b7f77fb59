//===- DropAliasedResults.cpp - in-place results through arguments -*- C++
//-*-===//

#include "bitsink/Conversion/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/SymbolTable.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKDROPALIASEDRESULTS
#include "bitsink/Conversion/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {
/// The single return of `func` (then the result list is the same on every
/// path) and, per result, the argument it is (a memref block argument of
/// the result's type) or -1.
static func::ReturnOp aliasedResults(func::FuncOp func,
                                     SmallVectorImpl<int64_t> &aliases) {
  SmallVector<func::ReturnOp> returns;
  func.walk([&](func::ReturnOp op) { returns.push_back(op); });
  if (returns.size() != 1)
    return nullptr;
  func::ReturnOp ret = returns.front();
  Block &entry = func.getBody().front();
  for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
    auto arg = dyn_cast<BlockArgument>(value);
    bool aliased = arg && arg.getOwner() == &entry &&
                   isa<BaseMemRefType>(arg.getType()) &&
                   arg.getType() == func.getResultTypes()[i];
    aliases.push_back(aliased ? static_cast<int64_t>(arg.getArgNumber())
                              : int64_t{-1});
  }
  return ret;
}

struct DropAliasedResultsPass
    : bitsink::impl::BitSinkDropAliasedResultsBase<DropAliasedResultsPass> {
  /// A private function called only by func.call (a shared decoder layer)
  /// that returns its own arguments: those results are dropped and every
  /// call uses its operand instead. Returns true if it changed `func`.
  bool dropFromCallee(func::FuncOp func, ModuleOp module) {
    if (func.isExternal() || !func.isPrivate())
      return false;
    std::optional<SymbolTable::UseRange> uses = func.getSymbolUses(module);
    if (!uses || uses->empty())
      return false;
    SmallVector<func::CallOp> calls;
    for (const SymbolTable::SymbolUse &use : *uses) {
      auto call = dyn_cast<func::CallOp>(use.getUser());
      if (!call)
        return false;
      calls.push_back(call);
    }
    SmallVector<int64_t> aliases;
    func::ReturnOp ret = aliasedResults(func, aliases);
    if (!ret || llvm::all_of(aliases, [](int64_t a) { return a < 0; }))
      return false;
    llvm::BitVector dropped(aliases.size());
    for (auto [i, alias] : llvm::enumerate(aliases))
      if (alias >= 0)
        dropped.set(i);
    for (func::CallOp call : calls) {
      OpBuilder builder(call);
      auto newCall = func::CallOp::create(
          builder, call.getLoc(), func.getSymName(),
          llvm::to_vector(llvm::make_filter_range(
              call.getResultTypes(),
              [&, i = 0](Type) mutable { return !dropped.test(i++); })),
          call.getOperands());
      newCall->setDiscardableAttrs(call->getDiscardableAttrDictionary());
      unsigned next = 0;
      for (auto [i, alias] : llvm::enumerate(aliases))
        call.getResult(i).replaceAllUsesWith(
            alias >= 0 ? call.getOperand(alias) : newCall.getResult(next++));
      call.erase();
    }
    ret->eraseOperands(dropped);
    if (failed(func.eraseResults(dropped)))
      return false;
    return true;
  }

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Callees first, until no call returns an argument any more (a callee
    // of a callee may only show its aliases once its own callee is done).
    for (bool changed = true; changed;) {
      changed = false;
      for (auto func : module.getOps<func::FuncOp>())
        changed |= dropFromCallee(func, module);
    }
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !SymbolTable::symbolKnownUseEmpty(func, module))
        continue;
      SmallVector<int64_t> aliases;
      func::ReturnOp ret = aliasedResults(func, aliases);
      if (!ret)
        continue;
      llvm::BitVector dropped(ret.getNumOperands());
      for (auto [i, alias] : llvm::enumerate(aliases))
        if (alias >= 0)
          dropped.set(i);
      if (dropped.none())
        continue;
      ret->eraseOperands(dropped);
      if (failed(func.eraseResults(dropped)))
        return signalPassFailure();
      func->setAttr("bitsink.result_aliases",
                    DenseI64ArrayAttr::get(&getContext(), aliases));
    }
  }
};
} // namespace
