// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-attention \
// RUN:   --canonicalize --cse | FileCheck %s
// RUN: bitsink-opt %s -split-input-file \
// RUN:   --bitsink-gpu-lower-attention="tensor-cores=false" \
// RUN:   | FileCheck %s --check-prefix=SIMT
// All the way to PTX (no GPU needed): the f16 prefill uses cp.async,
// ldmatrix (plain and transposed) and mma.sync m16n8k16 with f32 accumulators.
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-attention \
// RUN:   --gpu-kernel-outlining \
// RUN:   --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=isa" \
// RUN:   | FileCheck %s --check-prefix=PTX

// Causal sink + window prefill, f16, D = Dv = 128, S = 4, W = 1024, GQA 8:2,
// Nq and Nk unknown at compile time: the tensor-core kernel. One CTA of 4
// warps (64 query rows, 16 per warp) per (query tile, head, batch); K and V
// tiles of 64 keys in shared memory with rows padded to 136 halves.
//
// For the tile [i0, i0 + rows) the positions are p_min = i0 + Nk - Nq and
// p_max = p_min + rows - 1; hi = min(p_max + 1, L). The key loop runs over
// the sink tiles [0, ceil(min(S, hi)/64)) and the window tiles from
// floor(max(p_min - 1023, 0)/64) to ceil(hi/64): Nk enters only through
// the clamps of hi, never as ceil(Nk/64).

// CHECK-LABEL: func.func @prefill_f16
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<2x8x?x128xf16>, %[[K:[a-z0-9]+]]: memref<2x2x?x128xf16>, %[[V:[a-z0-9]+]]: memref<2x2x?x128xf16>, %[[O:[a-z0-9]+]]: memref<2x8x?x128xf16>
// CHECK-DAG:     %[[NQ:.*]] = memref.dim %[[Q]], %c2
// CHECK-DAG:     %[[NK:.*]] = memref.dim %[[K]], %c2
// CHECK:         %[[QTILES:.*]] = arith.ceildivsi %[[NQ]], %c64
// Empty grids are not launched.
// CHECK:         %[[NONEMPTY:.*]] = arith.cmpi sgt, %[[QTILES]], %c0
// CHECK:         scf.if %[[NONEMPTY]] {
// Grid (query tiles, Hq = 8, B = 2), 128 threads.
// CHECK:           gpu.launch blocks(%[[BX:.*]], %[[HEAD:.*]], %[[BATCH:.*]]) in ({{.*}} = %[[QTILES]], {{.*}} = %c8, {{.*}} = %c2) threads(%[[TID:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-SAME:        workgroup(%[[QK:.*]] : memref<64x136xf16, #gpu.address_space<workgroup>>, %[[VB:.*]] : memref<64x136xf16, #gpu.address_space<workgroup>>)
// GQA: query head h reads kv head h / 4.
// CHECK:             %[[KVH:.*]] = arith.divui %[[HEAD]], %c4
// Q tile -> shared memory (cp.async, zero-filled past Nq) -> A fragments.
// CHECK:             nvgpu.device_async_copy %[[Q]][%[[BATCH]], %[[HEAD]], %{{.*}}, %{{.*}}], %[[QK]][%{{.*}}, %{{.*}}], 8, %{{.*}} {bypassL1}
// CHECK:             nvgpu.device_async_wait %{{.*}} {numGroups = 0 : i32}
// CHECK:             nvgpu.ldmatrix %[[QK]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} {{.*}} -> vector<4x2xf16>
// Tile list: sinks, then the window from p_min - 1023.
// CHECK:             %[[SINKTILES:.*]] = arith.ceildivsi %{{.*}}, %c64
// CHECK:             %[[LO:.*]] = arith.addi %{{.*}}, %c-1023 : index
// CHECK:             %[[WLO:.*]] = arith.maxsi %[[LO]], %c0
// CHECK:             %[[WB0:.*]] = arith.divsi %[[WLO]], %c64
// CHECK:             %[[WBEGIN:.*]] = arith.maxsi %[[WB0]], %[[SINKTILES]]
// CHECK:             %[[WE0:.*]] = arith.ceildivsi %{{.*}}, %c64
// CHECK:             %[[WEND:.*]] = arith.maxsi %[[WE0]], %[[WBEGIN]]
// CHECK:             %[[NWIN:.*]] = arith.subi %[[WEND]], %[[WBEGIN]]
// CHECK:             %[[COUNT:.*]] = arith.addi %[[SINKTILES]], %[[NWIN]]
// CHECK-NOT:         arith.ceildivsi %[[NK]]
// The first K tile is copied (from kv head h / 4) before the loop.
// CHECK:             nvgpu.device_async_copy %[[K]][%[[BATCH]], %[[KVH]], %{{.*}}, %{{.*}}], %[[QK]]
// CHECK:             nvgpu.device_async_create_group
// Online-softmax state: m, m, l, l (rows g and g + 8 of the lane) and 16
// C fragments of O (128 columns / 8).
// CHECK:             scf.for %{{.*}} = %c0 to %[[COUNT]] step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
// The V copy of this tile, then wait for the K copy only.
// CHECK:               nvgpu.device_async_copy %[[V]][%[[BATCH]], %[[KVH]], %{{.*}}, %{{.*}}], %[[VB]]
// CHECK:               nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK-NEXT:          gpu.barrier
// S = Q·Kᵀ: 8 key blocks × 8 k-steps of m16n8k16; one ldmatrix.x4 gives
// the Kᵀ fragments of two k-steps.
// CHECK:               nvgpu.ldmatrix %[[QK]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = false} {{.*}} -> vector<4x2xf16>
// CHECK-COUNT-64:      nvgpu.mma.sync(%{{.*}}, %{{.*}}, %{{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// Interior tiles skip the per-element mask.
// CHECK:               scf.if %{{.*}} -> (vector<2x2xf32>
// The next K tile is prefetched once every warp is done with this one.
// CHECK:               gpu.barrier
// CHECK:               nvgpu.device_async_copy %[[K]]
// Row max over the quad of lanes.
// CHECK:               gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:               gpu.shuffle  xor %{{.*}}, %c2_i32, %c32_i32 : f32
// CHECK:               nvvm.inline_ptx "ex2.approx.ftz.f32 $0, $1;"
// P rounded to f16 for P·V; V fragments via transposed ldmatrix.
// CHECK:               arith.truncf %{{.*}} : vector<2xf32> to vector<2xf16>
// CHECK:               nvgpu.device_async_wait %{{.*}} {numGroups = 1 : i32}
// CHECK-NEXT:          gpu.barrier
// CHECK:               nvgpu.ldmatrix %[[VB]][%{{.*}}, %{{.*}}] {numTiles = 4 : i32, transpose = true} {{.*}} -> vector<4x2xf16>
// CHECK-COUNT-64:      nvgpu.mma.sync
// Row sum over the quad, normalised store of two columns per lane and row.
// CHECK:             gpu.shuffle  xor %{{.*}}, %c1_i32, %c32_i32 : f32
// CHECK:             vector.store %{{.*}}, %[[O]][%[[BATCH]], %[[HEAD]], %{{.*}}, %{{.*}}] {alignment = 4 : i64} : memref<2x8x?x128xf16>, vector<2xf16>

// tensor-cores=false: the SIMT kernel, K/V staged as f32.
// SIMT-LABEL: func.func @prefill_f16
// SIMT-NOT:     nvgpu.mma.sync
// SIMT:         gpu.launch
// SIMT-SAME:      workgroup({{.*}} : memref<32x129xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x129xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x128xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x17xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<3x32xf32, #gpu.address_space<workgroup>>)

// The whole PTX of a kernel is one escaped string (one line), laid out by
// basic block, hence -DAG.
// PTX-LABEL: gpu.binary @prefill_f16_kernel
// PTX-DAG:   .target sm_90
// PTX-DAG:   cp.async.cg.shared.global
// PTX-DAG:   cp.async.commit_group
// PTX-DAG:   cp.async.wait_group
// PTX-DAG:   ldmatrix.sync.aligned.m8n8.x4.shared.b16
// PTX-DAG:   mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
// PTX-DAG:   shfl.sync.bfly.b32
// PTX-DAG:   ex2.approx.ftz.f32
// PTX-DAG:   ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
// No libdevice call is left for the driver to resolve.
// PTX-NOT:   __nv_
func.func @prefill_f16(%q: memref<2x8x?x128xf16>, %k: memref<2x2x?x128xf16>,
                       %v: memref<2x2x?x128xf16>, %o: memref<2x8x?x128xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<2x8x?x128xf16>,
      memref<2x2x?x128xf16>, memref<2x2x?x128xf16>)
      outs(%o : memref<2x8x?x128xf16>) {num_sinks = 4, window = 1024, causal = true}
  return
}

// -----

// Decode step (Nq = 1), GQA 8:2, W = 512, learned sinks, kv_len: split-KV.
// The key-tile list of one query has at most ceil(4/32) + ceil((512 + 1 -
// 2)/32) + 1 = 18 tiles of 32 keys whatever Nk is, so the host computes
// splits = max(ceil(min(ceil(Nk/32), 18) / 4), 1) with 4 tiles (128 keys,
// the default split-size) per split. One CTA per (split, kv head, batch) computes the 4 query heads
// of its group (4 rows), reading each K/V tile once; partials go to
// gpu.alloc'd buffers; the merge kernel (one CTA per (head, batch), one
// thread per column) combines them with log-sum-exp:
//   M = max(σ_h, max_s m_s), o = Σ_s e^{m_s - M} O_s / (Σ_s e^{m_s - M} l_s
//   + e^{σ_h - M}).

// CHECK-LABEL: func.func @decode_gqa
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<1x8x1x64xf16>, %[[K:[a-z0-9]+]]: memref<1x2x?x64xf16>, %[[V:[a-z0-9]+]]: memref<1x2x?x64xf16>, %[[SL:[a-z0-9]+]]: memref<8xf32>, %[[LEN:[a-z0-9]+]]: memref<1xi64>, %[[O:[a-z0-9]+]]: memref<1x8x1x64xf16>
// CHECK:         %[[NK:.*]] = memref.dim %[[K]], %c2
// CHECK:         %[[TILES:.*]] = arith.ceildivsi %[[NK]], %c32
// CHECK:         %[[BOUNDED:.*]] = arith.minsi %[[TILES]], %c18
// CHECK:         %[[S0:.*]] = arith.ceildivsi %[[BOUNDED]], %c4
// CHECK:         %[[SPLITS:.*]] = arith.maxsi %[[S0]], %c1
// CHECK:         %[[PO:.*]] = gpu.alloc  (%c1, %c8, %[[SPLITS]]) : memref<?x?x?x1x64xf32>
// CHECK:         %[[PS:.*]] = gpu.alloc  (%c1, %c8, %[[SPLITS]]) : memref<?x?x?x2x1xf32>
// CHECK:         gpu.launch blocks(%[[SPLIT:.*]], %[[GROUP:.*]], %{{.*}}) in ({{.*}} = %[[SPLITS]], {{.*}} = %c2, {{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-SAME:      workgroup({{.*}} : memref<4x65xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x65xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x64xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<4x33xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<3x4xf32, #gpu.address_space<workgroup>>)
// The first query head of the group is 4 · group; its kv head is that / 4.
// CHECK:           %[[H0:.*]] = arith.muli %[[GROUP]], %c4
// CHECK:           arith.divui %[[H0]], %c4
// L_b from kv_len on the device.
// CHECK:           memref.load %[[LEN]]
// This split's tiles: [min(4·split, count), min(that + 4, count)).
// CHECK:           %[[T0:.*]] = arith.muli %[[SPLIT]], %c4
// CHECK:           %[[TB:.*]] = arith.minsi %[[T0]], %[[COUNT:.*]] : index
// CHECK:           %[[T1:.*]] = arith.addi %[[TB]], %c4
// CHECK:           %[[TE:.*]] = arith.minsi %[[T1]], %[[COUNT]] : index
// CHECK:           scf.for %{{.*}} = %[[TB]] to %[[TE]] step %c1
// K rows in aligned 16-byte vectors.
// CHECK:             vector.load %[[K]][{{.*}}] {alignment = 16 : i64} : memref<1x2x?x64xf16>, vector<8xf16>
// CHECK:           memref.store %{{.*}}, %[[PO]][
// CHECK:           memref.store %{{.*}}, %[[PS]][
// CHECK:         gpu.launch blocks(%[[MH:.*]], %{{.*}}, %{{.*}}) in ({{.*}} = %c8, {{.*}} = %c1, {{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in ({{.*}} = %c64, {{.*}} = %c1, {{.*}} = %c1)
// The sink logit joins once, in the merge.
// CHECK:           %[[SIGMA:.*]] = memref.load %[[SL]][%[[MH]]]
// CHECK:           scf.for %{{.*}} = %c0 to %[[SPLITS]] step %c1 iter_args(%{{.*}} = %[[SIGMA]]) -> (f32)
// CHECK:             arith.maximumf
// CHECK:           scf.for %{{.*}} = %c0 to %[[SPLITS]] step %c1 iter_args({{.*}}) -> (f32, f32)
// CHECK:             nvvm.inline_ptx "ex2.approx.ftz.f32 $0, $1;"
// CHECK:           arith.subf %[[SIGMA]], %{{.*}} : f32
// CHECK:           memref.store %{{.*}}, %[[O]][%c0, %[[MH]], %c0, %{{.*}}] : memref<1x8x1x64xf16>
// CHECK:         gpu.dealloc  %[[PO]]
// CHECK:         gpu.dealloc  %[[PS]]

// PTX-LABEL: gpu.binary @decode_gqa_kernel
// PTX-LABEL: gpu.binary @decode_gqa_kernel_0
func.func @decode_gqa(%q: memref<1x8x1x64xf16>, %k: memref<1x2x?x64xf16>,
                      %v: memref<1x2x?x64xf16>, %s: memref<8xf32>,
                      %len: memref<1xi64>, %o: memref<1x8x1x64xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x8x1x64xf16>,
      memref<1x2x?x64xf16>, memref<1x2x?x64xf16>) sink_logits(%s : memref<8xf32>)
      kv_len(%len : memref<1xi64>) outs(%o : memref<1x8x1x64xf16>)
      {num_sinks = 4, window = 512, causal = true}
  return
}

// -----

// f32 (no tensor cores): the SIMT kernel, 32 query rows per CTA, 16-key
// tiles. Non-causal per-head windows over a ring cache with key_positions
// and a key mask: every tile below L = Nk is visited and masked, so the
// loop bound is ceil(L/16), and the mask reads the positions.

// CHECK-LABEL: func.func @ring_f32
// CHECK-SAME:    %[[Q:[a-z0-9]+]]: memref<1x4x?x24xf32>, %[[K:[a-z0-9]+]]: memref<1x4x?x24xf32>, %{{.*}}: memref<1x4x?x24xf32>, %[[POS:[a-z0-9]+]]: memref<1x?xi64>, %[[MASK:[a-z0-9]+]]: memref<1x?xi1>
// CHECK:         %[[NQ:.*]] = memref.dim %[[Q]], %c2
// CHECK:         %[[NK:.*]] = memref.dim %[[K]], %c2
// CHECK:         %[[QTILES:.*]] = arith.ceildivsi %[[NQ]], %c32
// CHECK:         gpu.launch blocks(%{{.*}}, %[[HEAD:.*]], %{{.*}}) in ({{.*}} = %[[QTILES]], {{.*}} = %c4, {{.*}} = %c1) threads(%{{.*}}, %{{.*}}, %{{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1)
// CHECK-SAME:      workgroup({{.*}} : memref<32x25xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x25xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<16x24xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<32x17xf32, #gpu.address_space<workgroup>>, {{.*}} : memref<3x32xf32, #gpu.address_space<workgroup>>)
// L = min(max(Nk, 0), Nk) without kv_len.
// CHECK:           %[[L:.*]] = arith.minsi %{{.*}}, %[[NK]]
// Per-head windows 16, 32, 16, unbounded as a select chain on the head.
// CHECK-DAG:       arith.cmpi eq, %[[HEAD]], %c1
// CHECK-DAG:       arith.cmpi eq, %[[HEAD]], %c2
// CHECK-DAG:       arith.cmpi eq, %[[HEAD]], %c0
// CHECK:           %[[COUNT:.*]] = arith.ceildivsi %[[L]], %c16
// CHECK:           scf.for %{{.*}} = %c0 to %[[COUNT]] step %c1
// Scores: 4 per thread (32 rows × 16 keys / 128), one FMA chain over D.
// CHECK:             scf.for %{{.*}} = %c0 to %c24 step %c1 iter_args({{.*}}) -> (f32, f32, f32, f32)
// CHECK:             memref.load %[[POS]]
// CHECK:             memref.load %[[MASK]]
// CHECK:             nvvm.inline_ptx "ex2.approx.ftz.f32 $0, $1;"
func.func @ring_f32(%q: memref<1x4x?x24xf32>, %k: memref<1x4x?x24xf32>,
                    %v: memref<1x4x?x24xf32>, %pos: memref<1x?xi64>,
                    %m: memref<1x?xi1>, %o: memref<1x4x?x24xf32>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x4x?x24xf32>,
      memref<1x4x?x24xf32>, memref<1x4x?x24xf32>) key_mask(%m : memref<1x?xi1>)
      key_positions(%pos : memref<1x?xi64>) outs(%o : memref<1x4x?x24xf32>)
      {num_sinks = 4, window = array<i64: 16, 32, 16, -1>, causal = false}
  return
}

// -----

// D = Dv = 256, f16: 64 × 64 tiles would need 2·(64·264 + 64·264) bytes of
// shared memory, over 48 KiB; the key tile halves to 32 (50 688 bytes, still
// over) and then to 16 (42 240 bytes), keeping tensor cores.

// CHECK-LABEL: func.func @prefill_d256
// CHECK:         gpu.launch
// CHECK-SAME:      workgroup({{.*}} : memref<64x264xf16, #gpu.address_space<workgroup>>, {{.*}} : memref<16x264xf16, #gpu.address_space<workgroup>>)
// CHECK:           nvgpu.mma.sync
func.func @prefill_d256(%q: memref<1x8x?x256xf16>, %k: memref<1x8x?x256xf16>,
                        %v: memref<1x8x?x256xf16>, %o: memref<1x8x?x256xf16>) {
  bitsink.sink_attention ins(%q, %k, %v : memref<1x8x?x256xf16>,
      memref<1x8x?x256xf16>, memref<1x8x?x256xf16>)
      outs(%o : memref<1x8x?x256xf16>) {num_sinks = 4, window = 1024, causal = true}
  return
}

// -----

// On tensors the op is bridged through to_buffer / to_tensor (the pipeline
// bufferizes first; this keeps the pass usable alone). bf16 with D = 32 takes
// the tensor-core kernel; MLIR 22's nvgpu.mma.sync cannot lower bf16, so
// the kernel uses nvvm.mma.sync with the bf16 pairs packed in i32.

// CHECK-LABEL: func.func @on_tensors
// CHECK:         bufferization.to_buffer
// CHECK:         gpu.launch
// CHECK:           nvvm.mma.sync A[{{.*}}] B[{{.*}}] C[{{.*}}] {{{.*}}multiplicandAPtxType = #nvvm.mma_type<bf16>, multiplicandBPtxType = #nvvm.mma_type<bf16>, shape = #nvvm.shape<m = 16, n = 8, k = 16>} : (i32, i32, f32) -> !llvm.struct<(f32, f32, f32, f32)>
// CHECK:         %[[R:.*]] = bufferization.to_tensor
// CHECK:         return %[[R]]

// PTX-LABEL: gpu.binary @on_tensors_kernel
// PTX-DAG:   mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32
// PTX-DAG:   ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16
func.func @on_tensors(%q: tensor<1x2x?x32xbf16>, %k: tensor<1x1x?x32xbf16>,
                      %v: tensor<1x1x?x32xbf16>, %init: tensor<1x2x?x32xbf16>)
    -> tensor<1x2x?x32xbf16> {
  %r = bitsink.sink_attention ins(%q, %k, %v : tensor<1x2x?x32xbf16>,
      tensor<1x1x?x32xbf16>, tensor<1x1x?x32xbf16>)
      outs(%init : tensor<1x2x?x32xbf16>) {causal = true}
      -> tensor<1x2x?x32xbf16>
  return %r : tensor<1x2x?x32xbf16>
}
