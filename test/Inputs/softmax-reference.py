"""Expected result of linalg.softmax over axis AXIS of the one input that
`bitsink-run --save-inputs=PREFIX` wrote (PREFIXarg0.npy), in float64,
written as OUT.npy (Integration/CPU/softmax.mlir).

Usage: softmax-reference.py AXIS PREFIX OUT.npy
"""

import sys

import numpy as np

axis, prefix, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
x = np.load(f"{prefix}arg0.npy").astype(np.float64)
e = np.exp(x - x.max(axis=axis, keepdims=True))
np.save(out, e / e.sum(axis=axis, keepdims=True))
