// REQUIRES: numpy
// RUN: bitsink-run %s -e ffn --seed=1 --save-inputs=%t.ffn. -o %t.ffn.out.npy
// RUN: %numpy_python %S/../../Inputs/fuse-reference.py ffn %t.ffn. %t.ffn.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.ffn.ref.npy %t.ffn.out.npy | FileCheck %s
// RUN: bitsink-run %s -e layernorm --seed=2 --save-inputs=%t.ln. -o %t.ln.out.npy
// RUN: %numpy_python %S/../../Inputs/fuse-reference.py layernorm %t.ln. %t.ln.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.ln.ref.npy %t.ln.out.npy | FileCheck %s
// RUN: bitsink-run %s -e swiglu --seed=3 --save-inputs=%t.swiglu. -o %t.swiglu.out.npy
// RUN: %numpy_python %S/../../Inputs/fuse-reference.py swiglu %t.swiglu. %t.swiglu.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.swiglu.ref.npy %t.swiglu.out.npy | FileCheck %s
// RUN: bitsink-run %s -e softmax --seed=4 --save-inputs=%t.softmax. -o %t.softmax.out.npy
// RUN: %numpy_python %S/../../Inputs/fuse-reference.py softmax %t.softmax. %t.softmax.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.softmax.ref.npy %t.softmax.out.npy | FileCheck %s
// RUN: bitsink-run %s -e bias_transpose --seed=5 --save-inputs=%t.bt. -o %t.bt.out.npy
// RUN: %numpy_python %S/../../Inputs/fuse-reference.py bias_transpose %t.bt. %t.bt.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.bt.ref.npy %t.bt.out.npy | FileCheck %s
// RUN: bitsink-run %s -e linear_t --seed=6 --save-inputs=%t.lt. -o %t.lt.out.npy
// RUN: %numpy_python %S/../../Inputs/fuse-reference.py linear_t %t.lt. %t.lt.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.lt.ref.npy %t.lt.out.npy | FileCheck %s
// RUN: bitsink-run %s -e linear_t --pipeline='bitsink-cpu-pipeline{fuse-elementwise=false}' -i %t.lt.arg0.npy -i %t.lt.arg1.npy -i %t.lt.arg2.npy -o %t.lt.off.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.lt.ref.npy %t.lt.off.npy | FileCheck %s
// RUN: bitsink-run %s -e linear_t --profile | FileCheck %s --check-prefix=LINEAR
// RUN: bitsink-run %s -e linear_t --profile --pipeline='bitsink-cpu-pipeline{fuse-elementwise=false}' | FileCheck %s --check-prefix=LINEAR-OFF
//
// The same without fusion, against the same references:
// RUN: bitsink-run %s -e ffn --pipeline='bitsink-cpu-pipeline{fuse-elementwise=false}' -i %t.ffn.arg0.npy -i %t.ffn.arg1.npy -i %t.ffn.arg2.npy -i %t.ffn.arg3.npy -i %t.ffn.arg4.npy -o %t.ffn.off.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.ffn.ref.npy %t.ffn.off.npy | FileCheck %s
// RUN: bitsink-run %s -e softmax --pipeline='bitsink-cpu-pipeline{fuse-elementwise=false}' -i %t.softmax.arg0.npy -i %t.softmax.arg1.npy -o %t.softmax.off.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.softmax.ref.npy %t.softmax.off.npy | FileCheck %s
//
// Kernels per call with fusion (bitsink-cpu-pipeline's default) and
// without: the FFN's 8 element-wise ops become 2 (and its two matmuls
// contractions over 2 x 7 rows), and the second matmul's zero fill goes
// (its bias + residual is its accumulator: 5 kernels, 6 before that fold);
// SwiGLU's 5 become 1.
// RUN: bitsink-run %s -e ffn --profile | FileCheck %s --check-prefix=FFN
// RUN: bitsink-run %s -e ffn --profile --pipeline='bitsink-cpu-pipeline{fuse-elementwise=false}' | FileCheck %s --check-prefix=FFN-OFF
// RUN: bitsink-run %s -e swiglu --profile | FileCheck %s --check-prefix=SWIGLU
// RUN: bitsink-run %s -e swiglu --profile --pipeline='bitsink-cpu-pipeline{fuse-elementwise=false}' | FileCheck %s --check-prefix=SWIGLU-OFF
//
// Element-wise chains as torch-mlir imports them (one linalg.generic per
// op), fused by bitsink-fuse-elementwise in bitsink-cpu-pipeline
// (docs/cpu-vectorize.md, "Fusion"), against numpy in float64 on sizes
// that are no multiple of a vector: FFN bias + GELU and bias + residual
// around two matmuls, residual + LayerNorm, SwiGLU, softmax of scaled and
// masked scores, a bias add before a head transpose.
//
// CHECK: PASS
// FFN: profile of 'ffn': 1 call, {{.*}}, 5 kernels
// FFN-OFF: profile of 'ffn': 1 call, {{.*}}, 12 kernels
// SWIGLU: profile of 'swiglu': 1 call, {{.*}}, 1 kernel{{$}}
// SWIGLU-OFF: profile of 'swiglu': 1 call, {{.*}}, 5 kernels
// A linear layer as torch imports it (x Wᵀ + b: the weight transposed by a
// linalg.transpose, then linalg.matmul): the transpose goes into the
// contraction's map (its copy kernel goes), the bias into its accumulator
// (the other kernel: the bias broadcast as the accumulator's start).
// LINEAR: profile of 'linear_t': 1 call, {{.*}}, 2 kernels
// LINEAR-NOT: transpose
// LINEAR: contraction(2 ops: arith.mulf, arith.addf) 2x33x300x70 f32
// LINEAR-NOT: transpose
// LINEAR-OFF: profile of 'linear_t': 1 call, {{.*}}, 5 kernels
// LINEAR-OFF: linalg.transpose 70x300 f32

#id2 = affine_map<(i, j) -> (i, j)>
#row2 = affine_map<(i, j) -> (i)>
#col2 = affine_map<(i, j) -> (j)>
#id3 = affine_map<(b, s, c) -> (b, s, c)>
#col3 = affine_map<(b, s, c) -> (c)>
#red3 = affine_map<(b, s, c) -> (b, s, 0)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask4 = affine_map<(b, h, i, j) -> (i, j)>
#red4 = affine_map<(b, h, i, j) -> (b, h, i, 0)>

// Bias + GELU between the two FFN matmuls, then bias + residual, each op
// on its own as torch-mlir imports them.
func.func @ffn(%x: tensor<2x7x24xf32>, %w1: tensor<24x37xf32>, %b1: tensor<37xf32>, %w2: tensor<37x24xf32>, %b2: tensor<24xf32>) -> tensor<2x7x24xf32> {
  %zero = arith.constant 0.0 : f32
  %x2 = tensor.collapse_shape %x [[0, 1], [2]] : tensor<2x7x24xf32> into tensor<14x24xf32>
  %e1 = tensor.empty() : tensor<14x37xf32>
  %f1 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<14x37xf32>) -> tensor<14x37xf32>
  %h = linalg.matmul ins(%x2, %w1 : tensor<14x24xf32>, tensor<24x37xf32>) outs(%f1 : tensor<14x37xf32>) -> tensor<14x37xf32>
  %h3 = tensor.expand_shape %h [[0, 1], [2]] output_shape [2, 7, 37] : tensor<14x37xf32> into tensor<2x7x37xf32>
  %e3 = tensor.empty() : tensor<2x7x37xf32>
  %bb = linalg.generic {indexing_maps = [#col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%b1 : tensor<37xf32>) outs(%e3 : tensor<2x7x37xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x7x37xf32>
  %a = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%h3, %bb : tensor<2x7x37xf32>, tensor<2x7x37xf32>) outs(%e3 : tensor<2x7x37xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<2x7x37xf32>
  %d = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a : tensor<2x7x37xf32>) outs(%e3 : tensor<2x7x37xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 1.41421354 : f32
    %r = arith.divf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x7x37xf32>
  %er = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%d : tensor<2x7x37xf32>) outs(%e3 : tensor<2x7x37xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.erf %in : f32
    linalg.yield %r : f32
  } -> tensor<2x7x37xf32>
  %p1 = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%er : tensor<2x7x37xf32>) outs(%e3 : tensor<2x7x37xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 1.0 : f32
    %r = arith.addf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x7x37xf32>
  %g = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%a, %p1 : tensor<2x7x37xf32>, tensor<2x7x37xf32>) outs(%e3 : tensor<2x7x37xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %c = arith.constant 0.5 : f32
    %m = arith.mulf %in, %in2 : f32
    %r = arith.mulf %m, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x7x37xf32>
  %g2 = tensor.collapse_shape %g [[0, 1], [2]] : tensor<2x7x37xf32> into tensor<14x37xf32>
  %e2 = tensor.empty() : tensor<14x24xf32>
  %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<14x24xf32>) -> tensor<14x24xf32>
  %o = linalg.matmul ins(%g2, %w2 : tensor<14x37xf32>, tensor<37x24xf32>) outs(%f2 : tensor<14x24xf32>) -> tensor<14x24xf32>
  %o3 = tensor.expand_shape %o [[0, 1], [2]] output_shape [2, 7, 24] : tensor<14x24xf32> into tensor<2x7x24xf32>
  %e4 = tensor.empty() : tensor<2x7x24xf32>
  %ob = linalg.generic {indexing_maps = [#id3, #col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%o3, %b2 : tensor<2x7x24xf32>, tensor<24xf32>) outs(%e4 : tensor<2x7x24xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<2x7x24xf32>
  %res = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ob, %x : tensor<2x7x24xf32>, tensor<2x7x24xf32>) outs(%e4 : tensor<2x7x24xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<2x7x24xf32>
  return %res : tensor<2x7x24xf32>
}

// Residual add, then LayerNorm in pieces.
func.func @layernorm(%x: tensor<3x5x77xf32>, %r: tensor<3x5x77xf32>, %gamma: tensor<77xf32>, %beta: tensor<77xf32>) -> tensor<3x5x77xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<3x5x77xf32>
  %e1 = tensor.empty() : tensor<3x5x1xf32>
  %y = linalg.generic {indexing_maps = [#id3, #id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x, %r : tensor<3x5x77xf32>, tensor<3x5x77xf32>) outs(%e : tensor<3x5x77xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.addf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<3x5x77xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3x5x1xf32>) -> tensor<3x5x1xf32>
  %sum = linalg.generic {indexing_maps = [#id3, #red3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%y : tensor<3x5x77xf32>) outs(%z : tensor<3x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<3x5x1xf32>
  %mean = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%sum : tensor<3x5x1xf32>) outs(%e1 : tensor<3x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.constant 77.0 : f32
    %m = arith.divf %in, %n : f32
    linalg.yield %m : f32
  } -> tensor<3x5x1xf32>
  %c = linalg.generic {indexing_maps = [#id3, #red3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%y, %mean : tensor<3x5x77xf32>, tensor<3x5x1xf32>) outs(%e : tensor<3x5x77xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.subf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<3x5x77xf32>
  %sq = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%c : tensor<3x5x77xf32>) outs(%e : tensor<3x5x77xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.mulf %in, %in : f32
    linalg.yield %s : f32
  } -> tensor<3x5x77xf32>
  %z2 = linalg.fill ins(%zero : f32) outs(%e1 : tensor<3x5x1xf32>) -> tensor<3x5x1xf32>
  %ss = linalg.generic {indexing_maps = [#id3, #red3], iterator_types = ["parallel", "parallel", "reduction"]} ins(%sq : tensor<3x5x77xf32>) outs(%z2 : tensor<3x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %s = arith.addf %in, %out : f32
    linalg.yield %s : f32
  } -> tensor<3x5x1xf32>
  %rs = linalg.generic {indexing_maps = [#id3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%ss : tensor<3x5x1xf32>) outs(%e1 : tensor<3x5x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %n = arith.constant 77.0 : f32
    %eps = arith.constant 1.0e-5 : f32
    %v = arith.divf %in, %n : f32
    %ve = arith.addf %v, %eps : f32
    %q = math.rsqrt %ve : f32
    linalg.yield %q : f32
  } -> tensor<3x5x1xf32>
  %nrm = linalg.generic {indexing_maps = [#id3, #red3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%c, %rs : tensor<3x5x77xf32>, tensor<3x5x1xf32>) outs(%e : tensor<3x5x77xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %s = arith.mulf %in, %in2 : f32
    linalg.yield %s : f32
  } -> tensor<3x5x77xf32>
  %out = linalg.generic {indexing_maps = [#id3, #col3, #col3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%nrm, %gamma, %beta : tensor<3x5x77xf32>, tensor<77xf32>, tensor<77xf32>) outs(%e : tensor<3x5x77xf32>) {
  ^bb0(%in: f32, %g: f32, %b: f32, %o: f32):
    %m = arith.mulf %in, %g : f32
    %s = arith.addf %m, %b : f32
    linalg.yield %s : f32
  } -> tensor<3x5x77xf32>
  return %out : tensor<3x5x77xf32>
}

// SwiGLU: silu(gate) * up, the sigmoid in pieces.
func.func @swiglu(%gate: tensor<9x101xf32>, %up: tensor<9x101xf32>) -> tensor<9x101xf32> {
  %e = tensor.empty() : tensor<9x101xf32>
  %n = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gate : tensor<9x101xf32>) outs(%e : tensor<9x101xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  } -> tensor<9x101xf32>
  %ex = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%n : tensor<9x101xf32>) outs(%e : tensor<9x101xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<9x101xf32>
  %den = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%ex : tensor<9x101xf32>) outs(%e : tensor<9x101xf32>) {
  ^bb0(%in: f32, %out: f32):
    %one = arith.constant 1.0 : f32
    %r = arith.addf %in, %one : f32
    linalg.yield %r : f32
  } -> tensor<9x101xf32>
  %silu = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%gate, %den : tensor<9x101xf32>, tensor<9x101xf32>) outs(%e : tensor<9x101xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.divf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<9x101xf32>
  %y = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%silu, %up : tensor<9x101xf32>, tensor<9x101xf32>) outs(%e : tensor<9x101xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.mulf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<9x101xf32>
  return %y : tensor<9x101xf32>
}

// Softmax of scaled, masked attention scores.
func.func @softmax(%s: tensor<2x3x13x29xf32>, %mask: tensor<13x29xf32>) -> tensor<2x3x13x29xf32> {
  %ninf = arith.constant 0xFF800000 : f32
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x3x13x29xf32>
  %e1 = tensor.empty() : tensor<2x3x13x1xf32>
  %sc = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%s : tensor<2x3x13x29xf32>) outs(%e : tensor<2x3x13x29xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 0.125 : f32
    %r = arith.mulf %in, %c : f32
    linalg.yield %r : f32
  } -> tensor<2x3x13x29xf32>
  %mk = linalg.generic {indexing_maps = [#id4, #mask4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sc, %mask : tensor<2x3x13x29xf32>, tensor<13x29xf32>) outs(%e : tensor<2x3x13x29xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %r = arith.addf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x3x13x29xf32>
  %m0 = linalg.fill ins(%ninf : f32) outs(%e1 : tensor<2x3x13x1xf32>) -> tensor<2x3x13x1xf32>
  %max = linalg.generic {indexing_maps = [#id4, #red4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%mk : tensor<2x3x13x29xf32>) outs(%m0 : tensor<2x3x13x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.maximumf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x3x13x1xf32>
  %sub = linalg.generic {indexing_maps = [#id4, #red4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%mk, %max : tensor<2x3x13x29xf32>, tensor<2x3x13x1xf32>) outs(%e : tensor<2x3x13x29xf32>) {
  ^bb0(%in: f32, %m: f32, %out: f32):
    %r = arith.subf %in, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x3x13x29xf32>
  %ex = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%sub : tensor<2x3x13x29xf32>) outs(%e : tensor<2x3x13x29xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<2x3x13x29xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e1 : tensor<2x3x13x1xf32>) -> tensor<2x3x13x1xf32>
  %sum = linalg.generic {indexing_maps = [#id4, #red4], iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%ex : tensor<2x3x13x29xf32>) outs(%z : tensor<2x3x13x1xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.addf %in, %out : f32
    linalg.yield %r : f32
  } -> tensor<2x3x13x1xf32>
  %y = linalg.generic {indexing_maps = [#id4, #red4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%ex, %sum : tensor<2x3x13x29xf32>, tensor<2x3x13x1xf32>) outs(%e : tensor<2x3x13x29xf32>) {
  ^bb0(%in: f32, %t: f32, %out: f32):
    %r = arith.divf %in, %t : f32
    linalg.yield %r : f32
  } -> tensor<2x3x13x29xf32>
  return %y : tensor<2x3x13x29xf32>
}

// A bias add before the transpose that splits heads (K transposed for the
// scores: the head dimension becomes innermost-but-one).
func.func @bias_transpose(%p: tensor<3x7x5x12xf32>, %b: tensor<5x12xf32>) -> tensor<3x5x12x7xf32> {
  %e = tensor.empty() : tensor<3x7x5x12xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(n, s, h, d) -> (n, s, h, d)>, affine_map<(n, s, h, d) -> (h, d)>, affine_map<(n, s, h, d) -> (n, s, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p, %b : tensor<3x7x5x12xf32>, tensor<5x12xf32>) outs(%e : tensor<3x7x5x12xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<3x7x5x12xf32>
  %e2 = tensor.empty() : tensor<3x5x12x7xf32>
  %t = linalg.transpose ins(%a : tensor<3x7x5x12xf32>) outs(%e2 : tensor<3x5x12x7xf32>) permutation = [0, 2, 3, 1]
  return %t : tensor<3x5x12x7xf32>
}

// x Wᵀ + b with W of N x K = 300 x 70 (a packed B tile of the transposed
// weight and partial tiles) on 2 x 33 rows.
func.func @linear_t(%x: tensor<2x33x70xf32>, %w: tensor<300x70xf32>, %b: tensor<300xf32>) -> tensor<2x33x300xf32> {
  %c = tensor.collapse_shape %x [[0, 1], [2]] : tensor<2x33x70xf32> into tensor<66x70xf32>
  %et = tensor.empty() : tensor<70x300xf32>
  %wt = linalg.transpose ins(%w : tensor<300x70xf32>) outs(%et : tensor<70x300xf32>) permutation = [1, 0]
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<66x300xf32>
  %z = linalg.fill ins(%zero : f32) outs(%e : tensor<66x300xf32>) -> tensor<66x300xf32>
  %mm = linalg.matmul ins(%c, %wt : tensor<66x70xf32>, tensor<70x300xf32>) outs(%z : tensor<66x300xf32>) -> tensor<66x300xf32>
  %ey = tensor.empty() : tensor<66x300xf32>
  %y = linalg.generic {indexing_maps = [#id2, #col2, #id2], iterator_types = ["parallel", "parallel"]} ins(%mm, %b : tensor<66x300xf32>, tensor<300xf32>) outs(%ey : tensor<66x300xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<66x300xf32>
  %r = tensor.expand_shape %y [[0, 1], [2]] output_shape [2, 33, 300] : tensor<66x300xf32> into tensor<2x33x300xf32>
  return %r : tensor<2x33x300xf32>
}
