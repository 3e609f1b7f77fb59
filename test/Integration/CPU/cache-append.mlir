// Streaming KV cache: several appends in sequence on a cache of C = 6 slots
// with S = 2 sinks (a ring of 4), compiled through bitsink-cpu-pipeline and
// compared exactly with the reference (appends copy values, so the results
// must be bit-identical). Per batch entry the stream lengths go
// 0 -> 3 -> 8 -> 9 -> 16 (entry 0) and 5 -> 8 -> 13 -> 14 -> 21 (entry 1):
// T = 5 and T = 7 exceed C - S = 4, so later new tokens overwrite earlier
// ones within one append, and the ring rolls over several times.

// RUN: bitsink-run %s -e original --seed=1 --check-reference --atol=0 --rtol=0 | FileCheck %s
// RUN: bitsink-run %s -e cache --seed=2 --check-reference --atol=0 --rtol=0 | FileCheck %s
// RUN: bitsink-run %s -e half_one_token --seed=3 --check-reference --atol=0 --rtol=0 | FileCheck %s --check-prefix=HALF
// RUN: bitsink-run %s -e bf16_rollover --seed=4 --check-reference --atol=0 --rtol=0 --print | FileCheck %s --check-prefix=BF16
// RUN: bitsink-run %s -e no_tokens --check-reference --atol=0 --rtol=0 --print | FileCheck %s --check-prefix=EMPTY

// CHECK: output 0: {{.*}} PASS
// CHECK: output 1: {{.*}} PASS
// CHECK: output 2: {{.*}} PASS
// CHECK: output 3: {{.*}} PASS
// CHECK: output 4: {{.*}} PASS
// CHECK: output 5: {{.*}} PASS
// CHECK-NOT: FAIL

!k3 = tensor<2x2x3x4xf32>
!k5 = tensor<2x2x5x4xf32>
!k1 = tensor<2x2x1x4xf32>
!k7 = tensor<2x2x7x4xf32>
!kc = tensor<2x2x6x4xf32>
!pos = tensor<2x6xi64>
!len = tensor<2xi64>

func.func @original(%k0: !k3, %v0: !k3, %k1: !k5, %v1: !k5, %k2: !k1, %v2: !k1,
                    %k3: !k7, %v3: !k7)
    -> (!kc, !kc, !pos, !len, !pos, !pos) {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : !kc
  %kc = linalg.fill ins(%zero : f32) outs(%empty : !kc) -> !kc
  %pos = arith.constant dense<-1> : !pos
  %len = arith.constant dense<[0, 5]> : !len
  %a:4 = bitsink.cache_append ins(%k0, %v0 : !k3, !k3)
      outs(%kc, %kc, %pos, %len : !kc, !kc, !pos, !len) {num_sinks = 2}
      -> !kc, !kc, !pos, !len
  %b:4 = bitsink.cache_append ins(%k1, %v1 : !k5, !k5)
      outs(%a#0, %a#1, %a#2, %a#3 : !kc, !kc, !pos, !len) {num_sinks = 2}
      -> !kc, !kc, !pos, !len
  %c:4 = bitsink.cache_append ins(%k2, %v2 : !k1, !k1)
      outs(%b#0, %b#1, %b#2, %b#3 : !kc, !kc, !pos, !len) {num_sinks = 2}
      -> !kc, !kc, !pos, !len
  %d:4 = bitsink.cache_append ins(%k3, %v3 : !k7, !k7)
      outs(%c#0, %c#1, %c#2, %c#3 : !kc, !kc, !pos, !len) {num_sinks = 2}
      -> !kc, !kc, !pos, !len
  return %d#0, %d#1, %d#2, %d#3, %a#2, %b#2 : !kc, !kc, !pos, !len, !pos, !pos
}

func.func @cache(%k0: !k3, %v0: !k3, %k1: !k5, %v1: !k5, %k2: !k1, %v2: !k1,
                 %k3: !k7, %v3: !k7)
    -> (!kc, !kc, !pos, !len, !pos, !pos) {
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : !kc
  %kc = linalg.fill ins(%zero : f32) outs(%empty : !kc) -> !kc
  %pos = arith.constant dense<-1> : !pos
  %len = arith.constant dense<[0, 5]> : !len
  %a:4 = bitsink.cache_append ins(%k0, %v0 : !k3, !k3)
      outs(%kc, %kc, %pos, %len : !kc, !kc, !pos, !len)
      {num_sinks = 2, position_mode = #bitsink.position_mode<cache>}
      -> !kc, !kc, !pos, !len
  %b:4 = bitsink.cache_append ins(%k1, %v1 : !k5, !k5)
      outs(%a#0, %a#1, %a#2, %a#3 : !kc, !kc, !pos, !len)
      {num_sinks = 2, position_mode = #bitsink.position_mode<cache>}
      -> !kc, !kc, !pos, !len
  %c:4 = bitsink.cache_append ins(%k2, %v2 : !k1, !k1)
      outs(%b#0, %b#1, %b#2, %b#3 : !kc, !kc, !pos, !len)
      {num_sinks = 2, position_mode = #bitsink.position_mode<cache>}
      -> !kc, !kc, !pos, !len
  %d:4 = bitsink.cache_append ins(%k3, %v3 : !k7, !k7)
      outs(%c#0, %c#1, %c#2, %c#3 : !kc, !kc, !pos, !len)
      {num_sinks = 2, position_mode = #bitsink.position_mode<cache>}
      -> !kc, !kc, !pos, !len
  return %d#0, %d#1, %d#2, %d#3, %a#2, %b#2 : !kc, !kc, !pos, !len, !pos, !pos
}

// A decode step on f16 caches passed in as arguments (updated in place):
// the length comes from the caller, random in [0, int-max] = [0, 0].
// HALF-COUNT-4: PASS
// HALF-NOT: FAIL
func.func @half_one_token(%k: tensor<1x3x1x8xf16>, %v: tensor<1x3x1x8xf16>,
                          %kc: tensor<1x3x5x8xf16>, %vc: tensor<1x3x5x8xf16>,
                          %pos: tensor<1x5xi64>, %len: tensor<1xi64>)
    -> (tensor<1x3x5x8xf16>, tensor<1x3x5x8xf16>, tensor<1x5xi64>,
        tensor<1xi64>) {
  %r:4 = bitsink.cache_append ins(%k, %v : tensor<1x3x1x8xf16>, tensor<1x3x1x8xf16>)
      outs(%kc, %vc, %pos, %len : tensor<1x3x5x8xf16>, tensor<1x3x5x8xf16>,
           tensor<1x5xi64>, tensor<1xi64>) {num_sinks = 1}
      -> tensor<1x3x5x8xf16>, tensor<1x3x5x8xf16>, tensor<1x5xi64>, tensor<1xi64>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x3x5x8xf16>, tensor<1x3x5x8xf16>,
      tensor<1x5xi64>, tensor<1xi64>
}

// T = 0 keeps the caches and recomputes the positions from the length:
// 11 tokens, S = 1, C = 4: tokens 0 and 8, 9, 10 are held; token t >= 1 is
// in slot 1 + (t - 1) mod 3, so slots hold 0, 10, 8, 9.
// EMPTY: output 2: tensor<1x4xi64>
// EMPTY-NEXT: {{\[}}[0, 10, 8, 9]]
// EMPTY: output 3: tensor<1xi64>
// EMPTY-NEXT: [11]
// EMPTY-COUNT-4: PASS
func.func @no_tokens(%kc: tensor<1x1x4x2xf32>) -> (tensor<1x1x4x2xf32>,
    tensor<1x1x4x2xf32>, tensor<1x4xi64>, tensor<1xi64>) {
  %k = tensor.empty() : tensor<1x1x0x2xf32>
  %pos = arith.constant dense<7> : tensor<1x4xi64>
  %len = arith.constant dense<11> : tensor<1xi64>
  %r:4 = bitsink.cache_append ins(%k, %k : tensor<1x1x0x2xf32>, tensor<1x1x0x2xf32>)
      outs(%kc, %kc, %pos, %len : tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>,
           tensor<1x4xi64>, tensor<1xi64>) {num_sinks = 1}
      -> tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>, tensor<1x4xi64>, tensor<1xi64>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x1x4x2xf32>, tensor<1x1x4x2xf32>,
      tensor<1x4xi64>, tensor<1xi64>
}

// bf16 caches (f32 .npy files holding bf16 values) after 100 tokens,
// C = 4, S = 0 (the whole cache is one ring): tokens 100..102 go to slots
// 0, 1, 2 (token 99 stays in slot 3); positions in cache order are then
// 1, 2, 3, 0.
// BF16: output 2: tensor<1x4xi64>
// BF16-NEXT: {{\[}}[1, 2, 3, 0]]
// BF16: output 3: tensor<1xi64>
// BF16-NEXT: [103]
// BF16-COUNT-4: PASS
// BF16-NOT: FAIL
func.func @bf16_rollover(%k: tensor<1x2x3x2xbf16>, %v: tensor<1x2x3x2xbf16>,
                         %kc: tensor<1x2x4x2xbf16>, %vc: tensor<1x2x4x2xbf16>)
    -> (tensor<1x2x4x2xbf16>, tensor<1x2x4x2xbf16>, tensor<1x4xi64>,
        tensor<1xi64>) {
  %pos = arith.constant dense<-1> : tensor<1x4xi64>
  %len = arith.constant dense<100> : tensor<1xi64>
  %r:4 = bitsink.cache_append ins(%k, %v : tensor<1x2x3x2xbf16>, tensor<1x2x3x2xbf16>)
      outs(%kc, %vc, %pos, %len : tensor<1x2x4x2xbf16>, tensor<1x2x4x2xbf16>,
           tensor<1x4xi64>, tensor<1xi64>)
      {position_mode = #bitsink.position_mode<cache>}
      -> tensor<1x2x4x2xbf16>, tensor<1x2x4x2xbf16>, tensor<1x4xi64>, tensor<1xi64>
  return %r#0, %r#1, %r#2, %r#3 : tensor<1x2x4x2xbf16>, tensor<1x2x4x2xbf16>,
      tensor<1x4xi64>, tensor<1xi64>
}
