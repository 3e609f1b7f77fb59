"""Writes the seed corpora of the fuzzers into OUT/<fuzzer>/ (numpy only):
.npy / .npz files of every dtype for the reader, and the lit tests of the
dialect, transforms and conversions split on `// -----` for the IR parser.
The quantizer and lowering fuzzers decode structured inputs from any bytes
and start from a few fixed byte strings.

Usage: make_seeds.py REPO OUT
"""

import glob
import os
import pathlib
import sys

import numpy as np


def npy_seeds(out):
    rng = np.random.default_rng(0)
    for i, dt in enumerate(["<f4", "<f2", "|b1", "<i8", "<u4", "|u1", "<f8", "<i2", "<i4", "|i1"]):
        np.save(out / f"a{i}.npy", (rng.standard_normal((2, 3)) * 5).astype(dt))
    np.save(out / "fortran.npy", np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    np.save(out / "scalar.npy", np.float32(3))
    np.save(out / "empty.npy", np.zeros((0, 4), np.float32))
    np.savez(out / "stored.npz", a=np.arange(6, dtype=np.float32).reshape(2, 3), b=np.ones(3, np.int64))
    np.savez_compressed(out / "deflated.npz", w=rng.standard_normal((4, 5)).astype(np.float32))


def ir_seeds(repo, out):
    files = []
    for pattern in ("test/Dialect/BitSink/*.mlir", "test/Transforms/*.mlir", "test/Conversion/*.mlir"):
        files += sorted(glob.glob(str(repo / pattern)))
    i = 0
    for f in files:
        for chunk in pathlib.Path(f).read_text().split("// -----"):
            body = "\n".join(l for l in chunk.splitlines() if not l.strip().startswith("//"))
            if body.strip():
                (out / f"seed{i}.mlir").write_text(body)
                i += 1


def byte_seeds(out):
    for i, seed in enumerate([b"\0" * 64, b"\1" * 64, bytes(range(256)), b"\xff" * 64]):
        (out / f"seed{i}").write_bytes(seed)


def main():
    repo, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    for name in ("npy", "ir", "quant", "lower"):
        (out / name).mkdir(parents=True, exist_ok=True)
    npy_seeds(out / "npy")
    ir_seeds(repo, out / "ir")
    byte_seeds(out / "quant")
    byte_seeds(out / "lower")


if __name__ == "__main__":
    main()
