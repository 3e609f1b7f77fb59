// RUN: %python %S/../Inputs/write-arrays.py %t.npz fc1.weight=16x32 proj=2x3x32 fused.weight=4x32
// RUN: bitsink-opt %s -split-input-file -verify-diagnostics --bitsink-quantize-weights="method=bpdq planes=2 calibration=%t.npz" | FileCheck %s
//
// Calibration activations X[T][K] are looked up by the weight's name: a
// `bitsink.name` attribute on the constant (or its global), the symbol of an
// ml_program.global, the names in their locations, the dense_resource key; the first one present in the archive is used
// (H = XᵀX/T, leading dimensions of the array are rows). Without one, the
// Hessian is the identity and the pass warns.

// The location name of the constant.
// CHECK-LABEL: func @location_name
// CHECK: bitsink.bitplane_matmul
// CHECK-SAME: bitsink.quant_error = {bits_per_weight = {{.*}}, calibration = "fc1.weight", method = "bpdq", rel_error = {{.*}}, weight_rel_error = {{.*}}}
func.func @location_name(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w1 = arith.constant dense<0.5> : tensor<32x2xf32> loc("fc1.weight")
  %y = linalg.matmul ins(%x, %w1 : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// bitsink.name comes first; a 2x3x32 array is 6 rows of activations.
// CHECK-LABEL: func @explicit_name
// CHECK: bitsink.bitplane_matmul
// CHECK-SAME: calibration = "proj"
func.func @explicit_name(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant {bitsink.name = "proj"} dense<0.5> : tensor<32x2xf32> loc("fc1.weight")
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A name inside a fused location (as importers attach them).
// CHECK-LABEL: func @fused_location
// CHECK: bitsink.bitplane_matmul
// CHECK-SAME: calibration = "fused.weight"
func.func @fused_location(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<32x2xf32> loc(fused["model.py":3:1, "fused.weight"])
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// The key of a dense_resource weight (here in torch's N x K linear form).
// CHECK-LABEL: func @resource_key
// CHECK: bitsink.bitplane_matmul
// CHECK-SAME: calibration = "fc1.weight"
func.func @resource_key(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense_resource<fc1.weight> : tensor<2x32xf32>
  %y = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
         ins(%x, %w : tensor<4x32xf32>, tensor<2x32xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

{-#
  dialect_resources: {
    builtin: {
      fc1.weight: "0x040000000000803F000000400000404000008040000080BF000000C0000040C0000080C00000803F000000400000404000008040000080BF000000C0000040C0000080C00000803F000000400000404000008040000080BF000000C0000040C0000080C00000803F000000400000404000008040000080BF000000C0000040C0000080C00000803F000000400000404000008040000080BF000000C0000040C0000080C00000803F000000400000404000008040000080BF000000C0000040C0000080C00000803F000000400000404000008040000080BF000000C0000040C0000080C00000803F000000400000404000008040000080BF000000C0000040C0000080C0"
    }
  }
#-}

// -----

// The symbol of an ml_program.global.
// CHECK-LABEL: func @global_symbol
// CHECK: bitsink.bitplane_matmul
// CHECK-SAME: calibration = "proj"
ml_program.global private @proj(dense<0.5> : tensor<32x2xf32>) : tensor<32x2xf32>
func.func @global_symbol(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = ml_program.global_load_const @proj : tensor<32x2xf32>
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A name the archive does not have: identity Hessian, with a warning.
// CHECK-LABEL: func @missing_key
// CHECK: bitsink.bitplane_matmul
// CHECK-NOT: calibration =
// CHECK-SAME: method = "bpdq"
func.func @missing_key(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant {bitsink.name = "attn.q"} dense<0.5> : tensor<32x2xf32> loc("layer0")
  // expected-warning @+1 {{no calibration data for the weight (looked up 'attn.q', 'layer0'); quantizing with an identity Hessian}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// A weight without any name.
// CHECK-LABEL: func @unnamed
// CHECK: bitsink.bitplane_matmul
func.func @unnamed(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<32x2xf32>
  // expected-warning @+1 {{no calibration data for the weight (it has no name: set a bitsink.name attribute or a location name on the constant); quantizing with an identity Hessian}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
