//===- Pipelines.h - bitsink lowering pipelines -----------------*- C++ -*-===//
//
// The pipelines that take a module with bitsink ops on tensors to the LLVM
// dialect. Tools, the C API and Python build them through these functions.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_PIPELINES_PIPELINES_H
#define BITSINK_PIPELINES_PIPELINES_H

#include "bitsink/Conversion/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Support/LLVM.h"

#include <string>

namespace bitsink {

/// Options of `bitsink-cpu-pipeline`. Those handed to a bitsink pass take
/// their defaults from the pass's generated options struct (Passes.td).
struct CPUPipelineOptions
    : public mlir::PassPipelineOptions<CPUPipelineOptions> {
  Option<std::string> targetCpu{
      *this, "target-cpu",
      llvm::cl::desc("CPU the code is for: host, generic (x86-64) or an "
                     "LLVM CPU name such as x86-64-v3. Its features go to "
                     "bitsink-lower-bitplane-matmul as target-features and "
                     "decide gemv-lut's default"),
      llvm::cl::init("host")};
  /// Not given: from target-cpu's vector width (Option::hasValue()).
  Option<int64_t> queryTile{
      *this, "query-tile",
      llvm::cl::desc("Attention queries per tile (default: 32 where "
                     "target-cpu has AVX-512F, 16 with AVX2, else 8)")};
  /// Not given: from target-cpu's vector width (Option::hasValue()).
  Option<int64_t> keyTile{
      *this, "key-tile",
      llvm::cl::desc("Attention keys per tile (default: 6 where target-cpu "
                     "has AVX2 but not AVX-512F, else 8)")};
  Option<int64_t> decodeMaxQueries{
      *this, "decode-max-queries",
      llvm::cl::desc("Use split-KV decode attention when Nq <= this"),
      llvm::cl::init(BitSinkLowerAttentionOptions().decodeMaxQueries)};
  Option<int64_t> splitSize{
      *this, "split-size", llvm::cl::desc("Keys per split of decode attention"),
      llvm::cl::init(BitSinkLowerAttentionOptions().splitSize)};
  /// Not given: target-cpu's f32 lanes per register (Option::hasValue()).
  Option<int64_t> decodeLanes{
      *this, "decode-lanes",
      llvm::cl::desc("Vector lanes of a decode attention task (default: 16 "
                     "where target-cpu has AVX-512F, else 8)")};
  Option<int64_t> gemvMaxRows{
      *this, "gemv-max-rows",
      llvm::cl::desc("Largest M of bitplane_matmul that uses GEMV"),
      llvm::cl::init(BitSinkLowerBitplaneMatmulOptions().gemvMaxRows)};
  Option<int64_t> gemvColumnTile{
      *this, "gemv-column-tile",
      llvm::cl::desc("Output columns per parallel task of the bit-plane GEMV "
                     "(at most N / threads keeps every thread busy)"),
      llvm::cl::init(BitSinkLowerBitplaneMatmulOptions().gemvColumnTile)};
  Option<int64_t> gemvPrefetchDistance{
      *this, "gemv-prefetch-distance",
      llvm::cl::desc("Bit-plane GEMV: prefetch the plane words this many "
                     "word rows ahead (0: no prefetch)"),
      llvm::cl::init(BitSinkLowerBitplaneMatmulOptions().prefetchDistance)};
  /// Not given: the host's hardware threads when target-cpu is "host",
  /// else the lowering's default (Option::hasValue()).
  Option<int64_t> gemvMinTasks{
      *this, "gemv-min-tasks",
      llvm::cl::desc("Parallel tasks of a bit-plane GEMV: a multiple of this "
                     "many balanced runs of column steps (default: the "
                     "host's hardware threads for target-cpu=host, else 8)")};
  /// Not given: whether target-cpu has AVX-512F or AVX2
  /// (Option::hasValue()).
  Option<bool> gemvLut{
      *this, "gemv-lut",
      llvm::cl::desc("Bit-plane GEMV through partial-sum tables (needs "
                     "AVX-512F or AVX2, or NEON on AArch64; default: whether "
                     "target-cpu has AVX-512F or AVX2)")};
  Option<bool> gemvLutInt8{
      *this, "gemv-lut-int8",
      llvm::cl::desc("Bit-plane GEMV through int8 partial-sum tables and "
                     "vpshufb (needs AVX2 or AVX-512BW; results within "
                     "about 1e-2 of "
                     "the f32 kernels; takes precedence over gemv-lut)"),
      llvm::cl::init(BitSinkLowerBitplaneMatmulOptions().gemvLutInt8)};
  Option<bool> gemvLutInt16{
      *this, "gemv-lut-int16",
      llvm::cl::desc("Bit-plane GEMV through int16 partial-sum tables and "
                     "vpermw (needs AVX-512BW; results within about 6e-4 of "
                     "the f32 kernels; takes precedence over gemv-lut-int8 "
                     "and gemv-lut)"),
      llvm::cl::init(BitSinkLowerBitplaneMatmulOptions().gemvLutInt16)};
  Option<bool> gemmInt8{
      *this, "gemm-int8",
      llvm::cl::desc("Bit-plane GEMM (prefill) on int8 inputs and weights "
                     "with vpdpbusd (needs AVX512-VNNI or AVX-VNNI; results "
                     "within about 1e-2 of the f32 GEMM)"),
      llvm::cl::init(BitSinkLowerBitplaneMatmulOptions().gemmInt8)};
  Option<bool> tileContractions{
      *this, "tile-contractions",
      llvm::cl::desc("Tile and vectorise linalg matmuls and other "
                     "contractions (bitsink-tile-contractions); off: scalar "
                     "loops"),
      llvm::cl::init(true)};
  Option<int64_t> matmulTileM{
      *this, "matmul-tile-m",
      llvm::cl::desc("Rows of C per parallel task of a contraction"),
      llvm::cl::init(BitSinkTileContractionsOptions().cacheTileM)};
  Option<int64_t> matmulTileN{
      *this, "matmul-tile-n",
      llvm::cl::desc("Columns of C per parallel task of a contraction"),
      llvm::cl::init(BitSinkTileContractionsOptions().cacheTileN)};
  Option<int64_t> matmulTileK{
      *this, "matmul-tile-k",
      llvm::cl::desc("Reduction length per pass over a C tile"),
      llvm::cl::init(BitSinkTileContractionsOptions().cacheTileK)};
  Option<std::string> matmulPackRhs{
      *this, "matmul-pack-rhs",
      llvm::cl::desc("Copy K x N tiles of a contraction's B into contiguous "
                     "buffers: auto (cost rule), always, never"),
      llvm::cl::init(BitSinkTileContractionsOptions().packRhs)};
  Option<int64_t> matmulPackTileM{
      *this, "matmul-pack-tile-m",
      llvm::cl::desc("Rows of C per parallel task of a contraction whose B "
                     "is packed"),
      llvm::cl::init(BitSinkTileContractionsOptions().packTileM)};
  Option<bool> matmulPrefetchRhs{
      *this, "matmul-prefetch-rhs",
      llvm::cl::desc("Where a contraction's B is packed, prefetch the tile "
                     "that the next packing copy reads"),
      llvm::cl::init(BitSinkTileContractionsOptions().prefetchRhs)};
  Option<int64_t> matmulRegisterTileM{
      *this, "matmul-register-tile-m",
      llvm::cl::desc("Rows of a contraction's register tile"),
      llvm::cl::init(BitSinkTileContractionsOptions().registerTileM)};
  Option<int64_t> matmulRegisterTileN{
      *this, "matmul-register-tile-n",
      llvm::cl::desc("Columns of a contraction's register tile"),
      llvm::cl::init(BitSinkTileContractionsOptions().registerTileN)};
  Option<bool> fuseElementwise{
      *this, "fuse-elementwise",
      llvm::cl::desc("Fuse element-wise linalg chains on tensors before "
                     "bufferization where the fused op stays vectorised "
                     "(bitsink-fuse-elementwise); off: one kernel per op"),
      llvm::cl::init(true)};
  Option<bool> vectorizeLinalg{
      *this, "vectorize-linalg",
      llvm::cl::desc("Tile and vectorise element-wise ops, reductions and "
                     "small-M contractions with a contiguous K "
                     "(bitsink-vectorize-linalg, vector width from "
                     "target-cpu); off: scalar loops"),
      llvm::cl::init(true)};
  Option<bool> outlineKernels{
      *this, "outline-kernels",
      llvm::cl::desc("One private function per distinct kernel, shared by "
                     "the layers that repeat it (bitsink-outline-kernels); "
                     "off: every kernel inline in its function"),
      llvm::cl::init(true)};
  Option<bool> openmp{
      *this, "openmp",
      llvm::cl::desc("Run parallel loops on threads (OpenMP dialect)"),
      llvm::cl::init(true)};
  Option<bool> cInterface{
      *this, "c-interface",
      llvm::cl::desc("Emit a _mlir_ciface_ wrapper for every function"),
      llvm::cl::init(false)};
  Option<bool> profile{
      *this, "profile",
      llvm::cl::desc("Time every kernel: bitsink-profile-instrument right "
                     "after bufferization (the JIT provides the runtime; "
                     "docs/profiling.md)"),
      llvm::cl::init(false)};
};

/// bufferize (function boundaries, identity layouts; results returned in
/// place through an argument are dropped and recorded in
/// `bitsink.result_aliases`, the others become out-params)
/// -> bitsink lowerings -> linalg to loops -> scf.parallel to OpenMP ->
/// vector lowering and math approximations -> LLVM dialect. With
/// `profile`, bitsink-profile-instrument runs right after bufferization
/// and the rest is the same. Fails, with
/// the reason in `error`, when target-cpu names no CPU LLVM knows.
llvm::LogicalResult buildCPUPipeline(mlir::OpPassManager &pm,
                                     const CPUPipelineOptions &options,
                                     std::string &error);

/// The tensor-to-buffer part shared by the CPU and NVPTX pipelines:
/// canonicalize -> one-shot-bufferize (function boundaries, identity
/// layouts) -> bitsink-drop-aliased-results -> buffer-results-to-out-params
/// -> buffer-deallocation-pipeline.
void buildBufferizationPipeline(mlir::OpPassManager &pm);

/// The CUDA toolkit found when bitsink was configured ("" without CUDA).
const char *defaultCUDAToolkitPath();

/// Options of `bitsink-nvptx-pipeline` (built only with BITSINK_ENABLE_CUDA).
struct NVPTXPipelineOptions
    : public mlir::PassPipelineOptions<NVPTXPipelineOptions> {
  Option<std::string> chip{
      *this, "chip",
      llvm::cl::desc("Target GPU: sm_80, sm_86, sm_89, sm_90 or sm_90a"),
      llvm::cl::init("sm_80")};
  Option<std::string> features{
      *this, "features",
      llvm::cl::desc("PTX ISA version as +ptxNN (at least what the chip "
                     "needs: ptx70 for sm_80, ptx71 sm_86, ptx78 sm_89 and "
                     "sm_90, ptx80 sm_90a; at most ptx90, CUDA 13's ptxas)"),
      llvm::cl::init("+ptx80")};
  Option<unsigned> optLevel{*this, "opt-level",
                            llvm::cl::desc("LLVM optimisation level of the "
                                           "kernels (0-3)"),
                            llvm::cl::init(3)};
  Option<std::string> cubinFormat{
      *this, "cubin-format",
      llvm::cl::desc("Kernel binary embedded in the host code: bin (cubin, "
                     "needs ptxas at compile time), fatbin, or isa (PTX, "
                     "JIT-compiled by the driver when loaded)"),
      llvm::cl::init("bin")};
  Option<bool> cInterface{
      *this, "c-interface",
      llvm::cl::desc("Emit a _mlir_ciface_ wrapper for every function"),
      llvm::cl::init(false)};
  Option<std::string> toolkit{
      *this, "toolkit",
      llvm::cl::desc("CUDA toolkit with ptxas and nvvm/libdevice (default: "
                     "the one bitsink was built with)"),
      llvm::cl::init(defaultCUDAToolkitPath())};
  Option<std::string> attentionOptions{
      *this, "attention-options",
      llvm::cl::desc("Options passed to bitsink-gpu-lower-attention, e.g. "
                     "'query-tile=64 key-tile=64'"),
      llvm::cl::init("")};
  Option<std::string> matmulOptions{
      *this, "matmul-options",
      llvm::cl::desc("Options passed to bitsink-gpu-lower-bitplane-matmul, "
                     "e.g. 'gemv-max-rows=16'"),
      llvm::cl::init("")};
};

/// Checks chip, features, opt-level and cubin-format against what LLVM 22's
/// NVPTX backend and CUDA 13's ptxas accept. Returns an empty string when
/// they are fine, else the message (LLVM aborts on some bad combinations,
/// so this runs before any pass).
std::string validateNVPTXPipelineOptions(const NVPTXPipelineOptions &options);

/// bufferize (as the CPU pipeline) -> bitsink GPU kernel lowerings -> the
/// remaining linalg ops become kernels, host buffers device buffers ->
/// kernel outlining -> NVVM -> gpu-module-to-binary -> host code calling the
/// bitsink CUDA runtime (`mgpu*`). Fails, with the reason in `error`, when
/// the options do not validate or the pass-through kernel options do not
/// parse.
llvm::LogicalResult buildNVPTXPipeline(mlir::OpPassManager &pm,
                                       const NVPTXPipelineOptions &options,
                                       std::string &error);

/// Registers `bitsink-nvptx-pipeline`; its options are validated when the
/// pipeline is parsed.
void registerNVPTXPipeline();

/// Registers `bitsink-cpu-pipeline` (and later pipelines) with the global
/// pass registry.
void registerPipelines();

/// Parses a textual pass pipeline for a `builtin.module`, with or without
/// its anchor: "builtin.module(canonicalize,bitsink-cpu-pipeline)" and
/// "canonicalize,bitsink-cpu-pipeline" are the same pipeline. A text that is
/// one `op-name(...)` is anchored on that op (running it on a module then
/// fails, naming the op). With a `targetCpu`, every bitsink-cpu-pipeline in
/// the text that names no target-cpu gets target-cpu=`targetCpu`. Parse
/// errors (a misspelt pass, bad options) go to `errors`. The C API and the
/// JIT (bitsink-run, Python) read pipelines through this. With `profile`,
/// every bitsink-cpu-pipeline in the text that does not set profile gets
/// profile=true (bitsink-run --profile, Python's profile=True).
llvm::FailureOr<mlir::OpPassManager>
parseModulePipeline(llvm::StringRef text, llvm::raw_ostream &errors,
                    llvm::StringRef targetCpu = {}, bool profile = false);

} // namespace bitsink

#endif // BITSINK_PIPELINES_PIPELINES_H
