//===- Gemv.cpp - bitplane_matmul GEMV kernel on GPUs -----------*- C++ -*-===//
//
// The split-K GEMV for small static M (docs/gpu-bitplane.md, "GEMV"):
// grid (ceil(N / (32·width)), splitK), block (32, warpsK). Thread (tx, ty)
// of CTA (bx, bz) owns the `width` adjacent columns col0 = (32·bx + tx)·width,
// so a warp reads 32·width consecutive words of a plane row: one 128-byte
// line per plane row for width 1, four for width 4 (16-byte vector loads).
// K is cut into chunks of `chunkWords` words that never straddle a group;
// CTA bz owns a contiguous range of chunks and walks it in steps of warpsK
// chunks: the CTA stages x[:, step rows] in shared memory (as partial-sum
// tables, GemvLut.cpp, or as f32; zeros past K), then warp ty adds x·Ŵ of
// chunk `step + ty` to its rows × width f32 sums. Every plane word and every
// coefficient is read by exactly one thread, once. At the end the warps of
// a CTA add their sums through shared memory in ty order, and the CTA adds
// acc (splitK = 1) or writes its partial to a workspace that a second
// kernel reduces in z order: results do not depend on scheduling.
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitterGPU.h"

using namespace mlir;
using namespace bitsink;

BitplaneEmitterGPU::GemvShape
BitplaneEmitterGPU::chooseGemvShape(int64_t rows) {
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

BitplaneEmitterGPU::ChunkCoefficients
BitplaneEmitterGPU::loadChunkCoefficients(const GemvShape &s, Value chunk,
                                          Value col0) {
  ChunkCoefficients result;
  result.firstWord = mul(chunk, idx(s.chunkWords));
  Value g = groupOf(mul(result.firstWord, idx(32)));
  // Read once per chunk: one run of `s.width` columns per coefficient.
  result.columns.resize(s.width);
  for (int64_t l = 0; l <= numTerms; ++l) {
    SmallVector<Value> run = loadRun(coeffs, {g, idx(l)}, col0, s.width);
    for (int64_t v = 0; v < s.width; ++v)
      result.columns[v].push_back(run[v]);
  }
  return result;
}

SmallVector<SmallVector<Value>>
BitplaneEmitterGPU::loadPlaneWords(const GemvShape &s, Value word, Value col0) {
  SmallVector<SmallVector<Value>> result(s.width);
  for (int64_t p = 0; p < numPlanes; ++p) {
    SmallVector<Value> run = loadWordRun(planes, {idx(p), word}, col0, s.width);
    for (int64_t v = 0; v < s.width; ++v)
      result[v].push_back(run[v]);
  }
  return result;
}

SmallVector<Value> BitplaneEmitterGPU::emitGemvChunk(const GemvShape &s,
                                                     Value smem, Value chunk,
                                                     Value localRow, Value col0,
                                                     SmallVector<Value> y) {
  ChunkCoefficients chunkCoeffs = loadChunkCoefficients(s, chunk, col0);
  Value firstWord = chunkCoeffs.firstWord;
  SmallVector<GroupCoefficients> cs;
  for (int64_t v = 0; v < s.width; ++v)
    cs.push_back(negate(chunkCoeffs.columns[v]));
  // All plane words of the chunk first (chunkWords·P loads in flight per
  // thread); a word past the planes is clamped and its rows skipped.
  Value lastWord = sub(numWords, idx(1));
  SmallVector<SmallVector<SmallVector<Value>>> words(s.chunkWords);
  // With scale codes, each word's code word per column (codes[j][v]).
  SmallVector<SmallVector<Value>> codes(s.chunkWords);
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    Value word = minS(add(firstWord, idx(j)), lastWord);
    words[j] = loadPlaneWords(s, word, col0);
    if (scales)
      codes[j] = loadCodeRun(word, col0, s.width);
  }
  SmallVector<Type> yTypes(y.size(), f32Type);
  // The quad of shared memory holding x[r, step row `row`].
  auto quadOf = [&](int64_t r, Value row) {
    return add(idx(r * s.stepRows / 4), divU(row, idx(4)));
  };
  // y[r][v] += x[r, row]·Ŵ[row, col0 + v] for one row; `xs[r]` = x[r, row].
  // `multipliers[v]`: with scale codes, the row's sub-block multiplier.
  auto accumulateRow = [&](ArrayRef<SmallVector<Value>> wordsJ, Value mask,
                           ArrayRef<Value> multipliers, ArrayRef<Value> xs,
                           SmallVector<Value> &sums) {
    for (int64_t v = 0; v < s.width; ++v) {
      Value w = weightFromBits(wordsJ[v], mask, cs[v]);
      if (scales)
        w = fmul(w, multipliers[v]);
      for (int64_t r = 0; r < s.rows; ++r) {
        Value &sum = sums[r * s.width + v];
        sum = mulAdd(xs[r], w, sum);
      }
    }
  };
  for (int64_t j = 0; j < s.chunkWords; ++j) {
    Value word = add(firstWord, idx(j));
    // Rows of this word below K: 32, fewer for the last word, <= 0 past it.
    Value rowsInWord = sub(k, mul(word, idx(32)));
    Value wordBase = add(localRow, idx(32 * j));
    Value wordRow = mul(word, idx(32));
    // The multipliers of row `i` of the word (one per column; none without
    // codes).
    auto multipliersAt = [&](Value i) {
      SmallVector<Value> result;
      if (scales)
        for (int64_t v = 0; v < s.width; ++v)
          result.push_back(multiplierOf(codes[j][v], add(wordRow, i)));
      return result;
    };
    y = ifElse(
        sge(rowsInWord, idx(32)), yTypes,
        [&] {
          // A whole word: 32 rows unrolled, x read four rows at a time
          // (one 16-byte shared load per input row).
          SmallVector<Value> sums(y);
          // One set of multipliers per sub-block of S rows.
          SmallVector<SmallVector<Value>> subBlockMultipliers;
          if (scales)
            for (int64_t i = 0; i < 32; i += subBlock)
              subBlockMultipliers.push_back(multipliersAt(idx(i)));
          for (int64_t i0 = 0; i0 < 32; i0 += 4) {
            SmallVector<Value> x4;
            for (int64_t r = 0; r < s.rows; ++r)
              x4.push_back(load(smem, {quadOf(r, add(wordBase, idx(i0)))}));
            for (int64_t i = i0; i < i0 + 4; ++i) {
              SmallVector<Value> xs;
              for (int64_t r = 0; r < s.rows; ++r)
                xs.push_back(vector::ExtractOp::create(b, x4[r], i - i0));
              accumulateRow(words[j], bitMask(i),
                            scales ? ArrayRef(subBlockMultipliers[i / subBlock])
                                   : ArrayRef<Value>(),
                            xs, sums);
            }
          }
          return sums;
        },
        [&] {
          // The partial last word of K (or nothing): its rows one by one.
          return forLoop(idx(0), maxS(rowsInWord, idx(0)), idx(1), y,
                         [&](Value i, ValueRange it) {
                           SmallVector<Value> sums(it), xs;
                           Value row = add(wordBase, i);
                           OpFoldResult lane = remU(i, idx(4));
                           for (int64_t r = 0; r < s.rows; ++r)
                             xs.push_back(vector::ExtractOp::create(
                                 b, load(smem, {quadOf(r, row)}),
                                 ArrayRef<OpFoldResult>{lane}));
                           accumulateRow(words[j], bitMask(i), multipliersAt(i),
                                         xs, sums);
                           return sums;
                         });
        });
  }
  return y;
}

Value BitplaneEmitterGPU::loadInputQuad(Value r, Value row, llvm::Align align) {
  auto quad = VectorType::get({4}, f32Type);
  auto type = VectorType::get({4}, elementType(x));
  return ifElse(
      sle(add(row, idx(4)), k), TypeRange{quad},
      [&] {
        return SmallVector<Value>{toF32(alignedLoad(type, x, {r, row}, align))};
      },
      [&] {
        // The rows around K one by one.
        Value v = constant(quad, 0);
        for (int64_t j = 0; j < 4; ++j) {
          Value rowJ = add(row, idx(j));
          Value xj = ifElse(
              slt(rowJ, k), TypeRange{f32Type},
              [&] {
                return SmallVector<Value>{toF32(load(x, {r, rowJ}))};
              },
              [&] { return SmallVector<Value>{f32(0)}; })[0];
          v = vector::InsertOp::create(b, xj, v, j);
        }
        return SmallVector<Value>{v};
      })[0];
}

// x[:, rows of chunks step .. step + warpsK) as f32, four consecutive rows
// of K per thread and quad (zeros past K).
void BitplaneEmitterGPU::stageInputQuads(const GemvShape &s, Value smem,
                                         Value tid, Value rowBase,
                                         Value stepQuads,
                                         llvm::Align xQuadAlign) {
  ctaStrided(tid, idx(s.rows * s.stepRows / 4), kWarpSize * s.warpsK,
             [&](Value e) {
               Value r = divU(e, stepQuads);
               Value row = add(rowBase, mul(remU(e, stepQuads), idx(4)));
               store(loadInputQuad(r, row, xQuadAlign), smem, {e});
             });
}

void BitplaneEmitterGPU::emitGemvKernel(const GemvShape &s, Value splitK,
                                        Value numChunks, Value workspace) {
  Value colsPerCta = idx(kWarpSize * s.width);
  Value chunksPerCta = ceilDivU(numChunks, splitK);
  auto quad = VectorType::get({4}, f32Type);
  // Four rows of x are one aligned vector when a static K keeps x's rows
  // 4-element aligned; otherwise the load may be split.
  int64_t xBytes = elementType(x).getIntOrFloatBitWidth() / 8;
  int64_t kStatic = cast<MemRefType>(x.getType()).getDimSize(1);
  llvm::Align xQuadAlign(!ShapedType::isDynamic(kStatic) && kStatic % 4 == 0
                             ? 4 * xBytes
                             : xBytes);
  SmallVector<Type> buffers{workgroupBuffer({s.sharedQuads}, quad)};
  if (s.lut)
    buffers.push_back(workgroupBuffer({s.tableFloats}, f32Type));
  launch(
      {ceilDivU(n, colsPerCta), splitK, idx(1)}, kWarpSize, s.warpsK, buffers,
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
        Value ownsColumns = slt(col0, n);
        Value firstChunk = mul(bz, chunksPerCta);
        Value endChunk = minS(add(firstChunk, chunksPerCta), numChunks);
        Value zeroQuad = constant(quad, 0);
        SmallVector<Value> zeros(s.rows * s.width, f32(0));
        SmallVector<Type> yTypes(zeros.size(), f32Type);
        SmallVector<Value> y = forLoop(
            firstChunk, endChunk, idx(s.warpsK), zeros,
            [&](Value step, ValueRange it) {
              Value rowBase = mul(step, idx(s.chunkWords * 32));
              Value stepQuads = idx(s.stepRows / 4);
              if (s.lut)
                stageLutTables(s, tables, tid, rowBase, stepQuads, xQuadAlign);
              else
                stageInputQuads(s, smem, tid, rowBase, stepQuads, xQuadAlign);
              barrier();
              Value chunk = add(step, ty);
              SmallVector<Value> sums = ifElse(
                  andI(slt(chunk, endChunk), ownsColumns), yTypes,
                  [&] {
                    Value localRow = mul(ty, idx(s.chunkWords * 32));
                    if (s.lut)
                      return emitGemvChunkLut(s, tables, chunk, localRow, col0,
                                              SmallVector<Value>(it));
                    return emitGemvChunk(s, smem, chunk, localRow, col0,
                                         SmallVector<Value>(it));
                  },
                  [&] { return SmallVector<Value>(it); });
              barrier();
              return sums;
            });
        // Warps 1.. hand their sums to warp 0 through shared memory,
        // one quad (the thread's `width` sums, zero-padded) per warp − 1,
        // row and lane.
        auto slot = [&](Value warp, int64_t r) {
          return add(mul(add(mul(warp, idx(s.rows)), idx(r)), idx(kWarpSize)),
                     tx);
        };
        ifThen(ne(ty, idx(0)), [&] {
          for (int64_t r = 0; r < s.rows; ++r) {
            Value sums = zeroQuad;
            for (int64_t v = 0; v < s.width; ++v)
              sums = vector::InsertOp::create(b, y[r * s.width + v], sums, v);
            store(sums, smem, {slot(sub(ty, idx(1)), r)});
          }
        });
        barrier();
        ifThen(andI(eq(ty, idx(0)), ownsColumns), [&] {
          for (int64_t w = 1; w < s.warpsK; ++w)
            for (int64_t r = 0; r < s.rows; ++r) {
              Value part = load(smem, {slot(idx(w - 1), r)});
              for (int64_t v = 0; v < s.width; ++v)
                y[r * s.width + v] = fadd(
                    y[r * s.width + v], vector::ExtractOp::create(b, part, v));
            }
          for (int64_t r = 0; r < s.rows; ++r) {
            SmallVector<Value> out(ArrayRef(y).slice(r * s.width, s.width));
            if (workspace) {
              storeRun(out, workspace, {bz, idx(r)}, col0);
              continue;
            }
            SmallVector<Value> old = loadRun(acc, {idx(r)}, col0, s.width);
            for (int64_t v = 0; v < s.width; ++v)
              out[v] = fadd(old[v], out[v]);
            storeRun(out, acc, {idx(r)}, col0);
          }
        });
      });
}

void BitplaneEmitterGPU::emitSplitKReduction(Value workspace, Value splitK,
                                             int64_t rows) {
  constexpr int64_t threads = 256;
  Value total = mul(idx(rows), n);
  launch({ceilDivU(total, idx(threads)), idx(1), idx(1)}, threads, 1, {},
         [&](gpu::LaunchOp launchOp) {
           Value e = add(mul(launchOp.getBlockIds().x, idx(threads)),
                         launchOp.getThreadIds().x);
           ifThen(slt(e, total), [&] {
             Value r = divU(e, n), col = remU(e, n);
             Value sum =
                 forLoop(idx(0), splitK, idx(1), {toF32(load(acc, {r, col}))},
                         [&](Value z, ValueRange it) {
                           Value part = load(workspace, {z, r, col});
                           return SmallVector<Value>{fadd(it[0], part)};
                         })[0];
             store(fromF32(sum, elementType(acc)), acc, {r, col});
           });
         });
}

void BitplaneEmitterGPU::emitGemv(int64_t rows) {
  std::optional<int64_t> staticN = getConstantIntValue(n);
  if (rows == 0 || (staticN && *staticN == 0))
    return; // y = acc.
  GemvShape s = chooseGemvShape(rows);
  Value numChunks = ceilDivU(numWords, idx(s.chunkWords));
  // Split K over CTAs when the column CTAs alone leave SMs idle (decode with
  // N of a few thousand): aim for gemv-ctas-per-sm CTAs per SM, at least
  // warpsK chunks per CTA.
  Value splitK;
  if (options.splitK > 0) {
    splitK = idx(options.splitK);
  } else {
    Value columnCtas = ceilDivU(n, idx(kWarpSize * s.width));
    Value wanted = ceilDivU(idx(options.smCount * options.gemvCtasPerSm),
                            maxS(columnCtas, idx(1)));
    Value most = maxS(ceilDivU(numChunks, idx(s.warpsK)), idx(1));
    splitK = minS(maxS(wanted, idx(1)), most);
  }
  auto withWorkspace = [&] {
    auto type = MemRefType::get(
        {ShapedType::kDynamic, rows, ShapedType::kDynamic}, f32Type);
    Value workspace = deviceAlloc(type, {splitK, n});
    emitGemvKernel(s, splitK, numChunks, workspace);
    emitSplitKReduction(workspace, splitK, rows);
    deviceDealloc(workspace);
  };
  std::optional<int64_t> staticSplit = getConstantIntValue(splitK);
  if (staticSplit && *staticSplit == 1) {
    emitGemvKernel(s, splitK, numChunks, nullptr);
  } else if (staticSplit) {
    withWorkspace();
  } else {
    // N = 0 takes the direct path too: no zero-byte workspace.
    Value direct = orI(eq(splitK, idx(1)), eq(n, idx(0)));
    ifThenElse(
        direct, [&] { emitGemvKernel(s, splitK, numChunks, nullptr); },
        withWorkspace);
  }
}
