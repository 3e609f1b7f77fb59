//===- Gemv.cpp - bitplane_matmul GEMV kernel (small M) ---------*- C++ -*-===//
//
// GEMV (small M): Ŵ is never built.
//
// Per group g, row r and bit stream j it sums the input over the rows whose
// bit is clear, Z[r][j] = Σ_{k∈g, bit_j(k)=0} x[r,k], with one bit test and
// one masked add per 16 weights and stream. (Summing over clear bits keeps
// the select in the form LLVM matches to a merge-masked vaddps after
// InstCombine has canonicalised `!= 0` tests to `== 0`.) With
// S = Σ_{k∈g} x[r,k] the sum over set bits is S − Z, so per group
//   binary:  y += c0·S + Σ_l c_{l+1}·(S − Z_l)
//   signed:  y += c0·S + Σ_l c_{l+1}·(S − 2·Z_l)            (t = 2b − 1)
//   ternary: y += c0·S + Σ_l c_{l+1}·(S − 2·Z_{m&s} + Z_m)  (t = m·(2s − 1))
//
// Each task owns a strip of `gemvColumnTile` columns and walks it word row
// by word row, so that it reads the planes in runs of 4·strip contiguous
// bytes (DRAM pages and hardware prefetchers want long runs; a narrow strip
// touches a new page per 256 bytes). Z and y of the strip live in per-thread
// stack buffers; each step of `vectors` column vectors loads its Z, runs the
// 32 bits of a word in registers and stores Z back. With `gemv-lut` the sums
// Z come from partial-sum tables instead (GemvLut.cpp).
//
//===----------------------------------------------------------------------===//

#include "BitplaneEmitter.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::cpu;

BitplaneMatmulEmitter::BitplaneMatmulEmitter(
    ImplicitLocOpBuilder &b, BitplaneMatmulOp op,
    const BitSinkLowerBitplaneMatmulOptions &options, GemvTableIsa tableIsa,
    GemmInt8Isa gemmIsa)
    : EmitBuilder(b),
      // Whole column vectors per GEMM task.
      columnTile(llvm::alignTo(options.columnTile, kLanes)),
      gemvColumnTile(options.gemvColumnTile),
      gemvMinTasks(options.gemvMinTasks),
      prefetchDistance(options.prefetchDistance), tableIsa(tableIsa),
      gemmIsa(gemmIsa) {
  assert(options.columnTile > 0 && options.gemvColumnTile > 0 &&
         options.gemvMinTasks > 0 && options.prefetchDistance >= 0 &&
         "unchecked options");
  f32Type = b.getF32Type();
  vecF32 = VectorType::get({kLanes}, f32Type);
  vecI32 = VectorType::get({kLanes}, b.getI32Type());
  vecI1 = VectorType::get({kLanes}, b.getI1Type());
  read(*this, op, /*withPlaneWords=*/false);
  // Whole 32-row words of the planes, and the rows of the partial last one.
  fullWords = divU(k, idx(32));
  tailRows = remU(k, idx(32));
  if (PlaneLayoutAttr layout = op.getLayoutAttr()) {
    nTile = layout.getNTile();
    kTile = layout.getKTile();
    assert(nTile % kLanes == 0 && "n_tile the pattern would refuse");
    planeWords = ceilDivU(k, idx(32));
  } else {
    planeWords = dim(planes, 1);
  }
}

Value BitplaneMatmulEmitter::emitAlignedColumnOrigin() {
  // Blocked planes put every column vector at the start of a 64-byte row.
  if (blocked())
    return idx(0);
  Value base = memref::ExtractAlignedPointerAsIndexOp::create(b, planes);
  auto metadata = memref::ExtractStridedMetadataOp::create(b, planes);
  Value element = add(divU(base, idx(4)), metadata.getOffset());
  Value misalignment = remU(element, idx(kLanes));
  Value wholeRows = eq(remU(n, idx(kLanes)), idx(0));
  return select(wholeRows, sub(idx(0), misalignment), idx(0));
}

void BitplaneMatmulEmitter::prefetchWords(Value word, ArrayRef<Value> cols) {
  if (prefetchDistance == 0)
    return;
  Value lastWord = sub(planeWords, idx(1));
  Value ahead = minS(add(word, idx(prefetchDistance)), lastWord);
  Value lastCol = sub(n, idx(1));
  for (Value col : cols)
    for (int64_t p = 0; p < numPlanes; ++p)
      memref::PrefetchOp::create(
          b, planes, planeIndices(p, ahead, minS(col, lastCol)),
          /*isWrite=*/false, /*localityHint=*/3, /*isDataCache=*/true);
}

std::pair<Value, Value> BitplaneMatmulEmitter::groupWordRange(Value g,
                                                              Value limit) {
  // A group spans group_size/32 words; per channel (group_size ≥ K, maybe
  // not a multiple of 32) the only group spans every word.
  Value wordsPerGroup = groupSize % 32 == 0 ? idx(groupSize / 32) : planeWords;
  Value first = mul(g, wordsPerGroup);
  Value last = minS(add(first, wordsPerGroup), limit);
  return {minS(first, last), last};
}

Value BitplaneMatmulEmitter::emitGroupSums(int64_t rowsPer, Value count) {
  auto type =
      MemRefType::get({ShapedType::kDynamic, ShapedType::kDynamic}, f32Type);
  Value sums = memref::AllocOp::create(b, type, ValueRange{m, count});
  Value zero = f32(0.0);
  Value gs = idx(rowsPer);
  forEach(idx(0), m, idx(1), [&](Value row) {
    forEach(idx(0), count, idx(1), [&](Value g) {
      Value first = mul(g, gs);
      Value last = minS(add(first, gs), k);
      SmallVector<Value> sum =
          forLoop(first, last, idx(1), zero, [&](Value col, ValueRange it) {
            Value v = toF32(load(x, {row, col}));
            return SmallVector<Value>{fadd(it[0], v)};
          });
      store(sum[0], sums, {row, g});
    });
  });
  return sums;
}

void BitplaneMatmulEmitter::forEachStep(
    const GemvStrip &strip, function_ref<void(const GemvStep &)> body) {
  forEach(strip.col0, strip.end, idx(strip.stepCols), [&](Value col) {
    GemvStep step;
    step.interior =
        andI(sge(col, idx(0)), sle(add(col, idx(strip.stepCols)), strip.end));
    Value slot0 = sub(col, strip.col0);
    for (int64_t v = 0; v < strip.vectors; ++v) {
      Value start = add(col, idx(v * kLanes));
      Value stop = minS(add(start, idx(kLanes)), strip.end);
      step.cols.push_back(maxS(start, idx(0)));
      step.masks.push_back(columnMask(step.cols.back(), stop));
      step.slots.push_back(add(slot0, idx(v * kLanes)));
    }
    body(step);
  });
}

SmallVector<Value> BitplaneMatmulEmitter::loadSums(const GemvStrip &strip,
                                                   const GemvStep &step) {
  SmallVector<Value> sums;
  for (int64_t r = 0; r < strip.rows; ++r)
    for (int64_t j = 0; j < strip.streams; ++j)
      for (int64_t v = 0; v < strip.vectors; ++v)
        sums.push_back(vload(vecF32, strip.zbuf,
                             {idx(strip.sumRow(r, j)), step.slots[v]}));
  return sums;
}

void BitplaneMatmulEmitter::storeSums(const GemvStrip &strip,
                                      const GemvStep &step, ValueRange sums) {
  for (int64_t r = 0; r < strip.rows; ++r)
    for (int64_t j = 0; j < strip.streams; ++j)
      for (int64_t v = 0; v < strip.vectors; ++v)
        vstore(sums[strip.sumRow(r, j) * strip.vectors + v], strip.zbuf,
               {idx(strip.sumRow(r, j)), step.slots[v]});
}

SmallVector<Value> BitplaneMatmulEmitter::loadWords(const GemvStrip &strip,
                                                    const GemvStep &step,
                                                    Value word) {
  SmallVector<Value> words(strip.streams * strip.vectors);
  for (int64_t v = 0; v < strip.vectors; ++v)
    for (auto [j, w] :
         llvm::enumerate(loadBitStreams(word, step.cols[v], step.masks[v])))
      words[j * strip.vectors + v] = w;
  return words;
}

void BitplaneMatmulEmitter::accumulateBit(const GemvStrip &strip,
                                          ArrayRef<Value> words,
                                          SmallVector<Value> &sums, Value bit,
                                          Value kIdx) {
  SmallVector<Value> inputs;
  for (int64_t r = 0; r < strip.rows; ++r)
    inputs.push_back(broadcastInput(idx(r), kIdx));
  for (int64_t j = 0; j < strip.streams; ++j)
    for (int64_t v = 0; v < strip.vectors; ++v) {
      Value clear = testBitClear(words[j * strip.vectors + v], bit);
      for (int64_t r = 0; r < strip.rows; ++r) {
        Value &s = sums[strip.sumRow(r, j) * strip.vectors + v];
        Value added = fadd(s, inputs[r]);
        s = select(clear, added, s);
      }
    }
}

void BitplaneMatmulEmitter::emitGemvBitSums(const GemvStrip &strip, Value g) {
  // Whole words.
  auto [firstWord, lastWord] = groupWordRange(g, fullWords);
  forEach(firstWord, lastWord, idx(1), [&](Value word) {
    Value base = mul(word, idx(32));
    forEachStep(strip, [&](const GemvStep &step) {
      prefetchWords(word, step.cols);
      SmallVector<Value> words = loadWords(strip, step, word);
      // A loop over the 32 bits, the bit vector carried and doubled:
      // unrolled, its 32 constant bit vectors would be hoisted out of the
      // column loop and crowd the sums out of the registers.
      storeSums(strip, step,
                accumulateBits(strip, words, loadSums(strip, step),
                               constant(vecI32, 1), idx(32), base));
    });
  });
  // The K % 32 rows of the partial last word, in the last group only (a
  // loop of zero or one trip).
  Value hasTail = andI(eq(g, sub(numGroups, idx(1))), ne(tailRows, idx(0)));
  Value tailTrips = select(hasTail, idx(1), idx(0));
  Value tailBase = mul(fullWords, idx(32));
  forEach(idx(0), tailTrips, idx(1), [&](Value) {
    forEachStep(strip, [&](const GemvStep &step) {
      SmallVector<Value> words = loadWords(strip, step, fullWords);
      SmallVector<Value> sums = forLoop(
          idx(0), tailRows, idx(1), loadSums(strip, step),
          [&](Value i, ValueRange it) {
            SmallVector<Value> sums(it);
            accumulateBit(strip, words, sums, bitVector(i), add(tailBase, i));
            return sums;
          });
      storeSums(strip, step, sums);
    });
  });
}

SmallVector<Value>
BitplaneMatmulEmitter::emitGemvUnitBitSums(const GemvStrip &strip,
                                           const GemvStep &step, Value unit) {
  Value first = mul(unit, idx(subBlock));
  Value word = divU(first, idx(32));
  Value offset = remU(first, idx(32));
  Value count = minS(idx(subBlock), sub(k, first));
  prefetchWords(word, step.cols);
  SmallVector<Value> words = loadWords(strip, step, word);
  SmallVector<Value> zeros(strip.rows * strip.streams * strip.vectors,
                           constant(vecF32, 0.0));
  return accumulateBits(strip, words, zeros, bitVector(offset), count, first);
}

SmallVector<Value> BitplaneMatmulEmitter::accumulateBits(
    const GemvStrip &strip, ArrayRef<Value> words, SmallVector<Value> sums,
    Value firstBit, Value count, Value firstRow) {
  sums.push_back(firstBit);
  sums = forLoop(idx(0), count, idx(1), sums, [&](Value i, ValueRange it) {
    SmallVector<Value> next(it.drop_back());
    Value bit = it.back();
    accumulateBit(strip, words, next, bit, add(firstRow, i));
    next.push_back(add(bit, bit));
    return next;
  });
  sums.pop_back();
  return sums;
}

SmallVector<Value> BitplaneMatmulEmitter::loadColumnSums(const GemvStrip &strip,
                                                         const GemvStep &step) {
  SmallVector<Value> sums;
  for (int64_t r = 0; r < strip.rows; ++r)
    for (int64_t v = 0; v < strip.vectors; ++v)
      sums.push_back(
          vload(vecF32, strip.zbuf,
                {idx(strip.rows * strip.streams + r), step.slots[v]}));
  return sums;
}

void BitplaneMatmulEmitter::storeColumnSums(const GemvStrip &strip,
                                            const GemvStep &step,
                                            ValueRange sums) {
  for (int64_t r = 0; r < strip.rows; ++r)
    for (int64_t v = 0; v < strip.vectors; ++v)
      vstore(sums[r * strip.vectors + v], strip.zbuf,
             {idx(strip.rows * strip.streams + r), step.slots[v]});
}

void BitplaneMatmulEmitter::applyCoefficients(
    const GemvStrip &strip, const GemvStep &step, Value g, Value groupSums,
    ArrayRef<Value> sums, Value sumIndex, ArrayRef<Value> multipliers,
    ArrayRef<Value> columnSums) {
  Value minusTwo = constant(vecF32, -2.0);
  if (!sumIndex)
    sumIndex = g;
  for (int64_t v = 0; v < strip.vectors; ++v) {
    SmallVector<Value> c;
    for (int64_t l = 0; l <= numTerms; ++l) {
      c.push_back(
          toF32(loadColumns(coeffs, {g, idx(l)}, step.cols[v], step.masks[v])));
      if (!multipliers.empty())
        c.back() = fmul(c.back(), multipliers[v]);
    }
    for (int64_t r = 0; r < strip.rows; ++r) {
      auto z = [&](int64_t j) {
        return sums[strip.sumRow(r, j) * strip.vectors + v];
      };
      Value s = columnSums.empty()
                    ? splat(load(groupSums, {idx(r), sumIndex}), kLanes)
                    : columnSums[r * strip.vectors + v];
      Value y = vload(vecF32, strip.ybuf, {idx(r), step.slots[v]});
      y = vectorFma(c[0], s, y);
      for (int64_t l = 0; l < numTerms; ++l) {
        Value term;
        switch (kind) {
        case PlaneKind::Binary:
          term = fsub(s, z(l));
          break;
        case PlaneKind::Signed:
          term = vectorFma(minusTwo, z(l), s);
          break;
        case PlaneKind::Ternary:
          term = vectorFma(minusTwo, z(2 * l + 1), fadd(s, z(2 * l)));
          break;
        }
        y = vectorFma(c[l + 1], term, y);
      }
      vstore(y, strip.ybuf, {idx(r), step.slots[v]});
    }
  }
}

void BitplaneMatmulEmitter::emitGemv() {
  GemvStrip strip;
  // The row loops are unrolled: M is static on this path.
  strip.rows = cast<MemRefType>(x.getType()).getDimSize(0);
  strip.streams = numPlanes;
  int64_t rows = strip.rows, streams = strip.streams;
  // Live vectors in the bit loop: the sums (rows·P per column vector) and
  // the plane words (P). Take as many column vectors per step as fit in the
  // register file, at most 4.
  int64_t perVector = rows * streams + streams;
  // With scale codes the table kernel also keeps the column sums (rows), the
  // multiplier and the word of codes.
  bool lut = tableIsa != GemvTableIsa::None;
  bool codeTables = hasScales() && lut;
  if (codeTables)
    perVector += rows + 2;
  int64_t budget = kGemvRegisterBudget;
  if (tableIsa == GemvTableIsa::AVX2)
    budget = kGemvRegisterBudgetAVX2;
  else if (tableIsa == GemvTableIsa::Neon)
    budget = kGemvRegisterBudgetNeon;
  strip.vectors = std::clamp<int64_t>(budget / perVector, 1, 4);
  // The int8 kernel transposes the words of 32 (ymm) or 64 (zmm) columns
  // at a time and keeps 16-bit sums in registers instead (2 per row and
  // stream).
  if (int8Tables())
    strip.vectors = int8Lanes();
  // The int16 kernel keeps Z (rows·P per column vector) and one stream's
  // 16-bit sums (rows) in registers, with the stream's words.
  if (int16Tables())
    strip.vectors = std::clamp<int64_t>(
        kGemvRegisterBudget / (rows * streams + rows + 1), 1, 4);
  strip.stepCols = strip.vectors * kLanes;
  int64_t vectors = strip.vectors;
  // Whole steps per strip.
  int64_t stepCols = strip.stepCols;
  int64_t stripCols = llvm::alignTo(gemvColumnTile, stepCols);

  // With scale codes the unit of the sums is a sub-block of S rows (one
  // multiplier per column), without them a group.
  Value numUnits = hasScales() ? ceilDivU(k, idx(subBlock)) : numGroups;
  Value groupSums = emitGroupSums(hasScales() ? subBlock : groupSize, numUnits);
  assert((!hasScales() || !integerTables()) &&
         "the pattern picks an f32 kernel for scale codes");
  Value tables = lut ? emitPartialSumTables() : Value();
  Value byteTables, tableScales;
  if (int8Tables())
    std::tie(byteTables, tableScales) = emitInt8Tables(tables);
  else if (int16Tables())
    std::tie(byteTables, tableScales) = emitInt16Tables(tables);
  // Strips start at `origin` (≤ 0): column vectors are origin + 16j, the
  // first one clipped to column 0.
  Value origin = emitAlignedColumnOrigin();
  // The parallel loop: with a static N, a fixed number of tasks, each a
  // balanced run of whole steps (at least `gemv-min-tasks` tasks where there
  // are that many steps, strips of at most `gemv-column-tile` columns), so
  // that the threads of a small N get even shares; with a dynamic N, one
  // task per strip of `gemv-column-tile` columns.
  int64_t staticN = cast<MemRefType>(acc.getType()).getDimSize(1);
  SmallVector<Value> upper, loopStep;
  std::function<std::pair<Value, Value>(Value)> stripBounds;
  if (blocked()) {
    // Blocked planes: one task per block of n_tile columns, whose words
    // over all of K are one contiguous run (one sequential stream per
    // task, docs/bitplane-lowering.md). A block that is not whole steps
    // ends in a partial (masked) step.
    upper = {n};
    loopStep = {idx(nTile)};
    stripCols = llvm::alignTo(nTile, stepCols);
    stripBounds = [&](Value col0) {
      return std::make_pair(col0, minS(add(col0, idx(nTile)), n));
    };
  } else {
    // S steps from origin, T tasks; task t takes steps [t·S/T, (t+1)·S/T).
    // T is the fewest multiple of gemv-min-tasks that keeps strips within
    // gemv-column-tile columns (at most S): with gemv-min-tasks = the
    // threads, each thread gets equal strips as wide as allowed, whose rows
    // are long runs of plane words.
    Value steps = divU(add(sub(n, origin), idx(stepCols - 1)), idx(stepCols));
    Value tasks;
    if (ShapedType::isDynamic(staticN)) {
      Value wanted = ceilDivU(steps, idx(stripCols / stepCols));
      tasks = minS(steps,
                   mul(ceilDivU(wanted, idx(gemvMinTasks)), idx(gemvMinTasks)));
    } else {
      // `origin` is at most kLanes - 1 columns left of 0.
      int64_t maxSteps = static_cast<int64_t>(
          llvm::divideCeil(staticN + kLanes - 1, stepCols));
      int64_t wanted = llvm::divideCeil(staticN, stripCols);
      int64_t staticTasks = std::max<int64_t>(
          1, std::min<int64_t>(maxSteps, llvm::alignTo(wanted, gemvMinTasks)));
      stripCols =
          static_cast<int64_t>(llvm::divideCeil(maxSteps, staticTasks)) *
          stepCols;
      tasks = idx(staticTasks);
    }
    upper = {tasks};
    loopStep = {idx(1)};
    stripBounds = [&, tasks, steps](Value t) {
      auto boundary = [&](Value task) {
        Value first = divU(mul(task, steps), tasks);
        return add(origin, mul(first, idx(stepCols)));
      };
      return std::make_pair(boundary(t), minS(boundary(add(t, idx(1))), n));
    };
  }
  parallelLoop(ValueRange{upper}, ValueRange{loopStep}, [&](ValueRange ivs) {
    std::tie(strip.col0, strip.end) = stripBounds(ivs[0]);
    strip.ybuf = stackBuffer({rows, stripCols});
    // (The integer-table kernels, and the bit-test kernel's sub-block sums
    // of scale codes, keep their sums in registers; the table kernel with
    // codes adds a row of column sums per input row.)
    if (codeTables)
      strip.zbuf = stackBuffer({rows * streams + rows, stripCols});
    else if (!integerTables() && !hasScales())
      strip.zbuf = stackBuffer({rows * streams, stripCols});

    // y = acc.
    forEachStep(strip, [&](const GemvStep &step) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v)
          vstore(toF32(loadColumns(acc, {idx(r)}, step.cols[v], step.masks[v])),
                 strip.ybuf, {idx(r), step.slots[v]});
    });
    if (codeTables) {
      // Per group: Z and the column sums S from zero, every lookup and
      // sub-block sum times its multiplier, then the coefficients once.
      forEach(idx(0), numGroups, idx(1), [&](Value g) {
        forEachStep(strip, [&](const GemvStep &step) {
          SmallVector<Value> zeros(rows * streams * vectors,
                                   constant(vecF32, 0.0));
          storeSums(strip, step, zeros);
          storeColumnSums(strip, step,
                          ArrayRef(zeros).take_front(rows * vectors));
        });
        emitGemvLutCodeSums(strip, g, tables, groupSums, numUnits);
        forEachStep(strip, [&](const GemvStep &step) {
          applyCoefficients(strip, step, g, groupSums, loadSums(strip, step),
                            {}, {}, loadColumnSums(strip, step));
        });
      });
    } else if (hasScales()) {
      // The bit-test kernel, per sub-block and step: its sums Z in
      // registers, then the coefficients of its group times its
      // multipliers into y.
      forEach(idx(0), numUnits, idx(1), [&](Value unit) {
        Value g = divU(mul(unit, idx(subBlock)), idx(groupSize));
        forEachStep(strip, [&](const GemvStep &step) {
          SmallVector<Value> sums = emitGemvUnitBitSums(strip, step, unit);
          SmallVector<Value> multipliers;
          for (int64_t v = 0; v < vectors; ++v)
            multipliers.push_back(
                loadMultipliers(unit, step.cols[v], step.masks[v]));
          applyCoefficients(strip, step, g, groupSums, sums, unit, multipliers);
        });
      });
    } else {
      forEach(idx(0), numGroups, idx(1), [&](Value g) {
        // The integer-table kernels keep Z in registers per step, from S
        // down.
        if (int8Tables()) {
          emitGemvInt8Group(strip, g, byteTables, tableScales, groupSums);
          return;
        }
        if (int16Tables()) {
          emitGemvInt16Group(strip, g, byteTables, tableScales, groupSums);
          return;
        }
        // Z = 0.
        forEachStep(strip, [&](const GemvStep &step) {
          SmallVector<Value> zeros(rows * streams * vectors,
                                   constant(vecF32, 0.0));
          storeSums(strip, step, zeros);
        });
        if (lut)
          emitGemvLutSums(strip, g, tables);
        else
          emitGemvBitSums(strip, g);
        forEachStep(strip, [&](const GemvStep &step) {
          applyCoefficients(strip, step, g, groupSums, loadSums(strip, step));
        });
      });
    }
    forEachStep(strip, [&](const GemvStep &step) {
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t v = 0; v < vectors; ++v)
          storeColumns(vload(vecF32, strip.ybuf, {idx(r), step.slots[v]}), acc,
                       {idx(r)}, step.cols[v], step.masks[v]);
    });
  });
  memref::DeallocOp::create(b, groupSums);
  for (Value buffer : {tables, byteTables, tableScales})
    if (buffer)
      memref::DeallocOp::create(b, buffer);
}
