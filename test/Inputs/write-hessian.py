"""Writes the module and calibration archives of
test/Transforms/bitsink-quantize-weights-hessian.mlir, without numpy.

The module multiplies x[4][64] by two 64 x 16 weights named "fc1.weight" and
"fc2.weight" (location names; values sin(1.3 * i + 0.2 * j) with i the flat
index and j the weight, times 0.1 for "fc1.weight"). The calibration rows
X[64][64] are small integers (-7..7, from a linear congruential generator,
full rank), so XᵀX is exact in f32 and f64 and, with T = 64 a power of two,
so is XᵀX/T: the Hessian written here is bit for bit the one
bitsink.HessianAccumulator (and the quantizer, from the rows) forms.

Usage: write-hessian.py OUT.mlir OUT.npz KEY=KIND ...
KIND is one of
  rows         the activations X[64][64] (f32)
  hessian      XᵀX/T (f64, 64 x 64)
  hessian-f32  the same in f32 (exact: multiples of 1/64 below 64)
  short        XᵀX/T without its last column (64 x 63)
  asymmetric   XᵀX/T with H[1][0] increased by 1
  negative     XᵀX/T with H[2][2] = -1
  nan          XᵀX/T with H[0][1] = H[1][0] = NaN
  int          XᵀX (int64)
"""

import math
import struct
import sys
import zipfile

K, N, T = 64, 16, 64


def weight(scale, layer):
    rows = []
    for k in range(K):
        values = (scale * math.sin(1.3 * (k * N + n) + 0.2 * layer)
                  for n in range(N))
        rows.append("[" + ", ".join("%.6e" % v for v in values) + "]")
    return "dense<[" + ", ".join(rows) + "]>"


def write_module(out):
    lines = ["func.func @hessian(%x: tensor<4x64xf32>, %acc: tensor<4x16xf32>)"
             " -> (tensor<4x16xf32>, tensor<4x16xf32>) {"]
    for layer, (name, scale) in enumerate([("fc1.weight", 0.1),
                                           ("fc2.weight", 1.0)]):
        lines.append(f"  %w{layer} = arith.constant {weight(scale, layer)} : "
                     f'tensor<{K}x{N}xf32> loc("{name}")')
        lines.append(f"  %y{layer} = linalg.matmul ins(%x, %w{layer} : "
                     f"tensor<4x{K}xf32>, tensor<{K}x{N}xf32>) outs(%acc : "
                     f"tensor<4x{N}xf32>) -> tensor<4x{N}xf32>")
    lines.append("  return %y0, %y1 : tensor<4x16xf32>, tensor<4x16xf32>")
    lines.append("}")
    with open(out, "w") as f:
        f.write("\n".join(lines) + "\n")


def rows():
    state = 2024
    values = []
    for _ in range(T * K):
        state = (1103515245 * state + 12345) % 2**31
        values.append((state >> 16) % 15 - 7)
    return [values[t * K:(t + 1) * K] for t in range(T)]


def gram(x):
    return [[sum(x[t][i] * x[t][j] for t in range(T)) for j in range(K)]
            for i in range(K)]


def npy_bytes(descr, code, shape, values):
    header = "{'descr': '%s', 'fortran_order': False, 'shape': %s, }" % (
        descr, str(tuple(shape)))
    header += " " * (64 - (10 + len(header) + 1) % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
            + header.encode() + struct.pack("<%d%s" % (len(values), code),
                                            *values))


def entry(kind):
    x = rows()
    g = gram(x)
    h = [[v / T for v in row] for row in g]
    if kind == "rows":
        return npy_bytes("<f4", "f", (T, K), [v for r in x for v in r])
    if kind == "hessian":
        return npy_bytes("<f8", "d", (K, K), [v for r in h for v in r])
    if kind == "hessian-f32":
        return npy_bytes("<f4", "f", (K, K), [v for r in h for v in r])
    if kind == "short":
        return npy_bytes("<f8", "d", (K, K - 1), [v for r in h for v in r[:-1]])
    if kind == "asymmetric":
        h[1][0] += 1
    elif kind == "negative":
        h[2][2] = -1.0
    elif kind == "nan":
        h[0][1] = h[1][0] = float("nan")
    elif kind == "int":
        return npy_bytes("<i8", "q", (K, K), [v for r in g for v in r])
    else:
        raise SystemExit(f"unknown kind {kind!r}")
    return npy_bytes("<f8", "d", (K, K), [v for r in h for v in r])


def main(argv):
    write_module(argv[1])
    with zipfile.ZipFile(argv[2], "w") as archive:
        for spec in argv[3:]:
            key, kind = spec.rsplit("=", 1)
            archive.writestr(key + ".npy", entry(kind))


if __name__ == "__main__":
    main(sys.argv)
