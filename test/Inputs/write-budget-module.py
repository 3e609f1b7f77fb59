"""Writes the module of test/Transforms/bitsink-quantize-weights-budget.mlir:
three matmuls of x[4][128] by 128 x 16 weights named "small", "big" and
"fixed" (values sin(1.3 * i + 0.2 * j) with i the flat index, j the layer,
times 0.1 for "small" and 1 for the others), so that one layer's error is
about a hundred times the other's at the same configuration; and, with
OUT.npz, calibration activations for the three (64 x 128 rows of a linear
congruential generator in [-1, 1), full rank, unlike write-arrays.py's);
and, with IMPORTANCE.npz, importance scalars for bitsink-quantize-weights'
importance= option: "small" 1000, "big" 1 (no entry for "fixed").

Usage: write-budget-module.py OUT.mlir [OUT.npz [IMPORTANCE.npz]]
"""

import math
import struct
import sys
import zipfile

K, N = 128, 16


def weight(scale, layer):
    rows = []
    for k in range(K):
        values = (scale * math.sin(1.3 * (k * N + n) + 0.2 * layer)
                  for n in range(N))
        rows.append("[" + ", ".join("%.6e" % v for v in values) + "]")
    return "dense<[" + ", ".join(rows) + "]>"


def main(out):
    lines = ["func.func @budget(%x: tensor<4x128xf32>, %acc: tensor<4x16xf32>)"
             " -> (tensor<4x16xf32>, tensor<4x16xf32>, tensor<4x16xf32>) {"]
    for layer, (name, scale) in enumerate(
            [("small", 0.1), ("big", 1.0), ("fixed", 1.0)]):
        lines.append(f'  %w{layer} = arith.constant {{bitsink.name = "{name}"}} '
                     f"{weight(scale, layer)} : tensor<{K}x{N}xf32>")
        lines.append(f"  %y{layer} = linalg.matmul ins(%x, %w{layer} : "
                     f"tensor<4x{K}xf32>, tensor<{K}x{N}xf32>) outs(%acc : "
                     f"tensor<4x{N}xf32>) -> tensor<4x{N}xf32>")
    lines.append("  return %y0, %y1, %y2 : tensor<4x16xf32>, tensor<4x16xf32>,"
                 " tensor<4x16xf32>")
    lines.append("}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def npy_bytes(shape, values):
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }" % (
        str(tuple(shape)))
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
            + header.encode() + struct.pack("<%df" % len(values), *values))


def write_importance(out):
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("small.npy", npy_bytes((), [1000.0]))
        z.writestr("big.npy", npy_bytes((1,), [1.0]))


def write_calibration(out, rows=64):
    state = 12345
    values = []
    for _ in range(rows * K):
        state = (1103515245 * state + 12345) % 2**31
        values.append(state / 2**30 - 1.0)
    header = "{'descr': '<f4', 'fortran_order': False, 'shape': (%d, %d), }" % (
        rows, K)
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    npy = (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
           + header.encode() + struct.pack("<%df" % len(values), *values))
    with zipfile.ZipFile(out, "w") as z:
        for name in ("small", "big", "fixed"):
            z.writestr(name + ".npy", npy)


if __name__ == "__main__":
    main(sys.argv[1])
    if len(sys.argv) > 2:
        write_calibration(sys.argv[2])
    if len(sys.argv) > 3:
        write_importance(sys.argv[3])
