//===- HostToDeviceMemory.cpp - host buffers become device buffers --------===//
//
// In bitsink-nvptx-pipeline every memref that host code passes around is
// device memory (entry arguments are device pointers, the kernel lowerings
// allocate with gpu.alloc). This pass makes the rest of the host code agree:
// buffers from bufferization move to the device, copies become device copies
// and constants get a device copy. What would make the host dereference a
// device pointer is rejected here, with the op's location, instead of
// crashing at run time.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkDialect.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/PatternMatch.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPUHOSTTODEVICEMEMORY
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;

namespace {

/// Ops of host code (outside kernels) in program order; gpu.launch bodies
/// and gpu.module contents are device code and are not visited.
SmallVector<Operation *> collectHostOps(ModuleOp module) {
  SmallVector<Operation *> ops;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (isa<gpu::GPUModuleOp>(op))
      return WalkResult::skip();
    if (op != module.getOperation())
      ops.push_back(op);
    // Launch bodies are device code already; the bodies of linalg ops
    // become kernels (a gather's memref.load there reads device memory).
    if (isa<gpu::LaunchOp, linalg::LinalgOp>(op))
      return WalkResult::skip();
    return WalkResult::advance();
  });
  return ops;
}

/// A gpu.memcpy (lowered to one mgpuMemcpy) needs dense row-major buffers.
bool isDenseIdentity(Type type) {
  auto memref = dyn_cast<MemRefType>(type);
  return memref && memref.getLayout().isIdentity();
}

/// A fill of a dense buffer with 16- or 32-bit elements is one
/// cuMemsetD16/D32 (any rank, 0-d included, where no kernel would be made).
bool isMemsetFill(linalg::FillOp fill) {
  if (!fill.hasPureBufferSemantics() || fill.getOutputs().size() != 1)
    return false;
  auto type = dyn_cast<MemRefType>(fill.getOutputs()[0].getType());
  if (!type || !type.getLayout().isIdentity() ||
      !type.getElementType().isIntOrFloat())
    return false;
  unsigned bits = type.getElementType().getIntOrFloatBitWidth();
  return (bits == 16 || bits == 32) &&
         fill.getInputs()[0].getType() == type.getElementType();
}

LogicalResult checkHostOp(Operation *op) {
  if (isa_and_nonnull<bitsink::BitSinkDialect>(op->getDialect()))
    return op->emitOpError()
           << "has no GPU lowering: bitsink-nvptx-pipeline cannot compile it "
              "(bitsink-cpu-pipeline can)";
  if (isa<memref::LoadOp, memref::StoreOp, affine::AffineLoadOp,
          affine::AffineStoreOp, vector::TransferReadOp,
          vector::TransferWriteOp, vector::LoadOp, vector::StoreOp>(op))
    return op->emitOpError()
           << "reads or writes a buffer in host code, but buffers are device "
              "memory in bitsink-nvptx-pipeline";
  if (isa<memref::AllocaOp>(op))
    return op->emitOpError()
           << "allocates on the host stack, but kernels need device memory";
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op)) {
    if (linalgOp.getNumParallelLoops() == 0)
      return op->emitOpError()
             << "has no parallel dimension to map to GPU threads (it would "
                "run as a host loop over device memory)";
  }
  return success();
}

struct HostToDeviceMemoryPass
    : bitsink::impl::BitSinkGPUHostToDeviceMemoryBase<HostToDeviceMemoryPass> {
  void runOnOperation() override {
    IRRewriter rewriter(&getContext());
    bool failed = false;
    for (Operation *op : collectHostOps(getOperation())) {
      if (auto fill = dyn_cast<linalg::FillOp>(op);
          fill && isMemsetFill(fill)) {
        rewriter.setInsertionPoint(fill);
        gpu::MemsetOp::create(rewriter, fill.getLoc(), Type(), ValueRange(),
                              fill.getOutputs()[0], fill.getInputs()[0]);
        rewriter.eraseOp(fill);
        continue;
      }
      if (::mlir::failed(checkHostOp(op))) {
        failed = true;
        continue;
      }
      rewriter.setInsertionPoint(op);
      Location loc = op->getLoc();
      if (auto alloc = dyn_cast<memref::AllocOp>(op)) {
        rewriter.replaceOpWithNewOp<gpu::AllocOp>(
            alloc, alloc.getType(), /*asyncToken=*/Type(), ValueRange(),
            alloc.getDynamicSizes(), alloc.getSymbolOperands(),
            /*hostShared=*/false);
      } else if (auto dealloc = dyn_cast<memref::DeallocOp>(op)) {
        rewriter.replaceOpWithNewOp<gpu::DeallocOp>(
            dealloc, /*asyncToken=*/Type(), ValueRange(), dealloc.getMemref());
      } else if (auto copy = dyn_cast<memref::CopyOp>(op)) {
        if (isDenseIdentity(copy.getSource().getType()) &&
            isDenseIdentity(copy.getTarget().getType()))
          rewriter.replaceOpWithNewOp<gpu::MemcpyOp>(
              copy, /*asyncToken=*/Type(), ValueRange(), copy.getTarget(),
              copy.getSource());
        else
          rewriter.replaceOpWithNewOp<linalg::CopyOp>(
              copy, ValueRange{copy.getSource()}, ValueRange{copy.getTarget()});
      } else if (auto global = dyn_cast<memref::GetGlobalOp>(op)) {
        copyGlobalToDevice(rewriter, global, loc);
      }
    }
    if (failed)
      signalPassFailure();
  }

  /// A constant bufferizes to a host global: kernels get a device copy,
  /// made where the global is read and freed before the block ends.
  void copyGlobalToDevice(IRRewriter &rewriter, memref::GetGlobalOp global,
                          Location loc) {
    rewriter.setInsertionPointAfter(global);
    auto type = cast<MemRefType>(global.getType());
    auto device = gpu::AllocOp::create(rewriter, loc, type, Type(),
                                       ValueRange(), ValueRange(), ValueRange(),
                                       /*hostShared=*/false);
    rewriter.replaceAllUsesExcept(global.getResult(), device.getMemref(),
                                  device);
    gpu::MemcpyOp::create(rewriter, loc, Type(), ValueRange(),
                          device.getMemref(), global.getResult());
    rewriter.setInsertionPoint(global->getBlock()->getTerminator());
    gpu::DeallocOp::create(rewriter, loc, Type(), ValueRange(),
                           device.getMemref());
  }
};

} // namespace
