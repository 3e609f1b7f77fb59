// --profile needs kernels to time: the compiled run, a pipeline with
// bitsink-cpu-pipeline (or bitsink-profile-instrument), or a module lowered
// with profile=true. Anything else is a one-line error.

// RUN: not bitsink-run %s --profile --reference 2>&1 | FileCheck %s --check-prefix=REFERENCE
// REFERENCE: bitsink-run: error: --profile times the compiled code; the reference interpreter (--reference) has no kernels to time

// RUN: not bitsink-run %s --profile --pipeline='bitsink-cpu-pipeline{profile=false}' 2>&1 | FileCheck %s --check-prefix=OFF
// OFF: bitsink-run: error: profiling needs the kernels instrumented by bitsink-cpu-pipeline{profile=true} (or bitsink-profile-instrument), and the pipeline 'bitsink-cpu-pipeline{profile=false}' has neither

// A module lowered elsewhere without profiling has nothing to time.
// RUN: bitsink-opt %s --bitsink-cpu-pipeline -o %t.lowered.mlir
// RUN: not bitsink-run %t.lowered.mlir --profile --pipeline=none 2>&1 | FileCheck %s --check-prefix=NONE
// NONE: bitsink-run: error: profiling needs the kernels instrumented by bitsink-cpu-pipeline{profile=true} (or bitsink-profile-instrument), and the pipeline 'none' has neither (the module is already lowered)

// Lowered with profile=true, it keeps its labels and is profiled as is.
// RUN: bitsink-opt %s '--bitsink-cpu-pipeline=profile=true' -o %t.profiled.mlir
// RUN: bitsink-run %t.profiled.mlir --profile --pipeline=none --print | FileCheck %s --check-prefix=LOWERED
// LOWERED:      profile of 'main': 1 call, {{[0-9.]+}} ms per call, 1 kernel{{$}}
// LOWERED-NEXT: ms % runs kernel
// LOWERED-NEXT: {{[0-9.]+ +[0-9.]+% +1}} linalg.generic elementwise(1 op: arith.addf) 4 f32 (profile-errors.mlir:{{[0-9]+}}:10)
// LOWERED:      output 0: tensor<4xf32>
// LOWERED-NEXT: [2, 4, 6, 8]

// The anchored form of the pipeline gets profile=true too; without
// --profile, a pipeline with profile=true runs and prints no table.
// RUN: bitsink-run %s --profile --pipeline='builtin.module(canonicalize,bitsink-cpu-pipeline)' | FileCheck %s --check-prefix=ANCHORED
// ANCHORED: profile of 'main': 1 call
// RUN: bitsink-run %s --pipeline='bitsink-cpu-pipeline{profile=true}' --print | FileCheck %s --check-prefix=QUIET
// QUIET-NOT: profile of
// QUIET:     output 0: tensor<4xf32>

// An artifact has no profile runtime.
// RUN: not bitsink-compile %s -o %t.so --pipeline-options=profile=true 2>&1 | FileCheck %s --check-prefix=ARTIFACT
// ARTIFACT: bitsink-compile: error: profile=true: an artifact has no profile runtime; profile with bitsink-run --profile or bitsink.compile(..., profile=True) (docs/profiling.md)

// The signature attribute lets bitsink-run call the entry once lowered.
func.func @main() -> tensor<4xf32>
    attributes {bitsink.signature = () -> tensor<4xf32>} {
  %c = arith.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %empty = tensor.empty() : tensor<4xf32>
  %sum = linalg.generic {indexing_maps = [affine_map<(i) -> (i)>, affine_map<(i) -> (i)>, affine_map<(i) -> (i)>],
                         iterator_types = ["parallel"]}
      ins(%c, %c : tensor<4xf32>, tensor<4xf32>) outs(%empty : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32, %o: f32):
    %s = arith.addf %a, %b : f32
    linalg.yield %s : f32
  } -> tensor<4xf32>
  return %sum : tensor<4xf32>
}
