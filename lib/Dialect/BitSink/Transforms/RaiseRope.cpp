//===- RaiseRope.cpp - element evaluation and RoPE for raise-attention ----===//
//
// See RaiseRope.h. The RoPE match proves a rotation from values: it finds
// the tensor an attention operand is computed from, evaluates every element
// of the operand as a linear combination of that tensor's elements, and
// checks the coefficients against cos/sin of the positions the attention
// gives each row (docs/rope-in-graphs.md).
//
//===----------------------------------------------------------------------===//

#include "RaiseRope.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Transforms/RegionUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>
#include <map>

using namespace mlir;
using namespace bitsink;
using namespace bitsink::raise;

namespace {

/// Bounds of one proof: evaluation steps in all, recursion depth, points of
/// one reduction, and elements of a constant the evaluator reads.
constexpr uint64_t kMaxSteps = uint64_t(1) << 28;
constexpr unsigned kMaxDepth = 96;
constexpr int64_t kMaxReduction = 4096;
constexpr int64_t kMaxElements = int64_t(1) << 24;

/// Row-major index of `index` in `shape`.
int64_t flatten(ArrayRef<int64_t> shape, ArrayRef<int64_t> index) {
  int64_t flat = 0;
  for (auto [size, i] : llvm::zip_equal(shape, index))
    flat = flat * size + i;
  return flat;
}

void unflatten(ArrayRef<int64_t> shape, int64_t flat,
               SmallVectorImpl<int64_t> &index) {
  index.resize(shape.size());
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    index[d] = shape[d] == 0 ? 0 : flat % shape[d];
    flat = shape[d] == 0 ? 0 : flat / shape[d];
  }
}

int64_t numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t s : shape)
    n *= s;
  return n;
}

std::optional<int64_t> evaluateAffine(AffineExpr expr, ArrayRef<int64_t> dims) {
  if (auto dim = dyn_cast<AffineDimExpr>(expr))
    return dims[dim.getPosition()];
  if (auto c = dyn_cast<AffineConstantExpr>(expr))
    return c.getValue();
  auto binary = dyn_cast<AffineBinaryOpExpr>(expr);
  if (!binary)
    return std::nullopt;
  std::optional<int64_t> a = evaluateAffine(binary.getLHS(), dims);
  std::optional<int64_t> b = evaluateAffine(binary.getRHS(), dims);
  if (!a || !b)
    return std::nullopt;
  switch (expr.getKind()) {
  case AffineExprKind::Add:
    return *a + *b;
  case AffineExprKind::Mul:
    return *a * *b;
  case AffineExprKind::FloorDiv:
    if (*b == 0)
      return std::nullopt;
    return static_cast<int64_t>(
        std::floor(static_cast<double>(*a) / static_cast<double>(*b)));
  case AffineExprKind::CeilDiv:
    if (*b == 0)
      return std::nullopt;
    return static_cast<int64_t>(
        std::ceil(static_cast<double>(*a) / static_cast<double>(*b)));
  case AffineExprKind::Mod:
    if (*b <= 0)
      return std::nullopt;
    return ((*a % *b) + *b) % *b;
  default:
    return std::nullopt;
  }
}

std::optional<SmallVector<int64_t>> applyMap(AffineMap map,
                                             ArrayRef<int64_t> point) {
  SmallVector<int64_t> index;
  for (AffineExpr expr : map.getResults()) {
    std::optional<int64_t> v = evaluateAffine(expr, point);
    if (!v)
      return std::nullopt;
    index.push_back(*v);
  }
  return index;
}

/// `value` rounded to the float type `type` (unchanged for other types).
double roundTo(Type type, double value) {
  if (type.isF32())
    return static_cast<double>(static_cast<float>(value));
  auto floatType = dyn_cast<FloatType>(type);
  if (!floatType || type.isF64() || !std::isfinite(value))
    return value;
  APFloat f(value);
  bool lost = false;
  f.convert(floatType.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
  return f.convertToDouble();
}

LinearElement constantOf(double value) {
  LinearElement e;
  e.constant = value;
  return e;
}

LinearElement scaled(LinearElement e, double factor) {
  e.constant *= factor;
  for (auto &term : e.terms)
    term.second *= factor;
  return e;
}

LinearElement combined(const LinearElement &a, const LinearElement &b,
                       double bFactor) {
  LinearElement e = a;
  e.constant += bFactor * b.constant;
  for (const auto &[index, coefficient] : b.terms) {
    auto *it = llvm::find_if(e.terms, [&, index = index](const auto &term) {
      return term.first == index;
    });
    if (it != e.terms.end())
      it->second += bFactor * coefficient;
    else
      e.terms.emplace_back(index, bFactor * coefficient);
  }
  return e;
}

bool isInterpretable(Operation *op) {
  StringRef dialect = op->getName().getDialectNamespace();
  if (auto linalgOp = dyn_cast<linalg::LinalgOp>(op))
    return linalgOp.hasPureTensorSemantics();
  return isa<arith::ConstantOp, tensor::EmptyOp, tensor::ExtractSliceOp,
             tensor::InsertSliceOp, tensor::ConcatOp, tensor::ExpandShapeOp,
             tensor::CollapseShapeOp, tensor::CastOp, tensor::SplatOp>(op) ||
         dialect == arith::ArithDialect::getDialectNamespace() ||
         dialect == math::MathDialect::getDialectNamespace();
}

/// Static offsets, sizes and strides of a slice op, if all are static.
template <typename SliceOp>
bool staticSlice(SliceOp op, SmallVectorImpl<int64_t> &offsets,
                 SmallVectorImpl<int64_t> &sizes,
                 SmallVectorImpl<int64_t> &strides) {
  offsets.assign(op.getStaticOffsets().begin(), op.getStaticOffsets().end());
  sizes.assign(op.getStaticSizes().begin(), op.getStaticSizes().end());
  strides.assign(op.getStaticStrides().begin(), op.getStaticStrides().end());
  for (ArrayRef<int64_t> list :
       {ArrayRef<int64_t>(offsets), ArrayRef<int64_t>(sizes),
        ArrayRef<int64_t>(strides)})
    if (llvm::any_of(list, ShapedType::isDynamic))
      return false;
  return true;
}

/// Maps an index of a slice (rank-reduced along `dropped`) to the index of
/// the full tensor it is a slice of.
SmallVector<int64_t> sliceToFull(ArrayRef<int64_t> index,
                                 ArrayRef<int64_t> offsets,
                                 ArrayRef<int64_t> strides,
                                 const llvm::SmallBitVector &dropped) {
  SmallVector<int64_t> full;
  unsigned k = 0;
  for (unsigned d = 0; d < offsets.size(); ++d) {
    if (dropped.test(d))
      full.push_back(offsets[d]);
    else
      full.push_back(offsets[d] + strides[d] * index[k++]);
  }
  return full;
}

} // namespace

//===----------------------------------------------------------------------===//
// ElementEvaluator
//===----------------------------------------------------------------------===//

/// The scalar values of one evaluation of a linalg body at one loop point.
struct ElementEvaluator::Frame {
  Operation *op = nullptr;
  ArrayRef<int64_t> point;
  /// Per init, the value accumulated so far (reductions only).
  ArrayRef<std::optional<LinearElement>> accumulators;
  bool reducing = false;
  llvm::SmallDenseMap<Value, LinearElement, 8> values;
};

ElementEvaluator::ElementEvaluator(Value root) : root(root) {}

bool ElementEvaluator::step() { return ++steps <= kMaxSteps; }

const ElementEvaluator::LinalgInfo &
ElementEvaluator::infoOf(linalg::LinalgOp op) {
  auto [it, inserted] = linalgInfo.try_emplace(op.getOperation());
  if (inserted) {
    it->second.ranges = op.getStaticLoopRanges();
    it->second.iterators = op.getIteratorTypesArray();
    it->second.maps = op.getIndexingMapsArray();
  }
  return it->second;
}

std::optional<LinearElement>
ElementEvaluator::element(Value tensor, ArrayRef<int64_t> index) {
  return elementOf(tensor, index, 0);
}

std::optional<double>
ElementEvaluator::constantElement(Value tensor, ArrayRef<int64_t> index) {
  std::optional<LinearElement> e = elementOf(tensor, index, 0);
  if (!e || !e->terms.empty())
    return std::nullopt;
  return e->constant;
}

std::optional<double> ElementEvaluator::denseElement(Attribute attr,
                                                     int64_t flat) {
  auto elements = dyn_cast<ElementsAttr>(attr);
  if (!elements)
    return std::nullopt;
  Type elementType = elements.getElementType();
  auto fromAPInt = [&](const APInt &i) {
    return elementType.isInteger(1) || elementType.isUnsignedInteger()
               ? static_cast<double>(i.getZExtValue())
               : static_cast<double>(i.getSExtValue());
  };
  if (auto denseAttr = dyn_cast<DenseElementsAttr>(attr);
      denseAttr && denseAttr.isSplat()) {
    if (isa<FloatType>(elementType))
      return denseAttr.getSplatValue<APFloat>().convertToDouble();
    if (elementType.isIntOrIndex())
      return fromAPInt(denseAttr.getSplatValue<APInt>());
    return std::nullopt;
  }
  auto it = dense.find(attr);
  if (it == dense.end()) {
    int64_t count = elements.getNumElements();
    if (count > kMaxElements)
      return std::nullopt;
    std::vector<double> values;
    values.reserve(count);
    if (auto denseAttr = dyn_cast<DenseElementsAttr>(attr)) {
      if (isa<FloatType>(elementType)) {
        for (const APFloat &f : denseAttr.getValues<APFloat>())
          values.push_back(f.convertToDouble());
      } else if (elementType.isIntOrIndex()) {
        for (const APInt &i : denseAttr.getValues<APInt>())
          values.push_back(fromAPInt(i));
      } else {
        return std::nullopt;
      }
    } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(attr)) {
      AsmResourceBlob *blob = resource.getRawHandle().getBlob();
      if (!blob)
        return std::nullopt;
      ArrayRef<char> bytes = blob->getData();
      unsigned width =
          elementType.isInteger(1) ? 8 : elementType.getIntOrFloatBitWidth();
      if (width % 8 != 0 ||
          static_cast<int64_t>(bytes.size()) != count * (width / 8))
        return std::nullopt;
      for (int64_t k = 0; k < count; ++k) {
        const char *p = bytes.data() + k * (width / 8);
        uint64_t bits = 0;
        std::memcpy(&bits, p, width / 8);
        APInt raw(width, bits);
        if (auto floatType = dyn_cast<FloatType>(elementType))
          values.push_back(
              APFloat(floatType.getFloatSemantics(), raw).convertToDouble());
        else
          values.push_back(fromAPInt(raw));
      }
    } else {
      return std::nullopt;
    }
    it = dense.try_emplace(attr, std::move(values)).first;
  }
  if (flat < 0 || flat >= static_cast<int64_t>(it->second.size()))
    return std::nullopt;
  return it->second[flat];
}

std::optional<LinearElement>
ElementEvaluator::elementOf(Value tensor, ArrayRef<int64_t> index,
                            unsigned depth) {
  if (!step() || depth > kMaxDepth)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(tensor.getType());
  if (!type || !type.hasStaticShape() ||
      index.size() != static_cast<size_t>(type.getRank()))
    return std::nullopt;
  ArrayRef<int64_t> shape = type.getShape();
  for (auto [i, size] : llvm::zip_equal(index, shape))
    if (i < 0 || i >= size)
      return std::nullopt;
  int64_t flat = flatten(shape, index);
  if (tensor == root) {
    LinearElement e;
    e.terms.emplace_back(flat, 1.0);
    return e;
  }
  std::pair<void *, int64_t> key(tensor.getAsOpaquePointer(), flat);
  if (auto it = memo.find(key); it != memo.end())
    return constantOf(it->second);
  Operation *op = tensor.getDefiningOp();
  if (!op)
    return std::nullopt;

  std::optional<LinearElement> result;
  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    if (std::optional<double> v = denseElement(constant.getValue(), flat))
      result = constantOf(*v);
  } else if (auto slice = dyn_cast<tensor::ExtractSliceOp>(op)) {
    SmallVector<int64_t> offsets, sizes, strides;
    if (staticSlice(slice, offsets, sizes, strides))
      result = elementOf(
          slice.getSource(),
          sliceToFull(index, offsets, strides, slice.getDroppedDims()),
          depth + 1);
  } else if (auto insert = dyn_cast<tensor::InsertSliceOp>(op)) {
    SmallVector<int64_t> offsets, sizes, strides;
    if (staticSlice(insert, offsets, sizes, strides)) {
      ArrayRef<int64_t> sourceShape = insert.getSourceType().getShape();
      std::optional<llvm::SmallDenseSet<unsigned>> droppedSet =
          computeRankReductionMask(sizes, sourceShape);
      if (droppedSet) {
        llvm::SmallBitVector dropped(sizes.size());
        for (unsigned d : *droppedSet)
          dropped.set(d);
        bool inside = true;
        SmallVector<int64_t> sourceIndex;
        for (unsigned d = 0; d < sizes.size() && inside; ++d) {
          int64_t rel = index[d] - offsets[d];
          if (rel < 0 || rel % strides[d] != 0 || rel / strides[d] >= sizes[d])
            inside = false;
          else if (!dropped.test(d))
            sourceIndex.push_back(rel / strides[d]);
        }
        result = inside ? elementOf(insert.getSource(), sourceIndex, depth + 1)
                        : elementOf(insert.getDest(), index, depth + 1);
      }
    }
  } else if (auto concat = dyn_cast<tensor::ConcatOp>(op)) {
    int64_t dim = concat.getDim();
    SmallVector<int64_t> inner(index);
    for (Value input : concat.getInputs()) {
      int64_t size = cast<RankedTensorType>(input.getType()).getDimSize(dim);
      if (inner[dim] < size) {
        result = elementOf(input, inner, depth + 1);
        break;
      }
      inner[dim] -= size;
    }
  } else if (auto expand = dyn_cast<tensor::ExpandShapeOp>(op)) {
    SmallVector<int64_t> sourceIndex;
    for (const ReassociationIndices &group : expand.getReassociationIndices()) {
      int64_t linear = 0;
      for (int64_t d : group)
        linear = linear * shape[d] + index[d];
      sourceIndex.push_back(linear);
    }
    result = elementOf(expand.getSrc(), sourceIndex, depth + 1);
  } else if (auto collapse = dyn_cast<tensor::CollapseShapeOp>(op)) {
    ArrayRef<int64_t> sourceShape = collapse.getSrcType().getShape();
    SmallVector<int64_t> sourceIndex(sourceShape.size());
    for (auto [g, group] :
         llvm::enumerate(collapse.getReassociationIndices())) {
      int64_t linear = index[g];
      for (int64_t d : llvm::reverse(group)) {
        sourceIndex[d] = linear % sourceShape[d];
        linear /= sourceShape[d];
      }
    }
    result = elementOf(collapse.getSrc(), sourceIndex, depth + 1);
  } else if (auto castOp = dyn_cast<tensor::CastOp>(op)) {
    result = elementOf(castOp.getSource(), index, depth + 1);
  } else if (auto splat = dyn_cast<tensor::SplatOp>(op)) {
    Frame frame;
    result = scalar(splat.getInput(), frame, depth + 1);
  } else if (isa<linalg::LinalgOp>(op)) {
    result = linalgElement(op, cast<OpResult>(tensor).getResultNumber(), index,
                           depth + 1);
  }
  if (result && result->terms.empty())
    memo[key] = result->constant;
  return result;
}

std::optional<LinearElement>
ElementEvaluator::linalgElement(Operation *op, unsigned result,
                                ArrayRef<int64_t> index, unsigned depth) {
  auto linalgOp = cast<linalg::LinalgOp>(op);
  if (!linalgOp.hasPureTensorSemantics() || result >= linalgOp.getNumDpsInits())
    return std::nullopt;
  const LinalgInfo &info = infoOf(linalgOp);
  ArrayRef<int64_t> ranges = info.ranges;
  if (llvm::any_of(ranges, ShapedType::isDynamic))
    return std::nullopt;
  AffineMap outMap =
      info.maps[linalgOp.getDpsInitOperand(result)->getOperandNumber()];
  SmallVector<int64_t> point(linalgOp.getNumLoops(), -1);
  for (auto [k, expr] : llvm::enumerate(outMap.getResults())) {
    if (auto dim = dyn_cast<AffineDimExpr>(expr)) {
      int64_t &slot = point[dim.getPosition()];
      if (slot != -1 && slot != index[k])
        return std::nullopt;
      slot = index[k];
    } else if (auto c = dyn_cast<AffineConstantExpr>(expr)) {
      if (c.getValue() != index[k])
        return std::nullopt;
    } else {
      return std::nullopt;
    }
  }
  ArrayRef<utils::IteratorType> iterators = info.iterators;
  SmallVector<unsigned> reductionDims;
  int64_t count = 1;
  for (unsigned d = 0; d < point.size(); ++d) {
    if (point[d] != -1)
      continue;
    if (iterators[d] != utils::IteratorType::reduction)
      return std::nullopt;
    reductionDims.push_back(d);
    point[d] = 0;
    count *= ranges[d];
  }
  Operation *yield = linalgOp.getBlock()->getTerminator();
  if (reductionDims.empty()) {
    Frame frame;
    frame.op = op;
    frame.point = point;
    return scalar(yield->getOperand(result), frame, depth + 1);
  }
  if (count > kMaxReduction)
    return std::nullopt;
  SmallVector<std::optional<LinearElement>> accumulators;
  for (OpOperand &init : linalgOp.getDpsInitsMutable()) {
    std::optional<SmallVector<int64_t>> initIndex =
        applyMap(info.maps[init.getOperandNumber()], point);
    accumulators.push_back(initIndex
                               ? elementOf(init.get(), *initIndex, depth + 1)
                               : std::nullopt);
  }
  for (int64_t t = 0; t < count; ++t) {
    int64_t rest = t;
    for (unsigned d : llvm::reverse(reductionDims)) {
      point[d] = rest % ranges[d];
      rest /= ranges[d];
    }
    Frame frame;
    frame.op = op;
    frame.point = point;
    frame.accumulators = accumulators;
    frame.reducing = true;
    SmallVector<std::optional<LinearElement>> next;
    for (Value yielded : yield->getOperands())
      next.push_back(scalar(yielded, frame, depth + 1));
    accumulators = std::move(next);
  }
  return accumulators[result];
}

std::optional<LinearElement> ElementEvaluator::scalar(Value value, Frame &frame,
                                                      unsigned depth) {
  if (!step() || depth > kMaxDepth)
    return std::nullopt;
  if (auto it = frame.values.find(value); it != frame.values.end())
    return it->second;
  std::optional<LinearElement> result;
  auto done = [&](std::optional<LinearElement> r) {
    if (r)
      frame.values[value] = *r;
    return r;
  };

  if (auto arg = dyn_cast<BlockArgument>(value)) {
    auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(frame.op);
    if (!linalgOp || arg.getOwner() != linalgOp.getBlock())
      return std::nullopt;
    OpOperand *operand = linalgOp.getMatchingOpOperand(arg);
    if (frame.reducing && linalgOp.isDpsInit(operand)) {
      unsigned k = operand->getOperandNumber() - linalgOp.getNumDpsInputs();
      return done(frame.accumulators[k]);
    }
    if (!isa<RankedTensorType>(operand->get().getType())) {
      Frame outer;
      return done(scalar(operand->get(), outer, depth + 1));
    }
    std::optional<SmallVector<int64_t>> index = applyMap(
        infoOf(linalgOp).maps[operand->getOperandNumber()], frame.point);
    if (!index)
      return std::nullopt;
    return done(elementOf(operand->get(), *index, depth + 1));
  }

  Operation *op = value.getDefiningOp();
  if (!op)
    return std::nullopt;
  Type type = value.getType();
  auto operand = [&](unsigned i) {
    return scalar(op->getOperand(i), frame, depth + 1);
  };
  auto constantOperand = [&](unsigned i) -> std::optional<double> {
    std::optional<LinearElement> e = operand(i);
    if (!e || !e->terms.empty())
      return std::nullopt;
    return e->constant;
  };
  /// A constant result is rounded to the op's type; one with root terms is
  /// kept exact (its coefficients are what the proof checks).
  auto finish = [&](LinearElement e) -> std::optional<LinearElement> {
    if (e.terms.empty())
      e.constant = roundTo(type, e.constant);
    return e;
  };
  auto constantUnary = [&](auto fn) -> std::optional<LinearElement> {
    std::optional<double> a = constantOperand(0);
    if (!a)
      return std::nullopt;
    return finish(constantOf(fn(*a)));
  };
  auto constantBinary = [&](auto fn) -> std::optional<LinearElement> {
    std::optional<double> a = constantOperand(0), b = constantOperand(1);
    if (!a || !b)
      return std::nullopt;
    return finish(constantOf(fn(*a, *b)));
  };
  auto asInt = [](double v) { return static_cast<int64_t>(v); };

  if (auto constant = dyn_cast<arith::ConstantOp>(op)) {
    if (auto f = dyn_cast<FloatAttr>(constant.getValue()))
      result = constantOf(f.getValueAsDouble());
    else if (auto i = dyn_cast<IntegerAttr>(constant.getValue()))
      result =
          constantOf(i.getType().isInteger(1)
                         ? static_cast<double>(i.getValue().getZExtValue())
                         : static_cast<double>(i.getValue().getSExtValue()));
  } else if (auto index = dyn_cast<linalg::IndexOp>(op)) {
    if (frame.op && index->getParentOp() == frame.op &&
        index.getDim() < frame.point.size())
      result = constantOf(static_cast<double>(frame.point[index.getDim()]));
  } else if (auto extract = dyn_cast<tensor::ExtractOp>(op)) {
    SmallVector<int64_t> at;
    bool ok = true;
    for (unsigned i = 1; i < op->getNumOperands() && ok; ++i) {
      std::optional<double> v = constantOperand(i);
      ok = v.has_value();
      if (ok)
        at.push_back(asInt(*v));
    }
    if (ok)
      result = elementOf(extract.getTensor(), at, depth + 1);
  } else if (isa<arith::AddFOp, arith::AddIOp, arith::SubFOp, arith::SubIOp>(
                 op)) {
    std::optional<LinearElement> a = operand(0), b = operand(1);
    if (a && b)
      result = finish(
          combined(*a, *b, isa<arith::AddFOp, arith::AddIOp>(op) ? 1.0 : -1.0));
  } else if (isa<arith::MulFOp, arith::MulIOp>(op)) {
    std::optional<LinearElement> a = operand(0), b = operand(1);
    if (a && b) {
      if (a->terms.empty())
        result = finish(scaled(*b, a->constant));
      else if (b->terms.empty())
        result = finish(scaled(*a, b->constant));
    }
  } else if (isa<arith::DivFOp>(op)) {
    std::optional<LinearElement> a = operand(0);
    std::optional<double> b = constantOperand(1);
    if (a && b) {
      if (a->terms.empty())
        result = finish(constantOf(a->constant / *b));
      else if (*b != 0.0)
        result = finish(scaled(*a, 1.0 / *b));
    }
  } else if (isa<arith::NegFOp>(op)) {
    if (std::optional<LinearElement> a = operand(0))
      result = finish(scaled(*a, -1.0));
  } else if (isa<arith::ExtFOp, arith::TruncFOp>(op)) {
    if (std::optional<LinearElement> a = operand(0))
      result = finish(*a);
  } else if (isa<arith::SIToFPOp, arith::UIToFPOp, arith::IndexCastOp,
                 arith::IndexCastUIOp, arith::ExtSIOp, arith::ExtUIOp>(op)) {
    result = constantUnary([](double a) { return a; });
  } else if (isa<arith::FPToSIOp, arith::FPToUIOp>(op)) {
    result = constantUnary([](double a) { return std::trunc(a); });
  } else if (auto trunc = dyn_cast<arith::TruncIOp>(op)) {
    unsigned width = type.getIntOrFloatBitWidth();
    result = constantUnary([&](double a) {
      if (width >= 63)
        return a;
      int64_t v = static_cast<int64_t>(a) & ((int64_t(1) << width) - 1);
      if (width > 1 && (v >> (width - 1)) & 1)
        v -= int64_t(1) << width;
      return static_cast<double>(v);
    });
  } else if (isa<arith::DivSIOp, arith::DivUIOp>(op)) {
    result = constantBinary([&](double a, double b) {
      return b == 0.0 ? NAN : static_cast<double>(asInt(a) / asInt(b));
    });
    if (result && std::isnan(result->constant))
      result.reset();
  } else if (isa<arith::RemSIOp, arith::RemUIOp>(op)) {
    result = constantBinary([&](double a, double b) {
      return b == 0.0 ? NAN : static_cast<double>(asInt(a) % asInt(b));
    });
    if (result && std::isnan(result->constant))
      result.reset();
  } else if (isa<arith::FloorDivSIOp>(op)) {
    result =
        constantBinary([](double a, double b) { return std::floor(a / b); });
  } else if (isa<arith::CeilDivSIOp, arith::CeilDivUIOp>(op)) {
    result =
        constantBinary([](double a, double b) { return std::ceil(a / b); });
  } else if (isa<arith::MaxSIOp, arith::MaxUIOp, arith::MaxNumFOp>(op)) {
    result = constantBinary([](double a, double b) { return std::max(a, b); });
  } else if (isa<arith::MinSIOp, arith::MinUIOp, arith::MinNumFOp>(op)) {
    result = constantBinary([](double a, double b) { return std::min(a, b); });
  } else if (isa<arith::MaximumFOp>(op)) {
    result = constantBinary([](double a, double b) {
      return std::isnan(a) || std::isnan(b) ? NAN : std::max(a, b);
    });
  } else if (isa<arith::MinimumFOp>(op)) {
    result = constantBinary([](double a, double b) {
      return std::isnan(a) || std::isnan(b) ? NAN : std::min(a, b);
    });
  } else if (isa<arith::AndIOp>(op)) {
    result = constantBinary([&](double a, double b) {
      return static_cast<double>(asInt(a) & asInt(b));
    });
  } else if (isa<arith::OrIOp>(op)) {
    result = constantBinary([&](double a, double b) {
      return static_cast<double>(asInt(a) | asInt(b));
    });
  } else if (isa<arith::XOrIOp>(op)) {
    result = constantBinary([&](double a, double b) {
      return static_cast<double>(asInt(a) ^ asInt(b));
    });
  } else if (isa<arith::RemFOp>(op)) {
    result = constantBinary([](double a, double b) { return std::fmod(a, b); });
  } else if (isa<math::PowFOp>(op)) {
    result = constantBinary([](double a, double b) { return std::pow(a, b); });
  } else if (isa<math::CosOp>(op)) {
    result = constantUnary([](double a) { return std::cos(a); });
  } else if (isa<math::SinOp>(op)) {
    result = constantUnary([](double a) { return std::sin(a); });
  } else if (isa<math::ExpOp>(op)) {
    result = constantUnary([](double a) { return std::exp(a); });
  } else if (isa<math::Exp2Op>(op)) {
    result = constantUnary([](double a) { return std::exp2(a); });
  } else if (isa<math::LogOp>(op)) {
    result = constantUnary([](double a) { return std::log(a); });
  } else if (isa<math::SqrtOp>(op)) {
    result = constantUnary([](double a) { return std::sqrt(a); });
  } else if (isa<math::RsqrtOp>(op)) {
    result = constantUnary([](double a) { return 1.0 / std::sqrt(a); });
  } else if (isa<math::AbsFOp>(op)) {
    result = constantUnary([](double a) { return std::fabs(a); });
  } else if (isa<math::FloorOp>(op)) {
    result = constantUnary([](double a) { return std::floor(a); });
  } else if (isa<math::CeilOp>(op)) {
    result = constantUnary([](double a) { return std::ceil(a); });
  } else if (auto cmp = dyn_cast<arith::CmpIOp>(op)) {
    using P = arith::CmpIPredicate;
    P pred = cmp.getPredicate();
    result = constantBinary([&](double a, double b) -> double {
      switch (pred) {
      case P::eq:
        return a == b;
      case P::ne:
        return a != b;
      case P::slt:
      case P::ult:
        return a < b;
      case P::sle:
      case P::ule:
        return a <= b;
      case P::sgt:
      case P::ugt:
        return a > b;
      case P::sge:
      case P::uge:
        return a >= b;
      }
      return 0.0;
    });
  } else if (auto cmp = dyn_cast<arith::CmpFOp>(op)) {
    using P = arith::CmpFPredicate;
    P pred = cmp.getPredicate();
    std::optional<double> a = constantOperand(0), b = constantOperand(1);
    if (a && b) {
      bool unordered = std::isnan(*a) || std::isnan(*b);
      bool r = false;
      switch (pred) {
      case P::AlwaysFalse:
        r = false;
        break;
      case P::AlwaysTrue:
        r = true;
        break;
      case P::OEQ:
        r = !unordered && *a == *b;
        break;
      case P::ONE:
        r = !unordered && *a != *b;
        break;
      case P::OLT:
        r = !unordered && *a < *b;
        break;
      case P::OLE:
        r = !unordered && *a <= *b;
        break;
      case P::OGT:
        r = !unordered && *a > *b;
        break;
      case P::OGE:
        r = !unordered && *a >= *b;
        break;
      case P::ORD:
        r = !unordered;
        break;
      case P::UEQ:
        r = unordered || *a == *b;
        break;
      case P::UNE:
        r = unordered || *a != *b;
        break;
      case P::ULT:
        r = unordered || *a < *b;
        break;
      case P::ULE:
        r = unordered || *a <= *b;
        break;
      case P::UGT:
        r = unordered || *a > *b;
        break;
      case P::UGE:
        r = unordered || *a >= *b;
        break;
      case P::UNO:
        r = unordered;
        break;
      }
      result = constantOf(r ? 1.0 : 0.0);
    }
  } else if (isa<arith::SelectOp>(op)) {
    if (std::optional<double> c = constantOperand(0))
      result = *c != 0.0 ? operand(1) : operand(2);
  }
  return done(result);
}

//===----------------------------------------------------------------------===//
// RoPE
//===----------------------------------------------------------------------===//

namespace {

/// One element `y[.., r, d]` of a rotated operand: `self · x[.., r, d] +
/// other · x[.., r, partner]`, at the position of its row.
struct Entry {
  int64_t position;
  int32_t feature;
  int32_t partner; // -1: none
  double self, other;
};

/// An operand proven to be a linear map of `root` along its head dim.
struct Rotation {
  Value root;
  int64_t features = 0;
  double tolerance = 1e-5;
  std::vector<Entry> entries;
};

/// The values the backward slice of a tensor is made of, breadth first, as
/// far as the evaluator can follow them (at most kMaxNodes).
struct Slice {
  static constexpr unsigned kMaxNodes = 256;
  SmallVector<Value> nodes;
  llvm::DenseMap<Value, unsigned> id;
  SmallVector<SmallVector<unsigned>> operands;
  SmallVector<bool> expanded, constant;

  explicit Slice(Value source) {
    add(source);
    for (unsigned next = 0; next < nodes.size(); ++next) {
      Value v = nodes[next];
      Operation *op = v.getDefiningOp();
      if (!op || !isInterpretable(op))
        continue;
      llvm::SetVector<Value> inputs(op->getOperands().begin(),
                                    op->getOperands().end());
      for (Region &region : op->getRegions()) {
        llvm::SetVector<Value> above;
        getUsedValuesDefinedAbove(region, above);
        inputs.insert(above.begin(), above.end());
      }
      unsigned fresh =
          llvm::count_if(inputs, [&](Value input) { return !id.count(input); });
      if (nodes.size() + fresh > kMaxNodes)
        continue;
      expanded[next] = true;
      for (Value input : inputs) {
        unsigned child = add(input);
        operands[next].push_back(child);
      }
    }
    // A value is constant when it is computed, by ops the evaluator knows,
    // from constants only. Operands come after their users in BFS order
    // only along the first path found, so iterate to the fixed point.
    constant.assign(nodes.size(), false);
    for (bool changed = true; changed;) {
      changed = false;
      for (unsigned v = 0; v < nodes.size(); ++v) {
        if (constant[v] || !expanded[v])
          continue;
        if (llvm::all_of(operands[v], [&](unsigned u) { return constant[u]; }))
          constant[v] = changed = true;
      }
    }
  }

  unsigned add(Value v) {
    auto [it, inserted] = id.try_emplace(v, nodes.size());
    if (inserted) {
      nodes.push_back(v);
      operands.emplace_back();
      expanded.push_back(false);
    }
    return it->second;
  }

  /// Whether every path from the source to a value that is not constant and
  /// not followed further goes through node `c`.
  bool dominates(unsigned c) const {
    SmallVector<bool> seen(nodes.size(), false);
    SmallVector<unsigned> stack = {0};
    seen[0] = true;
    while (!stack.empty()) {
      unsigned v = stack.pop_back_val();
      if (!expanded[v])
        return false; // A non-constant leaf reached around `c`.
      for (unsigned u : operands[v]) {
        if (u == c || constant[u] || seen[u])
          continue;
        seen[u] = true;
        stack.push_back(u);
      }
    }
    return true;
  }
};

double toleranceOf(Type element) {
  if (element.isF16())
    return std::ldexp(1.0, -10);
  if (element.isBF16())
    return std::ldexp(1.0, -7);
  return 1e-5;
}

/// Evaluates every element of `spec.source` as a linear function of `root`
/// along the feature dim. Returns false if some element is not one.
bool evaluateRotation(const RopeOperand &spec, Value root, Rotation &out) {
  auto type = cast<RankedTensorType>(spec.source.getType());
  ArrayRef<int64_t> shape = type.getShape();
  int64_t count = numElements(shape);
  if (count > kMaxElements)
    return false;
  ElementEvaluator evaluator(root);
  out.root = root;
  out.features = shape[spec.featureDim];
  out.tolerance = toleranceOf(type.getElementType());
  out.entries.clear();
  out.entries.reserve(count);
  SmallVector<int64_t> index(shape.size(), 0), rootIndex;
  for (int64_t flat = 0; flat < count; ++flat) {
    unflatten(shape, flat, index);
    std::optional<LinearElement> e = evaluator.element(spec.source, index);
    if (!e || e->constant != 0.0)
      return false;
    Entry entry{index[spec.rowDim] + spec.firstPosition,
                static_cast<int32_t>(index[spec.featureDim]), -1, 0.0, 0.0};
    for (auto [rootFlat, coefficient] : e->terms) {
      unflatten(shape, rootFlat, rootIndex);
      for (unsigned d = 0; d < shape.size(); ++d)
        if (d != spec.featureDim && rootIndex[d] != index[d])
          return false;
      int32_t feature = static_cast<int32_t>(rootIndex[spec.featureDim]);
      if (feature == entry.feature) {
        entry.self += coefficient;
      } else if (entry.partner < 0 || entry.partner == feature) {
        entry.partner = feature;
        entry.other += coefficient;
      } else {
        return false;
      }
    }
    out.entries.push_back(entry);
  }
  return true;
}

bool isRotated(const Rotation &r) {
  return llvm::any_of(r.entries, [](const Entry &e) {
    return e.partner >= 0 && e.other != 0.0;
  });
}

/// Finds the tensor `spec.source` is a rotation of: the nearest value of
/// its shape that every non-constant path from it goes through, of which
/// it is a linear function along the feature dim that mixes dims.
bool findRotation(const RopeOperand &spec, Rotation &out) {
  auto type = dyn_cast<RankedTensorType>(spec.source.getType());
  if (!type || !type.hasStaticShape())
    return false;
  Slice slice(spec.source);
  unsigned tried = 0;
  for (unsigned c = 1; c < slice.nodes.size() && tried < 4; ++c) {
    Value candidate = slice.nodes[c];
    auto candidateType = dyn_cast<RankedTensorType>(candidate.getType());
    if (slice.constant[c] || !candidateType ||
        candidateType.getShape() != type.getShape() || !slice.dominates(c))
      continue;
    ++tried;
    if (evaluateRotation(spec, candidate, out) && isRotated(out))
      return true;
  }
  return false;
}

struct Pairing {
  int64_t dims = 0;
  RopeStyle style = RopeStyle::Half;

  int64_t partnerOf(int64_t d) const {
    if (style == RopeStyle::Interleaved)
      return d ^ 1;
    return d < dims / 2 ? d + dims / 2 : d - dims / 2;
  }
  /// Pair of feature `d < dims`, and the sign of sin in its partner's
  /// coefficient (y = a·cos − b·sin for the first of a pair, a·sin + b·cos
  /// for the second).
  std::pair<int64_t, double> pairOf(int64_t d) const {
    if (style == RopeStyle::Interleaved)
      return {d / 2, d % 2 == 0 ? -1.0 : 1.0};
    return d < dims / 2 ? std::make_pair(d, -1.0)
                        : std::make_pair(d - dims / 2, 1.0);
  }
  std::string describe() const {
    return "dims = " + std::to_string(dims) + ", " +
           (style == RopeStyle::Half ? "half" : "interleaved");
  }
};

std::string format(double v) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << llvm::format("%.6g", v + 0.0); // -0 prints as 0.
  return s;
}

/// The RoPE pairing of a rotation, or std::nullopt with `why` set.
std::optional<Pairing> pairingOf(const Rotation &r, StringRef name,
                                 std::string &why) {
  SmallVector<int64_t> partner(r.features, -1);
  for (const Entry &e : r.entries) {
    if (e.partner < 0 || e.other == 0.0)
      continue;
    if (partner[e.feature] >= 0 && partner[e.feature] != e.partner) {
      why = (name + " mixes head dim " + Twine(e.feature) +
             " with more than one other dim, which RoPE does not")
                .str();
      return std::nullopt;
    }
    partner[e.feature] = e.partner;
  }
  Pairing p;
  for (int64_t d = 0; d < r.features; ++d)
    if (partner[d] >= 0)
      p.dims = d + 1;
  bool prefix = p.dims % 2 == 0 &&
                llvm::all_of(ArrayRef<int64_t>(partner).take_front(p.dims),
                             [](int64_t q) { return q >= 0; });
  if (prefix) {
    p.style = p.dims > 2 && partner[0] == 1 ? RopeStyle::Interleaved
                                            : RopeStyle::Half;
    for (int64_t d = 0; d < p.dims && prefix; ++d)
      prefix = partner[d] == p.partnerOf(d);
  }
  if (!prefix) {
    why = (name + " is mixed along its head dim in pairs that are not RoPE's "
                  "(half: m and m + R/2, interleaved: 2m and 2m + 1, for the "
                  "first R dims)")
              .str();
    return std::nullopt;
  }
  for (const Entry &e : r.entries) {
    if (e.feature >= p.dims) {
      if (std::abs(e.self - 1.0) > r.tolerance ||
          (e.partner >= 0 && e.other != 0.0)) {
        why = (name + " changes head dim " + Twine(e.feature) +
               ", which is past the rotated dims (" + Twine(p.dims) + ")")
                  .str();
        return std::nullopt;
      }
    } else if (e.partner >= 0 && e.other != 0.0 &&
               e.partner != p.partnerOf(e.feature)) {
      why = (name + " is not a RoPE pairing").str();
      return std::nullopt;
    }
  }
  return p;
}

struct Sample {
  int64_t position, pair;
  double cos, sin;
};

void collectSamples(const Rotation &r, const Pairing &p,
                    std::vector<Sample> &samples) {
  for (const Entry &e : r.entries) {
    if (e.feature >= p.dims)
      continue;
    auto [pair, sign] = p.pairOf(e.feature);
    double other = e.partner >= 0 ? e.other : 0.0;
    samples.push_back({e.position, pair, e.self, sign * other});
  }
}

/// Checks every sample against the op's angle at `theta` (computed in f32
/// as the kernels do, or exactly). Describes the first mismatch in `why`.
bool verify(ArrayRef<Sample> samples, double theta, const Pairing &p,
            double tolerance, StringRef name, std::string &why) {
  for (const Sample &s : samples) {
    double frequency = std::pow(theta, -2.0 * static_cast<double>(s.pair) /
                                           static_cast<double>(p.dims));
    double exact = static_cast<double>(s.position) * frequency;
    double rounded = static_cast<double>(static_cast<float>(s.position) *
                                         static_cast<float>(frequency));
    auto close = [&](double angle) {
      return std::abs(s.cos - std::cos(angle)) <= tolerance &&
             std::abs(s.sin - std::sin(angle)) <= tolerance;
    };
    if (close(rounded) || close(exact))
      continue;
    why = (name + " is not rotated by its positions: its row at position " +
           Twine(s.position) + " turns pair " + Twine(s.pair) + " by cos " +
           format(s.cos) + ", sin " + format(s.sin) +
           " where theta = " + format(theta) + " gives cos " +
           format(std::cos(rounded)) + ", sin " + format(std::sin(rounded)))
              .str();
    return false;
  }
  return true;
}

/// Estimates theta from the angles of the last pair, unwrapped from the
/// smallest positive position up to the largest.
std::optional<double> estimateTheta(ArrayRef<Sample> samples,
                                    const Pairing &p) {
  int64_t last = p.dims / 2 - 1;
  std::map<int64_t, double> angles;
  for (const Sample &s : samples)
    if (s.pair == last && s.position > 0)
      angles.try_emplace(s.position, std::atan2(s.sin, s.cos));
  double frequency = NAN;
  for (auto [position, angle] : angles) {
    double pos = static_cast<double>(position);
    if (std::isnan(frequency)) {
      frequency = angle / pos;
      continue;
    }
    double turns = std::round((frequency * pos - angle) / (2.0 * M_PI));
    frequency = (angle + 2.0 * M_PI * turns) / pos;
  }
  if (!(frequency > 0.0) || !std::isfinite(frequency))
    return std::nullopt;
  double theta = std::pow(frequency, -static_cast<double>(p.dims) /
                                         static_cast<double>(p.dims - 2));
  if (!(theta > 0.0) || !std::isfinite(theta))
    return std::nullopt;
  return theta;
}

/// `value` rounded to `digits` significant decimal digits.
double roundSignificant(double value, int digits) {
  int exponent =
      digits - 1 - static_cast<int>(std::floor(std::log10(std::abs(value))));
  // Divide by a power of ten that is exact rather than multiply by an
  // inexact one, so that 5e5 comes out as 500000.
  if (exponent < 0) {
    double scale = std::pow(10.0, -exponent);
    return std::round(value / scale) * scale;
  }
  double scale = std::pow(10.0, exponent);
  return std::round(value * scale) / scale;
}

} // namespace

std::optional<RopeFold> bitsink::raise::matchRope(const RopeOperand &query,
                                                  const RopeOperand &key,
                                                  std::string &why) {
  why.clear();
  Rotation q, k;
  bool qRotated = findRotation(query, q);
  bool kRotated = findRotation(key, k);
  if (!qRotated && !kRotated)
    return std::nullopt;
  if (!qRotated || !kRotated) {
    why = std::string(qRotated ? "q" : "k") + " is rotated (RoPE) but " +
          (qRotated ? "k" : "q") + " is not; the op rotates both or neither";
    return std::nullopt;
  }
  std::optional<Pairing> qPairing = pairingOf(q, "q", why);
  if (!qPairing)
    return std::nullopt;
  std::optional<Pairing> kPairing = pairingOf(k, "k", why);
  if (!kPairing)
    return std::nullopt;
  if (qPairing->dims != kPairing->dims || qPairing->style != kPairing->style) {
    why = "q and k are rotated with different pairings (q: " +
          qPairing->describe() + "; k: " + kPairing->describe() + ")";
    return std::nullopt;
  }
  Pairing pairing = *qPairing;
  std::vector<Sample> qSamples, kSamples;
  collectSamples(q, pairing, qSamples);
  collectSamples(k, pairing, kSamples);
  auto fits = [&](double theta, std::string &reason) {
    return verify(qSamples, theta, pairing, q.tolerance, "q", reason) &&
           verify(kSamples, theta, pairing, k.tolerance, "k", reason);
  };
  // With one pair every theta gives the same angles (frequency 1).
  std::optional<double> theta = 1.0e4;
  if (pairing.dims > 2) {
    // Keys sit at positions 0, 1, ..., Nk - 1, so their angles unwrap from
    // the smallest step; the queries are checked against that theta.
    theta = estimateTheta(kSamples, pairing);
    if (!theta)
      theta = estimateTheta(qSamples, pairing);
    if (!theta) {
      why = "the rotation angles of q and k do not give a theta (" +
            pairing.describe() + ")";
      return std::nullopt;
    }
    // The shortest decimal near the estimate that fits every entry.
    std::string ignored;
    for (int digits = 1; digits <= 9; ++digits) {
      double candidate = roundSignificant(*theta, digits);
      if (std::abs(candidate / *theta - 1.0) <= 1e-3 &&
          fits(candidate, ignored)) {
        theta = candidate;
        break;
      }
    }
  }
  if (!fits(*theta, why))
    return std::nullopt;
  MLIRContext *ctx = query.source.getContext();
  return RopeFold{q.root, k.root,
                  RopeAttr::get(ctx, *theta, pairing.dims, pairing.style)};
}
