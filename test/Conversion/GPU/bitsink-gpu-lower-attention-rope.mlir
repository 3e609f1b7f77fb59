// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-attention \
// RUN:   --canonicalize --cse | FileCheck %s
// All the way to PTX with upstream's NVVM pipeline: no libdevice call and no
// local memory (cos and sin are straight-line FMAs, no Payne-Hanek path).
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-attention \
// RUN:   --gpu-kernel-outlining \
// RUN:   --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=isa" \
// RUN:   | FileCheck %s --check-prefix=PTX --implicit-check-not=__nv_ \
// RUN:     --implicit-check-not=__local_depot
// And through bitsink-nvptx-pipeline to cubins: ptxas accepts every kernel.
// RUN: bitsink-opt %s -split-input-file --bitsink-nvptx-pipeline="chip=sm_90" \
// RUN:   | FileCheck %s --check-prefix=BIN

// RoPE in the GPU kernels (docs/gpu-attention.md, "Rotary embeddings";
// docs/semantics.md §2.1). Every kernel with rope gets a shared table of the
// dims/2 frequencies (f32), which thread 0 fills; query rows are rotated once
// when they are staged, key rows once per staged key tile, always before the
// scores of the tile.

// Tensor cores, f16, D = 128, rotate-half over all 128 dims. The Q tile is
// rotated in shared memory after its cp.async copy and before ldmatrix;
// every K tile after its copy lands (wait_group 1, barrier) and before the
// first ldmatrix of S = Q·Kᵀ, followed by a barrier. A chunk is 4 pairs:
// columns [4c, 4c + 4) and [4c + 64, 4c + 68) of a row, 8-byte vectors.
// Nothing is rotated after the scores.

// CHECK-LABEL: func.func @tc_f16_half
// theta^(-2m/128) for m = 0, 1, rounded to f32.
// CHECK-DAG:     %[[F0:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG:     %[[F1:.*]] = arith.constant 0.865964353 : f32
// CHECK:         gpu.launch blocks({{[^)]*}}) in ({{[^)]*}}) threads(%[[TID:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}})
// CHECK-SAME:      workgroup(%[[QK:.*]] : memref<64x136xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x136xf16, #gpu.address_space<workgroup>>, %[[TABLE:.*]] : memref<64xf32, #gpu.address_space<workgroup>>)
// The table is filled while the Q copy is in flight.
// CHECK:           nvgpu.device_async_create_group
// CHECK:           %[[T0:.*]] = arith.cmpi eq, %[[TID]], %c0 : index
// CHECK-NEXT:      scf.if %[[T0]] {
// CHECK-NEXT:        memref.store %[[F0]], %[[TABLE]][%c0]
// CHECK-NEXT:        memref.store %[[F1]], %[[TABLE]][%c1]
// CHECK-COUNT-62:    memref.store %{{.*}}, %[[TABLE]]
// CHECK:           nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT:      gpu.barrier
// Q: 64 rows × 16 chunks over the 128 threads; row r turns by i0 + r + L - Nq.
// CHECK-NEXT:      scf.for %[[E:.*]] = %[[TID]] to %c1024 step %c128 {
// CHECK-NEXT:        %[[ROW:.*]] = arith.divui %[[E]], %c16
// CHECK-NEXT:        %[[CHUNK:.*]] = arith.remui %[[E]], %c16
// CHECK:             arith.sitofp %{{.*}} : i64 to f32
// CHECK-NEXT:        %[[COL1:.*]] = arith.muli %[[CHUNK]], %c4
// CHECK-NEXT:        %[[COL2:.*]] = arith.addi %[[COL1]], %c64
// CHECK-NEXT:        vector.load %[[QK]][%[[ROW]], %[[COL1]]] {alignment = 8 : i64} : memref<64x136xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// CHECK:             vector.load %[[QK]][%[[ROW]], %[[COL2]]] {alignment = 8 : i64} : memref<64x136xf16, #gpu.address_space<workgroup>>, vector<4xf16>
// Per pair: the frequency from the table, the angle, its quadrant.
// CHECK-COUNT-4:     memref.load %[[TABLE]]
// CHECK:             arith.truncf %{{.*}} : vector<4xf32> to vector<4xf16>
// CHECK-NEXT:        vector.store %{{.*}}, %[[QK]][%[[ROW]], %[[COL1]]] {alignment = 8 : i64}
// CHECK:             vector.store %{{.*}}, %[[QK]][%[[ROW]], %[[COL2]]] {alignment = 8 : i64}
// CHECK-NEXT:      }
// CHECK-NEXT:      gpu.barrier
// CHECK:           nvgpu.ldmatrix %[[QK]]
// The key-tile loop.
// CHECK:           scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args(
// CHECK:             nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK-NEXT:        gpu.barrier
// K: 64 keys × 16 chunks; key j0 + r turns by j0 + r (no key_positions).
// CHECK-NEXT:        scf.for %[[KE:.*]] = %[[TID]] to %c1024 step %c128 {
// CHECK-NEXT:          %[[KROW:.*]] = arith.divui %[[KE]], %c16
// CHECK-NEXT:          arith.remui %[[KE]], %c16
// CHECK-NEXT:          %[[KEY:.*]] = arith.addi %{{.*}}, %[[KROW]] : index
// CHECK-NEXT:          %[[KEY64:.*]] = arith.index_cast %[[KEY]] : index to i64
// CHECK-NEXT:          arith.sitofp %[[KEY64]] : i64 to f32
// CHECK:               vector.load %[[QK]][%[[KROW]], %{{.*}}] {alignment = 8 : i64}
// CHECK-COUNT-4:       memref.load %[[TABLE]]
// CHECK:               vector.store %{{.*}}, %[[QK]][%[[KROW]], %{{.*}}] {alignment = 8 : i64}
// CHECK:               vector.store %{{.*}}, %[[QK]][%[[KROW]], %{{.*}}] {alignment = 8 : i64}
// CHECK-NEXT:        }
// CHECK-NEXT:        gpu.barrier
// CHECK:             nvgpu.ldmatrix %[[QK]]
// CHECK-COUNT-64:    nvgpu.mma.sync
// CHECK-NOT:         memref.load %[[TABLE]]
// CHECK:           gpu.terminator

// PTX-LABEL: gpu.binary @tc_f16_half_kernel
// PTX-DAG:   .shared .align 4 .b8 __wg_tc_f16_half_kernel_2[256]
// PTX-DAG:   cvt.rn.f32.s64
// PTX-DAG:   cvt.rzi.s32.f32
// PTX-DAG:   fma.rn.f32
// PTX-DAG:   cvt.rn.f16x2.f32
// PTX-DAG:   mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// BIN:       gpu.binary @tc_f16_half_kernel {{.*}}bin = "\7FELF
func.func @tc_f16_half(%q: memref<2x8x?x128xf16>, %k: memref<2x2x?x128xf16>,
                       %v: memref<2x2x?x128xf16>, %o: memref<2x8x?x128xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<2x8x?x128xf16>,
      memref<2x2x?x128xf16>, memref<2x2x?x128xf16>)
      outs(%o : memref<2x8x?x128xf16>)
      {num_sinks = 4, window = 1024, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 128, style = half>}
  return
}

// -----

// Tensor cores, bf16, D = 128, Dv = 64, interleaved pairs over the first 32
// dims (16 pairs), theta = 5e5, kv_len: a chunk is 4 whole pairs, one
// 16-byte vector [8c, 8c + 8); query positions come from kv_len.

// CHECK-LABEL: func.func @tc_bf16_interleaved_partial
// CHECK-SAME:    %[[LEN:[a-z0-9]+]]: memref<1xi64>
// CHECK-DAG:     %[[F1:.*]] = arith.constant 0.440366596 : f32
// CHECK:         gpu.launch blocks({{[^)]*}}) in ({{[^)]*}}) threads(%[[TID:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}})
// CHECK-SAME:      workgroup(%[[QK:.*]] : memref<64x136xbf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x72xbf16, #gpu.address_space<workgroup>>, %[[TABLE:.*]] : memref<16xf32, #gpu.address_space<workgroup>>)
// CHECK:           %[[L:.*]] = memref.load %[[LEN]][%c0]
// CHECK:           memref.store %[[F1]], %[[TABLE]][%c1]
// CHECK:           nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK-NEXT:      gpu.barrier
// CHECK-NEXT:      scf.for %[[E:.*]] = %[[TID]] to %c256 step %c128 {
// CHECK-NEXT:        %[[ROW:.*]] = arith.divui %[[E]], %c4
// CHECK-NEXT:        %[[CHUNK:.*]] = arith.remui %[[E]], %c4
// CHECK:             arith.sitofp
// CHECK-NEXT:        arith.muli %[[CHUNK]], %c4
// CHECK-NEXT:        %[[COL:.*]] = arith.muli %[[CHUNK]], %c8
// CHECK-NEXT:        vector.load %[[QK]][%[[ROW]], %[[COL]]] {alignment = 16 : i64} : memref<64x136xbf16, #gpu.address_space<workgroup>>, vector<8xbf16>
// CHECK-COUNT-4:     memref.load %[[TABLE]]
// CHECK:             %[[ROT:.*]] = arith.truncf %{{.*}} : vector<8xf32> to vector<8xbf16>
// CHECK-NEXT:        vector.store %[[ROT]], %[[QK]][%[[ROW]], %[[COL]]] {alignment = 16 : i64}
// CHECK-NEXT:      }
// CHECK-NEXT:      gpu.barrier
// CHECK:             nvvm.mma.sync
// PTX-LABEL: gpu.binary @tc_bf16_interleaved_partial_kernel
// PTX-DAG:   .shared .align 4 .b8 __wg_tc_bf16_interleaved_partial_kernel_2[64]
// PTX-DAG:   cvt.rn.bf16x2.f32
// PTX-DAG:   mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// BIN:       gpu.binary @tc_bf16_interleaved_partial_kernel {{.*}}bin = "\7FELF
func.func @tc_bf16_interleaved_partial(%q: memref<1x4x?x128xbf16>,
    %k: memref<1x1x?x128xbf16>, %v: memref<1x1x?x64xbf16>,
    %len: memref<1xi64>, %o: memref<1x4x?x64xbf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x4x?x128xbf16>,
      memref<1x1x?x128xbf16>, memref<1x1x?x64xbf16>) kv_len(%len : memref<1xi64>)
      outs(%o : memref<1x4x?x64xbf16>)
      {causal = true,
       rope = #bitsink.rope<theta = 500000.0, dims = 32, style = interleaved>}
  return
}

// -----

// SIMT (f32), D = 64, rotate-half over the first 24 dims (12 pairs): the
// pairs are read from global memory in 16-byte vectors (columns [4c, 4c + 4)
// and [4c + 12, 4c + 16)), rotated in registers and stored to the f32 tile,
// the query rows scaled by 1/8 after the rotation; columns [24, 64) are
// staged as before. No barrier is added to the key loop: keys are rotated as
// they are staged.

// CHECK-LABEL: func.func @simt_f32_half_partial
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<1x2x?x64xf32>, %[[K:[a-z0-9]+]]: memref<1x2x?x64xf32>
// CHECK-DAG:     %[[SCALE:.*]] = arith.constant dense<1.250000e-01> : vector<4xf32>
// CHECK:         gpu.launch blocks({{[^)]*}}) in ({{[^)]*}}) threads(%[[TID:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}})
// CHECK-SAME:      workgroup(%[[QS:.*]] : memref<32x65xf32, #gpu.address_space<workgroup>>, %[[KS:.*]] : memref<16x65xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<16x64xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<32x17xf32, #gpu.address_space<workgroup>>, %{{.*}} : memref<3x32xf32, #gpu.address_space<workgroup>>, %[[TABLE:.*]] : memref<12xf32, #gpu.address_space<workgroup>>)
// CHECK:           scf.if
// CHECK-COUNT-12:    memref.store %{{.*}}, %[[TABLE]]
// CHECK:           gpu.barrier
// Q: 32 rows × 3 chunks.
// CHECK-NEXT:      scf.for %[[E:.*]] = %[[TID]] to %c96 step %c128 {
// CHECK:             %[[COL1:.*]] = arith.muli %{{.*}}, %c4
// CHECK-NEXT:        %[[COL2:.*]] = arith.addi %[[COL1]], %c12
// CHECK-NEXT:        vector.load %[[Q]][%c0, %{{.*}}, %{{.*}}, %[[COL1]]] {alignment = 16 : i64} : memref<1x2x?x64xf32>, vector<4xf32>
// CHECK:             vector.load %[[Q]][%c0, %{{.*}}, %{{.*}}, %[[COL2]]] {alignment = 16 : i64} : memref<1x2x?x64xf32>, vector<4xf32>
// CHECK-COUNT-4:     memref.load %[[TABLE]]
// CHECK:             arith.mulf %{{.*}}, %[[SCALE]] : vector<4xf32>
// CHECK:             memref.store %{{.*}}, %[[QS]]
// CHECK:           }
// The rest of the row, from column 24.
// CHECK-NEXT:      scf.for %{{.*}} = %c0 to %c3 step %c1 {
// CHECK:             arith.addi %{{.*}}, %c24 : index
// CHECK:             vector.load %[[Q]]
// CHECK:           gpu.barrier
// The key loop: K staged with 16 keys × 3 rotated chunks, then the rest, then
// V, then the one barrier of staging.
// CHECK:           scf.for %{{.*}} = %c0 to %{{.*}} step %c1 iter_args(
// CHECK-NEXT:        arith.subi
// CHECK-NOT:         gpu.barrier
// CHECK:             scf.for %{{.*}} = %[[TID]] to %c48 step %c128 {
// CHECK:               vector.load %[[K]]
// CHECK-COUNT-4:       memref.load %[[TABLE]]
// CHECK:               memref.store %{{.*}}, %[[KS]]
// CHECK-NOT:         gpu.barrier
// CHECK:             arith.addi %{{.*}}, %c24 : index
// CHECK-NOT:         gpu.barrier
// CHECK:             memref<16x64xf32, #gpu.address_space<workgroup>>
// CHECK-NOT:         memref.load %[[TABLE]]
// CHECK:             gpu.barrier
// CHECK-NOT:         memref.load %[[TABLE]]
// CHECK:           gpu.terminator
// PTX-LABEL: gpu.binary @simt_f32_half_partial_kernel
// PTX-DAG:   .shared .align 4 .b8 __wg_simt_f32_half_partial_kernel_5[48]
// PTX-DAG:   ld.global.v4.b32
// BIN:       gpu.binary @simt_f32_half_partial_kernel {{.*}}bin = "\7FELF
func.func @simt_f32_half_partial(%q: memref<1x2x?x64xf32>,
    %k: memref<1x2x?x64xf32>, %v: memref<1x2x?x64xf32>,
    %o: memref<1x2x?x64xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x?x64xf32>,
      memref<1x2x?x64xf32>, memref<1x2x?x64xf32>)
      outs(%o : memref<1x2x?x64xf32>)
      {num_sinks = 2, window = 64, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 24, style = half>}
  return
}

// -----

// Split-KV decode, f16, GQA 8:2 (4 heads per CTA), kv_len and key_positions
// (a ring cache), interleaved over all 64 dims: the split kernel rotates its
// 4 query rows once and each K tile as it is staged, each key by
// key_positions[b, j] (the clamped entry, the same index the K row load
// uses); the merge kernel is unchanged.

// CHECK-LABEL: func.func @decode_keypos
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<1x8x1x64xf16>, %[[K:[a-z0-9]+]]: memref<1x2x?x64xf16>, %{{.*}}: memref<1x2x?x64xf16>, %{{.*}}: memref<1xi64>, %[[POS:[a-z0-9]+]]: memref<1x?xi64>
// CHECK:         gpu.launch blocks({{[^)]*}}) in ({{[^)]*}}) threads(%[[TID:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}})
// CHECK-SAME:      workgroup({{.*}} : memref<4x65xf32, #gpu.address_space<workgroup>>, {{.*}}, %[[TABLE:.*]] : memref<32xf32, #gpu.address_space<workgroup>>)
// CHECK-COUNT-32:    memref.store %{{.*}}, %[[TABLE]]
// CHECK:           gpu.barrier
// CHECK-NEXT:      scf.for %{{.*}} = %[[TID]] to %c32 step %c128 {
// CHECK:             vector.load %[[Q]]{{.*}} {alignment = 16 : i64} : memref<1x8x1x64xf16>, vector<8xf16>
// CHECK:           scf.for
// CHECK:             scf.for %[[KE:.*]] = %[[TID]] to %c256 step %c128 {
// CHECK:               %[[CLAMPED:.*]] = arith.minsi
// CHECK:               %[[P:.*]] = memref.load %[[POS]][%c0, %[[CLAMPED]]] : memref<1x?xi64>
// CHECK-NEXT:          arith.sitofp %[[P]] : i64 to f32
// CHECK:               vector.load %[[K]][%c0, %{{.*}}, %[[CLAMPED]], %{{.*}}] {alignment = 16 : i64} : memref<1x2x?x64xf16>, vector<8xf16>
// CHECK-COUNT-4:       memref.load %[[TABLE]]
// CHECK:           gpu.terminator
// The merge kernel: no rope.
// CHECK:         gpu.launch
// CHECK-NOT:       workgroup
// CHECK-NOT:       arith.fptosi
// CHECK:           gpu.terminator
// PTX-LABEL: gpu.binary @decode_keypos_kernel
// PTX-DAG:   .shared .align 4 .b8 __wg_decode_keypos_kernel_5[128]
// PTX-LABEL: gpu.binary @decode_keypos_kernel_0
// BIN:       gpu.binary @decode_keypos_kernel {{.*}}bin = "\7FELF
// BIN:       gpu.binary @decode_keypos_kernel_0 {{.*}}bin = "\7FELF
func.func @decode_keypos(%q: memref<1x8x1x64xf16>, %k: memref<1x2x?x64xf16>,
                         %v: memref<1x2x?x64xf16>, %len: memref<1xi64>,
                         %pos: memref<1x?xi64>, %o: memref<1x8x1x64xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x8x1x64xf16>,
      memref<1x2x?x64xf16>, memref<1x2x?x64xf16>) kv_len(%len : memref<1xi64>)
      key_positions(%pos : memref<1x?xi64>)
      outs(%o : memref<1x8x1x64xf16>)
      {num_sinks = 4, window = 256, causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 64, style = interleaved>}
  return
}

// -----

// Three rotate-half pairs (dims = 6 of D = 48): no vector of more than one
// pair tiles them, so each chunk is one pair, read and written as
// vector<1xf16>.

// CHECK-LABEL: func.func @tc_odd_pairs
// CHECK:         gpu.launch blocks({{[^)]*}}) in ({{[^)]*}}) threads(%[[TID:[a-z0-9]+]], {{[^)]*}}) in ({{[^)]*}})
// CHECK-SAME:      workgroup(%[[QK:.*]] : memref<64x56xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x56xf16, #gpu.address_space<workgroup>>, %[[TABLE:.*]] : memref<3xf32, #gpu.address_space<workgroup>>)
// CHECK:           scf.for %{{.*}} = %[[TID]] to %c192 step %c128 {
// CHECK:             vector.load %[[QK]][%{{.*}}, %{{.*}}] {alignment = 2 : i64} : memref<64x56xf16, #gpu.address_space<workgroup>>, vector<1xf16>
// CHECK:             vector.load %[[QK]][%{{.*}}, %{{.*}}] {alignment = 2 : i64} : memref<64x56xf16, #gpu.address_space<workgroup>>, vector<1xf16>
// CHECK:             memref.load %[[TABLE]]
// CHECK-NOT:         memref.load %[[TABLE]]
// CHECK:           }
// CHECK:             scf.for %{{.*}} = %[[TID]] to %c192 step %c128 {
// PTX-LABEL: gpu.binary @tc_odd_pairs_kernel
// BIN:       gpu.binary @tc_odd_pairs_kernel {{.*}}bin = "\7FELF
func.func @tc_odd_pairs(%q: memref<1x2x?x48xf16>, %k: memref<1x2x?x48xf16>,
                        %v: memref<1x2x?x48xf16>, %o: memref<1x2x?x48xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x?x48xf16>,
      memref<1x2x?x48xf16>, memref<1x2x?x48xf16>)
      outs(%o : memref<1x2x?x48xf16>)
      {causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 6, style = half>}
  return
}

// -----

// dims = 0 rotates nothing: the kernel of an op without rope (no table, no
// rotation).

// CHECK-LABEL: func.func @dims_zero
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup(%{{.*}} : memref<64x72xf16, #gpu.address_space<workgroup>>, %{{.*}} : memref<64x72xf16, #gpu.address_space<workgroup>>) {
// CHECK-NOT:       arith.sitofp
// CHECK-NOT:       arith.fptosi
// CHECK:           gpu.terminator
// PTX-LABEL: gpu.binary @dims_zero_kernel
// BIN:       gpu.binary @dims_zero_kernel {{.*}}bin = "\7FELF
func.func @dims_zero(%q: memref<1x2x?x64xf16>, %k: memref<1x2x?x64xf16>,
                     %v: memref<1x2x?x64xf16>, %o: memref<1x2x?x64xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x2x?x64xf16>,
      memref<1x2x?x64xf16>, memref<1x2x?x64xf16>)
      outs(%o : memref<1x2x?x64xf16>)
      {causal = true,
       rope = #bitsink.rope<theta = 10000.0, dims = 0, style = half>}
  return
}
