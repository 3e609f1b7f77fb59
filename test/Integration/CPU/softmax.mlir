// linalg.softmax through bitsink-cpu-pipeline (decomposed by
// bitsink-decompose-aggregates into max / exp-sum reductions and a divide,
// then fused and vectorised like any generics) against numpy in float64, on
// odd sizes and over each kind of dimension: the innermost (rows), the
// outermost (columns), the middle one of three, and f16.
//
// RUN: bitsink-run %s -e rows --seed=1 --save-inputs=%t.rows. -o %t.rows.out.npy
// RUN: %numpy_python %S/../../Inputs/softmax-reference.py 1 %t.rows. %t.rows.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.rows.ref.npy %t.rows.out.npy | FileCheck %s
// RUN: bitsink-run %s -e columns --seed=2 --save-inputs=%t.columns. -o %t.columns.out.npy
// RUN: %numpy_python %S/../../Inputs/softmax-reference.py 0 %t.columns. %t.columns.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.columns.ref.npy %t.columns.out.npy | FileCheck %s
// RUN: bitsink-run %s -e middle --seed=3 --save-inputs=%t.middle. -o %t.middle.out.npy
// RUN: %numpy_python %S/../../Inputs/softmax-reference.py 1 %t.middle. %t.middle.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.middle.ref.npy %t.middle.out.npy | FileCheck %s
// RUN: bitsink-run %s -e half --seed=4 --save-inputs=%t.half. -o %t.half.out.npy
// RUN: %numpy_python %S/../../Inputs/softmax-reference.py 1 %t.half. %t.half.ref.npy
// RUN: %numpy_python %S/../../Inputs/compare-npy.py %t.half.ref.npy %t.half.out.npy --atol 2e-3 --rtol 2e-3 | FileCheck %s
//
// CHECK: PASS

func.func @rows(%x: tensor<7x37xf32>) -> tensor<7x37xf32> {
  %e = tensor.empty() : tensor<7x37xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<7x37xf32>) outs(%e : tensor<7x37xf32>) -> tensor<7x37xf32>
  return %s : tensor<7x37xf32>
}

func.func @columns(%x: tensor<129x5xf32>) -> tensor<129x5xf32> {
  %e = tensor.empty() : tensor<129x5xf32>
  %s = linalg.softmax dimension(0) ins(%x : tensor<129x5xf32>) outs(%e : tensor<129x5xf32>) -> tensor<129x5xf32>
  return %s : tensor<129x5xf32>
}

func.func @middle(%x: tensor<3x33x17xf32>) -> tensor<3x33x17xf32> {
  %e = tensor.empty() : tensor<3x33x17xf32>
  %s = linalg.softmax dimension(1) ins(%x : tensor<3x33x17xf32>) outs(%e : tensor<3x33x17xf32>) -> tensor<3x33x17xf32>
  return %s : tensor<3x33x17xf32>
}

func.func @half(%x: tensor<5x71xf16>) -> tensor<5x71xf16> {
  %e = tensor.empty() : tensor<5x71xf16>
  %s = linalg.softmax dimension(1) ins(%x : tensor<5x71xf16>) outs(%e : tensor<5x71xf16>) -> tensor<5x71xf16>
  return %s : tensor<5x71xf16>
}
