// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-attention --cse \
// RUN:   | FileCheck %s
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-attention \
// RUN:   --gpu-kernel-outlining \
// RUN:   --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=isa" \
// RUN:   | FileCheck %s --check-prefix=PTX

// Invisible keys (docs/semantics.md §2.1) contribute nothing even when their K or V
// rows hold NaN or Inf. Scores of invisible keys are replaced by -inf with a
// select (never an added mask: NaN + -inf is NaN), so p = 0 for them; what
// remains is the P·V term, where 0·NaN = NaN. Only boundary tiles (the
// needsMask condition, here the xori of "the whole tile is visible") carry
// a guard; interior tiles keep the plain product.

// Tensor cores: P·V is an mma. On a boundary tile each thread scans the V
// chunks it copied for an exponent field of all ones and bar.red.or makes
// the answer CTA-wide; only when some V element is NaN or ±Inf does the
// slow path run: the rows' p != 0 masks are gathered over the quad, each
// non-finite V(j, c) with p(row, j) != 0 is added to O directly, the
// non-finite elements are zeroed in shared memory, and the usual mma adds
// the finite part. Interior tiles yield false without scanning.

// CHECK-LABEL: func.func @tc_f16
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup({{.*}} : memref<64x40xf16, #gpu.address_space<workgroup>>, %[[VB:.*]] : memref<64x24xf16, #gpu.address_space<workgroup>>)
// CHECK:           %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:           scf.for
// CHECK:             %[[BOUNDARY:.*]] = arith.xori %{{.*}}, %true : i1
// CHECK-NEXT:        scf.if %[[BOUNDARY]] -> (vector<2x2xf32>
// CHECK-NOT:           arith.addf
// CHECK:               arith.select %{{.*}}, %{{.*}}, %[[NEGINF]] : f32
// CHECK-NOT:           arith.addf
// CHECK:             } else {
// CHECK-NEXT:          scf.yield %{{.*}} : vector<2x2xf32>
// CHECK-NEXT:        }
// CHECK:             nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK-NEXT:        gpu.barrier
// CHECK-NEXT:        %[[FLAG:.*]] = scf.if %[[BOUNDARY]] -> (i1) {
// CHECK:               vector.load %[[VB]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<64x24xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK:               vector.bitcast %{{.*}} : vector<8xf16> to vector<4xi32>
// CHECK:               %[[ANY:.*]] = nvvm.barrier #nvvm.reduction<or> %{{.*}} -> i32
// CHECK:               %[[SOME:.*]] = arith.cmpi ne, %[[ANY]], %c0_i32 : i32
// CHECK-NEXT:          scf.yield %[[SOME]] : i1
// CHECK-NEXT:        } else {
// CHECK-NEXT:          %[[FALSE:.*]] = arith.constant false
// CHECK-NEXT:          scf.yield %[[FALSE]] : i1
// CHECK-NEXT:        }
// CHECK-NEXT:        %[[FIXED:.*]]:2 = scf.if %[[FLAG]] -> (vector<2x2xf32>, vector<2x2xf32>) {
// CHECK:               gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK:               gpu.shuffle  xor %{{.*}}, %{{.*}}, %{{.*}} : i32
// CHECK:               scf.for %{{.*}} = %c0 to %c64 step %c1 iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>) {
// CHECK:                 vector.load %[[VB]][%{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<64x24xf16, #gpu.address_space<workgroup>>, vector<2xf16>
// CHECK:                 arith.cmpi eq, %{{.*}}, %{{.*}} : vector<2xi16>
// CHECK:                 arith.select %{{.*}}, %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:            arith.addf %{{.*}}, %{{.*}} : f32
// CHECK:               gpu.barrier
// CHECK:               arith.select %{{.*}}, %{{.*}}, %{{.*}} : vector<8xi1>, vector<8xf16>
// CHECK-NEXT:          vector.store %{{.*}}, %[[VB]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<64x24xf16, #gpu.address_space<workgroup>>, vector<8xf16>
// CHECK-NEXT:          gpu.barrier
// CHECK:             } else {
// CHECK-NEXT:          scf.yield %{{.*}}, %{{.*}} : vector<2x2xf32>, vector<2x2xf32>
// CHECK-NEXT:        }
// The mma path itself is the same for every tile, on the (cleaned) V.
// CHECK:             nvgpu.ldmatrix %[[VB]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true}
// CHECK:             nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[FIXED]]#0)
// CHECK:             nvgpu.mma.sync(%{{.*}}, %{{.*}}, %[[FIXED]]#1)

// PTX-LABEL: gpu.binary @tc_f16_kernel
// PTX-DAG:   bar.red.or.pred
// PTX-DAG:   mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
func.func @tc_f16(%q: memref<1x2x?x32xf16>, %k: memref<1x1x?x32xf16>,
                  %v: memref<1x1x?x16xf16>, %o: memref<1x2x?x16xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x?x32xf16>,
      memref<1x1x?x32xf16>, memref<1x1x?x16xf16>)
      outs(%o : memref<1x2x?x16xf16>) {num_sinks = 2, window = 40, causal = true}
  return
}

// -----

// bf16 tensor cores: the same guard; bf16's exponent field is 0x7f80.

// CHECK-LABEL: func.func @tc_bf16
// CHECK:         nvvm.barrier #nvvm.reduction<or>
// CHECK:         arith.constant dense<32640> : vector<2xi16>
// CHECK:         nvvm.mma.sync

// PTX-LABEL: gpu.binary @tc_bf16_kernel
// PTX-DAG:   bar.red.or.pred
// PTX-DAG:   mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
func.func @tc_bf16(%q: memref<1x2x?x32xbf16>, %k: memref<1x1x?x32xbf16>,
                   %v: memref<1x1x?x16xbf16>, %o: memref<1x2x?x16xbf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x?x32xbf16>,
      memref<1x1x?x32xbf16>, memref<1x1x?x16xbf16>)
      outs(%o : memref<1x2x?x16xbf16>) {num_sinks = 2, window = 40, causal = false}
  return
}

// -----

// SIMT (f32; 32 rows × 8 columns = 2 outputs per thread): keys past Nk are
// staged as 0, invisible scores become -inf by a select, and on a boundary
// tile each term of O += P·V is skipped by a select when p = 0. Interior
// tiles run the FMA loop without compare or select.

// CHECK-LABEL: func.func @simt_f32
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup({{.*}}, %[[VS:.*]] : memref<16x8xf32, #gpu.address_space<workgroup>>, %[[PS:.*]] : memref<32x17xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<3x32xf32, #gpu.address_space<workgroup>>)
// CHECK:           scf.for
// CHECK:             %[[BOUNDARY:.*]] = arith.xori %{{.*}}, %true : i1
// CHECK-NEXT:        scf.if %[[BOUNDARY]] -> (f32, f32, f32, f32) {
// CHECK-NOT:           arith.addf
// CHECK:               %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-NEXT:          arith.select %{{.*}}, %{{.*}}, %[[NEGINF]] : f32
// CHECK:             } else {
// CHECK-NEXT:          scf.yield %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} : f32, f32, f32, f32
// CHECK-NEXT:        }
// CHECK:             scf.if %[[BOUNDARY]] -> (f32, f32) {
// CHECK-NEXT:          scf.for %{{.*}} = %c0 to %c16 step %c1 iter_args(%[[O0:.*]] = %{{.*}}, %{{.*}} = %{{.*}}) -> (f32, f32) {
// CHECK-NEXT:            %[[P:.*]] = memref.load %[[PS]]
// CHECK-NEXT:            memref.load %[[VS]]
// The product and sum are EmitBuilder::mulAdd: both carry
// fastmath<contract>, so NVPTX fuses them into one fma.rn.f32 (before the
// move to EmitBuilder they had no flags and stayed mul.rn + add.rn).
// CHECK-NEXT:            arith.mulf
// CHECK-NEXT:            %[[SUM:.*]] = arith.addf %{{.*}}, %[[O0]] fastmath<contract> : f32
// CHECK-NEXT:            %[[ZERO:.*]] = arith.cmpf oeq, %[[P]], %{{.*}} : f32
// CHECK-NEXT:            arith.select %[[ZERO]], %[[O0]], %[[SUM]] : f32
// CHECK:             } else {
// CHECK-NEXT:          scf.for
// CHECK-NOT:             arith.cmpf
// CHECK-NOT:             arith.select
// CHECK:               scf.yield %{{.*}}, %{{.*}} : f32, f32
// CHECK-NEXT:          }
// CHECK-NEXT:          scf.yield
// CHECK-NEXT:        }
// CHECK-NEXT:        gpu.barrier
func.func @simt_f32(%q: memref<1x2x?x8xf32>, %k: memref<1x1x?x8xf32>,
                    %v: memref<1x1x?x8xf32>, %len: memref<1xi64>,
                    %o: memref<1x2x?x8xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x?x8xf32>,
      memref<1x1x?x8xf32>, memref<1x1x?x8xf32>) kv_len(%len : memref<1xi64>)
      outs(%o : memref<1x2x?x8xf32>) {num_sinks = 2, window = 40, causal = true}
  return
}

// -----

// Split-KV decode: the split kernel is the SIMT kernel (same select), so a
// split that saw no visible key keeps O = 0, l = 0, m = -inf; the merge
// skips such a split (m = -inf) instead of adding 0·O, and still adds a NaN
// m's term.

// CHECK-LABEL: func.func @decode_f16
// CHECK:         gpu.launch
// CHECK:           %[[BOUNDARY:.*]] = arith.xori %{{.*}}, %true : i1
// CHECK:           scf.if %[[BOUNDARY]] -> (f32) {
// CHECK:           scf.if %[[BOUNDARY]] -> (f32) {
// CHECK-NEXT:        scf.for
// CHECK:               arith.cmpf oeq
// CHECK-NEXT:          arith.select
// CHECK:         gpu.launch
// CHECK:           %[[NEGINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK:           scf.for %{{.*}} iter_args(%{{.*}} = %{{.*}}, %[[OSUM:.*]] = %{{.*}}) -> (f32, f32) {
// CHECK:             %[[M:.*]] = memref.load %{{.*}}[%{{.*}}, %{{.*}}, %{{.*}}, %c0, %{{.*}}] : memref<?x?x?x2x1xf32>
// CHECK:             %[[SEEN:.*]] = arith.cmpf une, %[[M]], %[[NEGINF]] : f32
// (fastmath<contract>: the merge's w·O + sum is EmitBuilder::mulAdd, one
// fma.rn.f32, as above.)
// CHECK:             %[[ADDED:.*]] = arith.addf %{{.*}}, %[[OSUM]] fastmath<contract> : f32
// CHECK-NEXT:        arith.select %[[SEEN]], %[[ADDED]], %[[OSUM]] : f32
func.func @decode_f16(%q: memref<1x2x1x16xf16>, %k: memref<1x1x?x16xf16>,
                      %v: memref<1x1x?x16xf16>, %len: memref<1xi64>,
                      %o: memref<1x2x1x16xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x1x16xf16>,
      memref<1x1x?x16xf16>, memref<1x1x?x16xf16>) kv_len(%len : memref<1xi64>)
      outs(%o : memref<1x2x1x16xf16>) {num_sinks = 2, window = 40, causal = true}
  return
}
