// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{target-features=+avx,+avx2,+avx512f}),canonicalize,cse)' | FileCheck %s
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-vectorize-linalg{target-features=+avx,+avx2}),canonicalize,cse)' | FileCheck %s --check-prefix=AVX2
// RUN: bitsink-opt %s --bitsink-cpu-pipeline | FileCheck %s --check-prefix=LLVM

// Embedding gathers (docs/cpu-vectorize.md, "Gathers"): a body that reads
// a table it does not iterate over, at a row given by an input, along the
// vectorised dimension. Each chunk loads the row index once, runs the
// asserts on it once, and reads the row as vectors: one contiguous
// vector.load of the table per vector.

// torch-mlir's form of MiniLM's word embedding: the id checked by two
// asserts, then the row read; 203 = 3 x 64 + 11.
// CHECK-LABEL: func.func @embed(
//  CHECK-SAME:     %[[IDS:.*]]: memref<2x5xi64>, %[[TABLE:.*]]: memref<37x203xf32>, %[[OUT:.*]]: memref<2x5x203xf32>)
//       CHECK:   scf.parallel (%[[B:.*]], %[[T:.*]]) =
//       CHECK:     scf.for %[[J:.*]] = %{{.*}} to %c192 step %c64
//       CHECK:       %[[ID:.*]] = memref.load %[[IDS]][%[[B]], %[[T]]] : memref<2x5xi64>
//       CHECK:       %[[ROW:.*]] = arith.index_cast %[[ID]] : i64 to index
//       CHECK:       cf.assert %{{.*}}, "index must be smaller than dim size"
//       CHECK:       cf.assert %{{.*}}, "index must be larger or equal to 0"
//       CHECK:       %[[V:.*]] = vector.load %[[TABLE]][%[[ROW]], %[[J]]] : memref<37x203xf32>, vector<64xf32>
//       CHECK:       vector.store %[[V]], %[[OUT]][%[[B]], %[[T]], %[[J]]] : memref<2x5x203xf32>, vector<64xf32>
//       CHECK:     vector.load %[[TABLE]][%{{.*}}, %c192] : memref<37x203xf32>, vector<11xf32>
//   CHECK-NOT:   linalg.generic
// AVX2-LABEL: func.func @embed(
//       AVX2:     scf.for %{{.*}} = %{{.*}} to %c192 step %c32
//       AVX2:       vector.load %{{.*}} : memref<37x203xf32>, vector<32xf32>
//       AVX2:     vector.load %{{.*}} : memref<37x203xf32>, vector<11xf32>
// The whole pipeline (outlined kernel, host CPU: 64 or 32 lanes):
// LLVM-LABEL: llvm.func internal @embed_kernel(
//       LLVM:   llvm.load %{{.*}} : !llvm.ptr -> i64
//       LLVM:   llvm.load %{{.*}} : !llvm.ptr -> vector<{{64|32}}xf32>
//       LLVM:   llvm.return
func.func @embed(%ids: memref<2x5xi64>, %table: memref<37x203xf32>, %out: memref<2x5x203xf32>) {
  %c37 = arith.constant 37 : index
  %c0 = arith.constant 0 : i64
  linalg.generic {indexing_maps = [affine_map<(b, t, h) -> (b, t)>, affine_map<(b, t, h) -> (b, t, h)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ids : memref<2x5xi64>) outs(%out : memref<2x5x203xf32>) {
  ^bb0(%id: i64, %o: f32):
    %row = arith.index_cast %id : i64 to index
    %col = linalg.index 2 : index
    %lt = arith.cmpi slt, %row, %c37 : index
    cf.assert %lt, "index must be smaller than dim size"
    %ge = arith.cmpi sge, %id, %c0 : i64
    cf.assert %ge, "index must be larger or equal to 0"
    %v = memref.load %table[%row, %col] : memref<37x203xf32>
    linalg.yield %v : f32
  }
  return
}

// Two gathers and an add after fusion (word + position embeddings), an
// f16 table widened (the chunk follows the widest vector type, f32: 64
// lanes) and a clamped id (the Llama embedding of bitsink.models.llama);
// a dynamic number of tokens.
// CHECK-LABEL: func.func @embed_sum(
//  CHECK-SAME:     %[[IDS:.*]]: memref<?xi64>, %[[WORDS:.*]]: memref<50x67xf16>, %[[POS:.*]]: memref<9x67xf32>, %[[OUT:.*]]: memref<?x67xf32>)
//       CHECK:   scf.parallel (%[[T:.*]]) =
//       CHECK:     %[[ID:.*]] = memref.load %[[IDS]][%[[T]]] : memref<?xi64>
//       CHECK:     arith.maxsi %[[ID]]
//       CHECK:     arith.minsi
//       CHECK:     %[[W:.*]] = vector.load %[[WORDS]][%{{.*}}, %c0] : memref<50x67xf16>, vector<64xf16>
//       CHECK:     %[[P:.*]] = vector.load %[[POS]][%[[T]], %c0] : memref<9x67xf32>, vector<64xf32>
//       CHECK:     %[[WF:.*]] = arith.extf %[[W]] : vector<64xf16> to vector<64xf32>
//       CHECK:     %[[S:.*]] = arith.addf %[[WF]], %[[P]] : vector<64xf32>
//       CHECK:     vector.store %[[S]], %[[OUT]][%[[T]], %c0] : memref<?x67xf32>, vector<64xf32>
//       CHECK:     vector.load %[[WORDS]][%{{.*}}, %c64] : memref<50x67xf16>, vector<3xf16>
//   CHECK-NOT:   linalg.generic
func.func @embed_sum(%ids: memref<?xi64>, %words: memref<50x67xf16>, %pos: memref<9x67xf32>, %out: memref<?x67xf32>) {
  %lo = arith.constant 0 : i64
  %hi = arith.constant 49 : i64
  linalg.generic {indexing_maps = [affine_map<(t, h) -> (t)>, affine_map<(t, h) -> (t, h)>], iterator_types = ["parallel", "parallel"]}
      ins(%ids : memref<?xi64>) outs(%out : memref<?x67xf32>) {
  ^bb0(%id: i64, %o: f32):
    %up = arith.maxsi %id, %lo : i64
    %c = arith.minsi %up, %hi : i64
    %row = arith.index_cast %c : i64 to index
    %t = linalg.index 0 : index
    %col = linalg.index 1 : index
    %w = memref.load %words[%row, %col] : memref<50x67xf16>
    %p = memref.load %pos[%t, %col] : memref<9x67xf32>
    %wf = arith.extf %w : f16 to f32
    %s = arith.addf %wf, %p : f32
    linalg.yield %s : f32
  }
  return
}

// Left alone (scalar loops later): a table read down a column (the
// vectorised dimension is not its last index), a row index that varies
// along the vectorised dimension, and an assert on a value that does.
// CHECK-LABEL: func.func @column(
//       CHECK:   linalg.generic
// CHECK-LABEL: func.func @varying_row(
//       CHECK:   linalg.generic
// CHECK-LABEL: func.func @varying_assert(
//       CHECK:   linalg.generic
func.func @column(%ids: memref<4xi64>, %table: memref<64x100xf32>, %c: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%ids : memref<4xi64>) outs(%c : memref<4x64xf32>) {
  ^bb0(%id: i64, %o: f32):
    %r = arith.index_cast %id : i64 to index
    %j = linalg.index 1 : index
    %v = memref.load %table[%j, %r] : memref<64x100xf32>
    linalg.yield %v : f32
  }
  return
}
func.func @varying_row(%ids: memref<4x64xi64>, %table: memref<100x64xf32>, %c: memref<4x64xf32>) {
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%ids : memref<4x64xi64>) outs(%c : memref<4x64xf32>) {
  ^bb0(%id: i64, %o: f32):
    %r = arith.index_cast %id : i64 to index
    %j = linalg.index 1 : index
    %v = memref.load %table[%r, %j] : memref<100x64xf32>
    linalg.yield %v : f32
  }
  return
}
func.func @varying_assert(%ids: memref<4xi64>, %table: memref<100x64xf32>, %c: memref<4x64xf32>) {
  %c32 = arith.constant 32 : index
  linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%ids : memref<4xi64>) outs(%c : memref<4x64xf32>) {
  ^bb0(%id: i64, %o: f32):
    %r = arith.index_cast %id : i64 to index
    %j = linalg.index 1 : index
    %ok = arith.cmpi ult, %j, %c32 : index
    cf.assert %ok, "half"
    %v = memref.load %table[%r, %j] : memref<100x64xf32>
    linalg.yield %v : f32
  }
  return
}
