"""Compares two .npy files elementwise (numpy): prints the largest absolute
error and PASS when it is at most atol + rtol * max|expected|, else FAIL.

Usage: compare-npy.py EXPECTED.npy ACTUAL.npy [--atol A] [--rtol R]
"""

import argparse
import sys

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("expected")
ap.add_argument("actual")
ap.add_argument("--atol", type=float, default=1e-6)
ap.add_argument("--rtol", type=float, default=1e-5)
args = ap.parse_args()
a = np.load(args.expected).astype(np.float64)
b = np.load(args.actual).astype(np.float64)
if a.shape != b.shape:
    print(f"FAIL: shapes {a.shape} and {b.shape} differ")
    sys.exit(1)
err = float(np.abs(a - b).max()) if a.size else 0.0
bound = args.atol + args.rtol * float(np.abs(a).max() if a.size else 0.0)
ok = err <= bound and bool(np.isfinite(b).all())
print(f"max_abs_err={err:.3e} bound={bound:.3e} {'PASS' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
