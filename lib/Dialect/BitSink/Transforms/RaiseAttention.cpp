//===- RaiseAttention.cpp - linalg attention to sink_attention -*- C++ -*-===//
//
// Recognises softmax(scale * Q K^T + padding bias) V written in linalg on
// tensors (torch-mlir's linalg-on-tensors import, or by hand) and replaces it
// by a dense bitsink.sink_attention. The match is anchored on the P·V
// contraction and walks backwards: softmax, then the elementwise chain of
// scales and one additive bias, then the Q·K contraction. Only indexing maps
// and bodies are looked at, never op names, so matmul, batch_matmul,
// linalg.contract, matmul with indexing_maps and generics are one case.
//
// Matching and planning (planRewrite) only read the IR and make every
// decision, including each reason to refuse; buildRewrite then creates the
// ops and cannot fail. A refused match therefore leaves the IR untouched.
//
//===----------------------------------------------------------------------===//

#include "RaiseRope.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Dialect/BitSink/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"
#include <cmath>

namespace bitsink {
#define GEN_PASS_DEF_BITSINKRAISEATTENTION
#include "bitsink/Dialect/BitSink/Transforms/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

/// A bias this negative (or less) removes a key from the softmax: e^-1e4
/// underflows to zero in f32 next to any score of ordinary size.
constexpr double kMaskedBias = -1.0e4;

/// The roles of the loop dimensions of a contraction `out[batch, m, n] +=
/// lhs[batch, m, k] * rhs[batch, n, k]` (each operand in any dimension order).
struct Contraction {
  linalg::LinalgOp op;
  SmallVector<unsigned> batch;
  unsigned m = 0, n = 0, k = 0;
};

/// An elementwise generic: all loops parallel, one init, one result whose
/// map is the identity.
static bool isElementwise(linalg::GenericOp op) {
  return op.getNumDpsInits() == 1 && op->getNumResults() == 1 &&
         op.getNumLoops() == op.getNumParallelLoops() &&
         op.getMatchingIndexingMap(op.getDpsInitOperand(0)).isIdentity() &&
         op.hasPureTensorSemantics();
}

/// Evaluates a scalar computed from constants (and the values already bound
/// in `env`) by the arith ops an importer emits. Integers and booleans are
/// represented as doubles; comparisons give 0 or 1.
static std::optional<double>
evaluate(Value value, llvm::DenseMap<Value, double> &env, unsigned depth = 0) {
  if (auto it = env.find(value); it != env.end())
    return it->second;
  if (depth > 32)
    return std::nullopt;
  if (auto arg = dyn_cast<BlockArgument>(value)) {
    // A generic's scalar input bound to a splat constant tensor.
    auto generic = dyn_cast<linalg::GenericOp>(arg.getOwner()->getParentOp());
    if (!generic || arg.getArgNumber() >= generic.getNumDpsInputs())
      return std::nullopt;
    Value input = generic.getDpsInputOperand(arg.getArgNumber())->get();
    DenseElementsAttr dense;
    if (!matchPattern(input, m_Constant(&dense)) || !dense.isSplat())
      return std::nullopt;
    if (auto f = dyn_cast<FloatType>(dense.getElementType()))
      return dense.getSplatValue<APFloat>().convertToDouble();
    if (dense.getElementType().isInteger())
      return static_cast<double>(dense.getSplatValue<APInt>().getSExtValue());
    return std::nullopt;
  }
  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  auto operand = [&](unsigned i) {
    return evaluate(op->getOperand(i), env, depth + 1);
  };
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    if (auto f = dyn_cast<FloatAttr>(constant.getValue()))
      return f.getValueAsDouble();
    if (auto i = dyn_cast<IntegerAttr>(constant.getValue()))
      return i.getType().isInteger(1)
                 ? static_cast<double>(i.getValue().getZExtValue())
                 : static_cast<double>(i.getValue().getSExtValue());
    return std::nullopt;
  }
  if (isa<arith::ExtFOp, arith::TruncFOp, arith::SIToFPOp, arith::UIToFPOp,
          arith::ExtSIOp, arith::ExtUIOp, arith::IndexCastOp>(op))
    return operand(0);
  auto binary = [&](auto fn) -> std::optional<double> {
    std::optional<double> a = operand(0), b = operand(1);
    if (!a || !b)
      return std::nullopt;
    return fn(*a, *b);
  };
  if (isa<arith::AddFOp, arith::AddIOp>(op))
    return binary([](double a, double b) { return a + b; });
  if (isa<arith::SubFOp, arith::SubIOp>(op))
    return binary([](double a, double b) { return a - b; });
  if (isa<arith::MulFOp, arith::MulIOp>(op))
    return binary([](double a, double b) { return a * b; });
  if (isa<arith::DivFOp>(op))
    return binary([](double a, double b) { return a / b; });
  if (isa<arith::MaximumFOp, arith::MaxNumFOp>(op))
    return binary([](double a, double b) { return std::max(a, b); });
  if (isa<arith::MinimumFOp, arith::MinNumFOp>(op))
    return binary([](double a, double b) { return std::min(a, b); });
  if (isa<arith::XOrIOp>(op))
    return binary([](double a, double b) {
      return static_cast<double>(static_cast<int64_t>(a) ^
                                 static_cast<int64_t>(b));
    });
  if (isa<arith::AndIOp>(op))
    return binary([](double a, double b) {
      return static_cast<double>(static_cast<int64_t>(a) &
                                 static_cast<int64_t>(b));
    });
  if (isa<arith::NegFOp>(op)) {
    std::optional<double> a = operand(0);
    return a ? std::optional<double>(-*a) : std::nullopt;
  }
  if (auto select = dyn_cast<arith::SelectOp>(op)) {
    std::optional<double> c = operand(0);
    if (!c)
      return std::nullopt;
    return *c != 0.0 ? operand(1) : operand(2);
  }
  if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    return binary([&](double a, double b) -> double {
      switch (cmp.getPredicate()) {
      case arith::CmpIPredicate::eq:
        return a == b;
      case arith::CmpIPredicate::ne:
        return a != b;
      case arith::CmpIPredicate::slt:
      case arith::CmpIPredicate::ult:
        return a < b;
      case arith::CmpIPredicate::sle:
      case arith::CmpIPredicate::ule:
        return a <= b;
      case arith::CmpIPredicate::sgt:
      case arith::CmpIPredicate::ugt:
        return a > b;
      case arith::CmpIPredicate::sge:
      case arith::CmpIPredicate::uge:
        return a >= b;
      }
      return 0.0;
    });
  }
  if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
    using P = arith::CmpFPredicate;
    P pred = cmp.getPredicate();
    return binary([&](double a, double b) -> double {
      if (pred == P::OEQ || pred == P::UEQ)
        return a == b;
      if (pred == P::ONE || pred == P::UNE)
        return a != b;
      if (pred == P::OLT || pred == P::ULT)
        return a < b;
      if (pred == P::OLE || pred == P::ULE)
        return a <= b;
      if (pred == P::OGT || pred == P::UGT)
        return a > b;
      if (pred == P::OGE || pred == P::UGE)
        return a >= b;
      return NAN;
    });
  }
  return std::nullopt;
}

/// The constant value of a scalar operand of a generic body (a captured
/// constant, a cast of one, or a splat tensor input), if it is one.
static std::optional<double> evaluateConstant(Value value) {
  llvm::DenseMap<Value, double> env;
  return evaluate(value, env);
}

/// Matches a contraction with one M, one N and one K dimension, at most two
/// batch dimensions, no broadcast operand, a multiply-accumulate body and a
/// zero init.
static std::optional<Contraction> matchContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  if (!linalgOp || !linalgOp.hasPureTensorSemantics() ||
      linalgOp.getNumDpsInputs() != 2 || linalgOp.getNumDpsInits() != 1 ||
      !linalg::isaContractionOpInterface(linalgOp))
    return std::nullopt;
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(linalgOp);
  if (failed(dims) || dims->m.size() != 1 || dims->n.size() != 1 ||
      dims->k.size() != 1 || dims->batch.size() > 2 ||
      dims->batch.size() + 3 != linalgOp.getNumLoops())
    return std::nullopt;
  Contraction c;
  c.op = linalgOp;
  c.batch.assign(dims->batch.begin(), dims->batch.end());
  c.m = dims->m.front();
  c.n = dims->n.front();
  c.k = dims->k.front();
  // Every operand is a permutation of its dimensions (no broadcast).
  for (AffineMap map : linalgOp.getIndexingMapsArray())
    if (!map.isProjectedPermutation(/*allowZeroInResults=*/false) ||
        map.getNumResults() != c.batch.size() + 2)
      return std::nullopt;
  Value init = linalgOp.getDpsInitOperand(0)->get();
  if (auto fill = init.getDefiningOp<linalg::FillOp>())
    init = fill.getInputs().front();
  if (!matchPattern(init, m_AnyZeroFloat()))
    return std::nullopt;
  return c;
}

/// Positions, in `map`'s results, of the loop dimensions `order`.
static SmallVector<int64_t> positionsOf(AffineMap map,
                                        ArrayRef<unsigned> order) {
  SmallVector<int64_t> positions;
  for (unsigned dim : order)
    positions.push_back(
        *map.getResultPosition(getAffineDimExpr(dim, map.getContext())));
  return positions;
}

struct AttentionMatch {
  Contraction qk, pv;
  Value query, key, value; // contraction operands, canonical order later
  AffineMap queryMap, keyMap, valueMap;
  double scale = 1.0;
  /// Frame of the scores at the softmax: rank 2 (Nq, Nk), 3 (G, Nq, Nk) or
  /// 4 (B, H, Nq, Nk).
  int64_t batch = 1, heads = 1;
  /// The additive biases of the scores, each with its map over the frame
  /// (at most two: a padding mask and a causal mask).
  SmallVector<std::pair<Value, AffineMap>, 2> biases;
  /// The padding mask among them, if any, and whether one is causal.
  Value bias;
  AffineMap biasMap;
  bool causal = false;
  unsigned frameRank = 0;
  llvm::SetVector<Operation *> matched;
};

class Matcher {
public:
  /// Softmax over the last dimension of its input; returns the input.
  std::optional<Value> matchSoftmax(Value p, AttentionMatch &m) {
    auto type = dyn_cast<RankedTensorType>(p.getType());
    if (!type || type.getRank() < 2 || type.getRank() > 4)
      return std::nullopt;
    int64_t last = type.getRank() - 1;
    if (auto softmax = p.getDefiningOp<linalg::SoftmaxOp>()) {
      if (static_cast<int64_t>(softmax.getDimension()) != last)
        return std::nullopt;
      m.matched.insert(softmax);
      return softmax.getInput();
    }
    // p = e / sum(e), with the sum broadcast along the row.
    auto div = p.getDefiningOp<linalg::GenericOp>();
    if (!div || !isElementwise(div) || div.getNumDpsInputs() != 2)
      return std::nullopt;
    auto yield = cast<linalg::YieldOp>(div.getBlock()->getTerminator());
    auto divf = yield.getOperand(0).getDefiningOp<arith::DivFOp>();
    if (!divf || divf->getBlock() != div.getBlock() ||
        divf.getLhs() != div.getBlock()->getArgument(0) ||
        divf.getRhs() != div.getBlock()->getArgument(1))
      return std::nullopt;
    Value e = div.getDpsInputOperand(0)->get();
    if (!div.getMatchingIndexingMap(div.getDpsInputOperand(0)).isIdentity())
      return std::nullopt;
    AffineMap sumMap = div.getMatchingIndexingMap(div.getDpsInputOperand(1));
    if (!isRowBroadcast(sumMap, last))
      return std::nullopt;
    if (!isRowSum(div.getDpsInputOperand(1)->get(), e, last))
      return std::nullopt;
    m.matched.insert(div);
    // e = exp(x - c) with c constant along the row (softmax is shift
    // invariant, so c need not be the max), possibly in two generics.
    auto exp = e.getDefiningOp<linalg::GenericOp>();
    if (!exp || !isElementwise(exp))
      return std::nullopt;
    auto expYield = cast<linalg::YieldOp>(exp.getBlock()->getTerminator());
    auto mathExp = expYield.getOperand(0).getDefiningOp<math::ExpOp>();
    if (!mathExp || mathExp->getBlock() != exp.getBlock())
      return std::nullopt;
    m.matched.insert(exp);
    return matchShift(exp, mathExp.getOperand(), last, m);
  }

private:
  /// A map that reads a row-constant value: it does not use the last loop
  /// dimension (a trailing constant 0 for a kept unit dimension is fine).
  static bool isRowBroadcast(AffineMap map, int64_t last) {
    if (map.isFunctionOfDim(last))
      return false;
    // The other dimensions must be read as they are (no transposition).
    unsigned next = 0;
    for (AffineExpr expr : map.getResults()) {
      if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
        if (dim.getPosition() != next++)
          return false;
      } else if (!isa<AffineConstantExpr>(expr) ||
                 cast<AffineConstantExpr>(expr).getValue() != 0) {
        return false;
      }
    }
    return next == static_cast<unsigned>(last);
  }

  /// `sum` is the sum of `e` over its last dimension (and only that one),
  /// possibly with a unit dimension kept by an expand_shape.
  bool isRowSum(Value sum, Value e, int64_t last) {
    if (auto expand = sum.getDefiningOp<tensor::ExpandShapeOp>())
      sum = expand.getSrc();
    auto reduce = sum.getDefiningOp<linalg::GenericOp>();
    if (!reduce || reduce.getNumDpsInputs() != 1 ||
        reduce.getNumDpsInits() != 1 ||
        reduce.getDpsInputOperand(0)->get() != e ||
        !reduce.getMatchingIndexingMap(reduce.getDpsInputOperand(0))
             .isIdentity())
      return false;
    SmallVector<utils::IteratorType> iterators = reduce.getIteratorTypesArray();
    for (auto [i, it] : llvm::enumerate(iterators))
      if ((it == utils::IteratorType::reduction) !=
          (static_cast<int64_t>(i) == last))
        return false;
    if (!isRowBroadcast(
            reduce.getMatchingIndexingMap(reduce.getDpsInitOperand(0)), last))
      return false;
    Block *body = reduce.getBlock();
    auto add = cast<linalg::YieldOp>(body->getTerminator())
                   .getOperand(0)
                   .getDefiningOp<arith::AddFOp>();
    if (!add || !((add.getLhs() == body->getArgument(0) &&
                   add.getRhs() == body->getArgument(1)) ||
                  (add.getRhs() == body->getArgument(0) &&
                   add.getLhs() == body->getArgument(1))))
      return false;
    Value init = reduce.getDpsInitOperand(0)->get();
    if (auto fill = init.getDefiningOp<linalg::FillOp>())
      init = fill.getInputs().front();
    return matchPattern(init, m_AnyZeroFloat());
  }

  /// `inner` (a value of the exp generic's body) is x - c or x; returns x.
  std::optional<Value> matchShift(linalg::GenericOp exp, Value inner,
                                  int64_t last, AttentionMatch &m) {
    auto argInput = [&](Value v) -> OpOperand * {
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || arg.getOwner() != exp.getBlock() ||
          arg.getArgNumber() >= exp.getNumDpsInputs())
        return nullptr;
      return exp.getDpsInputOperand(arg.getArgNumber());
    };
    if (OpOperand *x = argInput(inner)) {
      if (!exp.getMatchingIndexingMap(x).isIdentity())
        return std::nullopt;
      // exp of a separate subtraction generic, or of the scores directly.
      auto sub = x->get().getDefiningOp<linalg::GenericOp>();
      if (sub && isElementwise(sub) && sub.getNumDpsInputs() == 2) {
        auto yield = cast<linalg::YieldOp>(sub.getBlock()->getTerminator());
        if (auto subf = yield.getOperand(0).getDefiningOp<arith::SubFOp>()) {
          if (subf.getLhs() == sub.getBlock()->getArgument(0) &&
              subf.getRhs() == sub.getBlock()->getArgument(1) &&
              sub.getMatchingIndexingMap(sub.getDpsInputOperand(0))
                  .isIdentity()) {
            if (!isRowBroadcast(
                    sub.getMatchingIndexingMap(sub.getDpsInputOperand(1)),
                    last))
              return std::nullopt; // Subtracts something that varies.
            m.matched.insert(sub);
            return sub.getDpsInputOperand(0)->get();
          }
        }
      }
      return x->get();
    }
    auto subf = inner.getDefiningOp<arith::SubFOp>();
    if (!subf)
      return std::nullopt;
    OpOperand *x = argInput(subf.getLhs());
    OpOperand *c = argInput(subf.getRhs());
    if (!x || !c || !exp.getMatchingIndexingMap(x).isIdentity() ||
        !isRowBroadcast(exp.getMatchingIndexingMap(c), last))
      return std::nullopt;
    return x->get();
  }
};

/// Walks the bias back through reshapes and elementwise generics with one
/// varying input to the tensor it is a function of, and checks that this
/// function maps 1 to 0 and 0 to a masking value. Returns false with `why`
/// set otherwise.
static bool isPaddingBias(Value bias, std::string &why) {
  SmallVector<std::pair<linalg::GenericOp, unsigned>> chain;
  Value current = bias;
  for (unsigned depth = 0; depth < 16; ++depth) {
    Operation *def = current.getDefiningOp();
    if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def)) {
      current = expand.getSrc();
      continue;
    }
    if (auto collapse = dyn_cast_or_null<tensor::CollapseShapeOp>(def)) {
      current = collapse.getSrc();
      continue;
    }
    auto generic = dyn_cast_or_null<linalg::GenericOp>(def);
    if (!generic || generic.getNumDpsInits() != 1 ||
        generic->getNumResults() != 1 ||
        generic.getNumLoops() != generic.getNumParallelLoops())
      break;
    std::optional<unsigned> varying;
    bool ok = true;
    for (OpOperand *input : generic.getDpsInputOperands()) {
      DenseElementsAttr dense;
      if (matchPattern(input->get(), m_Constant(&dense)) && dense.isSplat())
        continue;
      if (varying) {
        ok = false;
        break;
      }
      varying = input->getOperandNumber();
    }
    if (!ok || !varying)
      break;
    chain.emplace_back(generic, *varying);
    current = generic.getDpsInputOperand(*varying)->get();
  }
  if (chain.empty()) {
    why = "the additive bias is not computed from a mask (it is not an "
          "elementwise function of a 0/1 tensor)";
    return false;
  }
  Type rootType = getElementTypeOrSelf(current.getType());
  if (!rootType.isIntOrFloat()) {
    why = "the additive bias is not computed from an integer, boolean or "
          "float mask";
    return false;
  }
  auto apply = [&](double x) -> std::optional<double> {
    std::optional<double> value = x;
    for (auto [generic, input] : llvm::reverse(chain)) {
      llvm::DenseMap<Value, double> env;
      env[generic.getBlock()->getArgument(input)] = *value;
      value =
          evaluate(cast<linalg::YieldOp>(generic.getBlock()->getTerminator())
                       .getOperand(0),
                   env);
      if (!value)
        return std::nullopt;
    }
    return value;
  };
  std::optional<double> kept = apply(1.0), dropped = apply(0.0);
  if (!kept || !dropped) {
    why = "the additive bias is computed by ops the pass cannot evaluate";
    return false;
  }
  if (*kept != 0.0 || !(*dropped <= kMaskedBias)) {
    if (*kept == 0.0)
      kept = 0.0; // Print -0 as 0.
    why = "the additive bias is not a padding mask: mask value 1 gives " +
          std::to_string(*kept) + " and 0 gives " + std::to_string(*dropped) +
          " (a padding mask gives 0 and at most -1e4)";
    return false;
  }
  return true;
}

/// Walks from the softmax input back to the Q·K contraction, collecting
/// scales and at most one bias. Sets `why` when the chain is not attention.
static bool matchScores(Value x, AttentionMatch &m, std::string &why) {
  unsigned frameRank = cast<RankedTensorType>(x.getType()).getRank();
  m.frameRank = frameRank;
  bool split = false;
  Value current = x;
  for (unsigned depth = 0; depth < 16; ++depth) {
    Operation *def = current.getDefiningOp();
    if (std::optional<Contraction> c = matchContraction(def)) {
      m.qk = *c;
      m.matched.insert(def);
      break;
    }
    if (auto expand = dyn_cast_or_null<tensor::ExpandShapeOp>(def)) {
      // batch·heads split into batch x heads.
      auto type = expand.getResultType();
      SmallVector<ReassociationIndices> re = expand.getReassociationIndices();
      if (split || type.getRank() != 4 || re.size() != 3 || re[0].size() != 2 ||
          !type.hasStaticShape()) {
        why = "the scores are reshaped in a way other than splitting the "
              "batch and head dimensions";
        return false;
      }
      split = true;
      m.batch = type.getDimSize(0);
      m.heads = type.getDimSize(1);
      m.matched.insert(def);
      current = expand.getSrc();
      continue;
    }
    auto generic = dyn_cast_or_null<linalg::GenericOp>(def);
    if (!generic || !isElementwise(generic)) {
      why = "the softmax input is not scaled, masked scores of a contraction";
      return false;
    }
    auto yield = cast<linalg::YieldOp>(generic.getBlock()->getTerminator());
    Operation *compute = yield.getOperand(0).getDefiningOp();
    if (!compute || compute->getBlock() != generic.getBlock() ||
        !isa<arith::MulFOp, arith::DivFOp, arith::AddFOp>(compute)) {
      why = "the scores pass through an elementwise op that is not a scale "
            "or an additive mask";
      return false;
    }
    // Which operand of the scalar op carries the scores: a block argument
    // of an identity-mapped input.
    auto inputOf = [&](Value v) -> OpOperand * {
      auto arg = dyn_cast<BlockArgument>(v);
      if (!arg || arg.getOwner() != generic.getBlock() ||
          arg.getArgNumber() >= generic.getNumDpsInputs())
        return nullptr;
      return generic.getDpsInputOperand(arg.getArgNumber());
    };
    Value lhs = compute->getOperand(0), rhs = compute->getOperand(1);
    std::optional<double> lhsConst = evaluateConstant(lhs);
    std::optional<double> rhsConst = evaluateConstant(rhs);
    OpOperand *lhsIn = inputOf(lhs), *rhsIn = inputOf(rhs);
    auto identity = [&](OpOperand *in) {
      return in && generic.getMatchingIndexingMap(in).isIdentity();
    };
    Value next;
    if (isa<arith::MulFOp>(compute) && rhsConst && identity(lhsIn)) {
      m.scale *= *rhsConst;
      next = lhsIn->get();
    } else if (isa<arith::MulFOp>(compute) && lhsConst && identity(rhsIn)) {
      m.scale *= *lhsConst;
      next = rhsIn->get();
    } else if (isa<arith::DivFOp>(compute) && rhsConst && identity(lhsIn)) {
      m.scale /= *rhsConst;
      next = lhsIn->get();
    } else if (isa<arith::AddFOp>(compute) && lhsIn && rhsIn) {
      // scores + bias: the scores are the identity-mapped operand that
      // leads to a contraction; the bias is the other one.
      auto leads = [&](OpOperand *in) {
        if (!identity(in))
          return false;
        Value v = in->get();
        for (unsigned d = 0; d < 16 && v; ++d) {
          Operation *op = v.getDefiningOp();
          if (matchContraction(op))
            return true;
          if (auto e = dyn_cast_or_null<tensor::ExpandShapeOp>(op))
            v = e.getSrc();
          else if (auto g = dyn_cast_or_null<linalg::GenericOp>(op);
                   g && g.getNumDpsInputs() >= 1)
            v = g.getDpsInputOperand(0)->get();
          else
            return false;
        }
        return false;
      };
      OpOperand *scores = leads(lhsIn) ? lhsIn : rhsIn;
      OpOperand *bias = scores == lhsIn ? rhsIn : lhsIn;
      if (!leads(scores)) {
        why = "neither operand of the addition leads to the Q·K contraction";
        return false;
      }
      if (m.biases.size() == 2) {
        why = "the scores have more than two additive biases (a padding "
              "and a causal mask at most)";
        return false;
      }
      if (split ||
          cast<RankedTensorType>(generic->getResult(0).getType()).getRank() !=
              static_cast<int64_t>(frameRank)) {
        why = "the additive mask is applied before the head split";
        return false;
      }
      m.biases.emplace_back(bias->get(), generic.getMatchingIndexingMap(bias));
      next = scores->get();
    } else {
      why = "the scores pass through an elementwise op that is not a scale "
            "by a constant or an additive mask";
      return false;
    }
    m.matched.insert(generic);
    current = next;
  }
  if (!m.qk.op) {
    why = "the softmax input does not come from a Q·K contraction";
    return false;
  }
  // The frame: the Q·K result's dims are (batch..., m, n) in this order.
  Contraction &qk = m.qk;
  AffineMap outMap = qk.op.getIndexingMapsArray()[2];
  SmallVector<unsigned> order(qk.batch);
  order.push_back(qk.m);
  order.push_back(qk.n);
  if (!isIdentityPermutation(positionsOf(outMap, order))) {
    why = "the Q·K contraction's result is not laid out as (batch..., "
          "queries, keys), so the softmax is not over the keys";
    return false;
  }
  auto scoreType = cast<RankedTensorType>(qk.op->getResult(0).getType());
  if (!scoreType.hasStaticShape()) {
    why = "the scores have a dynamic shape";
    return false;
  }
  if (!split) {
    if (qk.batch.size() == 2) {
      m.batch = scoreType.getDimSize(0);
      m.heads = scoreType.getDimSize(1);
    } else if (qk.batch.size() == 1) {
      m.batch = scoreType.getDimSize(0);
      m.heads = 1;
    }
  } else if (qk.batch.size() != 1) {
    why = "the scores are split into heads but the contraction does not have "
          "one batch dimension";
    return false;
  }
  m.query = qk.op.getDpsInputOperand(0)->get();
  m.key = qk.op.getDpsInputOperand(1)->get();
  m.queryMap = qk.op.getIndexingMapsArray()[0];
  m.keyMap = qk.op.getIndexingMapsArray()[1];
  // A scale applied to Q or K before the contraction.
  for (Value *operand : {&m.query, &m.key}) {
    auto generic = operand->getDefiningOp<linalg::GenericOp>();
    if (!generic || !isElementwise(generic))
      continue;
    auto yield = cast<linalg::YieldOp>(generic.getBlock()->getTerminator());
    Operation *compute = yield.getOperand(0).getDefiningOp();
    if (!compute || !isa<arith::MulFOp, arith::DivFOp>(compute) ||
        compute->getBlock() != generic.getBlock())
      continue;
    auto arg = dyn_cast<BlockArgument>(compute->getOperand(0));
    std::optional<double> c = evaluateConstant(compute->getOperand(1));
    if (!arg && isa<arith::MulFOp>(compute)) {
      arg = dyn_cast<BlockArgument>(compute->getOperand(1));
      c = evaluateConstant(compute->getOperand(0));
    }
    if (!arg || !c || arg.getOwner() != generic.getBlock() ||
        arg.getArgNumber() >= generic.getNumDpsInputs() ||
        !generic
             .getMatchingIndexingMap(
                 generic.getDpsInputOperand(arg.getArgNumber()))
             .isIdentity())
      continue;
    m.scale = isa<arith::MulFOp>(compute) ? m.scale * *c : m.scale / *c;
    *operand = generic.getDpsInputOperand(arg.getArgNumber())->get();
  }
  return true;
}

/// The message for a bias that varies over the queries and is not a causal
/// mask the pass can prove.
static constexpr const char *kQueryBias =
    "the additive bias varies over the queries (a causal or general "
    "attention bias, not a padding mask)";

/// Proves that `bias`, read through `map` over the scores' frame of rank
/// `rank`, is a causal mask for `nq` queries and `nk` keys: 0 where key
/// j <= i + nk - nq (the positions of a causal sink_attention without
/// kv_len) and at most -1e4 elsewhere, whatever the batch and head.
static bool isCausalBias(Value bias, AffineMap map, unsigned rank, int64_t nq,
                         int64_t nk, std::string &why) {
  if (nq > nk) {
    why = "the causal mask hides every key from the first Nq - Nk query rows";
    return false;
  }
  raise::ElementEvaluator evaluator;
  SmallVector<int64_t> point(rank, 0), index;
  for (int64_t i = 0; i < nq; ++i) {
    for (int64_t j = 0; j < nk; ++j) {
      point[rank - 2] = i;
      point[rank - 1] = j;
      index.clear();
      for (AffineExpr expr : map.getResults()) {
        if (auto dim = dyn_cast<AffineDimExpr>(expr))
          index.push_back(point[dim.getPosition()]);
        else
          index.push_back(cast<AffineConstantExpr>(expr).getValue());
      }
      std::optional<double> value = evaluator.constantElement(bias, index);
      if (!value) {
        why = kQueryBias;
        return false;
      }
      bool visible = j <= i + nk - nq;
      if (visible ? *value != 0.0 : !(*value <= kMaskedBias)) {
        why = "the additive bias varies over the queries but is not a causal "
              "mask: at query " +
              std::to_string(i) + ", key " + std::to_string(j) + " it is " +
              std::to_string(*value) +
              " (a causal mask is 0 for keys j <= i + Nk - Nq and at most "
              "-1e4 for the others)";
        return false;
      }
    }
  }
  return true;
}

/// Classifies each bias: one that depends on the batch and key dimensions
/// of the frame only must be a padding mask (proven by isPaddingBias), one
/// that depends on the query and key dimensions only must be a causal mask
/// (proven by isCausalBias); at most one of each.
static bool matchBias(AttentionMatch &m, std::string &why) {
  unsigned rank = m.frameRank;
  unsigned keyDim = rank - 1, queryDim = rank - 2;
  auto scoreType = cast<RankedTensorType>(m.qk.op->getResult(0).getType());
  int64_t nq = scoreType.getDimSize(scoreType.getRank() - 2);
  int64_t nk = scoreType.getDimSize(scoreType.getRank() - 1);
  for (auto [bias, map] : m.biases) {
    auto biasType = cast<RankedTensorType>(bias.getType());
    bool usesKey = false, overQueries = false, overHeads = false,
         overBatch = false;
    std::string varying; // The first of the query and head messages.
    for (auto [pos, expr] : llvm::enumerate(map.getResults())) {
      if (auto c = dyn_cast<AffineConstantExpr>(expr)) {
        if (c.getValue() != 0 || biasType.getDimSize(pos) != 1) {
          why = "the additive bias is indexed in a way the pass does not know";
          return false;
        }
        continue;
      }
      auto dim = dyn_cast<AffineDimExpr>(expr);
      if (!dim) {
        why = "the additive bias is indexed in a way the pass does not know";
        return false;
      }
      unsigned d = dim.getPosition();
      if (d == keyDim) {
        usesKey = true;
        continue;
      }
      if (biasType.getDimSize(pos) == 1)
        continue;
      if (d == queryDim) {
        overQueries = true;
        if (varying.empty())
          varying = kQueryBias;
      } else if (rank == 4 && d == 1) {
        overHeads = true;
        if (varying.empty())
          varying = "the additive bias varies over the heads (e.g. ALiBi), "
                    "not a padding mask";
      } else {
        overBatch = true;
      }
    }
    if (overHeads) {
      why = varying;
      return false;
    }
    if (overQueries) {
      if (overBatch || m.causal) {
        why = kQueryBias;
        return false;
      }
      if (!isCausalBias(bias, map, rank, nq, nk, why))
        return false;
      m.causal = true;
      continue;
    }
    if (!usesKey) {
      why = "the additive bias does not vary over the keys, so it is not a "
            "padding mask";
      return false;
    }
    if (m.bias) {
      why = "the scores have two padding masks";
      return false;
    }
    if (!isPaddingBias(bias, why))
      return false;
    m.bias = bias;
    m.biasMap = map;
  }
  return true;
}

/// Matches the P·V contraction `pv` and everything above it.
static bool matchAttention(Contraction &pv, AttentionMatch &m, std::string &why,
                           bool &isAttention) {
  isAttention = false;
  m.pv = pv;
  Value p = pv.op.getDpsInputOperand(0)->get();
  AffineMap pMap = pv.op.getIndexingMapsArray()[0];
  // P is read as (batch..., m, k): its last two dims are queries and keys.
  SmallVector<unsigned> pOrder(pv.batch);
  pOrder.push_back(pv.m);
  pOrder.push_back(pv.k);
  if (!isIdentityPermutation(positionsOf(pMap, pOrder)))
    return false;
  Value softmaxOut = p;
  Operation *collapse = nullptr;
  if (auto c = p.getDefiningOp<tensor::CollapseShapeOp>()) {
    SmallVector<ReassociationIndices> re = c.getReassociationIndices();
    if (c.getSrcType().getRank() != 4 || re.size() != 3 || re[0].size() != 2)
      return false;
    softmaxOut = c.getSrc();
    collapse = c;
  }
  Matcher matcher;
  std::optional<Value> x = matcher.matchSoftmax(softmaxOut, m);
  if (!x)
    return false;
  isAttention = true;
  if (collapse)
    m.matched.insert(collapse);
  if (!matchScores(*x, m, why) || !matchBias(m, why))
    return false;
  // The P·V batch dims must be the frame's: all of them, or B·H collapsed.
  unsigned pvBatch = pv.batch.size();
  unsigned frameBatch = m.frameRank - 2;
  if (!((collapse && pvBatch == 1 && frameBatch == 2) ||
        (!collapse && pvBatch == frameBatch))) {
    why = "the P·V contraction's batch dimensions do not match the scores'";
    return false;
  }
  m.value = pv.op.getDpsInputOperand(1)->get();
  m.valueMap = pv.op.getIndexingMapsArray()[1];
  return true;
}

/// How the rewrite forms one B x H x N x D operand of sink_attention from a
/// value that already exists: `source`, with the unit repeat dimension of a
/// 5-D broadcast input collapsed away if `collapseUnitDim`, transposed by
/// `perm` unless that is the identity, then expanded to rank 4 if it has
/// fewer dimensions (`batch... x N x D` with 0 or 1 batch dimensions, whose
/// leading dimension splits into `batch` x `heads`). Planning only reads
/// the IR; `build` creates the ops.
struct OperandPlan {
  Value source;
  bool collapseUnitDim = false;
  SmallVector<int64_t> perm;
  int64_t batch = 1, heads = 1;

  /// The shape after the collapse and the transposition.
  SmallVector<int64_t> permutedShape() const {
    SmallVector<int64_t> shape(
        cast<RankedTensorType>(source.getType()).getShape());
    if (collapseUnitDim)
      shape.erase(shape.begin() + 2); // Merging dims 1 and 2 (of size 1).
    applyPermutationToVector(shape, perm);
    return shape;
  }

  /// The B x H x N x D shape of the operand.
  SmallVector<int64_t> shape() const {
    SmallVector<int64_t> shape = permutedShape();
    if (shape.size() == 4)
      return shape;
    return {batch, heads, shape[shape.size() - 2], shape.back()};
  }

  Value build(OpBuilder &b, Location loc) const {
    Value value = source;
    if (collapseUnitDim)
      value = tensor::CollapseShapeOp::create(
          b, loc, value,
          SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}, {4}});
    auto type = cast<RankedTensorType>(value.getType());
    if (!isIdentityPermutation(perm)) {
      SmallVector<int64_t> shape(type.getShape());
      applyPermutationToVector(shape, perm);
      Value empty =
          tensor::EmptyOp::create(b, loc, shape, type.getElementType());
      value =
          linalg::TransposeOp::create(b, loc, value, empty, perm)->getResult(0);
      type = cast<RankedTensorType>(value.getType());
    }
    if (type.getRank() == 4)
      return value;
    SmallVector<ReassociationIndices> reassociation =
        type.getRank() == 3
            ? SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}}
            : SmallVector<ReassociationIndices>{{0, 1, 2}, {3}};
    auto result = type.clone({batch, heads, type.getDimSize(type.getRank() - 2),
                              type.getDimSize(type.getRank() - 1)});
    return tensor::ExpandShapeOp::create(b, loc, result, value, reassociation);
  }
};

/// The plan that brings `value` (read through `map`) to `B x H x N x D` with
/// its dimensions in the loop order `order`. An operand that is a B·H
/// collapse of a B x H x ... tensor is permuted before the collapse instead,
/// so that its transpose folds with the one that made it (the head split).
static OperandPlan planOperand4D(Value value, AffineMap map,
                                 ArrayRef<unsigned> order, int64_t batch,
                                 int64_t heads) {
  SmallVector<int64_t> perm = positionsOf(map, order);
  auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>();
  if (collapse && perm.size() == 3 && perm[0] == 0 &&
      collapse.getSrcType().getRank() == 4 &&
      collapse.getReassociationIndices().size() == 3 &&
      collapse.getReassociationIndices()[0].size() == 2 &&
      collapse.getSrcType().getDimSize(0) == batch &&
      collapse.getSrcType().getDimSize(1) == heads)
    return {collapse.getSrc(),
            false,
            {0, 1, perm[1] + 1, perm[2] + 1},
            batch,
            heads};
  return {value, false, perm, batch, heads};
}

/// The 5-D B x Hkv x R x N x D tensor that `value` collapses to B·Hkv·R x N
/// x D, if it does and its B is `batch`.
static Value matchHeadCollapse(Value value, int64_t batch) {
  auto collapse = value.getDefiningOp<tensor::CollapseShapeOp>();
  if (!collapse || collapse.getSrcType().getRank() != 5 ||
      collapse.getReassociationIndices()[0] != ReassociationIndices{0, 1, 2} ||
      collapse.getSrcType().getDimSize(0) != batch)
    return Value();
  return collapse.getSrc();
}

/// If the operand `operand` would build (B x Hq x N x D) repeats K or V over
/// groups of query heads the way torch's `repeat_kv` does (a broadcast
/// generic from B x Hkv x N x D to B x Hkv x R x N x D whose Hkv x R
/// dimensions are then collapsed), possibly transposed over its last two
/// dimensions, returns the plan of the B x Hkv x N x D source with the same
/// transposition: query head h then reads kv head h / R, which is the op's
/// GQA rule.
static std::optional<OperandPlan>
planUnrepeatHeads(const OperandPlan &operand) {
  // The operand is a transposition of its source then, below rank 4, an
  // expansion. operand[i] = cur[perm[i]] through transposes that keep B and
  // H in place, the operand's own first.
  SmallVector<int64_t> perm = {0, 1, 2, 3};
  auto compose = [&](ArrayRef<int64_t> p) {
    if (p.size() != 4 || p[0] != 0 || p[1] != 1)
      return false;
    for (int64_t &dim : perm)
      dim = p[dim];
    return true;
  };
  Value repeated;
  int64_t rank = cast<RankedTensorType>(operand.source.getType()).getRank();
  if (operand.collapseUnitDim)
    return std::nullopt;
  if (rank < 4) {
    // The expansion comes last, so no transposition sits above it. A B·Hkv·R
    // collapse split again into B x Hq (for a batch_matmul): the expansion
    // must be that split, of the collapse itself.
    if (rank != 3 || !isIdentityPermutation(operand.perm))
      return std::nullopt;
    repeated = matchHeadCollapse(operand.source, operand.batch);
  } else {
    if (!isIdentityPermutation(operand.perm) && !compose(operand.perm))
      return std::nullopt;
    Value cur = operand.source;
    while (auto transpose = cur.getDefiningOp<linalg::TransposeOp>()) {
      if (!compose(transpose.getPermutation()))
        return std::nullopt;
      cur = transpose.getInput();
    }
    if (auto collapse = cur.getDefiningOp<tensor::CollapseShapeOp>()) {
      SmallVector<ReassociationIndices> re = collapse.getReassociationIndices();
      if (collapse.getSrcType().getRank() == 5 && re.size() == 4 &&
          re[1] == ReassociationIndices{1, 2})
        repeated = collapse.getSrc();
    } else if (auto expand = cur.getDefiningOp<tensor::ExpandShapeOp>()) {
      if (expand.getResultType().getRank() == 4 &&
          expand.getReassociationIndices()[0].size() == 2)
        repeated = matchHeadCollapse(expand.getSrc(),
                                     expand.getResultType().getDimSize(0));
    }
  }
  if (!repeated)
    return std::nullopt;
  auto broadcast = repeated.getDefiningOp<linalg::GenericOp>();
  if (!broadcast || broadcast.getNumDpsInputs() != 1 ||
      broadcast.getNumDpsInits() != 1 || broadcast.getNumLoops() != 5 ||
      broadcast.getNumParallelLoops() != 5 ||
      !broadcast.getMatchingIndexingMap(broadcast.getDpsInitOperand(0))
           .isIdentity())
    return std::nullopt;
  auto yield = cast<linalg::YieldOp>(broadcast.getBlock()->getTerminator());
  if (yield.getOperand(0) != broadcast.getBlock()->getArgument(0))
    return std::nullopt;
  OpOperand *input = broadcast.getDpsInputOperand(0);
  AffineMap map = broadcast.getMatchingIndexingMap(input);
  Value source = input->get();
  auto sourceType = cast<RankedTensorType>(source.getType());
  MLIRContext *ctx = broadcast.getContext();
  auto dim = [&](unsigned d) { return getAffineDimExpr(d, ctx); };
  // B x Hkv x N x D, broadcast over R.
  if (map.getResults() == ArrayRef<AffineExpr>{dim(0), dim(1), dim(3), dim(4)})
    return OperandPlan{source, false, perm};
  // B x Hkv x 1 x N x D, read at R = 0.
  if (map.getResults() == ArrayRef<AffineExpr>{dim(0), dim(1),
                                               getAffineConstantExpr(0, ctx),
                                               dim(3), dim(4)} &&
      sourceType.getDimSize(2) == 1)
    return OperandPlan{source, true, perm};
  return std::nullopt;
}

/// Everything the rewrite of one match builds, worked out from the matched
/// IR alone.
struct RaisePlan {
  OperandPlan query, key, value;
  Type element;
  int64_t batch = 1, heads = 1, nq = 0, nk = 0, dv = 0;
  /// Batch dimensions of the P·V result, and the permutation that takes the
  /// collapsed (batch..., m, n) attention result to its layout.
  unsigned pvBatch = 0;
  SmallVector<int64_t> outPerm;
  /// The RoPE folded from Q and K (docs/rope-in-graphs.md), or, when Q or K
  /// is rotated in a way that cannot be folded, why (the rotation then
  /// stays in the graph).
  RopeAttr rope;
  std::string ropeRemark;
};

/// Q (batch..., m, k) or K (batch..., n, k) of the Q·K contraction, or V
/// (batch..., k, n) of the P·V one: the loop dims of `c` in that order.
static SmallVector<unsigned> loopOrder(const Contraction &c, unsigned a,
                                       unsigned b) {
  SmallVector<unsigned> order(c.batch);
  order.push_back(a);
  order.push_back(b);
  return order;
}

/// `plan` with the linalg.transpose ops that make its source folded into
/// its permutation.
static OperandPlan peelTransposes(OperandPlan plan) {
  if (plan.collapseUnitDim)
    return plan;
  while (auto transpose = plan.source.getDefiningOp<linalg::TransposeOp>()) {
    ArrayRef<int64_t> p = transpose.getPermutation();
    for (int64_t &dim : plan.perm)
      dim = p[dim];
    plan.source = transpose.getInput();
  }
  return plan;
}

/// The RoPE operand of `plan`: its source, with the source dims that become
/// the op's N and D dims.
static std::optional<raise::RopeOperand> ropeOperand(const OperandPlan &plan,
                                                     int64_t firstPosition) {
  size_t rank = plan.perm.size();
  // Dims of the collapsed source to dims of the 5-D source (dims 1 and 2
  // merge).
  auto toSource = [&](int64_t dim) -> std::optional<unsigned> {
    if (!plan.collapseUnitDim || dim == 0)
      return static_cast<unsigned>(dim);
    if (dim == 1)
      return std::nullopt;
    return static_cast<unsigned>(dim + 1);
  };
  std::optional<unsigned> row = toSource(plan.perm[rank - 2]);
  std::optional<unsigned> feature = toSource(plan.perm[rank - 1]);
  if (!row || !feature)
    return std::nullopt;
  return raise::RopeOperand{plan.source, *row, *feature, firstPosition};
}

/// Folds a RoPE that Q and K go through into `plan` (the attention then reads
/// the un-rotated tensors), or records in `plan.ropeRemark` why a rotation
/// that is there cannot be folded. `unrepeated` says whether K and V were
/// already taken from before a repeat_kv; if not, a repeat above the
/// rotation (RoPE applied to the repeated K) is looked through after the
/// fold.
static void planRope(RaisePlan &plan, bool unrepeated) {
  OperandPlan query = peelTransposes(plan.query);
  OperandPlan key = peelTransposes(plan.key);
  std::optional<raise::RopeOperand> q = ropeOperand(query, plan.nk - plan.nq);
  std::optional<raise::RopeOperand> k = ropeOperand(key, 0);
  if (!q || !k)
    return;
  std::optional<raise::RopeFold> fold =
      raise::matchRope(*q, *k, plan.ropeRemark);
  if (!fold)
    return;
  query.source = fold->queryRoot;
  key.source = fold->keyRoot;
  plan.query = query;
  plan.key = key;
  plan.rope = fold->rope;
  if (unrepeated)
    return;
  std::optional<OperandPlan> kHeads = planUnrepeatHeads(plan.key);
  std::optional<OperandPlan> vHeads = planUnrepeatHeads(plan.value);
  if (kHeads && vHeads && kHeads->shape()[1] == vHeads->shape()[1]) {
    plan.key = *kHeads;
    plan.value = *vHeads;
  }
}

/// Checks every reason to refuse the rewrite of `m` and works out what it
/// builds. Returns std::nullopt with `why` set on refusal; creates nothing.
static std::optional<RaisePlan> planRewrite(const AttentionMatch &m,
                                            std::string &why) {
  for (Value t : {m.query, m.key, m.value})
    if (!cast<RankedTensorType>(t.getType()).hasStaticShape()) {
      why = "Q, K or V has a dynamic shape";
      return std::nullopt;
    }
  RaisePlan plan;
  plan.element = getElementTypeOrSelf(m.query.getType());
  Type element = plan.element;
  if (getElementTypeOrSelf(m.key.getType()) != element ||
      getElementTypeOrSelf(m.value.getType()) != element ||
      !(element.isF32() || element.isF16() || element.isBF16())) {
    why = "Q, K and V do not share one element type among f32, f16, bf16";
    return std::nullopt;
  }
  auto resultType = cast<RankedTensorType>(m.pv.op->getResult(0).getType());
  if (resultType.getElementType() != element) {
    why = "the attention result's element type differs from Q's";
    return std::nullopt;
  }
  plan.query = planOperand4D(m.query, m.queryMap,
                             loopOrder(m.qk, m.qk.m, m.qk.k), m.batch, m.heads);
  plan.key = planOperand4D(m.key, m.keyMap, loopOrder(m.qk, m.qk.n, m.qk.k),
                           m.batch, m.heads);
  plan.value = planOperand4D(m.value, m.valueMap,
                             loopOrder(m.pv, m.pv.k, m.pv.n), m.batch, m.heads);
  // GQA written as a repeat of K and V: attend to the kv heads directly.
  std::optional<OperandPlan> kHeads = planUnrepeatHeads(plan.key);
  std::optional<OperandPlan> vHeads = planUnrepeatHeads(plan.value);
  bool unrepeated = false;
  if (kHeads && vHeads && kHeads->shape()[1] == vHeads->shape()[1]) {
    plan.key = *kHeads;
    plan.value = *vHeads;
    unrepeated = true;
  }
  SmallVector<int64_t> qShape = plan.query.shape();
  plan.batch = qShape[0];
  plan.heads = qShape[1];
  plan.nq = qShape[2];
  plan.nk = plan.key.shape()[2];
  plan.dv = plan.value.shape()[3];
  // The attention result, with the batch dims the P·V result has fewer of
  // collapsed, then transposed into its layout, must be the P·V result.
  plan.pvBatch = m.pv.batch.size();
  SmallVector<int64_t> shape = {plan.batch, plan.heads, plan.nq, plan.dv};
  if (plan.pvBatch == 1)
    shape = {plan.batch * plan.heads, plan.nq, plan.dv};
  else if (plan.pvBatch == 0)
    shape = {plan.batch * plan.heads * plan.nq, plan.dv};
  linalg::LinalgOp pvOp = m.pv.op;
  SmallVector<int64_t> perm = positionsOf(pvOp.getIndexingMapsArray()[2],
                                          loopOrder(m.pv, m.pv.m, m.pv.n));
  if (!isIdentityPermutation(perm)) {
    // The result is in (batch..., m, n) order; result position perm[t]
    // holds t.
    plan.outPerm = invertPermutationVector(perm);
    applyPermutationToVector(shape, plan.outPerm);
  }
  if (RankedTensorType::get(shape, element) != resultType) {
    why = "the rewritten result type does not match the P·V result";
    return std::nullopt;
  }
  planRope(plan, unrepeated);
  return plan;
}

/// Builds the sink_attention of `plan` before the P·V contraction of `m` and
/// replaces the P·V result with it. Cannot fail.
static void buildRewrite(IRRewriter &rewriter, const AttentionMatch &m,
                         const RaisePlan &plan) {
  Operation *pvOp = m.pv.op;
  Location loc = pvOp->getLoc();
  rewriter.setInsertionPoint(pvOp);
  Value q = plan.query.build(rewriter, loc);
  Value k = plan.key.build(rewriter, loc);
  Value v = plan.value.build(rewriter, loc);
  Value keyMask;
  if (m.bias) {
    // key_mask[b, j] = bias[...] == 0, reading the bias through its map
    // with the head and query dims at 0 (they are unit dims there).
    unsigned rank = m.frameRank;
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> replacements;
    for (unsigned d = 0; d < rank; ++d) {
      if (d == rank - 1)
        replacements.push_back(getAffineDimExpr(1, ctx));
      else if (d == 0 && rank >= 3)
        replacements.push_back(getAffineDimExpr(0, ctx));
      else
        replacements.push_back(getAffineConstantExpr(0, ctx));
    }
    AffineMap biasMap = m.biasMap.replaceDimsAndSymbols(replacements, {}, 2, 0);
    // With H = 1 from a collapsed batch (frame rank 3), b ranges over B·H.
    Value empty = tensor::EmptyOp::create(rewriter, loc, {plan.batch, plan.nk},
                                          rewriter.getI1Type());
    auto maskOp = linalg::GenericOp::create(
        rewriter, loc, TypeRange{empty.getType()}, ValueRange{m.bias},
        ValueRange{empty},
        ArrayRef<AffineMap>{biasMap, AffineMap::getMultiDimIdentityMap(2, ctx)},
        SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value zero = arith::ConstantOp::create(
              b, l, b.getFloatAttr(args[0].getType(), 0.0));
          Value keep = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ,
                                             args[0], zero);
          linalg::YieldOp::create(b, l, keep);
        });
    keyMask = maskOp->getResult(0);
  }
  Value init = tensor::EmptyOp::create(
      rewriter, loc, {plan.batch, plan.heads, plan.nq, plan.dv}, plan.element);
  auto attention = SinkAttentionOp::create(
      rewriter, loc, TypeRange{init.getType()}, q, k, v,
      /*sink_logits=*/Value(), /*kv_len=*/Value(), keyMask,
      /*key_positions=*/Value(), init, /*num_sinks=*/0, /*window=*/nullptr,
      /*causal=*/m.causal, rewriter.getF32FloatAttr(m.scale), plan.rope);
  // Back to the P·V result: collapse the batch dims it has fewer of, then
  // transpose into its layout.
  Value out = attention->getResult(0);
  if (plan.pvBatch == 1)
    out = tensor::CollapseShapeOp::create(
        rewriter, loc, out,
        SmallVector<ReassociationIndices>{{0, 1}, {2}, {3}});
  else if (plan.pvBatch == 0)
    out = tensor::CollapseShapeOp::create(
        rewriter, loc, out, SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
  if (!plan.outPerm.empty()) {
    auto resultType = cast<RankedTensorType>(pvOp->getResult(0).getType());
    Value empty = tensor::EmptyOp::create(rewriter, loc, resultType.getShape(),
                                          plan.element);
    out = linalg::TransposeOp::create(rewriter, loc, out, empty, plan.outPerm)
              ->getResult(0);
  }
  rewriter.replaceAllUsesWith(pvOp->getResult(0), out);
}

struct RaiseAttentionPass
    : bitsink::impl::BitSinkRaiseAttentionBase<RaiseAttentionPass> {
  using BitSinkRaiseAttentionBase::BitSinkRaiseAttentionBase;

  void runOnOperation() override {
    SmallVector<Operation *> candidates;
    getOperation().walk([&](linalg::LinalgOp op) {
      if (matchContraction(op))
        candidates.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    llvm::SetVector<Operation *> dead;
    for (Operation *op : candidates) {
      std::optional<Contraction> pv = matchContraction(op);
      if (!pv)
        continue;
      // Matching and planning only read the IR: a refused match leaves it
      // exactly as it was.
      AttentionMatch m;
      std::string why;
      bool isAttention = false;
      if (!matchAttention(*pv, m, why, isAttention)) {
        if (isAttention)
          op->emitRemark() << "attention not raised: " << why;
        continue;
      }
      std::optional<RaisePlan> plan = planRewrite(m, why);
      if (!plan) {
        op->emitRemark() << "attention not raised: " << why;
        continue;
      }
      if (!plan->ropeRemark.empty())
        op->emitRemark() << "RoPE not folded: " << plan->ropeRemark;
      buildRewrite(rewriter, m, *plan);
      dead.insert(m.matched.begin(), m.matched.end());
      dead.insert(op);
    }
    // Erase what the rewrites left without users (the old scores, softmax
    // and contractions, and what only they used).
    if (dead.empty())
      return;
    GreedyRewriteConfig config;
    config.setStrictness(GreedyRewriteStrictness::AnyOp);
    (void)applyOpPatternsGreedily(dead.getArrayRef(), FrozenRewritePatternSet(),
                                  config);
  }
};
} // namespace
