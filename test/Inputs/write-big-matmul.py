"""Writes an MLIR file with one `@big` function: x (1 x K) times a constant
random K x N f32 weight (dense literal), large enough that
bitsink-quantize-weights stores the packed planes as dense_resource blobs.
Standard library only; deterministic.

usage: write-big-matmul.py OUT.mlir [K N]
"""

import random
import sys


def main():
    out = sys.argv[1]
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 130
    rng = random.Random(1234)
    rows = ", ".join(
        "[" + ", ".join(f"{rng.gauss(0.0, 1.0):.6f}" for _ in range(n)) + "]"
        for _ in range(k))
    with open(out, "w") as f:
        f.write(f"""func.func @big(%x: tensor<1x{k}xf32>) -> tensor<1x{n}xf32> {{
  %w = arith.constant dense<[{rows}]> : tensor<{k}x{n}xf32>
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<1x{n}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%e : tensor<1x{n}xf32>) -> tensor<1x{n}xf32>
  %y = linalg.matmul ins(%x, %w : tensor<1x{k}xf32>, tensor<{k}x{n}xf32>)
                     outs(%acc : tensor<1x{n}xf32>) -> tensor<1x{n}xf32>
  return %y : tensor<1x{n}xf32>
}}
""")


if __name__ == "__main__":
    main()
