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
  let description = [{
    Lowers every `bitsink.sink_attention` (on memrefs; ops on tensors are
    bridged through `bufferization.to_buffer`/`to_tensor`) to host code with
    `gpu.launch` ops that are not yet outlined. Every memref operand is
    device memory; temporaries are `gpu.alloc`/`gpu.dealloc` on the host and
    the host never loads or stores a memref. Three kernels:

    - Tensor-core prefill (f16 or bf16, `D` and `Dv` multiples of 16, the
      tiles fitting 48 KiB of shared memory): one CTA of
      `query-tile / 16` warps per (query tile, query head, batch); each warp
      owns 16 query rows. K and V tiles of `key-tile` keys are copied to
      shared memory with `cp.async` (the next K tile is prefetched while the
      current tile's softmax and P·V run), read with `ldmatrix` (transposed
      for V), and multiplied with `mma.sync.m16n8k16` into f32 accumulators
      (P is rounded to the input type for P·V).
      The online softmax keeps the row max and sum in registers, reduced
      across the four lanes of a quad with `gpu.shuffle xor`.
    - SIMT prefill (any element type, any head dimension): one CTA of 128
      threads per (query tile, head, batch), K/V tiles staged in shared
      memory as f32, scores and P·V spread over the threads.
    - Split-KV decode (static `Nq <= decode-max-queries`): one CTA per
      (batch, KV head, split) computes all query heads of its GQA group, so
      each K/V tile is read once; the number of splits is bounded by the
      window (not by `Nk`). Partial (max, sum, output) go to a `gpu.alloc`
      buffer and a second kernel merges them with log-sum-exp, adding the
      learned sink logit exactly once.

    All kernels visit only the sink tiles and the window tiles of their
    query range (docs/semantics.md §2.1's bound) and evaluate the per-element mask only
    on tiles that cross a visibility boundary; with `key_positions` every
    tile below `kv_len` is visited and masked. GQA maps query head `h` to
    KV head `h / (Hq / Hkv)`.

    An op it cannot lower (dynamic `D` or `Dv`, memrefs with non-identity
    layouts, head dimensions whose tiles do not fit 48 KiB of shared memory)
    is reported as an error before any IR is created, and the pass fails.
    The lowering is also available as a pattern
    (`populateBitSinkGPULowerAttentionPatterns`,
    bitsink/Conversion/GPU/Patterns.h).
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"64",
           "Query rows per CTA of the tensor-core kernel (16 per warp; a "
           "multiple of 16 in [16, 128])">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"64",
           "Keys per tile of the tensor-core kernel (a multiple of 16 in "
           "[16, 128])">,
    Option<"simtQueryTile", "simt-query-tile", "int64_t", /*default=*/"32",
           "Query rows per CTA of the SIMT kernel (in [1, 128])">,
    Option<"simtKeyTile", "simt-key-tile", "int64_t", /*default=*/"16",
           "Keys per tile of the SIMT prefill kernel (in [1, 128])">,
    Option<"decodeKeyTile", "decode-key-tile", "int64_t", /*default=*/"32",
           "Keys per tile of the decode kernel (in [1, 128])">,
    Option<"decodeMaxQueries", "decode-max-queries", "int64_t",
           /*default=*/"4",
           "Use the split-KV decode kernels when Nq is static and at most "
           "this">,
    Option<"splitSize", "split-size", "int64_t", /*default=*/"128",
           "Keys per split of the decode kernel (at least decode-key-tile)">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"true",
           "Use the mma.sync kernel for f16/bf16 prefill when D and Dv are "
           "multiples of 16">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::math::MathDialect",
    "::mlir::memref::MemRefDialect", "::mlir::nvgpu::NVGPUDialect",
    "::mlir::NVVM::NVVMDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def BitSinkGPULowerCacheAppend : Pass<"bitsink-gpu-lower-cache-append"> {
  let summary = "Lower cache_append to a GPU kernel writing the new slots";
  let description = [{
    Lowers every `bitsink.cache_append` (on memrefs in device memory; ops on
    tensors are bridged through `bufferization.to_buffer`/`to_tensor`) to a
    `gpu.launch` with one CTA per batch entry: the new key and value rows go
    to their slots (sinks first, then the ring of `C - S` slots) in 16-byte
    vectors, the slot positions are rebuilt for the new length, and the
    length is advanced after a barrier (every thread has read the old one).
    When one append wraps the ring (`T > C - S`), only the last token that
    lands in a slot writes it, which equals appending one token at a time.
    Only the written rows and the positions are touched.

    An op on memrefs with non-identity layouts is reported as an error
    before any IR is created, and the pass fails. The lowering is also
    available as a pattern (`populateBitSinkGPULowerCacheAppendPatterns`,
    bitsink/Conversion/GPU/Patterns.h).
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def BitSinkGPULowerBitplaneMatmul : Pass<"bitsink-gpu-lower-bitplane-matmul"> {
  let summary = "Lower bitplane_matmul to GPU kernels (GEMV reading packed "
                "planes, tensor-core GEMM over dequantized tiles)";
  let description = [{
    Replaces every `bitsink.bitplane_matmul` by host code with `gpu.launch`
    ops (not outlined; `gpu-kernel-outlining` runs later). Every memref
    operand is device memory; temporaries are `gpu.alloc`/`gpu.dealloc` in
    host code. Ops on tensors are first bridged to memrefs through
    `bufferization.to_buffer` / `to_tensor`. Semantics are docs/semantics.md §2.3:
    `y = acc + x·Ŵ` accumulated in f32, rows `k >= K` never visited.

    - `M <= gemv-max-rows` (static M): a GEMV that reads every plane word
      and coefficient once, coalesced (a warp reads consecutive columns,
      `gemv-columns-per-thread` adjacent ones per thread with vector loads),
      sums x through four-row partial-sum tables in shared memory
      (`M <= gemv-lut-max-rows`) or rebuilds each weight in registers, and
      splits K over `gemv-warps-k` warps of a CTA (reduced in shared memory)
      and `split-k` CTAs (a second, deterministic reduction kernel over a
      `gpu.alloc` workspace).
    - Otherwise a GEMM over `tile-m × tile-n × tile-k` CTA tiles: the weight
      tile is dequantized from the planes into shared memory and, with
      `tensor-cores`, multiplied by `nvgpu.ldmatrix` + `nvgpu.mma.sync`
      m16n8k16 (f16 operands for f16/f32 x) or m16n8k8 TF32 (bf16 x), f32
      accumulators; `tensor-cores=false` uses f32 CUDA-core FMAs.

    Sub-block scale codes (`scales`, `sub_block`) multiply each table
    lookup (four rows of one sub-block), rebuilt weight or dequantized
    weight by its sub-block's `(q + 1)/16` for the column.

    A blocked `#bitsink.layout` is rejected: the canonical layout already
    coalesces (docs/gpu-bitplane.md). It and memrefs with non-identity
    layouts are reported as errors before any IR is created, and the pass
    fails. The lowering is also available as a pattern
    (`populateBitSinkGPULowerBitplaneMatmulPatterns`,
    bitsink/Conversion/GPU/Patterns.h).
  }];
  let options = [
    Option<"gemvMaxRows", "gemv-max-rows", "int64_t", /*default=*/"16",
           "Largest static M lowered to the GEMV kernel">,
    Option<"gemvLutMaxRows", "gemv-lut-max-rows", "int64_t", /*default=*/"2",
           "Largest M for which the GEMV sums x through four-row partial-sum "
           "tables in shared memory instead of rebuilding each weight">,
    Option<"gemvColumnsPerThread", "gemv-columns-per-thread", "int64_t",
           /*default=*/"4",
           "Adjacent columns per GEMV thread (1, 2 or 4; vector loads; "
           "reduced to what divides a static N, 1 for a dynamic N)">,
    Option<"gemvWarpsK", "gemv-warps-k", "int64_t", /*default=*/"4",
           "Warps of a GEMV CTA that split its K range">,
    Option<"splitK", "split-k", "int64_t", /*default=*/"0",
           "CTAs that split K in the GEMV (0: enough to give every SM "
           "`gemv-ctas-per-sm` CTAs)">,
    Option<"smCount", "sm-count", "int64_t", /*default=*/"132",
           "Streaming multiprocessors the automatic split-k aims to fill "
           "(H100 SXM: 132)">,
    Option<"gemvCtasPerSm", "gemv-ctas-per-sm", "int64_t", /*default=*/"8",
           "GEMV CTAs per SM the automatic split-k aims for">,
    Option<"tileM", "tile-m", "int64_t", /*default=*/"64",
           "GEMM CTA tile rows (multiple of 32)">,
    Option<"tileN", "tile-n", "int64_t", /*default=*/"64",
           "GEMM CTA tile columns (multiple of 32)">,
    Option<"tileK", "tile-k", "int64_t", /*default=*/"32",
           "GEMM CTA tile depth (multiple of 32)">,
    Option<"tensorCores", "tensor-cores", "bool", /*default=*/"true",
           "Use mma.sync tensor cores in the GEMM (f16, or tf32 for bf16 x)">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::gpu::GPUDialect", "::mlir::memref::MemRefDialect",
    "::mlir::nvgpu::NVGPUDialect", "::mlir::NVVM::NVVMDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def BitSinkGPUHostToDeviceMemory
    : Pass<"bitsink-gpu-host-to-device-memory", "::mlir::ModuleOp"> {
  let summary = "Host-side buffers become device buffers: memref.alloc/"
                "dealloc/copy and dense fills to gpu.alloc/dealloc/memcpy/"
                "memset";
  let description = [{
    Runs in `bitsink-nvptx-pipeline` after the GPU kernel lowerings, when every
    memref a host function touches is device memory (function arguments are
    device pointers by convention). Outside `gpu.launch` bodies and
    `gpu.module`s:

    - `memref.alloc` / `memref.dealloc` become `gpu.alloc` / `gpu.dealloc`;
    - `memref.copy` between contiguous buffers becomes `gpu.memcpy`; a strided
      copy becomes `linalg.copy`, which the pipeline turns into a kernel;
    - `linalg.fill` of a dense buffer with 16- or 32-bit elements becomes
      `gpu.memset` (also for 0-d buffers, which get no kernel);
    - `memref.get_global` (bufferized constants live in host memory) gets a
      device copy (`gpu.alloc` + `gpu.memcpy`, freed before the block ends);
    - what cannot run on the host with device memory is rejected with a
      diagnostic: host `memref.alloca`, loads and stores, linalg ops without a
      parallel dimension (they would become host loops), and bitsink ops that
      no GPU lowering took.
  }];
  let dependentDialects = [
    "::mlir::gpu::GPUDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::memref::MemRefDialect"
  ];
}

def BitSinkGPUTileParallelLoops : Pass<"bitsink-gpu-tile-parallel-loops"> {
  let summary = "Tile host scf.parallel loops so their innermost dimension "
                "becomes GPU threads";
  let description = [{
    `gpu-map-parallel-loops` puts the dimensions of a single `scf.parallel` on
    the grid with one thread per block; only a nested parallel loop gets
    threads. This pass tiles the innermost dimension of every outermost host
    `scf.parallel` (outside `gpu.launch`) by `block-size`, or by the next
    power of two (at least 32) of a smaller static extent, with fixed inner
    bounds and an in-bounds guard (upstream `tileParallelLoop`). With
    `gpu-map-parallel-loops{mapping-policy=innermost-first}` the tile becomes
    `threadIdx.x` over contiguous elements (coalesced) and the outer
    dimensions the grid.
  }];
  let options = [
    Option<"blockSize", "block-size", "int64_t", /*default=*/"256",
           "Threads per block along the innermost dimension">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::scf::SCFDialect"
  ];
}

def BitSinkGPUAlignWorkgroupBuffers
    : Pass<"bitsink-gpu-align-workgroup-buffers", "::mlir::gpu::GPUModuleOp"> {
  let summary = "Give every workgroup attribution of the kernels a minimum "
                "alignment";
  let description = [{
    A workgroup attribution becomes a shared-memory global aligned only to
    its element type (`.shared .align 2` for f16), but `cp.async` of 16
    bytes, `ldmatrix` and 16-byte vector accesses need 16-byte aligned
    addresses, and with several attributions in a kernel only the first one
    is placed at an aligned address by chance. This pass sets
    `llvm.align = alignment` on every workgroup attribution of every
    `gpu.func` whose alignment is smaller; `convert-gpu-to-nvvm` carries it
    to the global. Run it after `gpu-kernel-outlining`.
  }];
  let options = [
    Option<"alignment", "alignment", "int64_t", /*default=*/"16",
           "Minimum alignment in bytes (a power of two)">
  ];
}

#endif // BITSINK_CONVERSION_GPU_PASSES_TD
