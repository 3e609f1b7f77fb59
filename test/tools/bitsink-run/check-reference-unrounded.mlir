// --check-reference compares with the reference rounded to the output's
// element type (the verdict), and also reports the error against the
// unrounded float64 reference, which counts the output's own rounding: about
// half a unit in the last place, 2^-9..2^-8 relative for bf16 and up to
// 2^-11 for f16, where the rounded comparison sees only the kernel's error.
//
// RUN: bitsink-run %s -e bf16 --seed=25 --check-reference --atol=1e-2 --rtol=1e-2 | FileCheck %s --check-prefix=BF16
// BF16: output 0: max_abs_err={{[0-9.e-]+}} max_rel_err={{[0-9.e-]+}} atol=0.01 rtol=0.01 PASS (unrounded f64 reference: max_abs_err={{[0-9.e-]+}} max_rel_err=0.00{{[1-3]}}{{[0-9]*}})
//
// RUN: bitsink-run %s -e f16 --seed=24 --check-reference --atol=2e-3 --rtol=2e-3 | FileCheck %s --check-prefix=F16
// F16: output 0: max_abs_err={{[0-9.e-]+}} max_rel_err={{[0-9.e-]+}} atol=0.002 rtol=0.002 PASS (unrounded f64 reference: max_abs_err={{[0-9.e-]+}} max_rel_err=0.000{{[1-9][0-9]*}})
//
// The verdict stays with the rounded reference: an absolute bound far
// below bf16's rounding error passes, since the kernel's own error is
// smaller still, while the unrounded error is reported above the bound.
// RUN: bitsink-run %s -e bf16 --seed=25 --check-reference --atol=1e-4 --rtol=0 | FileCheck %s --check-prefix=TIGHT
// TIGHT: output 0: max_abs_err={{[0-9.]+e-0[5-9]}} max_rel_err={{[0-9.e-]+}} atol=0.0001 rtol=0 PASS (unrounded f64 reference: max_abs_err=0.00{{[1-9][0-9]*}} max_rel_err={{[0-9.e-]+}})
//
// Integer results have no rounding to report.
// RUN: bitsink-run %s -e ints --check-reference | FileCheck %s --check-prefix=INT
// INT: output 0: max_abs_err=0 max_rel_err=0 atol=1e-05 rtol=0.0001 PASS{{$}}

// bf16, GQA 4, head dims 48 / 40.
func.func @bf16(%q: tensor<1x8x30x48xbf16>, %k: tensor<1x2x30x48xbf16>,
                %v: tensor<1x2x30x40xbf16>) -> tensor<1x8x30x40xbf16> {
  %e = tensor.empty() : tensor<1x8x30x40xbf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x8x30x48xbf16>,
      tensor<1x2x30x48xbf16>, tensor<1x2x30x40xbf16>) outs(%e : tensor<1x8x30x40xbf16>)
      {num_sinks = 2, window = 7, causal = true} -> tensor<1x8x30x40xbf16>
  return %o : tensor<1x8x30x40xbf16>
}

// f16 with learned sinks.
func.func @f16(%q: tensor<1x4x45x64xf16>, %k: tensor<1x2x45x64xf16>,
               %v: tensor<1x2x45x64xf16>, %s: tensor<4xf16>) -> tensor<1x4x45x64xf16> {
  %e = tensor.empty() : tensor<1x4x45x64xf16>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x45x64xf16>,
      tensor<1x2x45x64xf16>, tensor<1x2x45x64xf16>) sink_logits(%s : tensor<4xf16>)
      outs(%e : tensor<1x4x45x64xf16>) {num_sinks = 4, window = 8, causal = true}
      -> tensor<1x4x45x64xf16>
  return %o : tensor<1x4x45x64xf16>
}

func.func @ints(%a: tensor<4xi32>) -> tensor<4xi32> {
  return %a : tensor<4xi32>
}
