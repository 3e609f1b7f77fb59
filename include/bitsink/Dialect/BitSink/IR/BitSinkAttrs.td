//===- BitSinkAttrs.td - bitsink attributes ----------------*- tablegen -*-===//
//
// Enum and layout attributes of the bitsink dialect: the kind of a bit-plane
// (how stored bits become weight terms), the packed-plane layout, and the
// position frame of the streaming KV cache.
//
//===----------------------------------------------------------------------===//

#ifndef BITSINK_DIALECT_BITSINK_IR_BITSINKATTRS_TD
#define BITSINK_DIALECT_BITSINK_IR_BITSINKATTRS_TD

include "bitsink/Dialect/BitSink/IR/BitSinkDialect.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/EnumAttr.td"

def BitSink_PlaneKind : I32EnumAttr<"PlaneKind",
    "how the stored bits of a bit-plane become weight terms", [
      I32EnumAttrCase<"Binary", 0, "binary">,
      I32EnumAttrCase<"Signed", 1, "signed">,
      I32EnumAttrCase<"Ternary", 2, "ternary">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bitsink";
}

def BitSink_PlaneKindAttr
    : EnumAttr<BitSink_Dialect, BitSink_PlaneKind, "plane_kind"> {
  let summary = "kind of the packed bit-planes of a bitplane_matmul";
  let description = [{
    `binary`: each stored plane `l` contributes the term `b_l ∈ {0, 1}`
    (BPDQ). `signed`: each stored plane contributes `2·b_l − 1 ∈ {−1, +1}`.
    `ternary`: planes come in (magnitude, sign) pairs; pair `l` contributes
    `m·(2s − 1) ∈ {−1, 0, +1}` with `m` the bit of plane `2l` and `s` the bit
    of plane `2l+1` (trit-planes, PTQTP).
  }];
  let assemblyFormat = "`<` $value `>`";
}

def BitSink_PositionMode : I32EnumAttr<"PositionMode",
    "position frame of the slots of a streaming KV cache", [
      I32EnumAttrCase<"Original", 0, "original">,
      I32EnumAttrCase<"Cache", 1, "cache">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bitsink";
}

def BitSink_PositionModeAttr
    : EnumAttr<BitSink_Dialect, BitSink_PositionMode, "position_mode"> {
  let summary = "position frame written by bitsink.cache_append";
  let description = [{
    `original`: a slot's position is the absolute index of its token in the
    stream. `cache`: positions are re-indexed within the cache as
    StreamingLLM does (sinks `0..S−1`, then the window tokens from oldest to
    newest).
  }];
  let assemblyFormat = "`<` $value `>`";
}

def BitSink_PlaneLayoutAttr : AttrDef<BitSink_Dialect, "PlaneLayout"> {
  let mnemonic = "layout";
  let summary = "blocked layout of packed bit-planes";
  let description = [{
    Without a `layout` attribute, the planes of a `bitplane_matmul` are in
    the canonical layout `P × KW × N` (docs/semantics.md §2.3). A blocked
    layout stores the same bits as a rank-5 tensor

    ```
    planes[nb, kb, p, kw, nn] = canonical[p, kb·k_tile + kw, nb·n_tile + nn]
    shape: ceil(N/n_tile) × ceil(KW/k_tile) × P × k_tile × n_tile
    ```

    so that one block of `k_tile` words of all planes for `n_tile` outputs is
    contiguous (what a CPU GEMV streams, or what a GPU thread group loads).
    Padding words are zero. Passes that set a layout repack the constants.

    Example: `#bitsink.layout<n_tile = 16, k_tile = 4>`.
  }];
  let parameters = (ins "int64_t":$nTile, "int64_t":$kTile);
  let assemblyFormat = "`<` `n_tile` `=` $nTile `,` `k_tile` `=` $kTile `>`";
  let genVerifyDecl = 1;
}

def BitSink_RopeStyle : I32EnumAttr<"RopeStyle",
    "how rotary embeddings pair the dimensions of a head", [
      I32EnumAttrCase<"Half", 0, "half">,
      I32EnumAttrCase<"Interleaved", 1, "interleaved">
    ]> {
  let genSpecializedAttr = 0;
  let cppNamespace = "::bitsink";
}

def BitSink_RopeAttr : AttrDef<BitSink_Dialect, "Rope"> {
  let mnemonic = "rope";
  let summary = "rotary position embedding applied inside sink_attention";
  let description = [{
    Rotates `q_i` by its position `p_i` and `k_j` by `pos_j` (the positions of
    `sink_attention`, docs/semantics.md §2.1) before the dot product, in f32.
    Pair `m < dims/2` turns by the angle `pos · theta^(−2m/dims)`:

    - `half` (Llama, NeoX, the torch/HF "rotate half" form): pair `m` is
      dimensions `(m, m + dims/2)`;
    - `interleaved` (GPT-J, the GGUF/Meta complex form): pair `m` is
      dimensions `(2m, 2m + 1)`.

    A pair `(a, b)` becomes `(a·cos − b·sin, a·sin + b·cos)`. Dimensions
    `≥ dims` and the values are not rotated. `dims` is even and at most the
    head dim `D`; `dims = 0` rotates nothing (canonicalisation drops it).
    `theta` is positive and finite.

    Example: `#bitsink.rope<theta = 10000.0, dims = 64, style = half>`.
  }];
  let parameters = (ins "::llvm::APFloat":$theta, "int64_t":$dims,
                        "::bitsink::RopeStyle":$style);
  let hasCustomAssemblyFormat = 1;
  let genVerifyDecl = 1;
  let builders = [
    AttrBuilder<(ins "double":$theta, "int64_t":$dims,
                     "::bitsink::RopeStyle":$style), [{
      return $_get($_ctxt, ::llvm::APFloat(theta), dims, style);
    }]>
  ];
  let extraClassDeclaration = [{
    /// theta as a double.
    double getThetaValue() const { return getTheta().convertToDouble(); }
    /// theta^(−2m/dims): the angle per position of pair `m`.
    double inverseFrequency(int64_t pair) const;
    /// The two dimensions pair `m` rotates (first, second).
    std::pair<int64_t, int64_t> pairDims(int64_t pair) const;
  }];
}

#endif // BITSINK_DIALECT_BITSINK_IR_BITSINKATTRS_TD
