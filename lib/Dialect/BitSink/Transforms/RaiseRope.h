//===- RaiseRope.h - element evaluation and RoPE for raise-attention -*- C++
//-*-===//
//
// Two helpers of bitsink-raise-attention (RaiseAttention.cpp):
//
// - ElementEvaluator computes single elements of tensors written in linalg
//   on tensors from constants, or as affine functions of the elements of one
//   "root" tensor. The pass uses it to prove facts from values rather than
//   from the spelling of the IR: that an additive bias is a causal mask, and
//   that Q and K are rotary embeddings of un-rotated tensors.
// - matchRope finds a RoPE applied to the Q and K operands of an attention
//   and recovers the `#bitsink.rope` attribute that reproduces it
//   (docs/rope-in-graphs.md).
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_LIB_DIALECT_BITSINK_TRANSFORMS_RAISEROPE_H
#define BITSINK_LIB_DIALECT_BITSINK_TRANSFORMS_RAISEROPE_H

#include "bitsink/Dialect/BitSink/IR/BitSinkAttrs.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <string>
#include <vector>

namespace bitsink::raise {

/// One element of a tensor as `constant + Σ coefficient · root[index]`, with
/// root elements named by their row-major index.
struct LinearElement {
  double constant = 0.0;
  llvm::SmallVector<std::pair<int64_t, double>, 2> terms;
};

/// Evaluates elements of statically shaped tensors computed by linalg ops
/// (through their indexing maps and scalar bodies: arith, math,
/// linalg.index, tensor.extract), tensor.extract_slice, insert_slice,
/// concat, expand_shape, collapse_shape and cast, from dense constants.
/// Elements of `root` (when given) are kept symbolic; a product of two
/// root-dependent values, or anything else the evaluator does not know,
/// fails. Floating-point constants are rounded to each op's result type, so
/// a table computed in f32 in the graph gets the graph's f32 values.
class ElementEvaluator {
public:
  explicit ElementEvaluator(mlir::Value root = mlir::Value());

  /// `tensor[index]`, or std::nullopt if it cannot be evaluated.
  std::optional<LinearElement> element(mlir::Value tensor,
                                       llvm::ArrayRef<int64_t> index);
  /// `tensor[index]` when it is a constant (no root element in it).
  std::optional<double> constantElement(mlir::Value tensor,
                                        llvm::ArrayRef<int64_t> index);

  struct Frame;

private:
  /// What the evaluation of a linalg op needs of it, computed once.
  struct LinalgInfo {
    llvm::SmallVector<int64_t> ranges;
    llvm::SmallVector<mlir::utils::IteratorType> iterators;
    llvm::SmallVector<mlir::AffineMap> maps;
  };
  const LinalgInfo &infoOf(mlir::linalg::LinalgOp op);

  std::optional<LinearElement>
  elementOf(mlir::Value tensor, llvm::ArrayRef<int64_t> index, unsigned depth);
  std::optional<LinearElement> linalgElement(mlir::Operation *op,
                                             unsigned result,
                                             llvm::ArrayRef<int64_t> index,
                                             unsigned depth);
  std::optional<LinearElement> scalar(mlir::Value value, Frame &frame,
                                      unsigned depth);
  std::optional<double> denseElement(mlir::Attribute attr, int64_t flat);
  bool step();

  mlir::Value root;
  uint64_t steps = 0;
  llvm::DenseMap<std::pair<void *, int64_t>, double> memo;
  llvm::DenseMap<mlir::Attribute, std::vector<double>> dense;
  llvm::DenseMap<mlir::Operation *, LinalgInfo> linalgInfo;
};

/// Where one attention operand's RoPE is looked for: `source` is the tensor
/// the attention operand is made of (by transposes and reshapes that keep
/// rows and features apart); `rowDim` indexes its positions, `featureDim`
/// its head dim, and row `r` is rotated by position `r + firstPosition`.
struct RopeOperand {
  mlir::Value source;
  unsigned rowDim = 0, featureDim = 0;
  int64_t firstPosition = 0;
};

/// A RoPE proven on Q and K: the attention reads `queryRoot` and `keyRoot`
/// (of the shapes of the operands' sources) and carries `rope`.
struct RopeFold {
  mlir::Value queryRoot, keyRoot;
  RopeAttr rope;
};

/// Looks for a rotary embedding applied to `query` and `key`
/// (docs/rope-in-graphs.md, "What the pass proves"). Returns the fold when
/// both are provably rotated by one `#bitsink.rope`. Otherwise returns
/// std::nullopt, with `why` empty when neither looks rotated, and set to the
/// reason the rotation cannot be folded when at least one does.
std::optional<RopeFold> matchRope(const RopeOperand &query,
                                  const RopeOperand &key, std::string &why);

} // namespace bitsink::raise

#endif // BITSINK_LIB_DIALECT_BITSINK_TRANSFORMS_RAISEROPE_H
