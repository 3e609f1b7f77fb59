// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-fuse-elementwise))' | FileCheck %s
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-fuse-elementwise),one-shot-bufferize{bufferize-function-boundaries function-boundary-type-conversion=identity-layout-map},func.func(bitsink-tile-contractions,bitsink-vectorize-linalg{vector-bits=512}),canonicalize,cse)' | FileCheck %s --check-prefix=VEC
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-fuse-elementwise{reshapes=false}))' | FileCheck %s --check-prefix=NORESHAPE
// RUN: bitsink-opt %s --pass-pipeline='builtin.module(func.func(bitsink-fuse-elementwise))' --mlir-print-local-scope | FileCheck %s --check-prefix=MAPS

// bitsink-fuse-elementwise (docs/cpu-vectorize.md, "Fusion"): element-wise
// chains as torch-mlir imports them (one linalg.generic per op) become one
// generic each; the second RUN shows each fused chain vectorised by
// bitsink-vectorize-linalg (vector math, no generic left). The functions
// after @softmax are fusions the pass refuses.

#id2 = affine_map<(i, j) -> (i, j)>
#row2 = affine_map<(i, j) -> (i)>
#col2 = affine_map<(i, j) -> (j)>
#id3 = affine_map<(b, s, c) -> (b, s, c)>
#col3 = affine_map<(b, s, c) -> (c)>
#red3 = affine_map<(b, s, c) -> (b, s, 0)>
#id4 = affine_map<(b, h, i, j) -> (b, h, i, j)>
#mask4 = affine_map<(b, h, i, j) -> (i, j)>
#red4 = affine_map<(b, h, i, j) -> (b, h, i, 0)>

// Bias + GELU between the FFN matmuls, bias + residual after them. The
// reshapes around the matmuls only split M (14 rows = 2 x 7), so they move
// across them: the matmuls become contractions over 2 x 7 rows (merged again
// by bitsink-tile-contractions). The GELU is not fused into the second
// contraction, which would compute it once per output column. The bias +
// residual after the second contraction become its accumulator (b2 + x,
// computed before it where the zero fill was): the contraction's result is
// the function's (this used to be a generic after the contraction reading
// its result; changed with the accumulator fold). The first contraction's
// result is read twice by the fused GELU body, so its bias add stays.
// CHECK-LABEL: func.func @ffn(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<2x7x24xf32>
//   CHECK-NOT:   tensor.collapse_shape
//       CHECK:   %[[H:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "reduction"]} ins(%[[X]], %{{.*}} : tensor<2x7x24xf32>, tensor<24x37xf32>)
//       CHECK:   %[[G:.*]] = linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]} ins(%[[H]], %{{.*}} : tensor<2x7x37xf32>, tensor<37xf32>)
//       CHECK:     arith.addf
//       CHECK:     arith.divf
//       CHECK:     math.erf
//       CHECK:     arith.addf
//       CHECK:     arith.mulf
//       CHECK:     arith.mulf
//   CHECK-NOT:     linalg.fill
//       CHECK:   %[[A:.*]] = linalg.generic {{.*}} ins(%{{.*}}, %[[X]] : tensor<24xf32>, tensor<2x7x24xf32>)
//       CHECK:     arith.addf
//   CHECK-NOT:     arith.addf
//       CHECK:   %[[O:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[G]], %{{.*}} : tensor<2x7x37xf32>, tensor<37x24xf32>) outs(%[[A]] : tensor<2x7x24xf32>)
//   CHECK-NOT:     math.erf
//       CHECK:   return %[[O]]
// Without reshapes the matmuls stay 2-D and the chains still fuse; the
// bias + residual, read through the expand_shape of the second matmul's
// result, still become its accumulator, computed in the 2 x 7 x 24 shape
// the generic read and collapsed to the matmul's (this used to be a
// generic after that matmul; changed with the accumulator fold).
// NORESHAPE-LABEL: func.func @ffn(
//       NORESHAPE:   linalg.matmul
//       NORESHAPE:   tensor.expand_shape
//       NORESHAPE:   linalg.generic
//       NORESHAPE:     math.erf
//       NORESHAPE:   tensor.collapse_shape
//       NORESHAPE:   %[[NA:.*]] = linalg.generic {{.*}} outs(%{{.*}} : tensor<2x7x24xf32>)
//       NORESHAPE:   %[[NC:.*]] = tensor.collapse_shape %[[NA]] {{.*}} into tensor<14x24xf32>
//       NORESHAPE:   %[[NM:.*]] = linalg.matmul {{.*}} outs(%[[NC]] : tensor<14x24xf32>)
//       NORESHAPE:   %[[NE:.*]] = tensor.expand_shape %[[NM]]
//   NORESHAPE-NOT:   linalg.generic
//       NORESHAPE:   return %[[NE]]
// VEC-LABEL: func.func @ffn(
//       VEC:   scf.parallel
//       VEC:     math.erf %{{.*}} : vector<37xf32>
//   VEC-NOT:   linalg.generic
//       VEC:   return
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

// Residual add, then LayerNorm in pieces. The residual sum and the centred
// values are cheap and read by two ops each: a copy per reader costs fewer
// bytes than writing them once and reading them twice (per element, one
// more read of the two f32 inputs against a write and two reads of the
// result), so every reader recomputes them from x and r. The mean's
// division is fused into the centring (cheap, recomputed per element), the
// square into the variance's sum, the rsqrt chain and the affine scale into
// the normalisation: three ops, each reading x and r.
// CHECK-LABEL: func.func @layernorm(
//  CHECK-SAME:     %[[X:[^:]*]]: tensor<3x5x77xf32>, %[[R:[^:]*]]: tensor<3x5x77xf32>
//       CHECK:   %[[SUM:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[X]], %[[R]] :
//       CHECK:     arith.addf
//       CHECK:     arith.addf
//       CHECK:   %[[VAR:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[X]], %[[R]], %[[SUM]] :
//       CHECK:     arith.divf
//       CHECK:     arith.addf
//       CHECK:     arith.subf
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:   %[[N:.*]] = linalg.generic {{.*}}["parallel", "parallel", "parallel"]} ins(%[[X]], %[[R]], %[[SUM]], %[[VAR]], %{{.*}}, %{{.*}} :
//       CHECK:     math.rsqrt
//       CHECK:     arith.mulf
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:   return %[[N]]
// VEC-LABEL: func.func @layernorm(
//       VEC:   math.rsqrt %{{.*}} : vector<64xf32>
//   VEC-NOT:   linalg.generic
//       VEC:   return
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

// SwiGLU: the sigmoid pieces, silu and the product with up in one op.
// CHECK-LABEL: func.func @swiglu(
//       CHECK:   %[[Y:.*]] = linalg.generic
//       CHECK:     arith.negf
//       CHECK:     math.exp
//       CHECK:     arith.addf
//       CHECK:     arith.divf
//       CHECK:     arith.mulf
//   CHECK-NOT:   linalg.generic
//       CHECK:   return %[[Y]]
// VEC-LABEL: func.func @swiglu(
//       VEC:   scf.parallel
//       VEC:     math.exp %{{.*}} : vector<64xf32>
//       VEC:     arith.mulf %{{.*}} : vector<64xf32>
//   VEC-NOT:   linalg.generic
//       VEC:   return
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

// Softmax of scaled, masked scores. Scaling and masking is cheap and read
// by the max and the exp: each recomputes it from the scores (one more read
// of them against a write and two reads of the scaled scores; the mask is
// broadcast over batch and heads and stays in cache). exp(x - max) is read
// by the sum and the division too, but is expensive: one op.
// CHECK-LABEL: func.func @softmax(
//  CHECK-SAME:     %[[S:[^:]*]]: tensor<2x3x13x29xf32>, %[[M:[^:]*]]: tensor<13x29xf32>
//       CHECK:   %[[MAX:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[S]], %[[M]] :
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:     arith.maximumf
//       CHECK:   %[[E:.*]] = linalg.generic {{.*}} ins(%[[S]], %[[M]], %[[MAX]] :
//       CHECK:     arith.mulf
//       CHECK:     arith.addf
//       CHECK:     arith.subf
//       CHECK:     math.exp
//       CHECK:   %[[SUM:.*]] = linalg.generic {{.*}}"reduction"]} ins(%[[E]] :
//       CHECK:   linalg.generic {{.*}} ins(%[[E]], %[[SUM]] :
//       CHECK:     arith.divf
// VEC-LABEL: func.func @softmax(
//       VEC:   scf.parallel
//       VEC:     arith.mulf %{{.*}} : vector<29xf32>
//       VEC:     arith.addf %{{.*}} : vector<29xf32>
//       VEC:   math.exp %{{.*}} : vector<29xf32>
//   VEC-NOT:   linalg.generic
//       VEC:   return
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


// The bias add of a projection before the head transpose (a named
// linalg.transpose next to the generic, made a generic): one op that reads
// the projection, adds the bias and writes the heads transposed.
// CHECK-LABEL: func.func @bias_transpose(
//  CHECK-SAME:     %[[P:[^:]*]]: tensor<2x5x3x8xf32>, %[[B:[^:]*]]: tensor<3x8xf32>
//       CHECK:   %[[T:.*]] = linalg.generic {{.*}} ins(%[[P]], %[[B]] : tensor<2x5x3x8xf32>, tensor<3x8xf32>) outs(%{{.*}} : tensor<2x3x5x8xf32>)
//       CHECK:     arith.addf
//   CHECK-NOT:   linalg.transpose
//       CHECK:   return %[[T]]
// VEC-LABEL: func.func @bias_transpose(
//       VEC:   arith.addf %{{.*}} : vector<8xf32>
//   VEC-NOT:   linalg
//       VEC:   return
func.func @bias_transpose(%p: tensor<2x5x3x8xf32>, %b: tensor<3x8xf32>) -> tensor<2x3x5x8xf32> {
  %e = tensor.empty() : tensor<2x5x3x8xf32>
  %a = linalg.generic {indexing_maps = [affine_map<(n, s, h, d) -> (n, s, h, d)>, affine_map<(n, s, h, d) -> (h, d)>, affine_map<(n, s, h, d) -> (n, s, h, d)>], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%p, %b : tensor<2x5x3x8xf32>, tensor<3x8xf32>) outs(%e : tensor<2x5x3x8xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<2x5x3x8xf32>
  %e2 = tensor.empty() : tensor<2x3x5x8xf32>
  %t = linalg.transpose ins(%a : tensor<2x5x3x8xf32>) outs(%e2 : tensor<2x3x5x8xf32>) permutation = [0, 2, 1, 3]
  return %t : tensor<2x3x5x8xf32>
}

// Refused: a GELU into the contraction it feeds (its map leaves out n: the
// erf would be computed once per output column).
// CHECK-LABEL: func.func @gelu_into_matmul(
//       CHECK:   %[[G:.*]] = linalg.generic
//       CHECK:     math.erf
//       CHECK:   linalg.generic {{.*}}"reduction"]} ins(%[[G]], %{{.*}} :
//   CHECK-NOT:     math.erf
//       CHECK:   return
func.func @gelu_into_matmul(%x: tensor<8x16xf32>, %w: tensor<16x24xf32>) -> tensor<8x24xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x16xf32>
  %g = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<8x16xf32>) outs(%e : tensor<8x16xf32>) {
  ^bb0(%in: f32, %out: f32):
    %c = arith.constant 0.707106769 : f32
    %half = arith.constant 0.5 : f32
    %one = arith.constant 1.0 : f32
    %s = arith.mulf %in, %c : f32
    %er = math.erf %s : f32
    %p = arith.addf %er, %one : f32
    %m = arith.mulf %in, %p : f32
    %r = arith.mulf %m, %half : f32
    linalg.yield %r : f32
  } -> tensor<8x16xf32>
  %e2 = tensor.empty() : tensor<8x24xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x24xf32>) -> tensor<8x24xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (k, n)>, affine_map<(m, n, k) -> (m, n)>], iterator_types = ["parallel", "parallel", "reduction"]} ins(%g, %w : tensor<8x16xf32>, tensor<16x24xf32>) outs(%f : tensor<8x24xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  } -> tensor<8x24xf32>
  return %y : tensor<8x24xf32>
}

// A per-row value broadcast over a row: fused when cheap (rsqrt), refused
// when expensive (exp, which would be computed per element instead of per
// row).
// CHECK-LABEL: func.func @broadcasts(
//       CHECK:   %[[EXP:.*]] = linalg.generic
//       CHECK:     math.exp
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %[[EXP]] :
//       CHECK:   linalg.generic {{.*}} ins(%{{.*}}, %{{.*}} : tensor<4x33xf32>, tensor<4xf32>)
//       CHECK:     math.rsqrt
//       CHECK:     arith.mulf
func.func @broadcasts(%x: tensor<4x33xf32>, %v: tensor<4xf32>) -> (tensor<4x33xf32>, tensor<4x33xf32>) {
  %e1 = tensor.empty() : tensor<4xf32>
  %ex = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%v : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.exp %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %rs = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>], iterator_types = ["parallel"]} ins(%v : tensor<4xf32>) outs(%e1 : tensor<4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.rsqrt %in : f32
    linalg.yield %r : f32
  } -> tensor<4xf32>
  %e = tensor.empty() : tensor<4x33xf32>
  %a = linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %ex : tensor<4x33xf32>, tensor<4xf32>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.mulf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<4x33xf32>
  %b = linalg.generic {indexing_maps = [#id2, #row2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x, %rs : tensor<4x33xf32>, tensor<4xf32>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.mulf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<4x33xf32>
  return %a, %b : tensor<4x33xf32>, tensor<4x33xf32>
}

// Refused: an expensive producer (tanh) with two readers stays one op (a
// copy per reader would compute it twice).
// CHECK-LABEL: func.func @two_users(
//       CHECK:   %[[T:.*]] = linalg.generic
//       CHECK:     math.tanh
//       CHECK:   linalg.generic {{.*}} ins(%[[T]] :
//       CHECK:   linalg.generic {{.*}} ins(%[[T]] :
func.func @two_users(%x: tensor<4x33xf32>) -> (tensor<4x33xf32>, tensor<4x33xf32>) {
  %e = tensor.empty() : tensor<4x33xf32>
  %t = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%x : tensor<4x33xf32>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = math.tanh %in : f32
    linalg.yield %r : f32
  } -> tensor<4x33xf32>
  %a = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%t : tensor<4x33xf32>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.negf %in : f32
    linalg.yield %r : f32
  } -> tensor<4x33xf32>
  %b = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%t : tensor<4x33xf32>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%in: f32, %out: f32):
    %r = arith.mulf %in, %in : f32
    linalg.yield %r : f32
  } -> tensor<4x33xf32>
  return %a, %b : tensor<4x33xf32>, tensor<4x33xf32>
}

// Refused: moving the expand_shape across the matmul would split N (96 =
// 3 heads x 32).
// CHECK-LABEL: func.func @split_heads(
//       CHECK:   %[[Q:.*]] = linalg.matmul
//       CHECK:   tensor.expand_shape %[[Q]] {{\[}}[0], [1, 2]]
func.func @split_heads(%x: tensor<8x64xf32>, %w: tensor<96x64xf32>, %b: tensor<8x3x32xf32>) -> tensor<8x3x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x96xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x96xf32>) -> tensor<8x96xf32>
  %q = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>] ins(%x, %w : tensor<8x64xf32>, tensor<96x64xf32>) outs(%f : tensor<8x96xf32>) -> tensor<8x96xf32>
  %q3 = tensor.expand_shape %q [[0], [1, 2]] output_shape [8, 3, 32] : tensor<8x96xf32> into tensor<8x3x32xf32>
  %e3 = tensor.empty() : tensor<8x3x32xf32>
  %y = linalg.generic {indexing_maps = [affine_map<(i, h, d) -> (i, h, d)>, affine_map<(i, h, d) -> (i, h, d)>, affine_map<(i, h, d) -> (i, h, d)>], iterator_types = ["parallel", "parallel", "parallel"]} ins(%q3, %b : tensor<8x3x32xf32>, tensor<8x3x32xf32>) outs(%e3 : tensor<8x3x32xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<8x3x32xf32>
  return %y : tensor<8x3x32xf32>
}

// Refused: a gather down the columns of a table (tensor.extract in the
// body, not contiguous along the output's rows) into the add that reads
// it: the fused op would not be vectorised. (A gather of rows is fused:
// @gather_rows.)
// CHECK-LABEL: func.func @gather(
//       CHECK:   %[[ROWS:.*]] = linalg.generic
//       CHECK:     tensor.extract
//       CHECK:   linalg.generic {{.*}} ins(%[[ROWS]], %{{.*}} :
func.func @gather(%table: tensor<33x50xf32>, %ids: tensor<4xi64>, %pos: tensor<4x33xf32>) -> tensor<4x33xf32> {
  %e = tensor.empty() : tensor<4x33xf32>
  %rows = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<4xi64>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%id: i64, %out: f32):
    %r = arith.index_cast %id : i64 to index
    %j = linalg.index 1 : index
    %v = tensor.extract %table[%j, %r] : tensor<33x50xf32>
    linalg.yield %v : f32
  } -> tensor<4x33xf32>
  %y = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%rows, %pos : tensor<4x33xf32>, tensor<4x33xf32>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<4x33xf32>
  return %y : tensor<4x33xf32>
}

// Fused: two embedding gathers of rows, with torch-mlir's index asserts,
// into the add that reads them (MiniLM's word + position embeddings): one
// op, which bitsink-vectorize-linalg vectorises (vectorize-linalg-gather.mlir).
// The fused producers go although their asserts are side effects: the
// fused op asserts the same.
// CHECK-LABEL: func.func @gather_rows(
//       CHECK:   %[[SUM:.*]] = linalg.generic
//   CHECK-DAG:     cf.assert %{{.*}}, "word"
//   CHECK-DAG:     cf.assert %{{.*}}, "position"
//   CHECK-DAG:     tensor.extract %{{.*}} : tensor<50x33xf32>
//   CHECK-DAG:     tensor.extract %{{.*}} : tensor<9x33xf32>
//       CHECK:     arith.addf
//   CHECK-NOT:   linalg.generic
//       CHECK:   return %[[SUM]]
func.func @gather_rows(%table: tensor<50x33xf32>, %ptable: tensor<9x33xf32>, %ids: tensor<4xi64>, %pids: tensor<4xi64>) -> tensor<4x33xf32> {
  %c50 = arith.constant 50 : index
  %c9 = arith.constant 9 : index
  %e = tensor.empty() : tensor<4x33xf32>
  %words = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, #id2], iterator_types = ["parallel", "parallel"]} ins(%ids : tensor<4xi64>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%id: i64, %out: f32):
    %r = arith.index_cast %id : i64 to index
    %ok = arith.cmpi ult, %r, %c50 : index
    cf.assert %ok, "word"
    %j = linalg.index 1 : index
    %v = tensor.extract %table[%r, %j] : tensor<50x33xf32>
    linalg.yield %v : f32
  } -> tensor<4x33xf32>
  %positions = linalg.generic {indexing_maps = [affine_map<(i, j) -> (i)>, #id2], iterator_types = ["parallel", "parallel"]} ins(%pids : tensor<4xi64>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%pid: i64, %out: f32):
    %r = arith.index_cast %pid : i64 to index
    %ok = arith.cmpi ult, %r, %c9 : index
    cf.assert %ok, "position"
    %j = linalg.index 1 : index
    %v = tensor.extract %ptable[%r, %j] : tensor<9x33xf32>
    linalg.yield %v : f32
  } -> tensor<4x33xf32>
  %y = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%words, %positions : tensor<4x33xf32>, tensor<4x33xf32>) outs(%e : tensor<4x33xf32>) {
  ^bb0(%in: f32, %in2: f32, %out: f32):
    %r = arith.addf %in, %in2 : f32
    linalg.yield %r : f32
  } -> tensor<4x33xf32>
  return %y : tensor<4x33xf32>
}

// A zero fill shared by two matmuls: one fill each (bufferization would
// otherwise copy the filled buffer for the second).
// CHECK-LABEL: func.func @shared_fill(
//       CHECK:   %[[E:.*]] = tensor.empty()
//       CHECK:   %[[F1:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] :
//       CHECK:   %[[F2:.*]] = linalg.fill ins(%{{.*}} : f32) outs(%[[E]] :
//       CHECK:   linalg.matmul {{.*}} outs(%[[F2]] :
//       CHECK:   linalg.matmul {{.*}} outs(%[[F1]] :
// VEC-LABEL: func.func @shared_fill(
//   VEC-NOT:   memref.copy
//       VEC:   return
func.func @shared_fill(%x: tensor<8x64xf32>, %wq: tensor<64x64xf32>, %wk: tensor<64x64xf32>) -> (tensor<8x64xf32>, tensor<8x64xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<8x64xf32>
  %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x64xf32>) -> tensor<8x64xf32>
  %q = linalg.matmul ins(%x, %wq : tensor<8x64xf32>, tensor<64x64xf32>) outs(%f : tensor<8x64xf32>) -> tensor<8x64xf32>
  %k = linalg.matmul ins(%x, %wk : tensor<8x64xf32>, tensor<64x64xf32>) outs(%f : tensor<8x64xf32>) -> tensor<8x64xf32>
  return %q, %k : tensor<8x64xf32>, tensor<8x64xf32>
}
// A transpose that moves only unit dimensions (a decode step's heads,
// [1, 1, H, D] -> [1, H, 1, D]) is a reshape: collapse to the non-unit
// dimensions and expand; bufferized, two views of one buffer and no copy
// kernel. A transpose that reorders non-unit dimensions stays.
// CHECK-LABEL: func.func @unit_dim_transpose
// CHECK-SAME:    (%[[X:.*]]: tensor<1x1x9x64xf32>
// CHECK-NOT:     linalg.transpose
// CHECK:         %[[C:.*]] = tensor.collapse_shape %[[X]] {{\[}}[0, 1, 2], [3]] : tensor<1x1x9x64xf32> into tensor<9x64xf32>
// CHECK:         %[[E:.*]] = tensor.expand_shape %[[C]] {{\[}}[0, 1], [2, 3]] output_shape [1, 9, 1, 64] : tensor<9x64xf32> into tensor<1x9x1x64xf32>
// CHECK:         %[[R:.*]] = linalg.transpose ins(%{{.*}} : tensor<1x4x9x64xf32>) outs(%{{.*}} : tensor<1x9x4x64xf32>) permutation = [0, 2, 1, 3]
// CHECK:         return %[[E]], %[[R]]
// VEC-LABEL:   func.func @unit_dim_transpose
// VEC:           memref.collapse_shape
// VEC:           memref.expand_shape
// VEC-NOT:       linalg.transpose ins(%{{.*}} : memref<1x1x9x64xf32
// NORESHAPE-LABEL: func.func @unit_dim_transpose
// NORESHAPE:       tensor.collapse_shape
func.func @unit_dim_transpose(%x: tensor<1x1x9x64xf32>, %y: tensor<1x4x9x64xf32>)
    -> (tensor<1x9x1x64xf32>, tensor<1x9x4x64xf32>) {
  %e = tensor.empty() : tensor<1x9x1x64xf32>
  %t = linalg.transpose ins(%x : tensor<1x1x9x64xf32>) outs(%e : tensor<1x9x1x64xf32>) permutation = [0, 2, 1, 3]
  %f = tensor.empty() : tensor<1x9x4x64xf32>
  %u = linalg.transpose ins(%y : tensor<1x4x9x64xf32>) outs(%f : tensor<1x9x4x64xf32>) permutation = [0, 2, 1, 3]
  return %t, %u : tensor<1x9x1x64xf32>, tensor<1x9x4x64xf32>
}

// A bit-plane projection's bias and residual adds become its accumulator:
// the broadcast of b plus r, written where the zero fill was; the
// projection's result is the function's.
// CHECK-LABEL: func.func @bitplane_bias_residual(
//  CHECK-SAME:     %[[BX:[^:]*]]: tensor<16x64xf32>, %[[BP:[^:]*]]: tensor<2x2x32xi32>, %[[BC:[^:]*]]: tensor<1x3x32xf16>, %[[BB:[^:]*]]: tensor<32xf32>, %[[BR:[^:]*]]: tensor<16x32xf32>)
//   CHECK-NOT:   linalg.fill
//       CHECK:   %[[BA:.*]] = linalg.generic {{.*}} ins(%[[BB]], %[[BR]] : tensor<32xf32>, tensor<16x32xf32>)
//       CHECK:     %[[S:.*]] = arith.addf
//       CHECK:     linalg.yield %[[S]]
//       CHECK:   %[[BY:.*]] = bitsink.bitplane_matmul ins(%[[BX]], %[[BP]], %[[BC]] : {{.*}}) outs(%[[BA]] : tensor<16x32xf32>)
//       CHECK:   return %[[BY]]
// NORESHAPE-LABEL: func.func @bitplane_bias_residual(
//   NORESHAPE-NOT:   linalg.fill
//       NORESHAPE:   bitsink.bitplane_matmul
//   NORESHAPE-NOT:   linalg.generic
//       NORESHAPE:   return
func.func @bitplane_bias_residual(%x: tensor<16x64xf32>, %p: tensor<2x2x32xi32>, %c: tensor<1x3x32xf16>, %bias: tensor<32xf32>, %res: tensor<16x32xf32>) -> tensor<16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<16x64xf32>, tensor<2x2x32xi32>, tensor<1x3x32xf16>) outs(%acc : tensor<16x32xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<16x32xf32>
  %b = linalg.generic {indexing_maps = [#col2, #id2], iterator_types = ["parallel", "parallel"]} ins(%bias : tensor<32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<16x32xf32>
  %s = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %b : tensor<16x32xf32>, tensor<16x32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %0 = arith.addf %in, %in1 : f32
    linalg.yield %0 : f32
  } -> tensor<16x32xf32>
  %r = linalg.generic {indexing_maps = [#id2, #id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%s, %res : tensor<16x32xf32>, tensor<16x32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %0 = arith.addf %in1, %in : f32
    linalg.yield %0 : f32
  } -> tensor<16x32xf32>
  return %r : tensor<16x32xf32>
}

// Not folded: the projection's result is also returned (read twice), and a
// product with it is not a sum.
// CHECK-LABEL: func.func @bitplane_result_read_twice(
//       CHECK:   %[[F:.*]] = linalg.fill
//       CHECK:   %[[Y2:.*]] = bitsink.bitplane_matmul {{.*}} outs(%[[F]] : tensor<16x32xf32>)
//       CHECK:   linalg.generic {{.*}} ins(%[[Y2]], %{{.*}} : tensor<16x32xf32>, tensor<32xf32>)
//       CHECK:     arith.addf
// CHECK-LABEL: func.func @bitplane_scaled(
//       CHECK:   %[[F3:.*]] = linalg.fill
//       CHECK:   %[[Y3:.*]] = bitsink.bitplane_matmul {{.*}} outs(%[[F3]] : tensor<16x32xf32>)
//       CHECK:   linalg.generic {{.*}} ins(%[[Y3]], %{{.*}} : tensor<16x32xf32>, tensor<32xf32>)
//       CHECK:     arith.mulf
func.func @bitplane_result_read_twice(%x: tensor<16x64xf32>, %p: tensor<2x2x32xi32>, %c: tensor<1x3x32xf16>, %bias: tensor<32xf32>) -> (tensor<16x32xf32>, tensor<16x32xf32>) {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<16x64xf32>, tensor<2x2x32xi32>, tensor<1x3x32xf16>) outs(%acc : tensor<16x32xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<16x32xf32>
  %s = linalg.generic {indexing_maps = [#id2, #col2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %bias : tensor<16x32xf32>, tensor<32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %0 = arith.addf %in, %in1 : f32
    linalg.yield %0 : f32
  } -> tensor<16x32xf32>
  return %s, %y : tensor<16x32xf32>, tensor<16x32xf32>
}
func.func @bitplane_scaled(%x: tensor<16x64xf32>, %p: tensor<2x2x32xi32>, %c: tensor<1x3x32xf16>, %scale: tensor<32xf32>) -> tensor<16x32xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<16x32xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<16x32xf32>) -> tensor<16x32xf32>
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : tensor<16x64xf32>, tensor<2x2x32xi32>, tensor<1x3x32xf16>) outs(%acc : tensor<16x32xf32>) {plane_kind = #bitsink.plane_kind<binary>, group_size = 64} -> tensor<16x32xf32>
  %s = linalg.generic {indexing_maps = [#id2, #col2, #id2], iterator_types = ["parallel", "parallel"]} ins(%y, %scale : tensor<16x32xf32>, tensor<32xf32>) outs(%e : tensor<16x32xf32>) {
  ^bb0(%in: f32, %in1: f32, %out: f32):
    %0 = arith.mulf %in, %in1 : f32
    linalg.yield %0 : f32
  } -> tensor<16x32xf32>
  return %s : tensor<16x32xf32>
}

// A linear layer's transposed weight (linalg.transpose, then linalg.matmul
// as torch imports x Wᵀ): the matmul, generalized, reads W (N x K) through
// its map; the transpose goes.
// CHECK-LABEL: func.func @transposed_weight(
// CHECK-SAME:    %[[X:[a-z0-9]+]]: tensor<8x70xf32>, %[[W:[a-z0-9]+]]: tensor<300x70xf32>
//   CHECK-NOT:   linalg.transpose
//       CHECK:   linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]} ins(%[[X]], %[[W]] : tensor<8x70xf32>, tensor<300x70xf32>)
//   CHECK-NOT:   linalg.transpose
// MAPS-LABEL: func.func @transposed_weight(
//       MAPS:   linalg.generic {indexing_maps = [affine_map<(d0, d1, d2) -> (d0, d2)>, affine_map<(d0, d1, d2) -> (d1, d2)>, affine_map<(d0, d1, d2) -> (d0, d1)>]
// VEC-LABEL: func.func @transposed_weight(
//   VEC-NOT:   linalg.transpose ins(%arg1
func.func @transposed_weight(%x: tensor<8x70xf32>, %w: tensor<300x70xf32>, %acc: tensor<8x300xf32>) -> tensor<8x300xf32> {
  %et = tensor.empty() : tensor<70x300xf32>
  %wt = linalg.transpose ins(%w : tensor<300x70xf32>) outs(%et : tensor<70x300xf32>) permutation = [1, 0]
  %mm = linalg.matmul ins(%x, %wt : tensor<8x70xf32>, tensor<70x300xf32>) outs(%acc : tensor<8x300xf32>) -> tensor<8x300xf32>
  return %mm : tensor<8x300xf32>
}

// A transpose with another reader stays (it is computed anyway), and so
// does the named matmul.
// CHECK-LABEL: func.func @transpose_shared(
//       CHECK:   %[[T:.*]] = linalg.transpose
//       CHECK:   linalg.matmul ins(%{{.*}}, %[[T]] :
func.func @transpose_shared(%x: tensor<8x70xf32>, %w: tensor<300x70xf32>, %acc: tensor<8x300xf32>) -> (tensor<8x300xf32>, tensor<70x300xf32>) {
  %et = tensor.empty() : tensor<70x300xf32>
  %wt = linalg.transpose ins(%w : tensor<300x70xf32>) outs(%et : tensor<70x300xf32>) permutation = [1, 0]
  %mm = linalg.matmul ins(%x, %wt : tensor<8x70xf32>, tensor<70x300xf32>) outs(%acc : tensor<8x300xf32>) -> tensor<8x300xf32>
  return %mm, %wt : tensor<8x300xf32>, tensor<70x300xf32>
}

// K transposed for the scores (a transpose next to a generic contraction,
// generalized to a copy generic first): the contraction reads K through
// (b, h, j, d). A transposed left-hand side stays: the register tiles read
// A in place.
// CHECK-LABEL: func.func @scores_transposed_k(
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: tensor<2x3x5x8xf32>, %[[K:[a-z0-9]+]]: tensor<2x3x7x8xf32>
//   CHECK-NOT:   linalg.transpose
//       CHECK:   linalg.generic {{.*}} ins(%[[Q]], %[[K]] : tensor<2x3x5x8xf32>, tensor<2x3x7x8xf32>)
// MAPS-LABEL: func.func @scores_transposed_k(
//       MAPS:   linalg.generic {indexing_maps = [affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d3, d4)>, affine_map<(d0, d1, d2, d3, d4) -> (d0, d1, d2, d3)>]
// CHECK-LABEL: func.func @transposed_lhs(
//       CHECK:   %[[AT:.*]] = linalg.transpose
//       CHECK:   linalg.matmul ins(%[[AT]], %{{.*}} :
func.func @scores_transposed_k(%q: tensor<2x3x5x8xf32>, %k: tensor<2x3x7x8xf32>, %acc: tensor<2x3x5x7xf32>) -> tensor<2x3x5x7xf32> {
  %e = tensor.empty() : tensor<2x3x8x7xf32>
  %kt = linalg.transpose ins(%k : tensor<2x3x7x8xf32>) outs(%e : tensor<2x3x8x7xf32>) permutation = [0, 1, 3, 2]
  %s = linalg.generic {indexing_maps = [affine_map<(b, h, i, j, d) -> (b, h, i, d)>, affine_map<(b, h, i, j, d) -> (b, h, d, j)>, affine_map<(b, h, i, j, d) -> (b, h, i, j)>], iterator_types = ["parallel", "parallel", "parallel", "parallel", "reduction"]} ins(%q, %kt : tensor<2x3x5x8xf32>, tensor<2x3x8x7xf32>) outs(%acc : tensor<2x3x5x7xf32>) {
  ^bb0(%a: f32, %b: f32, %c: f32):
    %m = arith.mulf %a, %b : f32
    %r = arith.addf %c, %m : f32
    linalg.yield %r : f32
  } -> tensor<2x3x5x7xf32>
  return %s : tensor<2x3x5x7xf32>
}

func.func @transposed_lhs(%a: tensor<70x8xf32>, %w: tensor<70x300xf32>, %acc: tensor<8x300xf32>) -> tensor<8x300xf32> {
  %et = tensor.empty() : tensor<8x70xf32>
  %at = linalg.transpose ins(%a : tensor<70x8xf32>) outs(%et : tensor<8x70xf32>) permutation = [1, 0]
  %mm = linalg.matmul ins(%at, %w : tensor<8x70xf32>, tensor<70x300xf32>) outs(%acc : tensor<8x300xf32>) -> tensor<8x300xf32>
  return %mm : tensor<8x300xf32>
}
