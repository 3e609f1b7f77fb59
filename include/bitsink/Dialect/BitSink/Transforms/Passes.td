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
    the pass can give layers different spans. Only causal attention is
    rewritten unless `include-non-causal` is set. Ops that are already
    sparse, or not selected, are left alone with a remark.

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
           "Also rewrite non-causal (encoder) attention">
  ];
}

#endif // BITSINK_DIALECT_BITSINK_TRANSFORMS_PASSES_TD
