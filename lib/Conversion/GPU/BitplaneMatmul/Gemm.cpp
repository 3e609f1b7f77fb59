//===- Gemm.cpp - bitplane_matmul GEMM kernels on GPUs ----------*- C++ -*-===//
//
// The GEMM for any M (docs/gpu-bitplane.md, "GEMM"): per CTA tile of
// tile-m × tile-n, each tile-k step stages x and dequantizes Ŵ from the
// planes into one shared buffer, then multiplies them with tensor cores
// (ldmatrix + mma.sync m16n8k16 on f16, or m16n8k8 TF32 for bf16 x) or,
// with tensor-cores=false, with f32 CUDA-core FMAs.
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitterGPU.h"

#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"

using namespace mlir;
using namespace bitsink;

void BitplaneEmitterGPU::stageInputTile(const Tile &tile, Value tid,
                                        int64_t threads, Value m0, Value k0) {
  int64_t tileK = options.tileK;
  Type type = elementType(tile.buffer);
  ctaStrided(tid, idx(options.tileM * tileK), threads, [&](Value e) {
    Value i = divU(e, idx(tileK)), j = remU(e, idx(tileK));
    Value row = add(m0, i), col = add(k0, j);
    Value value = ifElse(
        andI(slt(row, m), slt(col, k)), TypeRange{type},
        [&] {
          Value v = load(x, {row, col});
          if (v.getType() != type)
            v = fromF32(toF32(v), type);
          return SmallVector<Value>{v};
        },
        [&] { return SmallVector<Value>{constant(type, 0)}; })[0];
    store(value, tile.buffer, {tileIndex(tile, i, j)});
  });
}

void BitplaneEmitterGPU::dequantizeWeightTile(const Tile &tile, Value tid,
                                              int64_t threads, Value k0,
                                              Value n0) {
  int64_t tileN = options.tileN;
  Type type = elementType(tile.buffer);
  // Work item e: column e % BN (consecutive threads, consecutive columns:
  // coalesced plane and coefficient loads), 8-row quarter q of word wl.
  int64_t items = options.tileK / 32 * 4 * tileN;
  ctaStrided(tid, idx(items), threads, [&](Value e) {
    Value colLocal = remU(e, idx(tileN));
    Value rest = divU(e, idx(tileN));
    Value quarter = remU(rest, idx(4)), wordLocal = divU(rest, idx(4));
    Value col = add(n0, colLocal);
    Value inColumns = slt(col, n);
    Value safeCol = minS(col, sub(n, idx(1)));
    Value word = add(divU(k0, idx(32)), wordLocal);
    Value safeWord = minS(word, sub(numWords, idx(1)));
    Value row0 = add(mul(word, idx(32)), mul(quarter, idx(8)));
    Value g = groupOf(row0);
    SmallVector<Value> c;
    for (int64_t l = 0; l <= numTerms; ++l)
      c.push_back(toF32(load(coeffs, {g, idx(l), safeCol})));
    if (scales) {
      // The quarter's 8 rows lie in one sub-block (S >= 8): its multiplier
      // scales every coefficient, so Ŵ = m·(c0 + Σ c_l·t_l).
      Value m = multiplierOf(loadCodeWord(safeWord, safeCol),
                             add(mul(safeWord, idx(32)), mul(quarter, idx(8))));
      for (Value &v : c)
        v = fmul(v, m);
    }
    GroupCoefficients cs = negate(std::move(c));
    SmallVector<Value> words;
    for (int64_t p = 0; p < numPlanes; ++p)
      words.push_back(load(planes, {idx(p), safeWord, safeCol}));
    // The quarter's bits moved down to bits 0..7.
    Value shift = indexCast(mul(quarter, idx(8)), i32Type);
    for (Value &w : words)
      w = shrU(w, shift);
    Value zero = f32(0);
    Value tileRow0 = add(mul(wordLocal, idx(32)), mul(quarter, idx(8)));
    auto runType = VectorType::get({8}, type);
    Value run = constant(runType, 0);
    for (int64_t i = 0; i < 8; ++i) {
      Value row = add(row0, idx(i));
      Value w = weightFromBits(words, bitMask(i), cs);
      // Rows >= K and columns >= N do not exist: zero weights.
      w = fromF32(select(andI(slt(row, k), inColumns), w, zero), type);
      if (tile.columnMajor)
        run = vector::InsertOp::create(b, w, run, i);
      else
        store(w, tile.buffer,
              {tileIndex(tile, add(tileRow0, idx(i)), colLocal)});
    }
    if (tile.columnMajor)
      alignedStore(run, tile.buffer, {tileIndex(tile, colLocal, tileRow0)},
                   runAlign(type, 8));
  });
}

void BitplaneEmitterGPU::emitWarpTiledMmaGemm(
    const MmaTiles &tiles, function_ref<void(const WarpTiling &)> prologue,
    function_ref<MmaFragments(const WarpTiling &, int64_t)> loadFragments) {
  int64_t tileM = options.tileM, tileN = options.tileN, tileK = options.tileK;
  int64_t warpsN = tileN / 32;
  int64_t threads = kWarpSize * (tileM / 32) * warpsN;
  // As then Bs in one buffer.
  int64_t bRows = tiles.bColumnMajor ? tileN : tileK;
  auto sharedType = workgroupBuffer(
      {tileM * tiles.aStride + bRows * tiles.bStride}, tiles.elementType);
  auto fragC = VectorType::get({2, 2}, f32Type);
  launch({ceilDivU(n, idx(tileN)), ceilDivU(m, idx(tileM)), idx(1)}, threads, 1,
         {sharedType}, [&](gpu::LaunchOp launchOp) {
           WarpTiling t;
           t.shared = launchOp.getWorkgroupAttributions()[0];
           t.aTile = Tile{t.shared, 0, tiles.aStride};
           t.bTile = Tile{t.shared, tileM * tiles.aStride, tiles.bStride,
                          tiles.bColumnMajor};
           t.tid = launchOp.getThreadIds().x;
           t.lane = remU(t.tid, idx(kWarpSize));
           Value warp = divU(t.tid, idx(kWarpSize));
           t.warpRow = mul(divU(warp, idx(warpsN)), idx(32));
           t.warpCol = mul(remU(warp, idx(warpsN)), idx(32));
           t.n0 = mul(launchOp.getBlockIds().x, idx(tileN));
           t.m0 = mul(launchOp.getBlockIds().y, idx(tileM));
           prologue(t);
           Value zeroC = constant(fragC, 0);
           // Accumulators [mi][ni], mi < 2 (m16), ni < 4 (n8).
           SmallVector<Value> inits(8, zeroC);
           SmallVector<Value> accs = forLoop(
               idx(0), k, idx(tileK), inits, [&](Value k0, ValueRange it) {
                 SmallVector<Value> c(it);
                 stageInputTile(t.aTile, t.tid, threads, t.m0, k0);
                 dequantizeWeightTile(t.bTile, t.tid, threads, k0, t.n0);
                 barrier();
                 for (int64_t kk = 0; kk < tileK; kk += tiles.kStep) {
                   MmaFragments f = loadFragments(t, kk);
                   for (int64_t mi = 0; mi < 2; ++mi)
                     for (int64_t ni = 0; ni < 4; ++ni) {
                       Value &cv = c[mi * 4 + ni];
                       cv = nvgpu::MmaSyncOp::create(
                           b, f.a[mi], f.b[ni], cv,
                           ArrayRef<int64_t>{16, 8, tiles.kStep}, tiles.tf32);
                     }
                 }
                 barrier();
                 return c;
               });
           storeWarpAccumulators(accs, add(t.m0, t.warpRow),
                                 add(t.n0, t.warpCol), t.lane);
         });
}

// Tensor-core GEMM on f16: m16n8k16 tiles of emitWarpTiledMmaGemm. Per BK
// step x (f16) is staged into As[BM][BK+8] and Ŵ (f16, transposed) into
// Bs[BN][BK+8], then per 16-deep slice:
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
void BitplaneEmitterGPU::emitTensorCoreGemm() {
  Type f16 = b.getF16Type();
  // As[BM][BK+8] then Bs[BN][BK+8]: every ldmatrix row address and every
  // 8-element store is a multiple of 16 bytes from the buffer's start (see
  // docs/gpu-bitplane.md on its alignment).
  int64_t stride = options.tileK + kHalfTilePad;
  auto fragA = VectorType::get({4, 2}, f16);
  auto fragB4 = VectorType::get({4, 2}, f16);
  auto fragB = VectorType::get({2, 2}, f16);
  Value laneRow, laneHalf, laneRowB, laneColB, zeroB;
  emitWarpTiledMmaGemm(
      {f16, stride, stride, /*bColumnMajor=*/true, /*kStep=*/16,
       /*tf32=*/false},
      [&](const WarpTiling &t) {
        laneRow = remU(t.lane, idx(16));
        laneHalf = mul(divU(t.lane, idx(16)), idx(8));
        laneRowB = add(laneHalf, remU(t.lane, idx(8)));
        laneColB = mul(remU(divU(t.lane, idx(8)), idx(2)), idx(8));
        zeroB = constant(fragB, 0);
      },
      [&](const WarpTiling &t, int64_t kk) {
        MmaFragments f;
        for (int64_t mi = 0; mi < 2; ++mi)
          f.a[mi] = nvgpu::LdMatrixOp::create(
              b, fragA, t.shared,
              ValueRange{tileIndex(t.aTile,
                                   add(t.warpRow, add(idx(16 * mi), laneRow)),
                                   add(idx(kk), laneHalf))},
              /*transpose=*/false, /*numTiles=*/4);
        for (int64_t nj = 0; nj < 2; ++nj) {
          Value pair = nvgpu::LdMatrixOp::create(
              b, fragB4, t.shared,
              ValueRange{tileIndex(t.bTile,
                                   add(t.warpCol, add(idx(16 * nj), laneRowB)),
                                   add(idx(kk), laneColB))},
              /*transpose=*/false, /*numTiles=*/4);
          // Rows (b0, b1) of n-tile 2nj + h, moved row by row (the NVVM
          // pipeline lowers n-D extract/insert of rows, not strided
          // slices).
          for (int64_t h = 0; h < 2; ++h) {
            Value frag = zeroB;
            for (int64_t r = 0; r < 2; ++r)
              frag = vector::InsertOp::create(
                  b,
                  vector::ExtractOp::create(b, pair,
                                            ArrayRef<int64_t>{2 * h + r}),
                  frag, ArrayRef<int64_t>{r});
            f.b[2 * nj + h] = frag;
          }
        }
        return f;
      });
}

void BitplaneEmitterGPU::storeWarpAccumulators(ArrayRef<Value> accs, Value row0,
                                               Value col0, Value lane) {
  // Element [h][j] of tile (mi, ni) is row 16mi + gid + 8h, column
  // 8ni + 2tig + j of the warp's block.
  Value gid = divU(lane, idx(4));
  Value tig2 = mul(remU(lane, idx(4)), idx(2));
  for (int64_t mi = 0; mi < 2; ++mi)
    for (int64_t ni = 0; ni < 4; ++ni)
      for (int64_t h = 0; h < 2; ++h)
        for (int64_t j = 0; j < 2; ++j) {
          Value row = add(row0, add(idx(16 * mi + 8 * h), gid));
          Value col = add(col0, add(idx(8 * ni + j), tig2));
          ifThen(andI(slt(row, m), slt(col, n)), [&] {
            Value part = vector::ExtractOp::create(b, accs[mi * 4 + ni],
                                                   ArrayRef<int64_t>{h, j});
            Value old = toF32(load(acc, {row, col}));
            store(fromF32(fadd(old, part), elementType(acc)), acc, {row, col});
          });
        }
}

// TF32 tensor-core GEMM for bf16 x (nvgpu.mma.sync has no bf16 lowering in
// MLIR 22): bf16 widens to tf32 exactly and shares its exponent range, Ŵ is
// rounded to tf32 (10 mantissa bits) by the MMA. The warp tiling of
// emitWarpTiledMmaGemm with f32 tiles As[BM][BK+4] and Bs[BK][BN+8]
// (k-major, as the CUDA-core kernel stages them), 8-deep slices of m16n8k8:
//
//   PTX ISA, mma.m16n8k8 .tf32 (gid = lane/4, tig = lane%4):
//     A (16×8, row): a0 = A[gid][tig]   a1 = A[gid+8][tig]
//                    a2 = A[gid][tig+4] a3 = A[gid+8][tig+4]
//     B (8×8, col):  b0 = B[tig][gid]   b1 = B[tig+4][gid]
//     C/D: as for m16n8k16.
//   No ldmatrix (it moves 16-bit elements): scalar shared loads. With row
//   strides of 36 and 72 floats, the 32 lanes of a load hit 32 distinct
//   banks (A: 4·gid + tig, B: 8·tig + gid, mod 32).
void BitplaneEmitterGPU::emitTf32TensorCoreGemm() {
  auto fragA = VectorType::get({4, 1}, f32Type);
  auto fragB = VectorType::get({2, 1}, f32Type);
  Value gid, tig, zeroA, zeroB;
  emitWarpTiledMmaGemm(
      {f32Type, options.tileK + 4, options.tileN + 8,
       /*bColumnMajor=*/false, /*kStep=*/8, /*tf32=*/true},
      [&](const WarpTiling &t) {
        gid = divU(t.lane, idx(4));
        tig = remU(t.lane, idx(4));
        zeroA = constant(fragA, 0);
        zeroB = constant(fragB, 0);
      },
      [&](const WarpTiling &t, int64_t kk) {
        auto loadShared = [&](const Tile &tile, Value row, Value col) {
          return load(t.shared, {tileIndex(tile, row, col)});
        };
        MmaFragments f;
        for (int64_t mi = 0; mi < 2; ++mi) {
          f.a[mi] = zeroA;
          for (int64_t reg = 0; reg < 4; ++reg) {
            Value row = add(t.warpRow, add(idx(16 * mi + 8 * (reg % 2)), gid));
            Value col = add(idx(kk + 4 * (reg / 2)), tig);
            f.a[mi] =
                vector::InsertOp::create(b, loadShared(t.aTile, row, col),
                                         f.a[mi], ArrayRef<int64_t>{reg, 0});
          }
        }
        for (int64_t ni = 0; ni < 4; ++ni) {
          f.b[ni] = zeroB;
          for (int64_t reg = 0; reg < 2; ++reg)
            f.b[ni] = vector::InsertOp::create(
                b,
                loadShared(t.bTile, add(idx(kk + 4 * reg), tig),
                           add(t.warpCol, add(idx(8 * ni), gid))),
                f.b[ni], ArrayRef<int64_t>{reg, 0});
        }
        return f;
      });
}

// CUDA-core GEMM (tensor-cores=false), exact f32 operands.
// CTA tile BM × BN over 256 threads (16 × 16); thread (tx, ty) owns rows
// ty + 16i and columns tx + 16j, so a warp's Bs reads are consecutive and
// its As reads are two broadcasts.
void BitplaneEmitterGPU::emitSimtGemm() {
  int64_t tileM = options.tileM, tileN = options.tileN, tileK = options.tileK;
  constexpr int64_t side = 16, threads = side * side;
  int64_t rowsPerThread = tileM / side, colsPerThread = tileN / side;
  // One padding column: the 16 rows a warp reads sit in distinct banks.
  auto sharedType =
      workgroupBuffer({tileM * (tileK + 1) + tileK * tileN}, f32Type);
  launch(
      {ceilDivU(n, idx(tileN)), ceilDivU(m, idx(tileM)), idx(1)}, threads, 1,
      {sharedType}, [&](gpu::LaunchOp launchOp) {
        Value shared = launchOp.getWorkgroupAttributions()[0];
        Tile aTile{shared, 0, tileK + 1};
        Tile bTile{shared, tileM * (tileK + 1), tileN};
        Value tid = launchOp.getThreadIds().x;
        Value tx = remU(tid, idx(side)), ty = divU(tid, idx(side));
        Value n0 = mul(launchOp.getBlockIds().x, idx(tileN));
        Value m0 = mul(launchOp.getBlockIds().y, idx(tileM));
        SmallVector<Value> inits(rowsPerThread * colsPerThread, f32(0));
        SmallVector<Value> sums =
            forLoop(idx(0), k, idx(tileK), inits, [&](Value k0, ValueRange it) {
              SmallVector<Value> c(it);
              stageInputTile(aTile, tid, threads, m0, k0);
              dequantizeWeightTile(bTile, tid, threads, k0, n0);
              barrier();
              SmallVector<Value> next = forLoop(
                  idx(0), idx(tileK), idx(1), c, [&](Value kk, ValueRange cur) {
                    SmallVector<Value> out(cur), a, w;
                    for (int64_t i = 0; i < rowsPerThread; ++i)
                      a.push_back(
                          load(shared,
                               {tileIndex(aTile, add(ty, idx(side * i)), kk)}));
                    for (int64_t j = 0; j < colsPerThread; ++j)
                      w.push_back(
                          load(shared,
                               {tileIndex(bTile, kk, add(tx, idx(side * j)))}));
                    for (int64_t i = 0; i < rowsPerThread; ++i)
                      for (int64_t j = 0; j < colsPerThread; ++j) {
                        Value &s = out[i * colsPerThread + j];
                        s = mulAdd(a[i], w[j], s);
                      }
                    return out;
                  });
              barrier();
              return next;
            });
        for (int64_t i = 0; i < rowsPerThread; ++i)
          for (int64_t j = 0; j < colsPerThread; ++j) {
            Value row = add(m0, add(ty, idx(side * i)));
            Value col = add(n0, add(tx, idx(side * j)));
            ifThen(andI(slt(row, m), slt(col, n)), [&] {
              Value old = toF32(load(acc, {row, col}));
              Value sum = fadd(old, sums[i * colsPerThread + j]);
              store(fromF32(sum, elementType(acc)), acc, {row, col});
            });
          }
      });
}

void BitplaneEmitterGPU::emitGemm() {
  if (!options.tensorCores)
    emitSimtGemm();
  else if (elementType(x).isBF16())
    emitTf32TensorCoreGemm();
  else
    emitTensorCoreGemm();
}
