//===- Decode.cpp - split-KV decode and its merge kernel --------*- C++ -*-===//
//
// Each (batch, GQA group) of a decode step has few query rows and a long key
// range: the tile list is cut into splits of split-size keys that run as
// separate CTAs of the SIMT kernel (Simt.cpp); each leaves its (m, l, O) in
// a gpu.alloc'd buffer and the merge kernel combines them with log-sum-exp,
// adding the sink logit exactly once.
//
//===----------------------------------------------------------------------===//

#include "GPUAttentionEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::gpu_attention;

// A GQA group shares one CTA when its heads share one window and its rows
// (heads × queries) fit the CTA's threads and the shared memory; otherwise
// each query head has its own CTA.
FailureOr<GPUAttentionPlan>
GPUAttentionPlanner::planDecode(int64_t queries) const {
  GPUAttentionPlan plan;
  plan.kernel = GPUAttentionPlan::Kernel::Decode;
  plan.decodeQueries = queries;
  auto qType = cast<ShapedType>(op.getQuery().getType());
  auto kType = cast<ShapedType>(op.getKey().getType());
  int64_t hq = qType.getDimSize(1), hkv = kType.getDimSize(1);
  auto perHead = dyn_cast_or_null<DenseI64ArrayAttr>(op.getWindowAttr());
  bool uniformWindow = !perHead || llvm::all_equal(perHead.asArrayRef());
  if (!ShapedType::isDynamic(hq) && !ShapedType::isDynamic(hkv) && hkv > 0 &&
      hq % hkv == 0 && uniformWindow)
    plan.groupHeads = hq / hkv;
  SimtTiles wanted{plan.groupHeads * queries, opts.decodeKeyTile};
  std::optional<SimtTiles> tiles;
  if (wanted.rows <= kSimtThreads)
    tiles = fitSimtTiles(wanted, wanted.rows);
  if (!tiles) {
    plan.groupHeads = 1;
    wanted.rows = queries;
    tiles = fitSimtTiles(wanted, wanted.rows);
  }
  if (!tiles)
    return op.emitOpError("head dimensions D = ")
           << headDim << ", Dv = " << valueDim
           << " do not fit the decode kernel's shared memory";
  plan.simt = *tiles;
  plan.tilesPerSplit = std::max<int64_t>(1, opts.splitSize / tiles->keyTile);
  return plan;
}

// The number of splits is bounded by the tile bound of the window when the
// window is bounded (docs/gpu-attention.md, split-KV decode): the grid does
// not grow with Nk.
void GPUAttentionEmitter::emitDecode() {
  int64_t tk = plan.simt.keyTile;
  int64_t decodeQueries = plan.decodeQueries;
  SimtLaunch launchInfo;
  launchInfo.decode = true;
  launchInfo.tiles = plan.simt;
  launchInfo.tilesPerSplit = plan.tilesPerSplit;
  Value maxTiles = ceilDivS(numKeys, idx(tk));
  int64_t maxWindow = op.getMaxWindow();
  if (!keyPositions && maxWindow >= 0) {
    int64_t reach = causal ? 0 : std::max<int64_t>(maxWindow - 1, 0);
    int64_t sinkBound = llvm::divideCeil(op.getNumSinks(), tk);
    int64_t windowBound = llvm::divideCeil(
        std::max<int64_t>(maxWindow + reach + decodeQueries - 2, 0), tk);
    maxTiles = minS(maxTiles, idx(sinkBound + windowBound + 1));
  }
  launchInfo.numSplits =
      maxS(ceilDivS(maxTiles, idx(launchInfo.tilesPerSplit)), idx(1));
  auto f32Type = b.getF32Type();
  int64_t dyn = ShapedType::kDynamic;
  // No zero-byte allocations (B = 0 or Hq = 0): the driver rejects them.
  Value nonEmpty = andI(sgt(numBatch, idx(0)), sgt(numHeads, idx(0)));
  ifThen(nonEmpty, [&] {
    launchInfo.partO = deviceAlloc(
        MemRefType::get({dyn, dyn, dyn, decodeQueries, valueDim}, f32Type),
        {numBatch, numHeads, launchInfo.numSplits});
    launchInfo.partStats =
        deviceAlloc(MemRefType::get({dyn, dyn, dyn, 2, decodeQueries}, f32Type),
                    {numBatch, numHeads, launchInfo.numSplits});
    emitSimtKernel(launchInfo);
    emitMergeKernel(launchInfo.numSplits, launchInfo.partO,
                    launchInfo.partStats);
    deviceDealloc(launchInfo.partO);
    deviceDealloc(launchInfo.partStats);
  });
}

// One CTA per (head, batch), one thread per output column: M = max(σ,
// max_s m_s), w_s = e^{m_s - M}, o = Σ_s w_s·O_s / (Σ_s w_s·l_s + e^{σ - M}),
// and o = 0 when M = -inf.
void GPUAttentionEmitter::emitMergeKernel(Value numSplits, Value partO,
                                          Value partStats) {
  int64_t decodeQueries = plan.decodeQueries;
  int64_t threads =
      std::min<int64_t>(kSimtThreads, llvm::alignTo(valueDim, kWarpSize));
  launch(
      {numHeads, numBatch, idx(1)}, threads, 1, {},
      [&](gpu::LaunchOp launchOp) {
        gpu::KernelDim3 blocks = launchOp.getBlockIds();
        Value tid = launchOp.getThreadIds().x;
        Value head = blocks.x, batch = blocks.y;
        Value sinkLogit = attention::sinkLogitFor(*this, *this, head);
        auto expFn = [&](Value x) { return exp(x); };
        for (int64_t c0 = 0; c0 < valueDim; c0 += threads) {
          Value c = add(tid, idx(c0));
          auto column = [&] {
            forEach(idx(0), idx(decodeQueries), idx(1), [&](Value i) {
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
              std::tie(empty, base) = attention::exponentBase(*this, mAll);
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
                                mulAdd(stat(s, 1), w, st[0]),
                                select(seen, mulAdd(o, w, st[1]), st[1])};
                          });
              Value denom = fadd(
                  sums[0], attention::sinkTerm(*this, sinkLogit, base, expFn));
              Value o = fdiv(sums[1], denom);
              store(fromF32(select(empty, f32(0), o), elemType), out,
                    {batch, head, i, c});
            });
          };
          if (c0 + threads <= valueDim)
            column();
          else
            ifThen(slt(c, idx(valueDim)), column);
        }
      });
}
