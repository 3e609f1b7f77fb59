//===- Passes.td - bitsink dialect passes ------------------*- tablegen -*-===//
//
// Passes that rewrite bitsink ops at the graph level (before lowering).
// One pass = one def here + one .cpp + one test file named after it.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_TRANSFORMS_PASSES_TD
#define BITSINK_DIALECT_BITSINK_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def BitSinkSparsifyAttention
    : Pass<"bitsink-sparsify-attention", "::mlir::ModuleOp"> {
  let summary = "Turn dense attention into sink + sliding-window attention";
  let description = [{
    A policy pass: every dense `bitsink.sink_attention` (unbounded window, no
    sinks) that it selects becomes sink + window attention, so that each
    query sees the first `num-sinks` positions and the `window` most recent
    ones (StreamingLLM). `head-windows` gives one window per query head
    instead (mixed spans as in MoA / DuoAttention; a negative entry keeps a
    head dense). `layers` selects attention ops by their index in the module
    (walk order, counting every `sink_attention`), so that several runs of
    the pass can give layers different spans; `layer-windows` and
    `layer-sinks` give every attention op its own window and sink count in
    one run (per-layer overrides; `head-windows` then does not apply).
    Only causal attention is rewritten unless `include-non-causal` or
    `causal` is set; `causal` also makes the rewritten ops causal. Ops that
    are already sparse, or not selected, are left alone with a remark.

    Example: `--bitsink-sparsify-attention="num-sinks=4 window=1024"`.
  }];
  let options = [
    Option<"numSinks", "num-sinks", "int64_t", /*default=*/"4",
           "Number of sink positions every query keeps">,
    Option<"window", "window", "int64_t", /*default=*/"1024",
           "Sliding-window length (W < 0: unbounded, W = 0: sinks only)">,
    ListOption<"headWindows", "head-windows", "int64_t",
               "One window per query head (overrides `window`)">,
    ListOption<"layers", "layers", "int64_t",
               "Indices of the attention ops to rewrite (default: all)">,
    Option<"includeNonCausal", "include-non-causal", "bool",
           /*default=*/"false",
           "Also rewrite non-causal (encoder) attention">,
    ListOption<"layerWindows", "layer-windows", "int64_t",
               "One window per attention op in walk order, counting every "
               "sink_attention (overrides `window`; with `layers`, one per "
               "selected op in the order of `layers`)">,
    ListOption<"layerSinks", "layer-sinks", "int64_t",
               "One sink count per attention op, like `layer-windows` "
               "(overrides `num-sinks`)">,
    Option<"causal", "causal", "bool", /*default=*/"false",
           "Make every rewritten attention causal (for a decoder whose "
           "causal mask was not raised into the op; implies "
           "include-non-causal)">
  ];
}

def BitSinkRaiseAttention
    : Pass<"bitsink-raise-attention", "::mlir::ModuleOp"> {
  let summary = "Raise linalg attention subgraphs to bitsink.sink_attention";
  let description = [{
    Recognises scaled dot-product attention written in linalg on tensors, as
    torch-mlir imports it (or written by hand), and replaces it by a dense
    `bitsink.sink_attention` (no sinks, unbounded window):

      scores = contraction(Q, K)          over D   (matmul, batch_matmul,
                                                    generic, contract)
      scores = scores * c | scores / c    (any number, before or after the
                                           mask; a scale on Q before the
                                           contraction is folded too)
      scores = scores + bias              (optional: a padding mask, a
                                           causal mask, or one of each)
      P      = softmax(scores, last dim)  (linalg.softmax, or
                                           exp(x - m) / sum(exp(x - m)) with
                                           m constant along the row)
      out    = contraction(P, V)          over the keys

    Heads may be split by expand_shape/transpose and the batch and head
    dimensions collapsed for a batch_matmul: the pass only looks at the two
    contractions' indexing maps, so it brings Q, K and V to the op's
    B x H x N x D layout with transposes and reshapes of the contraction
    operands (canonicalization folds most of them away). K and V repeated
    over query-head groups (`repeat_kv`: a broadcast generic whose kv-head
    and repeat dimensions are collapsed) are raised with their own heads
    (GQA).

    A bias is a padding mask when it depends only on the batch and key
    dimensions and is a chain of elementwise ops of one 0/1 tensor (a
    boolean, or an integer or float attention mask as Hugging Face uses it)
    that gives 0 for 1 and at most -1e4 for 0; it becomes `key_mask`
    (`bias == 0`). A bias that depends only on the query and key dimensions
    and evaluates (from constants and linalg.index) to 0 for keys
    j <= i + Nk - Nq and at most -1e4 for the others makes the op causal.
    Any other bias (one that varies over heads, or whose values are not
    provably one of these) leaves the graph alone with a remark saying why.
    Softmax over another dimension than the keys, a sum or max over the
    wrong dimension, or a non-zero contraction init are not attention and
    are not rewritten.

    A rotary embedding applied to Q and K in the graph (Hugging Face's
    rotate-half, the interleaved GPT-J/GGUF form, partial rotary) is folded
    into the op's `rope` attribute: every element of Q and K is evaluated as
    a function of the un-rotated tensor, and theta, dims and the style are
    recovered from the cos/sin values and checked against every position the
    attention gives a row, to 1e-5. The op then reads the un-rotated Q and K.
    A rotation that cannot be proven (wrong table values or positions, Q
    only, different pairings) stays in the graph, with a remark; the
    attention is still raised. docs/rope-in-graphs.md lists the forms.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect", "::bitsink::BitSinkDialect"
  ];
}

def BitSinkBlockPlanes : Pass<"bitsink-block-planes", "::mlir::ModuleOp"> {
  let summary = "Store the constant planes of GEMV-sized bitplane_matmul ops "
                "blocked for the CPU GEMV";
  let description = [{
    Sets `layout = #bitsink.layout<n_tile = a, k_tile = b>` on every
    tensor-form `bitsink.bitplane_matmul` with canonical planes that are an
    `arith.constant` (`dense` or `dense_resource` i32 elements) and, unless
    `max-rows` is negative, a static row count M of at most `max-rows` (the
    ops the CPU lowering runs as a GEMV: keep it equal to that pass's
    `gemv-max-rows`), and replaces the planes by a new constant holding the
    same bits blocked (docs/semantics.md §2.3):

    ```
    planes[nb, kb, p, w, nn] = canonical[p, kb·b + w, nb·a + nn]
    ```

    zero padded to whole blocks. The op's value does not change. A constant
    read by several such ops is blocked once; a canonical constant left
    without users is erased. Ops whose planes are not a constant (function
    arguments: block them with `bitsink.block_planes` in Python) or whose M
    is above `max-rows` are left canonical with a remark. The CPU GEMV
    gives each task one block of `n_tile` columns, whose words over all of
    K are then one sequential run instead of runs of 4·`n_tile` bytes
    N·4 bytes apart (docs/bitplane-lowering.md, "Blocked planes"). `n-tile
    = 0` (the default) picks per op min(512, 64·ceil(N/512)) columns, at
    least 8 blocks where N has them. Blocked planes bigger than
    1024 words are `dense_resource` blobs. A negative n-tile or a k-tile
    below 1 fails the pass; a `dense_resource` blob that is missing or
    elided is an error at the op.
  }];
  let options = [
    Option<"nTile", "n-tile", "int64_t", /*default=*/"0",
           "Output columns per block (the CPU lowering needs a multiple of "
           "16); 0: min(512, 64·ceil(N/512)) per op">,
    Option<"kTile", "k-tile", "int64_t", /*default=*/"4",
           "Plane words (32 rows each) per block">,
    Option<"maxRows", "max-rows", "int64_t", /*default=*/"8",
           "Block only ops with a static M at most this (negative: every "
           "op)">
  ];
  let dependentDialects = ["::mlir::arith::ArithDialect",
                           "::bitsink::BitSinkDialect"];
}

def BitSinkQuantizeWeights
    : Pass<"bitsink-quantize-weights", "::mlir::ModuleOp"> {
  let summary = "Replace matmuls with constant weights by bitplane_matmul "
                "over packed bit-planes";
  let description = [{
    Quantizes the constant weight of every `linalg.matmul` (plain, or with
    `indexing_maps` for a transposed weight as torch's `linear` imports),
    `linalg.contract`, `linalg.batch_matmul` whose weight is shared by the
    batch, and the equivalent `linalg.generic`, with the quantizer library
    (docs/semantics.md §3), and rewrites the op into
    `bitsink.bitplane_matmul` with the packed planes and coefficients as
    constants.

    An op is rewritten when its indexing maps are a contraction (found with
    `linalg::inferContractionDims`) with one N and one K dimension, every
    other dimension an M or batch dimension of the input and the result; its
    body is a float multiply-accumulate; and its weight (the second input)
    is a float (f32, f16, bf16) constant: an `arith.constant` with `dense`
    or `dense_resource` elements, or an immutable `ml_program.global` read
    by `global_load_const`. A weight with batch dimensions must be equal for
    every batch entry. The weight is read as `K × N` whatever its layout;
    the M and batch dimensions of the input and the init are transposed
    (`linalg.transpose`) and collapsed (`tensor.collapse_shape`) into the
    rows of one `bitplane_matmul`, whose result is expanded back. The op
    accumulates into the original init. Ops that do not qualify are left
    alone with a remark saying why (non-constant or integer weight, a
    weight that varies over the batch, memref operands, ...).

    `calibration` names an `.npz` file with activations `X[..., K]` (leading
    dimensions are rows) per weight. The key is the first of these names
    present in the archive: a `bitsink.name` string attribute on the
    constant (or global), the global's symbol, the names in their locations
    (`loc("fc1.weight")`, also inside fused locations), the
    `dense_resource` key. For each name in that order the archive may hold
    the activations under the name, or their Hessian `H[K][K]` (f32 or f64,
    XᵀX/T as `bitsink.HessianAccumulator` returns it, for calibration sets
    accumulated over batches) under `<name>.hessian`, which is quantized
    with `quantizeWithHessian` (with the accumulator's XᵀX/T of the rows,
    bit-identical planes and coefficients). A weight with no entry is
    quantized with the identity Hessian and a warning. Errors at the op: an
    array whose last dimension is not K, both `<name>` and
    `<name>.hessian`, and a Hessian that is not K x K, f32 or f64, finite,
    symmetric (to 1e-6 of its largest diagonal entry) with a non-negative
    diagonal.

    Each `bitplane_matmul` carries the quantizer's report as
    `bitsink.quant_error = {bits_per_weight, method, rel_error,
    weight_rel_error[, calibration]}`. Packed constants above 1024 elements
    are `dense_resource` blobs. A constant used by several ops is quantized
    once; weight constants (and private globals) left without users are
    erased. Invalid options (unknown method, planes outside 1-4, trit with
    planes other than 2 or 4, a positive group size that is not a multiple
    of 32, an unreadable calibration file) fail the pass. See
    docs/quantize-weights.md.

    Mixed precision is `layer-config`: a list of `PATTERN=P` or
    `PATTERN=P:G` entries. A weight whose names (the same names the
    calibration lookup uses) contain PATTERN as a substring is quantized
    with P planes and group size G instead of `planes` / `group-size`; the
    first matching entry wins. `PATTERN=none` keeps matching weights float
    (with a remark), e.g. a tied output projection. Each entry is validated
    like the global options, and an entry that matches no weight is a
    warning.

    `budget=B` (bits per weight, 0 = off) chooses planes and group size per
    weight instead of `planes` / `group-size`: every weight is quantized
    with each candidate (planes 1-4, trit 2 and 4, times groups of 64, 128
    and 256 rows) and its calibration output error ‖X(W − Ŵ)‖²/T recorded;
    the allocator (bitsink::quant::allocateBudget, exact when its table is
    small enough) then picks one candidate per weight so that the weight
    count weighted average of the stored bits per weight is at most B and
    the summed error is least. Weights a layer-config entry fixes keep its
    configuration and count toward B. The allocation is a remark on the
    module; a budget outside (0, 32] or below the cheapest allocation is an
    error. `importance=FILE.npz` (with a budget) multiplies each weight's
    errors by a measured importance: one non-negative finite scalar per
    weight, looked up by the calibration names (e.g. the end-to-end loss
    when that weight alone is quantized, per unit of its calibration error;
    examples/minilm/budget.py writes such a file); a weight the budget
    chooses for that has no importance is an error. `budget-objective`
    says what a weight's error is: `absolute` (the default) ‖X(W − Ŵ)‖²/T,
    `relative` ‖X(W − Ŵ)‖²/‖XW‖² (every weight weighs alike).

    `rotation=B` (a power of two; 0 = off) quantizes RᵀW instead of W, R =
    diag(s)·blockdiag(H_b, …) with H_b the b×b Walsh–Hadamard matrix over
    √b, b the largest power of two <= B that divides K, and ±1 signs s drawn
    from `rotation-seed` (the quantizer's `Options::rotationBlock`): the
    rotation spreads outlier rows and channels over each block, which lowers
    the output error at the same bits (docs/quantizer.md, "Rotation"). The
    rewritten op then reads x·R: a `linalg.generic` multiplying the input,
    viewed as `M × K/b × b`, by the constant blocks `K/b × b × b` (b
    multiply-adds per input element; one constant per K, b and element type,
    so contractions that share an input share the rotation after CSE). The
    report gains `rotation_block`. A weight whose K is odd is not rotated.

    Example: `--bitsink-quantize-weights="method=bpdq planes=3 group-size=128"`.
  }];
  let options = [
    Option<"method", "method", "std::string", /*default=*/"\"bpdq\"",
           "Quantizer: rtn, bpdq or trit">,
    Option<"planes", "planes", "int64_t", /*default=*/"2",
           "Stored bit-planes P (1-4; trit: 2 or 4)">,
    Option<"groupSize", "group-size", "int64_t", /*default=*/"128",
           "Rows per coefficient group (a multiple of 32; <= 0: per channel)">,
    Option<"calibration", "calibration", "std::string", /*default=*/"\"\"",
           "An .npz file of calibration activations keyed by weight name "
           "(or their Hessian X^T X / T under <name>.hessian)">,
    Option<"coefficientType", "coefficient-type", "std::string",
           /*default=*/"\"f16\"", "Coefficient element type: f16 or f32">,
    ListOption<"layerConfig", "layer-config", "std::string",
               "Per-layer overrides PATTERN=P, PATTERN=P:G or PATTERN=none: "
               "a weight any of whose names contains PATTERN gets P planes "
               "(and group size G), or stays float; the first matching "
               "entry wins">,
    Option<"budget", "budget", "double", /*default=*/"0",
           "Average stored bits per weight B (0: off): measures planes 1-4 "
           "x groups 64/128/256 per weight and picks one per weight so "
           "that the weight-count weighted average is at most B and the "
           "summed calibration error ||X(W - W^)||^2/T is least; "
           "layer-config entries stay fixed and count toward B">,
    Option<"importance", "importance", "std::string", /*default=*/"\"\"",
           "With budget: an .npz of one scalar per weight (keyed like the "
           "calibration arrays) that multiplies the weight's errors">,
    Option<"budgetObjective", "budget-objective", "std::string",
           /*default=*/"\"absolute\"",
           "With budget: the error summed over weights, absolute "
           "(||X(W - W^)||^2/T) or relative (||X(W - W^)||^2/||XW||^2)">,
    Option<"rotation", "rotation", "int64_t", /*default=*/"0",
           "Walsh-Hadamard rotation block (a power of two; 0: off): "
           "quantize R^T W and multiply the input by R">,
    Option<"rotationSeed", "rotation-seed", "uint64_t", /*default=*/"0",
           "Seed of the rotation's +-1 signs">,
    Option<"subBlock", "sub-block", "int64_t", /*default=*/"0",
           "Sub-block scale codes: 0 (none), or 8, 16 or 32 rows per 4-bit "
           "code that multiplies the grid (bpdq and trit); the op gets a "
           "scales operand">,
    ListOption<"budgetSubBlocks", "budget-sub-blocks", "int64_t",
           "With a budget: for each listed S (8, 16, 32) every plane count "
           "with one grid per column and codes every S rows is a candidate "
           "too">
  ];
  let dependentDialects = [
    "::mlir::arith::ArithDialect", "::mlir::linalg::LinalgDialect",
    "::mlir::tensor::TensorDialect", "::bitsink::BitSinkDialect"
  ];
}

#endif // BITSINK_DIALECT_BITSINK_TRANSFORMS_PASSES_TD
