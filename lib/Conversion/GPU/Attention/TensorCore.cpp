//===- TensorCore.cpp - the mma.sync attention prefill kernel ---*- C++ -*-===//
//
// Tensor-core prefill (f16 and bf16, mma.sync m16n8k16): one CTA of
// query-tile / 16 warps per (query tile, query head, batch); K and V tiles
// copied to shared memory with cp.async, read with ldmatrix and multiplied
// into f32 accumulators; the online softmax stays in registers.
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
//
//===----------------------------------------------------------------------===//

#include "GPUAttentionEmitter.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

#include <limits>

using namespace mlir;
using namespace bitsink;
using namespace bitsink::gpu_attention;

//===----------------------------------------------------------------------===//
// Planning
//===----------------------------------------------------------------------===//

// Tensor cores need f16/bf16 and head dimensions in whole k-steps.
bool GPUAttentionPlanner::tensorCoresApply() const {
  return opts.tensorCores && (elemType.isF16() || elemType.isBF16()) &&
         headDim % 16 == 0 && valueDim % 16 == 0 && headDim != 0 &&
         valueDim != 0;
}

// Tiles that overflow the static shared memory (D = 256 with 64 × 64 tiles)
// are halved, keys first: fewer keys per tile also keep S's fragments small.
std::optional<TensorCoreTiles> GPUAttentionPlanner::fitTensorCoreTiles() const {
  TensorCoreTiles tiles{opts.queryTile, opts.keyTile};
  auto bytes = [&] {
    int64_t rowsQK = std::max(tiles.queryTile, tiles.keyTile);
    return 2 * (rowsQK * (headDim + kRowPad) +
                tiles.keyTile * (valueDim + kRowPad)) +
           ropeTableBytes;
  };
  auto halve = [](int64_t tile) {
    return std::max<int64_t>(16, tile / 32 * 16);
  };
  while (bytes() > kSharedMemoryBytes) {
    if (tiles.keyTile > 16)
      tiles.keyTile = halve(tiles.keyTile);
    else if (tiles.queryTile > 16)
      tiles.queryTile = halve(tiles.queryTile);
    else
      return std::nullopt;
  }
  return tiles;
}

//===----------------------------------------------------------------------===//
// Fragments and copies
//===----------------------------------------------------------------------===//

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

// Row extracts and inserts: extract_strided_slice of a 2-D vector does not
// lower to NVVM in MLIR 22.
Value GPUAttentionEmitter::fragmentHalf(Value x4, int64_t half) {
  auto type = VectorType::get({2, 2}, elemType);
  Value frag = constant(type, 0);
  for (int64_t r = 0; r < 2; ++r)
    frag = vector::InsertOp::create(
        b, vector::ExtractOp::create(b, x4, ArrayRef<int64_t>{2 * half + r}),
        frag, ArrayRef<int64_t>{r});
  return frag;
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
      e = minS(e, idx(total - 1));
    chunks.push_back({divU(e, idx(chunksPerRow)),
                      mul(remU(e, idx(chunksPerRow)), idx(kCopyElements))});
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
    Value inBounds = slt(row, limit);
    if (enabled)
      inBounds = andI(inBounds, enabled);
    Value srcElements = select(inBounds, idx(kCopyElements), idx(0));
    SmallVector<Value> srcIndices(prefix);
    srcIndices.append({maxS(minS(row, lastRow), idx(0)), c});
    tokens.push_back(nvgpu::DeviceAsyncCopyOp::create(
        b, dst, ValueRange{r, c}, src, srcIndices,
        b.getIndexAttr(kCopyElements), srcElements,
        /*bypassL1=*/b.getUnitAttr()));
  }
  return nvgpu::DeviceAsyncCreateGroupOp::create(
      b, nvgpu::DeviceAsyncTokenType::get(b.getContext()), tokens);
}

//===----------------------------------------------------------------------===//
// The kernel
//===----------------------------------------------------------------------===//

void GPUAttentionEmitter::emitTensorCoreKernel() {
  TensorCoreTiles tiles = plan.tensorCore;
  int64_t rowsQK = std::max(tiles.queryTile, tiles.keyTile);
  SmallVector<Type> shared = {
      workgroupBuffer({rowsQK, headDim + kRowPad}, elemType),
      workgroupBuffer({tiles.keyTile, valueDim + kRowPad}, elemType)};
  if (rope)
    shared.push_back(ropeTableType());
  int64_t threads = kWarpSize * (tiles.queryTile / 16);
  LaunchDims grid{ceilDivS(numQueries, idx(tiles.queryTile)), numHeads,
                  numBatch};
  launch(grid, threads, 1, shared, [&](gpu::LaunchOp launchOp) {
    auto buffers = launchOp.getWorkgroupAttributions();
    emitTensorCoreBody(launchOp.getBlockIds(), launchOp.getThreadIds().x,
                       buffers[0], buffers[1],
                       rope ? Value(buffers[2]) : Value());
  });
}

// One CTA per (query tile, head, batch); warp w owns query rows [16w, 16w +
// 16) of the tile. Q goes through the K buffer into registers (A fragments)
// once. Per key tile (K copy in flight since the previous tile):
//   V copy issued; wait K; barrier
//   [rope: rotate the K tile in shared memory; barrier]
//   S = Q·Kᵀ (mma), scale, mask if the tile crosses a boundary; barrier
//   next K copy issued (the K buffer is free)
//   online softmax in registers; P -> A fragments (f16 or bf16)
//   wait V; barrier; O += P·V (mma); barrier
// With rope the Q tile is rotated in shared memory before ldmatrix reads it.
void GPUAttentionEmitter::emitTensorCoreBody(gpu::KernelDim3 blocks, Value tid,
                                             Value qkBuf, Value vBuf,
                                             Value ropeTable) {
  int64_t tq = plan.tensorCore.queryTile, tk = plan.tensorCore.keyTile;
  int64_t threads = kWarpSize * (tq / 16);
  int64_t kSteps = headDim / 16, keyTiles8 = tk / 8, keySteps = tk / 16,
          valueTiles8 = valueDim / 8;
  auto f32Type = b.getF32Type();
  auto accType = VectorType::get({2, 2}, f32Type);
  auto aType = VectorType::get({4, 2}, elemType);
  auto bType = VectorType::get({2, 2}, elemType);

  Value batch = blocks.z, head = blocks.y;
  Value i0 = mul(blocks.x, idx(tq));
  Value rowsInRange = minS(idx(tq), sub(numQueries, i0));
  Value kvHead = divU(head, groupRatio);
  attention::RowBounds bounds = attention::rowBounds(
      *this, op, *this, batch, head, i0, rowsInRange, numKeys, numQueries);
  Value sinkLogit = attention::sinkLogitFor(*this, *this, head);
  Value warp = divU(tid, idx(kWarpSize));
  Value lane = remU(tid, idx(kWarpSize));
  Value g = divU(lane, idx(4)), t = remU(lane, idx(4));
  Value warpRow = mul(warp, idx(16));
  // Query index of the two rows of this lane (C fragment regs 0 and 1).
  Value rowQuery[2] = {add(i0, add(warpRow, g)),
                       add(i0, add(warpRow, add(g, idx(8))))};
  Value lane16 = remU(lane, idx(16));

  // Q -> registers.
  Value qGroup = asyncCopyRows(q, {batch, head}, i0, tq, headDim, numQueries,
                               qkBuf, tid, threads);
  if (rope)
    fillRopeTable(ropeTable, tid);
  nvgpu::DeviceAsyncWaitOp::create(b, qGroup, b.getI32IntegerAttr(0));
  barrier();
  if (rope) {
    // Row r of the tile turns by p = i0 + r + L_b - Nq (rows past Nq are
    // zero and stay zero).
    rotateSharedRows(qkBuf, tq, tid, threads, ropeTable, [&](Value r) {
      return intToF32(add(add(i0, r), bounds.offset));
    });
    barrier();
  }
  SmallVector<Value> qFrag;
  for (int64_t ks = 0; ks < kSteps; ++ks)
    qFrag.push_back(nvgpu::LdMatrixOp::create(
        b, aType, qkBuf,
        ValueRange{add(warpRow, lane16),
                   add(idx(ks * 16), mul(divU(lane, idx(16)), idx(8)))},
        /*transpose=*/false, /*numTiles=*/4));
  barrier();

  attention::TileList list =
      attention::tileList(*this, bounds, numSinks, tk, causal,
                          /*hasKeyPositions=*/bool(keyPositions));
  // K tile tIdx of the list (zero-filled when tIdx >= count).
  auto copyK = [&](Value tIdx) {
    Value j0 = mul(attention::tileIndex(*this, list, tIdx), idx(tk));
    return asyncCopyRows(k, {batch, kvHead}, j0, tk, headDim, numKeys, qkBuf,
                         tid, threads, slt(tIdx, list.count));
  };
  // The first K tile's copy; later ones are issued inside the loop.
  copyK(idx(0));

  float inf = std::numeric_limits<float>::infinity();
  Value zeroAcc = constant(accType, 0);
  // iter_args: m[2], l[2] (l is this lane's partial sum), O fragments.
  SmallVector<Value> init = {f32(-inf), f32(-inf), f32(0), f32(0)};
  init.append(valueTiles8, zeroAcc);
  SmallVector<Value> state =
      forLoop(idx(0), list.count, init, [&](Value tIdx, ValueRange st) {
        Value j0 = mul(attention::tileIndex(*this, list, tIdx), idx(tk));
        Value vGroup = asyncCopyRows(v, {batch, kvHead}, j0, tk, valueDim,
                                     numKeys, vBuf, tid, threads);
        // Wait for all but the newest group: the K copy is done.
        nvgpu::DeviceAsyncWaitOp::create(b, vGroup, b.getI32IntegerAttr(1));
        barrier();
        if (rope) {
          // Key j0 + r turns by pos_j, while the V copy is in flight.
          rotateSharedRows(qkBuf, tk, tid, threads, ropeTable, [&](Value r) {
            return ropeKeyPosition(batch, add(j0, r));
          });
          barrier();
        }

        // S = scale · Q·Kᵀ, keyTiles8 C fragments of 16 rows × 8 keys.
        SmallVector<Value> s;
        // One ldmatrix.x4 gives the B fragments of two k-steps (lane reads
        // key n0 + lane%8, col k0 + (lane/8)·8: matrices = cols k0, k0+8,
        // k0+16, k0+24); an odd last k-step uses .x2 (cols k0, k0+8).
        Value keyLane = remU(lane, idx(8));
        Value keyCol4 = mul(divU(lane, idx(8)), idx(8));
        Value keyCol2 = mul(remU(divU(lane, idx(8)), idx(2)), idx(8));
        Value scaleVec = constant(accType, scale);
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
        Value boundary =
            attention::tileNeedsMask(*this, *this, bounds, numSinks, j0, tk);
        s = ifElse(
            boundary, SmallVector<Type>(keyTiles8, accType),
            [&] {
              SmallVector<Value> masked;
              for (int64_t nt = 0; nt < keyTiles8; ++nt) {
                SmallVector<Value> elems;
                for (int64_t h = 0; h < 2; ++h)
                  for (int64_t e = 0; e < 2; ++e) {
                    Value key = add(j0, add(idx(nt * 8 + e), mul(t, idx(2))));
                    Value rowPos = add(rowQuery[h], bounds.offset);
                    attention::KeyFacts facts = attention::keyFacts(
                        *this, *this, batch, key, bounds.lenVisible, numKeys,
                        b.getIndexType());
                    Value visible = attention::keyVisible(
                        *this, rowPos, facts, bounds.window, numSinks, causal);
                    elems.push_back(
                        select(visible, element(s[nt], h, e), f32(-inf)));
                  }
                masked.push_back(
                    vector::FromElementsOp::create(b, accType, elems));
              }
              return masked;
            },
            [&] { return s; });
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
          tileMax = butterfly(tileMax, {1, 2}, /*isMax=*/true);
          Value mNew = fmax(st[h], tileMax);
          Value base = attention::exponentBase(*this, mNew).second;
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
          next[2 + h] = mulAdd(alpha[h], st[2 + h], sum);
        }
        // P as A fragments in the input type, 16 keys each.
        SmallVector<Value> pFrag;
        for (int64_t kk = 0; kk < keySteps; ++kk) {
          Value a = constant(aType, 0);
          int64_t regs[4][2] = {
              {2 * kk, 0}, {2 * kk, 1}, {2 * kk + 1, 0}, {2 * kk + 1, 1}};
          for (int64_t r = 0; r < 4; ++r) {
            Value half = fromF32(p[regs[r][0]][regs[r][1]], elemType);
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
        Value valueCol4 = mul(divU(lane, idx(16)), idx(8));
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
    Value l = butterfly(state[2 + h], {1, 2}, /*isMax=*/false);
    Value factor = attention::finalFactor(*this, state[h], l, sinkLogit,
                                          [&](Value x) { return exp(x); });
    ifThen(slt(rowQuery[h], numQueries), [&] {
      for (int64_t nt = 0; nt < valueTiles8; ++nt) {
        Value row =
            vector::ExtractOp::create(b, state[4 + nt], ArrayRef<int64_t>{h});
        row = fmul(row, splat(factor, 2));
        Value col = add(idx(nt * 8), mul(t, idx(2)));
        // Columns 2t, 2t + 1 of a row of Dv (a multiple of 16) halves:
        // 4-byte aligned, one st.global.b32.
        alignedStore(fromF32(row, elemType), out,
                     {batch, head, rowQuery[h], col}, llvm::MaybeAlign(4));
      }
    });
  }
}

//===----------------------------------------------------------------------===//
// Invisible keys
//===----------------------------------------------------------------------===//

// Invisible keys on tensor cores (docs/gpu-attention.md). A boundary tile may
// hold V rows that a query row cannot see (p = 0) with NaN or Inf in them,
// and 0·NaN = NaN inside the mma cannot be selected away. On a boundary tile
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
  int64_t tk = plan.tensorCore.keyTile, keySteps = tk / 16,
          valueTiles8 = valueDim / 8;
  Type i32Type = b.getI32Type();
  auto f32Type = b.getF32Type();
  auto accType = VectorType::get({2, 2}, f32Type);
  auto chunkType = VectorType::get({kCopyElements}, elemType);
  auto chunkWords = VectorType::get({kCopyElements / 2}, i32Type);
  SmallVector<std::pair<Value, Value>> chunks =
      copyChunks(tk, valueDim, tid, threads);
  auto loadChunk = [&](Value r, Value c) -> Value {
    return alignedLoad(chunkType, vBuf, {r, c}, llvm::MaybeAlign(16));
  };

  // Is some V element of the tile NaN or ±Inf? Two halves per word: adding
  // one to an exponent field of all ones carries into its (cleared) sign
  // bit.
  Value flag =
      ifElse(
          boundary, TypeRange{b.getI1Type()},
          [&] {
            unsigned mantissa =
                cast<FloatType>(elemType).getFPMantissaWidth() - 1;
            uint32_t field = ((1u << (15 - mantissa)) - 1) << mantissa;
            auto words = [&](uint32_t v) { return constant(chunkWords, v); };
            Value fieldMask = words(field * 0x10001u);
            Value carry = words((1u << mantissa) * 0x10001u);
            Value seen = words(0);
            for (auto [r, c] : chunks) {
              Value chunk =
                  vector::BitCastOp::create(b, chunkWords, loadChunk(r, c));
              seen = orI(seen, add(andI(chunk, fieldMask), carry));
            }
            Value word =
                vector::ExtractOp::create(b, seen, ArrayRef<int64_t>{0});
            for (int64_t i = 1; i < kCopyElements / 2; ++i)
              word = orI(word, vector::ExtractOp::create(b, seen,
                                                         ArrayRef<int64_t>{i}));
            Value local =
                ne(andI(word, i32(static_cast<int32_t>(0x80008000u))), i32(0));
            Value any = NVVM::BarrierOp::create(
                            b, i32Type, /*barrierId=*/Value(),
                            /*numberOfThreads=*/Value(),
                            NVVM::BarrierReductionAttr::get(
                                b.getContext(), NVVM::BarrierReduction::OR),
                            arith::ExtUIOp::create(b, i32Type, local))
                            .getRes();
            return SmallVector<Value>{ne(any, i32(0))};
          },
          [&] { return SmallVector<Value>{boolean(false)}; })
          .front();

  return ifElse(
      flag, SmallVector<Type>(valueTiles8, accType),
      [&] {
        // Bit j of word j / 32 of rows[h]: p(row g + 8h, j) != 0, from the P
        // fragments (A reg r holds row g + 8(r % 2), keys 16kk + 8(r / 2) +
        // 2t, + 1), combined over the quad.
        int64_t numWords = llvm::divideCeil(tk, 32);
        Value t = remU(lane, idx(4));
        Value shift = indexCast(mul(t, idx(2)), i32Type);
        SmallVector<SmallVector<Value>> rows(
            2, SmallVector<Value>(numWords, i32(0)));
        for (int64_t kk = 0; kk < keySteps; ++kk)
          for (int64_t r = 0; r < 4; ++r)
            for (int64_t e = 0; e < 2; ++e) {
              int64_t key = 16 * kk + 8 * (r / 2) + e;
              Value p = toF32(vector::ExtractOp::create(
                  b, pFrag[kk], ArrayRef<int64_t>{r, e}));
              Value bit = arith::ExtUIOp::create(
                  b, i32Type, fcmp(arith::CmpFPredicate::UNE, p, f32(0)));
              Value &word = rows[r % 2][key / 32];
              word = orI(word, shl(bit, i32(key % 32)));
            }
        for (auto &words : rows)
          for (Value &word : words) {
            word = shl(word, shift);
            for (int32_t offset : {1, 2})
              word =
                  orI(word, gpu::ShuffleOp::create(b, word, offset, kWarpSize,
                                                   gpu::ShuffleMode::XOR)
                                .getShuffleResult());
          }

        // O(row, column) += V(j, column) where p(row, j) != 0 and V is not
        // finite; the lane's columns are 8nt + 2t, + 1.
        Value column = mul(t, idx(2));
        auto pairType = VectorType::get({2}, elemType);
        SmallVector<Value> fixed =
            forLoop(idx(0), idx(tk), o, [&](Value j, ValueRange acc) {
              Value j32 = indexCast(j, i32Type);
              Value wordIndex = shrU(j32, i32(5));
              Value bitIndex = andI(j32, i32(31));
              Value rowSees[2];
              for (int64_t h = 0; h < 2; ++h) {
                Value word = rows[h][0];
                for (int64_t w = 1; w < numWords; ++w)
                  word = select(eq(wordIndex, i32(w)), rows[h][w], word);
                Value bit = andI(shrU(word, bitIndex), i32(1));
                rowSees[h] = ne(bit, i32(0));
              }
              SmallVector<Value> next;
              for (int64_t nt = 0; nt < valueTiles8; ++nt) {
                Value pair =
                    alignedLoad(pairType, vBuf, {j, add(idx(nt * 8), column)},
                                llvm::MaybeAlign(4));
                Value bad = attention::isNonFinite(*this, pair);
                Value values = toF32(pair);
                SmallVector<Value> elems;
                for (int64_t h = 0; h < 2; ++h)
                  for (int64_t e = 0; e < 2; ++e) {
                    Value x = vector::ExtractOp::create(b, values,
                                                        ArrayRef<int64_t>{e});
                    Value take =
                        andI(rowSees[h], vector::ExtractOp::create(
                                             b, bad, ArrayRef<int64_t>{e}));
                    Value cur = vector::ExtractOp::create(
                        b, acc[nt], ArrayRef<int64_t>{h, e});
                    elems.push_back(fadd(cur, select(take, x, f32(0))));
                  }
                next.push_back(
                    vector::FromElementsOp::create(b, accType, elems));
              }
              return next;
            });
        // Every warp has read the original V: zero its non-finite elements.
        barrier();
        Value zeros = constant(chunkType, 0);
        for (auto [r, c] : chunks) {
          Value x = loadChunk(r, c);
          alignedStore(select(attention::isNonFinite(*this, x), zeros, x), vBuf,
                       {r, c}, llvm::MaybeAlign(16));
        }
        barrier();
        return fixed;
      },
      [&] { return SmallVector<Value>(o); });
}
