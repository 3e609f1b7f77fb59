// bitsink-run --profile: the kernels of a small model (matmul, softmax as
// torch-mlir writes it, sink attention) are timed one by one
// (bitsink-cpu-pipeline{profile=true}, docs/profiling.md) and printed with
// their labels, the slowest first; the results are those of the plain
// build.
//
// RUN: bitsink-run %s --seed=3 --print > %t.plain
// RUN: bitsink-run %s --seed=3 --print --profile > %t.profiled
// RUN: FileCheck %s --input-file=%t.profiled
// The results are the same numbers (the table aside).
// RUN: grep -v -e '^profile of' -e '%%' %t.profiled > %t.results
// RUN: diff %t.plain %t.results
//
// CHECK:      profile of 'main': 1 call, {{[0-9.]+}} ms per call, 9 kernels
// CHECK-NEXT: ms % runs kernel
// CHECK-DAG:  {{[0-9.]+ +[0-9.]+% +1}}  linalg.matmul 16x96x64 f32 (profile.mlir:[[@LINE+47]]:9)
// CHECK-DAG:  {{[0-9.]+ +[0-9.]+% +1}}  linalg.fill 16x96 f32 (profile.mlir:[[@LINE+45]]:10)
// CHECK-DAG:  linalg.fill 16 f32 (profile.mlir:[[@LINE+48]]:9)
// CHECK-DAG:  linalg.generic reduction(1 op: arith.maximumf) 16x96 f32 (profile.mlir:[[@LINE+48]]:10)
// CHECK-DAG:  linalg.generic elementwise(2 ops: arith.subf, math.exp) 16x96 f32 (profile.mlir:[[@LINE+53]]:9)
// CHECK-DAG:  linalg.fill 16 f32 (profile.mlir:[[@LINE+59]]:9)
// CHECK-DAG:  linalg.generic reduction(1 op: arith.addf) 16x96 f32 (profile.mlir:[[@LINE+59]]:10)
// CHECK-DAG:  linalg.generic elementwise(1 op: arith.divf) 16x96 f32 (profile.mlir:[[@LINE+64]]:9)
// CHECK-DAG:  bitsink.sink_attention q 1x2x16x32 kv 1x2x16x32 f32 (profile.mlir:[[@LINE+70]]:8)
// CHECK:      {{[0-9.]+ +[0-9.]+%}}          (in no kernel: allocations, the call itself)
// CHECK-NEXT: {{[0-9.]+ +100.0%}}          total
//
// The instrumentation adds calls and nothing else: without profile the
// code is the default pipeline's, and with it, once the calls (and the
// labels) are taken out, the same module again.
// RUN: bitsink-opt %s --bitsink-cpu-pipeline -o %t.plain.mlir
// RUN: bitsink-opt %s '--bitsink-cpu-pipeline=profile=false' | diff %t.plain.mlir -
// RUN: bitsink-opt %s '--bitsink-cpu-pipeline=profile=true' -o %t.instrumented.mlir
// RUN: grep -c 'llvm.call @bitsink_profile_begin' %t.instrumented.mlir | FileCheck %s --check-prefix=CALLS
// CALLS: 9
// RUN: grep -v bitsink_profile %t.instrumented.mlir | sed -e 's/^module attributes {bitsink.profile_labels = .*} {$/module {/' | bitsink-opt --canonicalize --cse -o %t.stripped.mlir
// RUN: bitsink-opt %t.plain.mlir --canonicalize --cse | diff %t.stripped.mlir -
//
// With --time-runs the timed calls are the profiled ones; --profile-rows
// keeps the slowest rows and sums the others.
// RUN: bitsink-run %s --profile --time-runs=4 --profile-rows=3 | FileCheck %s --check-prefix=ROWS
// ROWS:      time_ms: median={{[0-9.]+}} min={{[0-9.]+}} runs=4
// ROWS-NEXT: profile of 'main': 4 calls, {{[0-9.]+}} ms per call, 9 kernels
// ROWS-NEXT: (ms: mean per call of 'main'; runs: over all 4 calls)
// ROWS-NEXT: ms % runs kernel
// ROWS-NEXT: {{[0-9.]+ +[0-9.]+% +4  [a-z]}}
// ROWS-NEXT: {{[0-9.]+ +[0-9.]+% +4  [a-z]}}
// ROWS-NEXT: {{[0-9.]+ +[0-9.]+% +4  [a-z]}}
// ROWS-NEXT: {{[0-9.]+ +[0-9.]+% +24}}  (6 other kernels)
// ROWS-NEXT: {{.*}}(in no kernel: allocations, the call itself)
// ROWS-NEXT: {{.*}}total

#id = affine_map<(i, j) -> (i, j)>
#row = affine_map<(i, j) -> (i)>
func.func @main(%x: tensor<16x64xf32>, %w: tensor<64x96xf32>,
                %q: tensor<1x2x16x32xf32>, %k: tensor<1x2x16x32xf32>,
                %v: tensor<1x2x16x32xf32>)
    -> (tensor<16x96xf32>, tensor<1x2x16x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %ninf = arith.constant 0xFF800000 : f32
  %e0 = tensor.empty() : tensor<16x96xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e0 : tensor<16x96xf32>) -> tensor<16x96xf32>
  %mm = linalg.matmul ins(%x, %w : tensor<16x64xf32>, tensor<64x96xf32>)
                      outs(%acc : tensor<16x96xf32>) -> tensor<16x96xf32>
  %er = tensor.empty() : tensor<16xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%er : tensor<16xf32>) -> tensor<16xf32>
  %max = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%mm : tensor<16x96xf32>) outs(%m0 : tensor<16xf32>) {
  ^bb0(%a: f32, %m: f32):
    %r = arith.maximumf %a, %m : f32
    linalg.yield %r : f32
  } -> tensor<16xf32>
  %ex = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%mm, %max : tensor<16x96xf32>, tensor<16xf32>) outs(%e0 : tensor<16x96xf32>) {
  ^bb0(%a: f32, %m: f32, %o: f32):
    %d = arith.subf %a, %m : f32
    %e = math.exp %d : f32
    linalg.yield %e : f32
  } -> tensor<16x96xf32>
  %s0 = linalg.fill ins(%zero : f32) outs(%er : tensor<16xf32>) -> tensor<16xf32>
  %sum = linalg.generic {indexing_maps = [#id, #row], iterator_types = ["parallel", "reduction"]}
      ins(%ex : tensor<16x96xf32>) outs(%s0 : tensor<16xf32>) {
  ^bb0(%a: f32, %s: f32):
    %r = arith.addf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<16xf32>
  %sm = linalg.generic {indexing_maps = [#id, #row, #id], iterator_types = ["parallel", "parallel"]}
      ins(%ex, %sum : tensor<16x96xf32>, tensor<16xf32>) outs(%e0 : tensor<16x96xf32>) {
  ^bb0(%a: f32, %s: f32, %o: f32):
    %r = arith.divf %a, %s : f32
    linalg.yield %r : f32
  } -> tensor<16x96xf32>
  %e1 = tensor.empty() : tensor<1x2x16x32xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x16x32xf32>,
      tensor<1x2x16x32xf32>, tensor<1x2x16x32xf32>) outs(%e1 : tensor<1x2x16x32xf32>)
      {num_sinks = 2, window = 8, causal = true} -> tensor<1x2x16x32xf32>
  return %sm, %o : tensor<16x96xf32>, tensor<1x2x16x32xf32>
}
