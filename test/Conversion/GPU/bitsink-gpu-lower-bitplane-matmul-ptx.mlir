// REQUIRES: nvptx
// RUN: bitsink-opt %s --bitsink-gpu-lower-bitplane-matmul \
// RUN:   --gpu-launch-sink-index-computations --gpu-kernel-outlining \
// RUN:   --gpu-lower-to-nvvm-pipeline="cubin-chip=sm_90 cubin-features=+ptx80 cubin-format=isa" \
// RUN:   | FileCheck %s --implicit-check-not=__nv_fmaf

// The kernels all the way to PTX with upstream's NVVM pipeline (no GPU
// needed: cubin-format=isa stops at PTX). No libdevice calls (__nv_fmaf):
// every multiply-add is a plain fma.rn.f32.

// GEMV with tables (M = 1): each thread reads 4 adjacent columns of a plane
// row with one 16-byte load (a warp: 512 contiguous bytes) and the
// coefficients with one 8-byte load; a nibble of a plane word (bfe) picks a
// table entry (a 4-byte shared load); y is written with one 16-byte store.
// CHECK-LABEL: gpu.binary @gemv_lut_kernel
//       CHECK: .shared .align 16 .b8 __wg_gemv_lut_kernel_0[1536]
//       CHECK: .shared .align 4 .b8 __wg_gemv_lut_kernel_1[8192]
//       CHECK: ld.global.v4.b16
//       CHECK: ld.global.v4.b32
//       CHECK: bfe.u32
//       CHECK: ld.shared.b32
//       CHECK: st.global.v4.b32
func.func @gemv_lut(%x: memref<1x256xf32>, %planes: memref<2x8x512xi32>,
                    %coeffs: memref<2x3x512xf16>, %acc: memref<1x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x256xf32>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<1x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// GEMV rebuilding weights (M = 4): the same coalesced 16-byte plane loads;
// x comes from 16-byte-aligned shared memory four rows at a time.
// CHECK-LABEL: gpu.binary @gemv_fma_kernel
//       CHECK: .shared .align 16 .b8 __wg_gemv_fma_kernel_0[8192]
//       CHECK: ld.global.v4.b32
//       CHECK: ld.shared.v4.b32
//       CHECK: fma.rn.f32
//       CHECK: st.global.v4.b32
func.func @gemv_fma(%x: memref<4x256xf32>, %planes: memref<2x8x512xi32>,
                    %coeffs: memref<2x3x512xf16>, %acc: memref<4x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<4x256xf32>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<4x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// GEMM (M = 64): dequantized rows stored 8 at a time, fragments through
// ldmatrix, tensor-core mma with f32 accumulators (2 × 4 per warp and
// 16-deep slice, two slices per 32-deep tile).
// CHECK-LABEL: gpu.binary @gemm_kernel
//       CHECK: st.shared.v4.b32
//       CHECK: ldmatrix.sync.aligned.m8n8.x4.shared.b16
// CHECK-COUNT-16: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
func.func @gemm(%x: memref<64x256xf16>, %planes: memref<2x8x512xi32>,
                %coeffs: memref<2x3x512xf16>, %acc: memref<64x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<64x256xf16>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) outs(%acc : memref<64x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
  return
}

// bf16 x: TF32 tensor cores, 2 × 4 m16n8k8 per warp and 8-deep slice, four
// slices per 32-deep tile.
// CHECK-LABEL: gpu.binary @gemm_bf16_kernel
// CHECK-COUNT-32: mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32
func.func @gemm_bf16(%x: memref<32x256xbf16>, %planes: memref<2x8x512xi32>,
                     %coeffs: memref<4x2x512xf16>, %acc: memref<32x512xbf16>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<32x256xbf16>,
      memref<2x8x512xi32>, memref<4x2x512xf16>) outs(%acc : memref<32x512xbf16>)
      {plane_kind = #bitsink.plane_kind<ternary>, group_size = 64}
  return
}

// Sub-block scale codes (S = 16, M = 1): the table GEMV, one 16-byte load
// of code words per plane word and run of 4 columns, the code nibble
// extracted (bfe) and converted, lookups added by FMA; the GEMM (S = 8)
// one multiplier per thread's 8 rows, still through tensor cores.
// CHECK-LABEL: gpu.binary @gemv_scales_kernel
//   CHECK-NOT: gpu.binary
//       CHECK: ld.global.v4.b32
//       CHECK: bfe.u32
//       CHECK: cvt.rn.f32.{{[su]}}32
//       CHECK: fma.rn.f32
// CHECK-LABEL: gpu.binary @gemm_scales_kernel
//       CHECK: cvt.rn.f32.{{[su]}}32
//       CHECK: mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32
func.func @gemv_scales(%x: memref<1x256xf32>, %planes: memref<2x8x512xi32>,
                       %coeffs: memref<2x3x512xf16>, %scales: memref<2x512xi32>,
                       %acc: memref<1x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<1x256xf32>,
      memref<2x8x512xi32>, memref<2x3x512xf16>) scales(%scales : memref<2x512xi32>)
      outs(%acc : memref<1x512xf32>)
      {plane_kind = #bitsink.plane_kind<binary>, group_size = 128, sub_block = 16}
  return
}

func.func @gemm_scales(%x: memref<64x256xf16>, %planes: memref<3x8x512xi32>,
                       %coeffs: memref<2x4x512xf16>, %scales: memref<4x512xi32>,
                       %acc: memref<64x512xf32>) {
  bitsink.bitplane_matmul ins(%x, %planes, %coeffs : memref<64x256xf16>,
      memref<3x8x512xi32>, memref<2x4x512xf16>) scales(%scales : memref<4x512xi32>)
      outs(%acc : memref<64x512xf32>)
      {plane_kind = #bitsink.plane_kind<signed>, group_size = 128, sub_block = 8}
  return
}
