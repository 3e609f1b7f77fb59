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
struct DropAliasedResultsPass
    : bitsink::impl::BitSinkDropAliasedResultsBase<DropAliasedResultsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal() || !SymbolTable::symbolKnownUseEmpty(func, module))
        continue;
      // One return: the result list is then the same on every path.
      SmallVector<func::ReturnOp> returns;
      func.walk([&](func::ReturnOp op) { returns.push_back(op); });
      if (returns.size() != 1)
        continue;
      func::ReturnOp ret = returns.front();
      Block &entry = func.getBody().front();
      SmallVector<int64_t> aliases;
      llvm::BitVector dropped(ret.getNumOperands());
      for (auto [i, value] : llvm::enumerate(ret.getOperands())) {
        auto arg = dyn_cast<BlockArgument>(value);
        bool aliased = arg && arg.getOwner() == &entry &&
                       isa<BaseMemRefType>(arg.getType()) &&
                       arg.getType() == func.getResultTypes()[i];
        aliases.push_back(aliased ? static_cast<int64_t>(arg.getArgNumber())
                                  : int64_t{-1});
        if (aliased)
          dropped.set(i);
      }
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
