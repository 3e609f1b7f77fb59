"""Expected result of the contraction test functions, from the inputs that
`bitsink-run --save-inputs=PREFIX` wrote (PREFIXarg0.npy ...), in float64.

Usage: matmul-reference.py FORM PREFIX OUT.npy
FORM: nn (C + A @ B), nt (C + A @ B^T), tn (C + A^T @ B), batch (C + A @ B
per batch), linear (A @ W^T + bias, the torch-mlir form of nn.Linear),
heads (C + einsum bsk,khd->bshd), merge_heads (C + einsum bshd,hdn->bsn,
two M and two K dimensions), gelu_linear (C + gelu(H + bias) @ W,
exact GELU), nn_corner (C + A @ B[:K, :N], B's top left corner of A's
K columns and C's N columns; a further argument, the sizes' seed, is not
read).
"""

import sys

import numpy as np

form, prefix, out = sys.argv[1:4]
n_args = {"nn": 3, "nt": 3, "tn": 3, "batch": 3, "linear": 3, "heads": 3, "merge_heads": 3, "gelu_linear": 4, "nn_corner": 3}[form]
args = [np.load(f"{prefix}arg{i}.npy").astype(np.float64) for i in range(n_args)]
if form == "nn":
    a, b, c = args
    r = c + a @ b
elif form == "nn_corner":
    a, b, c = args
    r = c + a @ b[: a.shape[1], : c.shape[1]]
elif form == "nt":
    a, b, c = args
    r = c + a @ b.T
elif form == "tn":
    a, b, c = args
    r = c + a.T @ b
elif form == "batch":
    a, b, c = args
    r = c + np.matmul(a, b)
elif form == "heads":
    a, b, c = args
    r = c + np.einsum("bsk,khd->bshd", a, b)
elif form == "merge_heads":
    a, b, c = args
    r = c + np.einsum("bshd,hdn->bsn", a, b)
elif form == "gelu_linear":
    from math import erf

    h, bias, w, c = args
    s = h + bias
    g = 0.5 * s * (1.0 + np.vectorize(erf)(s / np.sqrt(2.0)))
    r = c + g @ w
else:
    x, w, bias = args
    r = x @ w.T + bias
np.save(out, r.astype(np.float32))
