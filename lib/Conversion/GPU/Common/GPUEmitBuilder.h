//===- GPUEmitBuilder.h - EmitBuilder plus GPU kernel builders --*- C++ -*-===//
//
// What every GPU emitter needs beyond EmitBuilder: one way to launch a
// kernel (host-side guard against empty grids included), workgroup
// (shared-memory) buffers, barriers, warp shuffles and CTA-strided loops.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_GPU_COMMON_GPUEMITBUILDER_H
#define BITSINK_LIB_CONVERSION_GPU_COMMON_GPUEMITBUILDER_H

#include "../../Common/EmitBuilder.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

namespace bitsink {

/// Threads of a warp on every NVIDIA GPU bitsink targets.
constexpr int64_t kWarpSize = 32;

/// Grid or block extents of a launch.
struct LaunchDims {
  mlir::Value x, y, z;
};

class GPUEmitBuilder : public EmitBuilder {
public:
  using EmitBuilder::EmitBuilder;

  /// A memref of `shape` x `elem` in workgroup (shared) memory.
  mlir::MemRefType workgroupBuffer(llvm::ArrayRef<int64_t> shape,
                                   mlir::Type elem) {
    auto space = mlir::gpu::AddressSpaceAttr::get(
        b.getContext(), mlir::gpu::AddressSpace::Workgroup);
    return mlir::MemRefType::get(shape, elem, mlir::MemRefLayoutAttrInterface{},
                                 space);
  }

  /// Emits `gpu.launch` on `grid` with `block` threads and the workgroup
  /// buffers `shared`; `body(launch)` emits the kernel (the terminator is
  /// added here). A grid with an extent known to be 0 is not launched; one
  /// that may be 0 at run time is guarded by `scf.if` on the host (CUDA
  /// rejects empty launches).
  template <typename Fn>
  void launch(LaunchDims grid, int64_t blockX, int64_t blockY,
              llvm::ArrayRef<mlir::Type> shared, Fn &&body) {
    llvm::SmallVector<mlir::Value> extents{grid.x, grid.y, grid.z};
    mlir::Value nonEmpty;
    for (mlir::Value extent : extents) {
      std::optional<int64_t> fixed = mlir::getConstantIntValue(extent);
      if (fixed && *fixed == 0)
        return;
      if (fixed)
        continue;
      mlir::Value positive = sgt(extent, idx(0));
      nonEmpty = nonEmpty ? andI(nonEmpty, positive) : positive;
    }
    mlir::OpBuilder::InsertionGuard guard(b);
    if (nonEmpty) {
      auto ifOp = mlir::scf::IfOp::create(b, mlir::TypeRange{}, nonEmpty,
                                          /*withElseRegion=*/false);
      b.setInsertionPointToStart(ifOp.thenBlock());
    }
    auto launchOp = mlir::gpu::LaunchOp::create(
        b, grid.x, grid.y, grid.z, idx(blockX), idx(blockY), idx(1),
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/mlir::ValueRange{}, shared);
    b.setInsertionPointToStart(&launchOp.getBody().front());
    body(launchOp);
    mlir::gpu::TerminatorOp::create(b);
  }

  void barrier() { mlir::gpu::BarrierOp::create(b); }

  /// A device buffer of `type` (`gpu.alloc` in host code); `dynamicSizes`
  /// are the extents of its dynamic dimensions, in order.
  mlir::Value deviceAlloc(mlir::MemRefType type,
                          mlir::ValueRange dynamicSizes) {
    return mlir::gpu::AllocOp::create(b, type, /*asyncToken=*/mlir::Type(),
                                      /*asyncDependencies=*/mlir::ValueRange{},
                                      dynamicSizes,
                                      /*symbolOperands=*/mlir::ValueRange{})
        .getMemref();
  }
  /// Frees a deviceAlloc buffer (`gpu.dealloc` in host code).
  void deviceDealloc(mlir::Value buffer) {
    mlir::gpu::DeallocOp::create(b, /*asyncToken=*/mlir::Type(),
                                 /*asyncDependencies=*/mlir::ValueRange{},
                                 buffer);
  }

  /// `vector.load` of `type` at `memref[indices]` declared aligned to
  /// `align` (the caller guarantees it): NVPTX makes a vector access one
  /// ld.v* / st.v* only when it knows the alignment.
  mlir::Value alignedLoad(mlir::VectorType type, mlir::Value memref,
                          mlir::ValueRange indices, llvm::MaybeAlign align) {
    return mlir::vector::LoadOp::create(b, type, memref, indices,
                                        /*nontemporal=*/false, align);
  }
  /// `vector.store` of `value` at `memref[indices]`, aligned as alignedLoad.
  void alignedStore(mlir::Value value, mlir::Value memref,
                    mlir::ValueRange indices, llvm::MaybeAlign align) {
    mlir::vector::StoreOp::create(b, value, memref, indices,
                                  /*nontemporal=*/false, align);
  }
  /// The elements of the 1-D vector `vec`, in order.
  llvm::SmallVector<mlir::Value> extractAll(mlir::Value vec) {
    int64_t lanes = llvm::cast<mlir::VectorType>(vec.getType()).getDimSize(0);
    llvm::SmallVector<mlir::Value> elements;
    for (int64_t i = 0; i < lanes; ++i)
      elements.push_back(mlir::vector::ExtractOp::create(b, vec, i));
    return elements;
  }

  /// `x` combined (max or sum) with its `shuffle-xor` partners at each of
  /// `offsets` within the warp.
  mlir::Value butterfly(mlir::Value x, llvm::ArrayRef<int32_t> offsets,
                        bool isMax) {
    for (int32_t offset : offsets) {
      mlir::Value other =
          mlir::gpu::ShuffleOp::create(b, x, offset, kWarpSize,
                                       mlir::gpu::ShuffleMode::XOR)
              .getShuffleResult();
      x = isMax ? fmax(x, other) : fadd(x, other);
    }
    return x;
  }

  /// `for (e = tid; e < total; e += threads) body(e)`: a CTA-wide strided
  /// walk whose consecutive threads take consecutive elements.
  template <typename Fn>
  void ctaStrided(mlir::Value tid, mlir::Value total, int64_t threads,
                  Fn &&body) {
    forEach(tid, total, idx(threads), std::forward<Fn>(body));
  }
};

/// Fails, with the error "<message><type>" on `op`, when an operand of `op`
/// is a memref whose layout is not the identity: the GPU kernels index
/// their buffers as dense rows (cp.async, vector loads and stores). Creates
/// no IR.
inline mlir::LogicalResult checkIdentityLayouts(mlir::Operation *op,
                                                llvm::StringRef message) {
  for (mlir::Value operand : op->getOperands())
    if (auto type = llvm::dyn_cast<mlir::MemRefType>(operand.getType());
        type && !type.getLayout().isIdentity())
      return op->emitOpError(message) << type;
  return mlir::success();
}

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_GPU_COMMON_GPUEMITBUILDER_H
