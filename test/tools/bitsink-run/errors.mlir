// Bad input to bitsink-run is a one-line error and exit code 1, never a
// crash. @ints and @main below provide .npy files of the wrong dtype and
// shape for @main.

// RUN: bitsink-run %s -e ints -o %t.ints.npy
// RUN: bitsink-run %s -e floats -o %t.wide.npy

// RUN: not bitsink-run %t.does-not-exist.mlir 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: bitsink-run: error: cannot open '{{.*}}does-not-exist.mlir': No such file or directory

// RUN: not bitsink-run %s -e nope 2>&1 | FileCheck %s --check-prefix=ENTRY
// ENTRY: bitsink-run: error: no function named 'nope' in '{{.*}}errors.mlir'

// RUN: not bitsink-run %s --pipeline='no-such-pass' 2>&1 | FileCheck %s --check-prefix=PIPELINE
// PIPELINE: bitsink-run: error: bad pass pipeline 'no-such-pass': {{.*}}no-such-pass
// The same inside the builtin.module(...) anchor, and a misspelt pipeline
// name: a parse error, not a crash.
// RUN: not bitsink-run %s --pipeline='builtin.module(canonicalize,bitsink-cpu-pipelin)' 2>&1 | FileCheck %s --check-prefix=ANCHORED
// ANCHORED: bitsink-run: error: bad pass pipeline 'builtin.module(canonicalize,bitsink-cpu-pipelin)': {{.*}}'bitsink-cpu-pipelin' does not refer to a registered pass or pass pipeline

// RUN: not bitsink-run %s -i %t.wide.npy 2>&1 | FileCheck %s --check-prefix=SHAPE
// SHAPE: bitsink-run: error: argument 0 (tensor<2x3xf32>): expected shape (2, 3), got (3, 2)

// RUN: not bitsink-run %s -i %t.ints.npy 2>&1 | FileCheck %s --check-prefix=DTYPE
// DTYPE: bitsink-run: error: argument 0 (tensor<2x3xf32>): expected dtype float32, got int64

// RUN: not bitsink-run %s -i %s 2>&1 | FileCheck %s --check-prefix=NOTNPY
// NOTNPY: bitsink-run: error: {{.*}}errors.mlir: not a .npy file (bad magic)

// RUN: not bitsink-run %s -i %t.nothing.npy 2>&1 | FileCheck %s --check-prefix=NOINPUT
// NOINPUT: bitsink-run: error: cannot open '{{.*}}nothing.npy': No such file or directory

// RUN: not bitsink-run %s -i %t.ints.npy -i %t.ints.npy 2>&1 | FileCheck %s --check-prefix=COUNT
// COUNT: bitsink-run: error: 2 inputs given, 'main' takes 1 arguments

// RUN: not bitsink-run %s -e dynamic 2>&1 | FileCheck %s --check-prefix=DYNAMIC
// DYNAMIC: bitsink-run: error: entry 'dynamic': argument 0 has dynamic shape tensor<?xf32>; only static shapes are supported

// The reference interpreter names the op it does not know and where it is.
// RUN: not bitsink-run %s --reference 2>&1 | FileCheck %s --check-prefix=REFOP
// REFOP: bitsink-run: error: reference: {{.*}}errors.mlir:[[@LINE+14]]:8: 'linalg.exp': op is not supported by the reference interpreter

// RUN: printf 'func.func @f(%%%%a: tensor<2xf32>) {\n  return %%%%a : tensor<2xf32>\n}\n' > %t.bad.mlir
// RUN: not bitsink-run %t.bad.mlir -e f 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: bad.mlir:2:3: error: 'func.return' op has 1 operands, but enclosing function (@f) returns 0
// PARSE: bitsink-run: error: cannot parse '{{.*}}bad.mlir'

func.func @ints() -> tensor<2x3xi64> {
  %c = arith.constant dense<1> : tensor<2x3xi64>
  return %c : tensor<2x3xi64>
}

func.func @main(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %empty = tensor.empty() : tensor<2x3xf32>
  %e = linalg.exp ins(%a : tensor<2x3xf32>) outs(%empty : tensor<2x3xf32>) -> tensor<2x3xf32>
  return %e : tensor<2x3xf32>
}

func.func @floats() -> tensor<3x2xf32> {
  %c = arith.constant dense<1.0> : tensor<3x2xf32>
  return %c : tensor<3x2xf32>
}

func.func @dynamic(%a: tensor<?xf32>) -> tensor<?xf32> {
  return %a : tensor<?xf32>
}
