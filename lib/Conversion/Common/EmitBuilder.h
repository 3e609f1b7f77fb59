//===- EmitBuilder.h - the one builder of generated kernel code -*- C++ -*-===//
//
// Every bitsink emitter, CPU and GPU, builds its index arithmetic, float
// math, constants, memory accesses and structured control flow through
// EmitBuilder; no emitter declares helpers of its own for these. Names say
// what the op does: integer division and remainder are `divS`/`divU`,
// `remU`, `ceilDivS`/`ceilDivU`; comparisons are `slt`, `ult`, ...
//
// Integer and boolean ops fold as they are built (`createOrFold`): a tile
// offset of constant operands is a constant, `x + 0` is `x`. Float ops are
// built as written (no folding that could change rounding).
//
// GPU-only builders (launches, barriers, shuffles, workgroup buffers) are in
// GPU/Common/GPUEmitBuilder.h, which extends this class.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_CONVERSION_COMMON_EMITBUILDER_H
#define BITSINK_LIB_CONVERSION_COMMON_EMITBUILDER_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/TypeUtilities.h"

#include <limits>

namespace bitsink {

/// Builders of generated code. `b` stays where the next op goes; the
/// structured builders emit their body with `b` moved into the new region
/// and restore it afterwards. Operands may be scalars or vectors of the same
/// shape (the arith ops are element-wise); `splat` broadcasts a scalar.
class EmitBuilder {
public:
  explicit EmitBuilder(mlir::ImplicitLocOpBuilder &b) : b(b) {}

  //===--------------------------------------------------------------------===//
  // Constants
  //===--------------------------------------------------------------------===//

  mlir::Value idx(int64_t v) {
    return mlir::arith::ConstantIndexOp::create(b, v);
  }
  mlir::Value boolean(bool v) {
    return mlir::arith::ConstantOp::create(b, b.getBoolAttr(v));
  }
  mlir::Value i32(int64_t v) {
    return mlir::arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
  }
  mlir::Value i64(int64_t v) {
    return mlir::arith::ConstantOp::create(b, b.getI64IntegerAttr(v));
  }
  mlir::Value f32(double v) {
    return mlir::arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  mlir::Value minusInf() {
    return f32(-std::numeric_limits<float>::infinity());
  }
  /// A constant of `type` (a scalar or vector of integers, index or floats)
  /// with every element `v`.
  mlir::Value constant(mlir::Type type, double v) {
    mlir::Type elem = mlir::getElementTypeOrSelf(type);
    mlir::TypedAttr scalar =
        llvm::isa<mlir::FloatType>(elem)
            ? mlir::TypedAttr(b.getFloatAttr(elem, v))
            : mlir::TypedAttr(b.getIntegerAttr(elem, static_cast<int64_t>(v)));
    if (auto shaped = llvm::dyn_cast<mlir::ShapedType>(type))
      return mlir::arith::ConstantOp::create(
          b, mlir::DenseElementsAttr::get(shaped, scalar));
    return mlir::arith::ConstantOp::create(b, scalar);
  }
  /// `scalar` broadcast to a vector of `lanes` elements (a constant splat
  /// when `scalar` is a constant).
  mlir::Value splat(mlir::Value scalar, int64_t lanes) {
    return b.createOrFold<mlir::vector::BroadcastOp>(
        mlir::VectorType::get({lanes}, scalar.getType()), scalar);
  }

  //===--------------------------------------------------------------------===//
  // Integers and index (folded)
  //===--------------------------------------------------------------------===//

  mlir::Value add(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::AddIOp>(x, y);
  }
  mlir::Value sub(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::SubIOp>(x, y);
  }
  mlir::Value mul(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::MulIOp>(x, y);
  }
  mlir::Value divS(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::DivSIOp>(x, y);
  }
  mlir::Value divU(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::DivUIOp>(x, y);
  }
  mlir::Value remU(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::RemUIOp>(x, y);
  }
  mlir::Value ceilDivS(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::CeilDivSIOp>(x, y);
  }
  mlir::Value ceilDivU(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::CeilDivUIOp>(x, y);
  }
  mlir::Value minS(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::MinSIOp>(x, y);
  }
  mlir::Value maxS(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::MaxSIOp>(x, y);
  }
  mlir::Value shl(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::ShLIOp>(x, y);
  }
  mlir::Value shrU(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::ShRUIOp>(x, y);
  }
  mlir::Value cmp(mlir::arith::CmpIPredicate p, mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::CmpIOp>(p, x, y);
  }
  mlir::Value eq(mlir::Value x, mlir::Value y) {
    return cmp(mlir::arith::CmpIPredicate::eq, x, y);
  }
  mlir::Value ne(mlir::Value x, mlir::Value y) {
    return cmp(mlir::arith::CmpIPredicate::ne, x, y);
  }
  mlir::Value slt(mlir::Value x, mlir::Value y) {
    return cmp(mlir::arith::CmpIPredicate::slt, x, y);
  }
  mlir::Value sle(mlir::Value x, mlir::Value y) {
    return cmp(mlir::arith::CmpIPredicate::sle, x, y);
  }
  mlir::Value sgt(mlir::Value x, mlir::Value y) {
    return cmp(mlir::arith::CmpIPredicate::sgt, x, y);
  }
  mlir::Value sge(mlir::Value x, mlir::Value y) {
    return cmp(mlir::arith::CmpIPredicate::sge, x, y);
  }
  mlir::Value ult(mlir::Value x, mlir::Value y) {
    return cmp(mlir::arith::CmpIPredicate::ult, x, y);
  }
  /// Bitwise (and on i1, logical) operations.
  mlir::Value andI(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::AndIOp>(x, y);
  }
  mlir::Value orI(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::OrIOp>(x, y);
  }
  mlir::Value xorI(mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::XOrIOp>(x, y);
  }
  /// Logical not of an i1 (or vector of i1).
  mlir::Value notI(mlir::Value x) { return xorI(x, constant(x.getType(), 1)); }
  mlir::Value select(mlir::Value c, mlir::Value x, mlir::Value y) {
    return b.createOrFold<mlir::arith::SelectOp>(c, x, y);
  }
  /// `x` (an integer or index, scalar or vector) cast to `type`'s element
  /// type, keeping `x`'s shape.
  mlir::Value indexCast(mlir::Value x, mlir::Type elem) {
    mlir::Type type = elem;
    if (auto vecType = llvm::dyn_cast<mlir::VectorType>(x.getType()))
      type = vecType.clone(elem);
    if (x.getType() == type)
      return x;
    return b.createOrFold<mlir::arith::IndexCastOp>(type, x);
  }
  mlir::Value toIndex(mlir::Value x) { return indexCast(x, b.getIndexType()); }

  //===--------------------------------------------------------------------===//
  // Floats (not folded)
  //===--------------------------------------------------------------------===//

  mlir::Value fadd(mlir::Value x, mlir::Value y) {
    return mlir::arith::AddFOp::create(b, x, y);
  }
  mlir::Value fsub(mlir::Value x, mlir::Value y) {
    return mlir::arith::SubFOp::create(b, x, y);
  }
  mlir::Value fmul(mlir::Value x, mlir::Value y) {
    return mlir::arith::MulFOp::create(b, x, y);
  }
  mlir::Value fdiv(mlir::Value x, mlir::Value y) {
    return mlir::arith::DivFOp::create(b, x, y);
  }
  /// IEEE maximum (NaN-propagating), `arith.maximumf`.
  mlir::Value fmax(mlir::Value x, mlir::Value y) {
    return mlir::arith::MaximumFOp::create(b, x, y);
  }
  /// `x > y ? x : y`: one `maxps` on x86 (`arith.maximumf` takes five
  /// without AVX-512). Not NaN-propagating: it returns `y` when either is
  /// NaN, so use it only where a NaN reaches the result another way.
  mlir::Value fmaxOrdered(mlir::Value x, mlir::Value y) {
    return select(fcmp(mlir::arith::CmpFPredicate::OGT, x, y), x, y);
  }
  mlir::Value fcmp(mlir::arith::CmpFPredicate p, mlir::Value x, mlir::Value y) {
    return mlir::arith::CmpFOp::create(b, p, x, y);
  }
  /// x·y + z as `vector.fma` (one fused instruction on the CPU).
  mlir::Value vectorFma(mlir::Value x, mlir::Value y, mlir::Value z) {
    return mlir::vector::FMAOp::create(b, x, y, z);
  }
  /// x·y + z as a multiply and an add that LLVM may contract into one fma
  /// (NVPTX always does; `math.fma` would become a libdevice call there).
  mlir::Value mulAdd(mlir::Value x, mlir::Value y, mlir::Value z) {
    auto contract = mlir::arith::FastMathFlags::contract;
    return mlir::arith::AddFOp::create(
        b, mlir::arith::MulFOp::create(b, x, y, contract), z, contract);
  }
  /// `v` (a scalar or vector of f16/bf16/f32) as f32.
  mlir::Value toF32(mlir::Value v) {
    mlir::Type f32Type = b.getF32Type();
    if (mlir::getElementTypeOrSelf(v.getType()) == f32Type)
      return v;
    mlir::Type type = f32Type;
    if (auto vecType = llvm::dyn_cast<mlir::VectorType>(v.getType()))
      type = vecType.clone(f32Type);
    return mlir::arith::ExtFOp::create(b, type, v);
  }
  /// `v` (f32, scalar or vector) rounded to the float type `elem`.
  mlir::Value fromF32(mlir::Value v, mlir::Type elem) {
    if (mlir::getElementTypeOrSelf(v.getType()) == elem)
      return v;
    mlir::Type type = elem;
    if (auto vecType = llvm::dyn_cast<mlir::VectorType>(v.getType()))
      type = vecType.clone(elem);
    return mlir::arith::TruncFOp::create(b, type, v);
  }
  /// A signed integer or index (scalar or vector) as f32 (`arith.sitofp`;
  /// an index goes through i64).
  mlir::Value intToF32(mlir::Value x) {
    if (mlir::getElementTypeOrSelf(x.getType()).isIndex())
      x = indexCast(x, b.getI64Type());
    mlir::Type type = b.getF32Type();
    if (auto vecType = llvm::dyn_cast<mlir::VectorType>(x.getType()))
      type = vecType.clone(type);
    return mlir::arith::SIToFPOp::create(b, type, x);
  }

  //===--------------------------------------------------------------------===//
  // Memory
  //===--------------------------------------------------------------------===//

  /// Size `d` of `memref`: a constant when static.
  mlir::Value dim(mlir::Value memref, int64_t d) {
    return b.createOrFold<mlir::memref::DimOp>(memref, d);
  }
  mlir::Value load(mlir::Value memref, mlir::ValueRange indices) {
    return mlir::memref::LoadOp::create(b, memref, indices);
  }
  void store(mlir::Value value, mlir::Value memref, mlir::ValueRange indices) {
    mlir::memref::StoreOp::create(b, value, memref, indices);
  }
  mlir::Value vload(mlir::VectorType type, mlir::Value memref,
                    mlir::ValueRange indices) {
    return mlir::vector::LoadOp::create(b, type, memref, indices);
  }
  void vstore(mlir::Value value, mlir::Value memref, mlir::ValueRange indices) {
    mlir::vector::StoreOp::create(b, value, memref, indices);
  }
  /// A stack buffer of static `shape` (f32 unless `elem` says otherwise).
  mlir::Value stackBuffer(llvm::ArrayRef<int64_t> shape,
                          mlir::Type elem = mlir::Type()) {
    return mlir::memref::AllocaOp::create(
        b, mlir::MemRefType::get(shape, elem ? elem : b.getF32Type()));
  }
  static mlir::Type elementType(mlir::Value shaped) {
    return llvm::cast<mlir::ShapedType>(shaped.getType()).getElementType();
  }

  //===--------------------------------------------------------------------===//
  // Structured control flow
  //===--------------------------------------------------------------------===//

  /// scf.for whose body `body(iv, iterArgs)` returns the values to yield;
  /// returns the loop results.
  template <typename Fn>
  llvm::SmallVector<mlir::Value> forLoop(mlir::Value lb, mlir::Value ub,
                                         mlir::Value step,
                                         mlir::ValueRange inits, Fn &&body) {
    auto loop = mlir::scf::ForOp::create(
        b, lb, ub, step, inits,
        [&](mlir::OpBuilder &ob, mlir::Location, mlir::Value iv,
            mlir::ValueRange iterArgs) {
          mlir::OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(ob.saveInsertionPoint());
          mlir::scf::YieldOp::create(b, body(iv, iterArgs));
        });
    return loop.getResults();
  }
  template <typename Fn>
  llvm::SmallVector<mlir::Value> forLoop(mlir::Value lb, mlir::Value ub,
                                         mlir::ValueRange inits, Fn &&body) {
    return forLoop(lb, ub, idx(1), inits, std::forward<Fn>(body));
  }
  /// A loop without results: `body(iv)`.
  template <typename Fn>
  void forEach(mlir::Value lb, mlir::Value ub, mlir::Value step, Fn &&body) {
    forLoop(lb, ub, step, {}, [&](mlir::Value iv, mlir::ValueRange) {
      body(iv);
      return llvm::SmallVector<mlir::Value>{};
    });
  }
  /// scf.parallel over [0, ubs) with `steps` (unit steps when empty):
  /// convert-scf-to-openmp makes it the kernel's one OpenMP loop.
  template <typename Fn>
  void parallelLoop(mlir::ValueRange ubs, mlir::ValueRange steps, Fn &&body) {
    llvm::SmallVector<mlir::Value> zeros(ubs.size(), idx(0));
    llvm::SmallVector<mlir::Value> stepValues(steps);
    if (stepValues.empty())
      stepValues.assign(ubs.size(), idx(1));
    mlir::scf::ParallelOp::create(
        b, zeros, ubs, stepValues,
        [&](mlir::OpBuilder &ob, mlir::Location, mlir::ValueRange ivs) {
          mlir::OpBuilder::InsertionGuard guard(b);
          b.restoreInsertionPoint(ob.saveInsertionPoint());
          body(ivs);
        });
  }
  /// Runs `body()` under `scf.if cond` (no results).
  template <typename Fn> void ifThen(mlir::Value cond, Fn &&body) {
    auto ifOp = mlir::scf::IfOp::create(b, mlir::TypeRange{}, cond,
                                        /*withElseRegion=*/false);
    mlir::OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  }
  /// scf.if with an else branch and no results: `thenFn()` and `elseFn()`
  /// emit the two branches.
  template <typename ThenFn, typename ElseFn>
  void ifThenElse(mlir::Value cond, ThenFn &&thenFn, ElseFn &&elseFn) {
    auto ifOp = mlir::scf::IfOp::create(b, mlir::TypeRange{}, cond,
                                        /*withElseRegion=*/true);
    mlir::OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    thenFn();
    b.setInsertionPointToStart(ifOp.elseBlock());
    elseFn();
  }
  /// scf.if with results of `types` (not empty: see ifThenElse); both
  /// branches return the values to yield.
  template <typename ThenFn, typename ElseFn>
  llvm::SmallVector<mlir::Value> ifElse(mlir::Value cond, mlir::TypeRange types,
                                        ThenFn &&thenFn, ElseFn &&elseFn) {
    auto ifOp = mlir::scf::IfOp::create(b, types, cond,
                                        /*withElseRegion=*/true);
    {
      mlir::OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(ifOp.thenBlock());
      mlir::scf::YieldOp::create(b, thenFn());
      b.setInsertionPointToStart(ifOp.elseBlock());
      mlir::scf::YieldOp::create(b, elseFn());
    }
    return ifOp.getResults();
  }

  mlir::ImplicitLocOpBuilder &b;
};

} // namespace bitsink

#endif // BITSINK_LIB_CONVERSION_COMMON_EMITBUILDER_H
