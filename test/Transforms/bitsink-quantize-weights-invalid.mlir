// RUN: not bitsink-opt %s --bitsink-quantize-weights="method=gptq" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not bitsink-opt %s --bitsink-quantize-weights="method=rtn planes=5" 2>&1 | FileCheck %s --check-prefix=PLANES
// RUN: not bitsink-opt %s --bitsink-quantize-weights="method=bpdq planes=0" 2>&1 | FileCheck %s --check-prefix=PLANES0
// RUN: not bitsink-opt %s --bitsink-quantize-weights="method=trit planes=3" 2>&1 | FileCheck %s --check-prefix=TRIT
// RUN: not bitsink-opt %s --bitsink-quantize-weights="group-size=48" 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not bitsink-opt %s --bitsink-quantize-weights="coefficient-type=bf16" 2>&1 | FileCheck %s --check-prefix=COEFF
// RUN: not bitsink-opt %s --bitsink-quantize-weights="sub-block=12" 2>&1 | FileCheck %s --check-prefix=SUBBLOCK
// RUN: not bitsink-opt %s --bitsink-quantize-weights="method=rtn sub-block=16" 2>&1 | FileCheck %s --check-prefix=SUBBLOCK-RTN
// RUN: not bitsink-opt %s --bitsink-quantize-weights="budget=3 sub-block=16" 2>&1 | FileCheck %s --check-prefix=SUBBLOCK-BUDGET
// RUN: not bitsink-opt %s --bitsink-quantize-weights="budget=3 budget-sub-blocks=8,12" 2>&1 | FileCheck %s --check-prefix=BUDGET-SUB
// RUN: not bitsink-opt %s --bitsink-quantize-weights="budget-sub-blocks=8" 2>&1 | FileCheck %s --check-prefix=BUDGET-SUB-ALONE
// RUN: not bitsink-opt %s --bitsink-quantize-weights="rotation=48" 2>&1 | FileCheck %s --check-prefix=ROTATION
// RUN: not bitsink-opt %s --bitsink-quantize-weights="rotation=-4" 2>&1 | FileCheck %s --check-prefix=ROTATION-NEG
// RUN: not bitsink-opt %s --bitsink-quantize-weights="calibration=%t.missing.npz" 2>&1 | FileCheck %s --check-prefix=FILE -DPATH=%t.missing.npz
// RUN: printf 'not a zip archive' > %t.garbage.npz
// RUN: not bitsink-opt %s --bitsink-quantize-weights="calibration=%t.garbage.npz" 2>&1 | FileCheck %s --check-prefix=GARBAGE -DPATH=%t.garbage.npz
// RUN: %python %S/../Inputs/write-arrays.py %t.npz narrow=8x16 scalar=1 empty=0x32
// RUN: bitsink-opt %s -split-input-file -verify-diagnostics --bitsink-quantize-weights="method=bpdq calibration=%t.npz"
//
// Bad options fail the pass with an error on the module and leave the IR
// alone; calibration arrays that do not fit the weight are errors on the op.

// METHOD: error: bitsink-quantize-weights: unknown method 'gptq' (expected rtn, bpdq or trit)
// PLANES: error: bitsink-quantize-weights: planes must be in 1-4, got 5
// PLANES0: error: bitsink-quantize-weights: planes must be in 1-4, got 0
// TRIT: error: bitsink-quantize-weights: method trit needs planes=2 or planes=4 (one or two trit-planes), got 3
// GROUP: error: bitsink-quantize-weights: group-size must be a multiple of 32 (or <= 0 for one group per output channel), got 48
// SUBBLOCK: error: bitsink-quantize-weights: sub-block must be 0 (none), 8, 16 or 32, got 12
// SUBBLOCK-RTN: error: bitsink-quantize-weights: sub-block scale codes need method bpdq or trit, not rtn
// SUBBLOCK-BUDGET: error: bitsink-quantize-weights: sub-block gives every weight codes; with a budget, list the sub-block sizes to try in budget-sub-blocks
// BUDGET-SUB: error: bitsink-quantize-weights: budget-sub-blocks entries must be 8, 16 or 32, got 12
// BUDGET-SUB-ALONE: error: bitsink-quantize-weights: budget-sub-blocks needs a budget (budget=B)
// COEFF: error: bitsink-quantize-weights: coefficient-type must be f16 or f32, got 'bf16'
// ROTATION: error: bitsink-quantize-weights: rotation must be 0 (off) or a power of two, got 48
// ROTATION-NEG: error: bitsink-quantize-weights: rotation must be 0 (off) or a power of two, got -4
// FILE: error: bitsink-quantize-weights: cannot read calibration file '[[PATH]]':
// GARBAGE: error: bitsink-quantize-weights: cannot read calibration file '[[PATH]]':

// Calibration activations must be T x K (here K = 32).
func.func @wrong_columns(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant {bitsink.name = "narrow"} dense<0.5> : tensor<32x2xf32>
  // expected-error @+1 {{calibration array 'narrow' must have K = 32 columns (the weight's input features), got 16}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @scalar_columns(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0.5> : tensor<32x2xf32> loc("scalar")
  // expected-error @+1 {{calibration array 'scalar' must have K = 32 columns (the weight's input features), got 1}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @no_rows(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant {bitsink.name = "empty"} dense<0.5> : tensor<32x2xf32>
  // expected-error @+1 {{calibration array 'empty' has no rows}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Weights the quantizer rejects are errors on the op (here beyond the f16
// range of the default coefficients).
func.func @outside_f16_range(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<1.0e+06> : tensor<32x2xf32>
  // expected-warning @+2 {{no calibration data for the weight}}
  // expected-error @+1 {{quantizer failed on the 32x2 weight: weight 1000000.000000 at row 0, column 0 is outside the f16 range of the coefficients; use f32 coefficients}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

func.func @not_finite(%x: tensor<4x32xf32>, %acc: tensor<4x2xf32>) -> tensor<4x2xf32> {
  %w = arith.constant dense<0x7FC00000> : tensor<32x2xf32>
  // expected-warning @+2 {{no calibration data for the weight}}
  // expected-error @+1 {{quantizer failed on the 32x2 weight: weight has a non-finite value at row 0, column 0}}
  %y = linalg.matmul ins(%x, %w : tensor<4x32xf32>, tensor<32x2xf32>) outs(%acc : tensor<4x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}
