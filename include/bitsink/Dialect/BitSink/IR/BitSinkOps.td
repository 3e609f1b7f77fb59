//===- BitSinkOps.td - bitsink operations ------------------*- tablegen -*-===//
//
// The three ops of the dialect. Semantics are docs/semantics.md §2;
// verifiers live in lib/Dialect/BitSink/IR/BitSinkOps.cpp, tiling hooks and
// the bufferization external model (shared by all ops) in
// BitSinkInterfaces.cpp.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_IR_BITSINKOPS_TD
#define BITSINK_DIALECT_BITSINK_IR_BITSINKOPS_TD

include "bitsink/Dialect/BitSink/IR/BitSinkAttrs.td"
include "bitsink/Dialect/BitSink/IR/BitSinkDialect.td"
include "mlir/IR/OpBase.td"
include "mlir/Interfaces/DestinationStyleOpInterface.td"
include "mlir/Interfaces/SideEffectInterfaces.td"
include "mlir/Interfaces/TilingInterface.td"

def BitSink_TensorOrMemRef : AnyTypeOf<[AnyRankedTensor, AnyMemRef],
    "ranked tensor or memref">;

class BitSink_Op<string mnemonic, list<Trait> traits = []>
    : Op<BitSink_Dialect, mnemonic, !listconcat(traits, [
        DeclareOpInterfaceMethods<MemoryEffectsOpInterface>,
        DestinationStyleOpInterface,
        DeclareOpInterfaceMethods<TilingInterface, [
          "getLoopIteratorTypes", "getIterationDomain",
          "getTiledImplementation", "getResultTilePosition"]>])> {
  let hasVerifier = 1;
}

//===----------------------------------------------------------------------===//
// sink_attention
//===----------------------------------------------------------------------===//

def BitSink_SinkAttentionOp : BitSink_Op<"sink_attention",
    [AttrSizedOperandSegments]> {
  let summary = "attention over sink tokens plus a sliding window";
  let description = [{
    Attention in which query `i` sees the first `S = min(num_sinks, Nk)` key
    positions ("sinks") plus a window of `W` positions around its own, with
    optional learned sink logits (gpt-oss), per-batch lengths, a key mask and
    explicit key positions (ring caches).

    ```
    q: B × Hq × Nq × D    k: B × Hkv × Nk × D    v: B × Hkv × Nk × Dv
    init/result: B × Hq × Nq × Dv   (element type T ∈ {f32, f16, bf16})
    sink_logits: Hq (float)   kv_len: B (i64)   key_mask: B × Nk (i1)
    key_positions: B × Nk (i64)
    ```

    Query head `h` reads key/value head `h / (Hq / Hkv)`. With
    `L_b = kv_len[b]` (else `Nk`), query `i` sits at position
    `p_i = i + L_b − Nq` and key `j` at `pos_j = key_positions[b, j]` (else
    `j`; `−1` is an empty slot). Key `j` is visible to query `i` iff

    ```
    j < L_b && pos_j ≥ 0 && key_mask[b, j] &&
    (pos_j < S || inWindow(i, j)) && (!causal || pos_j ≤ p_i)
    ```

    where `inWindow` is `p_i − W < pos_j ≤ p_i` when causal and
    `|p_i − pos_j| < W` otherwise; `W < 0` (or no `window`) is unbounded and
    `W = 0` means sinks only. `window` is one `i64` or one entry per query
    head. With `s_ij = scale · q_i·k_j` and `σ_h` the head's sink logit (−∞
    when absent), the output is

    ```
    o_i = Σ_{j∈V_i} e^{s_ij − m_i} v_j / (Σ_{j∈V_i} e^{s_ij − m_i} + e^{σ_h − m_i})
    ```

    with `m_i` the maximum of the visible scores and `σ_h`; rows with nothing
    visible (or `m_i = −∞`) are zero. Scores and softmax statistics are f32.
    `scale` defaults to `1/sqrt(D)`.

    With `rope = #bitsink.rope<theta, dims, style>`, `q_i` is rotated by
    `p_i` and `k_j` by `pos_j` before the dot product (in f32; see the
    attribute). On a cache in `cache` position mode this is StreamingLLM's
    rule: keys are stored un-rotated and turned by their position within the
    cache at every step.

    Example:

    ```mlir
    %o = bitsink.sink_attention
           ins(%q, %k, %v : tensor<1x32x128x128xbf16>, tensor<1x8x4096x128xbf16>,
                            tensor<1x8x4096x128xbf16>)
           sink_logits(%s : tensor<32xf32>)
           outs(%init : tensor<1x32x128x128xbf16>)
           {num_sinks = 4, window = 1024, causal = true}
           -> tensor<1x32x128x128xbf16>
    ```
  }];

  let arguments = (ins
    BitSink_TensorOrMemRef:$query,
    BitSink_TensorOrMemRef:$key,
    BitSink_TensorOrMemRef:$value,
    Optional<BitSink_TensorOrMemRef>:$sink_logits,
    Optional<BitSink_TensorOrMemRef>:$kv_len,
    Optional<BitSink_TensorOrMemRef>:$key_mask,
    Optional<BitSink_TensorOrMemRef>:$key_positions,
    BitSink_TensorOrMemRef:$init,
    DefaultValuedAttr<I64Attr, "0">:$num_sinks,
    OptionalAttr<AnyAttrOf<[I64Attr, DenseI64ArrayAttr]>>:$window,
    DefaultValuedAttr<BoolAttr, "false">:$causal,
    OptionalAttr<F32Attr>:$scale,
    OptionalAttr<BitSink_RopeAttr>:$rope
  );
  let results = (outs Variadic<AnyRankedTensor>:$result);

  let assemblyFormat = [{
    `ins` `(` $query `,` $key `,` $value `:` type($query) `,` type($key) `,`
        type($value) `)`
    (`sink_logits` `(` $sink_logits^ `:` type($sink_logits) `)`)?
    (`kv_len` `(` $kv_len^ `:` type($kv_len) `)`)?
    (`key_mask` `(` $key_mask^ `:` type($key_mask) `)`)?
    (`key_positions` `(` $key_positions^ `:` type($key_positions) `)`)?
    `outs` `(` $init `:` type($init) `)`
    attr-dict (`->` type($result)^)?
  }];

  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getInitMutable();
    }
    /// The output is overwritten entirely: the init is never read.
    static constexpr bool readsInits() { return false; }
    /// Window of query head `head`; negative means unbounded.
    int64_t getWindowForHead(int64_t head);
    /// True if every head has an unbounded window (dense attention).
    bool hasUnboundedWindow();
    /// Largest window over all heads; negative if any head is unbounded.
    int64_t getMaxWindow();
    /// The `scale` attribute, or 1/sqrt(D) when D is static.
    std::optional<double> getEffectiveScale();
    /// Number of query heads sharing one key/value head (GQA ratio), when
    /// both head counts are static.
    std::optional<int64_t> getGroupRatio();
  }];
  let hasCanonicalizer = 1;
}

//===----------------------------------------------------------------------===//
// cache_append
//===----------------------------------------------------------------------===//

def BitSink_CacheAppendOp : BitSink_Op<"cache_append"> {
  let summary = "append keys and values to a streaming (sink + ring) KV cache";
  let description = [{
    Appends `T` new key/value rows to a cache of `C` slots that keeps the
    first `S = num_sinks` tokens forever and the most recent `C − S` tokens
    in a ring (StreamingLLM). The result equals appending the new tokens one
    at a time. Token `t` of the stream (absolute index) lives in slot `t` if
    `t < S`, else in slot `S + (t − S) mod (C − S)`.

    ```
    k_new: B × Hkv × T × D     v_new: B × Hkv × T × Dv
    k_cache: B × Hkv × C × D   v_cache: B × Hkv × C × Dv
    positions: B × C (i64)     length: B (i64)
    ```

    `length` holds the number of tokens appended so far (it grows past `C`);
    its result is `length + T`. `positions` receives, for every slot, the
    position of its token: the absolute stream index in `original` mode, or
    the index within the cache's logical order in `cache` mode (sinks
    `0..S−1`, then window tokens from oldest to newest); `−1` marks an empty
    slot. The cache is updated in place (destination-passing style): the
    results alias the inits after bufferization.

    Example:

    ```mlir
    %kc, %vc, %pos, %len = bitsink.cache_append
        ins(%k, %v : tensor<1x8x1x128xf16>, tensor<1x8x1x128xf16>)
        outs(%kcache, %vcache, %p, %n : tensor<1x8x1024x128xf16>,
             tensor<1x8x1024x128xf16>, tensor<1x1024xi64>, tensor<1xi64>)
        {num_sinks = 4, position_mode = #bitsink.position_mode<cache>}
        -> tensor<1x8x1024x128xf16>, tensor<1x8x1024x128xf16>,
           tensor<1x1024xi64>, tensor<1xi64>
    ```
  }];

  let arguments = (ins
    BitSink_TensorOrMemRef:$new_keys,
    BitSink_TensorOrMemRef:$new_values,
    BitSink_TensorOrMemRef:$key_cache,
    BitSink_TensorOrMemRef:$value_cache,
    BitSink_TensorOrMemRef:$positions,
    BitSink_TensorOrMemRef:$length,
    DefaultValuedAttr<I64Attr, "0">:$num_sinks,
    DefaultValuedAttr<BitSink_PositionModeAttr,
                      "::bitsink::PositionMode::Original">:$position_mode
  );
  let results = (outs Variadic<AnyRankedTensor>:$results);

  let assemblyFormat = [{
    `ins` `(` $new_keys `,` $new_values `:` type($new_keys) `,`
        type($new_values) `)`
    `outs` `(` $key_cache `,` $value_cache `,` $positions `,` $length `:`
        type($key_cache) `,` type($value_cache) `,` type($positions) `,`
        type($length) `)`
    attr-dict (`->` type($results)^)?
  }];

  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return ::mlir::MutableOperandRange(getOperation(), /*start=*/2,
                                         /*length=*/4);
    }
    /// The cache keeps the slots it does not overwrite; length is advanced.
    static constexpr bool readsInits() { return true; }
  }];
}

//===----------------------------------------------------------------------===//
// bitplane_matmul
//===----------------------------------------------------------------------===//

def BitSink_BitplaneMatmulOp : BitSink_Op<"bitplane_matmul"> {
  let summary = "matmul with a weight stored as packed bit-planes";
  let description = [{
    `y = acc + x · Ŵ` with f32 accumulation, where the `K × N` weight is

    ```
    Ŵ[k, n] = c[g, 0, n] + Σ_{l<L} c[g, l+1, n] · t_l[k, n],  g = k / group_size
    ```

    and the terms `t_l` come from the packed planes according to
    `plane_kind`:

    | plane_kind | stored planes P | terms L | coefficients C | t_l |
    | --- | --- | --- | --- | --- |
    | binary | 1–4 | P | P + 1 | `b_l ∈ {0, 1}` |
    | signed | 1–4 | P | P + 1 | `2·b_l − 1` |
    | ternary | 2 or 4 | P/2 | P/2 + 1 | `m·(2s − 1)`, m = plane 2l, s = plane 2l+1 |

    ```
    x: M × K (T ∈ {f32, f16, bf16})     acc/result: M × N (T or f32)
    planes: P × KW × N (i32), KW = ceil(K/32); bit i of planes[p, w, n] is
            row k = 32·w + i of plane p (canonical layout)
    coeffs: G × C × N (f16 or f32), G = ceil(K / group_size)
    ```

    `group_size` is a multiple of 32, or `≥ K` (one group per output
    channel). A `layout` attribute (`#bitsink.layout`) means the planes are
    stored blocked instead of canonical.

    Optional sub-block scale codes (`scales(...)` with `sub_block = S`, S ∈
    {8, 16, 32}; it divides every `group_size` but a per-channel one): a
    4-bit code q per S rows and
    output multiplies that sub-block's weights,

    ```
    Ŵ[k, n] = (q[k / S, n] + 1) / 16 · (c[g, 0, n] + Σ_l c[g, l+1, n] · t_l[k, n])
    scales: SW × N (i32), SW = ceil(ceil(K/S) / 8); bits 4j..4j+3 of
            scales[w, n] hold q of sub-block 8w + j
    ```

    (docs/quantizer.md, "Sub-block scale codes"; 4 bits per S weights).

    Example (2-bit BPDQ, group 128):

    ```mlir
    %y = bitsink.bitplane_matmul
           ins(%x, %planes, %coeffs : tensor<16x4096xf16>,
               tensor<2x128x4096xi32>, tensor<32x3x4096xf16>)
           outs(%acc : tensor<16x4096xf32>)
           {plane_kind = #bitsink.plane_kind<binary>, group_size = 128}
           -> tensor<16x4096xf32>
    ```
  }];

  let arguments = (ins
    BitSink_TensorOrMemRef:$input,
    BitSink_TensorOrMemRef:$planes,
    BitSink_TensorOrMemRef:$coeffs,
    Optional<BitSink_TensorOrMemRef>:$scales,
    BitSink_TensorOrMemRef:$acc,
    BitSink_PlaneKindAttr:$plane_kind,
    I64Attr:$group_size,
    OptionalAttr<BitSink_PlaneLayoutAttr>:$layout,
    OptionalAttr<I64Attr>:$sub_block
  );
  let results = (outs Variadic<AnyRankedTensor>:$result);

  let assemblyFormat = [{
    `ins` `(` $input `,` $planes `,` $coeffs `:` type($input) `,`
        type($planes) `,` type($coeffs) `)`
    (`scales` `(` $scales^ `:` type($scales) `)`)?
    `outs` `(` $acc `:` type($acc) `)`
    attr-dict (`->` type($result)^)?
  }];

  let extraClassDeclaration = [{
    ::mlir::MutableOperandRange getDpsInitsMutable() {
      return getAccMutable();
    }
    /// acc is accumulated into.
    static constexpr bool readsInits() { return true; }
    /// Number of stored bit-planes P (static in every valid op).
    int64_t getNumPlanes();
    /// Number of weight terms L (P, or P/2 for ternary planes).
    int64_t getNumTerms() { return numTermsFor(getPlaneKind(), getNumPlanes()); }
    /// Coefficients per group and output, C = L + 1.
    int64_t getNumCoefficients() { return getNumTerms() + 1; }
    /// Rows per sub-block scale code S; 0 without codes.
    int64_t getSubBlockRows() {
      return getScales() && getSubBlock() ? static_cast<int64_t>(*getSubBlock())
                                          : 0;
    }

    static int64_t numTermsFor(::bitsink::PlaneKind kind, int64_t planes) {
      return kind == ::bitsink::PlaneKind::Ternary ? planes / 2 : planes;
    }
  }];
  let hasCanonicalizer = 1;
}

#endif // BITSINK_DIALECT_BITSINK_IR_BITSINKOPS_TD
