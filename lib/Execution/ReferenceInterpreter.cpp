//===- ReferenceInterpreter.cpp - evaluate an entry with the reference ----===//
//
// Walks the body of an entry function on tensors op by op, keeping every
// tensor value as a dense npy::Array in its element type, and evaluates the
// bitsink ops with bitsink/Reference. Only the handful of ops that test
// programs around the bitsink ops use are understood; anything else is an
// error rather than a guess.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Execution/JitRunner.h"
#include "bitsink/Reference/Reference.h"

#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/Support/DebugStringHelper.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace bitsink;

namespace {

std::string locationOf(Operation *op) { return locationText(op->getLoc()); }

/// The dense row-major shape of a ranked tensor (or {} for a scalar).
std::vector<int64_t> shapeOf(Type type) {
  if (auto shaped = dyn_cast<RankedTensorType>(type))
    return {shaped.getShape().begin(), shaped.getShape().end()};
  return {};
}

/// Stores `values` into a fresh array of `dtype` (rounding to f16/bf16 and
/// integer types as npy::convert does).
npy::Array fromDoubles(const std::vector<double> &values, npy::DType dtype,
                       std::vector<int64_t> shape) {
  npy::Array wide = npy::Array::zeros(npy::DType::F64, std::move(shape));
  std::copy(values.begin(), values.end(), wide.as<double>());
  return npy::convert(wide, dtype);
}

std::vector<int64_t> toInt64(const npy::Array &array) {
  npy::Array wide = npy::convert(array, npy::DType::I64);
  return {wide.as<int64_t>(), wide.as<int64_t>() + wide.numElements()};
}

class Interpreter {
public:
  explicit Interpreter(std::string &error) : error(error) {}

  bool run(FunctionOpInterface func, const std::vector<npy::Array> &inputs,
           std::vector<npy::Array> &outputs,
           std::vector<npy::Array> *unroundedOutputs);

private:
  bool fail(Operation *op, const std::string &message) {
    error = locationOf(op) + ": '" + op->getName().getStringRef().str() +
            "': " + message;
    return false;
  }
  bool elementDType(Operation *op, Type type, npy::DType &dtype);
  bool evaluate(Operation *op);
  bool evaluateConstant(arith::ConstantOp op);
  bool evaluateSinkAttention(SinkAttentionOp op);
  bool evaluateCacheAppend(CacheAppendOp op);
  bool evaluateBitplaneMatmul(BitplaneMatmulOp op);

  const npy::Array &get(Value v) { return values.find(v)->second; }
  /// Records the float64 result of `op` before its rounding to `rounded`'s
  /// dtype, and `rounded` as its value.
  void setResult(Operation *op, std::vector<double> exactValues,
                 npy::Array rounded) {
    npy::Array wide = npy::Array::zeros(npy::DType::F64, rounded.shape);
    std::copy(exactValues.begin(), exactValues.end(), wide.as<double>());
    exact[op->getResult(0)] = std::move(wide);
    values[op->getResult(0)] = std::move(rounded);
  }

  std::string &error;
  llvm::DenseMap<Value, npy::Array> values;
  /// Results of the computing ops (attention, bit-plane matmul) in float64,
  /// before the rounding to their element type that `values` holds. Ops
  /// read `values`: what the compiled code stores is rounded.
  llvm::DenseMap<Value, npy::Array> exact;
};

} // namespace

bool Interpreter::elementDType(Operation *op, Type type, npy::DType &dtype) {
  Type element = type;
  if (auto shaped = dyn_cast<ShapedType>(type)) {
    if (!shaped.hasStaticShape())
      return fail(op, "dynamic shapes are not supported");
    element = shaped.getElementType();
  }
  if (!dtypeOf(element, dtype))
    return fail(op, "unsupported element type in " + debugString(type));
  return true;
}

bool Interpreter::evaluateConstant(arith::ConstantOp op) {
  npy::DType dtype;
  if (!elementDType(op, op.getType(), dtype))
    return false;
  std::vector<int64_t> shape = shapeOf(op.getType());
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  Attribute value = op.getValue();
  // dense_resource blobs (e.g. packed planes from bitsink-quantize-weights)
  // hold the elements as raw little-endian bytes, which is the in-memory
  // layout of npy::Array.
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return fail(op, "dense_resource constant has no data (elided blob)");
    npy::Array raw = npy::Array::zeros(dtype, shape);
    ArrayRef<char> bytes = blob->getData();
    if (dtype == npy::DType::Bool || bytes.size() != raw.data.size())
      return fail(op,
                  "dense_resource blob holds " + std::to_string(bytes.size()) +
                      " bytes, its type needs " +
                      std::to_string(raw.data.size()) + " (i1 unsupported)");
    std::copy(bytes.begin(), bytes.end(), raw.data.begin());
    values[op.getResult()] = std::move(raw);
    return true;
  }
  std::vector<double> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (isa<FloatType>(dense.getElementType())) {
      for (const APFloat &f : dense.getValues<APFloat>())
        data.push_back(f.convertToDouble());
    } else {
      bool isUnsigned = dense.getElementType().isUnsignedInteger() ||
                        dense.getElementType().isInteger(1);
      for (const APInt &i : dense.getValues<APInt>())
        data.push_back(isUnsigned ? double(i.getZExtValue())
                                  : double(i.getSExtValue()));
    }
  } else if (auto f = dyn_cast<FloatAttr>(value)) {
    data.push_back(f.getValueAsDouble());
  } else if (auto i = dyn_cast<IntegerAttr>(value)) {
    data.push_back(i.getType().isInteger(1)
                       ? double(i.getValue().getZExtValue())
                       : double(i.getInt()));
  } else {
    return fail(op, "only dense, splat and scalar constants are supported");
  }
  if (static_cast<int64_t>(data.size()) != count)
    return fail(op, "constant has " + std::to_string(data.size()) +
                        " elements, its type has " + std::to_string(count));
  // Integer constants wider than 2^53 lose bits through double; i64
  // constants are rebuilt from their APInts.
  npy::Array array = fromDoubles(data, dtype, shape);
  if (dtype == npy::DType::I64) {
    auto dense = dyn_cast<DenseElementsAttr>(value);
    int64_t k = 0;
    if (dense)
      for (const APInt &i : dense.getValues<APInt>())
        array.as<int64_t>()[k++] = i.getSExtValue();
    else
      array.as<int64_t>()[0] = cast<IntegerAttr>(value).getInt();
  }
  values[op.getResult()] = std::move(array);
  return true;
}

bool Interpreter::evaluateSinkAttention(SinkAttentionOp op) {
  auto qType = cast<RankedTensorType>(op.getQuery().getType());
  auto kType = cast<RankedTensorType>(op.getKey().getType());
  auto vType = cast<RankedTensorType>(op.getValue().getType());
  reference::SinkAttentionProblem p;
  p.batch = qType.getDimSize(0);
  p.queryHeads = qType.getDimSize(1);
  p.numQueries = qType.getDimSize(2);
  p.headDim = qType.getDimSize(3);
  p.kvHeads = kType.getDimSize(1);
  p.numKeys = kType.getDimSize(2);
  p.valueDim = vType.getDimSize(3);
  p.numSinks = static_cast<int64_t>(op.getNumSinks());
  p.causal = op.getCausal();
  if (op.getWindowAttr())
    for (int64_t h = 0; h < p.queryHeads; ++h)
      p.window.push_back(op.getWindowForHead(h));
  if (std::optional<double> scale = op.getEffectiveScale())
    p.scale = *scale;
  if (RopeAttr rope = op.getRopeAttr())
    p.rope = reference::SinkAttentionProblem::Rope{
        rope.getThetaValue(), rope.getDims(),
        rope.getStyle() == RopeStyle::Interleaved};
  p.query = npy::toFloat(get(op.getQuery()));
  p.key = npy::toFloat(get(op.getKey()));
  p.value = npy::toFloat(get(op.getValue()));
  if (Value s = op.getSinkLogits())
    p.sinkLogits = npy::toFloat(get(s));
  if (Value len = op.getKvLen())
    p.kvLen = toInt64(get(len));
  if (Value mask = op.getKeyMask()) {
    const npy::Array &m = get(mask);
    p.keyMask.assign(m.as<uint8_t>(), m.as<uint8_t>() + m.numElements());
  }
  if (Value pos = op.getKeyPositions())
    p.keyPositions = toInt64(get(pos));
  std::vector<double> out;
  std::string why;
  if (!reference::sinkAttention(p, out, why))
    return fail(op, why);
  const npy::Array &init = get(op.getInit());
  npy::Array result = fromDoubles(out, init.dtype, init.shape);
  setResult(op, std::move(out), std::move(result));
  return true;
}

bool Interpreter::evaluateCacheAppend(CacheAppendOp op) {
  auto kType = cast<RankedTensorType>(op.getNewKeys().getType());
  auto vType = cast<RankedTensorType>(op.getNewValues().getType());
  auto cType = cast<RankedTensorType>(op.getKeyCache().getType());
  reference::CacheAppendProblem p;
  p.batch = kType.getDimSize(0);
  p.kvHeads = kType.getDimSize(1);
  p.newTokens = kType.getDimSize(2);
  p.headDim = kType.getDimSize(3);
  p.valueDim = vType.getDimSize(3);
  p.capacity = cType.getDimSize(2);
  p.numSinks = static_cast<int64_t>(op.getNumSinks());
  p.positionMode = op.getPositionMode() == PositionMode::Cache
                       ? reference::PositionMode::Cache
                       : reference::PositionMode::Original;
  p.newKeys = npy::toFloat(get(op.getNewKeys()));
  p.newValues = npy::toFloat(get(op.getNewValues()));
  const npy::Array &keyCache = get(op.getKeyCache());
  const npy::Array &valueCache = get(op.getValueCache());
  const npy::Array &positions = get(op.getPositions());
  const npy::Array &length = get(op.getLength());
  reference::CacheState state{npy::toFloat(keyCache), npy::toFloat(valueCache),
                              toInt64(positions), toInt64(length)};
  std::string why;
  if (!reference::cacheAppend(p, state, why))
    return fail(op, why);
  // Cache values are copied, never computed: converting back is exact.
  auto fromFloats = [](const std::vector<float> &v, const npy::Array &like) {
    npy::Array f = npy::Array::zeros(npy::DType::F32, like.shape);
    std::copy(v.begin(), v.end(), f.as<float>());
    return npy::convert(f, like.dtype);
  };
  auto fromInts = [](const std::vector<int64_t> &v, const npy::Array &like) {
    npy::Array a = npy::Array::zeros(npy::DType::I64, like.shape);
    std::copy(v.begin(), v.end(), a.as<int64_t>());
    return a;
  };
  // Build all four before inserting: inserting may move the map's entries
  // that the references above point to.
  npy::Array results[] = {
      fromFloats(state.keys, keyCache), fromFloats(state.values, valueCache),
      fromInts(state.positions, positions), fromInts(state.length, length)};
  for (unsigned i = 0; i < 4; ++i)
    values[op->getResult(i)] = std::move(results[i]);
  return true;
}

bool Interpreter::evaluateBitplaneMatmul(BitplaneMatmulOp op) {
  auto xType = cast<RankedTensorType>(op.getInput().getType());
  auto pType = cast<RankedTensorType>(op.getPlanes().getType());
  auto accType = cast<RankedTensorType>(op.getAcc().getType());
  reference::BitplaneMatmulProblem p;
  p.m = xType.getDimSize(0);
  p.k = xType.getDimSize(1);
  p.n = accType.getDimSize(1);
  p.groupSize = static_cast<int64_t>(op.getGroupSize());
  switch (op.getPlaneKind()) {
  case PlaneKind::Binary:
    p.kind = reference::PlaneKind::Binary;
    break;
  case PlaneKind::Signed:
    p.kind = reference::PlaneKind::Signed;
    break;
  case PlaneKind::Ternary:
    p.kind = reference::PlaneKind::Ternary;
    break;
  }
  const npy::Array &planes = get(op.getPlanes());
  const uint32_t *bits = planes.as<uint32_t>();
  const int64_t KW = (p.k + 31) / 32;
  if (auto layout = op.getLayoutAttr()) {
    // Blocked: planes[nb, kb, p, kw, nn] = canonical[p, kb·b + kw, nb·a + nn].
    const int64_t a = layout.getNTile(), b = layout.getKTile();
    const int64_t NB = pType.getDimSize(0), KB = pType.getDimSize(1);
    p.numPlanes = pType.getDimSize(2);
    p.planes.assign(p.numPlanes * KW * p.n, 0);
    for (int64_t nb = 0; nb < NB; ++nb)
      for (int64_t kb = 0; kb < KB; ++kb)
        for (int64_t l = 0; l < p.numPlanes; ++l)
          for (int64_t kw = 0; kw < b; ++kw)
            for (int64_t nn = 0; nn < a; ++nn) {
              int64_t w = kb * b + kw, n = nb * a + nn;
              if (w < KW && n < p.n)
                p.planes[(l * KW + w) * p.n + n] =
                    bits[(((nb * KB + kb) * p.numPlanes + l) * b + kw) * a +
                         nn];
            }
  } else {
    p.numPlanes = pType.getDimSize(0);
    p.planes.assign(bits, bits + planes.numElements());
  }
  p.input = npy::toFloat(get(op.getInput()));
  p.coeffs = npy::toFloat(get(op.getCoeffs()));
  p.acc = npy::toFloat(get(op.getAcc()));
  if (Value scales = op.getScales()) {
    const npy::Array &words = get(scales);
    p.subBlock = op.getSubBlockRows();
    p.scales.assign(words.as<uint32_t>(),
                    words.as<uint32_t>() + words.numElements());
  }
  std::vector<double> out;
  std::string why;
  if (!reference::bitplaneMatmul(p, out, why))
    return fail(op, why);
  const npy::Array &acc = get(op.getAcc());
  npy::Array result = fromDoubles(out, acc.dtype, acc.shape);
  setResult(op, std::move(out), std::move(result));
  return true;
}

bool Interpreter::evaluate(Operation *op) {
  for (Value operand : op->getOperands())
    if (!values.count(operand))
      return fail(op, "operand is not defined in the entry's body");
  for (Type type : op->getResultTypes())
    if (isa<ShapedType>(type) && !isa<RankedTensorType>(type))
      return fail(op, "only ranked tensors are supported");
  if (auto c = dyn_cast<arith::ConstantOp>(op))
    return evaluateConstant(c);
  if (auto empty = dyn_cast<tensor::EmptyOp>(op)) {
    npy::DType dtype;
    if (!elementDType(op, empty.getType(), dtype))
      return false;
    values[empty.getResult()] =
        npy::Array::zeros(dtype, shapeOf(empty.getType()));
    return true;
  }
  // Reshapes of row-major data keep the elements in order.
  if (isa<tensor::CollapseShapeOp, tensor::ExpandShapeOp>(op)) {
    npy::Array result = get(op->getOperand(0));
    result.shape = shapeOf(op->getResult(0).getType());
    values[op->getResult(0)] = std::move(result);
    auto it = exact.find(op->getOperand(0));
    if (it != exact.end()) {
      npy::Array wide = it->second;
      wide.shape = shapeOf(op->getResult(0).getType());
      exact[op->getResult(0)] = std::move(wide);
    }
    return true;
  }
  if (auto fill = dyn_cast<linalg::FillOp>(op)) {
    if (fill->getNumResults() != 1)
      return fail(op, "only linalg.fill on tensors is supported");
    const npy::Array &init = get(fill.getOutputs()[0]);
    double scalar = npy::toDouble(get(fill.getInputs()[0]))[0];
    npy::Array result =
        fromDoubles(std::vector<double>(init.numElements(), scalar), init.dtype,
                    init.shape);
    values[fill->getResult(0)] = std::move(result);
    return true;
  }
  if (op->getNumResults() && llvm::all_of(op->getResultTypes(), [](Type t) {
        return isa<RankedTensorType>(t);
      })) {
    if (auto attention = dyn_cast<SinkAttentionOp>(op))
      return evaluateSinkAttention(attention);
    if (auto append = dyn_cast<CacheAppendOp>(op))
      return evaluateCacheAppend(append);
    if (auto matmul = dyn_cast<BitplaneMatmulOp>(op))
      return evaluateBitplaneMatmul(matmul);
  }
  return fail(op, "op is not supported by the reference interpreter "
                  "(supported: arith.constant, tensor.empty, linalg.fill, "
                  "bitsink.sink_attention, bitsink.cache_append, "
                  "bitsink.bitplane_matmul, func.return)");
}

bool Interpreter::run(FunctionOpInterface func,
                      const std::vector<npy::Array> &inputs,
                      std::vector<npy::Array> &outputs,
                      std::vector<npy::Array> *unroundedOutputs) {
  EntrySignature signature;
  if (!getEntrySignature(func.getFunctionType(), signature, error)) {
    error = "entry '" + func.getName().str() + "': " + error;
    return false;
  }
  std::vector<npy::Array> prepared;
  if (!prepareInputs(signature, inputs, prepared, error))
    return false;
  Region &body = func.getFunctionBody();
  if (!body.hasOneBlock()) {
    error = locationOf(func) + ": the reference interpreter needs an entry "
                               "with a body of one block";
    return false;
  }
  for (auto [arg, input] : llvm::zip(body.getArguments(), prepared))
    values[arg] = std::move(input);
  for (Operation &op : body.front()) {
    if (auto ret = dyn_cast<func::ReturnOp>(op)) {
      outputs.clear();
      if (unroundedOutputs)
        unroundedOutputs->clear();
      for (Value v : ret.getOperands()) {
        if (!values.count(v))
          return fail(&op, "operand is not defined in the entry's body");
        npy::Array out = get(v);
        if (unroundedOutputs) {
          auto it = exact.find(v);
          unroundedOutputs->push_back(it != exact.end()
                                          ? it->second
                                          : npy::convert(out, npy::DType::F64));
        }
        if (out.dtype == npy::DType::BF16)
          out = npy::convert(out, npy::DType::F32);
        outputs.push_back(std::move(out));
      }
      return true;
    }
    if (!evaluate(&op))
      return false;
  }
  error = locationOf(func) + ": the entry has no func.return";
  return false;
}

bool bitsink::evaluateWithReference(FunctionOpInterface func,
                                    const std::vector<npy::Array> &inputs,
                                    std::vector<npy::Array> &outputs,
                                    std::string &error,
                                    std::vector<npy::Array> *unroundedOutputs) {
  Interpreter interpreter(error);
  return interpreter.run(func, inputs, outputs, unroundedOutputs);
}
