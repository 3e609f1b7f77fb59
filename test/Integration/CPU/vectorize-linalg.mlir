// REQUIRES: numpy
// RUN: bitsink-run %s -e chain --seed=1 --save-inputs=%t.chain. -o %t.chain.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py chain %t.chain. %t.chain.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.chain.ref.npy %t.chain.out.npy | FileCheck %s
// RUN: bitsink-run %s -e bias --seed=2 --save-inputs=%t.bias. -o %t.bias.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py bias %t.bias. %t.bias.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.bias.ref.npy %t.bias.out.npy | FileCheck %s
// RUN: bitsink-run %s -e softmax --seed=3 --save-inputs=%t.softmax. -o %t.softmax.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py softmax %t.softmax. %t.softmax.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.softmax.ref.npy %t.softmax.out.npy | FileCheck %s
// RUN: bitsink-run %s -e layernorm --seed=4 --save-inputs=%t.layernorm. -o %t.layernorm.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py layernorm %t.layernorm. %t.layernorm.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.layernorm.ref.npy %t.layernorm.out.npy | FileCheck %s
// RUN: bitsink-run %s -e rmsnorm --seed=5 --save-inputs=%t.rmsnorm. -o %t.rmsnorm.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py rmsnorm %t.rmsnorm. %t.rmsnorm.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.rmsnorm.ref.npy %t.rmsnorm.out.npy | FileCheck %s
// RUN: bitsink-run %s -e matvec --seed=6 --save-inputs=%t.matvec. -o %t.matvec.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py matvec %t.matvec. %t.matvec.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.matvec.ref.npy %t.matvec.out.npy | FileCheck %s
// RUN: bitsink-run %s -e rows3 --seed=7 --save-inputs=%t.rows3. -o %t.rows3.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py rows3 %t.rows3. %t.rows3.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.rows3.ref.npy %t.rows3.out.npy | FileCheck %s
// RUN: bitsink-run %s -e dynamic --seed=8 --save-inputs=%t.dynamic. -o %t.dynamic.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py dynamic %t.dynamic. %t.dynamic.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.dynamic.ref.npy %t.dynamic.out.npy | FileCheck %s
// RUN: bitsink-run %s -e columns --seed=9 --save-inputs=%t.columns. -o %t.columns.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py columns %t.columns. %t.columns.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.columns.ref.npy %t.columns.out.npy | FileCheck %s
// RUN: bitsink-run %s -e transpose --seed=10 --save-inputs=%t.transpose. -o %t.transpose.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py transpose %t.transpose. %t.transpose.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.transpose.ref.npy %t.transpose.out.npy | FileCheck %s
// RUN: bitsink-run %s -e permute3 --seed=11 --save-inputs=%t.permute3. -o %t.permute3.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py permute3 %t.permute3. %t.permute3.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.permute3.ref.npy %t.permute3.out.npy | FileCheck %s
// RUN: bitsink-run %s -e transposed_add --seed=12 --save-inputs=%t.tadd. -o %t.tadd.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py transposed_add %t.tadd. %t.tadd.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.tadd.ref.npy %t.tadd.out.npy | FileCheck %s
// RUN: bitsink-run %s -e matmul_dynamic --seed=13 --save-inputs=%t.mmdyn. -o %t.mmdyn.out.npy
// RUN: %numpy_python %S/../../Inputs/vectorize-reference.py matmul %t.mmdyn. %t.mmdyn.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.mmdyn.ref.npy %t.mmdyn.out.npy | FileCheck %s
//
// The same on AVX2 (8 f32 lanes) and baseline x86-64 (SSE2, 4 lanes) code,
// which an AVX-512 host runs too:
// RUN: %if host-avx2 %{ bitsink-run %s -e softmax --cpu=x86-64-v3 -i %t.softmax.arg0.npy -o %t.softmax.v3.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.softmax.ref.npy %t.softmax.v3.npy | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e layernorm --cpu=x86-64-v3 -i %t.layernorm.arg0.npy -i %t.layernorm.arg1.npy -i %t.layernorm.arg2.npy -o %t.layernorm.v3.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.layernorm.ref.npy %t.layernorm.v3.npy | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e matvec --cpu=x86-64-v3 -i %t.matvec.arg0.npy -i %t.matvec.arg1.npy -o %t.matvec.v3.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.matvec.ref.npy %t.matvec.v3.npy | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e transpose --cpu=x86-64-v3 -i %t.transpose.arg0.npy -o %t.transpose.v3.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.transpose.ref.npy %t.transpose.v3.npy | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e transpose --cpu=generic -i %t.transpose.arg0.npy -o %t.transpose.generic.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.transpose.ref.npy %t.transpose.generic.npy | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e chain --cpu=generic -i %t.chain.arg0.npy -i %t.chain.arg1.npy -o %t.chain.generic.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.chain.ref.npy %t.chain.generic.npy | FileCheck %s %}
// RUN: %if host-avx2 %{ bitsink-run %s -e dynamic --cpu=generic -i %t.dynamic.arg0.npy -o %t.dynamic.generic.npy %}
// RUN: %if host-avx2 %{ %numpy_python %S/../../Inputs/compare-npy.py %t.dynamic.ref.npy %t.dynamic.generic.npy | FileCheck %s %}
//
// Element-wise ops, broadcasts, transposes, reductions (softmax, LayerNorm
// as MiniLM's import has it, RMSNorm, a middle-dimension sum) and small-M
// contractions
// against an N x K matrix through bitsink-cpu-pipeline, and a matmul of
// dynamic sizes (the partial register tiles bitsink-tile-contractions
// leaves, one K step each, vectorised along N with masks)
// (bitsink-vectorize-linalg, docs/cpu-vectorize.md) against numpy in
// float64, on sizes that are no multiple of a vector: full and partial
// chunks, dynamic sizes with a masked partial chunk.
//
// CHECK: PASS

func.func @chain(%a: tensor<3x1000xf32>, %b: tensor<3x1000xf32>) -> tensor<3x1000xf32> {
  %e = tensor.empty() : tensor<3x1000xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<3x1000xf32>, tensor<3x1000xf32>) outs(%e : tensor<3x1000xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %h = arith.constant 0.5 : f32
    %s = arith.addf %x, %y : f32
    %er = math.erf %s : f32
    %t = math.tanh %er : f32
    %ex = math.exp %t : f32
    %m = arith.mulf %ex, %h : f32
    linalg.yield %m : f32
  } -> tensor<3x1000xf32>
  return %r : tensor<3x1000xf32>
}

func.func @bias(%x: tensor<5x577xf32>, %b: tensor<577xf32>, %s: tensor<5xf32>) -> tensor<5x577xf32> {
  %e = tensor.empty() : tensor<5x577xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %b, %s : tensor<5x577xf32>, tensor<577xf32>, tensor<5xf32>) outs(%e : tensor<5x577xf32>) {
  ^bb0(%v: f32, %bb: f32, %ss: f32, %o: f32):
    %a = arith.addf %v, %bb : f32
    %m = arith.mulf %a, %ss : f32
    linalg.yield %m : f32
  } -> tensor<5x577xf32>
  return %r : tensor<5x577xf32>
}

func.func @softmax(%x: tensor<3x1000xf32>) -> tensor<3x1000xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<3xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<3xf32>) -> tensor<3xf32>
  %max = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<3x1000xf32>) outs(%m0 : tensor<3xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %m = arith.maximumf %a, %acc : f32
    linalg.yield %m : f32
  } -> tensor<3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3xf32>) -> tensor<3xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x, %max : tensor<3x1000xf32>, tensor<3xf32>) outs(%z : tensor<3xf32>) {
  ^bb0(%a: f32, %m: f32, %acc: f32):
    %d = arith.subf %a, %m : f32
    %ex = math.exp %d : f32
    %s = arith.addf %ex, %acc : f32
    linalg.yield %s : f32
  } -> tensor<3xf32>
  %e2 = tensor.empty() : tensor<3x1000xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %max, %sum : tensor<3x1000xf32>, tensor<3xf32>, tensor<3xf32>) outs(%e2 : tensor<3x1000xf32>) {
  ^bb0(%a: f32, %m: f32, %s: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %ex = math.exp %d : f32
    %r = arith.divf %ex, %s : f32
    linalg.yield %r : f32
  } -> tensor<3x1000xf32>
  return %y : tensor<3x1000xf32>
}

// MiniLM's LayerNorm: sums in f64 into a kept unit dimension.
func.func @layernorm(%x: tensor<2x3x577xf32>, %g: tensor<577xf32>, %b: tensor<577xf32>) -> tensor<2x3x577xf32> {
  %zero64 = arith.constant 0.0 : f64
  %zero = arith.constant 0.0 : f32
  %e64 = tensor.empty() : tensor<2x3x577xf64>
  %x64 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x : tensor<2x3x577xf32>) outs(%e64 : tensor<2x3x577xf64>) {
  ^bb0(%in: f32, %out: f64):
    %0 = arith.extf %in : f32 to f64
    linalg.yield %0 : f64
  } -> tensor<2x3x577xf64>
  %es64 = tensor.empty() : tensor<2x3x1xf64>
  %zs64 = linalg.fill ins(%zero64 : f64) outs(%es64 : tensor<2x3x1xf64>) -> tensor<2x3x1xf64>
  %sum64 = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x64 : tensor<2x3x577xf64>) outs(%zs64 : tensor<2x3x1xf64>) {
  ^bb0(%in: f64, %out: f64):
    %0 = arith.addf %in, %out : f64
    linalg.yield %0 : f64
  } -> tensor<2x3x1xf64>
  %var = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x64, %sum64 : tensor<2x3x577xf64>, tensor<2x3x1xf64>) outs(%zs64 : tensor<2x3x1xf64>) {
  ^bb0(%in: f64, %s: f64, %out: f64):
    %n = arith.constant 577.0 : f64
    %0 = arith.divf %s, %n : f64
    %1 = arith.subf %in, %0 : f64
    %2 = arith.mulf %1, %1 : f64
    %3 = arith.addf %2, %out : f64
    linalg.yield %3 : f64
  } -> tensor<2x3x1xf64>
  %es = tensor.empty() : tensor<2x3x1xf32>
  %zs = linalg.fill ins(%zero : f32) outs(%es : tensor<2x3x1xf32>) -> tensor<2x3x1xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>], iterator_types = ["parallel", "parallel", "reduction"]}
      ins(%x : tensor<2x3x577xf32>) outs(%zs : tensor<2x3x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %out : f32
    linalg.yield %0 : f32
  } -> tensor<2x3x1xf32>
  %ey = tensor.empty() : tensor<2x3x577xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d0, d1, 0)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d2)>, affine_map<(d0, d1, d2) -> (d0, d1, d2)>], iterator_types = ["parallel", "parallel", "parallel"]}
      ins(%x, %sum, %var, %g, %b : tensor<2x3x577xf32>, tensor<2x3x1xf32>, tensor<2x3x1xf64>, tensor<577xf32>, tensor<577xf32>) outs(%ey : tensor<2x3x577xf32>) {
  ^bb0(%in: f32, %s: f32, %v: f64, %gg: f32, %bb: f32, %out: f32):
    %n64 = arith.constant 577.0 : f64
    %n = arith.constant 577.0 : f32
    %eps = arith.constant 9.9999999999999998E-13 : f64
    %0 = arith.divf %v, %n64 : f64
    %1 = arith.truncf %0 : f64 to f32
    %2 = arith.truncf %eps : f64 to f32
    %3 = arith.addf %1, %2 : f32
    %4 = math.rsqrt %3 : f32
    %5 = arith.divf %s, %n : f32
    %6 = arith.subf %in, %5 : f32
    %7 = arith.mulf %6, %4 : f32
    %8 = arith.mulf %7, %gg : f32
    %9 = arith.addf %8, %bb : f32
    linalg.yield %9 : f32
  } -> tensor<2x3x577xf32>
  return %y : tensor<2x3x577xf32>
}

func.func @rmsnorm(%x: tensor<3x1000xf32>, %w: tensor<1000xf32>) -> tensor<3x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %e1 = tensor.empty() : tensor<3xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3xf32>) -> tensor<3xf32>
  %ss = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%x : tensor<3x1000xf32>) outs(%z : tensor<3xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %sq = arith.mulf %a, %a : f32
    %r = arith.addf %acc, %sq : f32
    linalg.yield %r : f32
  } -> tensor<3xf32>
  %e2 = tensor.empty() : tensor<3x1000xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>, affine_map<(i, j) -> (j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%x, %ss, %w : tensor<3x1000xf32>, tensor<3xf32>, tensor<1000xf32>) outs(%e2 : tensor<3x1000xf32>) {
  ^bb0(%a: f32, %s: f32, %ww: f32, %o: f32):
    %inv = arith.constant 1.0e-3 : f32
    %eps = arith.constant 1.0e-5 : f32
    %mean = arith.mulf %s, %inv : f32
    %var = arith.addf %mean, %eps : f32
    %rs = math.rsqrt %var : f32
    %n = arith.mulf %a, %rs : f32
    %r = arith.mulf %n, %ww : f32
    linalg.yield %r : f32
  } -> tensor<3x1000xf32>
  return %y : tensor<3x1000xf32>
}

// x W^T with W as N x K (the Llama linear), one row and three rows.
func.func @matvec(%a: tensor<1x577xf32>, %b: tensor<1000x577xf32>) -> tensor<1x1000xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x1000xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<1x577xf32>, tensor<1000x577xf32>) outs(%z : tensor<1x1000xf32>) -> tensor<1x1000xf32>
  return %r : tensor<1x1000xf32>
}

func.func @rows3(%a: tensor<3x577xf32>, %b: tensor<100x577xf32>) -> tensor<3x100xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x100xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<3x100xf32>) -> tensor<3x100xf32>
  %r = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
      ins(%a, %b : tensor<3x577xf32>, tensor<100x577xf32>) outs(%z : tensor<3x100xf32>) -> tensor<3x100xf32>
  return %r : tensor<3x100xf32>
}

// Dynamic sizes (masked partial chunks): sum of exp over each row.
func.func @dynamic(%x: tensor<3x1000xf32>) -> tensor<3xf32> {
  %zero = arith.constant 0.0 : f32
  %xd = tensor.cast %x : tensor<3x1000xf32> to tensor<?x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %rows = tensor.dim %xd, %c0 : tensor<?x?xf32>
  %cols = tensor.dim %xd, %c1 : tensor<?x?xf32>
  %ee = tensor.empty(%rows, %cols) : tensor<?x?xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%xd : tensor<?x?xf32>) outs(%ee : tensor<?x?xf32>) {
  ^bb0(%a: f32, %o: f32):
    %e = math.exp %a : f32
    linalg.yield %e : f32
  } -> tensor<?x?xf32>
  %e1 = tensor.empty(%rows) : tensor<?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<?xf32>) -> tensor<?xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i)>], iterator_types = ["parallel", "reduction"]}
      ins(%ex : tensor<?x?xf32>) outs(%z : tensor<?xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  %r = tensor.cast %sum : tensor<?xf32> to tensor<3xf32>
  return %r : tensor<3xf32>
}

// A sum over a middle dimension (mean pooling over tokens).
func.func @columns(%x: tensor<5x7x33xf32>) -> tensor<5x33xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<5x33xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<5x33xf32>) -> tensor<5x33xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, t, j) -> (i, t, j)>, affine_map<(i, t, j) -> (i, j)>], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x : tensor<5x7x33xf32>) outs(%z : tensor<5x33xf32>) {
  ^bb0(%a: f32, %acc: f32):
    %s = arith.addf %a, %acc : f32
    linalg.yield %s : f32
  } -> tensor<5x33xf32>
  return %r : tensor<5x33xf32>
}

// Transposes: 2-D with partial tiles in both dimensions, the 3-D weight
// permutation of the MiniLM import (odd sizes), a generic reading one
// input transposed.
func.func @transpose(%a: tensor<37x45xf32>) -> tensor<45x37xf32> {
  %e = tensor.empty() : tensor<45x37xf32>
  %t = linalg.transpose ins(%a : tensor<37x45xf32>) outs(%e : tensor<45x37xf32>) permutation = [1, 0]
  return %t : tensor<45x37xf32>
}

func.func @permute3(%a: tensor<5x19x41xf32>) -> tensor<41x5x19xf32> {
  %e = tensor.empty() : tensor<41x5x19xf32>
  %t = linalg.transpose ins(%a : tensor<5x19x41xf32>) outs(%e : tensor<41x5x19xf32>) permutation = [2, 0, 1]
  return %t : tensor<41x5x19xf32>
}

func.func @transposed_add(%a: tensor<45x37xf32>, %b: tensor<37x45xf32>) -> tensor<37x45xf32> {
  %e = tensor.empty() : tensor<37x45xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(i, j) -> (j, i)>, affine_map<(i, j) -> (i, j)>, affine_map<(i, j) -> (i, j)>], iterator_types = ["parallel", "parallel"]}
      ins(%a, %b : tensor<45x37xf32>, tensor<37x45xf32>) outs(%e : tensor<37x45xf32>) {
  ^bb0(%x: f32, %y: f32, %o: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<37x45xf32>
  return %r : tensor<37x45xf32>
}

// A matmul of dynamic sizes (37 x 45 x 70 at run time).
func.func @matmul_dynamic(%a: tensor<37x45xf32>, %b: tensor<45x70xf32>) -> tensor<37x70xf32> {
  %zero = arith.constant 0.0 : f32
  %ad = tensor.cast %a : tensor<37x45xf32> to tensor<?x?xf32>
  %bd = tensor.cast %b : tensor<45x70xf32> to tensor<?x?xf32>
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %m = tensor.dim %ad, %c0 : tensor<?x?xf32>
  %n = tensor.dim %bd, %c1 : tensor<?x?xf32>
  %e = tensor.empty(%m, %n) : tensor<?x?xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<?x?xf32>) -> tensor<?x?xf32>
  %r = linalg.matmul ins(%ad, %bd : tensor<?x?xf32>, tensor<?x?xf32>) outs(%z : tensor<?x?xf32>) -> tensor<?x?xf32>
  %rs = tensor.cast %r : tensor<?x?xf32> to tensor<37x70xf32>
  return %rs : tensor<37x70xf32>
}
