// REQUIRES: nvptx
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-bitplane-matmul -cse | FileCheck %s
// RUN: bitsink-opt %s -split-input-file --bitsink-gpu-lower-bitplane-matmul="tensor-cores=false" -cse | FileCheck %s --check-prefix=SIMT

// Kernels of bitsink-gpu-lower-bitplane-matmul (docs/gpu-bitplane.md):
// y = acc + x·Ŵ, Ŵ[k,n] = c[g,0,n] + Σ_l c[g,l+1,n]·t_l[k,n], g = k / group.

// GEMV, M = 1 <= gemv-lut-max-rows: a warp covers 32 threads × 4 adjacent
// columns (N = 512 → 4 CTAs), 4 warps split K; 8 words of K = 2 chunks of 4
// words (one g128 group each), so the automatic split-k is 1 and the CTA adds
// its sums straight into acc (no workspace). Per step the CTA builds the
// four-row partial-sum tables of x (128 quads × 16 floats), then each warp
// sums x over the set bits of its chunk, four rows per lookup.
// CHECK-LABEL: func.func @gemv_lut
//  CHECK-SAME: (%[[X:.*]]: memref<1x256xf32>, %[[P:.*]]: memref<2x8x512xi32>, %[[C:.*]]: memref<2x3x512xf16>, %[[ACC:.*]]: memref<1x512xf32>)
//   CHECK-NOT: gpu.alloc
//       CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c4, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c32, {{.*}} = %c4, {{.*}} = %c1) workgroup(%[[RED:.*]] : memref<96xvector<4xf32>, #gpu.address_space<workgroup>>, %[[LUT:.*]] : memref<2048xf32, #gpu.address_space<workgroup>>)
// Table entry e = 16·quad + t: Σ of the x rows of the quad selected by t.
//       CHECK:   scf.for %[[E:.*]] = %{{.*}} to %c2048 step %c128
//       CHECK:     vector.load %[[X]][{{.*}}] {alignment = 16 : i64} : memref<1x256xf32>, vector<4xf32>
//       CHECK:     arith.select
//       CHECK:     memref.store %{{.*}}, %[[LUT]][%[[E]]]
//       CHECK:   gpu.barrier
// Per chunk: the group's 3 coefficients of the thread's 4 columns, once...
//       CHECK:   vector.load %[[C]][{{.*}}] {alignment = 8 : i64} : memref<2x3x512xf16>, vector<4xf16>
//       CHECK:   vector.load %[[C]]
//       CHECK:   vector.load %[[C]]
// ... then all 4 words × 2 planes, 16-byte loads of 4 adjacent columns...
// CHECK-COUNT-8:   vector.load %[[P]][{{.*}}] {alignment = 16 : i64} : memref<2x8x512xi32>, vector<4xi32>
// ... S from entry 15, Z from the entry each nibble of a word selects ...
//       CHECK:   memref.load %[[LUT]]
//       CHECK:   arith.shrui %{{.*}}, %c4_i32 : i32
//       CHECK:   %[[NIB:.*]] = arith.andi %{{.*}}, %c15_i32 : i32
//       CHECK:   %[[ENTRY:.*]] = arith.index_castui %[[NIB]] : i32 to index
//       CHECK:   %[[AT:.*]] = arith.addi %{{.*}}, %[[ENTRY]] : index
//       CHECK:   memref.load %[[LUT]][%[[AT]]]
// ... and binary coefficients once per chunk: y += c0·S + c1·Z0 + c2·Z1
// (multiply-adds that NVPTX contracts into fma.rn.f32).
// CHECK-COUNT-3:   arith.mulf {{.*}} fastmath<contract> : f32
// Warps 1..3 hand their sums to warp 0, which adds them in warp order and
// adds acc.
//       CHECK:   gpu.barrier
//       CHECK:   memref.store {{.*}}, %[[RED]]
//       CHECK:   gpu.barrier
//       CHECK:   memref.load %[[RED]]
//       CHECK:   vector.load %[[ACC]][{{.*}}] {alignment = 16 : i64} : memref<1x512xf32>, vector<4xf32>
//       CHECK:   vector.store {{.*}}, %[[ACC]]
//       CHECK:   gpu.terminator
//   CHECK-NOT: gpu.launch
//       CHECK: return

// SIMT-LABEL: func.func @gemv_lut
//       SIMT: gpu.launch
//   SIMT-NOT: nvgpu
//       SIMT: return
func.func @gemv_lut(%x: memref<1x256xf32>, %planes: memref<2x8x512xi32>,
                    %coeffs: memref<2x3x512xf16>, %acc: memref<1x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x256xf32>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<1x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// -----

// GEMV, M = 4 > gemv-lut-max-rows: x staged as f32 quads (16-byte aligned:
// the buffer's elements are vector<4xf32>), each weight rebuilt from its
// bits in registers (binary: c0 + Σ select(bit, c, 0)) and fused into the
// 4 × 4 sums. 4 rows × 4 columns = 16 sums per thread.
// CHECK-LABEL: func.func @gemv_fma
//  CHECK-SAME: (%[[X:.*]]: memref<4x256xf16>, %[[P:.*]]: memref<2x8x512xi32>
//       CHECK: gpu.launch {{.*}} workgroup(%[[SMEM:.*]] : memref<512xvector<4xf32>, #gpu.address_space<workgroup>>)
//       CHECK:   vector.load %[[X]][{{.*}}] {alignment = 8 : i64} : memref<4x256xf16>, vector<4xf16>
//       CHECK:   memref.store {{.*}}, %[[SMEM]]
//       CHECK:   gpu.barrier
// CHECK-COUNT-8:   vector.load %[[P]][{{.*}}] {alignment = 16 : i64} : memref<2x8x512xi32>, vector<4xi32>
// A whole word: 32 rows unrolled.
//       CHECK:   scf.if
//       CHECK:     memref.load %[[SMEM]]
//       CHECK:     arith.andi
//       CHECK:     arith.cmpi ne
//       CHECK:     arith.select
//       CHECK:     arith.addf
//       CHECK:     arith.mulf {{.*}} fastmath<contract> : f32
//       CHECK:     arith.addf {{.*}} fastmath<contract> : f32
// The partial last word of K is walked row by row.
//       CHECK:   } else {
//       CHECK:     scf.for
//       CHECK:   gpu.terminator
func.func @gemv_fma(%x: memref<4x256xf16>, %planes: memref<2x8x512xi32>,
                    %coeffs: memref<2x3x512xf16>, %acc: memref<4x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<4x256xf16>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<4x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// -----

// Decode with N = 8192 (M = 1): 64 column CTAs leave an H100 (132 SMs × 4) idle, so
// K (128 words = 32 chunks) is split over 8 CTAs (the most that keeps 4
// chunks per CTA). The partials go to a gpu.alloc'ed 8 × M × N workspace; a
// second kernel adds them to acc in CTA order (deterministic), rounding to
// acc's f16.
// CHECK-LABEL: func.func @gemv_split_k
//  CHECK-SAME: %[[ACC:[a-z0-9]+]]: memref<1x8192xf16>
//       CHECK: %[[WS:.*]] = gpu.alloc (%c8, %c8192) : memref<?x1x?xf32>
//       CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c64, {{.*}} = %c8, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c32, {{.*}} = %c4, {{.*}} = %c1)
//       CHECK:   vector.store {{.*}}, %[[WS]][%{{.*}}, %{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<?x1x?xf32>, vector<4xf32>
//       CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c32, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c256, {{.*}} = %c1, {{.*}} = %c1)
//       CHECK:   %[[OLD:.*]] = memref.load %[[ACC]]
//       CHECK:   arith.extf %[[OLD]] : f16 to f32
//       CHECK:   scf.for %[[Z:.*]] = %c0 to %c8 step %c1
//       CHECK:     memref.load %[[WS]][%[[Z]], {{.*}}] : memref<?x1x?xf32>
//       CHECK:   arith.truncf {{.*}} : f32 to f16
//       CHECK:   memref.store {{.*}}, %[[ACC]]
//       CHECK: gpu.dealloc %[[WS]] : memref<?x1x?xf32>
func.func @gemv_split_k(%x: memref<1x4096xf16>, %planes: memref<2x128x8192xi32>,
                        %coeffs: memref<32x3x8192xf16>, %acc: memref<1x8192xf16>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x4096xf16>,
      memref<2x128x8192xi32>, memref<32x3x8192xf16>)
      outs(%acc : memref<1x8192xf16>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// -----

// Dynamic N: one column per thread (scalar, still coalesced loads), grid and
// split-k computed on the host; split-k = 1 (or N = 0) adds into acc
// directly, otherwise through a workspace. Empty grids are not launched.
// Ternary pairs, per-channel group (100 >= K), bf16 x, M = 2 (tables): the
// streams are m and m & s, and y += c0·S + c1·(2·Z_{m&s} − Z_m).
// CHECK-LABEL: func.func @gemv_dynamic_n
//       CHECK: %[[N:.*]] = memref.dim %{{.*}}, %c1 : memref<2x?xf32>
//       CHECK: %[[DIRECT:.*]] = arith.ori
//       CHECK: scf.if %[[DIRECT]] {
//       CHECK:   scf.if
//       CHECK:     gpu.launch {{.*}} workgroup(%{{.*}} : memref<192xvector<4xf32>, #gpu.address_space<workgroup>>, %{{.*}} : memref<4096xf32, #gpu.address_space<workgroup>>)
//       CHECK:       arith.extf {{.*}} : vector<4xbf16> to vector<4xf32>
//       CHECK:       %[[M:.*]] = memref.load %{{.*}} : memref<4x4x?xi32>
//       CHECK:       %[[S:.*]] = memref.load %{{.*}} : memref<4x4x?xi32>
//       CHECK:       arith.andi %[[M]], %[[S]] : i32
//       CHECK:       %[[TWOZ:.*]] = arith.mulf %cst{{.*}}, %{{.*}} : f32
//       CHECK:       %[[TERM:.*]] = arith.subf %[[TWOZ]], %{{.*}} : f32
//       CHECK:       arith.mulf %{{.*}}, %[[TERM]] fastmath<contract> : f32
//       CHECK:   gpu.alloc ({{.*}}, %[[N]]) : memref<?x2x?xf32>
//       CHECK:   gpu.launch
//       CHECK:   gpu.launch
//       CHECK:   gpu.dealloc
func.func @gemv_dynamic_n(%x: memref<2x100xbf16>, %planes: memref<4x4x?xi32>,
                          %coeffs: memref<1x3x?xf32>, %acc: memref<2x?xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<2x100xbf16>,
      memref<4x4x?xi32>, memref<1x3x?xf32>) outs(%acc : memref<2x?xf32>)
      {plane_kind = #bitsink.plane_kind<ternary>, group_size = 100}
  return
}

// -----

// GEMM, M = 64 > gemv-max-rows: 64 × 64 CTA tiles (N = 512 → 8 × 1 CTAs) of
// 4 warps. Per 32-deep step: x into As[64][40] (f16), Ŵ dequantized into
// Bs[64 n][40 k] (f16, 8 rows per 16-byte store), then per 16-deep slice two
// ldmatrix.x4 for A, two for B and 2 × 4 mma.sync m16n8k16 into f32
// accumulators. Signed planes: t = ±1, a select between c and -c.
// CHECK-LABEL: func.func @gemm_tc
//  CHECK-SAME: %[[ACC:[a-z0-9]+]]: memref<64x512xf32>
//       CHECK: gpu.launch blocks({{.*}}) in ({{.*}} = %c8, {{.*}} = %c1, {{.*}} = %c1) threads({{.*}}) in ({{.*}} = %c128, {{.*}} = %c1, {{.*}} = %c1) workgroup(%[[SH:.*]] : memref<5120xf16, #gpu.address_space<workgroup>>)
//       CHECK:   scf.for %[[K0:.*]] = %c0 to %c256 step %c32 iter_args({{.*}}) -> (vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>, vector<2x2xf32>)
//       CHECK:     memref.store {{.*}}, %[[SH]]{{.*}} : memref<5120xf16
//       CHECK:     arith.negf
//       CHECK:     arith.select
//       CHECK:     arith.truncf {{.*}} : f32 to f16
//       CHECK:     vector.store {{.*}}, %[[SH]][{{.*}}] {alignment = 16 : i64} : memref<5120xf16, #gpu.address_space<workgroup>>, vector<8xf16>
//       CHECK:     gpu.barrier
// CHECK-COUNT-4:     nvgpu.ldmatrix %[[SH]][{{.*}}] {numTiles = 4 : i32, transpose = false} : memref<5120xf16, #gpu.address_space<workgroup>> -> vector<4x2xf16>
// CHECK-COUNT-8:     nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 16]} : (vector<4x2xf16>, vector<2x2xf16>, vector<2x2xf32>) -> vector<2x2xf32>
// CHECK-COUNT-4:     nvgpu.ldmatrix
// CHECK-COUNT-8:     nvgpu.mma.sync
//       CHECK:     gpu.barrier
// Epilogue: acc += C fragment elements, guarded by M and N.
//       CHECK:   vector.extract %{{.*}}[0, 0] : f32 from vector<2x2xf32>
//       CHECK:   memref.load %[[ACC]]
//       CHECK:   memref.store {{.*}}, %[[ACC]]

// Without tensor cores: f32 tiles, 256 threads, 4 × 4 outputs each.
// SIMT-LABEL: func.func @gemm_tc
//       SIMT: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c256, {{.*}}) workgroup(%{{.*}} : memref<4160xf32, #gpu.address_space<workgroup>>)
//   SIMT-NOT: nvgpu
// SIMT-COUNT-16: arith.mulf {{.*}} fastmath<contract> : f32
//   SIMT-NOT: nvgpu
//       SIMT: return
func.func @gemm_tc(%x: memref<64x256xf16>, %planes: memref<2x8x512xi32>,
                   %coeffs: memref<2x3x512xf16>, %acc: memref<64x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<64x256xf16>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<64x512xf32>)
      {plane_kind = #bitsink.plane_kind<signed>, group_size = 128}
  return
}

// -----

// Dynamic M is always a GEMM: grid (N / 64, ceil(M / 64)), launched only
// when M > 0; f32 x is rounded to f16 as it is staged.
// CHECK-LABEL: func.func @gemm_dynamic_m
//       CHECK: %[[M:.*]] = memref.dim %{{.*}}, %c0 : memref<?x256xf32>
//       CHECK: %[[GY:.*]] = arith.ceildivui %[[M]], %c64 : index
//       CHECK: %[[NONEMPTY:.*]] = arith.cmpi sgt, %[[GY]], %c0 : index
//       CHECK: scf.if %[[NONEMPTY]] {
//       CHECK:   gpu.launch blocks({{.*}}) in ({{.*}} = %c8, {{.*}} = %[[GY]], {{.*}} = %c1)
//       CHECK:     arith.truncf {{.*}} : f32 to f16
//       CHECK:     nvgpu.mma.sync
func.func @gemm_dynamic_m(%x: memref<?x256xf32>, %planes: memref<2x8x512xi32>,
                          %coeffs: memref<2x3x512xf16>, %acc: memref<?x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<?x256xf32>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<?x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// -----

// bf16 x: nvgpu.mma.sync has no bf16 lowering in MLIR 22, so the GEMM runs
// TF32 tensor cores on f32 tiles (bf16 → f32 is exact): As[64][36],
// Bs[32][72] in one buffer, fragments by scalar shared loads, m16n8k8.
// CHECK-LABEL: func.func @gemm_bf16
//       CHECK: gpu.launch {{.*}} threads({{.*}}) in ({{.*}} = %c128, {{.*}}) workgroup(%[[SH:.*]] : memref<4608xf32, #gpu.address_space<workgroup>>)
//       CHECK:   arith.extf {{.*}} : bf16 to f32
//       CHECK:   gpu.barrier
//       CHECK:   memref.load %[[SH]]
//       CHECK:   vector.insert {{.*}} [0, 0] : f32 into vector<4x1xf32>
// CHECK-COUNT-8:   nvgpu.mma.sync({{.*}}) {mmaShape = [16, 8, 8], tf32Enabled} : (vector<4x1xf32>, vector<2x1xf32>, vector<2x2xf32>) -> vector<2x2xf32>
//       CHECK:   arith.truncf {{.*}} : f32 to bf16
//       CHECK: return

// SIMT-LABEL: func.func @gemm_bf16
//   SIMT-NOT: nvgpu
//       SIMT: return
func.func @gemm_bf16(%x: memref<32x256xbf16>, %planes: memref<2x8x512xi32>,
                     %coeffs: memref<2x3x512xf16>, %acc: memref<32x512xbf16>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<32x256xbf16>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<32x512xbf16>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// -----

// Sub-block scale codes (docs/semantics.md §2.3), S = 16, M = 1: the
// table GEMV (two shared buffers). Per plane word and run of 4 columns one
// 16-byte load of code words; per sub-block and column the multiplier
// (q + 1)/16, q = (code >> 4·(sub-block mod 8)) & 15; every lookup, and the
// sum of x (entry 15, now one per column), is added times its sub-block's
// multiplier (an FMA instead of an add).
// CHECK-LABEL: func.func @gemv_scales
//  CHECK-SAME: %[[S:[a-z0-9]+]]: memref<2x512xi32>
//       CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<96xvector<4xf32>, #gpu.address_space<workgroup>>, %{{.*}} : memref<2048xf32, #gpu.address_space<workgroup>>) {
//       CHECK:   vector.load %[[S]][%{{.*}}, %{{.*}}] {alignment = 16 : i64} : memref<2x512xi32>, vector<4xi32>
//       CHECK:   arith.shrui
//       CHECK:   arith.andi %{{.*}}, %c15_i32 : i32
//       CHECK:   %[[Q:.*]] = arith.sitofp %{{.*}} : i32 to f32
//       CHECK:   %[[M:.*]] = arith.mulf %[[Q]], %cst{{.*}} : f32
//       CHECK:   %[[ALL:.*]] = memref.load
//       CHECK:   arith.mulf %[[M]], %[[ALL]] fastmath<contract> : f32
// With M = 4 (> gemv-lut-max-rows) each rebuilt weight is multiplied by its
// row's multiplier before the FMAs into the 4 sums.
// CHECK-LABEL: func.func @gemv_scales_m4
//       CHECK: gpu.launch {{.*}} workgroup(%{{.*}} : memref<512xvector<4xf32>, #gpu.address_space<workgroup>>) {
//       CHECK:   arith.andi %{{.*}}, %c15_i32 : i32
//       CHECK:   %[[Q:.*]] = arith.sitofp %{{.*}} : i32 to f32
//       CHECK:   %[[M:.*]] = arith.mulf %[[Q]], %cst{{.*}} : f32
//       CHECK:   arith.select
//       CHECK:   %[[WM:.*]] = arith.mulf %{{.*}}, %[[M]] : f32
//       CHECK:   arith.mulf %{{.*}}, %[[WM]] fastmath<contract> : f32
func.func @gemv_scales(%x: memref<1x256xf32>, %planes: memref<2x8x512xi32>,
                       %coeffs: memref<2x3x512xf16>, %scales: memref<2x512xi32>,
                       %acc: memref<1x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x256xf32>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) scales(%scales : memref<2x512xi32>)
      outs(%acc : memref<1x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16}
  return
}

func.func @gemv_scales_m4(%x: memref<4x256xf32>, %planes: memref<2x8x512xi32>,
                          %coeffs: memref<2x3x512xf16>, %scales: memref<2x512xi32>,
                          %acc: memref<4x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<4x256xf32>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) scales(%scales : memref<2x512xi32>)
      outs(%acc : memref<4x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16}
  return
}

// -----

// The GEMM with codes, S = 8: the 8 rows a thread rebuilds lie in one
// sub-block, so its multiplier scales the coefficients c0..c3 once (Ŵ =
// m·(c0 + Σ c_l·t_l)) before the signed terms negate them; the same on CUDA
// cores.
// CHECK-LABEL: func.func @gemm_scales
//  CHECK-SAME: %[[S:[a-z0-9]+]]: memref<4x512xi32>
//       CHECK: gpu.launch
// CHECK-COUNT-4:   memref.load %{{.*}} : memref<2x4x512xf16>
//       CHECK:   memref.load %[[S]][%{{.*}}, %{{.*}}] : memref<4x512xi32>
//       CHECK:   arith.andi %{{.*}}, %c15_i32 : i32
//       CHECK:   %[[M:.*]] = arith.mulf %{{.*}}, %cst{{.*}} : f32
// CHECK-COUNT-4:   arith.mulf %{{.*}}, %[[M]] : f32
//       CHECK:   arith.negf
//       CHECK:   nvgpu.mma.sync
// SIMT-LABEL: func.func @gemm_scales
//       SIMT:   memref.load %{{.*}} : memref<4x512xi32>
//       SIMT:   arith.andi %{{.*}}, %c15_i32 : i32
//   SIMT-NOT: nvgpu
//       SIMT: return
func.func @gemm_scales(%x: memref<64x256xf16>, %planes: memref<3x8x512xi32>,
                       %coeffs: memref<2x4x512xf16>, %scales: memref<4x512xi32>,
                       %acc: memref<64x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<64x256xf16>,
      memref<3x8x512xi32>, memref<2x4x512xf16>) scales(%scales : memref<4x512xi32>)
      outs(%acc : memref<64x512xf32>)
      {plane_kind = #bitsink.plane_kind<signed>, group_size = 128, sub_block = 8}
  return
}

// -----

// On tensors the op is bridged to memrefs (to_buffer / to_tensor), as the
// CPU lowering does.
// CHECK-LABEL: func.func @on_tensors
//       CHECK: bufferization.to_buffer
//       CHECK: %[[Y:.*]] = memref.alloc() : memref<1x512xf32>
//       CHECK: gpu.launch
//       CHECK: %[[T:.*]] = bufferization.to_tensor %[[Y]]
//       CHECK: return %[[T]]
func.func @on_tensors(%x: tensor<1x256xf32>, %planes: tensor<2x8x512xi32>,
                      %coeffs: tensor<2x3x512xf16>, %acc: tensor<1x512xf32>)
    -> tensor<1x512xf32> {
  %y = bitsink.bitplane_matmul ins(%x, %planes, %coeffs : tensor<1x256xf32>,
      tensor<2x8x512xi32>, tensor<2x3x512xf16>) outs(%acc : tensor<1x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
      -> tensor<1x512xf32>
  return %y : tensor<1x512xf32>
}
