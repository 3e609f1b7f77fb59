//===- Rope.cpp - rotary embeddings in the GPU kernels ----------*- C++ -*-===//
//
// `rope` (docs/semantics.md §2.1, "Rotary embeddings"): before the dot
// product, q_i turns by its position p_i and k_j by pos_j, pair by pair. The
// GPU kernels rotate each query row once, when it is staged, and each key row
// once per staged key tile (docs/gpu-attention.md, "Rotary embeddings"):
//
//   - the SIMT prefill and the decode split kernel read the pairs of a row in
//     vectors and rotate them in registers on their way to the f32 tiles in
//     shared memory (stageRopeRowsF32), so staging keeps its one barrier;
//   - the tensor-core kernel rotates its f16/bf16 tiles in shared memory in
//     place, after the cp.async copy has landed and before ldmatrix reads
//     them (rotateSharedRows), in f32 and rounded back once.
//
// The pair a thread rotates is not a compile-time constant, so the angle's
// frequency comes from a table in shared memory that thread 0 fills once per
// CTA with the constants attention::ropeAngle would use. cos and sin are
// AttentionCommon's ropeCosSin (Cody-Waite reduction to [−π/4, π/4]) with
// ropeTaylorCosSin on the reduced angle: straight-line FMAs, where
// libdevice's __nv_sincosf carries a Payne-Hanek path with a local-memory
// array (a 32-byte stack frame and more registers in the tensor-core kernel).
//
//===----------------------------------------------------------------------===//

#include "GPUAttentionEmitter.h"

#include "llvm/ADT/bit.h"

using namespace mlir;
using namespace bitsink;
using namespace bitsink::gpu_attention;

// Scalar stores: a vector store would let LLVM raise the table's alignment
// to the vector's size, and the padding would count against the 48 KiB the
// planner budgets.
void GPUAttentionEmitter::fillRopeTable(Value table, Value tid) {
  ifThen(eq(tid, idx(0)), [&] {
    for (int64_t m = 0, e = ropePairs(); m < e; ++m)
      store(f32(static_cast<float>(rope.inverseFrequency(m))), table, {idx(m)});
  });
}

Value GPUAttentionEmitter::ropeKeyPosition(Value batch, Value key) {
  if (keyPositions)
    key = minS(key, sub(numKeys, idx(1)));
  return attention::ropeKeyPosition(*this, *this, batch, key);
}

int64_t GPUAttentionEmitter::ropePairsPerChunk(int64_t maxElements,
                                               int64_t maxPairs) const {
  int64_t pairs = ropePairs();
  bool interleaved = rope.getStyle() == RopeStyle::Interleaved;
  for (int64_t n = llvm::bit_floor(
           static_cast<uint64_t>(std::max<int64_t>(maxElements, 2)));
       n > 1; n /= 2) {
    // Half: n first members and n second members; interleaved: n elements
    // are n / 2 whole pairs.
    if (!interleaved && n <= maxPairs && pairs % n == 0)
      return n;
    if (interleaved && n / 2 <= maxPairs && (2 * pairs) % n == 0)
      return n / 2;
  }
  return 1;
}

void GPUAttentionEmitter::rotateRopeChunk(
    Value chunk, int64_t pairsPerChunk, Value position, Value table,
    function_ref<Value(Value, int64_t)> loadRow,
    function_ref<void(Value, Value)> storeRow) {
  auto f32Type = b.getF32Type();
  bool interleaved = rope.getStyle() == RopeStyle::Interleaved;
  Value m0 = mul(chunk, idx(pairsPerChunk));
  // Columns of the first and second members' vectors (interleaved: one
  // vector of whole pairs).
  Value firstCol = interleaved ? mul(m0, idx(2)) : m0;
  Value secondCol = interleaved ? Value() : add(m0, idx(ropePairs()));
  SmallVector<Value> first, second;
  if (interleaved) {
    SmallVector<Value> x = extractAll(loadRow(firstCol, 2 * pairsPerChunk));
    for (int64_t l = 0; l < pairsPerChunk; ++l) {
      first.push_back(x[2 * l]);
      second.push_back(x[2 * l + 1]);
    }
  } else {
    first = extractAll(loadRow(firstCol, pairsPerChunk));
    second = extractAll(loadRow(secondCol, pairsPerChunk));
  }
  for (int64_t l = 0; l < pairsPerChunk; ++l) {
    // attention::ropeAngle with the pair's frequency read from the table.
    Value angle = fmul(position, load(table, {add(m0, idx(l))}));
    auto [cos, sin] = attention::ropeCosSin(*this, angle, [&](Value r) {
      return attention::ropeTaylorCosSin(
          *this, r, [&](Value x, Value y, Value z) { return mulAdd(x, y, z); });
    });
    std::tie(first[l], second[l]) =
        attention::ropeRotate(*this, first[l], second[l], cos, sin);
  }
  auto vec = [&](ArrayRef<Value> elements) -> Value {
    return vector::FromElementsOp::create(
        b, VectorType::get({static_cast<int64_t>(elements.size())}, f32Type),
        elements);
  };
  if (interleaved) {
    SmallVector<Value> x;
    for (int64_t l = 0; l < pairsPerChunk; ++l)
      x.append({first[l], second[l]});
    storeRow(firstCol, vec(x));
    return;
  }
  storeRow(firstCol, vec(first));
  storeRow(secondCol, vec(second));
}

// Chunks of pairs read straight from global memory in vectors of up to 16
// bytes (aligned to their size when the rows allow it), rotated, scaled and
// stored to the f32 tile; the columns past dims go through stageRowsF32.
void GPUAttentionEmitter::stageRopeRowsF32(
    Value src, int64_t rowLen, int64_t numRows, Value tid,
    function_ref<std::pair<SmallVector<Value>, Value>(Value)> rowSource,
    Value dst, Value scaleBy, Value table,
    function_ref<Value(Value)> position) {
  int64_t bytes = elemType.getIntOrFloatBitWidth() / 8;
  int64_t pairsPerChunk = ropePairsPerChunk(16 / bytes, /*maxPairs=*/16);
  int64_t chunksPerRow = ropePairs() / pairsPerChunk;
  auto f32Type = b.getF32Type();
  ctaStrided(tid, idx(numRows * chunksPerRow), kSimtThreads, [&](Value e) {
    Value r = divU(e, idx(chunksPerRow));
    auto [indices, valid] = rowSource(r);
    auto loadRow = [&, indices = indices, valid = valid](Value col,
                                                         int64_t n) -> Value {
      SmallVector<Value> at(indices);
      at.push_back(col);
      // Rows start at multiples of rowLen elements and col at a multiple of
      // n.
      int64_t align = rowLen % n == 0 ? n * bytes : bytes;
      Value x = toF32(alignedLoad(VectorType::get({n}, elemType), src, at,
                                  llvm::MaybeAlign(align)));
      return select(valid, x, constant(VectorType::get({n}, f32Type), 0));
    };
    auto storeRow = [&](Value col, Value x) {
      int64_t n = cast<VectorType>(x.getType()).getDimSize(0);
      if (scaleBy)
        x = fmul(x, splat(scaleBy, n));
      for (int64_t l = 0; l < n; ++l)
        store(vector::ExtractOp::create(b, x, ArrayRef<int64_t>{l}), dst,
              {r, add(col, idx(l))});
    };
    rotateRopeChunk(remU(e, idx(chunksPerRow)), pairsPerChunk, position(r),
                    table, loadRow, storeRow);
  });
  if (rope.getDims() < rowLen)
    stageRowsF32(src, rowLen, numRows, tid, rowSource, dst, scaleBy,
                 /*colBegin=*/rope.getDims());
}

// Rows of D + 8 elements (D a multiple of 16): a chunk of n <= 8 elements at
// a column that is a multiple of n is aligned to its size.
void GPUAttentionEmitter::rotateSharedRows(
    Value buf, int64_t numRows, Value tid, int64_t threads, Value table,
    function_ref<Value(Value)> position) {
  int64_t bytes = elemType.getIntOrFloatBitWidth() / 8;
  int64_t pairsPerChunk =
      ropePairsPerChunk(kCopyElements, kTensorCoreRopePairs);
  int64_t chunksPerRow = ropePairs() / pairsPerChunk;
  ctaStrided(tid, idx(numRows * chunksPerRow), threads, [&](Value e) {
    Value r = divU(e, idx(chunksPerRow));
    auto loadRow = [&](Value col, int64_t n) -> Value {
      return toF32(alignedLoad(VectorType::get({n}, elemType), buf, {r, col},
                               llvm::MaybeAlign(n * bytes)));
    };
    auto storeRow = [&](Value col, Value x) {
      int64_t n = cast<VectorType>(x.getType()).getDimSize(0);
      alignedStore(fromF32(x, elemType), buf, {r, col},
                   llvm::MaybeAlign(n * bytes));
    };
    rotateRopeChunk(remU(e, idx(chunksPerRow)), pairsPerChunk, position(r),
                    table, loadRow, storeRow);
  });
}
