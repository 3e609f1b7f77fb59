//===- LowerBitplaneMatmulGPU.cpp - bitplane_matmul on GPUs -----*- C++ -*-===//
//
// Lowers bitsink.bitplane_matmul (on device memrefs) to host code with
// gpu.launch ops: a split-K GEMV that reads every packed plane word once,
// coalesced, and sums x through partial-sum tables (small M) or rebuilds
// the weights in registers; and a GEMM that dequantizes weight tiles into
// shared memory and multiplies them with nvgpu.ldmatrix + nvgpu.mma.sync
// (or f32 FMAs). See docs/gpu-bitplane.md.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"
#include "mlir/IR/TypeUtilities.h"

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPULOWERBITPLANEMATMUL
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

constexpr int64_t kWarpSize = 32;
/// Shared memory a GEMV CTA may use for its x rows (bytes); the static limit
/// of a CTA is 48 KiB.
constexpr int64_t kGemvStagingBytes = 32 * 1024;
/// Row padding (in 16-bit elements) of the GEMM's f16 tiles: a 16-byte shift
/// per row spreads the eight rows an ldmatrix phase reads over all 32 banks.
constexpr int64_t kHalfTilePad = 8;

struct GpuOptions {
  int64_t gemvMaxRows, gemvLutMaxRows, gemvColumnsPerThread, gemvWarpsK, splitK,
      smCount, gemvCtasPerSm, tileM, tileN, tileK;
  bool tensorCores;
};

/// Emits the kernels of one memref-form bitplane_matmul.
///
/// Math (DESIGN §2.3): Ŵ[k,n] = c[g,0,n] + Σ_{l<L} c[g,l+1,n]·t_l[k,n] with
/// g = k / group_size and t_l from bit k%32 of word k/32 of the planes;
/// y = acc + x·Ŵ accumulated in f32. A weight is rebuilt from its bits as
/// c0 plus, per term, a select among {c, 0} (binary), {c, −c} (signed) or
/// {c, −c, 0} (ternary, magnitude bit m and sign bit s); the table GEMV
/// applies the same coefficients to sums of x instead.
class GpuBitplaneEmitter : KernelBuilder {
public:
  GpuBitplaneEmitter(ImplicitLocOpBuilder &b, BitplaneMatmulOp op,
                     const GpuOptions &options)
      : KernelBuilder(b), options(options), kind(op.getPlaneKind()),
        numPlanes(op.getNumPlanes()), numTerms(op.getNumTerms()),
        groupSize(static_cast<int64_t>(op.getGroupSize())) {
    f32 = b.getF32Type();
    i32 = b.getI32Type();
    x = op.getInput();
    planes = op.getPlanes();
    coeffs = op.getCoeffs();
    acc = op.getAcc();
    m = dim(x, 0);
    k = dim(x, 1);
    n = dim(acc, 1);
    numWords = dim(planes, 1);
    numGroups = dim(coeffs, 0);
  }

  /// Small static M: y = acc + x·Ŵ without materialising Ŵ.
  void emitGemv(int64_t rows);
  /// Any M: Ŵ tile by tile through shared memory.
  void emitGemm();

private:
  //===--------------------------------------------------------------------===//
  // Small builders
  //===--------------------------------------------------------------------===//

  Value f32Const(float v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value i32Const(int32_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
  }
  Value add(Value l, Value r) { return b.createOrFold<arith::AddIOp>(l, r); }
  Value sub(Value l, Value r) { return b.createOrFold<arith::SubIOp>(l, r); }
  Value mul(Value l, Value r) { return b.createOrFold<arith::MulIOp>(l, r); }
  Value div(Value l, Value r) { return b.createOrFold<arith::DivUIOp>(l, r); }
  Value rem(Value l, Value r) { return b.createOrFold<arith::RemUIOp>(l, r); }
  Value ceilDiv(Value l, Value r) {
    return b.createOrFold<arith::CeilDivUIOp>(l, r);
  }
  Value maxIdx(Value l, Value r) {
    return b.createOrFold<arith::MaxSIOp>(l, r);
  }
  Value lt(Value l, Value r) {
    return b.createOrFold<arith::CmpIOp>(arith::CmpIPredicate::slt, l, r);
  }
  Value andI(Value l, Value r) { return b.createOrFold<arith::AndIOp>(l, r); }
  /// a·b + c as a contractible multiply-add: NVPTX emits one fma.rn.f32.
  /// (math.fma may become a call to libdevice's __nv_fmaf in MLIR 22's
  /// NVVM lowering, which cubin-format=isa leaves unresolved.)
  Value fma(Value a, Value v, Value c) {
    auto contract = arith::FastMathFlags::contract;
    return arith::AddFOp::create(b, arith::MulFOp::create(b, a, v, contract), c,
                                 contract);
  }
  Value select(Value c, Value t, Value f) {
    return arith::SelectOp::create(b, c, t, f);
  }
  Type elementType(Value memref) {
    return cast<MemRefType>(memref.getType()).getElementType();
  }
  /// `v` (f32) rounded to `type`.
  Value fromF32(Value v, Type type) {
    if (getElementTypeOrSelf(v.getType()) == type)
      return v;
    Type target = type;
    if (auto vecType = dyn_cast<VectorType>(v.getType()))
      target = vecType.clone(type);
    return arith::TruncFOp::create(b, target, v);
  }
  /// The `width` elements of `memref[prefix..., col : col + width]` as f32
  /// scalars: one aligned vector load (the caller guarantees alignment: N is
  /// a multiple of `width` and the buffer is allocation-aligned).
  SmallVector<Value> loadRun(Value memref, ValueRange prefix, Value col,
                             int64_t width) {
    SmallVector<Value> indices(prefix);
    indices.push_back(col);
    Type type = elementType(memref);
    if (width == 1)
      return {toF32(memref::LoadOp::create(b, memref, indices))};
    auto vecType = VectorType::get({width}, type);
    Value vec = toF32(vector::LoadOp::create(
        b, vecType, memref, indices, /*nontemporal=*/false,
        llvm::Align(width * type.getIntOrFloatBitWidth() / 8)));
    SmallVector<Value> scalars;
    for (int64_t v = 0; v < width; ++v)
      scalars.push_back(vector::ExtractOp::create(b, vec, v));
    return scalars;
  }
  SmallVector<Value> loadWordRun(Value word, int64_t plane, Value col,
                                 int64_t width) {
    SmallVector<Value> indices{idx(plane), word, col};
    if (width == 1)
      return {memref::LoadOp::create(b, planes, indices)};
    auto vecType = VectorType::get({width}, i32);
    Value vec =
        vector::LoadOp::create(b, vecType, planes, indices,
                               /*nontemporal=*/false, llvm::Align(4 * width));
    SmallVector<Value> scalars;
    for (int64_t v = 0; v < width; ++v)
      scalars.push_back(vector::ExtractOp::create(b, vec, v));
    return scalars;
  }
  /// Stores the f32 `values` to `memref[prefix..., col : col + width]`.
  void storeRun(ArrayRef<Value> values, Value memref, ValueRange prefix,
                Value col) {
    SmallVector<Value> indices(prefix);
    indices.push_back(col);
    Type type = elementType(memref);
    int64_t width = values.size();
    if (width == 1) {
      memref::StoreOp::create(b, fromF32(values[0], type), memref, indices);
      return;
    }
    auto vecType = VectorType::get({width}, f32);
    Value vec = arith::ConstantOp::create(
        b, vecType, DenseElementsAttr::get(vecType, b.getF32FloatAttr(0)));
    for (auto [v, value] : llvm::enumerate(values))
      vec = vector::InsertOp::create(b, value, vec, v);
    vector::StoreOp::create(
        b, fromF32(vec, type), memref, indices, /*nontemporal=*/false,
        llvm::Align(width * type.getIntOrFloatBitWidth() / 8));
  }
  /// scf.if with results; both branches return the values to yield.
  template <typename ThenFn, typename ElseFn>
  SmallVector<Value> ifElse(Value cond, TypeRange types, ThenFn &&thenFn,
                            ElseFn &&elseFn) {
    auto ifOp = scf::IfOp::create(b, types, cond, /*withElseRegion=*/true);
    {
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      scf::YieldOp::create(b, thenFn());
      b.setInsertionPointToStart(&ifOp.getElseRegion().front());
      scf::YieldOp::create(b, elseFn());
    }
    return ifOp.getResults();
  }
  template <typename ThenFn> void ifThen(Value cond, ThenFn &&thenFn) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, cond,
                                  /*withElseRegion=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    thenFn();
  }
  /// A `for (e = tid; e < total; e += threads)` loop: a CTA-wide strided
  /// walk whose consecutive threads take consecutive elements.
  template <typename Fn>
  void ctaStridedLoop(Value tid, Value total, int64_t threads, Fn &&body) {
    forLoop(tid, total, idx(threads), {}, [&](Value e, ValueRange) {
      body(e);
      return SmallVector<Value>{};
    });
  }
  /// gpu.launch over grid (gx, gy) and block (bx, by) with the given
  /// workgroup buffers; `body(launch)` emits the kernel. An empty grid
  /// (M or N = 0) is not launched: CUDA rejects it.
  template <typename Fn>
  void launch(Value gx, Value gy, int64_t bx, int64_t by,
              ArrayRef<Type> workgroupBuffers, Fn &&body) {
    std::optional<int64_t> staticX = getConstantIntValue(gx),
                           staticY = getConstantIntValue(gy);
    if ((staticX && *staticX == 0) || (staticY && *staticY == 0))
      return;
    if (!staticX || !staticY) {
      Value nonEmpty = andI(lt(idx(0), gx), lt(idx(0), gy));
      auto ifOp = scf::IfOp::create(b, TypeRange{}, nonEmpty,
                                    /*withElseRegion=*/false);
      OpBuilder::InsertionGuard guard(b);
      b.setInsertionPointToStart(&ifOp.getThenRegion().front());
      emitLaunch(gx, gy, bx, by, workgroupBuffers, body);
      return;
    }
    emitLaunch(gx, gy, bx, by, workgroupBuffers, body);
  }
  template <typename Fn>
  void emitLaunch(Value gx, Value gy, int64_t bx, int64_t by,
                  ArrayRef<Type> workgroupBuffers, Fn &body) {
    auto launchOp = gpu::LaunchOp::create(
        b, gx, gy, idx(1), idx(bx), idx(by), idx(1),
        /*dynamicSharedMemorySize=*/nullptr, /*asyncTokenType=*/nullptr,
        /*asyncDependencies=*/ValueRange{}, workgroupBuffers);
    OpBuilder::InsertionGuard guard(b);
    Block &block = launchOp.getBody().front();
    b.setInsertionPointToEnd(&block);
    body(launchOp);
    gpu::TerminatorOp::create(b);
  }
  static MemRefType workgroupBuffer(ArrayRef<int64_t> shape, Type type) {
    auto space = gpu::AddressSpaceAttr::get(type.getContext(),
                                            gpu::AddressSpace::Workgroup);
    return MemRefType::get(shape, type, MemRefLayoutAttrInterface{}, space);
  }

  //===--------------------------------------------------------------------===//
  // Weights from bits
  //===--------------------------------------------------------------------===//

  /// The group of row `row` (clamped into the coefficients: rows past K of
  /// a partial last word are computed but never used).
  Value groupOf(Value row) {
    if (groupSize % 32 != 0)
      return idx(0); // Per channel: group_size >= K.
    return b.createOrFold<arith::MinSIOp>(div(row, idx(groupSize)),
                                          sub(numGroups, idx(1)));
  }
  /// The coefficients c_0..c_L of one group and column (f32), and the
  /// negated c_1..c_L that signed and ternary terms select.
  struct GroupCoefficients {
    SmallVector<Value> c, negC;
  };
  GroupCoefficients negate(SmallVector<Value> c) {
    GroupCoefficients result{std::move(c), {}};
    if (kind != PlaneKind::Binary)
      for (Value v : result.c)
        result.negC.push_back(arith::NegFOp::create(b, v));
    return result;
  }
  /// Ŵ for the row whose bit is `mask` (a one-bit i32) in the plane `words`.
  Value weightFromBits(ArrayRef<Value> words, Value mask,
                       const GroupCoefficients &cs) {
    Value zero = f32Const(0.0f), zeroI = i32Const(0);
    auto isSet = [&](Value word) {
      return arith::CmpIOp::create(b, arith::CmpIPredicate::ne,
                                   arith::AndIOp::create(b, word, mask), zeroI);
    };
    Value w = cs.c[0];
    for (int64_t l = 0; l < numTerms; ++l) {
      Value term;
      switch (kind) {
      case PlaneKind::Binary: // t ∈ {0, 1}
        term = select(isSet(words[l]), cs.c[l + 1], zero);
        break;
      case PlaneKind::Signed: // t = 2b − 1
        term = select(isSet(words[l]), cs.c[l + 1], cs.negC[l + 1]);
        break;
      case PlaneKind::Ternary: // t = m·(2s − 1)
        term = select(
            isSet(words[2 * l]),
            select(isSet(words[2 * l + 1]), cs.c[l + 1], cs.negC[l + 1]), zero);
        break;
      }
      w = arith::AddFOp::create(b, w, term);
    }
    return w;
  }
  Value bitMask(int64_t i) { return i32Const(static_cast<int32_t>(1u << i)); }
  Value bitMask(Value i) {
    return arith::ShLIOp::create(b, i32Const(1),
                                 arith::IndexCastOp::create(b, i32, i));
  }

  //===--------------------------------------------------------------------===//
  // GEMV
  //===--------------------------------------------------------------------===//

  struct GemvShape {
    int64_t rows, width, warpsK, chunkWords, stepRows, sharedQuads;
    /// Partial-sum tables instead of rebuilt weights (M <= gemv-lut-max-
    /// rows): `tableFloats` f32 of shared memory for them.
    bool lut;
    int64_t tableFloats;
  };
  GemvShape chooseGemvShape(int64_t rows);
  /// The GEMV kernel. With `workspace`, CTA (x, z) writes its partial sums
  /// to workspace[z]; without, it adds them to acc.
  void emitGemvKernel(const GemvShape &s, Value splitK, Value numChunks,
                      Value workspace);
  /// Adds the products of one chunk (words of one group) to `y`
  /// (rows × width, row-major), summing x through the partial-sum tables
  /// of the step in `tables`.
  SmallVector<Value> emitGemvChunkLut(const GemvShape &s, Value tables,
                                      Value chunk, Value localRow, Value col0,
                                      SmallVector<Value> y);
  /// x[r, row : row + 4] as f32 (zeros past K).
  Value loadInputQuad(Value r, Value row, llvm::Align align);
  /// The same, rebuilding each weight and reading x from the step's f32
  /// quads in `smem`.
  SmallVector<Value> emitGemvChunk(const GemvShape &s, Value smem, Value chunk,
                                   Value localRow, Value col0,
                                   SmallVector<Value> y);
  /// acc[r, n] += Σ_z workspace[z, r, n], z in order.
  void emitSplitKReduction(Value workspace, Value splitK, int64_t rows);

  //===--------------------------------------------------------------------===//
  // GEMM
  //===--------------------------------------------------------------------===//

  /// A row-major tile inside the CTA's one shared buffer (a single
  /// workgroup buffer starts at the base of the CTA's shared window).
  struct Tile {
    Value buffer;
    int64_t offset, rowStride;
    /// Ŵ tiles only: stored transposed, Bs[n][k], so that the 8 rows a
    /// thread rebuilds are one 16-byte vector store.
    bool columnMajor = false;
  };
  Value tileIndex(const Tile &tile, Value row, Value col) {
    return add(idx(tile.offset), add(mul(row, idx(tile.rowStride)), col));
  }
  /// Stages x[m0 : m0+BM, k0 : k0+BK] into `tile` (zeros outside x),
  /// rounded to the tile's element type.
  void stageInputTile(const Tile &tile, Value tid, int64_t threads, Value m0,
                      Value k0);
  /// Dequantizes Ŵ[k0 : k0+BK, n0 : n0+BN] into `tile` (zeros for rows
  /// >= K and columns >= N): each thread rebuilds 8 rows of one column.
  void dequantizeWeightTile(const Tile &tile, Value tid, int64_t threads,
                            Value k0, Value n0);
  /// acc += the warp's 2 × 4 m16n8 accumulator tiles at (row0, col0).
  void storeWarpAccumulators(ArrayRef<Value> accs, Value row0, Value col0,
                             Value lane);
  void emitTensorCoreGemm();
  void emitTf32TensorCoreGemm();
  void emitSimtGemm();

  const GpuOptions &options;
  PlaneKind kind;
  int64_t numPlanes, numTerms, groupSize;
  Type f32, i32;
  Value x, planes, coeffs, acc;
  Value m, k, n, numWords, numGroups;
};

} // namespace

//===----------------------------------------------------------------------===//
// GEMV
//===----------------------------------------------------------------------===//
//
// Grid (ceil(N / (32·width)), splitK), block (32, warpsK). Thread (tx, ty)
// of CTA (bx, bz) owns the `width` adjacent columns col0 = (32·bx + tx)·width,
// so a warp reads 32·width consecutive words of a plane row: one 128-byte
// line per plane row for width 1, four for width 4 (16-byte vector loads).
// K is cut into chunks of `chunkWords` words that never straddle a group;
// CTA bz owns a contiguous range of chunks and walks it in steps of warpsK
// chunks: the CTA stages x[:, step rows] in shared memory (as partial-sum
// tables or as f32; zeros past K), then warp ty adds x·Ŵ of chunk
// `step + ty` to its rows × width f32 sums. Every plane word and every
// coefficient is read by exactly one thread, once. At the end the warps of
// a CTA add their sums through shared memory in ty order, and the CTA adds
// acc (splitK = 1) or writes its partial to a workspace that a second
// kernel reduces in z order: results do not depend on scheduling.

GpuBitplaneEmitter::GemvShape
GpuBitplaneEmitter::chooseGemvShape(int64_t rows) {
  GemvShape s;
  s.rows = rows;
  // Columns per thread: at most 32 live sums, and a width that divides a
  // static N (vector loads need aligned runs; a dynamic N gets 1).
  int64_t nStatic = cast<MemRefType>(acc.getType()).getDimSize(1);
  s.width = std::max<int64_t>(1, options.gemvColumnsPerThread);
  while (s.width > 1 &&
         (rows * s.width > 32 || ShapedType::isDynamic(nStatic) ||
          nStatic % s.width != 0))
    s.width /= 2;
  // Chunks of at most 4 words inside one group: the group's coefficients
  // are loaded once per chunk.
  if (groupSize % 32 != 0) {
    s.chunkWords = 4;
  } else {
    int64_t wordsPerGroup = groupSize / 32;
    s.chunkWords = wordsPerGroup <= 4       ? wordsPerGroup
                   : wordsPerGroup % 4 == 0 ? 4
                   : wordsPerGroup % 2 == 0 ? 2
                                            : 1;
  }
  s.lut = rows <= options.gemvLutMaxRows;
  // Staged bytes per row of K: 4 (x as f32), 16 (four-row tables: 16
  // floats per 4 rows).
  int64_t bytesPerRow = s.lut ? 16 : 4;
  s.warpsK = std::max<int64_t>(1, options.gemvWarpsK);
  while (s.warpsK > 1 &&
         rows * s.warpsK * s.chunkWords * 32 * bytesPerRow > kGemvStagingBytes)
    --s.warpsK;
  s.stepRows = s.warpsK * s.chunkWords * 32;
  s.tableFloats = s.lut ? rows * s.stepRows * 4 : 0;
  // One buffer of vector<4xf32> (an array of 16-byte vectors is 16-byte
  // aligned by construction, so every access is one 16-byte shared access),
  // reused: x rows of a step, then one partial-sum quad per thread and row.
  s.sharedQuads = std::max<int64_t>(
      {s.lut ? 1 : rows * s.stepRows / 4, (s.warpsK - 1) * rows * kWarpSize});
  return s;
}

SmallVector<Value> GpuBitplaneEmitter::emitGemvChunk(const GemvShape &s,
                                                     Value smem, Value chunk,
                                                     Value localRow, Value col0,
                                                     SmallVector<Value> y) {
  Value firstWord = mul(chunk, idx(s.chunkWords));
  Value g = groupOf(mul(firstWord, idx(32)));
  // Coefficients of the chunk's group for each column: read once.
  SmallVector<SmallVector<Value>> columnCoeffs(s.width);
  for (int64_t l = 0; l <= numTerms; ++l) {
    SmallVector<Value> run = loadRun(coeffs, {g, idx(l)}, col0, s.width);
    for (int64_t v = 0; v < s.width; ++v)
      columnCoeffs[v].push_back(run[v]);
  }
  SmallVector<GroupCoefficients> cs;
  for (int64_t v = 0; v < s.width; ++v)
    cs.push_back(negate(columnCoeffs[v]));
  // All plane words of the chunk first (chunkWords·P loads in flight per
  // thread); a word past the planes is clamped and its rows skipped.
  Value lastWord = sub(numWords, idx(1));
  SmallVector<SmallVector<SmallVector<Value>>> words(s.chunkWords);
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    Value word =
        b.createOrFold<arith::MinSIOp>(add(firstWord, idx(j)), lastWord);
    words[j].resize(s.width);
    for (int64_t p = 0; p < numPlanes; ++p) {
      SmallVector<Value> run = loadWordRun(word, p, col0, s.width);
      for (int64_t v = 0; v < s.width; ++v)
        words[j][v].push_back(run[v]);
    }
  }
  SmallVector<Type> yTypes(y.size(), f32);
  // The quad of shared memory holding x[r, step row `row`].
  auto quadOf = [&](int64_t r, Value row) {
    return add(idx(r * s.stepRows / 4), div(row, idx(4)));
  };
  // y[r][v] += x[r, row]·Ŵ[row, col0 + v] for one row; `xs[r]` = x[r, row].
  auto accumulateRow = [&](ArrayRef<SmallVector<Value>> wordsJ, Value mask,
                           ArrayRef<Value> xs, SmallVector<Value> &sums) {
    for (int64_t v = 0; v < s.width; ++v) {
      Value w = weightFromBits(wordsJ[v], mask, cs[v]);
      for (int64_t r = 0; r < s.rows; ++r) {
        Value &sum = sums[r * s.width + v];
        sum = fma(xs[r], w, sum);
      }
    }
  };
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    Value word = add(firstWord, idx(j));
    // Rows of this word below K: 32, fewer for the last word, <= 0 past it.
    Value rowsInWord = sub(k, mul(word, idx(32)));
    Value wordBase = add(localRow, idx(32 * j));
    y = ifElse(
        b.createOrFold<arith::CmpIOp>(arith::CmpIPredicate::sge, rowsInWord,
                                      idx(32)),
        yTypes,
        [&] {
          // A whole word: 32 rows unrolled, x read four rows at a time
          // (one 16-byte shared load per input row).
          SmallVector<Value> sums(y);
          for (int64_t i0 = 0; i0 < 32; i0 += 4) {
            SmallVector<Value> x4;
            for (int64_t r = 0; r < s.rows; ++r)
              x4.push_back(memref::LoadOp::create(
                  b, smem, ValueRange{quadOf(r, add(wordBase, idx(i0)))}));
            for (int64_t i = i0; i < i0 + 4; ++i) {
              SmallVector<Value> xs;
              for (int64_t r = 0; r < s.rows; ++r)
                xs.push_back(vector::ExtractOp::create(b, x4[r], i - i0));
              accumulateRow(words[j], bitMask(i), xs, sums);
            }
          }
          return sums;
        },
        [&] {
          // The partial last word of K (or nothing): its rows one by one.
          return forLoop(idx(0), maxIdx(rowsInWord, idx(0)), idx(1), y,
                         [&](Value i, ValueRange it) {
                           SmallVector<Value> sums(it), xs;
                           Value row = add(wordBase, i);
                           OpFoldResult lane = rem(i, idx(4));
                           for (int64_t r = 0; r < s.rows; ++r)
                             xs.push_back(vector::ExtractOp::create(
                                 b,
                                 memref::LoadOp::create(
                                     b, smem, ValueRange{quadOf(r, row)}),
                                 ArrayRef<OpFoldResult>{lane}));
                           accumulateRow(words[j], bitMask(i), xs, sums);
                           return sums;
                         });
        });
  }
  return y;
}

Value GpuBitplaneEmitter::loadInputQuad(Value r, Value row, llvm::Align align) {
  auto quad = VectorType::get({4}, f32);
  auto type = VectorType::get({4}, elementType(x));
  return ifElse(
      b.createOrFold<arith::CmpIOp>(arith::CmpIPredicate::sle, add(row, idx(4)),
                                    k),
      TypeRange{quad},
      [&] {
        return SmallVector<Value>{toF32(vector::LoadOp::create(
            b, type, x, ValueRange{r, row}, /*nontemporal=*/false, align))};
      },
      [&] {
        // The rows around K one by one.
        Value v = arith::ConstantOp::create(
            b, quad, DenseElementsAttr::get(quad, b.getF32FloatAttr(0)));
        for (int64_t j = 0; j < 4; ++j) {
          Value rowJ = add(row, idx(j));
          Value xj = ifElse(
              lt(rowJ, k), TypeRange{f32},
              [&] {
                return SmallVector<Value>{
                    toF32(memref::LoadOp::create(b, x, ValueRange{r, rowJ}))};
              },
              [&] { return SmallVector<Value>{f32Const(0.0f)}; })[0];
          v = vector::InsertOp::create(b, xj, v, j);
        }
        return SmallVector<Value>{v};
      })[0];
}

// M <= gemv-lut-max-rows: per stream (a binary/signed plane; for ternary
// pairs m and m & s) and input row, Z = Σ x[k] over the chunk's rows whose
// bit is set, four rows per table lookup (one shared load, conflict-free:
// a table is 16 consecutive floats, one per bank); S = Σ x[k] (entry 15).
// Then once per chunk, with the group's coefficients:
//   binary:  y += c0·S + Σ_l c_{l+1}·Z_l
//   signed:  y += c0·S + Σ_l c_{l+1}·(2·Z_l − S)
//   ternary: y += c0·S + Σ_l c_{l+1}·(2·Z_{m&s} − Z_m)
// Rows past K have x = 0 in the tables, so the stored bits there (and of
// the clamped words past the planes) add nothing: no tail case.
SmallVector<Value>
GpuBitplaneEmitter::emitGemvChunkLut(const GemvShape &s, Value tables,
                                     Value chunk, Value localRow, Value col0,
                                     SmallVector<Value> y) {
  Value firstWord = mul(chunk, idx(s.chunkWords));
  Value g = groupOf(mul(firstWord, idx(32)));
  SmallVector<SmallVector<Value>> c(s.width);
  for (int64_t l = 0; l <= numTerms; ++l) {
    SmallVector<Value> run = loadRun(coeffs, {g, idx(l)}, col0, s.width);
    for (int64_t v = 0; v < s.width; ++v)
      c[v].push_back(run[v]);
  }
  Value lastWord = sub(numWords, idx(1));
  int64_t streams = kind == PlaneKind::Ternary ? 2 * numTerms : numPlanes;
  // words[j][v][stream]
  SmallVector<SmallVector<SmallVector<Value>>> words(s.chunkWords);
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    Value word =
        b.createOrFold<arith::MinSIOp>(add(firstWord, idx(j)), lastWord);
    words[j].resize(s.width);
    for (int64_t p = 0; p < numPlanes; ++p) {
      SmallVector<Value> run = loadWordRun(word, p, col0, s.width);
      for (int64_t v = 0; v < s.width; ++v)
        words[j][v].push_back(run[v]);
    }
    if (kind == PlaneKind::Ternary)
      for (int64_t v = 0; v < s.width; ++v)
        for (int64_t l = 0; l < numTerms; ++l)
          words[j][v][2 * l + 1] = arith::AndIOp::create(
              b, words[j][v][2 * l], words[j][v][2 * l + 1]);
  }
  int64_t stepQuads = s.stepRows / 4;
  Value zero = f32Const(0.0f);
  // z[(r·streams + j)·width + v], sum[r]
  SmallVector<Value> z(s.rows * streams * s.width, zero), sum(s.rows, zero);
  Value fifteen = i32Const(15);
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    // The table quad of rows 32·word + 4·nib.. of this step.
    Value quad0 = div(add(localRow, idx(32 * j)), idx(4));
    for (int64_t nib = 0; nib < 8; ++nib) {
      Value quadIndex = add(quad0, idx(nib));
      SmallVector<Value> tableBase;
      for (int64_t r = 0; r < s.rows; ++r) {
        tableBase.push_back(mul(add(idx(r * stepQuads), quadIndex), idx(16)));
        sum[r] = arith::AddFOp::create(
            b, sum[r],
            memref::LoadOp::create(b, tables,
                                   ValueRange{add(tableBase[r], idx(15))}));
      }
      for (int64_t v = 0; v < s.width; ++v)
        for (int64_t st = 0; st < streams; ++st) {
          Value bits = words[j][v][st];
          if (nib)
            bits = arith::ShRUIOp::create(b, bits, i32Const(4 * nib));
          Value entry = arith::IndexCastUIOp::create(
              b, b.getIndexType(), arith::AndIOp::create(b, bits, fifteen));
          for (int64_t r = 0; r < s.rows; ++r) {
            Value &acc = z[(r * streams + st) * s.width + v];
            acc = arith::AddFOp::create(
                b, acc,
                memref::LoadOp::create(b, tables,
                                       ValueRange{add(tableBase[r], entry)}));
          }
        }
    }
  }
  Value two = f32Const(2.0f);
  for (int64_t r = 0; r < s.rows; ++r)
    for (int64_t v = 0; v < s.width; ++v) {
      auto zOf = [&](int64_t st) {
        return z[(r * streams + st) * s.width + v];
      };
      Value &out = y[r * s.width + v];
      out = fma(c[v][0], sum[r], out);
      for (int64_t l = 0; l < numTerms; ++l) {
        Value term;
        switch (kind) {
        case PlaneKind::Binary:
          term = zOf(l);
          break;
        case PlaneKind::Signed:
          term = arith::SubFOp::create(b, arith::MulFOp::create(b, two, zOf(l)),
                                       sum[r]);
          break;
        case PlaneKind::Ternary:
          term = arith::SubFOp::create(
              b, arith::MulFOp::create(b, two, zOf(2 * l + 1)), zOf(2 * l));
          break;
        }
        out = fma(c[v][l + 1], term, out);
      }
    }
  return y;
}

void GpuBitplaneEmitter::emitGemvKernel(const GemvShape &s, Value splitK,
                                        Value numChunks, Value workspace) {
  int64_t threads = kWarpSize * s.warpsK;
  Value colsPerCta = idx(kWarpSize * s.width);
  Value chunksPerCta = ceilDiv(numChunks, splitK);
  auto quad = VectorType::get({4}, f32);
  // Four rows of x are one aligned vector when a static K keeps x's rows
  // 4-element aligned; otherwise the load may be split.
  int64_t xBytes = elementType(x).getIntOrFloatBitWidth() / 8;
  int64_t kStatic = cast<MemRefType>(x.getType()).getDimSize(1);
  llvm::Align xQuadAlign(!ShapedType::isDynamic(kStatic) && kStatic % 4 == 0
                             ? 4 * xBytes
                             : xBytes);
  SmallVector<Type> buffers{workgroupBuffer({s.sharedQuads}, quad)};
  if (s.lut)
    buffers.push_back(workgroupBuffer({s.tableFloats}, f32));
  launch(
      ceilDiv(n, colsPerCta), splitK, kWarpSize, s.warpsK, buffers,
      [&](gpu::LaunchOp launchOp) {
        Value smem = launchOp.getWorkgroupAttributions()[0];
        Value tables =
            s.lut ? Value(launchOp.getWorkgroupAttributions()[1]) : Value();
        Value tx = launchOp.getThreadIds().x;
        Value ty = launchOp.getThreadIds().y;
        Value bx = launchOp.getBlockIds().x;
        Value bz = launchOp.getBlockIds().y;
        Value tid = add(mul(ty, idx(kWarpSize)), tx);
        Value col0 = mul(add(mul(bx, idx(kWarpSize)), tx), idx(s.width));
        Value ownsColumns = lt(col0, n);
        Value firstChunk = mul(bz, chunksPerCta);
        Value endChunk = b.createOrFold<arith::MinSIOp>(
            add(firstChunk, chunksPerCta), numChunks);
        Value zeroQuad = arith::ConstantOp::create(
            b, quad, DenseElementsAttr::get(quad, b.getF32FloatAttr(0)));
        SmallVector<Value> zeros(s.rows * s.width, f32Const(0.0f));
        SmallVector<Type> yTypes(zeros.size(), f32);
        SmallVector<Value> y = forLoop(
            firstChunk, endChunk, idx(s.warpsK), zeros,
            [&](Value step, ValueRange it) {
              Value rowBase = mul(step, idx(s.chunkWords * 32));
              Value stepQuads = idx(s.stepRows / 4);
              if (s.lut) {
                // Tables of the step's rows: for input row r and four
                // rows 4q.., table[r][q][t] = Σ_{i<4, bit i of t}
                // x[r, 4q + i] (rows past K are 0).
                ctaStridedLoop(tid, idx(s.tableFloats), threads, [&](Value e) {
                  Value t = rem(e, idx(16));
                  Value quadIndex = div(e, idx(16));
                  Value r = div(quadIndex, stepQuads);
                  Value row =
                      add(rowBase, mul(rem(quadIndex, stepQuads), idx(4)));
                  Value xq = loadInputQuad(r, row, xQuadAlign);
                  Value sum = f32Const(0.0f);
                  for (int64_t i = 0; i < 4; ++i) {
                    Value set = b.createOrFold<arith::CmpIOp>(
                        arith::CmpIPredicate::ne, andI(t, idx(int64_t{1} << i)),
                        idx(0));
                    sum = arith::AddFOp::create(
                        b, sum,
                        select(set, vector::ExtractOp::create(b, xq, i),
                               f32Const(0.0f)));
                  }
                  memref::StoreOp::create(b, sum, tables, ValueRange{e});
                });
              } else {
                // Stage x[:, rows of chunks step .. step + warpsK) as f32,
                // four consecutive rows of K per thread and quad (zeros
                // past K).
                ctaStridedLoop(
                    tid, idx(s.rows * s.stepRows / 4), threads, [&](Value e) {
                      Value r = div(e, stepQuads);
                      Value row = add(rowBase, mul(rem(e, stepQuads), idx(4)));
                      memref::StoreOp::create(b,
                                              loadInputQuad(r, row, xQuadAlign),
                                              smem, ValueRange{e});
                    });
              }
              gpu::BarrierOp::create(b);
              Value chunk = add(step, ty);
              SmallVector<Value> sums = ifElse(
                  andI(lt(chunk, endChunk), ownsColumns), yTypes,
                  [&] {
                    Value localRow = mul(ty, idx(s.chunkWords * 32));
                    if (s.lut)
                      return emitGemvChunkLut(s, tables, chunk, localRow, col0,
                                              SmallVector<Value>(it));
                    return emitGemvChunk(s, smem, chunk, localRow, col0,
                                         SmallVector<Value>(it));
                  },
                  [&] { return SmallVector<Value>(it); });
              gpu::BarrierOp::create(b);
              return sums;
            });
        // Warps 1.. hand their sums to warp 0 through shared memory,
        // one quad (the thread's `width` sums, zero-padded) per warp − 1,
        // row and lane.
        auto slot = [&](Value warp, int64_t r) {
          return add(mul(add(mul(warp, idx(s.rows)), idx(r)), idx(kWarpSize)),
                     tx);
        };
        ifThen(
            b.createOrFold<arith::CmpIOp>(arith::CmpIPredicate::ne, ty, idx(0)),
            [&] {
              for (int64_t r = 0; r < s.rows; ++r) {
                Value sums = zeroQuad;
                for (int64_t v = 0; v < s.width; ++v)
                  sums =
                      vector::InsertOp::create(b, y[r * s.width + v], sums, v);
                memref::StoreOp::create(b, sums, smem,
                                        ValueRange{slot(sub(ty, idx(1)), r)});
              }
            });
        gpu::BarrierOp::create(b);
        ifThen(
            andI(b.createOrFold<arith::CmpIOp>(arith::CmpIPredicate::eq, ty,
                                               idx(0)),
                 ownsColumns),
            [&] {
              for (int64_t w = 1; w < s.warpsK; ++w)
                for (int64_t r = 0; r < s.rows; ++r) {
                  Value part = memref::LoadOp::create(
                      b, smem, ValueRange{slot(idx(w - 1), r)});
                  for (int64_t v = 0; v < s.width; ++v)
                    y[r * s.width + v] = arith::AddFOp::create(
                        b, y[r * s.width + v],
                        vector::ExtractOp::create(b, part, v));
                }
              for (int64_t r = 0; r < s.rows; ++r) {
                SmallVector<Value> out(ArrayRef(y).slice(r * s.width, s.width));
                if (workspace) {
                  storeRun(out, workspace, {bz, idx(r)}, col0);
                  continue;
                }
                SmallVector<Value> old = loadRun(acc, {idx(r)}, col0, s.width);
                for (int64_t v = 0; v < s.width; ++v)
                  out[v] = arith::AddFOp::create(b, old[v], out[v]);
                storeRun(out, acc, {idx(r)}, col0);
              }
            });
      });
}

void GpuBitplaneEmitter::emitSplitKReduction(Value workspace, Value splitK,
                                             int64_t rows) {
  constexpr int64_t threads = 256;
  Value total = mul(idx(rows), n);
  launch(ceilDiv(total, idx(threads)), idx(1), threads, 1, {},
         [&](gpu::LaunchOp launchOp) {
           Value e = add(mul(launchOp.getBlockIds().x, idx(threads)),
                         launchOp.getThreadIds().x);
           ifThen(lt(e, total), [&] {
             Value r = div(e, n), col = rem(e, n);
             Value sum = forLoop(
                 idx(0), splitK, idx(1),
                 {toF32(memref::LoadOp::create(b, acc, ValueRange{r, col}))},
                 [&](Value z, ValueRange it) {
                   Value part = memref::LoadOp::create(b, workspace,
                                                       ValueRange{z, r, col});
                   return SmallVector<Value>{
                       arith::AddFOp::create(b, it[0], part)};
                 })[0];
             memref::StoreOp::create(b, fromF32(sum, elementType(acc)), acc,
                                     ValueRange{r, col});
           });
         });
}

void GpuBitplaneEmitter::emitGemv(int64_t rows) {
  std::optional<int64_t> staticN = getConstantIntValue(n);
  if (rows == 0 || (staticN && *staticN == 0))
    return; // y = acc.
  GemvShape s = chooseGemvShape(rows);
  Value numChunks = ceilDiv(numWords, idx(s.chunkWords));
  // Split K over CTAs when the column CTAs alone leave SMs idle (decode with
  // N of a few thousand): aim for gemv-ctas-per-sm CTAs per SM, at least
  // warpsK chunks per CTA.
  Value splitK;
  if (options.splitK > 0) {
    splitK = idx(options.splitK);
  } else {
    Value columnCtas = ceilDiv(n, idx(kWarpSize * s.width));
    Value wanted = ceilDiv(idx(options.smCount * options.gemvCtasPerSm),
                           maxIdx(columnCtas, idx(1)));
    Value most = maxIdx(ceilDiv(numChunks, idx(s.warpsK)), idx(1));
    splitK = b.createOrFold<arith::MinSIOp>(maxIdx(wanted, idx(1)), most);
  }
  auto withWorkspace = [&] {
    auto type = MemRefType::get(
        {ShapedType::kDynamic, rows, ShapedType::kDynamic}, f32);
    Value workspace =
        gpu::AllocOp::create(b, type, /*asyncToken=*/Type(), ValueRange{},
                             ValueRange{splitK, n}, ValueRange{},
                             /*hostShared=*/UnitAttr())
            .getMemref();
    emitGemvKernel(s, splitK, numChunks, workspace);
    emitSplitKReduction(workspace, splitK, rows);
    gpu::DeallocOp::create(b, /*asyncToken=*/Type(), ValueRange{}, workspace);
  };
  std::optional<int64_t> staticSplit = getConstantIntValue(splitK);
  if (staticSplit && *staticSplit == 1) {
    emitGemvKernel(s, splitK, numChunks, nullptr);
  } else if (staticSplit) {
    withWorkspace();
  } else {
    // N = 0 takes the direct path too: no zero-byte workspace.
    Value direct = arith::OrIOp::create(
        b, arith::CmpIOp::create(b, arith::CmpIPredicate::eq, splitK, idx(1)),
        arith::CmpIOp::create(b, arith::CmpIPredicate::eq, n, idx(0)));
    auto ifOp = scf::IfOp::create(b, TypeRange{}, direct,
                                  /*withElseRegion=*/true);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&ifOp.getThenRegion().front());
    emitGemvKernel(s, splitK, numChunks, nullptr);
    b.setInsertionPointToStart(&ifOp.getElseRegion().front());
    withWorkspace();
  }
}

//===----------------------------------------------------------------------===//
// GEMM
//===----------------------------------------------------------------------===//

void GpuBitplaneEmitter::stageInputTile(const Tile &tile, Value tid,
                                        int64_t threads, Value m0, Value k0) {
  int64_t tileK = options.tileK;
  Type type = elementType(tile.buffer);
  ctaStridedLoop(tid, idx(options.tileM * tileK), threads, [&](Value e) {
    Value i = div(e, idx(tileK)), j = rem(e, idx(tileK));
    Value row = add(m0, i), col = add(k0, j);
    Value value = ifElse(
        andI(lt(row, m), lt(col, k)), TypeRange{type},
        [&] {
          Value v = memref::LoadOp::create(b, x, ValueRange{row, col});
          if (v.getType() != type)
            v = fromF32(toF32(v), type);
          return SmallVector<Value>{v};
        },
        [&] {
          return SmallVector<Value>{
              arith::ConstantOp::create(b, type, b.getFloatAttr(type, 0.0))};
        })[0];
    memref::StoreOp::create(b, value, tile.buffer,
                            ValueRange{tileIndex(tile, i, j)});
  });
}

void GpuBitplaneEmitter::dequantizeWeightTile(const Tile &tile, Value tid,
                                              int64_t threads, Value k0,
                                              Value n0) {
  int64_t tileN = options.tileN;
  Type type = elementType(tile.buffer);
  // Work item e: column e % BN (consecutive threads, consecutive columns:
  // coalesced plane and coefficient loads), 8-row quarter q of word wl.
  int64_t items = options.tileK / 32 * 4 * tileN;
  ctaStridedLoop(tid, idx(items), threads, [&](Value e) {
    Value colLocal = rem(e, idx(tileN));
    Value rest = div(e, idx(tileN));
    Value quarter = rem(rest, idx(4)), wordLocal = div(rest, idx(4));
    Value col = add(n0, colLocal);
    Value inColumns = lt(col, n);
    Value safeCol = b.createOrFold<arith::MinSIOp>(col, sub(n, idx(1)));
    Value word = add(div(k0, idx(32)), wordLocal);
    Value safeWord =
        b.createOrFold<arith::MinSIOp>(word, sub(numWords, idx(1)));
    Value row0 = add(mul(word, idx(32)), mul(quarter, idx(8)));
    Value g = groupOf(row0);
    SmallVector<Value> c;
    for (int64_t l = 0; l <= numTerms; ++l)
      c.push_back(toF32(
          memref::LoadOp::create(b, coeffs, ValueRange{g, idx(l), safeCol})));
    GroupCoefficients cs = negate(std::move(c));
    SmallVector<Value> words;
    for (int64_t p = 0; p < numPlanes; ++p)
      words.push_back(memref::LoadOp::create(
          b, planes, ValueRange{idx(p), safeWord, safeCol}));
    // The quarter's bits moved down to bits 0..7.
    Value shift = arith::IndexCastOp::create(b, i32, mul(quarter, idx(8)));
    for (Value &w : words)
      w = arith::ShRUIOp::create(b, w, shift);
    Value zero = f32Const(0.0f);
    Value tileRow0 = add(mul(wordLocal, idx(32)), mul(quarter, idx(8)));
    auto runType = VectorType::get({8}, type);
    Value run = arith::ConstantOp::create(
        b, runType, DenseElementsAttr::get(runType, b.getZeroAttr(type)));
    for (int64_t i = 0; i < 8; ++i) {
      Value row = add(row0, idx(i));
      Value w = weightFromBits(words, bitMask(i), cs);
      // Rows >= K and columns >= N do not exist: zero weights.
      w = fromF32(select(andI(lt(row, k), inColumns), w, zero), type);
      if (tile.columnMajor)
        run = vector::InsertOp::create(b, w, run, i);
      else
        memref::StoreOp::create(
            b, w, tile.buffer,
            ValueRange{tileIndex(tile, add(tileRow0, idx(i)), colLocal)});
    }
    if (tile.columnMajor)
      vector::StoreOp::create(
          b, run, tile.buffer, ValueRange{tileIndex(tile, colLocal, tileRow0)},
          /*nontemporal=*/false,
          llvm::Align(8 * type.getIntOrFloatBitWidth() / 8));
  });
}

// Tensor-core GEMM. CTA (bx, by) computes y[by·BM : +BM, bx·BN : +BN] with
// (BM/32)·(BN/32) warps, warp (wm, wn) a 32×32 block: 2 × 4 tiles of
// m16n8k16 with f32 accumulators. Per BK step: stage x (f16) into
// As[BM][BK+8] and Ŵ (f16, transposed) into Bs[BN][BK+8], then per 16-deep
// slice:
//
//   PTX ISA, mma.m16n8k16 .f16 (lane = 4·gid + tig, gid = lane/4,
//   tig = lane%4; each register holds two consecutive elements):
//     A (16×16, row):  a0 = A[gid][2tig..+1]     a1 = A[gid+8][2tig..+1]
//                      a2 = A[gid][2tig+8..+9]   a3 = A[gid+8][2tig+8..+9]
//     B (16×8, col):   b0 = B[2tig..+1][gid]     b1 = B[2tig+8..+9][gid]
//     C/D (16×8, f32): c0,c1 = C[gid][2tig..+1]  c2,c3 = C[gid+8][2tig..+1]
//   ldmatrix .x4 (no .trans) loads four 8×8 b16 matrices; lanes
//   8j..8j+7 give the row addresses of matrix j, and register j of lane l
//   holds row l/4, columns 2(l%4)..+1 of matrix j.
//   A: lane l addresses As[16mi + l%16][kk + 8(l/16)]: matrices (rows
//      0-7, cols 0-7), (8-15, 0-7), (0-7, 8-15), (8-15, 8-15) = a0..a3.
//   B: Bs holds B transposed (row n, column k), so row l/4 = n = gid and
//      columns 2(l%4)..+1 = k = 2tig..+1 is exactly b0's layout. Lane l
//      addresses Bs[16nj + 8(l/16) + l%8][kk + 8((l/8)%2)]: matrices
//      (n 0-7, k 0-7), (n 0-7, k 8-15), (n 8-15, k 0-7), (n 8-15, k 8-15)
//      = b0, b1 of n-tile 2nj, then b0, b1 of n-tile 2nj + 1.
//   nvgpu.mma.sync takes A as vector<4x2xf16> (a0..a3), B as
//   vector<2x2xf16> (b0, b1), C as vector<2x2xf32> ((c0,c1), (c2,c3)).
void GpuBitplaneEmitter::emitTensorCoreGemm() {
  int64_t tileM = options.tileM, tileN = options.tileN, tileK = options.tileK;
  int64_t warpsN = tileN / 32;
  int64_t threads = kWarpSize * (tileM / 32) * warpsN;
  Type f16 = b.getF16Type();
  // As[BM][BK+8] then Bs[BN][BK+8] in one buffer: every ldmatrix row
  // address and every 8-element store is a multiple of 16 bytes from the
  // buffer's start (see docs/gpu-bitplane.md on its alignment).
  int64_t stride = tileK + kHalfTilePad;
  auto sharedType = workgroupBuffer({(tileM + tileN) * stride}, f16);
  auto fragA = VectorType::get({4, 2}, f16);
  auto fragB4 = VectorType::get({4, 2}, f16);
  auto fragB = VectorType::get({2, 2}, f16);
  auto fragC = VectorType::get({2, 2}, f32);
  launch(
      ceilDiv(n, idx(tileN)), ceilDiv(m, idx(tileM)), threads, 1, {sharedType},
      [&](gpu::LaunchOp launchOp) {
        Value shared = launchOp.getWorkgroupAttributions()[0];
        Tile aTile{shared, 0, stride};
        Tile bTile{shared, tileM * stride, stride, /*columnMajor=*/true};
        Value tid = launchOp.getThreadIds().x;
        Value lane = rem(tid, idx(kWarpSize));
        Value warp = div(tid, idx(kWarpSize));
        Value warpRow = mul(div(warp, idx(warpsN)), idx(32));
        Value warpCol = mul(rem(warp, idx(warpsN)), idx(32));
        Value n0 = mul(launchOp.getBlockIds().x, idx(tileN));
        Value m0 = mul(launchOp.getBlockIds().y, idx(tileM));
        Value laneRow = rem(lane, idx(16));
        Value laneHalf = mul(div(lane, idx(16)), idx(8));
        Value laneRowB = add(laneHalf, rem(lane, idx(8)));
        Value laneColB = mul(rem(div(lane, idx(8)), idx(2)), idx(8));
        Value zeroB = arith::ConstantOp::create(
            b, fragB, DenseElementsAttr::get(fragB, b.getF16FloatAttr(0)));
        Value zeroC = arith::ConstantOp::create(
            b, fragC, DenseElementsAttr::get(fragC, b.getF32FloatAttr(0)));
        // Accumulators [mi][ni], mi < 2 (m16), ni < 4 (n8).
        SmallVector<Value> inits(8, zeroC);
        SmallVector<Value> accs =
            forLoop(idx(0), k, idx(tileK), inits, [&](Value k0, ValueRange it) {
              SmallVector<Value> c(it);
              stageInputTile(aTile, tid, threads, m0, k0);
              dequantizeWeightTile(bTile, tid, threads, k0, n0);
              gpu::BarrierOp::create(b);
              for (int64_t kk = 0; kk < tileK; kk += 16) {
                Value a[2], bf[4];
                for (int64_t mi = 0; mi < 2; ++mi)
                  a[mi] = nvgpu::LdMatrixOp::create(
                      b, fragA, shared,
                      ValueRange{tileIndex(
                          aTile, add(warpRow, add(idx(16 * mi), laneRow)),
                          add(idx(kk), laneHalf))},
                      /*transpose=*/false, /*numTiles=*/4);
                for (int64_t nj = 0; nj < 2; ++nj) {
                  Value pair = nvgpu::LdMatrixOp::create(
                      b, fragB4, shared,
                      ValueRange{tileIndex(
                          bTile, add(warpCol, add(idx(16 * nj), laneRowB)),
                          add(idx(kk), laneColB))},
                      /*transpose=*/false, /*numTiles=*/4);
                  // Rows (b0, b1) of n-tile 2nj + h, moved row by row
                  // (the NVVM pipeline lowers n-D extract/insert of
                  // rows, not strided slices).
                  for (int64_t h = 0; h < 2; ++h) {
                    Value frag = zeroB;
                    for (int64_t r = 0; r < 2; ++r)
                      frag = vector::InsertOp::create(
                          b,
                          vector::ExtractOp::create(
                              b, pair, ArrayRef<int64_t>{2 * h + r}),
                          frag, ArrayRef<int64_t>{r});
                    bf[2 * nj + h] = frag;
                  }
                }
                for (int64_t mi = 0; mi < 2; ++mi)
                  for (int64_t ni = 0; ni < 4; ++ni) {
                    Value &cv = c[mi * 4 + ni];
                    cv = nvgpu::MmaSyncOp::create(b, a[mi], bf[ni], cv,
                                                  ArrayRef<int64_t>{16, 8, 16});
                  }
              }
              gpu::BarrierOp::create(b);
              return c;
            });
        storeWarpAccumulators(accs, add(m0, warpRow), add(n0, warpCol), lane);
      });
}

void GpuBitplaneEmitter::storeWarpAccumulators(ArrayRef<Value> accs, Value row0,
                                               Value col0, Value lane) {
  // Element [h][j] of tile (mi, ni) is row 16mi + gid + 8h, column
  // 8ni + 2tig + j of the warp's block.
  Value gid = div(lane, idx(4));
  Value tig2 = mul(rem(lane, idx(4)), idx(2));
  for (int64_t mi = 0; mi < 2; ++mi)
    for (int64_t ni = 0; ni < 4; ++ni)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t j = 0; j < 2; ++j) {
          Value row = add(row0, add(idx(16 * mi + 8 * h), gid));
          Value col = add(col0, add(idx(8 * ni + j), tig2));
          ifThen(andI(lt(row, m), lt(col, n)), [&] {
            Value part = vector::ExtractOp::create(b, accs[mi * 4 + ni],
                                                   ArrayRef<int64_t>{h, j});
            Value old =
                toF32(memref::LoadOp::create(b, acc, ValueRange{row, col}));
            memref::StoreOp::create(
                b,
                fromF32(arith::AddFOp::create(b, old, part), elementType(acc)),
                acc, ValueRange{row, col});
          });
        }
}

// TF32 tensor-core GEMM for bf16 x (nvgpu.mma.sync has no bf16 lowering in
// MLIR 22): bf16 widens to tf32 exactly and shares its exponent range, Ŵ is
// rounded to tf32 (10 mantissa bits) by the MMA. Same CTA and warp tiling as
// the f16 kernel, f32 tiles As[BM][BK+4] and Bs[BK][BN+8] (k-major, as the
// CUDA-core kernel stages them), 8-deep slices of m16n8k8:
//
//   PTX ISA, mma.m16n8k8 .tf32 (gid = lane/4, tig = lane%4):
//     A (16×8, row): a0 = A[gid][tig]   a1 = A[gid+8][tig]
//                    a2 = A[gid][tig+4] a3 = A[gid+8][tig+4]
//     B (8×8, col):  b0 = B[tig][gid]   b1 = B[tig+4][gid]
//     C/D: as for m16n8k16.
//   No ldmatrix (it moves 16-bit elements): scalar shared loads. With row
//   strides of 36 and 72 floats, the 32 lanes of a load hit 32 distinct
//   banks (A: 4·gid + tig, B: 8·tig + gid, mod 32).
void GpuBitplaneEmitter::emitTf32TensorCoreGemm() {
  int64_t tileM = options.tileM, tileN = options.tileN, tileK = options.tileK;
  int64_t warpsN = tileN / 32;
  int64_t threads = kWarpSize * (tileM / 32) * warpsN;
  int64_t aStride = tileK + 4, bStride = tileN + 8;
  auto sharedType = workgroupBuffer({tileM * aStride + tileK * bStride}, f32);
  auto fragA = VectorType::get({4, 1}, f32);
  auto fragB = VectorType::get({2, 1}, f32);
  auto fragC = VectorType::get({2, 2}, f32);
  launch(
      ceilDiv(n, idx(tileN)), ceilDiv(m, idx(tileM)), threads, 1, {sharedType},
      [&](gpu::LaunchOp launchOp) {
        Value shared = launchOp.getWorkgroupAttributions()[0];
        Tile aTile{shared, 0, aStride};
        Tile bTile{shared, tileM * aStride, bStride};
        Value tid = launchOp.getThreadIds().x;
        Value lane = rem(tid, idx(kWarpSize));
        Value warp = div(tid, idx(kWarpSize));
        Value warpRow = mul(div(warp, idx(warpsN)), idx(32));
        Value warpCol = mul(rem(warp, idx(warpsN)), idx(32));
        Value n0 = mul(launchOp.getBlockIds().x, idx(tileN));
        Value m0 = mul(launchOp.getBlockIds().y, idx(tileM));
        Value gid = div(lane, idx(4)), tig = rem(lane, idx(4));
        Value zeroA = arith::ConstantOp::create(
            b, fragA, DenseElementsAttr::get(fragA, b.getF32FloatAttr(0)));
        Value zeroB = arith::ConstantOp::create(
            b, fragB, DenseElementsAttr::get(fragB, b.getF32FloatAttr(0)));
        Value zeroC = arith::ConstantOp::create(
            b, fragC, DenseElementsAttr::get(fragC, b.getF32FloatAttr(0)));
        auto loadShared = [&](const Tile &tile, Value row, Value col) {
          return memref::LoadOp::create(b, shared,
                                        ValueRange{tileIndex(tile, row, col)});
        };
        SmallVector<Value> inits(8, zeroC);
        SmallVector<Value> accs =
            forLoop(idx(0), k, idx(tileK), inits, [&](Value k0, ValueRange it) {
              SmallVector<Value> c(it);
              stageInputTile(aTile, tid, threads, m0, k0);
              dequantizeWeightTile(bTile, tid, threads, k0, n0);
              gpu::BarrierOp::create(b);
              for (int64_t kk = 0; kk < tileK; kk += 8) {
                Value a[2], bf[4];
                for (int64_t mi = 0; mi < 2; ++mi) {
                  a[mi] = zeroA;
                  for (int64_t reg = 0; reg < 4; ++reg) {
                    Value row =
                        add(warpRow, add(idx(16 * mi + 8 * (reg % 2)), gid));
                    Value col = add(idx(kk + 4 * (reg / 2)), tig);
                    a[mi] = vector::InsertOp::create(
                        b, loadShared(aTile, row, col), a[mi],
                        ArrayRef<int64_t>{reg, 0});
                  }
                }
                for (int64_t ni = 0; ni < 4; ++ni) {
                  bf[ni] = zeroB;
                  for (int64_t reg = 0; reg < 2; ++reg)
                    bf[ni] = vector::InsertOp::create(
                        b,
                        loadShared(bTile, add(idx(kk + 4 * reg), tig),
                                   add(warpCol, add(idx(8 * ni), gid))),
                        bf[ni], ArrayRef<int64_t>{reg, 0});
                }
                for (int64_t mi = 0; mi < 2; ++mi)
                  for (int64_t ni = 0; ni < 4; ++ni) {
                    Value &cv = c[mi * 4 + ni];
                    cv = nvgpu::MmaSyncOp::create(b, a[mi], bf[ni], cv,
                                                  ArrayRef<int64_t>{16, 8, 8},
                                                  /*tf32Enabled=*/true);
                  }
              }
              gpu::BarrierOp::create(b);
              return c;
            });
        storeWarpAccumulators(accs, add(m0, warpRow), add(n0, warpCol), lane);
      });
}

// CUDA-core GEMM (tensor-cores=false), exact f32 operands.
// CTA tile BM × BN over 256 threads (16 × 16); thread (tx, ty) owns rows
// ty + 16i and columns tx + 16j, so a warp's Bs reads are consecutive and
// its As reads are two broadcasts.
void GpuBitplaneEmitter::emitSimtGemm() {
  int64_t tileM = options.tileM, tileN = options.tileN, tileK = options.tileK;
  constexpr int64_t side = 16, threads = side * side;
  int64_t rowsPerThread = tileM / side, colsPerThread = tileN / side;
  // One padding column: the 16 rows a warp reads sit in distinct banks.
  auto sharedType = workgroupBuffer({tileM * (tileK + 1) + tileK * tileN}, f32);
  launch(
      ceilDiv(n, idx(tileN)), ceilDiv(m, idx(tileM)), threads, 1, {sharedType},
      [&](gpu::LaunchOp launchOp) {
        Value shared = launchOp.getWorkgroupAttributions()[0];
        Tile aTile{shared, 0, tileK + 1};
        Tile bTile{shared, tileM * (tileK + 1), tileN};
        Value tid = launchOp.getThreadIds().x;
        Value tx = rem(tid, idx(side)), ty = div(tid, idx(side));
        Value n0 = mul(launchOp.getBlockIds().x, idx(tileN));
        Value m0 = mul(launchOp.getBlockIds().y, idx(tileM));
        SmallVector<Value> inits(rowsPerThread * colsPerThread, f32Const(0.0f));
        SmallVector<Value> sums =
            forLoop(idx(0), k, idx(tileK), inits, [&](Value k0, ValueRange it) {
              SmallVector<Value> c(it);
              stageInputTile(aTile, tid, threads, m0, k0);
              dequantizeWeightTile(bTile, tid, threads, k0, n0);
              gpu::BarrierOp::create(b);
              SmallVector<Value> next = forLoop(
                  idx(0), idx(tileK), idx(1), c, [&](Value kk, ValueRange cur) {
                    SmallVector<Value> out(cur), a, w;
                    for (int64_t i = 0; i < rowsPerThread; ++i)
                      a.push_back(memref::LoadOp::create(
                          b, shared,
                          ValueRange{
                              tileIndex(aTile, add(ty, idx(side * i)), kk)}));
                    for (int64_t j = 0; j < colsPerThread; ++j)
                      w.push_back(memref::LoadOp::create(
                          b, shared,
                          ValueRange{
                              tileIndex(bTile, kk, add(tx, idx(side * j)))}));
                    for (int64_t i = 0; i < rowsPerThread; ++i)
                      for (int64_t j = 0; j < colsPerThread; ++j) {
                        Value &s = out[i * colsPerThread + j];
                        s = fma(a[i], w[j], s);
                      }
                    return out;
                  });
              gpu::BarrierOp::create(b);
              return next;
            });
        for (int64_t i = 0; i < rowsPerThread; ++i)
          for (int64_t j = 0; j < colsPerThread; ++j) {
            Value row = add(m0, add(ty, idx(side * i)));
            Value col = add(n0, add(tx, idx(side * j)));
            ifThen(andI(lt(row, m), lt(col, n)), [&] {
              Value old =
                  toF32(memref::LoadOp::create(b, acc, ValueRange{row, col}));
              Value sum =
                  arith::AddFOp::create(b, old, sums[i * colsPerThread + j]);
              memref::StoreOp::create(b, fromF32(sum, elementType(acc)), acc,
                                      ValueRange{row, col});
            });
          }
      });
}

void GpuBitplaneEmitter::emitGemm() {
  if (!options.tensorCores)
    emitSimtGemm();
  else if (elementType(x).isBF16())
    emitTf32TensorCoreGemm();
  else
    emitTensorCoreGemm();
}

//===----------------------------------------------------------------------===//
// Pass
//===----------------------------------------------------------------------===//

namespace {
struct GpuLowerBitplaneMatmulPass
    : bitsink::impl::BitSinkGPULowerBitplaneMatmulBase<
          GpuLowerBitplaneMatmulPass> {
  using BitSinkGPULowerBitplaneMatmulBase::BitSinkGPULowerBitplaneMatmulBase;

  /// Rejects option values no kernel can be built for.
  LogicalResult verifyOptions() {
    auto fail = [&](const Twine &message) {
      return emitError(getOperation()->getLoc())
             << "bitsink-gpu-lower-bitplane-matmul: " << message;
    };
    for (auto [name, value] : {std::pair<StringRef, int64_t>{"tile-m", tileM},
                               {"tile-n", tileN},
                               {"tile-k", tileK}})
      if (value <= 0 || value % 32 != 0)
        return fail(Twine(name) + " must be a positive multiple of 32, got " +
                    Twine(value));
    if (tensorCores && (tileM / 32) * (tileN / 32) * kWarpSize > 1024)
      return fail("tile-m × tile-n needs more than 1024 threads (one warp per "
                  "32 × 32 block), got " +
                  Twine(tileM) + " × " + Twine(tileN));
    if (!tensorCores && (tileM % 16 != 0 || tileN % 16 != 0))
      return fail("tile-m and tile-n must be multiples of 16");
    // Up to 32 rows of x (or 4 of tables) fit the GEMV's 32 KiB of staging
    // with one warp on K, and 32 sums per thread its registers.
    if (gemvMaxRows < 0 || gemvMaxRows > 32)
      return fail("gemv-max-rows must be in [0, 32], got " +
                  Twine(gemvMaxRows));
    if (gemvLutMaxRows < 0 || gemvLutMaxRows > 4)
      return fail("gemv-lut-max-rows must be in [0, 4], got " +
                  Twine(gemvLutMaxRows));
    if (gemvColumnsPerThread != 1 && gemvColumnsPerThread != 2 &&
        gemvColumnsPerThread != 4)
      return fail("gemv-columns-per-thread must be 1, 2 or 4, got " +
                  Twine(gemvColumnsPerThread));
    if (gemvWarpsK < 1 || gemvWarpsK > 32)
      return fail("gemv-warps-k must be in [1, 32], got " + Twine(gemvWarpsK));
    if (splitK < 0 || smCount < 1 || gemvCtasPerSm < 1)
      return fail("split-k must be >= 0, sm-count and gemv-ctas-per-sm >= 1");
    return success();
  }

  void runOnOperation() override {
    if (failed(verifyOptions()))
      return signalPassFailure();
    GpuOptions options{gemvMaxRows,   gemvLutMaxRows, gemvColumnsPerThread,
                       gemvWarpsK,    splitK,         smCount,
                       gemvCtasPerSm, tileM,          tileN,
                       tileK,         tensorCores};
    auto lower = [&](RewriterBase &rewriter,
                     BitplaneMatmulOp op) -> LogicalResult {
      if (op.getLayout())
        return op.emitOpError(
            "with a blocked #bitsink.layout is not supported by "
            "bitsink-gpu-lower-bitplane-matmul; expects canonical P x KW x N "
            "planes");
      for (Value operand : op->getOperands())
        if (auto type = dyn_cast<MemRefType>(operand.getType());
            type && !type.getLayout().isIdentity())
          return op.emitOpError("expects memrefs with identity layouts on "
                                "the GPU, got ")
                 << type;
      ImplicitLocOpBuilder b(op.getLoc(), rewriter);
      int64_t rows = cast<MemRefType>(op.getInput().getType()).getDimSize(0);
      GpuBitplaneEmitter emitter(b, op, options);
      if (!ShapedType::isDynamic(rows) && rows <= options.gemvMaxRows)
        emitter.emitGemv(rows);
      else
        emitter.emitGemm();
      rewriter.eraseOp(op);
      return success();
    };
    if (failed(lowerAll<BitplaneMatmulOp>(getOperation(), lower)))
      return signalPassFailure();
  }
};
} // namespace
