// REQUIRES: numpy
// RUN: bitsink-run %s -e nn --seed=1 --save-inputs=%t.nn. -o %t.nn.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py nn %t.nn. %t.nn.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.nn.ref.npy %t.nn.out.npy | FileCheck %s
// RUN: bitsink-run %s -e nn --seed=1 --pipeline="bitsink-cpu-pipeline{matmul-tile-m=16 matmul-tile-n=48 matmul-tile-k=20}" -o %t.nn.small.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.nn.ref.npy %t.nn.small.npy | FileCheck %s
// RUN: bitsink-run %s -e nn --seed=1 --pipeline="bitsink-cpu-pipeline{matmul-register-tile-m=3 matmul-register-tile-n=5}" -o %t.nn.odd.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.nn.ref.npy %t.nn.odd.npy | FileCheck %s
// RUN: bitsink-run %s -e nt --seed=2 --save-inputs=%t.nt. -o %t.nt.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py nt %t.nt. %t.nt.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.nt.ref.npy %t.nt.out.npy | FileCheck %s
// RUN: bitsink-run %s -e tn --seed=3 --save-inputs=%t.tn. -o %t.tn.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py tn %t.tn. %t.tn.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.tn.ref.npy %t.tn.out.npy | FileCheck %s
// RUN: bitsink-run %s -e batch --seed=4 --save-inputs=%t.batch. -o %t.batch.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py batch %t.batch. %t.batch.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.batch.ref.npy %t.batch.out.npy | FileCheck %s
// RUN: bitsink-run %s -e linear --seed=5 --save-inputs=%t.linear. -o %t.linear.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py linear %t.linear. %t.linear.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.linear.ref.npy %t.linear.out.npy | FileCheck %s
// RUN: bitsink-run %s -e heads --seed=6 --save-inputs=%t.heads. -o %t.heads.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py heads %t.heads. %t.heads.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.heads.ref.npy %t.heads.out.npy | FileCheck %s
// RUN: bitsink-run %s -e merge_heads --seed=8 --save-inputs=%t.merge. -o %t.merge.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py merge_heads %t.merge. %t.merge.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.merge.ref.npy %t.merge.out.npy | FileCheck %s
// RUN: bitsink-run %s -e merge_heads --seed=8 --pipeline="bitsink-cpu-pipeline{matmul-tile-m=16 matmul-tile-n=16 matmul-tile-k=8 matmul-register-tile-m=3 matmul-register-tile-n=5}" -o %t.merge.small.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.merge.ref.npy %t.merge.small.npy | FileCheck %s
// RUN: bitsink-run %s -e gelu_linear --seed=7 --save-inputs=%t.gelu. -o %t.gelu.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py gelu_linear %t.gelu. %t.gelu.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.gelu.ref.npy %t.gelu.out.npy | FileCheck %s
// RUN: bitsink-run %s -e nn --seed=1 --pipeline="bitsink-cpu-pipeline{matmul-tile-m=16 matmul-tile-n=48 matmul-tile-k=20 matmul-pack-rhs=always matmul-pack-tile-m=24}" -o %t.nn.packed.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.nn.ref.npy %t.nn.packed.npy | FileCheck %s
// RUN: bitsink-run %s -e batch --seed=4 --pipeline="bitsink-cpu-pipeline{matmul-tile-k=7 matmul-pack-rhs=always}" -o %t.batch.packed.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.batch.ref.npy %t.batch.packed.npy | FileCheck %s
// RUN: bitsink-run %s -e heads --seed=6 --pipeline="bitsink-cpu-pipeline{matmul-tile-n=40 matmul-tile-k=32 matmul-pack-rhs=always matmul-register-tile-n=16}" -o %t.heads.packed.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.heads.ref.npy %t.heads.packed.npy | FileCheck %s
// RUN: bitsink-run %s -e merge_heads --seed=8 --pipeline="bitsink-cpu-pipeline{matmul-tile-m=16 matmul-tile-n=16 matmul-tile-k=8 matmul-register-tile-m=3 matmul-register-tile-n=5 matmul-pack-rhs=always matmul-pack-tile-m=16}" -o %t.merge.packed.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.merge.ref.npy %t.merge.packed.npy | FileCheck %s
// RUN: bitsink-run %s -e gelu_linear --seed=7 --pipeline="bitsink-cpu-pipeline{matmul-tile-k=16 matmul-pack-rhs=always}" -o %t.gelu.packed.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.gelu.ref.npy %t.gelu.packed.npy | FileCheck %s
// B laid out N x K, packed by a transposing copy: forced on odd tiles, and
// a 70 x 300 . (1100 x 300)^T product the cost rule packs:
// RUN: bitsink-run %s -e nt --seed=2 --pipeline="bitsink-cpu-pipeline{matmul-tile-m=16 matmul-tile-n=48 matmul-tile-k=20 matmul-register-tile-m=3 matmul-register-tile-n=5 matmul-pack-rhs=always matmul-pack-tile-m=8}" -o %t.nt.packed.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.nt.ref.npy %t.nt.packed.npy | FileCheck %s
// RUN: bitsink-run %s -e nt_large --seed=12 --save-inputs=%t.ntl. -o %t.ntl.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py nt %t.ntl. %t.ntl.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.ntl.ref.npy %t.ntl.out.npy --rtol 2e-5 | FileCheck %s
// RUN: bitsink-opt %s --bitsink-cpu-pipeline --mlir-print-ir-after=bitsink-tile-contractions -o /dev/null 2>&1 | FileCheck %s --check-prefix=NTPACK
// NTPACK-LABEL: func.func @nt_large(
//       NTPACK:   memref.alloc() {alignment = 64 : i64}
//       NTPACK:   linalg.transpose
// RUN: bitsink-run %s -e nn_large --seed=9 --save-inputs=%t.large. -o %t.large.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py nn %t.large. %t.large.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.large.ref.npy %t.large.out.npy | FileCheck %s
// RUN: bitsink-run %s -e nn_large --seed=9 --pipeline="bitsink-cpu-pipeline{matmul-prefetch-rhs=true}" -o %t.large.prefetch.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.large.ref.npy %t.large.prefetch.npy | FileCheck %s
// RUN: bitsink-run %s -e nt_large --seed=12 --pipeline="bitsink-cpu-pipeline{matmul-prefetch-rhs=true}" -o %t.ntl.prefetch.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.ntl.ref.npy %t.ntl.prefetch.npy --rtol 2e-5 | FileCheck %s
// RUN: bitsink-run %s -e nn_large --seed=9 --pipeline="bitsink-cpu-pipeline{matmul-pack-rhs=never}" -o %t.large.unpacked.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.large.ref.npy %t.large.unpacked.npy | FileCheck %s
// RUN: bitsink-run %s -e nn_tasks --seed=11 --save-inputs=%t.tasks. -o %t.tasks.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py nn %t.tasks. %t.tasks.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.tasks.ref.npy %t.tasks.out.npy | FileCheck %s
// RUN: bitsink-run %s -e nn_dynamic --seed=10 --int-min=45 --int-max=45 --save-inputs=%t.dyn. -o %t.dyn.out.npy
// RUN: %numpy_python %S/../../Inputs/matmul-reference.py nn_corner %t.dyn. %t.dyn.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.dyn.ref.npy %t.dyn.out.npy | FileCheck %s
// RUN: bitsink-run %s -e nn_dynamic --seed=10 --int-min=45 --int-max=45 --pipeline="bitsink-cpu-pipeline{matmul-tile-m=16 matmul-tile-n=48 matmul-tile-k=20 matmul-pack-tile-m=24 matmul-register-tile-m=3 matmul-register-tile-n=5}" -o %t.dyn.small.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.dyn.ref.npy %t.dyn.small.npy | FileCheck %s
//
// Contractions through bitsink-cpu-pipeline (bitsink-tile-contractions)
// against numpy in float64: sizes that are no multiple of any tile (full
// and partial register tiles, partial cache tiles and K slabs with small
// tile options, register tiles narrower than a vector), B transposed
// through indexing maps, A transposed in a linalg.generic, batch_matmul, and
// nn.Linear as torch-mlir imports it (transpose, matmul, bias add), and a
// generic with two M and two N dimensions (a head-split projection), one
// with two M and two K dimensions (the head merge before the output
// projection; bitsink-tile-contractions merges each pair into one
// dimension, odd sizes so that cache, K-slab and register tiles cross the
// original dimensions' boundaries), and a
// matmul with a fused elementwise producer (exact GELU of A + bias). C is an
// argument, so accumulation into it is checked too.
//
// B packed into contiguous tiles (matmul-pack-rhs=always, docs/cpu-matmul.md):
// the same functions with tiles that leave partial cache tiles, K slabs and
// register tiles, a batch dimension in front of B, merged N or K dimensions
// of B; @nn_large takes the packed path under the default cost rule (B is
// 300 x 1100, rows 4400 bytes apart: a partial N cache tile of 76 columns,
// a K slab of 44, masked column copies) and is checked unpacked too;
// @nn_tasks (200 x 150 x 300) is packed with smaller tasks (128 rows x 64
// columns: partial tiles of 72 rows and 44 columns); @nn_dynamic is a
// 45 x 290 x 141 product on sub-views of dynamic size (the sizes come from
// its last argument, 45, at run time), packed by the cost rule with the
// default tiles and with small odd ones.
//
// CHECK: PASS

func.func @nn(%a: tensor<37x45xf32>, %b: tensor<45x70xf32>, %c: tensor<37x70xf32>) -> tensor<37x70xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<37x45xf32>, tensor<45x70xf32>) outs(%c : tensor<37x70xf32>) -> tensor<37x70xf32>
  return %r : tensor<37x70xf32>
}

func.func @nt(%a: tensor<19x40xf32>, %b: tensor<50x40xf32>, %c: tensor<19x50xf32>) -> tensor<19x50xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<19x40xf32>, tensor<50x40xf32>) outs(%c : tensor<19x50xf32>) -> tensor<19x50xf32>
  return %r : tensor<19x50xf32>
}

func.func @nt_large(%a: tensor<70x300xf32>, %b: tensor<1100x300xf32>, %c: tensor<70x1100xf32>) -> tensor<70x1100xf32> {
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<70x300xf32>, tensor<1100x300xf32>) outs(%c : tensor<70x1100xf32>) -> tensor<70x1100xf32>
  return %r : tensor<70x1100xf32>
}

func.func @tn(%a: tensor<33x21xf32>, %b: tensor<33x40xf32>, %c: tensor<21x40xf32>) -> tensor<21x40xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (k, m)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<33x21xf32>, tensor<33x40xf32>) outs(%c : tensor<21x40xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<21x40xf32>
  return %r : tensor<21x40xf32>
}

func.func @batch(%a: tensor<3x9x20xf32>, %b: tensor<3x20x33xf32>, %c: tensor<3x9x33xf32>) -> tensor<3x9x33xf32> {
  %r = linalg.batch_matmul ins(%a, %b : tensor<3x9x20xf32>, tensor<3x20x33xf32>) outs(%c : tensor<3x9x33xf32>) -> tensor<3x9x33xf32>
  return %r : tensor<3x9x33xf32>
}

func.func @linear(%x: tensor<10x48xf32>, %w: tensor<24x48xf32>, %bias: tensor<24xf32>) -> tensor<10x24xf32> {
  %zero = arith.constant 0.0 : f32
  %wt0 = tensor.empty() : tensor<48x24xf32>
  %wt = linalg.transpose ins(%w : tensor<24x48xf32>) outs(%wt0 : tensor<48x24xf32>) permutation = [1, 0]
  %e = tensor.empty() : tensor<10x24xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<10x24xf32>) -> tensor<10x24xf32>
  %mm = linalg.matmul ins(%x, %wt : tensor<10x48xf32>, tensor<48x24xf32>) outs(%z : tensor<10x24xf32>) -> tensor<10x24xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(m, n) -> (m, n)>, affine_map<(m, n) -> (n)>, affine_map<(m, n) -> (m, n)>],
                       iterator_types = ["parallel", "parallel"]}
      ins(%mm, %bias : tensor<10x24xf32>, tensor<24xf32>) outs(%e : tensor<10x24xf32>) {
  ^bb0(%v: f32, %b: f32, %o: f32):
    %s = arith.addf %v, %b : f32
    linalg.yield %s : f32
  } -> tensor<10x24xf32>
  return %r : tensor<10x24xf32>
}

func.func @heads(%a: tensor<2x9x48xf32>, %b: tensor<48x3x20xf32>, %c: tensor<2x9x3x20xf32>) -> tensor<2x9x3x20xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(b, s, h, d, k) -> (b, s, k)>, affine_map<(b, s, h, d, k) -> (k, h, d)>, affine_map<(b, s, h, d, k) -> (b, s, h, d)>],
                       iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]}
      ins(%a, %b : tensor<2x9x48xf32>, tensor<48x3x20xf32>) outs(%c : tensor<2x9x3x20xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<2x9x3x20xf32>
  return %r : tensor<2x9x3x20xf32>
}

func.func @merge_heads(%a: tensor<3x7x5x11xf32>, %b: tensor<5x11x29xf32>, %c: tensor<3x7x29xf32>) -> tensor<3x7x29xf32> {
  %r = linalg.generic {indexing_maps = [affine_map<(b, s, n, h, d) -> (b, s, h, d)>, affine_map<(b, s, n, h, d) -> (h, d, n)>, affine_map<(b, s, n, h, d) -> (b, s, n)>],
                       iterator_types = ["parallel", "parallel", "parallel", "reduction", "reduction"]}
      ins(%a, %b : tensor<3x7x5x11xf32>, tensor<5x11x29xf32>) outs(%c : tensor<3x7x29xf32>) {
  ^bb0(%x: f32, %y: f32, %acc: f32):
    %p = arith.mulf %x, %y : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<3x7x29xf32>
  return %r : tensor<3x7x29xf32>
}

func.func @gelu_linear(%h: tensor<13x40xf32>, %bias: tensor<40xf32>, %w: tensor<40x24xf32>, %c: tensor<13x24xf32>) -> tensor<13x24xf32> {
  %half = arith.constant 0.5 : f32
  %one = arith.constant 1.0 : f32
  %sqrt2 = arith.constant 1.41421354 : f32
  %r = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>],
                       iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%h, %bias, %w : tensor<13x40xf32>, tensor<40xf32>, tensor<40x24xf32>) outs(%c : tensor<13x24xf32>) {
  ^bb0(%x: f32, %b: f32, %y: f32, %acc: f32):
    %s = arith.addf %x, %b : f32
    %d = arith.divf %s, %sqrt2 : f32
    %e = math.erf %d : f32
    %e1 = arith.addf %e, %one : f32
    %e2 = arith.mulf %e1, %half : f32
    %g = arith.mulf %s, %e2 : f32
    %p = arith.mulf %g, %y : f32
    %r = arith.addf %acc, %p : f32
    linalg.yield %r : f32
  } -> tensor<13x24xf32>
  return %r : tensor<13x24xf32>
}

func.func @nn_large(%a: tensor<70x300xf32>, %b: tensor<300x1100xf32>, %c: tensor<70x1100xf32>) -> tensor<70x1100xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<70x300xf32>, tensor<300x1100xf32>) outs(%c : tensor<70x1100xf32>) -> tensor<70x1100xf32>
  return %r : tensor<70x1100xf32>
}

func.func @nn_tasks(%a: tensor<200x150xf32>, %b: tensor<150x300xf32>, %c: tensor<200x300xf32>) -> tensor<200x300xf32> {
  %r = linalg.matmul ins(%a, %b : tensor<200x150xf32>, tensor<150x300xf32>) outs(%c : tensor<200x300xf32>) -> tensor<200x300xf32>
  return %r : tensor<200x300xf32>
}

// M = s, K = 6 s + 20, N = 3 s + 6 (s = 45: 45 x 290 x 141, the whole of A
// and C; B is the first 141 columns of a 290 x 1030 argument, rows 4120
// bytes apart).
func.func @nn_dynamic(%a: tensor<45x290xf32>, %b: tensor<290x1030xf32>, %c: tensor<45x141xf32>, %st: tensor<1xi64>) -> tensor<45x141xf32> {
  %i0 = arith.constant 0 : index
  %s = tensor.extract %st[%i0] : tensor<1xi64>
  %m = arith.index_cast %s : i64 to index
  %c3 = arith.constant 3 : index
  %c6 = arith.constant 6 : index
  %c20 = arith.constant 20 : index
  %m6 = arith.muli %m, %c6 : index
  %k = arith.addi %m6, %c20 : index
  %m3 = arith.muli %m, %c3 : index
  %n = arith.addi %m3, %c6 : index
  %ad = tensor.extract_slice %a[0, 0] [%m, %k] [1, 1] : tensor<45x290xf32> to tensor<?x?xf32>
  %bd = tensor.extract_slice %b[0, 0] [%k, %n] [1, 1] : tensor<290x1030xf32> to tensor<?x?xf32>
  %cd = tensor.extract_slice %c[0, 0] [%m, %n] [1, 1] : tensor<45x141xf32> to tensor<?x?xf32>
  %r = linalg.matmul ins(%ad, %bd : tensor<?x?xf32>, tensor<?x?xf32>) outs(%cd : tensor<?x?xf32>) -> tensor<?x?xf32>
  %out = tensor.insert_slice %r into %c[0, 0] [%m, %n] [1, 1] : tensor<?x?xf32> into tensor<45x141xf32>
  return %out : tensor<45x141xf32>
}
