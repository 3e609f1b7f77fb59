//===- BitSink.h - coarse C API to the bitsink compiler -----------*- C -*-===//
//
// A C-only interface (opaque handles, strings, status codes) for driving
// bitsink from other languages: parse IR, run a textual pass pipeline, print,
// with diagnostics returned as text. The Python package sits on it.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_CAPI_BITSINK_H
#define BITSINK_CAPI_BITSINK_H

#include <stddef.h>
#include <stdint.h>

// The library is built with hidden visibility: these functions are all it
// exports.
#define BITSINK_CAPI_EXPORTED __attribute__((visibility("default")))

#ifdef __cplusplus
extern "C" {
#endif

/// An MLIR context with every bitsink and upstream dialect registered. A
/// context and the modules parsed in it must be used from one thread at a
/// time.
typedef struct BitSinkContextImpl *BitSinkContext;

/// A `builtin.module` owned by the caller; it must be destroyed before the
/// context it was parsed in.
typedef struct BitSinkModuleImpl *BitSinkModule;

typedef enum BitSinkStatus {
  BITSINK_SUCCESS = 0,
  /// The call failed; bitsinkContextGetDiagnostics says why.
  BITSINK_FAILURE = 1,
} BitSinkStatus;

/// Creates a context; also registers the bitsink and upstream passes with the
/// process-wide pass registry (once).
BITSINK_CAPI_EXPORTED BitSinkContext bitsinkContextCreate(void);

BITSINK_CAPI_EXPORTED void bitsinkContextDestroy(BitSinkContext context);

/// The diagnostics (errors, warnings, remarks) reported during the last call
/// that used `context` or one of its modules, as UTF-8 text: one
/// `file:line:col: severity: message` line each, notes after the diagnostic
/// they belong to. Never empty after a call returned BITSINK_FAILURE. Owned by
/// the context and valid until the next such call.
BITSINK_CAPI_EXPORTED const char *
bitsinkContextGetDiagnostics(BitSinkContext context);

/// Parses and verifies `length` bytes of textual IR; locations name
/// `sourceName` ("<string>" if NULL). Top-level ops other than one
/// `builtin.module` are wrapped in a new module. On success stores a new
/// module in `*moduleOut`.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkModuleParse(BitSinkContext context, const char *ir, size_t length,
                   const char *sourceName, BitSinkModule *moduleOut);

BITSINK_CAPI_EXPORTED void bitsinkModuleDestroy(BitSinkModule module);

/// Runs a textual pass pipeline on the module, with or without its anchor:
/// "builtin.module(canonicalize,cse)" or "canonicalize,cse", verifying after
/// each pass. Fails if the pipeline does not parse or a pass fails; the
/// module may then be partly transformed.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkModuleRunPipeline(BitSinkModule module, const char *pipeline);

BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkModuleVerify(BitSinkModule module);

/// Returns the module in MLIR's custom assembly form as a NUL-terminated
/// string the caller frees with bitsinkStringDestroy.
BITSINK_CAPI_EXPORTED char *bitsinkModulePrint(BitSinkModule module);

BITSINK_CAPI_EXPORTED void bitsinkStringDestroy(char *string);

//===----------------------------------------------------------------------===//
// Arrays
//===----------------------------------------------------------------------===//

/// A dense C-order array. `dtype` is a NumPy descr string: "<f4", "<f2",
/// "<f8", "|i1", "|u1", "<i2", "<i4", "<u4", "<i8", "|b1". Arrays passed in
/// are borrowed; arrays returned by the API are owned by the object that
/// returned them (executable or quantization result) and stay valid until
/// its next call or its destruction.
typedef struct BitSinkArray {
  const char *dtype;
  int64_t rank;
  const int64_t *shape;
  void *data;
} BitSinkArray;

//===----------------------------------------------------------------------===//
// Entry arguments
//===----------------------------------------------------------------------===//

/// Stores in `*countOut` the number of arguments of the function `entry`
/// (a function with a body; NULL or "": "main"). Fails, naming the
/// functions there are, if the module has none of that name.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkModuleGetNumArguments(BitSinkModule module, const char *entry,
                             int64_t *countOut);

/// Stores in `*nameOut` the name of argument `index` of `entry`, a string
/// the caller frees with bitsinkStringDestroy: its `bitsink.name` string
/// argument attribute, else the first name in its location
/// (`%w: tensor<...> loc("blk.0.attn_q.weight")`, also inside fused
/// locations), else "".
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkModuleGetArgumentName(BitSinkModule module, const char *entry,
                             int64_t index, char **nameOut);

/// Replaces arguments `indices[i]` of the func.func `entry` by constants
/// holding `arrays[i]`: `arith.constant dense_resource<KEY>` with an
/// MLIR-owned copy of the data (64-byte aligned), no text. Each array must
/// have the argument's shape and the dtype its tensor is exchanged as
/// ("<f4" for bf16 tensors, rounded to nearest even; i1 tensors are not
/// supported), in dense C order. The constant takes the argument's
/// location and, when the argument has a name (bitsinkModuleGetArgumentName),
/// a `bitsink.name` attribute with it, which is also the blob key (else
/// "<entry>_arg<index>"); bitsink-quantize-weights finds its calibration
/// array by that name. The arguments are then erased, so the indices of
/// the later ones shift. Every check runs before the module changes; the
/// entry must not be called from the module.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkModuleBindArguments(BitSinkModule module, const char *entry,
                           const int64_t *indices, const BitSinkArray *arrays,
                           int64_t count);

//===----------------------------------------------------------------------===//
// Executables
//===----------------------------------------------------------------------===//

/// An entry function of a module, lowered and compiled for a target.
typedef struct BitSinkExecutableImpl *BitSinkExecutable;

/// Lowers a copy of `module` (the module is not changed) and compiles its
/// function `entry` for `target`:
/// - "cpu": JIT for the host CPU; `pipeline` is a textual pass pipeline
///   (NULL or "": bitsink-cpu-pipeline);
/// - "cuda" (builds with BITSINK_ENABLE_CUDA): a shared library made by
///   bitsink-nvptx-pipeline, loaded into this process; `pipeline` holds
///   options of that pipeline ("chip=sm_90 features=+ptx80"). Runs copy
///   the inputs to the device and the results back. Fails here, with the
///   runtime's message, without a driver or GPU or for a GPU the kernels
///   were not built for.
/// The entry takes and returns statically shaped tensors. Diagnostics go to
/// the module's context.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkExecutableCreate(BitSinkModule module, const char *entry,
                        const char *pipeline, const char *target,
                        BitSinkExecutable *executableOut);

/// Same as bitsinkExecutableCreate with target "cpu", JIT-compiled for the
/// CPU model `cpu` ("host", "generic" x86-64 or an LLVM CPU name such as
/// "x86-64-v3"; NULL or "": the host), whose code must run on this host.
/// Every bitsink-cpu-pipeline in `pipeline` that names no target-cpu gets
/// target-cpu=`cpu`, so its CPU-dependent kernels follow it. An unknown CPU
/// name fails with a message naming it.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkExecutableCreateForCpu(BitSinkModule module, const char *entry,
                              const char *pipeline, const char *cpu,
                              BitSinkExecutable *executableOut);

/// Same as bitsinkExecutableCreateForCpu; with `profile` nonzero every
/// kernel is timed: each bitsink-cpu-pipeline in `pipeline` that does not
/// set profile gets profile=true (docs/profiling.md), and a pipeline that
/// instruments nothing (no bitsink-cpu-pipeline) fails with a message
/// saying so. Every run then adds to the counters read with
/// bitsinkExecutableSnapshotProfile.
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkExecutableCreateForCpuProfiled(
    BitSinkModule module, const char *entry, const char *pipeline,
    const char *cpu, int profile, BitSinkExecutable *executableOut);

BITSINK_CAPI_EXPORTED void
bitsinkExecutableDestroy(BitSinkExecutable executable);

BITSINK_CAPI_EXPORTED int64_t
bitsinkExecutableGetNumInputs(BitSinkExecutable executable);
BITSINK_CAPI_EXPORTED int64_t
bitsinkExecutableGetNumResults(BitSinkExecutable executable);

/// Describes input or result `index` (data is NULL). bf16 tensors are
/// exchanged as "<f4" arrays (rounded to nearest even on the way in).
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkExecutableGetInput(BitSinkExecutable executable, int64_t index);
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkExecutableGetResult(BitSinkExecutable executable, int64_t index);

/// Calls the entry on `numInputs` arrays (checked against the signature:
/// count, dtype, shape). On success the results are readable with
/// bitsinkExecutableGetOutput until the next call.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkExecutableRun(BitSinkExecutable executable, const BitSinkArray *inputs,
                     int64_t numInputs);

/// Result `index` of the last successful run, with its data. After
/// bitsinkExecutableRunInPlace, a result updated in place has the data
/// pointer of the caller's input that holds it.
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkExecutableGetOutput(BitSinkExecutable executable, int64_t index);

/// The input whose buffer result `index` is written into, when the entry
/// updates that argument in place and returns it (`bitsink.result_aliases`,
/// see bitsink-drop-aliased-results), or -1 for a result written to an
/// array of its own.
BITSINK_CAPI_EXPORTED int64_t
bitsinkExecutableGetResultAlias(BitSinkExecutable executable, int64_t index);

/// Calls the entry on the caller's memory. Each input must have exactly the
/// dtype and shape of bitsinkExecutableGetInput, dense C order, data aligned
/// to its element size; bf16 tensors (exchanged as "<f4") cannot be passed
/// this way. On target "cpu" the arrays are the entry's memref descriptors,
/// no copy: the entry may write into any input it updates in place, and a
/// result that aliases an input (bitsinkExecutableGetResultAlias) is left
/// in that input's buffer. The other results are returned as by
/// bitsinkExecutableRun. On target "cuda" the inputs are copied to the
/// device as by bitsinkExecutableRun and the results that alias an input
/// are copied back into the caller's buffer.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkExecutableRunInPlace(BitSinkExecutable executable,
                            const BitSinkArray *inputs, int64_t numInputs);

/// One kernel of a profile: its label (valid until the next snapshot of
/// the executable), its id in the instrumented module, how many times it
/// ran and the time it took in all, since the last reset.
typedef struct BitSinkProfileKernel {
  const char *label;
  int64_t id;
  int64_t runs;
  double milliseconds;
} BitSinkProfileKernel;

/// Takes a snapshot of the executable's profile (the runs since it was
/// created or reset) and returns its number of kernels, or -1 when the
/// executable was not compiled with profiling.
BITSINK_CAPI_EXPORTED int64_t
bitsinkExecutableSnapshotProfile(BitSinkExecutable executable);

/// Kernel `index` of the last snapshot, the slowest first.
BITSINK_CAPI_EXPORTED BitSinkProfileKernel
bitsinkExecutableGetProfileKernel(BitSinkExecutable executable, int64_t index);

/// Calls of the entry in the last snapshot and their summed time.
BITSINK_CAPI_EXPORTED int64_t
bitsinkExecutableGetProfileCalls(BitSinkExecutable executable);
BITSINK_CAPI_EXPORTED double
bitsinkExecutableGetProfileMilliseconds(BitSinkExecutable executable);

/// The last snapshot as the table `bitsink-run --profile` prints (times per
/// call, slowest first; `maxRows` > 0 keeps that many kernel rows). Owned
/// by the executable, valid until the next snapshot or call of this
/// function.
BITSINK_CAPI_EXPORTED const char *
bitsinkExecutableGetProfileTable(BitSinkExecutable executable,
                                 int64_t maxRows);

/// Clears the executable's profile counters (a warm-up call is usually
/// left out this way).
BITSINK_CAPI_EXPORTED void
bitsinkExecutableResetProfile(BitSinkExecutable executable);

/// The error of the last failed create / run of an executable on `context`
/// is in bitsinkContextGetDiagnostics(context).

//===----------------------------------------------------------------------===//
// Quantization (docs/semantics.md §3)
//===----------------------------------------------------------------------===//

typedef struct BitSinkQuantizeOptions {
  /// "rtn", "bpdq" or "trit".
  const char *method;
  /// Stored bit-planes: 1-4 (rtn, bpdq), 2 or 4 (trit).
  int planes;
  /// Rows per coefficient group: a multiple of 32, or <= 0 for per channel.
  int64_t groupSize;
  /// Refit / assignment rounds (bpdq, trit); <= 0 keeps the default (by
  /// layer size: 8, or 2 rounds and 6 last sweeps for layers with at least
  /// 32 groups per column; docs/quantizer.md).
  int iterations;
  /// Hessian damping (fraction of the mean diagonal); < 0 keeps the default.
  double damp;
  /// bpdq: process rows by decreasing Hessian diagonal.
  int actOrder;
  /// Round coefficients to f16 (as bitsink-quantize-weights stores them).
  int f16Coefficients;
  /// Worker threads; 0 = hardware concurrency, < 0 is rejected. The result
  /// is bit-identical for any count.
  int threads;
  /// rtn (and bpdq's rtn candidate): nonzero searches each group's uniform
  /// grid (never worse than the plain min-max grid in squared weight
  /// error), 0 keeps the plain min-max grid (docs/quantizer.md, rtn).
  int rtnSearch;
  /// Incoherence rotation (docs/quantizer.md, "Rotation"): 0 = none, else a
  /// power of two b: the result holds R^T W, R = diag(signs) times
  /// blockdiag(H_b', ...) with H_b' the normalized Walsh-Hadamard matrix of
  /// the largest power of two b' <= b dividing K (the report's
  /// rotationBlock), and the input must be multiplied by R first.
  int64_t rotationBlock;
  /// Seed of the rotation's signs.
  uint64_t rotationSeed;
  /// Sub-block scale codes (docs/quantizer.md, "Sub-block scale codes"):
  /// 0 = none, or 8, 16 or 32 rows per 4-bit code (bpdq and trit, without
  /// actOrder).
  int64_t subBlock;
} BitSinkQuantizeOptions;

/// Options with the library's defaults (bpdq, 2 planes, groups of 128).
BITSINK_CAPI_EXPORTED BitSinkQuantizeOptions
bitsinkQuantizeOptionsDefault(void);

typedef struct BitSinkQuantizeResultImpl *BitSinkQuantizeResult;

/// Quantizes the f32 weight `W` (K x N, C order) with optional f32
/// calibration activations `X` (T x K; NULL: identity Hessian). On failure
/// returns NULL-result status and the reason in the context's diagnostics.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkQuantize(BitSinkContext context, const float *W, int64_t K, int64_t N,
                const float *X, int64_t T, const BitSinkQuantizeOptions *options,
                BitSinkQuantizeResult *resultOut);

/// Same as bitsinkQuantize, and measures the result on rows it was not
/// fitted to: f32 activations `heldOut` (heldOutRows x K) or, when that is
/// NULL, their f64 Hessian `heldOutHessian` (K x K, symmetric, any scale).
/// The report's heldOutRelError is ||X(W - W^)||_F / ||XW||_F on them; both
/// NULL is bitsinkQuantize.
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkQuantizeHeldOut(
    BitSinkContext context, const float *W, int64_t K, int64_t N,
    const float *X, int64_t T, const float *heldOut, int64_t heldOutRows,
    const double *heldOutHessian, const BitSinkQuantizeOptions *options,
    BitSinkQuantizeResult *resultOut);

/// Same as bitsinkQuantizeHeldOut with the calibration given as its f64
/// Hessian `hessian` (K x K, row-major, symmetric: XᵀX of the calibration
/// rows at any scale, e.g. from a BitSinkHessianAccumulator) instead of the
/// rows. With the accumulator's XᵀX/T of the rows X (or that times a power
/// of two) the planes and coefficients are bit-identical to
/// bitsinkQuantize's with X. A non-finite, non-symmetric or negative-diagonal
/// Hessian fails.
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkQuantizeWithHessian(
    BitSinkContext context, const float *W, int64_t K, int64_t N,
    const double *hessian, const float *heldOut, int64_t heldOutRows,
    const double *heldOutHessian, const BitSinkQuantizeOptions *options,
    BitSinkQuantizeResult *resultOut);

/// Checks a K x K f64 Hessian as bitsinkQuantizeWithHessian does (finite,
/// non-negative diagonal, symmetric to 1e-6 of its largest diagonal entry);
/// the failure's message starts with `what`.
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkCheckHessian(BitSinkContext context,
                                                        const double *H,
                                                        int64_t K,
                                                        const char *what);

/// The calibration Hessian XᵀX/T accumulated over batches of rows without
/// keeping them (K² doubles and 256 pending rows): the library's
/// HessianAccumulator (docs/quantizer.md, "Hessians from batches"). The
/// result depends only on the rows in order, not on the batches or the
/// thread count.
typedef struct BitSinkHessianAccumulatorImpl *BitSinkHessianAccumulator;

/// `threads`: workers for the sums, 0 = hardware concurrency.
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkHessianAccumulatorCreate(BitSinkContext context, int64_t K, int threads,
                                BitSinkHessianAccumulator *accumulatorOut);
BITSINK_CAPI_EXPORTED void
bitsinkHessianAccumulatorDestroy(BitSinkHessianAccumulator accumulator);
/// Adds rows X (rows x K, f32, C order); fails on a non-finite value (the
/// rows are then not added).
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkHessianAccumulatorAdd(
    BitSinkContext context, BitSinkHessianAccumulator accumulator,
    const float *X, int64_t rows);
BITSINK_CAPI_EXPORTED int64_t
bitsinkHessianAccumulatorGetRows(BitSinkHessianAccumulator accumulator);
BITSINK_CAPI_EXPORTED int64_t
bitsinkHessianAccumulatorGetK(BitSinkHessianAccumulator accumulator);
/// Writes XᵀX/T of the rows so far (K x K, symmetric; zero without rows) to
/// H; the accumulator goes on as if it had not been asked.
BITSINK_CAPI_EXPORTED void
bitsinkHessianAccumulatorGetHessian(BitSinkHessianAccumulator accumulator,
                                    double *H);

BITSINK_CAPI_EXPORTED void
bitsinkQuantizeResultDestroy(BitSinkQuantizeResult result);

/// planes: "<u4" [P][KW][N]; coefficients: "<f4" [G][C][N];
/// dequantized: "<f4" [K][N] (computed on first request; with a rotation
/// R times the packed weight, i.e. in the basis of the weight given).
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkQuantizeResultGetPlanes(BitSinkQuantizeResult result);
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkQuantizeResultGetCoefficients(BitSinkQuantizeResult result);
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkQuantizeResultGetDequantized(BitSinkQuantizeResult result);
/// The rotation's signs, "<f4" [K] of +-1 (empty when not rotated); the
/// dequantized weight is in the input's basis (R times the packed weight).
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkQuantizeResultGetRotationSigns(BitSinkQuantizeResult result);
/// The sub-block scale codes, "<u4" [SW][N] with SW = ceil(ceil(K/S)/8)
/// (nibble j of word w: sub-block 8w + j); [0][N] without codes.
BITSINK_CAPI_EXPORTED BitSinkArray
bitsinkQuantizeResultGetScales(BitSinkQuantizeResult result);

typedef struct BitSinkQuantizeReport {
  /// "binary", "signed" or "ternary".
  const char *planeKind;
  int64_t groupSize;
  /// relError: on the calibration rows (or the weights without them);
  /// bitsPerWeight: everything stored (plane words and every group's
  /// coefficients) per weight.
  double relError, weightRelError, bitsPerWeight, damp;
  int64_t rtnColumns;
  /// Whether held-out rows were given (bitsinkQuantizeHeldOut), and the
  /// relative output error on them.
  int hasHeldOut;
  double heldOutRelError;
  /// The rotation's block b' (0: not rotated); see rotationBlock above.
  int64_t rotationBlock;
  /// Rows per sub-block scale code (0: none).
  int64_t subBlock;
} BitSinkQuantizeReport;

BITSINK_CAPI_EXPORTED BitSinkQuantizeReport
bitsinkQuantizeResultGetReport(BitSinkQuantizeResult result);

/// One configuration a layer may be quantized with (bitsinkAllocateBudget):
/// its stored bits per weight (the report's bitsPerWeight) and the error it
/// leaves (finite, >= 0; bitsink-quantize-weights uses ||X(W - W^)||_F^2/T).
typedef struct BitSinkBudgetCandidate {
  int planes;
  int64_t groupSize;
  double bitsPerWeight;
  double error;
} BitSinkBudgetCandidate;

typedef struct BitSinkBudgetResult {
  /// Weight-count weighted average of the chosen stored bits per weight, and
  /// the summed error of the chosen candidates.
  double bitsPerWeight, error;
  /// The averages of the cheapest and of the most expensive allocation
  /// (filled also when the budget is not reachable).
  double minBitsPerWeight, maxBitsPerWeight;
  /// Whether the exact dynamic program ran (else the marginal analysis).
  int exact;
} BitSinkBudgetResult;

/// Mixed precision by budget (docs/quantize-weights.md, "Bit budgets"):
/// chooses one candidate per layer so that the weight-count weighted average
/// of the stored bits per weight is at most `budget` (in (0, 32]) and the
/// summed error is least. Layer i has numWeights[i] weights and the next
/// numCandidates[i] entries of `candidates` (layer after layer); fixed[i] >= 0
/// (`fixed` may be NULL) pins it to that candidate, whose bits still count.
/// Writes the chosen candidate index of each layer to choice[numLayers].
/// Fails (reason in the context's diagnostics) on malformed input or an
/// unreachable budget.
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkAllocateBudget(
    BitSinkContext context, int64_t numLayers, const int64_t *numWeights,
    const int64_t *numCandidates, const BitSinkBudgetCandidate *candidates,
    const int32_t *fixed, double budget, int32_t *choice,
    BitSinkBudgetResult *result);

/// ‖XW‖²_F / T of the weight W (K x N) on calibration rows X (T x K), or
/// Σ_n w_nᵀ H w_n with their Hessian H (K x K) when X is NULL, or ‖W‖²_F
/// without either: what the absolute budget objective scales a squared
/// relative error by (bitsink::quant::outputEnergy).
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkBudgetOutputEnergy(
    BitSinkContext context, const float *W, int64_t K, int64_t N,
    const float *X, int64_t T, const double *H, double *energy);

/// A candidate's budget error from its relative error and the weight's
/// output energy: importance · relError² · energy ("absolute") or
/// importance · relError² ("relative") (bitsink::quant::budgetError).
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkBudgetError(
    BitSinkContext context, const char *objective, double relError,
    double energy, double importance, double *error);

/// Measures one weight's budget candidates as bitsink-quantize-weights
/// does (bitsink::quant::measureBudgetCandidates): quantizes W (K x N) at
/// each (planes[i], groupSizes[i]) with `options` otherwise, calibrated on
/// rows X (T x K, summed into XᵀX/T once for all candidates) or their
/// Hessian H (K x K, checked as bitsinkCheckHessian does; XᵀX/T gives the
/// rows' numbers), or neither (the identity), not both, and writes
/// each candidate's stored bits per weight and error under `objective`
/// ("absolute" or "relative") times `importance` to candidates[numConfigs].
/// With `results` non-NULL, results[i] receives each quantized weight
/// (destroy them with bitsinkQuantizeResultDestroy).
BITSINK_CAPI_EXPORTED BitSinkStatus bitsinkMeasureBudgetCandidates(
    BitSinkContext context, const float *W, int64_t K, int64_t N,
    const float *X, int64_t T, const double *H,
    const BitSinkQuantizeOptions *options, int64_t numConfigs,
    const int32_t *planes, const int64_t *groupSizes, const char *objective,
    double importance, BitSinkBudgetCandidate *candidates,
    BitSinkQuantizeResult *results);

//===----------------------------------------------------------------------===//
// Reference semantics (naive, double precision; docs/semantics.md §2)
//===----------------------------------------------------------------------===//

typedef struct BitSinkSinkAttentionArgs {
  /// "<f4" arrays: query B x Hq x Nq x D, key B x Hkv x Nk x D,
  /// value B x Hkv x Nk x Dv.
  BitSinkArray query, key, value;
  /// Optional (data NULL: absent): sink logits "<f4" [Hq], kv_len "<i8" [B],
  /// key mask "|b1" or "|u1" [B][Nk], key positions "<i8" [B][Nk].
  BitSinkArray sinkLogits, kvLen, keyMask, keyPositions;
  int64_t numSinks;
  /// `numWindows` entries: 0 = unbounded, 1 = all heads, Hq = per head.
  const int64_t *windows;
  int64_t numWindows;
  int causal;
  int hasScale;
  double scale;
  /// Rotary embedding (docs/semantics.md §2.1) when `hasRope`: `ropeDims`
  /// (even, <= D) dimensions, base `ropeTheta`, rotate-half pairs or, with
  /// `ropeInterleaved`, adjacent pairs.
  int hasRope;
  int64_t ropeDims;
  double ropeTheta;
  int ropeInterleaved;
} BitSinkSinkAttentionArgs;

/// Computes `bitsink.sink_attention` into `output` ("<f8", B x Hq x Nq x Dv,
/// caller-allocated: B*Hq*Nq*Dv doubles).
BITSINK_CAPI_EXPORTED BitSinkStatus
bitsinkReferenceSinkAttention(BitSinkContext context,
                              const BitSinkSinkAttentionArgs *args,
                              double *output);

#ifdef __cplusplus
}
#endif

#endif // BITSINK_CAPI_BITSINK_H
