//===- Passes.td - bitsink lowering passes -----------------*- tablegen -*-===//
//
// Passes that lower bitsink ops to loops over upstream dialects (scf, vector,
// arith, math, memref). They work on the bufferized (memref) form; an op on
// tensors is bridged with bufferization.to_buffer / to_tensor so each pass
// also runs on its own.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_CONVERSION_PASSES_TD
#define BITSINK_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def BitSinkLowerAttention : Pass<"bitsink-lower-attention"> {
  let summary = "Lower sink_attention to tiled online-softmax loops with "
                "structural tile skipping";
  let description = [{
    Lowers every `bitsink.sink_attention` to flash-style loops: a parallel
    loop over (batch, query head, query tile) and, per query tile, key loops
    that visit only the sink tiles and the window tiles (docs/semantics.md §2.1's
    bound), with a per-element mask only on tiles that cross a visibility
    boundary. Scores, running max and running sum are f32 (online softmax
    with rescaling); the learned sink logit enters the denominator once.

    Decode variant: when `Nq <= decode-max-queries` the key range of each
    (batch, head) is split into chunks of `split-size` keys that run in
    parallel; their partial (max, sum, output) triples are merged with
    log-sum-exp.
  }];
  let options = [
    Option<"queryTile", "query-tile", "int64_t", /*default=*/"32",
           "Queries per tile (Tq): the vector lanes of the score tile">,
    Option<"keyTile", "key-tile", "int64_t", /*default=*/"16",
           "Keys per tile (Tk)">,
    Option<"decodeMaxQueries", "decode-max-queries", "int64_t",
           /*default=*/"4",
           "Use the split-KV decode variant when Nq is at most this">,
    Option<"splitSize", "split-size", "int64_t", /*default=*/"512",
           "Keys per split in the decode variant (a multiple of key-tile)">,
    Option<"decodeLanes", "decode-lanes", "int64_t", /*default=*/"16",
           "Vector lanes of a decode task (its query heads x queries; at "
           "most query-tile are used): one register's f32 lanes">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def BitSinkLowerCacheAppend : Pass<"bitsink-lower-cache-append"> {
  let summary = "Lower cache_append to in-place slot writes";
  let description = [{
    Lowers every `bitsink.cache_append` to loops that write each new token's
    key and value rows into its slot (sinks first, then a ring of `C - S`
    slots), recompute the slot positions for the position mode, and advance
    the length. After bufferization the caches are updated in place: the
    work is O(T·Hkv·(D + Dv) + C) per append, never a copy of the cache.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect"
  ];
}

def BitSinkLowerBitplaneMatmul : Pass<"bitsink-lower-bitplane-matmul"> {
  let summary = "Lower bitplane_matmul to GEMV / GEMM kernels that read "
                "packed planes directly";
  let description = [{
    Lowers every `bitsink.bitplane_matmul`. With `M <= gemv-max-rows` (decode)
    a GEMV kernel never materialises the dequantized weight: per group it
    sums the input over the set bits of each plane and applies the
    coefficients afterwards. Larger `M` uses a GEMM kernel that dequantizes
    a tile of the weight into a buffer and multiplies it with a
    `linalg.matmul` (tiled and vectorised by bitsink-tile-contractions,
    which runs after this pass in bitsink-cpu-pipeline). Both are parallel
    over output columns.

    The GEMV kernel walks a strip of at most `gemv-column-tile` columns word
    row by word row (a multiple of `gemv-min-tasks` strips of balanced whole
    steps, as few as that width allows, where N has that many steps; runs
    of contiguous plane words, partial sums in per-thread stack buffers),
    starts the strips where the plane loads are 64-byte
    aligned, and prefetches the words `prefetch-distance` rows ahead. With
    `gemv-lut` it reads 4 bits of a plane at a time (3 on AVX2) and adds
    the matching entry of a 16-entry (8-entry) table of partial sums of as
    many input rows (T-MAC style; f32 tables built once per call and shared
    by every column) instead of testing one bit at a time. With
    `gemv-lut-int8` (AVX2 or AVX-512BW) the tables hold int8 partial sums
    of 4 rows, rounded per block of up to 128 rows, and `vpshufb` looks up
    32 (ymm) or 64 (zmm) columns at once (T-MAC's form; results within
    about 1e-2 of the f32 kernels).
    With `gemm-int8` (AVX512-VNNI or AVX-VNNI) the GEMM kernel instead
    rounds the input to int8 per row and block of 128 columns, dequantizes
    the tile of the weight to int8 per column and block, and multiplies the
    bytes with `vpdpbusd` in register tiles it emits itself (results within
    about 1e-2 of the f32 GEMM).
    Blocked planes (`#bitsink.layout`, e.g. from bitsink-block-planes) are
    read in place by every kernel when `n_tile` is a multiple of 16 (else a
    diagnostic); the GEMV then gives each task one block of `n_tile`
    columns, read as one sequential run (docs/bitplane-lowering.md).
  }];
  let options = [
    Option<"gemvMaxRows", "gemv-max-rows", "int64_t", /*default=*/"8",
           "Largest M that uses the GEMV kernel">,
    Option<"columnTile", "column-tile", "int64_t", /*default=*/"64",
           "GEMM: output columns per parallel task">,
    Option<"gemvColumnTile", "gemv-column-tile", "int64_t",
           /*default=*/"4096",
           "GEMV: most output columns per parallel task (a strip read row "
           "by row)">,
    Option<"gemvMinTasks", "gemv-min-tasks", "int64_t", /*default=*/"8",
           "GEMV: cut N into a multiple of this many tasks of balanced "
           "whole column steps (the fewest that keeps strips within "
           "gemv-column-tile; fewer where N has fewer steps), so that the "
           "threads get equal shares: bitsink-cpu-pipeline gives the host's "
           "hardware threads when it compiles for the host">,
    Option<"prefetchDistance", "prefetch-distance", "int64_t",
           /*default=*/"4",
           "GEMV: prefetch the plane words this many word rows ahead "
           "(0: no prefetch)">,
    Option<"gemvLut", "gemv-lut", "bool", /*default=*/"false",
           "GEMV: sum the input through tables of partial sums of 4 input "
           "rows (3 on AVX2) indexed by plane bits, looked up with the "
           "target's instruction: vpermps (avx512f, else avx2) or tbl "
           "(neon); only for targets with one of them. "
           "bitsink-cpu-pipeline sets it from the target CPU">,
    Option<"gemvLutInt8", "gemv-lut-int8", "bool", /*default=*/"false",
           "GEMV: int8 tables of partial sums of 4 input rows looked up "
           "with vpshufb, 32 columns at a time on avx2, 64 on avx512bw "
           "(needs one of them; takes "
           "precedence over gemv-lut). The tables are rounded to 8 bits "
           "with one scale per block of up to 128 rows, so results differ "
           "from the f32 kernels by about 1e-2 relative "
           "(docs/bitplane-lowering.md)">,
    Option<"gemvLutInt16", "gemv-lut-int16", "bool", /*default=*/"false",
           "GEMV: int16 tables of partial sums of 4 input rows looked up "
           "with vpermw on the plane words' 16-bit halves, 16 columns and "
           "8 rows per lookup (needs avx512bw; takes precedence over "
           "gemv-lut-int8 and gemv-lut). The tables are rounded to at least "
           "12 bits with one scale per block of up to 128 rows, so results "
           "differ from the f32 kernels by up to about 6e-4 relative "
           "(docs/bitplane-lowering.md)">,
    Option<"gemmInt8", "gemm-int8", "bool", /*default=*/"false",
           "GEMM: round the input to int8 (per row and block of 128 of K) "
           "and the dequantized weight to int8 (per column and block) and "
           "multiply bytes with vpdpbusd (needs avx512vnni or avxvnni); "
           "results differ from the f32 GEMM by about 1e-2 relative "
           "(docs/bitplane-lowering.md)">,
    Option<"targetFeatures", "target-features", "std::string",
           /*default=*/"\"host\"",
           "Features of the CPU the code is for, as LLVM writes them "
           "(\"+avx2,+avx512f,...\"), or \"host\": the CPU this runs on. "
           "Kernels that need a feature (gemv-lut: avx512f, avx2 or neon; "
           "gemv-lut-int8: avx2 or avx512bw; gemv-lut-int16: avx512bw; "
           "gemm-int8: avx512vnni or "
           "avxvnni) "
           "are refused with a diagnostic when the target lacks it">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def BitSinkLowerToCPUKernels : Pass<"bitsink-lower-to-cpu-kernels"> {
  let summary = "Lower every bitsink op to CPU kernels in one walk";
  let description = [{
    Applies the patterns of bitsink-lower-cache-append,
    bitsink-lower-attention and bitsink-lower-bitplane-matmul together
    (`populateBitSink...Patterns`, include/bitsink/Conversion/Patterns.h),
    each with its pass's default options, in one walk over the IR. For a
    pipeline that wants bitsink's CPU kernels without tuning them; tuning
    goes through the three passes (as bitsink-cpu-pipeline does) or through
    the populate functions with options of one's own. Fails, with the
    refusing pattern's error, when an op cannot be lowered.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::bufferization::BufferizationDialect",
    "::mlir::LLVM::LLVMDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::memref::MemRefDialect",
    "::mlir::scf::SCFDialect", "::mlir::vector::VectorDialect"
  ];
}

def BitSinkTileContractions : Pass<"bitsink-tile-contractions"> {
  let summary = "Tile and vectorise matmul-like linalg ops on buffers";
  let description = [{
    Rewrites every linalg contraction on buffers with one M, one N and one K
    dimension (any number of batch dimensions) and float operands:
    `linalg.matmul` in any of its indexing-map forms, `linalg.batch_matmul`,
    `linalg.contract` and `linalg.generic` multiply-accumulate contractions.
    Upstream linalg tiling makes an `scf.parallel` over cache tiles of
    (batch, M, N) (threads after `convert-scf-to-openmp`), an `scf.for` over
    cache tiles of K, and `scf.for` loops over register tiles of M x N x 1.
    Register loops whose trip count may leave a partial tile are peeled, so
    the full tiles have static shapes; `linalg::vectorize` turns them into
    `vector.contract`, the accumulator tile is hoisted out of the K loop, and
    the contraction is lowered to outer products, i.e. one broadcast FMA per
    row of the register tile. Partial tiles stay linalg ops on sub-views
    (scalar loops after `convert-linalg-to-loops`). Where a cost rule says
    it pays (`pack-rhs`), each K x N cache tile of B is first copied into a
    contiguous, cache-line-aligned buffer per parallel task, which the
    register tiles read instead of B; with `prefetch-rhs` the tile of B that
    the next copy will read is prefetched into L2 meanwhile. Ops it does not handle are left
    unchanged. A multiply-accumulate generic whose factors are
    computed from its inputs (an elementwise producer fused into a matmul by
    `linalg-fuse-elementwise-ops`) is first split: each computed factor is
    written once into a new buffer, and the contraction reads it. See
    docs/cpu-matmul.md.
  }];
  let options = [
    Option<"cacheTileM", "cache-tile-m", "int64_t", /*default=*/"64",
           "Rows of C per parallel task">,
    Option<"cacheTileN", "cache-tile-n", "int64_t", /*default=*/"128",
           "Columns of C per parallel task">,
    Option<"cacheTileK", "cache-tile-k", "int64_t", /*default=*/"256",
           "Reduction length per pass over a C tile">,
    Option<"registerTileM", "register-tile-m", "int64_t", /*default=*/"8",
           "Rows of the register tile (one accumulator vector per row)">,
    Option<"registerTileN", "register-tile-n", "int64_t", /*default=*/"32",
           "Columns of the register tile (vector length of the FMAs)">,
    Option<"packRhs", "pack-rhs", "std::string", /*default=*/"\"auto\"",
           "Copy each K x N tile of B into a contiguous buffer before the "
           "register tiles read it: auto (where the cost rule says it "
           "pays), always (wherever B allows it), never">,
    Option<"packTileM", "pack-tile-m", "int64_t", /*default=*/"256",
           "Rows of C per parallel task when B is packed (each packed tile "
           "of B serves this many rows)">,
    Option<"prefetchRhs", "prefetch-rhs", "bool", /*default=*/"false",
           "Where B is packed, prefetch the tile of B that the next packing "
           "copy reads while the register tiles work on the current one">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def BitSinkVectorizeLinalg : Pass<"bitsink-vectorize-linalg"> {
  let summary = "Tile and vectorise element-wise ops, reductions and "
                "small-M contractions on buffers";
  let description = [{
    Rewrites the linalg ops on buffers that bitsink-tile-contractions does
    not take with upstream linalg tiling (`linalg::tileLinalgOp`), loop
    peeling, `linalg::vectorize` (masked for the partial tile) and vector
    lowering patterns:

    - element-wise and broadcast ops (every loop parallel: generics, named
      element-wise ops, fill, copy, transpose): an `scf.parallel` over the
      outer dimensions (threads after `convert-scf-to-openmp`), the
      innermost dimension of the output in chunks of `unroll` vectors;
      transposes (an input contiguous along another dimension than the
      output) in square tiles of one vector length, transposed in
      registers;
    - reductions: over the innermost dimension of the inputs (row sums and
      maxima of softmax, LayerNorm, RMSNorm) with one partial vector per
      row carried through the loop and one horizontal reduction at its
      end; over outer dimensions (the innermost output dimension parallel)
      with the output chunk kept in vectors across the reduction loop;
    - float contractions with fewer than `contraction-max-rows` rows (static
      M) whose K dimension is the innermost of both inputs (a decode
      matvec against an N x K weight): dot products along K, parallel over
      the output columns;
    - contractions whose reduction dimensions all have extent 1 (the partial
      register tiles bitsink-tile-contractions leaves for dynamic sizes):
      element-wise updates of the output.

    Vectors are `vector-bits` wide (by default from `target-features`:
    512 with avx512f, 256 with avx, 128 otherwise). Ops whose body cannot
    be vectorised (gathers through memref.load, asserts), sub-byte element
    types and ops on tensors are left unchanged. See docs/cpu-vectorize.md.
  }];
  let options = [
    Option<"targetFeatures", "target-features", "std::string",
           /*default=*/"\"host\"",
           "Features of the CPU the code is for, as LLVM writes them "
           "(\"+avx2,+avx512f,...\"), or \"host\": the CPU this runs on. "
           "Decides vector-bits when that is 0">,
    Option<"vectorBits", "vector-bits", "int64_t", /*default=*/"0",
           "Bits of one vector register (0: from target-features)">,
    Option<"unroll", "unroll", "int64_t", /*default=*/"4",
           "Vector registers per chunk of the vectorised dimension">,
    Option<"parallelChunk", "parallel-chunk", "int64_t", /*default=*/"4096",
           "Elements of the innermost output dimension per parallel task "
           "when it is longer than this (element-wise ops)">,
    Option<"elementwise", "elementwise", "bool", /*default=*/"true",
           "Vectorise ops whose loops are all parallel">,
    Option<"reductions", "reductions", "bool", /*default=*/"true",
           "Vectorise reductions (other than contractions)">,
    Option<"contractionMaxRows", "contraction-max-rows", "int64_t",
           /*default=*/"8",
           "Vectorise float contractions with fewer rows than this whose K "
           "dimension is contiguous in both inputs (0: none)">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::arith::ArithDialect",
    "::mlir::memref::MemRefDialect", "::mlir::scf::SCFDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def BitSinkDecomposeAggregates : Pass<"bitsink-decompose-aggregates"> {
  let summary = "Decompose aggregate linalg ops (linalg.softmax) into the "
                "linalg ops they are made of";
  let description = [{
    Every op implementing `linalg::AggregatedOpInterface` (`linalg.softmax`;
    in MLIR 22 also the Winograd transforms) is replaced by what its
    `decomposeOperation` builds: for softmax over dimension d, a max
    reduction over d, `exp(x - max)`, a sum reduction over d and a divide,
    as linalg generics on tensors that the rest of a pipeline fuses,
    vectorises and lowers like any others (`convert-linalg-to-loops` has no
    lowering of the aggregate ops themselves). It runs on tensors, first in
    `bitsink-cpu-pipeline` and `bitsink-nvptx-pipeline`. An aggregate op on
    buffers, or one whose decomposition fails, is an error on the op.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect", "::mlir::tensor::TensorDialect"
  ];
}

def BitSinkFuseElementwise : Pass<"bitsink-fuse-elementwise"> {
  let summary = "Fuse element-wise linalg chains on tensors where the fused "
                "op stays vectorised";
  let description = [{
    Upstream linalg element-wise fusion on tensors
    (`linalg::populateElementwiseOpsFusionPatterns`: a producer generic whose
    loops are all parallel is inlined into the generic that reads it, so the
    chain writes and reads no buffer in between), with a control function
    that fuses a producer only when:

    - it has no other user (otherwise it would be computed twice);
    - the consumer reads each of its elements once (its indexing map is a
      permutation of the consumer's loops), or the consumer is element-wise
      and the producer has no transcendental math op (exp, erf, tanh, log,
      ...): a per-row value broadcast over a row may be recomputed per
      element if that is cheap; a GELU is never fused into the matmul it
      feeds, nor a producer into a reduction that reads it broadcast;
    - bitsink-vectorize-linalg vectorises the fused op (the fused op is
      built, checked and erased before the pattern applies).

    With `reshapes`, tensor.expand_shape / collapse_shape ops are moved
    across element-wise generics (`linalg::populateFoldReshapeOpsByExpansionPatterns`,
    `tensor::populateBubbleUpExpandShapePatterns`) so that chains split by a
    reshape fuse, and across contractions only where they split M (MiniLM's
    256 rows into 16 sentences x 16 tokens), never N or K: the upstream
    `linalg-fuse-elementwise-ops` made SmolLM2's 64 x 576 projections
    1 x 64 x 9 x 64 contractions, 7 times slower. A linalg.fill that
    initialises several destinations is cloned per destination, so that
    bufferization fills each buffer instead of copying a filled one.
    With `accumulators`, after that, an element-wise generic that only
    computes C + b + ... from the result C of a contraction
    (bitsink.bitplane_matmul or a linalg contraction; read by it alone,
    element for element, possibly through a reshape) goes, and the
    contraction accumulates onto b + ... (plus its own accumulator unless
    that is a zero fill): epilogue fusion of bias and residual adds; the
    sum is rounded in another order.
    See docs/cpu-vectorize.md, "Fusion".
  }];
  let options = [
    Option<"reshapes", "reshapes", "bool", /*default=*/"true",
           "Move reshapes across element-wise generics so that the chains "
           "they split fuse">,
    Option<"accumulators", "accumulators", "bool", /*default=*/"true",
           "Fold a generic that only adds terms (bias, residual) to a "
           "contraction's result into the contraction's accumulator">
  ];
  let dependentDialects = [
    "::mlir::affine::AffineDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect"
  ];
}

def BitSinkApproximateMath : Pass<"bitsink-approximate-math"> {
  let summary = "Rewrite math ops into polynomial approximations";
  let description = [{
    Applies MLIR's math polynomial approximations (exp, log, tanh, erf, ...)
    so that `math.exp` on a vector becomes vector arithmetic instead of one
    scalar `expf` call per lane. Also rewrites `arith.extf` from bf16 to f32
    as integer arithmetic (exact: the bf16 bits are the high half of the
    f32): LLVM 22's x86 backend aborts on some odd-width bf16 vector
    extensions. Part of `bitsink-cpu-pipeline`, after the bitsink lowerings
    and before the conversion to LLVM.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::math::MathDialect",
    "::mlir::vector::VectorDialect"
  ];
}

def BitSinkHoistStaticAllocas : Pass<"bitsink-hoist-static-allocas"> {
  let summary = "Move static stack buffers out of loops and alloca scopes";
  let description = [{
    Moves every `memref.alloca` of static shape out of loop bodies to the
    entry of the nearest enclosing `omp.parallel` region (one buffer per
    thread) or function, and inlines `memref.alloca_scope` ops left without
    allocas of their own. The lowerings allocate their tile buffers inside
    parallel loop bodies, and `convert-scf-to-openmp` wraps those bodies in
    `alloca_scope`, whose single-block region `convert-scf-to-cf` cannot
    lower; hoisting also keeps the stack from growing per iteration. An
    alloca's contents are undefined when allocated, so reusing one buffer
    across the iterations of one thread does not change the program.
  }];
  let dependentDialects = ["::mlir::memref::MemRefDialect"];
}

def BitSinkOutlineKernels
    : Pass<"bitsink-outline-kernels", "::mlir::ModuleOp"> {
  let summary = "One private function per distinct CPU kernel";
  let description = [{
    Moves every outermost `scf.parallel` of a function (a lowered kernel:
    a tiled contraction, a vectorised element-wise op or reduction, an
    attention or bit-plane matmul kernel) into a private `func.func`
    (attribute `bitsink.kernel`, internal linkage in LLVM) and calls it. The kernel's arguments are
    the values the loop uses that are defined outside it, in the order of
    first use; constant-like ops it uses are cloned into it, so static
    bounds and shapes stay static. Kernels whose bodies are equivalent
    (`OperationEquivalence`, locations ignored) and whose types are equal
    share one function: a model that repeats a layer N times compiles each
    of the layer's kernels once, which is what makes LLVM's part of the
    compile time independent of the depth.

    Part of `bitsink-cpu-pipeline` (option `outline-kernels`, default on),
    after the lowerings and before `convert-scf-to-openmp`.
  }];
  let dependentDialects = ["::mlir::func::FuncDialect",
                           "::mlir::LLVM::LLVMDialect"];
}

def BitSinkDropAliasedResults
    : Pass<"bitsink-drop-aliased-results", "::mlir::ModuleOp"> {
  let summary = "Return buffers updated in place through their arguments";
  let description = [{
    After one-shot bufferization a function that returns a buffer it was
    given (a KV cache updated in place by `cache_append`, any DPS init
    returned as is) returns its own argument. This pass drops such results
    from entry points (public or private functions without uses), so that
    `buffer-results-to-out-params` does not copy the whole buffer into a
    caller-allocated out-param on every call. Each rewritten function gets
    `bitsink.result_aliases = array<i64: ...>`, one entry per original
    result: the index of the argument that holds it after the call, or -1
    for a result that stays a result. `bitsink-run` and other hosts read it
    (it survives the conversion to `llvm.func`).

    Private functions called only by `func.call` (a decoder block shared by
    every layer) are done first: a result that is the callee's own argument
    is dropped and each call uses the operand it passed instead, so that
    the entry returns its arguments and the caches stay in place across
    the calls too.
  }];
}

def BitSinkProfileInstrument
    : Pass<"bitsink-profile-instrument", "::mlir::ModuleOp"> {
  let summary = "Time every kernel of a bufferized program (profiling)";
  let description = [{
    Wraps every kernel of every function in calls to the profile runtime:
    `func.call @bitsink_profile_begin(%id)` before it and
    `func.call @bitsink_profile_end(%id)` after it, with one `i64` id per
    kernel. A kernel is a linalg or bitsink op, a `memref.copy`, a call of
    an external function, an `scf.parallel` / `scf.forall`, or a loop or
    other region op with none of these inside; region ops that hold
    kernels (an `scf.for` over layers) are entered and their kernels
    wrapped one by one. Calls of functions of the module are not wrapped:
    their own kernels are.

    The module gets `bitsink.profile_labels`, an array with one readable
    label per id: the op, the kind and body of a `linalg.generic`, the
    shape (the loop ranges of a linalg op, M x N x K of a matmul) and
    element type, and the source location, e.g.
    `linalg.matmul 16x96x64 f32 (model.mlir:7:9)`.

    Part of `bitsink-cpu-pipeline{profile=true}`, right after
    bufferization, where each kernel is still one op on buffers. The JIT
    (`bitsink-run --profile`, `bitsink.compile(..., profile=True)`) provides
    the runtime functions, reads the labels and prints the time per kernel;
    see docs/profiling.md. A module that already has labels is refused.
  }];
  let dependentDialects = ["::mlir::arith::ArithDialect"];
}

#endif // BITSINK_CONVERSION_PASSES_TD
