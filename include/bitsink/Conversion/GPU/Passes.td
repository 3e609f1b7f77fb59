//===- Passes.td - bitsink GPU lowering passes -------------*- tablegen -*-===//
//
// Passes that lower bitsink ops on memrefs to GPU kernels (gpu.launch bodies
// over nvgpu/gpu/arith/memref), for NVIDIA GPUs through NVVM. Target-specific:
// built only with BITSINK_ENABLE_CUDA.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_CONVERSION_GPU_PASSES_TD
#define BITSINK_CONVERSION_GPU_PASSES_TD

include "mlir/Pass/PassBase.td"

def BitSinkGPULowerAttention : Pass<"bitsink-gpu-lower-attention"> {
  let summary = "Lower sink_attention to GPU kernels (tensor-core prefill, "
                "split-KV decode)";
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def BitSinkGPULowerBitplaneMatmul : Pass<"bitsink-gpu-lower-bitplane-matmul"> {
  let summary = "Lower bitplane_matmul to GPU kernels (GEMV reading packed "
                "planes, tensor-core GEMM over dequantized tiles)";
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

#endif // BITSINK_CONVERSION_GPU_PASSES_TD
