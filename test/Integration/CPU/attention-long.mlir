// A long sequence: N = 8192 with sinks and a 256-key window (causal), GQA 2,
// against the naive reference. Errors stay at the f32 level because each
// query sums at most S + W = 260 keys, whatever N is.
//
// RUN: bitsink-run %s -e long_8192 --seed=31 --check-reference --atol=2e-5 --rtol=1e-4 | FileCheck %s
// CHECK: output 0: {{.*}} PASS

func.func @long_8192(%q: tensor<1x4x8192x64xf32>, %k: tensor<1x2x8192x64xf32>,
                     %v: tensor<1x2x8192x64xf32>) -> tensor<1x4x8192x64xf32> {
  %e = tensor.empty() : tensor<1x4x8192x64xf32>
  %o = bitsink.sink_attention ins(%q, %k, %v : tensor<1x4x8192x64xf32>,
      tensor<1x2x8192x64xf32>, tensor<1x2x8192x64xf32>) outs(%e : tensor<1x4x8192x64xf32>)
      {num_sinks = 4, window = 256, causal = true} -> tensor<1x4x8192x64xf32>
  return %o : tensor<1x4x8192x64xf32>
}
