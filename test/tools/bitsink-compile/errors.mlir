// bitsink-compile rejects bad command lines and inputs with a message (and
// MLIR diagnostics keep their file:line:col).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: not bitsink-compile %s -o %t/a.so --target=tpu 2>&1 | FileCheck %s --check-prefix=TARGET
// TARGET: bitsink-compile: error: unknown --target 'tpu' (expected cpu or cuda)
//
// RUN: not bitsink-compile %s -o %t/a.so --emit=exe 2>&1 | FileCheck %s --check-prefix=EMIT
// EMIT: bitsink-compile: error: unknown --emit 'exe' (expected so or obj)
//
// RUN: not bitsink-compile %s -o %t/a.so --chip=sm_90 2>&1 | FileCheck %s --check-prefix=CHIPCPU
// CHIPCPU: bitsink-compile: error: --chip, --features and --cubin-format need --target=cuda
//
// RUN: not bitsink-compile %t/missing.mlir -o %t/a.so 2>&1 | FileCheck %s --check-prefix=MISSING
// MISSING: bitsink-compile: error: cannot read {{.*}}missing.mlir: No such file or directory
//
// RUN: not bitsink-compile %s -o %t/a.so --pipeline-options="query-tile=x" 2>&1 | FileCheck %s --check-prefix=OPTS
// OPTS: bitsink-compile: error: bad --pipeline-options for bitsink-cpu-pipeline: 'query-tile=x'
//
// RUN: not bitsink-compile %s -o %t/no-such-dir/a.so 2>&1 | FileCheck %s --check-prefix=OUTDIR
// OUTDIR: bitsink-compile: error: cannot write {{.*}}no-such-dir/a.so
//
// RUN: printf 'func.func @f( {\n' > %t/bad.mlir
// RUN: not bitsink-compile %t/bad.mlir -o %t/a.so 2>&1 | FileCheck %s --check-prefix=PARSE
// PARSE: bad.mlir:1:14: error: expected non-function type
//
// RUN: printf 'func.func private @f() {\n  return\n}\n' > %t/private.mlir
// RUN: not bitsink-compile %t/private.mlir -o %t/a.so 2>&1 | FileCheck %s --check-prefix=NOENTRY
// NOENTRY: bitsink-compile: error: {{.*}}private.mlir has no public function with a body to export
//
// The .o stops before linking: our entry and its C wrapper, undefined libomp.
// RUN: bitsink-compile %s -o %t/f.o --emit=obj
// RUN: llvm-nm %t/f.o | FileCheck %s --check-prefix=OBJ
// OBJ-DAG: T _mlir_ciface_f
// OBJ-DAG: T f

func.func @f(%x: tensor<4xf32>) -> tensor<4xf32> {
  return %x : tensor<4xf32>
}
