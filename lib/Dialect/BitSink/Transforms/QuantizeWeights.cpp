//===- QuantizeWeights.cpp - matmuls to bitplane_matmul ---------*- C++ -*-===//
//
// The bitsink-quantize-weights pass: finds matmul-like linalg contractions
// whose weight is a float constant, quantizes the weight with the quantizer
// library (docs/semantics.md §3) and rewrites the contraction into a
// bitsink.bitplane_matmul over packed constants. docs/quantize-weights.md
// states the matching rules and the calibration key naming.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"
#include "bitsink/Dialect/BitSink/Transforms/Passes.h"
#include "bitsink/Quant/Budget.h"
#include "bitsink/Quant/Quantizer.h"
#include "bitsink/Support/Npy.h"
#include "bitsink/Support/OptionChecks.h"

#include "PackedConstants.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/IR/LinalgInterfaces.h"
#include "mlir/Dialect/MLProgram/IR/MLProgram.h"
#include "mlir/Dialect/Utils/IndexingUtils.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/Support/DebugStringHelper.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/StringExtras.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <set>
#include <tuple>

namespace bitsink {
#define GEN_PASS_DEF_BITSINKQUANTIZEWEIGHTS
#include "bitsink/Dialect/BitSink/Transforms/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

/// A contraction that maps onto bitplane_matmul: rows (every M and batch
/// dimension, collapsed into one) × K times the K × N constant weight.
struct MatmulMatch {
  Value input;
  Value init;
  /// The weight's value and the op that produces it: an arith.constant, or
  /// an ml_program.global_load_const of the immutable `global`.
  ElementsAttr weight;
  Operation *weightOp = nullptr;
  ml_program::GlobalOp global;
  AffineMap inputMap, weightMap, initMap;
  unsigned kDim = 0, nDim = 0;
  /// M and batch loop dimensions in the order the result stores them.
  SmallVector<unsigned> rowDims;
  /// Where K and N are among the weight's dimensions, and their sizes.
  unsigned weightKPos = 0, weightNPos = 0;
  int64_t k = 0, n = 0;
  /// The weight as a row-major K × N f32 matrix.
  std::vector<float> matrix;
};

/// What the calibration archive holds for one weight under the first of its
/// names it has: activations X[..., K] under the name, their Hessian
/// H[K][K] under `<name>.hessian`, or (an error) both.
struct CalibrationEntry {
  /// The archive key used, the report's `calibration` (the Hessian's when
  /// there is only that); empty when the archive has nothing for the weight.
  std::string key;
  std::string hessianKey;
  const npy::Array *rows = nullptr;
  const npy::Array *hessian = nullptr;
};

/// A weight's calibration as the quantizer takes it: rows X[T][K], or a
/// Hessian H[K][K], or neither (the identity).
struct CalibrationData {
  std::vector<float> rows;
  int64_t numRows = 0;
  std::vector<double> hessian;
};

/// One quantized weight, shared by every contraction that uses the same
/// constant in the same orientation with the same calibration data.
struct QuantizedWeight {
  ElementsAttr planes;
  ElementsAttr coeffs;
  /// Sub-block scale codes (null without) and their rows per code.
  ElementsAttr scales;
  int64_t subBlock = 0;
  bitsink::PlaneKind kind = bitsink::PlaneKind::Binary;
  int64_t groupSize = 0;
  DictionaryAttr report;
  /// The rotation RᵀW was quantized with (enabled() or not).
  quant::Rotation rotation;
};

} // namespace

static bool isSupportedFloat(Type type) {
  return type.isF32() || type.isF16() || type.isBF16();
}

/// The body must be `yield(acc + a * b)`, operands possibly widened or
/// narrowed by float casts: anything else (a negation, a max) changes the
/// math.
static bool hasMultiplyAccumulateBody(linalg::LinalgOp op) {
  Block *body = op.getBlock();
  for (Operation &inner : body->without_terminator())
    if (!isa<arith::MulFOp, arith::AddFOp, arith::ExtFOp, arith::TruncFOp>(
            inner))
      return false;
  return linalg::detail::isContractionBody(
      *body, [](Operation *elementwise, Operation *reduction) {
        return isa<arith::MulFOp>(elementwise) && isa<arith::AddFOp>(reduction);
      });
}

/// Whether a linalg.generic computes some contraction (float or integer), so
/// that leaving it alone deserves a remark; other generics are not matmuls
/// and are skipped silently.
static bool looksLikeContraction(linalg::GenericOp op) {
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() == 0)
    return false;
  return linalg::detail::isContractionBody(
      *op.getBlock(), [](Operation *elementwise, Operation *reduction) {
        return (isa<arith::MulFOp>(elementwise) &&
                isa<arith::AddFOp>(reduction)) ||
               (isa<arith::MulIOp>(elementwise) &&
                isa<arith::AddIOp>(reduction));
      });
}

/// Finds the constant value of `weight` (dense or dense_resource elements)
/// and the op that produces it.
static LogicalResult getConstantWeight(Value weight, MatmulMatch &match) {
  Operation *source = weight.getDefiningOp();
  Attribute value;
  if (auto constant = dyn_cast_or_null<arith::ConstantOp>(source)) {
    value = constant.getValue();
  } else if (auto load =
                 dyn_cast_or_null<ml_program::GlobalLoadConstOp>(source)) {
    match.global = SymbolTable::lookupNearestSymbolFrom<ml_program::GlobalOp>(
        load, load.getGlobalAttr());
    if (!match.global || match.global.getIsMutable())
      return failure();
    value = match.global.getValueAttr();
  }
  if (!isa_and_nonnull<DenseElementsAttr, DenseResourceElementsAttr>(value))
    return failure();
  match.weight = cast<ElementsAttr>(value);
  match.weightOp = source;
  return success();
}

/// Reads a float constant as f32 values (a single value for a splat).
static LogicalResult readFloatElements(ElementsAttr attr,
                                       std::vector<float> &values, bool &splat,
                                       std::string &reason) {
  Type element = attr.getElementType();
  size_t elementBytes = element.isF32() ? 4 : 2;
  ArrayRef<char> bytes;
  if (failed(
          readPackedBytes(attr, elementBytes, "weight", bytes, splat, reason)))
    return failure();
  size_t count = splat ? 1 : attr.getNumElements();
  values.resize(count);
  if (element.isF32()) {
    std::memcpy(values.data(), bytes.data(), count * sizeof(float));
    return success();
  }
  for (size_t i = 0; i < count; ++i) {
    uint16_t bits;
    std::memcpy(&bits, bytes.data() + 2 * i, sizeof(bits));
    values[i] =
        element.isF16() ? npy::halfToFloat(bits) : npy::bfloat16ToFloat(bits);
  }
  return success();
}

/// Extracts the K × N matrix from the weight constant, whose indexing map
/// places K and N anywhere (torch's `linear` stores N × K) and may add batch
/// dimensions; the weight must then be the same for every batch entry, as
/// bitplane_matmul has one weight.
static LogicalResult extractWeightMatrix(MatmulMatch &match,
                                         std::string &reason) {
  ElementsAttr attr = match.weight;
  std::vector<float> values;
  bool splat = false;
  if (failed(readFloatElements(attr, values, splat, reason)))
    return failure();
  std::vector<float> &matrix = match.matrix;
  matrix.assign(match.k * match.n, values.front());
  if (splat)
    return success();

  ArrayRef<int64_t> shape = attr.getShapedType().getShape();
  unsigned kPos = match.weightKPos, nPos = match.weightNPos;
  SmallVector<int64_t> index(shape.size(), 0);
  bool batchVaries = false;
  for (size_t flat = 0; flat < values.size(); ++flat) {
    bool firstBatch =
        llvm::all_of(llvm::seq<size_t>(0, shape.size()), [&](size_t d) {
          return d == kPos || d == nPos || index[d] == 0;
        });
    float &entry = matrix[index[kPos] * match.n + index[nPos]];
    if (firstBatch)
      entry = values[flat];
    else if (entry != values[flat])
      batchVaries = true;
    // Row-major increment of the multi-index.
    for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
      if (++index[d] < shape[d])
        break;
      index[d] = 0;
    }
  }
  if (batchVaries) {
    reason = "its weight differs across the batch dimension "
             "(bitplane_matmul has one weight for all rows)";
    return failure();
  }
  return success();
}

/// Matches `op` against the forms bitplane_matmul can express; on failure
/// `reason` says why (for the remark).
static FailureOr<MatmulMatch> matchQuantizableMatmul(linalg::LinalgOp op,
                                                     std::string &reason) {
  if (!op.hasPureTensorSemantics()) {
    reason = "it works on memrefs (the pass runs before bufferization)";
    return failure();
  }
  if (op.getNumDpsInputs() != 2 || op.getNumDpsInits() != 1) {
    reason = "it does not have two inputs and one init";
    return failure();
  }
  SmallVector<AffineMap> maps = op.getIndexingMapsArray();
  if (!llvm::all_of(maps, [](AffineMap map) {
        return map.isProjectedPermutation(/*allowZeroInResults=*/false);
      })) {
    reason = "its indexing maps are not projected permutations";
    return failure();
  }
  FailureOr<linalg::ContractionDimensions> dims =
      linalg::inferContractionDims(op);
  if (failed(dims) || dims->n.size() != 1 || dims->k.size() != 1 ||
      dims->m.size() + dims->batch.size() + 2 != op.getNumLoops()) {
    reason = "its indexing maps are not a matmul with one N and one K "
             "dimension";
    return failure();
  }

  MatmulMatch match;
  match.input = op.getDpsInputOperand(0)->get();
  Value weight = op.getDpsInputOperand(1)->get();
  match.init = op.getDpsInitOperand(0)->get();
  match.inputMap = maps[0];
  match.weightMap = maps[1];
  match.initMap = maps[2];
  match.kDim = dims->k.front();
  match.nDim = dims->n.front();

  if (failed(getConstantWeight(weight, match))) {
    MatmulMatch swapped;
    if (succeeded(getConstantWeight(match.input, swapped)))
      reason = "its constant is the first input (y = W * x); bitplane_matmul "
               "takes the weight as the second";
    else
      reason = "its weight (operand #1) is not a constant (a dense or "
               "dense_resource arith.constant or immutable ml_program.global)";
    return failure();
  }
  auto weightType = cast<RankedTensorType>(weight.getType());
  if (!isSupportedFloat(weightType.getElementType())) {
    reason = "its weight has element type " +
             debugString(weightType.getElementType()) +
             "; only f32, f16 and bf16 weights are quantized";
    return failure();
  }
  if (!hasMultiplyAccumulateBody(op)) {
    reason = "its body is not a float multiply-accumulate";
    return failure();
  }
  Type inputElement = getElementTypeOrSelf(match.input.getType());
  Type accElement = getElementTypeOrSelf(match.init.getType());
  if (!isSupportedFloat(inputElement)) {
    reason = "its input has element type " + debugString(inputElement) +
             "; bitplane_matmul takes f32, f16 or bf16";
    return failure();
  }
  if (accElement != inputElement && !accElement.isF32()) {
    reason = "its init has element type " + debugString(accElement) +
             "; bitplane_matmul accumulates into the input type (" +
             debugString(inputElement) + ") or f32";
    return failure();
  }

  for (AffineExpr expr : match.initMap.getResults()) {
    unsigned dim = cast<AffineDimExpr>(expr).getPosition();
    if (dim != match.nDim)
      match.rowDims.push_back(dim);
  }
  match.weightKPos = *match.weightMap.getResultPosition(
      getAffineDimExpr(match.kDim, op.getContext()));
  match.weightNPos = *match.weightMap.getResultPosition(
      getAffineDimExpr(match.nDim, op.getContext()));
  match.k = weightType.getDimSize(match.weightKPos);
  match.n = weightType.getDimSize(match.weightNPos);
  if (weightType.getNumElements() == 0) {
    reason = "its weight is empty";
    return failure();
  }
  if (failed(extractWeightMatrix(match, reason)))
    return failure();
  return match;
}

/// Names that identify a weight in a calibration archive, most specific
/// first: a `bitsink.name` string attribute on the weight's op (or on its
/// ml_program.global), the global's symbol, the names of their locations
/// (`loc("fc1.weight")`, also inside fused locations), the key of a
/// `dense_resource` blob.
static SmallVector<std::string> calibrationNames(const MatmulMatch &match) {
  ml_program::GlobalOp global = match.global;
  SmallVector<Operation *> ops = {match.weightOp};
  if (global)
    ops.push_back(global);
  SmallVector<std::string> names;
  auto addName = [&](StringRef name) {
    if (!llvm::is_contained(names, name))
      names.push_back(name.str());
  };
  for (Operation *op : ops)
    if (auto name = op->getAttrOfType<StringAttr>("bitsink.name"))
      addName(name);
  if (global)
    addName(global.getSymName());
  for (Operation *op : ops)
    op->getLoc()->walk([&](Location loc) {
      if (auto nameLoc = dyn_cast<NameLoc>(loc))
        addName(nameLoc.getName());
      return WalkResult::advance();
    });
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(match.weight))
    addName(resource.getRawHandle().getKey());
  return names;
}

static bitsink::PlaneKind toPlaneKind(quant::PlaneKind kind) {
  switch (kind) {
  case quant::PlaneKind::Binary:
    return bitsink::PlaneKind::Binary;
  case quant::PlaneKind::Signed:
    return bitsink::PlaneKind::Signed;
  case quant::PlaneKind::Ternary:
    return bitsink::PlaneKind::Ternary;
  }
  llvm_unreachable("unknown plane kind");
}

/// The permutation that orders the dimensions of an operand indexed by
/// `map` as (`rowDims`..., `colDim`).
static SmallVector<int64_t> rowsByColumnsPermutation(AffineMap map,
                                                     ArrayRef<unsigned> rowDims,
                                                     unsigned colDim) {
  SmallVector<int64_t> permutation;
  for (unsigned dim :
       llvm::concat<const unsigned>(rowDims, ArrayRef<unsigned>(colDim)))
    permutation.push_back(
        *map.getResultPosition(getAffineDimExpr(dim, map.getContext())));
  return permutation;
}

/// Groups the leading `numRowDims` dimensions into one.
static SmallVector<ReassociationIndices>
rowsByColumnsReassociation(int64_t numRowDims) {
  return {llvm::to_vector(llvm::seq<int64_t>(0, numRowDims)), {numRowDims}};
}

/// Brings `value` (indexed by `map`) to a rows × `colDim` matrix: transposes
/// it so that the row dimensions come first in `rowDims` order, then
/// collapses them into one.
static Value toRowsByColumns(OpBuilder &builder, Location loc, Value value,
                             AffineMap map, ArrayRef<unsigned> rowDims,
                             unsigned colDim) {
  SmallVector<int64_t> permutation =
      rowsByColumnsPermutation(map, rowDims, colDim);
  if (!isIdentityPermutation(permutation)) {
    SmallVector<OpFoldResult> sizes =
        tensor::getMixedSizes(builder, loc, value);
    applyPermutationToVector(sizes, permutation);
    Value empty = tensor::EmptyOp::create(builder, loc, sizes,
                                          getElementTypeOrSelf(value));
    value = linalg::TransposeOp::create(builder, loc, value, empty, permutation)
                ->getResult(0);
  }
  if (rowDims.size() == 1)
    return value;
  return tensor::CollapseShapeOp::create(
      builder, loc, value, rowsByColumnsReassociation(rowDims.size()));
}

/// Inverse of toRowsByColumns for the result: expands the rows × N matrix
/// back to the row dimensions and transposes it into `init`'s layout.
static Value fromRowsByColumns(OpBuilder &builder, Location loc, Value matrix,
                               Value init, AffineMap map,
                               ArrayRef<unsigned> rowDims, unsigned colDim) {
  SmallVector<int64_t> permutation =
      rowsByColumnsPermutation(map, rowDims, colDim);
  bool transposed = !isIdentityPermutation(permutation);
  if (rowDims.size() == 1 && !transposed)
    return matrix;
  SmallVector<OpFoldResult> initSizes =
      tensor::getMixedSizes(builder, loc, init);
  auto initType = cast<RankedTensorType>(init.getType());
  Value value = matrix;
  if (rowDims.size() > 1) {
    SmallVector<OpFoldResult> sizes = initSizes;
    applyPermutationToVector(sizes, permutation);
    SmallVector<int64_t> shape(initType.getShape());
    applyPermutationToVector(shape, permutation);
    value = tensor::ExpandShapeOp::create(
        builder, loc, initType.clone(shape), value,
        rowsByColumnsReassociation(rowDims.size()), sizes);
  }
  if (!transposed)
    return value;
  Value empty = tensor::EmptyOp::create(builder, loc, initSizes,
                                        initType.getElementType());
  return linalg::TransposeOp::create(builder, loc, value, empty,
                                     invertPermutationVector(permutation))
      ->getResult(0);
}

/// The archive key suffix of a weight's calibration Hessian.
static constexpr const char kHessianSuffix[] = ".hessian";

/// Checks a weight's calibration entry against its K input features and
/// converts it for the quantizer; on failure `message` says what is wrong
/// (for an error at the op).
static LogicalResult loadCalibration(const CalibrationEntry &entry, int64_t k,
                                     CalibrationData &data,
                                     std::string &message) {
  if (entry.rows && entry.hessian) {
    message = "the calibration archive has both '" + entry.key +
              "' (activations) and '" + entry.hessianKey +
              "' (their Hessian) for the weight; keep one";
    return failure();
  }
  if (const npy::Array *rows = entry.rows) {
    int64_t columns = rows->shape.empty() ? -1 : rows->shape.back();
    if (columns != k) {
      message =
          "calibration array '" + entry.key +
          "' must have K = " + std::to_string(k) +
          " columns (the weight's input features), got " +
          (columns < 0 ? std::string("a scalar") : std::to_string(columns));
      return failure();
    }
    data.numRows = rows->numElements() / k;
    if (data.numRows == 0) {
      message = "calibration array '" + entry.key + "' has no rows";
      return failure();
    }
    data.rows = npy::toFloat(*rows);
    return success();
  }
  if (const npy::Array *hessian = entry.hessian) {
    std::string what = "calibration Hessian '" + entry.key + "'";
    if (hessian->dtype != npy::DType::F32 &&
        hessian->dtype != npy::DType::F64) {
      message = what + " must be f32 or f64, got " +
                npy::dtypeTypeName(hessian->dtype);
      return failure();
    }
    if (hessian->shape != std::vector<int64_t>{k, k}) {
      message =
          what + " must be K x K = " + std::to_string(k) + " x " +
          std::to_string(k) + " (the weight's input features), got shape [" +
          llvm::join(
              llvm::map_range(hessian->shape,
                              [](int64_t d) { return std::to_string(d); }),
              ", ") +
          "]";
      return failure();
    }
    data.hessian = npy::toDouble(*hessian);
    if (!quant::checkHessian(data.hessian.data(), k, what, message))
      return failure();
  }
  return success();
}

namespace {
/// One `layer-config` entry: weights with a name containing `pattern` use
/// `planes` and `groupSize` instead of the pass-wide values.
struct LayerOverride {
  std::string pattern;
  int64_t planes = 0;
  int64_t groupSize = 0;
  /// `PATTERN=none`: matching weights stay float.
  bool keepFloat = false;
  bool matched = false;
};

struct QuantizeWeightsPass
    : bitsink::impl::BitSinkQuantizeWeightsBase<QuantizeWeightsPass> {
  using BitSinkQuantizeWeightsBase::BitSinkQuantizeWeightsBase;

  void runOnOperation() override;

private:
  /// Validates the pass options into `quantOptions`; emits an error on the
  /// module otherwise.
  LogicalResult parseOptions();
  /// Quantizes the weight of `match` (or reuses an earlier result for the
  /// same constant); null with an error emitted on failure.
  /// The first layer-config entry matching the weight's names (marked
  /// matched), or null.
  const LayerOverride *overrideFor(const MatmulMatch &match);
  const QuantizedWeight *quantizeWeight(Operation *op,
                                        const MatmulMatch &match);
  void rewrite(linalg::LinalgOp op, const MatmulMatch &match,
               const QuantizedWeight &weight);
  /// The calibration of the first of `names` the archive has (rows under
  /// the name or a Hessian under `<name>.hessian`); an empty key when none.
  CalibrationEntry findCalibration(ArrayRef<std::string> names) const;
  /// The packed constants and report of a quantizer result.
  QuantizedWeight makeQuantizedWeight(const quant::Result &result,
                                      const quant::Options &options,
                                      StringRef calibrationKey);
  /// `budget`: measures every candidate configuration of every weight,
  /// allocates the budget (bitsink::quant::allocateBudget), fills the
  /// cache with the chosen results and `budgetChoice` with the choice, and
  /// reports the allocation as a remark on the module. Fails with an error
  /// on the module when the budget cannot be met.
  LogicalResult allocateBudget(ArrayRef<linalg::LinalgOp> candidates);

  /// A weight as the budget sees it: the constant, its orientation and its
  /// calibration array.
  using LayerKey = std::tuple<const void *, unsigned, unsigned, std::string>;

  quant::Options quantOptions;
  quant::BudgetObjective objective = quant::BudgetObjective::Absolute;
  SmallVector<LayerOverride> overrides;
  std::map<std::string, npy::Array> calibrationArrays;
  /// With `importance`: each weight's error multiplier, by name.
  std::map<std::string, double> importanceValues;
  std::map<std::tuple<const void *, unsigned, unsigned, std::string, int64_t,
                      int64_t, int64_t>,
           QuantizedWeight>
      cache;
  /// With `budget`: the configuration chosen for each weight that no
  /// layer-config entry fixes.
  std::map<LayerKey, quant::BudgetConfig> budgetChoice;
  /// The rotation constants by (K, block, element type): the K signs, and
  /// with K = 0 the block × block Hadamard matrix; one attribute per kind,
  /// so that rotations of a shared input are equal and CSE merges them.
  std::map<std::tuple<int64_t, int64_t, const void *>, ElementsAttr>
      rotationConstants;
  /// input·R for a weight quantized with a rotation (input: M × K).
  Value rotateInput(OpBuilder &builder, Location loc, Value input,
                    const QuantizedWeight &weight);
};
} // namespace

/// A bits-per-weight value as written in an option ("3.5", "33", "-1").
static std::string formatBits(double bits) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", bits);
  return text;
}

/// Checks a plane count and a group size for `method`; emits an error at
/// `loc` naming `what` (the option or the layer-config entry) otherwise.
static LogicalResult checkPlanesAndGroup(Location loc, quant::Method method,
                                         int64_t planes, int64_t groupSize,
                                         StringRef what) {
  if (method == quant::Method::Trit) {
    if (planes != 2 && planes != 4)
      return emitError(loc)
             << "bitsink-quantize-weights: method trit needs planes=2 or "
                "planes=4 (one or two trit-planes), got "
             << planes << what;
  } else if (planes < 1 || planes > 4) {
    return emitError(loc)
           << "bitsink-quantize-weights: planes must be in 1-4, got " << planes
           << what;
  }
  if (groupSize > 0 && groupSize % 32 != 0)
    return emitError(loc)
           << "bitsink-quantize-weights: group-size must be a multiple of 32 "
              "(or <= 0 for one group per output channel), got "
           << groupSize << what;
  return success();
}

LogicalResult QuantizeWeightsPass::parseOptions() {
  // Errors go to the module's location without the module dump that
  // Operation::emitError attaches.
  Location loc = getOperation().getLoc();
  if (!quant::parseMethod(method, quantOptions.method))
    return emitError(loc) << "bitsink-quantize-weights: unknown method '"
                          << method << "' (expected rtn, bpdq or trit)";
  if (failed(
          checkPlanesAndGroup(loc, quantOptions.method, planes, groupSize, "")))
    return failure();
  quantOptions.planes = planes;
  quantOptions.groupSize = groupSize;
  overrides.clear();
  for (const std::string &entry : layerConfig) {
    // PATTERN=P or PATTERN=P:G; the pattern may itself contain '=' or ':'.
    StringRef text(entry);
    auto [pattern, value] = text.rsplit('=');
    auto [planesText, groupText] = value.split(':');
    LayerOverride layer;
    layer.pattern = pattern.str();
    layer.groupSize = groupSize;
    if (value == "none" && !pattern.empty()) {
      layer.keepFloat = true;
      overrides.push_back(std::move(layer));
      continue;
    }
    bool bad =
        !text.contains('=') || pattern.empty() ||
        planesText.getAsInteger(10, layer.planes) ||
        (value.contains(':') && groupText.getAsInteger(10, layer.groupSize));
    if (bad)
      return emitError(loc)
             << "bitsink-quantize-weights: layer-config entry '" << entry
             << "' is not PATTERN=P, PATTERN=P:G or "
                "PATTERN=none";
    if (failed(checkPlanesAndGroup(loc, quantOptions.method, layer.planes,
                                   layer.groupSize,
                                   " (layer-config entry '" + entry + "')")))
      return failure();
    overrides.push_back(std::move(layer));
  }
  if (!(budget == 0 || (budget > 0 && budget <= 32)))
    return emitError(loc)
           << "bitsink-quantize-weights: budget must be 0 (off) or in (0, 32] "
              "bits per weight, got "
           << formatBits(budget);
  OptionChecker objectiveCheck("bitsink-quantize-weights");
  objectiveCheck.oneOf("budget-objective", budgetObjective,
                       {"absolute", "relative"});
  objectiveCheck.require(budget > 0 || budgetObjective == "absolute",
                         "budget-objective=" + budgetObjective +
                             " needs a budget (budget=B)");
  if (!objectiveCheck.ok())
    return emitError(loc) << objectiveCheck.message();
  quant::parseBudgetObjective(budgetObjective, objective);
  if (coefficientType != "f16" && coefficientType != "f32")
    return emitError(loc)
           << "bitsink-quantize-weights: coefficient-type must be f16 or "
              "f32, got '"
           << coefficientType << "'";
  quantOptions.f16Coefficients = coefficientType == "f16";
  if (rotation < 0 || (rotation & (rotation - 1)) != 0)
    return emitError(loc) << "bitsink-quantize-weights: rotation must be 0 "
                             "(off) or a power of two, got "
                          << static_cast<int64_t>(rotation);
  quantOptions.rotationBlock = rotation;
  quantOptions.rotationSeed = rotationSeed;
  if (subBlock != 0 && !quant::isSubBlockSize(subBlock))
    return emitError(loc) << "bitsink-quantize-weights: sub-block must be 0 "
                             "(none), 8, 16 or 32, got "
                          << static_cast<int64_t>(subBlock);
  if ((subBlock != 0 || !budgetSubBlocks.empty()) &&
      quantOptions.method == quant::Method::RTN)
    return emitError(loc) << "bitsink-quantize-weights: sub-block scale codes "
                             "need method bpdq or trit, not rtn";
  quantOptions.subBlock = subBlock;
  if (subBlock != 0 && budget > 0)
    return emitError(loc) << "bitsink-quantize-weights: sub-block gives every "
                             "weight codes; with a budget, list the sub-block "
                             "sizes to try in budget-sub-blocks";
  for (int64_t s : budgetSubBlocks)
    if (!quant::isSubBlockSize(s))
      return emitError(loc) << "bitsink-quantize-weights: budget-sub-blocks "
                               "entries must be 8, 16 or 32, got "
                            << s;
  if (!budgetSubBlocks.empty() && budget == 0)
    return emitError(loc) << "bitsink-quantize-weights: budget-sub-blocks "
                             "needs a budget (budget=B)";
  if (!calibration.empty()) {
    std::string error;
    if (!npy::readNpz(calibration, calibrationArrays, error))
      return emitError(loc)
             << "bitsink-quantize-weights: cannot read calibration file '"
             << calibration << "': " << error;
  }
  importanceValues.clear();
  if (!importance.empty()) {
    if (budget == 0)
      return emitError(loc) << "bitsink-quantize-weights: importance needs a "
                               "budget (budget=B)";
    std::map<std::string, npy::Array> arrays;
    std::string error;
    if (!npy::readNpz(importance, arrays, error))
      return emitError(loc)
             << "bitsink-quantize-weights: cannot read importance file '"
             << importance << "': " << error;
    for (const auto &[key, array] : arrays) {
      std::vector<float> values = npy::toFloat(array);
      if (values.size() != 1 || !std::isfinite(values[0]) || values[0] < 0)
        return emitError(loc)
               << "bitsink-quantize-weights: importance '" << key
               << "' must be one non-negative finite number, got "
               << (values.size() == 1
                       ? formatBits(values[0])
                       : std::to_string(values.size()) + " values");
      importanceValues[key] = values[0];
    }
  }
  return success();
}

const LayerOverride *
QuantizeWeightsPass::overrideFor(const MatmulMatch &match) {
  // The first layer-config entry whose pattern is part of one of the
  // weight's names.
  SmallVector<std::string> names = calibrationNames(match);
  for (LayerOverride &layer : overrides) {
    if (!llvm::any_of(names, [&](const std::string &name) {
          return StringRef(name).contains(layer.pattern);
        }))
      continue;
    layer.matched = true;
    return &layer;
  }
  return nullptr;
}

const QuantizedWeight *
QuantizeWeightsPass::quantizeWeight(Operation *op, const MatmulMatch &match) {
  SmallVector<std::string> names = calibrationNames(match);
  // Calibration activations or their Hessian, if the archive has them for
  // this weight.
  CalibrationEntry found = findCalibration(names);
  const std::string &calibrationKey = found.key;

  quant::Options options = quantOptions;
  if (const LayerOverride *layer = overrideFor(match)) {
    options.planes = layer->planes;
    options.groupSize = layer->groupSize;
  } else {
    auto chosen = budgetChoice.find(LayerKey(match.weight.getAsOpaquePointer(),
                                             match.weightKPos, match.weightNPos,
                                             calibrationKey));
    if (chosen != budgetChoice.end()) {
      options.planes = chosen->second.planes;
      options.groupSize = chosen->second.groupSize;
      options.subBlock = chosen->second.subBlock;
    }
  }

  if (!calibration.empty()) {
    if (calibrationKey.empty()) {
      InFlightDiagnostic warning = op->emitWarning()
                                   << "no calibration data for the weight";
      if (names.empty())
        warning << " (it has no name: set a bitsink.name attribute or a "
                   "location name on the constant)";
      else
        warning << " (looked up "
                << llvm::join(llvm::map_range(names,
                                              [](const std::string &name) {
                                                return "'" + name + "'";
                                              }),
                              ", ")
                << ")";
      warning << "; quantizing with an identity Hessian";
    }
  }

  auto key = std::make_tuple(
      match.weight.getAsOpaquePointer(), match.weightKPos, match.weightNPos,
      calibrationKey, options.planes, options.groupSize, options.subBlock);
  auto cached = cache.find(key);
  if (cached != cache.end())
    return &cached->second;

  CalibrationData data;
  std::string error;
  if (failed(loadCalibration(found, match.k, data, error))) {
    op->emitError() << error;
    return nullptr;
  }

  quant::Result result;
  bool ok = !data.hessian.empty()
                ? quant::quantizeWithHessian(match.matrix.data(), match.k,
                                             match.n, data.hessian.data(),
                                             options, result, error)
                : quant::quantize(match.matrix.data(), match.k, match.n,
                                  data.numRows ? data.rows.data() : nullptr,
                                  data.numRows, options, result, error);
  if (!ok) {
    op->emitError() << "quantizer failed on the " << match.k << "x" << match.n
                    << " weight: " << error;
    return nullptr;
  }

  QuantizedWeight &entry = cache[key];
  entry = makeQuantizedWeight(result, options, calibrationKey);
  return &entry;
}

CalibrationEntry
QuantizeWeightsPass::findCalibration(ArrayRef<std::string> names) const {
  CalibrationEntry entry;
  for (const std::string &name : names) {
    auto rows = calibrationArrays.find(name);
    auto hessian = calibrationArrays.find(name + kHessianSuffix);
    if (rows == calibrationArrays.end() && hessian == calibrationArrays.end())
      continue;
    if (rows != calibrationArrays.end())
      entry.rows = &rows->second;
    if (hessian != calibrationArrays.end()) {
      entry.hessian = &hessian->second;
      entry.hessianKey = hessian->first;
    }
    entry.key = entry.rows ? name : entry.hessianKey;
    return entry;
  }
  return entry;
}

QuantizedWeight
QuantizeWeightsPass::makeQuantizedWeight(const quant::Result &result,
                                         const quant::Options &options,
                                         StringRef calibrationKey) {
  const quant::Packed &packed = result.packed;
  Builder builder(&getContext());
  auto planesType = RankedTensorType::get(
      {packed.numPlanes, packed.numWords, packed.N}, builder.getI32Type());
  ElementsAttr planesAttr = makePackedConstant(
      planesType,
      ArrayRef<char>(reinterpret_cast<const char *>(packed.planes.data()),
                     packed.planes.size() * sizeof(uint32_t)),
      alignof(uint32_t), "bitsink_planes");

  SmallVector<int64_t> coeffsShape = {packed.numGroups, packed.numCoeffs,
                                      packed.N};
  ElementsAttr coeffsAttr;
  if (options.f16Coefficients) {
    std::vector<uint16_t> halves(packed.coeffs.size());
    llvm::transform(packed.coeffs, halves.begin(), npy::floatToHalf);
    coeffsAttr = makePackedConstant(
        RankedTensorType::get(coeffsShape, builder.getF16Type()),
        ArrayRef<char>(reinterpret_cast<const char *>(halves.data()),
                       halves.size() * sizeof(uint16_t)),
        alignof(uint16_t), "bitsink_coeffs");
  } else {
    coeffsAttr = makePackedConstant(
        RankedTensorType::get(coeffsShape, builder.getF32Type()),
        ArrayRef<char>(reinterpret_cast<const char *>(packed.coeffs.data()),
                       packed.coeffs.size() * sizeof(float)),
        alignof(float), "bitsink_coeffs");
  }

  SmallVector<NamedAttribute> report = {
      builder.getNamedAttr(
          "method", builder.getStringAttr(quant::methodName(options.method))),
      builder.getNamedAttr("rel_error",
                           builder.getF64FloatAttr(result.report.relError)),
      builder.getNamedAttr(
          "weight_rel_error",
          builder.getF64FloatAttr(result.report.weightRelError)),
      builder.getNamedAttr(
          "bits_per_weight",
          builder.getF64FloatAttr(result.report.bitsPerWeight))};
  if (!calibrationKey.empty())
    report.push_back(builder.getNamedAttr(
        "calibration", builder.getStringAttr(calibrationKey)));
  if (result.rotation.enabled())
    report.push_back(builder.getNamedAttr(
        "rotation_block", builder.getI64IntegerAttr(result.rotation.block)));

  QuantizedWeight entry;
  if (packed.hasScales()) {
    entry.subBlock = packed.subBlock;
    entry.scales = makePackedConstant(
        RankedTensorType::get({packed.numScaleWords, packed.N},
                              builder.getI32Type()),
        ArrayRef<char>(reinterpret_cast<const char *>(packed.scales.data()),
                       packed.scales.size() * sizeof(uint32_t)),
        alignof(uint32_t), "bitsink_scales");
    report.push_back(builder.getNamedAttr(
        "sub_block", builder.getI64IntegerAttr(packed.subBlock)));
  }
  entry.rotation = result.rotation;
  entry.planes = planesAttr;
  entry.coeffs = coeffsAttr;
  entry.kind = toPlaneKind(packed.kind);
  entry.groupSize = packed.groupSize;
  entry.report = builder.getDictionaryAttr(report);
  return entry;
}

LogicalResult
QuantizeWeightsPass::allocateBudget(ArrayRef<linalg::LinalgOp> ops) {
  // One budget layer per distinct quantized weight (constant, orientation,
  // calibration array): ops sharing one share its bits.
  std::vector<quant::BudgetLayer> layers;
  std::vector<LayerKey> keys;
  std::map<LayerKey, size_t> seen;
  for (linalg::LinalgOp op : ops) {
    // Ops that do not match, or whose calibration is malformed, are
    // reported by the rewrite that follows.
    std::string reason;
    FailureOr<MatmulMatch> match = matchQuantizableMatmul(op, reason);
    if (failed(match))
      continue;
    const LayerOverride *override = overrideFor(*match);
    if (override && override->keepFloat)
      continue;
    SmallVector<std::string> names = calibrationNames(*match);
    CalibrationEntry found = findCalibration(names);
    LayerKey key(match->weight.getAsOpaquePointer(), match->weightKPos,
                 match->weightNPos, found.key);
    if (!seen.emplace(key, layers.size()).second)
      continue;
    int64_t k = match->k, n = match->n;
    // A malformed calibration entry is reported by the rewrite that
    // follows.
    CalibrationData data;
    if (failed(loadCalibration(found, k, data, reason)) ||
        !llvm::all_of(data.rows, [](float x) { return std::isfinite(x); }))
      continue;

    // The weight's importance (the first of its names the importance file
    // has); every weight the budget chooses for needs one.
    double weightImportance = 1;
    if (!importance.empty()) {
      const std::string *found =
          llvm::find_if(names, [&](const std::string &name) {
            return importanceValues.count(name) != 0;
          });
      if (found != names.end()) {
        weightImportance = importanceValues[*found];
      } else if (!override) {
        // At the op's location, without the op dump.
        InFlightDiagnostic diag = emitError(op->getLoc())
                                  << "no importance for the weight in '"
                                  << importance << "'";
        if (names.empty())
          diag << " (it has no name: set a bitsink.name attribute or a "
                  "location name on the constant)";
        else
          diag << " (looked up "
               << llvm::join(llvm::map_range(names,
                                             [](const std::string &name) {
                                               return "'" + name + "'";
                                             }),
                             ", ")
               << ")";
        return failure();
      }
    }

    quant::BudgetLayer layer;
    layer.name = names.empty() ? "weight #" + std::to_string(layers.size())
                               : names.front();
    layer.numWeights = k * n;
    std::vector<quant::BudgetConfig> configs;
    if (override) {
      configs.emplace_back(override->planes, override->groupSize);
      layer.fixed = 0;
    } else {
      configs = quant::distinctBudgetConfigs(
          quant::budgetCandidateConfigs(
              quantOptions.method, std::vector<int64_t>(budgetSubBlocks.begin(),
                                                        budgetSubBlocks.end())),
          k);
    }
    // The candidates' errors as the library measures them for every
    // caller (bitsink::quant::measureBudgetCandidates): ‖X(W − Ŵ)‖²_F / T
    // (‖W − Ŵ‖²_F without calibration data; wᵀHw-weighted with a Hessian
    // entry), or that over ‖XW‖²_F with the relative objective, times the
    // importance.
    quant::BudgetMeasurement measurement;
    std::string error;
    if (!quant::measureBudgetCandidates(
            match->matrix.data(), k, n,
            data.numRows ? data.rows.data() : nullptr, data.numRows,
            data.hessian.empty() ? nullptr : data.hessian.data(), quantOptions,
            configs, objective, weightImportance, /*keepResults=*/false,
            measurement, error)) {
      op->emitError() << "quantizer failed on the " << k << "x" << n
                      << " weight: " << error;
      return failure();
    }
    layer.candidates = std::move(measurement.candidates);
    layers.push_back(std::move(layer));
    keys.push_back(key);
  }

  quant::BudgetAllocation allocation;
  std::string error;
  Location loc = getOperation().getLoc();
  if (!quant::allocateBudget(layers, budget, allocation, error))
    return emitError(loc) << "bitsink-quantize-weights: budget="
                          << formatBits(budget) << ": " << error;
  for (size_t i = 0; i < layers.size(); ++i) {
    if (layers[i].fixed >= 0)
      continue;
    const quant::BudgetCandidate &chosen =
        layers[i].candidates[allocation.choice[i]];
    budgetChoice[keys[i]] = {chosen.planes, chosen.groupSize, chosen.subBlock};
  }
  emitRemark(loc) << "bitsink-quantize-weights: budget " << formatBits(budget)
                  << " bits per weight over " << layers.size() << " weights ("
                  << (allocation.exact ? "exact" : "marginal analysis")
                  << "; error = " << (importance.empty() ? "" : "importance x ")
                  << (objective == quant::BudgetObjective::Relative
                          ? "||X(W - W^)||^2 / ||XW||^2"
                          : "||X(W - W^)||^2 / T")
                  << " per weight):\n"
                  << quant::formatBudgetAllocation(layers, allocation, budget);
  return success();
}

void QuantizeWeightsPass::rewrite(linalg::LinalgOp op, const MatmulMatch &match,
                                  const QuantizedWeight &weight) {
  IRRewriter rewriter(op);
  Location loc = op.getLoc();
  Value input = toRowsByColumns(rewriter, loc, match.input, match.inputMap,
                                match.rowDims, match.kDim);
  if (weight.rotation.enabled())
    input = rotateInput(rewriter, loc, input, weight);
  Value acc = toRowsByColumns(rewriter, loc, match.init, match.initMap,
                              match.rowDims, match.nDim);
  Value planes = arith::ConstantOp::create(rewriter, loc, weight.planes);
  Value coeffs = arith::ConstantOp::create(rewriter, loc, weight.coeffs);
  Value scales;
  IntegerAttr subBlockAttr;
  if (weight.scales) {
    scales = arith::ConstantOp::create(rewriter, loc, weight.scales);
    subBlockAttr = rewriter.getI64IntegerAttr(weight.subBlock);
  }
  auto matmul = BitplaneMatmulOp::create(
      rewriter, loc, TypeRange{acc.getType()}, input, planes, coeffs, scales,
      acc, weight.kind, weight.groupSize, /*layout=*/nullptr, subBlockAttr);
  matmul->setAttr("bitsink.quant_error", weight.report);
  Value result =
      fromRowsByColumns(rewriter, loc, matmul->getResult(0), match.init,
                        match.initMap, match.rowDims, match.nDim);
  rewriter.replaceOp(op, result);
}

Value QuantizeWeightsPass::rotateInput(OpBuilder &builder, Location loc,
                                       Value input,
                                       const QuantizedWeight &weight) {
  auto type = cast<RankedTensorType>(input.getType());
  Type element = type.getElementType();
  int64_t k = type.getDimSize(1), block = weight.rotation.block;
  int64_t numBlocks = k / block;
  // A constant of `values` in the input's element type (±1 and ±1/√b are
  // exact in f16 and bf16 too).
  auto makeConstant = [&](ArrayRef<int64_t> shape,
                          const std::vector<float> &values) -> ElementsAttr {
    auto constantType = RankedTensorType::get(shape, element);
    if (element.isF32())
      return makePackedConstant(
          constantType,
          ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                         values.size() * sizeof(float)),
          alignof(float), "bitsink_rotation");
    const llvm::fltSemantics &semantics =
        cast<FloatType>(element).getFloatSemantics();
    SmallVector<APFloat> converted;
    converted.reserve(values.size());
    for (float value : values) {
      bool lost;
      APFloat v(value);
      v.convert(semantics, APFloat::rmNearestTiesToEven, &lost);
      converted.push_back(v);
    }
    return DenseElementsAttr::get(constantType, converted);
  };
  // R = diag(s)·blockdiag(H_b, …): the K signs (per K, b and seed) and the
  // one b × b matrix H_b (per b; made as the block of a rotation of b rows
  // with every sign +1), each made when first needed.
  ElementsAttr &signs = rotationConstants[std::make_tuple(
      k, block, element.getAsOpaquePointer())];
  if (!signs)
    signs = makeConstant({k}, weight.rotation.signs);
  ElementsAttr &hadamard = rotationConstants[std::make_tuple(
      0, block, element.getAsOpaquePointer())];
  if (!hadamard) {
    quant::Rotation plain{block, block, std::vector<float>(block, 1.0f)};
    hadamard = makeConstant({block, block}, quant::rotationBlocks(plain));
  }
  MLIRContext *context = builder.getContext();
  Value zero = arith::ConstantOp::create(builder, loc, element,
                                         builder.getZeroAttr(element));
  auto filled = [&](ArrayRef<OpFoldResult> sizes) {
    Value empty = tensor::EmptyOp::create(builder, loc, sizes, element);
    return linalg::FillOp::create(builder, loc, ValueRange{zero},
                                  ValueRange{empty})
        ->getResult(0);
  };
  // x·diag(s): an element-wise product with the signs along K.
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(builder, loc, input);
  AffineExpr m, j;
  bindDims(context, m, j);
  Value signsValue = arith::ConstantOp::create(builder, loc, signs);
  Value signed_ =
      linalg::GenericOp::create(
          builder, loc, TypeRange{type}, ValueRange{input, signsValue},
          ValueRange{tensor::EmptyOp::create(builder, loc, sizes, element)},
          SmallVector<AffineMap>{AffineMap::get(2, 0, {m, j}, context),
                                 AffineMap::get(2, 0, {j}, context),
                                 AffineMap::get(2, 0, {m, j}, context)},
          SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
          [](OpBuilder &body, Location bodyLoc, ValueRange args) {
            linalg::YieldOp::create(body, bodyLoc,
                                    ValueRange{arith::MulFOp::create(
                                        body, bodyLoc, args[0], args[1])});
          })
          ->getResult(0);
  // Then every block of b features times H_b: M × K as (M·K/b) × b, one
  // matmul with H_b (which stays in cache), and back.
  SmallVector<OpFoldResult> blockedSizes = {
      sizes[0], builder.getIndexAttr(numBlocks), builder.getIndexAttr(block)};
  int64_t rows = type.getDimSize(0);
  auto blockedType = RankedTensorType::get({rows, numBlocks, block}, element);
  auto flatType = RankedTensorType::get(
      {ShapedType::isDynamic(rows) ? ShapedType::kDynamic : rows * numBlocks,
       block},
      element);
  SmallVector<ReassociationIndices> toBlocks = {{0}, {1, 2}};
  SmallVector<ReassociationIndices> toFlat = {{0, 1}, {2}};
  Value blocked = tensor::ExpandShapeOp::create(
      builder, loc, blockedType, signed_, toBlocks, blockedSizes);
  Value flat =
      tensor::CollapseShapeOp::create(builder, loc, flatType, blocked, toFlat);
  Value matrix = arith::ConstantOp::create(builder, loc, hadamard);
  Value product =
      linalg::MatmulOp::create(
          builder, loc, TypeRange{flatType}, ValueRange{flat, matrix},
          ValueRange{filled(tensor::getMixedSizes(builder, loc, flat))})
          ->getResult(0);
  Value unflat = tensor::ExpandShapeOp::create(builder, loc, blockedType,
                                               product, toFlat, blockedSizes);
  return tensor::CollapseShapeOp::create(builder, loc, unflat, toBlocks);
}

void QuantizeWeightsPass::runOnOperation() {
  // Attributes (the cache keys) belong to this module's context: nothing
  // carries over between runs.
  cache.clear();
  rotationConstants.clear();
  calibrationArrays.clear();
  if (failed(parseOptions()))
    return signalPassFailure();

  SmallVector<linalg::LinalgOp> candidates;
  getOperation().walk([&](linalg::LinalgOp op) {
    if (isa<linalg::MatmulOp, linalg::BatchMatmulOp, linalg::ContractOp>(
            op.getOperation()))
      candidates.push_back(op);
    else if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation());
             generic && looksLikeContraction(generic))
      candidates.push_back(op);
  });

  budgetChoice.clear();
  if (budget > 0 && failed(allocateBudget(candidates)))
    return signalPassFailure();

  bool failedAny = false;
  llvm::SetVector<Operation *> consumedWeights;
  llvm::SetVector<Operation *> consumedGlobals;
  for (linalg::LinalgOp op : candidates) {
    std::string reason;
    FailureOr<MatmulMatch> match = matchQuantizableMatmul(op, reason);
    if (failed(match)) {
      op->emitRemark() << "not quantized: " << reason;
      continue;
    }
    if (const LayerOverride *layer = overrideFor(*match);
        layer && layer->keepFloat) {
      op->emitRemark() << "not quantized: layer-config entry '"
                       << layer->pattern << "=none' keeps it float";
      continue;
    }
    const QuantizedWeight *weight = quantizeWeight(op, *match);
    if (!weight) {
      failedAny = true;
      continue;
    }
    consumedWeights.insert(match->weightOp);
    if (match->global)
      consumedGlobals.insert(match->global);
    rewrite(op, *match, *weight);
  }
  // The float weights are gone once nothing reads them (a public global
  // may still be read from outside the module, so it stays).
  for (Operation *weightOp : consumedWeights)
    if (weightOp->use_empty())
      weightOp->erase();
  for (Operation *global : consumedGlobals)
    if (SymbolTable::getSymbolVisibility(global) ==
            SymbolTable::Visibility::Private &&
        SymbolTable::symbolKnownUseEmpty(global, getOperation()))
      global->erase();
  for (const LayerOverride &layer : overrides)
    if (!layer.matched)
      emitWarning(getOperation().getLoc())
          << "bitsink-quantize-weights: layer-config pattern '" << layer.pattern
          << "' matched no quantized weight";
  if (failedAny)
    signalPassFailure();
}
