//===- LowerAttentionGPU.cpp - sink_attention to GPU kernels ----*- C++ -*-===//
//
// Lowers `bitsink.sink_attention` (memref form, device memory) to host code
// with `gpu.launch` ops: a tensor-core prefill kernel (mma.sync m16n8k16 on
// f16/bf16), a SIMT prefill kernel for every other case, and a split-KV decode
// kernel followed by a log-sum-exp merge kernel. The visibility rules,
// positions and the tile list are those of the CPU lowering
// (LowerAttention.cpp), evaluated per CTA on the device.
//
//===----------------------------------------------------------------------===//

#include "bitsink/Conversion/GPU/Passes.h"
#include "bitsink/Dialect/BitSink/IR/BitSinkOps.h"

#include "../Utils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/IR/ImplicitLocOpBuilder.h"

#include <limits>

namespace bitsink {
#define GEN_PASS_DEF_BITSINKGPULOWERATTENTION
#include "bitsink/Conversion/GPU/Passes.h.inc"
} // namespace bitsink

using namespace mlir;
using namespace bitsink;

namespace {

using Options = BitSinkGPULowerAttentionOptions;

/// Static shared memory a kernel may use without opting in to more.
constexpr int64_t kSharedMemoryBytes = 48 * 1024;
/// Threads per CTA of the SIMT and decode kernels.
constexpr int64_t kSimtThreads = 128;
constexpr int64_t kWarpSize = 32;
/// Elements per cp.async of the tensor-core kernel (16 bytes of f16 or bf16).
constexpr int64_t kCopyElements = 8;
/// Shared-memory row padding of the tensor-core kernel, in elements: rows of
/// D + 8 halves put the eight 16-byte rows an ldmatrix reads in different
/// banks.
constexpr int64_t kRowPad = 8;

/// What one CTA knows about its query rows (positions are the same for all
/// heads of a decode group).
struct RowContext {
  Value batch, head, kvHead;
  Value lenVisible;     // keys j >= lenVisible are invisible
  Value offset;         // p_i = i + offset (L_b - Nq)
  Value posMin, posMax; // positions of the first and last query row
  Value window;         // < 0 unbounded, 0 sinks only
};

/// Key tiles to visit: the sink tiles [0, sinkTiles), then the window tiles
/// [windowBegin, windowBegin + count - sinkTiles).
struct TileList {
  Value sinkTiles, windowBegin, count;
};

/// The SIMT kernel serves both the prefill and the decode split: `rows` query
/// rows per CTA (decode: the heads of a GQA group times the queries),
/// `keyTile` keys per tile.
struct SimtPlan {
  int64_t rows = 0, keyTile = 0;
  bool decode = false;
  // Decode only.
  Value numSplits, partO, partStats;
  int64_t tilesPerSplit = 1;
};

class GPUAttentionEmitter : KernelBuilder, AttentionOperands {
public:
  GPUAttentionEmitter(ImplicitLocOpBuilder &b, SinkAttentionOp op,
                      const Options &opts)
      : KernelBuilder(b), op(op), opts(opts) {}

  LogicalResult emit();

private:
  // Small builders.
  Value f32(double v) {
    return arith::ConstantOp::create(b, b.getF32FloatAttr(v));
  }
  Value minusInf() { return f32(-std::numeric_limits<float>::infinity()); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, x, y); }
  Value mul(Value x, Value y) { return arith::MulIOp::create(b, x, y); }
  Value divu(Value x, Value y) { return arith::DivUIOp::create(b, x, y); }
  Value remu(Value x, Value y) { return arith::RemUIOp::create(b, x, y); }
  Value maxIdx(Value x, Value y) { return arith::MaxSIOp::create(b, x, y); }
  Value ceilDiv(Value x, Value y) {
    return arith::CeilDivSIOp::create(b, x, y);
  }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, p, x, y);
  }
  Value lt(Value x, Value y) { return cmp(arith::CmpIPredicate::slt, x, y); }
  Value andI(Value x, Value y) { return arith::AndIOp::create(b, x, y); }
  Value orI(Value x, Value y) { return arith::OrIOp::create(b, x, y); }
  Value select(Value c, Value x, Value y) {
    return arith::SelectOp::create(b, c, x, y);
  }
  Value fadd(Value x, Value y) { return arith::AddFOp::create(b, x, y); }
  Value fsub(Value x, Value y) { return arith::SubFOp::create(b, x, y); }
  Value fmul(Value x, Value y) { return arith::MulFOp::create(b, x, y); }
  Value fmax(Value x, Value y) { return arith::MaximumFOp::create(b, x, y); }
  Value fcmp(arith::CmpFPredicate p, Value x, Value y) {
    return arith::CmpFOp::create(b, p, x, y);
  }
  Value i32(int64_t v) {
    return arith::ConstantOp::create(b, b.getI32IntegerAttr(v));
  }
  /// x·y + z; NVPTX contracts it to one fma (math.fma would become a
  /// libdevice call).
  Value fma(Value x, Value y, Value z) { return fadd(fmul(x, y), z); }
  /// e^x as 2^(x·log2 e) with PTX's ex2.approx.ftz (what FlashAttention
  /// uses): math.exp would become libdevice's __nv_expf, which needs
  /// libdevice linked and costs a dozen instructions. e^{-inf} = 0.
  Value exp(Value x) {
    Value scaled = fmul(x, f32(1.4426950408889634));
    return NVVM::InlinePtxOp::create(b, TypeRange{b.getF32Type()},
                                     ValueRange{scaled}, ValueRange{},
                                     "ex2.approx.ftz.f32 $0, $1;",
                                     /*predicate=*/Value())
        .getResult(0);
  }
  Value load(Value memref, ValueRange indices) {
    return memref::LoadOp::create(b, memref, indices);
  }
  void store(Value value, Value memref, ValueRange indices) {
    memref::StoreOp::create(b, value, memref, indices);
  }
  Value fromF32(Value x) {
    if (elemType == b.getF32Type())
      return x;
    return arith::TruncFOp::create(b, elemType, x);
  }
  /// Runs `body` under `scf.if cond` (no results).
  template <typename Fn> void ifThen(Value cond, Fn &&body) {
    auto ifOp = scf::IfOp::create(b, TypeRange{}, cond, /*withElse=*/false);
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(ifOp.thenBlock());
    body();
  }
  void barrier() { gpu::BarrierOp::create(b); }
  /// The shuffle-xor butterfly over the four lanes of a quad.
  Value quadReduce(Value x, bool isMax);
  MemRefType sharedType(ArrayRef<int64_t> shape, Type elem) {
    return MemRefType::get(shape, elem, MemRefLayoutAttrInterface(),
                           gpu::AddressSpaceAttr::get(
                               b.getContext(), gpu::AddressSpace::Workgroup));
  }

  /// Emits `gpu.launch` with `threads` threads and the workgroup buffers
  /// `shared` on the grid (x, y, z), guarded on the host by a non-empty grid
  /// (CUDA rejects empty launches). `body(blockIds, threadId, buffers)`.
  template <typename Fn>
  void launch(Value x, Value y, Value z, int64_t threads,
              ArrayRef<MemRefType> shared, Fn &&body);

  // Device-side pieces shared by the kernels.
  Value windowForHead(Value head);
  Value sinkLogitFor(Value head);
  std::pair<Value, Value> exponentBase(Value m);
  Value finalFactor(Value m, Value l, Value sinkLogit);
  RowContext makeContext(Value batch, Value head, Value kvHead,
                         Value firstQuery, Value rows);
  TileList tileList(const RowContext &ctx, int64_t keyTile);
  Value tileIndex(const TileList &list, Value t);
  Value needsMask(const RowContext &ctx, Value j0, int64_t keyTile);
  Value isVisible(const RowContext &ctx, Value rowPos, Value j);

  // Kernels.
  int64_t simtSharedBytes(int64_t rows, int64_t keyTile) const;
  bool fitSimtTiles(int64_t &rows, int64_t &keyTile, int64_t minRows) const;
  void emitSimtKernel(const SimtPlan &plan);
  void emitSimtBody(const SimtPlan &plan, gpu::KernelDim3 blocks, Value tid,
                    ArrayRef<Value> shared);
  void stageRowsF32(
      Value src, int64_t rowLen, int64_t numRows, Value tid,
      function_ref<std::pair<SmallVector<Value>, Value>(Value)> rowSource,
      Value dst, Value scaleBy);
  LogicalResult emitDecode();
  void emitMergeKernel(Value numSplits, Value partO, Value partStats);
  bool useTensorCores();
  void emitTensorCoreKernel();
  void emitTensorCoreBody(gpu::KernelDim3 blocks, Value tid, Value qkBuf,
                          Value vBuf);
  /// D = A·B + C for one m16n8k16 tile (fragments as nvgpu.mma.sync types).
  Value mmaSync(Value a, Value bFrag, Value c);
  /// Registers [2·half, 2·half + 2) of an ldmatrix.x4 result: one B fragment.
  /// (Row extracts and inserts: extract_strided_slice of a 2-D vector does
  /// not lower to NVVM in MLIR 22.)
  Value fragmentHalf(Value x4, int64_t half) {
    auto type = VectorType::get({2, 2}, elemType);
    Value frag =
        arith::ConstantOp::create(b, cast<TypedAttr>(b.getZeroAttr(type)));
    for (int64_t r = 0; r < 2; ++r)
      frag = vector::InsertOp::create(
          b, vector::ExtractOp::create(b, x4, ArrayRef<int64_t>{2 * half + r}),
          frag, ArrayRef<int64_t>{r});
    return frag;
  }
  /// The (row, column) of each 16-byte chunk of a numRows × rowLen tile that
  /// thread `tid` of `threads` copies (asyncCopyRows) and scans.
  SmallVector<std::pair<Value, Value>>
  copyChunks(int64_t numRows, int64_t rowLen, Value tid, int64_t threads);
  /// The boundary-tile guard of the tensor-core P·V for non-finite values
  /// in V (DESIGN §2.1, invisible keys); returns O.
  SmallVector<Value> guardNonFiniteValues(Value boundary, Value vBuf, Value tid,
                                          Value lane, int64_t threads,
                                          ArrayRef<Value> pFrag,
                                          ArrayRef<Value> o);
  Value asyncCopyRows(Value src, ValueRange prefix, Value rowBase,
                      int64_t numRows, int64_t rowLen, Value limit, Value dst,
                      Value tid, int64_t threads, Value enabled = Value());

  SinkAttentionOp op;
  Options opts;

  Value numBatch, numHeads, numKvHeads, numQueries, numKeys, groupRatio;
  Value numSinks; // min(num_sinks, Nk)
  /// Decode: static query rows per head and query heads per CTA.
  int64_t decodeQueries = 0, groupHeads = 1;
};

} // namespace

//===----------------------------------------------------------------------===//
// Device-side helpers
//===----------------------------------------------------------------------===//

template <typename Fn>
void GPUAttentionEmitter::launch(Value x, Value y, Value z, int64_t threads,
                                 ArrayRef<MemRefType> shared, Fn &&body) {
  OpBuilder::InsertionGuard guard(b);
  Value zero = idx(0);
  Value nonEmpty = andI(cmp(arith::CmpIPredicate::sgt, x, zero),
                        andI(cmp(arith::CmpIPredicate::sgt, y, zero),
                             cmp(arith::CmpIPredicate::sgt, z, zero)));
  auto ifOp = scf::IfOp::create(b, TypeRange{}, nonEmpty, /*withElse=*/false);
  b.setInsertionPointToStart(ifOp.thenBlock());
  SmallVector<Type> sharedTypes(shared.begin(), shared.end());
  auto launchOp = gpu::LaunchOp::create(b, x, y, z, idx(threads), idx(1),
                                        idx(1), /*dynamicSharedMemorySize=*/
                                        nullptr, /*asyncTokenType=*/nullptr,
                                        /*asyncDependencies=*/{}, sharedTypes);
  Block &block = launchOp.getBody().front();
  b.setInsertionPointToStart(&block);
  SmallVector<Value> buffers(launchOp.getWorkgroupAttributions());
  body(launchOp.getBlockIds(), launchOp.getThreadIds().x, buffers);
  gpu::TerminatorOp::create(b);
}

Value GPUAttentionEmitter::quadReduce(Value x, bool isMax) {
  for (int32_t offset : {1, 2}) {
    Value other =
        gpu::ShuffleOp::create(b, x, offset, kWarpSize, gpu::ShuffleMode::XOR)
            .getShuffleResult();
    x = isMax ? fmax(x, other) : fadd(x, other);
  }
  return x;
}

// One window per query head: a select chain over the distinct entries (a
// handful of heads; no local-memory table on the device).
Value GPUAttentionEmitter::windowForHead(Value head) {
  auto attr = op.getWindowAttr();
  if (!attr)
    return idx(-1);
  if (auto scalar = dyn_cast<IntegerAttr>(attr))
    return idx(scalar.getInt());
  ArrayRef<int64_t> windows = cast<DenseI64ArrayAttr>(attr).asArrayRef();
  Value w = idx(windows.back());
  for (int64_t h = static_cast<int64_t>(windows.size()) - 2; h >= 0; --h)
    if (windows[h] != windows.back())
      w = select(cmp(arith::CmpIPredicate::eq, head, idx(h)), idx(windows[h]),
                 w);
  return w;
}

Value GPUAttentionEmitter::sinkLogitFor(Value head) {
  if (!sinkLogits)
    return minusInf();
  return toF32(load(sinkLogits, ValueRange{head}));
}

// A running max that is still -inf means nothing was seen: exponents then use
// 0 as their base, so e^{x - base} is 0, not NaN.
std::pair<Value, Value> GPUAttentionEmitter::exponentBase(Value m) {
  Value empty =
      arith::CmpFOp::create(b, arith::CmpFPredicate::OEQ, m, minusInf());
  return {empty, select(empty, f32(0), m)};
}

// e^{m - M} / (l·e^{m - M} + e^{σ - M}) with M = max(m, σ): the sink logit
// joins the denominator once; 0 when M = -inf (nothing visible).
Value GPUAttentionEmitter::finalFactor(Value m, Value l, Value sinkLogit) {
  auto [empty, base] = exponentBase(fmax(m, sinkLogit));
  Value corr = exp(fsub(m, base));
  Value denom = fadd(fmul(l, corr), exp(fsub(sinkLogit, base)));
  return select(empty, f32(0), arith::DivFOp::create(b, corr, denom));
}

RowContext GPUAttentionEmitter::makeContext(Value batch, Value head,
                                            Value kvHead, Value firstQuery,
                                            Value rows) {
  RowContext ctx;
  ctx.batch = batch;
  ctx.head = head;
  ctx.kvHead = kvHead;
  Value lenRaw = numKeys;
  if (kvLen)
    lenRaw = arith::IndexCastOp::create(b, b.getIndexType(),
                                        load(kvLen, ValueRange{batch}));
  ctx.lenVisible = minIdx(maxIdx(lenRaw, idx(0)), numKeys);
  ctx.offset = sub(lenRaw, numQueries);
  ctx.posMin = add(firstQuery, ctx.offset);
  ctx.posMax = sub(add(ctx.posMin, rows), idx(1));
  ctx.window = windowForHead(head);
  return ctx;
}

// Without key_positions a key's position is its index, so the sink range and
// the window range are exact index ranges (as on the CPU); with
// key_positions (a ring cache) every tile below the visible length is
// visited and masked.
TileList GPUAttentionEmitter::tileList(const RowContext &ctx, int64_t keyTile) {
  Value tk = idx(keyTile);
  Value zero = idx(0);
  if (keyPositions)
    return {zero, zero, ceilDiv(ctx.lenVisible, tk)};
  // Exclusive end of the candidate keys.
  Value hi = ctx.lenVisible;
  if (causal)
    hi = maxIdx(minIdx(add(ctx.posMax, idx(1)), ctx.lenVisible), zero);
  Value unbounded = lt(ctx.window, zero);
  // Bounded window: sinks [0, min(S, hi)), window [wlo, whi).
  Value sinkTiles = ceilDiv(minIdx(numSinks, hi), tk);
  Value wlo = maxIdx(add(sub(ctx.posMin, ctx.window), idx(1)), zero);
  Value whi = hi;
  if (!causal)
    whi = minIdx(add(ctx.posMax, ctx.window), ctx.lenVisible);
  whi = select(cmp(arith::CmpIPredicate::eq, ctx.window, zero), wlo, whi);
  whi = maxIdx(whi, wlo);
  Value windowBegin = maxIdx(arith::DivSIOp::create(b, wlo, tk), sinkTiles);
  Value windowEnd = maxIdx(ceilDiv(whi, tk), windowBegin);
  Value count = add(sinkTiles, sub(windowEnd, windowBegin));
  // Unbounded: one range [0, hi).
  return {select(unbounded, zero, sinkTiles),
          select(unbounded, zero, windowBegin),
          select(unbounded, ceilDiv(hi, tk), count)};
}

Value GPUAttentionEmitter::tileIndex(const TileList &list, Value t) {
  Value windowTile = add(list.windowBegin, sub(t, list.sinkTiles));
  return select(lt(t, list.sinkTiles), t, windowTile);
}

// True when some (row, key) pair of the tile [j0, j0 + keyTile) may be
// invisible, so the tile needs the per-element mask; interior tiles of the
// sink or window range skip it. Uniform over the CTA.
Value GPUAttentionEmitter::needsMask(const RowContext &ctx, Value j0,
                                     int64_t keyTile) {
  if (keyMask || keyPositions)
    return arith::ConstantOp::create(b, b.getBoolAttr(true));
  Value jEnd = add(j0, idx(keyTile)); // exclusive
  Value jLast = sub(jEnd, idx(1));
  Value full = cmp(arith::CmpIPredicate::sle, jEnd, ctx.lenVisible);
  if (causal)
    full = andI(full, cmp(arith::CmpIPredicate::sle, jLast, ctx.posMin));
  Value unbounded = lt(ctx.window, idx(0));
  Value allSinks = cmp(arith::CmpIPredicate::sle, jEnd, numSinks);
  Value windowLo = add(sub(ctx.posMax, ctx.window), idx(1));
  Value inWindow = cmp(arith::CmpIPredicate::sge, j0, windowLo);
  if (!causal) {
    Value windowHi = sub(add(ctx.posMin, ctx.window), idx(1));
    inWindow = andI(inWindow, cmp(arith::CmpIPredicate::sle, jLast, windowHi));
  }
  inWindow = andI(inWindow, cmp(arith::CmpIPredicate::sgt, ctx.window, idx(0)));
  full = andI(full, orI(unbounded, orI(allSinks, inWindow)));
  return arith::XOrIOp::create(
      b, full, arith::ConstantOp::create(b, b.getBoolAttr(true)));
}

// DESIGN §2.1: key j is visible to the row at position p iff j < L_b,
// pos_j >= 0, key_mask, (pos_j < S or inWindow) and (!causal or pos_j <= p).
Value GPUAttentionEmitter::isVisible(const RowContext &ctx, Value rowPos,
                                     Value j) {
  Value jc = minIdx(j, sub(numKeys, idx(1)));
  Value ok = lt(j, ctx.lenVisible);
  Value pos = j;
  if (keyPositions) {
    pos = arith::IndexCastOp::create(b, b.getIndexType(),
                                     load(keyPositions, {ctx.batch, jc}));
    ok = andI(ok, cmp(arith::CmpIPredicate::sge, pos, idx(0)));
  }
  if (keyMask)
    ok = andI(ok, load(keyMask, {ctx.batch, jc}));
  Value diff = sub(rowPos, pos);
  Value dist = causal ? diff : maxIdx(diff, sub(idx(0), diff));
  Value inWindow = orI(lt(dist, ctx.window), lt(ctx.window, idx(0)));
  Value allowed = orI(inWindow, lt(pos, numSinks));
  if (causal)
    allowed = andI(allowed, cmp(arith::CmpIPredicate::sge, diff, idx(0)));
  return andI(ok, allowed);
}

//===----------------------------------------------------------------------===//
// SIMT kernel (prefill of any type, and the decode split)
//===----------------------------------------------------------------------===//

// Shared memory of the SIMT kernel, all f32: Q (rows × D+1), K (Tk × D+1),
// V (Tk × Dv), P (rows × Tk+1) and the row statistics (3 × rows). The +1
// pads keep the column walks of Q·Kᵀ free of bank conflicts.
int64_t GPUAttentionEmitter::simtSharedBytes(int64_t rows,
                                             int64_t keyTile) const {
  return 4 * (rows * (headDim + 1) + keyTile * (headDim + 1) +
              keyTile * valueDim + rows * (keyTile + 1) + 3 * rows);
}

// Halves the key tile, then the rows (not below minRows), until the tiles fit
// the static shared memory.
bool GPUAttentionEmitter::fitSimtTiles(int64_t &rows, int64_t &keyTile,
                                       int64_t minRows) const {
  while (simtSharedBytes(rows, keyTile) > kSharedMemoryBytes) {
    if (keyTile > 8)
      keyTile /= 2;
    else if (rows > std::max<int64_t>(minRows, 8))
      rows = std::max(rows / 2, minRows);
    else if (keyTile > 1)
      keyTile /= 2;
    else if (rows > minRows)
      rows = std::max(rows / 2, minRows);
    else
      return false;
  }
  return true;
}

// dst[r][c] = scaleBy · f32(src[rowSource(r), c]) for the numRows rows of
// rowLen elements (0 for rows that are not valid). Threads walk the rows in
// 16-byte vectors, consecutive threads on consecutive vectors (coalesced).
void GPUAttentionEmitter::stageRowsF32(
    Value src, int64_t rowLen, int64_t numRows, Value tid,
    function_ref<std::pair<SmallVector<Value>, Value>(Value)> rowSource,
    Value dst, Value scaleBy) {
  int64_t width = 16 / (elemType.getIntOrFloatBitWidth() / 8);
  if (rowLen % width != 0)
    width = 1;
  int64_t chunksPerRow = rowLen / width;
  int64_t total = numRows * chunksPerRow;
  int64_t perThread = llvm::divideCeil(total, kSimtThreads);
  forLoop(idx(0), idx(perThread), {}, [&](Value it, ValueRange) {
    Value e = add(tid, mul(it, idx(kSimtThreads)));
    auto copy = [&] {
      Value r = divu(e, idx(chunksPerRow));
      Value c = mul(remu(e, idx(chunksPerRow)), idx(width));
      auto [indices, valid] = rowSource(r);
      indices.push_back(c);
      // Aligned to its size (rows of identity-layout buffers start at
      // multiples of `width`): one ld.global.v* per vector.
      Value x = vector::LoadOp::create(
          b, VectorType::get({width}, elemType), src, indices,
          /*nontemporal=*/false,
          llvm::MaybeAlign(width * elemType.getIntOrFloatBitWidth() / 8));
      x = toF32(x);
      auto f32Vec = VectorType::get({width}, b.getF32Type());
      if (scaleBy)
        x = fmul(x, vector::BroadcastOp::create(b, f32Vec, scaleBy));
      Value zeros =
          arith::ConstantOp::create(b, DenseElementsAttr::get(f32Vec, 0.0f));
      x = select(valid, x, zeros);
      for (int64_t l = 0; l < width; ++l)
        store(vector::ExtractOp::create(b, x, ArrayRef<int64_t>{l}), dst,
              {r, add(c, idx(l))});
    };
    if (total % kSimtThreads == 0)
      copy();
    else
      ifThen(lt(e, idx(total)), copy);
    return SmallVector<Value>{};
  });
}

void GPUAttentionEmitter::emitSimtKernel(const SimtPlan &plan) {
  auto f32Type = b.getF32Type();
  int64_t rows = plan.rows, tk = plan.keyTile;
  SmallVector<MemRefType> shared = {sharedType({rows, headDim + 1}, f32Type),
                                    sharedType({tk, headDim + 1}, f32Type),
                                    sharedType({tk, valueDim}, f32Type),
                                    sharedType({rows, tk + 1}, f32Type),
                                    sharedType({3, rows}, f32Type)};
  Value x, y;
  if (plan.decode) {
    x = plan.numSplits;
    y = groupHeads > 1 ? numKvHeads : numHeads;
  } else {
    x = ceilDiv(numQueries, idx(rows));
    y = numHeads;
  }
  launch(x, y, numBatch, kSimtThreads, shared,
         [&](gpu::KernelDim3 blocks, Value tid, ArrayRef<Value> buffers) {
           emitSimtBody(plan, blocks, tid, buffers);
         });
}

// One CTA: rows × Dv outputs of one (query tile, head, batch), or of one
// decode split of a (batch, GQA group). Per key tile:
//   stage K, V (f32)                 -- barrier
//   S[r][j] = Q[r]·K[j] (+ mask)     -- R·Tk scores over 128 threads; barrier
//   online softmax, row r by thread r: m, l, α = e^{m_old - m_new}, P in
//   place                            -- barrier
//   O[r][c] = α[r]·O[r][c] + Σ_j P[r][j]·V[j][c], O in registers -- barrier
void GPUAttentionEmitter::emitSimtBody(const SimtPlan &plan,
                                       gpu::KernelDim3 blocks, Value tid,
                                       ArrayRef<Value> shared) {
  Value qs = shared[0], ks = shared[1], vs = shared[2], ps = shared[3],
        stats = shared[4];
  int64_t rows = plan.rows, tk = plan.keyTile;
  Value batch = blocks.z;
  Value firstHead, firstQuery, rowsInRange;
  if (plan.decode) {
    firstHead = mul(blocks.y, idx(groupHeads));
    firstQuery = idx(0);
    rowsInRange = numQueries;
  } else {
    firstHead = blocks.y;
    firstQuery = mul(blocks.x, idx(rows));
    rowsInRange = minIdx(idx(rows), sub(numQueries, firstQuery));
  }
  Value kvHead = divu(firstHead, groupRatio);
  RowContext ctx =
      makeContext(batch, firstHead, kvHead, firstQuery, rowsInRange);
  // Row r of the CTA: head and query index; decode rows are head-major.
  auto rowHead = [&](Value r) {
    return plan.decode ? add(firstHead, divu(r, idx(decodeQueries)))
                       : firstHead;
  };
  auto rowQuery = [&](Value r) {
    return plan.decode ? remu(r, idx(decodeQueries)) : add(firstQuery, r);
  };
  Value lastQuery = sub(numQueries, idx(1));
  Value lastKey = sub(numKeys, idx(1));

  stageRowsF32(
      q, headDim, rows, tid,
      [&](Value r) -> std::pair<SmallVector<Value>, Value> {
        Value query = rowQuery(r);
        return {{batch, rowHead(r), minIdx(query, lastQuery)},
                lt(query, numQueries)};
      },
      qs, f32(scale));
  ifThen(lt(tid, idx(rows)), [&] {
    store(minusInf(), stats, {idx(0), tid});
    store(f32(0), stats, {idx(1), tid});
  });
  barrier();

  TileList list = tileList(ctx, tk);
  Value tBegin = idx(0), tEnd = list.count;
  if (plan.decode) {
    Value tps = idx(plan.tilesPerSplit);
    tBegin = minIdx(mul(blocks.x, tps), list.count);
    tEnd = minIdx(add(tBegin, tps), list.count);
  }

  // Thread tid owns the elements e = tid + 128·n of a rows × cols tile.
  struct Owned {
    Value e, r, c;
  };
  auto owned = [&](int64_t cols) {
    SmallVector<Owned> items;
    int64_t n = llvm::divideCeil(rows * cols, kSimtThreads);
    for (int64_t it = 0; it < n; ++it) {
      Value e = add(tid, idx(it * kSimtThreads));
      // Past the tile (when 128 does not divide it) read the last row; the
      // result is not written.
      Value r = minIdx(divu(e, idx(cols)), idx(rows - 1));
      items.push_back({e, r, remu(e, idx(cols))});
    }
    return items;
  };
  auto guarded = [&](const Owned &o, int64_t cols, auto &&fn) {
    if ((rows * cols) % kSimtThreads == 0)
      fn();
    else
      ifThen(lt(o.e, idx(rows * cols)), fn);
  };
  SmallVector<Owned> scoreItems = owned(tk);
  SmallVector<Owned> outItems = owned(valueDim);
  auto f32Type = b.getF32Type();

  SmallVector<Value> accInit(outItems.size(), f32(0));
  SmallVector<Value> acc =
      forLoop(tBegin, tEnd, accInit, [&](Value t, ValueRange accIn) {
        Value j0 = mul(tileIndex(list, t), idx(tk));
        auto keyRow = [&](Value jj) -> std::pair<SmallVector<Value>, Value> {
          Value j = add(j0, jj);
          return {{batch, kvHead, minIdx(j, lastKey)}, lt(j, numKeys)};
        };
        stageRowsF32(k, headDim, tk, tid, keyRow, ks, Value());
        stageRowsF32(v, valueDim, tk, tid, keyRow, vs, Value());
        barrier();

        SmallVector<Value> sInit(scoreItems.size(), f32(0));
        SmallVector<Value> scores =
            forLoop(idx(0), idx(headDim), sInit, [&](Value d, ValueRange s) {
              SmallVector<Value> next;
              for (auto [o, sum] : llvm::zip(scoreItems, s))
                next.push_back(
                    fma(load(qs, {o.r, d}), load(ks, {o.c, d}), sum));
              return next;
            });
        SmallVector<Type> types(scores.size(), f32Type);
        Value boundary = needsMask(ctx, j0, tk);
        auto ifOp = scf::IfOp::create(b, types, boundary, /*withElse=*/true);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          SmallVector<Value> masked;
          for (auto [o, s] : llvm::zip(scoreItems, scores)) {
            Value rowPos = add(rowQuery(o.r), ctx.offset);
            masked.push_back(
                select(isVisible(ctx, rowPos, add(j0, o.c)), s, minusInf()));
          }
          scf::YieldOp::create(b, masked);
          b.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(b, scores);
        }
        for (auto [o, s] : llvm::zip(scoreItems, ifOp.getResults()))
          guarded(o, tk, [&, o = o, s = s] { store(s, ps, {o.r, o.c}); });
        barrier();

        // Online softmax of row tid: m_new = max(m, max_j s_j); α = e^{m -
        // m_new}; p_j = e^{s_j - m_new}; l = α·l + Σ p_j. A row that has
        // seen nothing keeps m = -inf and uses 0 as its exponent base.
        ifThen(lt(tid, idx(rows)), [&] {
          Value mOld = load(stats, {idx(0), tid});
          Value tileMax =
              forLoop(
                  idx(0), idx(tk), ValueRange{minusInf()},
                  [&](Value jj, ValueRange m) {
                    return SmallVector<Value>{fmax(m[0], load(ps, {tid, jj}))};
                  })
                  .front();
          Value mNew = fmax(mOld, tileMax);
          Value base = exponentBase(mNew).second;
          Value sum = forLoop(idx(0), idx(tk), ValueRange{f32(0)},
                              [&](Value jj, ValueRange l) {
                                Value p = exp(fsub(load(ps, {tid, jj}), base));
                                store(p, ps, {tid, jj});
                                return SmallVector<Value>{fadd(l[0], p)};
                              })
                          .front();
          Value alpha = exp(fsub(mOld, base));
          Value lOld = load(stats, {idx(1), tid});
          store(mNew, stats, {idx(0), tid});
          store(fma(alpha, lOld, sum), stats, {idx(1), tid});
          store(alpha, stats, {idx(2), tid});
        });
        barrier();

        SmallVector<Value> scaled;
        for (auto [o, a] : llvm::zip(outItems, accIn))
          scaled.push_back(fmul(a, load(stats, {idx(2), o.r})));
        // O += P·V. On a boundary tile an invisible key has p = 0 and may
        // hold NaN or Inf in V (DESIGN §2.1): the term of a pair with p = 0
        // is skipped by a select, since 0·NaN = NaN. Interior tiles keep
        // the plain FMA.
        auto productLoop = [&](bool skipZero) {
          return forLoop(idx(0), idx(tk), scaled, [&](Value jj, ValueRange a) {
            SmallVector<Value> res;
            for (auto [o, x] : llvm::zip(outItems, a)) {
              Value p = load(ps, {o.r, jj});
              Value sum = fma(p, load(vs, {jj, o.c}), x);
              if (skipZero)
                sum =
                    select(fcmp(arith::CmpFPredicate::OEQ, p, f32(0)), x, sum);
              res.push_back(sum);
            }
            return res;
          });
        };
        auto pvIf = scf::IfOp::create(
            b, SmallVector<Type>(outItems.size(), f32Type), boundary,
            /*withElse=*/true);
        {
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(pvIf.thenBlock());
          scf::YieldOp::create(b, productLoop(/*skipZero=*/true));
          b.setInsertionPointToStart(pvIf.elseBlock());
          scf::YieldOp::create(b, productLoop(/*skipZero=*/false));
        }
        SmallVector<Value> next(pvIf.getResults());
        // K, V and P are overwritten by the next tile.
        barrier();
        return next;
      });

  if (plan.decode) {
    // Partial results of this split: unnormalised O, and (m, l) per row.
    for (auto [o, a] : llvm::zip(outItems, acc))
      guarded(o, valueDim, [&, o = o, a = a] {
        store(a, plan.partO,
              {batch, rowHead(o.r), blocks.x, rowQuery(o.r), o.c});
      });
    ifThen(lt(tid, idx(rows)), [&] {
      for (int64_t s = 0; s < 2; ++s)
        store(load(stats, {idx(s), tid}), plan.partStats,
              {batch, rowHead(tid), blocks.x, idx(s), rowQuery(tid)});
    });
    return;
  }
  Value sinkLogit = sinkLogitFor(firstHead);
  for (auto [o, a] : llvm::zip(outItems, acc))
    guarded(o, valueDim, [&, o = o, a = a] {
      Value query = rowQuery(o.r);
      ifThen(lt(query, numQueries), [&] {
        Value factor = finalFactor(load(stats, {idx(0), o.r}),
                                   load(stats, {idx(1), o.r}), sinkLogit);
        store(fromF32(fmul(a, factor)), out, {batch, firstHead, query, o.c});
      });
    });
}

//===----------------------------------------------------------------------===//
// Split-KV decode
//===----------------------------------------------------------------------===//

// Each (batch, GQA group) has few query rows and a long key range: the tile
// list is cut into splits of split-size keys that run as separate CTAs; each
// leaves its (m, l, O) in a gpu.alloc'd buffer and the merge kernel combines
// them with log-sum-exp, adding the sink logit exactly once. The number of
// splits is bounded by DESIGN §2.1's tile bound when the window is bounded.
LogicalResult GPUAttentionEmitter::emitDecode() {
  int64_t tk = opts.decodeKeyTile;
  int64_t rows = groupHeads * decodeQueries;
  if (rows > kSimtThreads || !fitSimtTiles(rows, tk, rows)) {
    groupHeads = 1;
    rows = decodeQueries;
    tk = opts.decodeKeyTile;
    if (!fitSimtTiles(rows, tk, rows))
      return op.emitOpError("head dimensions D = ")
             << headDim << ", Dv = " << valueDim
             << " do not fit the decode kernel's shared memory";
  }
  SimtPlan plan;
  plan.decode = true;
  plan.rows = rows;
  plan.keyTile = tk;
  plan.tilesPerSplit = std::max<int64_t>(1, opts.splitSize / tk);
  Value maxTiles = ceilDiv(numKeys, idx(tk));
  int64_t maxWindow = op.getMaxWindow();
  if (!keyPositions && maxWindow >= 0) {
    int64_t reach = causal ? 0 : std::max<int64_t>(maxWindow - 1, 0);
    int64_t sinkBound = llvm::divideCeil(op.getNumSinks(), tk);
    int64_t windowBound = llvm::divideCeil(
        std::max<int64_t>(maxWindow + reach + decodeQueries - 2, 0), tk);
    maxTiles = minIdx(maxTiles, idx(sinkBound + windowBound + 1));
  }
  plan.numSplits = maxIdx(ceilDiv(maxTiles, idx(plan.tilesPerSplit)), idx(1));
  auto f32Type = b.getF32Type();
  int64_t dyn = ShapedType::kDynamic;
  auto alloc = [&](MemRefType type, ValueRange sizes) -> Value {
    return gpu::AllocOp::create(b, type, /*asyncToken=*/Type(),
                                /*asyncDependencies=*/ValueRange{}, sizes,
                                /*symbolOperands=*/ValueRange{})
        .getMemref();
  };
  // No zero-byte allocations (B = 0 or Hq = 0): the driver rejects them.
  Value nonEmpty = andI(cmp(arith::CmpIPredicate::sgt, numBatch, idx(0)),
                        cmp(arith::CmpIPredicate::sgt, numHeads, idx(0)));
  ifThen(nonEmpty, [&] {
    plan.partO = alloc(
        MemRefType::get({dyn, dyn, dyn, decodeQueries, valueDim}, f32Type),
        {numBatch, numHeads, plan.numSplits});
    plan.partStats =
        alloc(MemRefType::get({dyn, dyn, dyn, 2, decodeQueries}, f32Type),
              {numBatch, numHeads, plan.numSplits});
    emitSimtKernel(plan);
    emitMergeKernel(plan.numSplits, plan.partO, plan.partStats);
    gpu::DeallocOp::create(b, Type(), ValueRange{}, plan.partO);
    gpu::DeallocOp::create(b, Type(), ValueRange{}, plan.partStats);
  });
  return success();
}

// One CTA per (head, batch), one thread per output column: M = max(σ,
// max_s m_s), w_s = e^{m_s - M}, o = Σ_s w_s·O_s / (Σ_s w_s·l_s + e^{σ - M}),
// and o = 0 when M = -inf.
void GPUAttentionEmitter::emitMergeKernel(Value numSplits, Value partO,
                                          Value partStats) {
  int64_t threads =
      std::min<int64_t>(kSimtThreads, llvm::alignTo(valueDim, kWarpSize));
  launch(
      numHeads, numBatch, idx(1), threads, {},
      [&](gpu::KernelDim3 blocks, Value tid, ArrayRef<Value>) {
        Value head = blocks.x, batch = blocks.y;
        Value sinkLogit = sinkLogitFor(head);
        for (int64_t c0 = 0; c0 < valueDim; c0 += threads) {
          Value c = add(tid, idx(c0));
          auto column = [&] {
            forLoop(idx(0), idx(decodeQueries), {}, [&](Value i, ValueRange) {
              auto stat = [&](Value s, int64_t which) {
                return load(partStats, {batch, head, s, idx(which), i});
              };
              Value mAll =
                  forLoop(idx(0), numSplits, ValueRange{sinkLogit},
                          [&](Value s, ValueRange m) {
                            return SmallVector<Value>{fmax(m[0], stat(s, 0))};
                          })
                      .front();
              Value empty, base;
              std::tie(empty, base) = exponentBase(mAll);
              SmallVector<Value> sums =
                  forLoop(idx(0), numSplits, ValueRange{f32(0), f32(0)},
                          [&](Value s, ValueRange st) {
                            Value m = stat(s, 0);
                            Value w = exp(fsub(m, base));
                            Value o = load(partO, {batch, head, s, i, c});
                            // A split that saw no visible key (m = -inf)
                            // adds nothing, not 0·O (a NaN m propagates).
                            Value seen =
                                fcmp(arith::CmpFPredicate::UNE, m, minusInf());
                            return SmallVector<Value>{
                                fma(stat(s, 1), w, st[0]),
                                select(seen, fma(o, w, st[1]), st[1])};
                          });
              Value denom = fadd(sums[0], exp(fsub(sinkLogit, base)));
              Value o = arith::DivFOp::create(b, sums[1], denom);
              store(fromF32(select(empty, f32(0), o)), out,
                    {batch, head, i, c});
              return SmallVector<Value>{};
            });
          };
          if (c0 + threads <= valueDim)
            column();
          else
            ifThen(lt(c, idx(valueDim)), column);
        }
      });
}

//===----------------------------------------------------------------------===//
// Tensor-core prefill (f16 and bf16, mma.sync m16n8k16)
//===----------------------------------------------------------------------===//
//
// Fragment layouts of mma.sync.m16n8k16 (PTX ISA, "Matrix Fragments for
// mma.m16n8k16"), lane = 4·g + t (g = lane / 4 in [0, 8), t = lane % 4):
//   A (16×16, row-major), vector<4x2xf16>:
//     reg 0: row g,   cols 2t, 2t+1      reg 1: row g+8, cols 2t, 2t+1
//     reg 2: row g,   cols 2t+8, 2t+9    reg 3: row g+8, cols 2t+8, 2t+9
//   B (16×8, K × N), vector<2x2xf16>:
//     reg 0: rows (k) 2t, 2t+1, col (n) g    reg 1: rows 2t+8, 2t+9, col g
//   C, D (16×8, f32), vector<2x2xf32>:
//     reg 0: row g, cols 2t, 2t+1            reg 1: row g+8, cols 2t, 2t+1
// ldmatrix.x4 loads four 8×8 matrices; lanes 8i..8i+7 give the row addresses
// of matrix i and register i of every lane holds (row lane/4, cols 2t, 2t+1)
// of matrix i (with .trans: rows 2t, 2t+1 of column lane/4). .x2 uses lanes
// 0-15. Hence:
//   Q (A) at rows r0.., cols k0..: lane reads row r0 + lane%16, col k0 +
//     (lane/16)·8 -> matrices (rows 0-7, k 0-7), (8-15, 0-7), (0-7, 8-15),
//     (8-15, 8-15) = regs 0..3 of A.
//   Kᵀ (B of S = Q·Kᵀ, B[d][j] = K[j][d]; K is [key][d] in shared memory):
//     .x2 without transpose, lane reads key n0 + lane%8, col k0 +
//     ((lane/8)%2)·8 -> reg 0 = K[n0+g][k0+2t..], reg 1 = K[n0+g][k0+8+2t..].
//   V (B of O = P·V, B[j][c] = V[j][c], [key][c] in shared memory): .x2.trans,
//     lane reads key k0 + lane%16, col n0 -> reg 0 = V[k0+2t..][n0+g],
//     reg 1 = V[k0+8+2t..][n0+g].
//   P (A of O = P·V) is S's C fragments rounded to f16: for the 16 keys
//     k0 = 16·kk, A reg 0 = S tile 2kk reg 0, reg 1 = S tile 2kk reg 1,
//     reg 2 = S tile 2kk+1 reg 0, reg 3 = S tile 2kk+1 reg 1.
// Each lane owns rows g and g+8 of its warp's 16 rows: the softmax row max
// and row sum combine the four lanes of a quad (shuffle xor 1, 2).

// Tensor cores need f16/bf16 and head dimensions in whole k-steps. Tiles
// that overflow the static shared memory (D = 256 with 64 × 64 tiles) are
// halved, keys first: fewer keys per tile also keep S's fragments small.
bool GPUAttentionEmitter::useTensorCores() {
  if (!opts.tensorCores || !(elemType.isF16() || elemType.isBF16()) ||
      headDim % 16 != 0 || valueDim % 16 != 0 || headDim == 0 || valueDim == 0)
    return false;
  auto bytes = [&] {
    int64_t rowsQK = std::max(opts.queryTile, opts.keyTile);
    return 2 *
           (rowsQK * (headDim + kRowPad) + opts.keyTile * (valueDim + kRowPad));
  };
  auto halve = [](int64_t tile) {
    return std::max<int64_t>(16, tile / 32 * 16);
  };
  while (bytes() > kSharedMemoryBytes) {
    if (opts.keyTile > 16)
      opts.keyTile = halve(opts.keyTile);
    else if (opts.queryTile > 16)
      opts.queryTile = halve(opts.queryTile);
    else
      return false;
  }
  return true;
}

// f16 goes through nvgpu.mma.sync. MLIR 22's nvgpu-to-nvvm cannot type bf16
// operands, so bf16 uses nvvm.mma.sync directly: each pair of bf16 is one
// b32 register, as the PTX instruction takes them, and the four f32 results
// come back as a struct.
Value GPUAttentionEmitter::mmaSync(Value a, Value bFrag, Value c) {
  if (elemType.isF16())
    return nvgpu::MmaSyncOp::create(b, a, bFrag, c,
                                    ArrayRef<int64_t>{16, 8, 16});
  auto packed = [&](Value frag) {
    SmallVector<Value> regs;
    auto type = cast<VectorType>(frag.getType());
    for (int64_t r = 0; r < type.getDimSize(0); ++r) {
      Value pair = vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{r});
      Value word = vector::BitCastOp::create(
          b, VectorType::get({1}, b.getI32Type()), pair);
      regs.push_back(vector::ExtractOp::create(b, word, ArrayRef<int64_t>{0}));
    }
    return regs;
  };
  SmallVector<Value> acc;
  for (int64_t h = 0; h < 2; ++h)
    for (int64_t e = 0; e < 2; ++e)
      acc.push_back(vector::ExtractOp::create(b, c, ArrayRef<int64_t>{h, e}));
  Type f32 = b.getF32Type();
  auto resultType =
      LLVM::LLVMStructType::getLiteral(b.getContext(), {f32, f32, f32, f32});
  Value d = NVVM::MmaOp::create(
      b, resultType, packed(a), packed(bFrag), acc,
      ArrayRef<int64_t>{16, 8, 16}, std::nullopt, std::nullopt,
      std::array<NVVM::MMATypes, 2>{NVVM::MMATypes::bf16, NVVM::MMATypes::bf16},
      std::array<NVVM::MMALayout, 2>{NVVM::MMALayout::row,
                                     NVVM::MMALayout::col});
  SmallVector<Value> out;
  for (int64_t i = 0; i < 4; ++i)
    out.push_back(LLVM::ExtractValueOp::create(b, d, ArrayRef<int64_t>{i}));
  return vector::FromElementsOp::create(b, c.getType(), out);
}

SmallVector<std::pair<Value, Value>>
GPUAttentionEmitter::copyChunks(int64_t numRows, int64_t rowLen, Value tid,
                                int64_t threads) {
  int64_t chunksPerRow = rowLen / kCopyElements;
  int64_t total = numRows * chunksPerRow;
  SmallVector<std::pair<Value, Value>> chunks;
  int64_t perThread = llvm::divideCeil(total, threads);
  for (int64_t it = 0; it < perThread; ++it) {
    // Past the end (threads not dividing total) a thread repeats the last
    // chunk: the same bytes to the same place.
    Value e = add(tid, idx(it * threads));
    if (total % threads != 0)
      e = minIdx(e, idx(total - 1));
    chunks.push_back({divu(e, idx(chunksPerRow)),
                      mul(remu(e, idx(chunksPerRow)), idx(kCopyElements))});
  }
  return chunks;
}

// Issues cp.async of rows [rowBase, rowBase + numRows) × [0, rowLen) of
// src[prefix..., row, :] into dst[row - rowBase][:], 16 bytes per copy,
// consecutive threads on consecutive chunks; rows >= limit are zero-filled
// (source size 0, address clamped), and so is everything when `enabled` is
// false (the group is still committed, which keeps the wait counts of the
// pipeline uniform). Returns the committed group's token.
Value GPUAttentionEmitter::asyncCopyRows(Value src, ValueRange prefix,
                                         Value rowBase, int64_t numRows,
                                         int64_t rowLen, Value limit, Value dst,
                                         Value tid, int64_t threads,
                                         Value enabled) {
  Value lastRow = sub(limit, idx(1));
  SmallVector<Value> tokens;
  for (auto [r, c] : copyChunks(numRows, rowLen, tid, threads)) {
    Value row = add(rowBase, r);
    Value inBounds = lt(row, limit);
    if (enabled)
      inBounds = andI(inBounds, enabled);
    Value srcElements = select(inBounds, idx(kCopyElements), idx(0));
    SmallVector<Value> srcIndices(prefix);
    srcIndices.append({maxIdx(minIdx(row, lastRow), idx(0)), c});
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, dst, ValueRange{r, c}, src, srcIndices,
        b.getIndexAttr(kCopyElements), srcElements,
        /*bypassL1=*/b.getUnitAttr()));
  }
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
}

void GPUAttentionEmitter::emitTensorCoreKernel() {
  int64_t rowsQK = std::max(opts.queryTile, opts.keyTile);
  SmallVector<MemRefType> shared = {
      sharedType({rowsQK, headDim + kRowPad}, elemType),
      sharedType({opts.keyTile, valueDim + kRowPad}, elemType)};
  int64_t threads = kWarpSize * (opts.queryTile / 16);
  launch(ceilDiv(numQueries, idx(opts.queryTile)), numHeads, numBatch, threads,
         shared,
         [&](gpu::KernelDim3 blocks, Value tid, ArrayRef<Value> buffers) {
           emitTensorCoreBody(blocks, tid, buffers[0], buffers[1]);
         });
}

// One CTA per (query tile, head, batch); warp w owns query rows [16w, 16w +
// 16) of the tile. Q goes through the K buffer into registers (A fragments)
// once. Per key tile (K copy in flight since the previous tile):
//   V copy issued; wait K; barrier
//   S = Q·Kᵀ (mma), scale, mask if the tile crosses a boundary; barrier
//   next K copy issued (the K buffer is free)
//   online softmax in registers; P -> A fragments (f16 or bf16)
//   wait V; barrier; O += P·V (mma); barrier
void GPUAttentionEmitter::emitTensorCoreBody(gpu::KernelDim3 blocks, Value tid,
                                             Value qkBuf, Value vBuf) {
  int64_t tq = opts.queryTile, tk = opts.keyTile;
  int64_t threads = kWarpSize * (tq / 16);
  int64_t kSteps = headDim / 16, keyTiles8 = tk / 8, keySteps = tk / 16,
          valueTiles8 = valueDim / 8;
  auto f32Type = b.getF32Type();
  auto accType = VectorType::get({2, 2}, f32Type);
  auto aType = VectorType::get({4, 2}, elemType);
  auto bType = VectorType::get({2, 2}, elemType);
  auto halfPair = VectorType::get({2}, elemType);

  Value batch = blocks.z, head = blocks.y;
  Value i0 = mul(blocks.x, idx(tq));
  Value rowsInRange = minIdx(idx(tq), sub(numQueries, i0));
  Value kvHead = divu(head, groupRatio);
  RowContext ctx = makeContext(batch, head, kvHead, i0, rowsInRange);
  Value sinkLogit = sinkLogitFor(head);
  Value warp = divu(tid, idx(kWarpSize));
  Value lane = remu(tid, idx(kWarpSize));
  Value g = divu(lane, idx(4)), t = remu(lane, idx(4));
  Value warpRow = mul(warp, idx(16));
  // Query index of the two rows of this lane (C fragment regs 0 and 1).
  Value rowQuery[2] = {add(i0, add(warpRow, g)),
                       add(i0, add(warpRow, add(g, idx(8))))};
  Value lane16 = remu(lane, idx(16));

  // Q -> registers.
  Value qGroup = asyncCopyRows(q, {batch, head}, i0, tq, headDim, numQueries,
                               qkBuf, tid, threads);
  nvgpu::DeviceAsyncWaitOp::create(b, qGroup, b.getI32IntegerAttr(0));
  barrier();
  SmallVector<Value> qFrag;
  for (int64_t ks = 0; ks < kSteps; ++ks)
    qFrag.push_back(nvgpu::LdMatrixOp::create(
        b, aType, qkBuf,
        ValueRange{add(warpRow, lane16),
                   add(idx(ks * 16), mul(divu(lane, idx(16)), idx(8)))},
        /*transpose=*/false, /*numTiles=*/4));
  barrier();

  TileList list = tileList(ctx, tk);
  // K tile tIdx of the list (zero-filled when tIdx >= count).
  auto copyK = [&](Value tIdx) {
    Value j0 = mul(tileIndex(list, tIdx), idx(tk));
    return asyncCopyRows(k, {batch, kvHead}, j0, tk, headDim, numKeys, qkBuf,
                         tid, threads, lt(tIdx, list.count));
  };
  // The first K tile's copy; later ones are issued inside the loop.
  copyK(idx(0));

  float inf = std::numeric_limits<float>::infinity();
  Value zeroAcc =
      arith::ConstantOp::create(b, DenseElementsAttr::get(accType, 0.0f));
  // iter_args: m[2], l[2] (l is this lane's partial sum), O fragments.
  SmallVector<Value> init = {f32(-inf), f32(-inf), f32(0), f32(0)};
  init.append(valueTiles8, zeroAcc);
  SmallVector<Value> state =
      forLoop(idx(0), list.count, init, [&](Value tIdx, ValueRange st) {
        Value j0 = mul(tileIndex(list, tIdx), idx(tk));
        Value vGroup = asyncCopyRows(v, {batch, kvHead}, j0, tk, valueDim,
                                     numKeys, vBuf, tid, threads);
        // Wait for all but the newest group: the K copy is done.
        nvgpu::DeviceAsyncWaitOp::create(b, vGroup, b.getI32IntegerAttr(1));
        barrier();

        // S = scale · Q·Kᵀ, keyTiles8 C fragments of 16 rows × 8 keys.
        SmallVector<Value> s;
        // One ldmatrix.x4 gives the B fragments of two k-steps (lane reads
        // key n0 + lane%8, col k0 + (lane/8)·8: matrices = cols k0, k0+8,
        // k0+16, k0+24); an odd last k-step uses .x2 (cols k0, k0+8).
        Value keyLane = remu(lane, idx(8));
        Value keyCol4 = mul(divu(lane, idx(8)), idx(8));
        Value keyCol2 = mul(remu(divu(lane, idx(8)), idx(2)), idx(8));
        Value scaleVec = arith::ConstantOp::create(
            b, DenseElementsAttr::get(accType, scale));
        for (int64_t nt = 0; nt < keyTiles8; ++nt) {
          Value c = zeroAcc;
          Value keyRow = add(idx(nt * 8), keyLane);
          for (int64_t ks = 0; ks < kSteps; ks += 2) {
            if (ks + 1 == kSteps) {
              Value kFrag = nvgpu::LdMatrixOp::create(
                  b, bType, qkBuf,
                  ValueRange{keyRow, add(idx(ks * 16), keyCol2)},
                  /*transpose=*/false, /*numTiles=*/2);
              c = mmaSync(qFrag[ks], kFrag, c);
              break;
            }
            Value pair = nvgpu::LdMatrixOp::create(
                b, aType, qkBuf, ValueRange{keyRow, add(idx(ks * 16), keyCol4)},
                /*transpose=*/false, /*numTiles=*/4);
            for (int64_t half = 0; half < 2; ++half)
              c = mmaSync(qFrag[ks + half], fragmentHalf(pair, half), c);
          }
          s.push_back(fmul(c, scaleVec));
        }
        // Element (nt, h, e): row g + 8h of the warp, key j0 + 8nt + 2t + e.
        auto element = [&](Value frag, int64_t h, int64_t e) -> Value {
          return vector::ExtractOp::create(b, frag, ArrayRef<int64_t>{h, e});
        };
        Value boundary = needsMask(ctx, j0, tk);
        {
          SmallVector<Type> types(keyTiles8, accType);
          auto ifOp = scf::IfOp::create(b, types, boundary, /*withElse=*/true);
          OpBuilder::InsertionGuard guard(b);
          b.setInsertionPointToStart(ifOp.thenBlock());
          SmallVector<Value> masked;
          for (int64_t nt = 0; nt < keyTiles8; ++nt) {
            SmallVector<Value> elems;
            for (int64_t h = 0; h < 2; ++h)
              for (int64_t e = 0; e < 2; ++e) {
                Value key = add(j0, add(idx(nt * 8 + e), mul(t, idx(2))));
                Value rowPos = add(rowQuery[h], ctx.offset);
                elems.push_back(select(isVisible(ctx, rowPos, key),
                                       element(s[nt], h, e), f32(-inf)));
              }
            masked.push_back(vector::FromElementsOp::create(b, accType, elems));
          }
          scf::YieldOp::create(b, masked);
          b.setInsertionPointToStart(ifOp.elseBlock());
          scf::YieldOp::create(b, s);
          b.setInsertionPointAfter(ifOp);
          s = SmallVector<Value>(ifOp.getResults());
        }
        // All warps are done with the K buffer: prefetch the next K tile
        // while the softmax and P·V of this tile run.
        barrier();
        copyK(add(tIdx, idx(1)));

        // Online softmax per row h: m_new = max(m, quad max of the tile);
        // α = e^{m - m_new}; p = e^{s - m_new}; l = α·l + Σ p (this lane's
        // part; the quad's parts are added at the end).
        SmallVector<Value> next(st.begin(), st.end());
        Value alpha[2];
        SmallVector<SmallVector<Value, 2>> p(keyTiles8,
                                             SmallVector<Value, 2>(2));
        for (int64_t h = 0; h < 2; ++h) {
          Value tileMax = f32(-inf);
          for (int64_t nt = 0; nt < keyTiles8; ++nt)
            for (int64_t e = 0; e < 2; ++e)
              tileMax = fmax(tileMax, element(s[nt], h, e));
          tileMax = quadReduce(tileMax, /*isMax=*/true);
          Value mNew = fmax(st[h], tileMax);
          Value base = exponentBase(mNew).second;
          alpha[h] = exp(fsub(st[h], base));
          Value sum = f32(0);
          for (int64_t nt = 0; nt < keyTiles8; ++nt) {
            Value p0 = exp(fsub(element(s[nt], h, 0), base));
            Value p1 = exp(fsub(element(s[nt], h, 1), base));
            sum = fadd(sum, fadd(p0, p1));
            p[nt][h] = vector::FromElementsOp::create(
                b, VectorType::get({2}, f32Type), ValueRange{p0, p1});
          }
          next[h] = mNew;
          next[2 + h] = fma(alpha[h], st[2 + h], sum);
        }
        // P as A fragments in the input type, 16 keys each.
        SmallVector<Value> pFrag;
        for (int64_t kk = 0; kk < keySteps; ++kk) {
          Value a = arith::ConstantOp::create(
              b, cast<TypedAttr>(b.getZeroAttr(aType)));
          int64_t regs[4][2] = {
              {2 * kk, 0}, {2 * kk, 1}, {2 * kk + 1, 0}, {2 * kk + 1, 1}};
          for (int64_t r = 0; r < 4; ++r) {
            Value half =
                arith::TruncFOp::create(b, halfPair, p[regs[r][0]][regs[r][1]]);
            a = vector::InsertOp::create(b, half, a, ArrayRef<int64_t>{r});
          }
          pFrag.push_back(a);
        }
        // O = α·O + P·V.
        Value alphaVec = vector::FromElementsOp::create(
            b, accType, ValueRange{alpha[0], alpha[0], alpha[1], alpha[1]});
        SmallVector<Value> o;
        for (int64_t nt = 0; nt < valueTiles8; ++nt)
          o.push_back(fmul(st[4 + nt], alphaVec));
        // Wait for all but the newest group (the prefetched K): the V copy
        // is done.
        nvgpu::DeviceAsyncWaitOp::create(b, vGroup, b.getI32IntegerAttr(1));
        barrier();
        o = guardNonFiniteValues(boundary, vBuf, tid, lane, threads, pFrag, o);
        // One ldmatrix.x4.trans gives the B fragments of two 8-column
        // blocks (lane reads key k0 + lane%16, col n0 + (lane/16)·8:
        // matrices = (keys k0.., n0), (k0+8.., n0), (k0.., n0+8), (k0+8..,
        // n0+8)); Dv is a multiple of 16, so the blocks pair up.
        Value valueCol4 = mul(divu(lane, idx(16)), idx(8));
        for (int64_t kk = 0; kk < keySteps; ++kk) {
          Value keyRow = add(idx(kk * 16), lane16);
          for (int64_t nt = 0; nt < valueTiles8; nt += 2) {
            Value pair = nvgpu::LdMatrixOp::create(
                b, aType, vBuf, ValueRange{keyRow, add(idx(nt * 8), valueCol4)},
                /*transpose=*/true, /*numTiles=*/4);
            for (int64_t half = 0; half < 2; ++half)
              o[nt + half] =
                  mmaSync(pFrag[kk], fragmentHalf(pair, half), o[nt + half]);
          }
        }
        // The V buffer is overwritten by the next tile.
        barrier();
        llvm::copy(o, next.begin() + 4);
        return next;
      });

  // The last (empty) K prefetch.
  nvgpu::DeviceAsyncWaitOp::create(b, qGroup, b.getI32IntegerAttr(0));
  // out[row][8nt + 2t + e] = O · e^{m - M} / (l·e^{m - M} + e^{σ - M}).
  for (int64_t h = 0; h < 2; ++h) {
    Value l = quadReduce(state[2 + h], /*isMax=*/false);
    Value factor = finalFactor(state[h], l, sinkLogit);
    ifThen(lt(rowQuery[h], numQueries), [&] {
      for (int64_t nt = 0; nt < valueTiles8; ++nt) {
        Value row =
            vector::ExtractOp::create(b, state[4 + nt], ArrayRef<int64_t>{h});
        row = fmul(row, vector::BroadcastOp::create(
                            b, VectorType::get({2}, f32Type), factor));
        Value col = add(idx(nt * 8), mul(t, idx(2)));
        // Columns 2t, 2t + 1 of a row of Dv (a multiple of 16) halves:
        // 4-byte aligned, one st.global.b32.
        vector::StoreOp::create(b, arith::TruncFOp::create(b, halfPair, row),
                                out, ValueRange{batch, head, rowQuery[h], col},
                                /*nontemporal=*/false, llvm::MaybeAlign(4));
      }
    });
  }
}

// Invisible keys on tensor cores (DESIGN §2.1). A boundary tile may hold V
// rows that a query row cannot see (p = 0) with NaN or Inf in them, and
// 0·NaN = NaN inside the mma cannot be selected away. On a boundary tile
// every thread scans the V chunks it copied for a non-finite element (an
// exponent field of all ones) and bar.red.or combines the answers, so the
// flag is uniform over the CTA; interior tiles do none of this. When the
// flag is false (real data) the mma runs as usual. When it is true, each
// accumulator (row, column) of the lane first receives v = V(j, column)
// itself for every key j with p(row, j) != 0 and v non-finite (p > 0 times
// ±Inf is ±Inf, NaN stays NaN, +Inf and -Inf make NaN: what the products'
// sum gives), then the non-finite V elements are zeroed in shared memory and
// the mma adds the finite part. A pair with p = 0 adds nothing.
SmallVector<Value> GPUAttentionEmitter::guardNonFiniteValues(
    Value boundary, Value vBuf, Value tid, Value lane, int64_t threads,
    ArrayRef<Value> pFrag, ArrayRef<Value> o) {
  int64_t tk = opts.keyTile, keySteps = tk / 16, valueTiles8 = valueDim / 8;
  Type i32Type = b.getI32Type();
  auto f32Type = b.getF32Type();
  auto accType = VectorType::get({2, 2}, f32Type);
  auto chunkType = VectorType::get({kCopyElements}, elemType);
  auto chunkWords = VectorType::get({kCopyElements / 2}, i32Type);
  SmallVector<std::pair<Value, Value>> chunks =
      copyChunks(tk, valueDim, tid, threads);
  auto loadChunk = [&](Value r, Value c) -> Value {
    return vector::LoadOp::create(b, chunkType, vBuf, ValueRange{r, c},
                                  /*nontemporal=*/false, llvm::MaybeAlign(16));
  };

  // Is some V element of the tile NaN or ±Inf? Two halves per word: adding
  // one to an exponent field of all ones carries into its (cleared) sign
  // bit.
  auto flagIf = scf::IfOp::create(b, TypeRange{b.getI1Type()}, boundary,
                                  /*withElse=*/true);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(flagIf.thenBlock());
    unsigned mantissa = cast<FloatType>(elemType).getFPMantissaWidth() - 1;
    uint32_t field = ((1u << (15 - mantissa)) - 1) << mantissa;
    auto splat = [&](uint32_t v) -> Value {
      return arith::ConstantOp::create(
          b, DenseElementsAttr::get(chunkWords, APInt(32, v)));
    };
    Value fieldMask = splat(field * 0x10001u);
    Value carry = splat((1u << mantissa) * 0x10001u);
    Value seen = splat(0);
    for (auto [r, c] : chunks) {
      Value words = vector::BitCastOp::create(b, chunkWords, loadChunk(r, c));
      seen = orI(seen, add(andI(words, fieldMask), carry));
    }
    Value word = vector::ExtractOp::create(b, seen, ArrayRef<int64_t>{0});
    for (int64_t i = 1; i < kCopyElements / 2; ++i)
      word =
          orI(word, vector::ExtractOp::create(b, seen, ArrayRef<int64_t>{i}));
    Value local =
        cmp(arith::CmpIPredicate::ne,
            andI(word, i32(static_cast<int32_t>(0x80008000u))), i32(0));
    Value any =
        NVVM::BarrierOp::create(b, i32Type, /*barrierId=*/Value(),
                                /*numberOfThreads=*/Value(),
                                NVVM::BarrierReductionAttr::get(
                                    b.getContext(), NVVM::BarrierReduction::OR),
                                arith::ExtUIOp::create(b, i32Type, local))
            .getRes();
    scf::YieldOp::create(b, cmp(arith::CmpIPredicate::ne, any, i32(0)));
    b.setInsertionPointToStart(flagIf.elseBlock());
    scf::YieldOp::create(
        b, ValueRange{arith::ConstantOp::create(b, b.getBoolAttr(false))});
  }

  auto fixIf = scf::IfOp::create(b, SmallVector<Type>(valueTiles8, accType),
                                 flagIf.getResult(0),
                                 /*withElse=*/true);
  OpBuilder::InsertionGuard guard(b);
  b.setInsertionPointToStart(fixIf.elseBlock());
  scf::YieldOp::create(b, o);
  b.setInsertionPointToStart(fixIf.thenBlock());

  // Bit j of word j / 32 of rows[h]: p(row g + 8h, j) != 0, from the P
  // fragments (A reg r holds row g + 8(r % 2), keys 16kk + 8(r / 2) + 2t,
  // + 1), combined over the quad.
  int64_t numWords = llvm::divideCeil(tk, 32);
  Value t = remu(lane, idx(4));
  Value shift = arith::IndexCastOp::create(b, i32Type, mul(t, idx(2)));
  SmallVector<SmallVector<Value>> rows(2, SmallVector<Value>(numWords, i32(0)));
  for (int64_t kk = 0; kk < keySteps; ++kk)
    for (int64_t r = 0; r < 4; ++r)
      for (int64_t e = 0; e < 2; ++e) {
        int64_t key = 16 * kk + 8 * (r / 2) + e;
        Value p = toF32(
            vector::ExtractOp::create(b, pFrag[kk], ArrayRef<int64_t>{r, e}));
        Value bit = arith::ExtUIOp::create(
            b, i32Type, fcmp(arith::CmpFPredicate::UNE, p, f32(0)));
        Value &word = rows[r % 2][key / 32];
        word = orI(word, arith::ShLIOp::create(b, bit, i32(key % 32)));
      }
  for (auto &words : rows)
    for (Value &word : words) {
      word = arith::ShLIOp::create(b, word, shift);
      for (int32_t offset : {1, 2})
        word = orI(word, gpu::ShuffleOp::create(b, word, offset, kWarpSize,
                                                gpu::ShuffleMode::XOR)
                             .getShuffleResult());
    }

  // O(row, column) += V(j, column) where p(row, j) != 0 and V is not
  // finite; the lane's columns are 8nt + 2t, + 1.
  Value column = mul(t, idx(2));
  auto pairType = VectorType::get({2}, elemType);
  SmallVector<Value> fixed =
      forLoop(idx(0), idx(tk), o, [&](Value j, ValueRange acc) {
        Value j32 = arith::IndexCastOp::create(b, i32Type, j);
        Value wordIndex = arith::ShRUIOp::create(b, j32, i32(5));
        Value bitIndex = andI(j32, i32(31));
        Value rowSees[2];
        for (int64_t h = 0; h < 2; ++h) {
          Value word = rows[h][0];
          for (int64_t w = 1; w < numWords; ++w)
            word = select(cmp(arith::CmpIPredicate::eq, wordIndex, i32(w)),
                          rows[h][w], word);
          Value bit = andI(arith::ShRUIOp::create(b, word, bitIndex), i32(1));
          rowSees[h] = cmp(arith::CmpIPredicate::ne, bit, i32(0));
        }
        SmallVector<Value> next;
        for (int64_t nt = 0; nt < valueTiles8; ++nt) {
          Value pair = vector::LoadOp::create(
              b, pairType, vBuf, ValueRange{j, add(idx(nt * 8), column)},
              /*nontemporal=*/false, llvm::MaybeAlign(4));
          Value bad = isNonFinite(b, pair);
          Value values = toF32(pair);
          SmallVector<Value> elems;
          for (int64_t h = 0; h < 2; ++h)
            for (int64_t e = 0; e < 2; ++e) {
              Value x =
                  vector::ExtractOp::create(b, values, ArrayRef<int64_t>{e});
              Value take =
                  andI(rowSees[h],
                       vector::ExtractOp::create(b, bad, ArrayRef<int64_t>{e}));
              Value cur = vector::ExtractOp::create(b, acc[nt],
                                                    ArrayRef<int64_t>{h, e});
              elems.push_back(fadd(cur, select(take, x, f32(0))));
            }
          next.push_back(vector::FromElementsOp::create(b, accType, elems));
        }
        return next;
      });
  // Every warp has read the original V: zero its non-finite elements.
  barrier();
  Value zeros =
      arith::ConstantOp::create(b, cast<TypedAttr>(b.getZeroAttr(chunkType)));
  for (auto [r, c] : chunks) {
    Value x = loadChunk(r, c);
    vector::StoreOp::create(b, select(isNonFinite(b, x), zeros, x), vBuf,
                            ValueRange{r, c}, /*nontemporal=*/false,
                            llvm::MaybeAlign(16));
  }
  barrier();
  scf::YieldOp::create(b, fixed);
  return SmallVector<Value>(fixIf.getResults());
}

//===----------------------------------------------------------------------===//
// Driver
//===----------------------------------------------------------------------===//

LogicalResult GPUAttentionEmitter::emit() {
  if (failed(read(op, "GPU lowering")))
    return failure();
  auto qType = cast<MemRefType>(q.getType());
  auto kType = cast<MemRefType>(k.getType());
  for (Value operand : op->getOperands())
    if (auto type = dyn_cast<MemRefType>(operand.getType());
        type && !type.getLayout().isIdentity())
      return op.emitOpError("GPU lowering needs memrefs with identity "
                            "layouts, got ")
             << type;
  // Dv = 0: the output is empty.
  if (valueDim == 0)
    return success();

  numBatch = dim(q, 0);
  numHeads = dim(q, 1);
  numQueries = dim(q, 2);
  numKvHeads = dim(k, 1);
  numKeys = dim(k, 2);
  groupRatio = divu(numHeads, numKvHeads);
  numSinks = minIdx(idx(static_cast<int64_t>(op.getNumSinks())), numKeys);
  int64_t staticQueries = qType.getDimSize(2);
  if (!ShapedType::isDynamic(staticQueries) && staticQueries > 0 &&
      staticQueries <= opts.decodeMaxQueries) {
    decodeQueries = staticQueries;
    // A GQA group shares one CTA when its heads share one window.
    int64_t hq = qType.getDimSize(1), hkv = kType.getDimSize(1);
    auto perHead = dyn_cast_or_null<DenseI64ArrayAttr>(op.getWindowAttr());
    bool uniformWindow = !perHead || llvm::all_equal(perHead.asArrayRef());
    if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) && hkv > 0 &&
        hq % hkv == 0 && uniformWindow)
      groupHeads = hq / hkv;
    return emitDecode();
  }
  if (useTensorCores()) {
    emitTensorCoreKernel();
    return success();
  }
  SimtPlan plan;
  plan.rows = opts.simtQueryTile;
  plan.keyTile = opts.simtKeyTile;
  if (!fitSimtTiles(plan.rows, plan.keyTile, /*minRows=*/1))
    return op.emitOpError("head dimensions D = ")
           << headDim << ", Dv = " << valueDim
           << " do not fit the SIMT kernel's shared memory ("
           << kSharedMemoryBytes << " bytes)";
  emitSimtKernel(plan);
  return success();
}

namespace {
struct LowerAttentionGPUPass
    : bitsink::impl::BitSinkGPULowerAttentionBase<LowerAttentionGPUPass> {
  using BitSinkGPULowerAttentionBase::BitSinkGPULowerAttentionBase;

  void runOnOperation() override {
    auto bad = [&](StringRef name, int64_t value, StringRef want) {
      reportBadOption(getOperation(), "bitsink-gpu-lower-attention", name,
                      value, want);
      signalPassFailure();
    };
    auto tensorTile = [](int64_t x) {
      return x >= 16 && x <= 128 && x % 16 == 0;
    };
    if (!tensorTile(queryTile))
      return bad("query-tile", queryTile, "a multiple of 16 in [16, 128]");
    if (!tensorTile(keyTile))
      return bad("key-tile", keyTile, "a multiple of 16 in [16, 128]");
    if (simtQueryTile < 1 || simtQueryTile > 128)
      return bad("simt-query-tile", simtQueryTile, "in [1, 128]");
    if (simtKeyTile < 1 || simtKeyTile > 128)
      return bad("simt-key-tile", simtKeyTile, "in [1, 128]");
    if (decodeMaxQueries < 0 || decodeMaxQueries > 128)
      return bad("decode-max-queries", decodeMaxQueries, "in [0, 128]");
    if (decodeKeyTile < 1 || decodeKeyTile > 128)
      return bad("decode-key-tile", decodeKeyTile, "in [1, 128]");
    if (splitSize < decodeKeyTile)
      return bad("split-size", splitSize, "at least decode-key-tile");
    Options options{queryTile,   keyTile,       simtQueryTile,
                    simtKeyTile, decodeKeyTile, decodeMaxQueries,
                    splitSize,   tensorCores};
    if (failed(lowerAllWith<SinkAttentionOp, GPUAttentionEmitter>(
            getOperation(), options)))
      signalPassFailure();
  }
};
} // namespace
