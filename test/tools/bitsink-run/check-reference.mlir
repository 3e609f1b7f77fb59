// --check-reference runs the compiled entry and the reference interpreter on
// the same (random) inputs and prints one verdict per output:
// |got - ref| <= atol + rtol·|ref| elementwise, exit code 1 on any FAIL.

// f32 attention computes scores and the softmax in f32, the reference in
// double: within the default tolerances, never bit-identical.
// RUN: bitsink-run %s --check-reference | FileCheck %s --check-prefix=PASS
// PASS: output 0: max_abs_err={{[0-9.e-]+}} max_rel_err={{[0-9.e-]+}} atol=1e-05 rtol=0.0001 PASS
// PASS-NEXT: output 1: max_abs_err=0 max_rel_err=0 atol=1e-05 rtol=0.0001 PASS

// With zero tolerance the rounding differences of output 0 fail; output 1
// (a copy) still passes.
// RUN: not bitsink-run %s --check-reference --atol=0 --rtol=0 | FileCheck %s --check-prefix=FAIL
// FAIL: output 0: max_abs_err={{([1-9]|0\.0*[1-9])[0-9.e-]*}} max_rel_err={{([1-9]|0\.0*[1-9])[0-9.e-]*}} atol=0 rtol=0 FAIL
// FAIL-NEXT: output 1: max_abs_err=0 max_rel_err=0 atol=0 rtol=0 PASS

// bf16 arguments take f32 .npy files (rounded to bf16 on the way in) and
// bf16 results come back as f32: saved random inputs are f32 files that
// hold bf16 values, and feeding them back gives the same verdicts.
// RUN: bitsink-run %s -e bf16 --seed=3 --save-inputs=%t.bf_ --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s --check-prefix=BF16
// RUN: bitsink-run %s -e bf16 -i %t.bf_arg0.npy -i %t.bf_arg1.npy -i %t.bf_arg2.npy --check-reference --atol=1e-2 --rtol=1e-2 -o %t.bf_out.npy | FileCheck %s --check-prefix=BF16
// BF16: output 0: {{.*}} PASS
// RUN: bitsink-run %s -e f16_keys -o %t.f16.npy
// RUN: not bitsink-run %s -e bf16 -i %t.f16.npy 2>&1 | FileCheck %s --check-prefix=BF16DTYPE
// BF16DTYPE: bitsink-run: error: argument 0 (tensor<1x2x3x8xbf16>): expected dtype float32 (bfloat16 tensors take float32 arrays), got float16

!q = tensor<1x4x9x16xf32>
!kv = tensor<1x2x9x16xf32>
!len = tensor<1xi64>

func.func @main(%q: !q, %k: !kv, %v: !kv) -> (!q, !kv) {
  %init = tensor.empty() : !q
  %o = bitsink.sink_attention ins(%q, %k, %v : !q, !kv, !kv) outs(%init : !q)
      {num_sinks = 2, window = 3, causal = true} -> !q
  return %o, %v : !q, !kv
}

func.func @bf16(%q: tensor<1x2x3x8xbf16>, %k: tensor<1x1x5x8xbf16>,
                %v: tensor<1x1x5x8xbf16>) -> tensor<1x2x3x8xbf16> {
  %init = tensor.empty() : tensor<1x2x3x8xbf16>
  %o = bitsink.sink_attention
      ins(%q, %k, %v : tensor<1x2x3x8xbf16>, tensor<1x1x5x8xbf16>, tensor<1x1x5x8xbf16>)
      outs(%init : tensor<1x2x3x8xbf16>) {causal = true}
      -> tensor<1x2x3x8xbf16>
  return %o : tensor<1x2x3x8xbf16>
}

func.func @f16_keys() -> tensor<1x2x3x8xf16> {
  %c = arith.constant dense<0.5> : tensor<1x2x3x8xf16>
  return %c : tensor<1x2x3x8xf16>
}
