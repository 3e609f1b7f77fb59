"""Writes the IR of every bench/gpu case (one entry `main` per file) into a
folder: the shapes of issue 6's benchmark table.

  prefill_N{4096,16384,65536}: B1 H32 Hkv8 D128 bf16, 4 sinks, window 4096,
                               causal
  decode_B{1,16,64}:           one query per sequence, Nk = 4 + 4096 keys
  gemv_p{2,3}_{K}x{N}_m{1,16}: binary bit-planes, groups of 128, f16 x /
                               coefficients / output
  gemv_p3s16_8192x8192_m{1,16}: 3 planes, one grid per column, scale codes
                               every 16 rows
Usage: make_ir.py OUTDIR
"""

import pathlib
import sys

SINKS, WINDOW = 4, 4096
H, HKV, D = 32, 8, 128


def attention(b, nq, nk):
    q = f"tensor<{b}x{H}x{nq}x{D}xbf16>"
    kv = f"tensor<{b}x{HKV}x{nk}x{D}xbf16>"
    return f"""\
func.func @main(%q: {q}, %k: {kv}, %v: {kv}) -> {q} {{
  %init = tensor.empty() : {q}
  %o = bitsink.sink_attention ins(%q, %k, %v : {q}, {kv}, {kv}) outs(%init : {q})
         {{causal = true, num_sinks = {SINKS} : i64, window = {WINDOW} : i64}} -> {q}
  return %o : {q}
}}
"""


def gemv(planes, k, n, m, group=128, sub_block=0):
    """With `sub_block` S: scale codes every S rows (one word of codes per 8
    sub-blocks and column) after the coefficients."""
    x = f"tensor<{m}x{k}xf16>"
    p = f"tensor<{planes}x{k // 32}x{n}xi32>"
    c = f"tensor<{k // group}x{planes + 1}x{n}xf16>"
    y = f"tensor<{m}x{n}xf16>"
    s = f"tensor<{-(-k // (8 * sub_block)) if sub_block else 0}x{n}xi32>"
    args = f"%x: {x}, %p: {p}, %c: {c}" + (f", %s: {s}" if sub_block else "")
    scales = f" scales(%s : {s})" if sub_block else ""
    attrs = f"group_size = {group}" + (
        f", sub_block = {sub_block}" if sub_block else "")
    return f"""\
func.func @main({args}) -> {y} {{
  %zero = arith.constant 0.0 : f16
  %empty = tensor.empty() : {y}
  %acc = linalg.fill ins(%zero : f16) outs(%empty : {y}) -> {y}
  %y = bitsink.bitplane_matmul ins(%x, %p, %c : {x}, {p}, {c}){scales} outs(%acc : {y})
         {{plane_kind = #bitsink.plane_kind<binary>, {attrs}}} -> {y}
  return %y : {y}
}}
"""


def cases():
    for n in (4096, 16384, 65536):
        yield f"prefill_N{n}", attention(1, n, n)
    for b in (1, 16, 64):
        yield f"decode_B{b}", attention(b, 1, SINKS + WINDOW)
    for planes in (2, 3):
        for k, n in ((8192, 8192), (8192, 28672)):
            for m in (1, 16):
                yield f"gemv_p{planes}_{k}x{n}_m{m}", gemv(planes, k, n, m)
    # Sub-block scale codes, one grid per column (what bitsink.quantize's
    # sub_block makes): 3 planes, codes every 16 rows.
    for m in (1, 16):
        yield f"gemv_p3s16_8192x8192_m{m}", gemv(3, 8192, 8192, m,
                                                 group=8192, sub_block=16)
    # Prefill-sized products (M > gemv-max-rows: the tensor-core GEMM).
    for planes in (2, 3):
        yield f"gemm_p{planes}_4096x4096_m512", gemv(planes, 4096, 4096, 512)


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name, text in cases():
        (out / f"{name}.mlir").write_text(text)
        print(name)


if __name__ == "__main__":
    main()
