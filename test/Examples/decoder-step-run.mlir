// RUN: bitsink-opt %S/../../examples/decoder_step.mlir \
// RUN:   --bitsink-sparsify-attention="num-sinks=4 window=256" -o %t.mlir
// RUN: bitsink-run %t.mlir -e decoder_step --seed=1 --int-max=600 \
// RUN:   --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s
//
// The README demo's second half: the example decoder step (cache append,
// sink + window attention over the cache, 2-bit GEMV) compiled through
// bitsink-cpu-pipeline and run on random inputs (lengths and positions in
// [0, 600]) against the reference interpreter. Output 0 is the projection
// (f32, after f16 attention: 1e-2 covers one f16 ulp flip in the attention
// output times a coefficient); 1-4 are the updated cache, positions and
// length, which must match exactly.
//
// CHECK: output 0: {{.*}} PASS
// CHECK: output 1: max_abs_err=0 {{.*}} PASS
// CHECK: output 2: max_abs_err=0 {{.*}} PASS
// CHECK: output 3: max_abs_err=0 {{.*}} PASS
// CHECK: output 4: max_abs_err=0 {{.*}} PASS
