// REQUIRES: numpy
// RUN: bitsink-run %s -e embed --seed=1 --int-min=0 --int-max=36 --save-inputs=%t.embed. -o %t.embed.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py gather %t.embed. %t.embed.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.embed.ref.npy %t.embed.out.npy --atol 0 --rtol 0 | FileCheck %s
// RUN: bitsink-run %s -e embed_sum --seed=2 --int-min=-3 --int-max=52 --save-inputs=%t.sum. -o %t.sum.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py gather_sum %t.sum. %t.sum.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.sum.ref.npy %t.sum.out.npy | FileCheck %s
//
// An id outside the table fails the import's asserts, once per row and
// chunk now: a clear error with the assert's location and status 1, not an
// abort (the JIT's handler, lib/Execution/JitRunner.cpp):
// RUN: not bitsink-run %s -e embed --seed=1 --int-min=30 --int-max=40 -o %t.oob.npy 2>&1 | FileCheck %s --check-prefix=OOB
// RUN: not bitsink-run %s -e embed --seed=1 --int-min=-5 --int-max=-1 -o %t.neg.npy 2>&1 | FileCheck %s --check-prefix=NEG
// OOB: bitsink: error: the compiled code's assertion failed: index must be smaller than dim size ({{.*}}vectorize-linalg-gather.mlir:{{[0-9]+}}:{{[0-9]+}})
// OOB-NOT: PLEASE submit
// NEG: bitsink: error: the compiled code's assertion failed: index must be larger or equal to 0
//
// The same on AVX2 (8 f32 lanes) and baseline x86-64 (SSE2) code:
// RUN: %if host-avx2 %{ bitsink-run %s -e embed --cpu=x86-64-v3 -i %t.embed.arg0.npy -i %t.embed.arg1.npy -o %t.embed.v3.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.embed.ref.npy %t.embed.v3.npy --atol 0 --rtol 0 | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e embed_sum --cpu=x86-64-v3 -i %t.sum.arg0.npy -i %t.sum.arg1.npy -i %t.sum.arg2.npy -i %t.sum.arg3.npy -o %t.sum.v3.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.sum.ref.npy %t.sum.v3.npy | FileCheck %s %}
// RUN: bitsink-run %s -e embed_sum --cpu=generic -i %t.sum.arg0.npy -i %t.sum.arg1.npy -i %t.sum.arg2.npy -i %t.sum.arg3.npy -o %t.sum.generic.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.sum.ref.npy %t.sum.generic.npy | FileCheck %s
//
// The kernels are vector code: the word gather fused with the adds (f16
// rows widened), the position gather a kernel of its own (the add reads it
// broadcast over the batch, so it is not fused):
// RUN: bitsink-opt %s --bitsink-cpu-pipeline | FileCheck %s --check-prefix=IR
//
// Embedding gathers (bitsink-vectorize-linalg, docs/cpu-vectorize.md,
// "Gathers") against numpy: torch-mlir's form of MiniLM's embeddings (a
// word table read at the token ids with two asserts per id; word +
// position + token-type rows added after fusion) and a clamped id with an
// f16 table, on sizes that are no multiple of a vector (203 = 3 x 64 + 11,
// 67 = 64 + 3). The tables are returned exactly (atol 0).
//
// CHECK: PASS
// IR-LABEL: llvm.func internal @embed_kernel(
//       IR:   llvm.load %{{.*}} : !llvm.ptr -> vector<{{64|32|16}}xf32>
// IR-LABEL: llvm.func internal @embed_sum_kernel(
//       IR:   llvm.load %{{.*}} : !llvm.ptr -> vector<{{64|32|16}}xf32>
// IR-LABEL: llvm.func internal @embed_sum_kernel_0(
//       IR:   llvm.load %{{.*}} : !llvm.ptr -> i64
//       IR:   llvm.load %{{.*}} : !llvm.ptr -> vector<{{64|32|16}}xf16>
//       IR:   llvm.fpext

func.func @embed(%ids: tensor<3x7xi64>, %table: tensor<37x203xf32>) -> tensor<3x7x203xf32> {
  %c37 = arith.constant 37 : index
  %c0 = arith.constant 0 : i64
  %e = tensor.empty() : tensor<3x7x203xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(b, t, h) -> (b, t)>, affine_map<(b, t, h) -> (b, t, h)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ids : tensor<3x7xi64>) outs(%e : tensor<3x7x203xf32>) {
  ^bb0(%id: i64, %o: f32):
    %row = arith.index_cast %id : i64 to index
    %col = linalg.index 2 : index
    %lt = arith.cmpi slt, %row, %c37 : index
    cf.assert %lt, "index must be smaller than dim size"
    %ge = arith.cmpi sge, %id, %c0 : i64
    cf.assert %ge, "index must be larger or equal to 0"
    %v = tensor.extract %table[%row, %col] : tensor<37x203xf32>
    linalg.yield %v : f32
  } -> tensor<3x7x203xf32>
  return %r : tensor<3x7x203xf32>
}

// ids [2, 9] clamped to the 50 rows of an f16 table; positions 0..8 of a
// 12-row table; token type 0 of 2. Three generics before fusion.
func.func @embed_sum(%ids: tensor<2x9xi64>, %words: tensor<50x67xf16>, %pos: tensor<12x67xf32>, %tt: tensor<2x67xf32>) -> tensor<2x9x67xf32> {
  %lo = arith.constant 0 : i64
  %hi = arith.constant 49 : i64
  %c12 = arith.constant 12 : index
  %e = tensor.empty() : tensor<2x9x67xf32>
  %w = linalg.generic {indexing_maps = [affine_map<(b, t, h) -> (b, t)>, affine_map<(b, t, h) -> (b, t, h)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%ids : tensor<2x9xi64>) outs(%e : tensor<2x9x67xf32>) {
  ^bb0(%id: i64, %o: f32):
    %up = arith.maxsi %id, %lo : i64
    %c = arith.minsi %up, %hi : i64
    %row = arith.index_cast %c : i64 to index
    %col = linalg.index 2 : index
    %v = tensor.extract %words[%row, %col] : tensor<50x67xf16>
    %f = arith.extf %v : f16 to f32
    linalg.yield %f : f32
  } -> tensor<2x9x67xf32>
  %pe = tensor.empty() : tensor<9x67xf32>
  %p = linalg.generic {indexing_maps = [affine_map<(t, h) -> (t, h)>], iterator_types = ["parallel", "parallel"]}
      outs(%pe : tensor<9x67xf32>) {
  ^bb0(%o: f32):
    %row = linalg.index 0 : index
    %lt = arith.cmpi slt, %row, %c12 : index
    cf.assert %lt, "index must be smaller than dim size"
    %col = linalg.index 1 : index
    %v = tensor.extract %pos[%row, %col] : tensor<12x67xf32>
    linalg.yield %v : f32
  } -> tensor<9x67xf32>
  %s = linalg.generic {indexing_maps = [affine_map<(b, t, h) -> (b, t, h)>, affine_map<(b, t, h) -> (t, h)>, affine_map<(b, t, h) -> (0, h)>, affine_map<(b, t, h) -> (b, t, h)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%w, %p, %tt : tensor<2x9x67xf32>, tensor<9x67xf32>, tensor<2x67xf32>) outs(%e : tensor<2x9x67xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32, %o: f32):
    %ab = arith.addf %a, %b : f32
    %abc = arith.addf %ab, %c : f32
    linalg.yield %abc : f32
  } -> tensor<2x9x67xf32>
  return %s : tensor<2x9x67xf32>
}
